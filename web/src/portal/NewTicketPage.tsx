import { useEffect, useRef, useState, type FormEvent } from 'react';
import { Alert, Anchor, Button, Divider, Group, Paper, Select, SimpleGrid, Stack, Text, TextInput, Textarea, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import { api, ApiError } from '../api.ts';
import { localName } from '../lib/format.ts';
import { useCategories, useMe } from '../queries.ts';
import { IconAlert, IconCheck } from '../components/icons.tsx';
import { FilePicker } from './FilePicker.tsx';

/** Articles the help center suggests for the draft (deflection); their url carries the deflection id. */
interface Deflection {
  deflectionId: string | null;
  items: { id: string; slug: string; title: string; snippetHtml: string; url: string }[];
}

/**
 * Asks the help center for articles matching the draft while the customer types (debounced);
 * the last suggestion's id goes with the ticket so the desk knows it was filed anyway.
 */
function useDeflection(text: string, locale: string): Deflection {
  const [result, setResult] = useState<Deflection | null>(null);
  // Articles once suggested stay linked to the ticket even when later drafts match nothing.
  const lastId = useRef<string | null>(null);
  const seq = useRef(0);
  useEffect(() => {
    const draft = text.trim();
    // An emptied form (after sending) starts a new draft.
    if (!draft) lastId.current = null;
    if (draft.length < 6) return;
    const mine = ++seq.current;
    const timer = setTimeout(() => {
      api
        // Chinese text finds the Chinese articles, whatever language the page is in.
        .post<Deflection>('/help/deflect', {
          text: draft.slice(0, 5000),
          locale: /[\u3400-\u9fff]/.test(draft) ? 'zh-CN' : locale,
          source: 'ticket_form',
          // One draft is one deflection, however many times the suggestions refresh.
          ...(lastId.current ? { deflectionId: lastId.current } : {}),
        })
        .then((r) => {
          // A slower, older answer must not replace a newer one.
          if (mine !== seq.current) return;
          if (r.deflectionId) lastId.current = r.deflectionId;
          setResult(r);
        })
        .catch(() => {});
    }, 400);
    return () => clearTimeout(timer);
  }, [text, locale]);
  const items = text.trim().length < 6 ? [] : (result?.items ?? []);
  return { deflectionId: lastId.current, items };
}

interface Created {
  id: string;
  number: number;
  /** Anonymous filings: whether the confirmation link went out (false when this address had too many this hour). */
  confirmationSent?: boolean;
}

const EMPTY = { email: '', name: '', subject: '', body: '', categoryId: '', uid: '', orderId: '', txHash: '', coin: '', network: '' };
type Form = typeof EMPTY;

/** Maps a server error to words a customer understands; the server's own message when it is specific. */
export function describeUploadError(err: unknown, t: (key: 'portal.errors.tooLarge' | 'portal.errors.badType' | 'portal.errors.rateLimited' | 'portal.errors.network') => string): string {
  if (!(err instanceof ApiError)) return String(err);
  if (err.status === 413) return `${t('portal.errors.tooLarge')} ${err.message}`;
  if (err.status === 415) return `${t('portal.errors.badType')} ${err.message}`;
  if (err.status === 429) return t('portal.errors.rateLimited');
  if (err.status === 0) return t('portal.errors.network');
  return err.message;
}

export function NewTicketPage() {
  const { t, i18n } = useTranslation();
  const me = useMe();
  const categories = useCategories();
  const signedIn = me.data?.type === 'contact';
  const [form, setForm] = useState<Form>(EMPTY);
  const [files, setFiles] = useState<File[]>([]);
  const [fileError, setFileError] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [submitting, setSubmitting] = useState(false);
  const [created, setCreated] = useState<(Created & { email: string }) | null>(null);

  const deflection = useDeflection(`${form.subject}\n${form.body}`, i18n.language === 'zh-CN' ? 'zh-CN' : 'en');

  const set = (key: keyof Form) => (value: string) => setForm((f) => ({ ...f, [key]: value }));
  const input = (key: keyof Form) => ({
    value: form[key],
    onChange: (e: { currentTarget: { value: string } }) => set(key)(e.currentTarget.value),
    'data-testid': `ticket-${key}`,
  });

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    if (submitting) return;
    setError(null);
    if (!signedIn && !/^\S+@\S+\.\S+$/.test(form.email.trim())) return setError(t('portal.new.errors.email'));
    if (!form.subject.trim()) return setError(t('portal.new.errors.subject'));
    if (!form.body.trim()) return setError(t('portal.new.errors.body'));
    const data = new FormData();
    for (const [key, value] of Object.entries(form)) {
      if ((key === 'email' || key === 'name') && signedIn) continue;
      if (value.trim()) data.append(key, value.trim());
    }
    // Replies and emails about this ticket use the language the customer is reading in.
    data.append('language', i18n.language === 'zh-CN' ? 'zh-CN' : 'en');
    if (deflection.deflectionId) data.append('deflectionId', deflection.deflectionId);
    for (const f of files) data.append('files', f, f.name);
    setSubmitting(true);
    try {
      const result = await api.upload<Created>('/tickets', data);
      setCreated({ ...result, email: form.email.trim() });
      setForm(EMPTY);
      setFiles([]);
      window.scrollTo({ top: 0 });
    } catch (err) {
      setError(describeUploadError(err, t));
    } finally {
      setSubmitting(false);
    }
  }

  if (created) {
    return (
      <Paper withBorder radius="lg" p="xl" maw={640} mx="auto" data-testid="ticket-created" data-number={created.number} data-id={created.id}>
        <Stack gap="md" align="flex-start">
          <Group gap="xs">
            <IconCheck size={22} color="var(--mantine-color-teal-6)" />
            <Title order={3}>{t('portal.new.createdTitle')}</Title>
          </Group>
          <Text>
            {t('portal.new.createdNumber')}{' '}
            <Text span fw={700} ff="monospace" fz="lg" data-testid="ticket-created-number">
              #{created.number}
            </Text>
          </Text>
          {signedIn ? (
            <>
              <Text c="dimmed">{t('portal.new.createdSignedIn')}</Text>
              <Group>
                <Button component={Link} to={`/tickets/${created.id}`} data-testid="ticket-created-link">
                  {t('portal.new.viewTicket')}
                </Button>
                <Button variant="default" onClick={() => setCreated(null)}>
                  {t('portal.new.another')}
                </Button>
              </Group>
            </>
          ) : (
            <>
              <Text c="dimmed" data-testid="ticket-created-anonymous">
                {t(created.confirmationSent === false ? 'portal.new.createdAnonymousLimited' : 'portal.new.createdAnonymous', { email: created.email })}
              </Text>
              <Group>
                <Button component={Link} to={`/tickets/login?email=${encodeURIComponent(created.email)}&next=${encodeURIComponent(`/tickets/${created.id}`)}`} data-testid="ticket-created-signin">
                  {t('portal.new.signInToFollow')}
                </Button>
                <Button variant="default" onClick={() => setCreated(null)}>
                  {t('portal.new.another')}
                </Button>
              </Group>
            </>
          )}
        </Stack>
      </Paper>
    );
  }

  const categoryOptions = [...(categories.data ?? [])].sort((a, b) => a.position - b.position).map((c) => ({ value: c.id, label: localName(c.name, i18n.language) }));

  return (
    <Stack gap="lg" maw={720} mx="auto">
      <div>
        <Title order={2}>{t('portal.new.title')}</Title>
        <Text c="dimmed" size="sm" mt={4}>
          {t('portal.new.intro')}
        </Text>
      </div>
      <Alert color="orange" variant="light" icon={<IconAlert size={18} />}>
        {t('portal.new.safety')}
      </Alert>
      <Paper withBorder radius="lg" p="lg" component="form" onSubmit={onSubmit} noValidate>
        <Stack gap="md">
          {!signedIn && (
            <>
              <SimpleGrid cols={{ base: 1, sm: 2 }}>
                <TextInput label={t('portal.new.email')} type="email" autoComplete="email" required {...input('email')} />
                <TextInput label={t('portal.new.name')} autoComplete="name" {...input('name')} />
              </SimpleGrid>
              <Text size="xs" c="dimmed">
                {t('portal.new.emailHint')} {t('portal.new.haveAccount')}{' '}
                <Link to="/tickets/login?next=/tickets/new">{t('portal.nav.signIn')}</Link>
              </Text>
              <Divider />
            </>
          )}
          <Select
            label={t('portal.new.category')}
            placeholder={t('portal.new.categoryPlaceholder')}
            data={categoryOptions}
            value={form.categoryId || null}
            onChange={(v) => set('categoryId')(v ?? '')}
            clearable
            searchable
            data-testid="ticket-category"
          />
          <TextInput label={t('portal.new.subject')} required maxLength={300} {...input('subject')} />
          <Textarea label={t('portal.new.body')} required autosize minRows={5} maxRows={14} description={t('portal.new.bodyHint')} {...input('body')} />
          {deflection.items.length > 0 && (
            <Alert color="blue" variant="light" title={t('portal.deflect.title')} data-testid="ticket-deflection" aria-live="polite">
              <Stack gap={6}>
                {deflection.items.map((a) => (
                  <div key={a.id}>
                    <Anchor href={a.url} target="_blank" rel="noopener" fw={500} data-testid="ticket-deflection-link">
                      {a.title}
                    </Anchor>
                    {/* The server escapes the snippet and only adds <mark> around matches. */}
                    <Text size="xs" c="dimmed" lineClamp={2} dangerouslySetInnerHTML={{ __html: a.snippetHtml }} />
                  </div>
                ))}
                <Text size="xs" c="dimmed">
                  {t('portal.deflect.hint')}
                </Text>
              </Stack>
            </Alert>
          )}
          <div>
            <Text size="sm" fw={600}>
              {t('portal.new.details')}
            </Text>
            <Text size="xs" c="dimmed" mb="xs">
              {t('portal.new.detailsHint')}
            </Text>
            <SimpleGrid cols={{ base: 1, sm: 2 }}>
              <TextInput label={t('portal.fields.uid')} maxLength={64} {...input('uid')} />
              <TextInput label={t('portal.fields.orderId')} maxLength={128} {...input('orderId')} />
              <TextInput label={t('portal.fields.txHash')} maxLength={128} classNames={{ input: 'sb-mono' }} {...input('txHash')} />
              <SimpleGrid cols={2}>
                <TextInput label={t('portal.fields.coin')} placeholder="USDT" maxLength={20} {...input('coin')} />
                <TextInput label={t('portal.fields.network')} placeholder="TRC20" maxLength={40} {...input('network')} />
              </SimpleGrid>
            </SimpleGrid>
          </div>
          <div>
            <Text size="sm" fw={600} mb={4}>
              {t('portal.new.attachments')}
            </Text>
            <FilePicker files={files} onChange={setFiles} onReject={setFileError} disabled={submitting} testId="ticket-files" />
            {fileError && (
              <Alert color="red" variant="light" mt="xs" data-testid="ticket-file-error">
                {fileError}
              </Alert>
            )}
          </div>
          {error && (
            <Alert color="red" variant="light" icon={<IconAlert size={18} />} role="alert" data-testid="ticket-error">
              {error}
            </Alert>
          )}
          <Group justify="flex-end">
            <Button type="submit" size="md" loading={submitting} data-testid="ticket-submit">
              {t('portal.new.submit')}
            </Button>
          </Group>
        </Stack>
      </Paper>
    </Stack>
  );
}
