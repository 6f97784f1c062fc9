import { useRef, useState, type FormEvent } from 'react';
import { Alert, Badge, Button, Card, Divider, Group, Modal, NumberInput, PasswordInput, SimpleGrid, Stack, Switch, Table, Text, Textarea, TextInput, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import type { ChannelKind } from '../../../../common/enums.ts';
import type { InboxOut } from '../../../../common/schemas.ts';
import { api, ApiError } from '../../api.ts';
import type { Items } from '../../lib/types.ts';
import { ListTable } from '../../components/ListBody.tsx';
import { IconCheck, IconPlus, IconX } from '../../components/icons.tsx';

const KEY = ['inboxes'] as const;

/** GET /inboxes/email-setup: where mail for email inboxes reaches this desk. */
interface EmailSetup {
  host: string;
  smtpPort: number;
  outboundConfigured: boolean;
}

/** POST /inboxes/:id/test. */
interface TestResult {
  ok: boolean;
  message: string;
}

/** The email settings keys this form edits (DESIGN.md "Inboxes"); others are kept as they are. */
interface EmailSettings {
  address?: string;
  fromName?: string;
  imap?: { host?: string; port?: number; secure?: boolean; user?: string } | null;
  signature?: { en?: string; 'zh-CN'?: string };
}

const KIND_COLORS: Partial<Record<ChannelKind, string>> = { email: 'grape', webchat: 'indigo', webform: 'blue', telegram: 'cyan', x: 'dark', meta: 'blue', phone: 'teal', api: 'gray' };

const emailOf = (inbox: InboxOut) => (inbox.settings ?? {}) as EmailSettings;

/** What identifies an inbox of any kind in the list. */
function addressOf(inbox: InboxOut): string {
  const s = (inbox.settings ?? {}) as Record<string, unknown>;
  // Supervisors get no settings; an email inbox's public address comes to every staff member.
  const value = s.address ?? inbox.address ?? s.username ?? s.handle ?? s.pageName ?? s.number;
  return typeof value === 'string' ? value : '';
}

/**
 * A write-only credential: once stored, the API says only that it is set. `value` undefined keeps
 * the stored one (the field is left out of the request); a string replaces it ('' removes it).
 */
function SecretInput({ label, description, isSet, value, onChange, testId }: { label: string; description?: string; isSet: boolean; value: string | undefined; onChange: (v: string | undefined) => void; testId: string }) {
  const { t } = useTranslation();
  if (isSet && value === undefined) {
    return (
      <Stack gap={4}>
        <Text size="sm" fw={500}>
          {label}
        </Text>
        <Group gap="sm">
          <Badge variant="light" color="teal" radius="sm" tt="none" data-testid={`${testId}-set`}>
            {t('emailUi.secretSet')}
          </Badge>
          <Button size="compact-sm" variant="default" onClick={() => onChange('')} data-testid={`${testId}-replace`}>
            {t('emailUi.secretReplace')}
          </Button>
        </Group>
        {description && (
          <Text size="xs" c="dimmed">
            {description}
          </Text>
        )}
      </Stack>
    );
  }
  return (
    <Stack gap={2}>
      <PasswordInput
        label={label}
        description={isSet ? t('emailUi.secretReplaceHint') : description}
        value={value ?? ''}
        onChange={(e) => onChange(isSet || e.currentTarget.value ? e.currentTarget.value : undefined)}
        autoComplete="new-password"
        maxLength={2000}
        data-testid={testId}
      />
      {isSet && (
        <Button size="compact-xs" variant="subtle" w="fit-content" onClick={() => onChange(undefined)}>
          {t('emailUi.secretKeep')}
        </Button>
      )}
    </Stack>
  );
}

/** "Test connection": the server logs in with the saved credentials and says what worked. */
function TestConnection({ inboxId, dirty }: { inboxId: string; dirty: boolean }) {
  const { t } = useTranslation();
  const result = useRef<HTMLDivElement>(null);
  const test = useMutation({
    mutationFn: () => api.post<TestResult>(`/inboxes/${inboxId}/test`),
    // The answer appears at the foot of a long form: bring it into view.
    onSettled: () => requestAnimationFrame(() => result.current?.scrollIntoView({ block: 'nearest', behavior: 'smooth' })),
  });
  return (
    <Stack gap="xs" ref={result}>
      <Group gap="sm">
        <Button variant="light" onClick={() => test.mutate()} loading={test.isPending} disabled={dirty} data-testid="inbox-test">
          {t('emailUi.testConnection')}
        </Button>
        {dirty && (
          <Text size="xs" c="dimmed">
            {t('emailUi.testUsesSaved')}
          </Text>
        )}
      </Group>
      {test.data && (
        <Alert
          color={test.data.ok ? 'teal' : 'red'}
          variant="light"
          icon={test.data.ok ? <IconCheck size={16} /> : <IconX size={16} />}
          title={test.data.ok ? t('emailUi.testOk') : t('emailUi.testFailed')}
          data-testid="inbox-test-result"
          data-ok={test.data.ok}
        >
          <Text size="sm" style={{ whiteSpace: 'pre-line', overflowWrap: 'anywhere' }}>
            {test.data.message}
          </Text>
        </Alert>
      )}
      {test.error && (
        <Alert color="red" variant="light" data-testid="inbox-test-result" data-ok={false}>
          {test.error.message}
        </Alert>
      )}
    </Stack>
  );
}

/** Create or edit an email inbox. Credentials are write-only; settings the form does not know are kept. */
function EmailInboxModal({ inbox, onSaved, onClose }: { inbox: InboxOut | null; onSaved: (inbox: InboxOut) => void; onClose: () => void }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const s = inbox ? emailOf(inbox) : {};
  const secrets = new Set(inbox?.secretsSet ?? []);
  const initial = {
    name: inbox?.name ?? '',
    address: s.address ?? '',
    fromName: s.fromName ?? '',
    enabled: inbox?.enabled ?? true,
    useImap: Boolean(s.imap?.host),
    imapHost: s.imap?.host ?? '',
    imapPort: s.imap?.port ?? 993,
    imapSecure: s.imap?.secure ?? true,
    imapUser: s.imap?.user ?? '',
    signatureEn: s.signature?.en ?? '',
    signatureZh: s.signature?.['zh-CN'] ?? '',
  };
  const [form, setForm] = useState(initial);
  // undefined: keep what is stored (or nothing); a string: the new value ('' removes it).
  const [imapPassword, setImapPassword] = useState<string | undefined>(undefined);
  const [smtpUrl, setSmtpUrl] = useState<string | undefined>(undefined);
  const set = <K extends keyof typeof initial>(key: K, value: (typeof initial)[K]) => setForm((f) => ({ ...f, [key]: value }));
  const dirty = JSON.stringify(form) !== JSON.stringify(initial) || imapPassword !== undefined || smtpUrl !== undefined;

  const save = useMutation({
    mutationFn: () => {
      // Start from the stored settings so keys this form does not edit survive (secrets are not in them).
      const settings: Record<string, unknown> = { ...(inbox?.settings ?? {}) };
      settings.address = form.address.trim();
      if (form.fromName.trim()) settings.fromName = form.fromName.trim();
      else delete settings.fromName;
      if (form.useImap) {
        settings.imap = {
          host: form.imapHost.trim(),
          port: form.imapPort,
          secure: form.imapSecure,
          user: form.imapUser.trim(),
          ...(imapPassword !== undefined ? { password: imapPassword } : {}),
        };
      } else if (inbox && (s.imap || secrets.has('imap.password'))) {
        settings.imap = null;
      } else {
        delete settings.imap;
      }
      if (smtpUrl !== undefined) settings.smtpUrl = smtpUrl.trim();
      const signature = { ...(form.signatureEn.trim() ? { en: form.signatureEn.trim() } : {}), ...(form.signatureZh.trim() ? { 'zh-CN': form.signatureZh.trim() } : {}) };
      if (Object.keys(signature).length) settings.signature = signature;
      else delete settings.signature;
      const body = { name: form.name.trim(), enabled: form.enabled, settings };
      return inbox ? api.patch<InboxOut>(`/inboxes/${inbox.id}`, body) : api.post<InboxOut>('/inboxes', { kind: 'email', ...body });
    },
    onSuccess: (saved) => {
      queryClient.setQueryData<Items<InboxOut>>(KEY, (old) => (old ? { items: inbox ? old.items.map((i) => (i.id === saved.id ? saved : i)) : [...old.items, saved] } : old));
      void queryClient.invalidateQueries({ queryKey: KEY });
      notifications.show({ color: 'teal', message: inbox ? t('app.saved') : t('emailUi.created') });
      onSaved(saved);
    },
  });

  // The server names the field in its message (settings.address: …, settings.imap.port: …).
  const error = save.error instanceof ApiError ? save.error : null;
  const addressError = error && (error.code === 'conflict' || error.message.startsWith('settings.address')) ? error.message : undefined;

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    if (form.name.trim() && form.address.trim()) save.mutate();
  }

  return (
    <Modal opened onClose={onClose} size="lg" title={inbox ? `${t('emailUi.editTitle')} · ${inbox.name}` : t('emailUi.createTitle')} centered data-testid="inbox-modal">
      <form onSubmit={onSubmit} autoComplete="off">
        <Stack gap="sm">
          {save.error && !addressError && (
            <Alert color="red" variant="light" data-testid="inbox-error">
              {save.error.message}
            </Alert>
          )}
          <SimpleGrid cols={{ base: 1, sm: 2 }}>
            <TextInput label={t('emailUi.name')} placeholder={t('emailUi.namePlaceholder')} required maxLength={120} value={form.name} onChange={(e) => set('name', e.currentTarget.value)} data-autofocus data-testid="inbox-name" />
            <TextInput label={t('emailUi.fromName')} description={t('emailUi.fromNameHint')} maxLength={120} value={form.fromName} onChange={(e) => set('fromName', e.currentTarget.value)} data-testid="inbox-from-name" />
          </SimpleGrid>
          <TextInput
            label={t('emailUi.address')}
            description={t('emailUi.addressHint')}
            placeholder="support@example.com"
            type="email"
            required
            maxLength={254}
            value={form.address}
            onChange={(e) => {
              set('address', e.currentTarget.value);
              if (save.isError) save.reset();
            }}
            error={addressError}
            classNames={{ input: 'sb-mono' }}
            data-testid="inbox-address"
          />

          <Divider label={t('emailUi.imapSection')} labelPosition="left" mt="xs" />
          <Switch label={t('emailUi.imapUse')} description={t('emailUi.imapUseHint')} checked={form.useImap} onChange={(e) => set('useImap', e.currentTarget.checked)} data-testid="inbox-imap-use" />
          {form.useImap && (
            <>
              <Group grow align="flex-start">
                <TextInput label={t('emailUi.imapHost')} placeholder="imap.example.com" required maxLength={255} value={form.imapHost} onChange={(e) => set('imapHost', e.currentTarget.value)} style={{ flexGrow: 3 }} data-testid="inbox-imap-host" />
                <NumberInput label={t('emailUi.imapPort')} min={1} max={65535} allowDecimal={false} clampBehavior="strict" value={form.imapPort} onChange={(v) => set('imapPort', typeof v === 'number' ? v : Number(v) || 993)} data-testid="inbox-imap-port" />
              </Group>
              <Switch label={t('emailUi.imapSecure')} checked={form.imapSecure} onChange={(e) => set('imapSecure', e.currentTarget.checked)} data-testid="inbox-imap-secure" />
              <SimpleGrid cols={{ base: 1, sm: 2 }}>
                <TextInput label={t('emailUi.imapUser')} maxLength={320} value={form.imapUser} onChange={(e) => set('imapUser', e.currentTarget.value)} autoComplete="off" data-testid="inbox-imap-user" />
                <SecretInput label={t('emailUi.imapPassword')} isSet={secrets.has('imap.password')} value={imapPassword} onChange={setImapPassword} testId="inbox-imap-password" />
              </SimpleGrid>
            </>
          )}

          <Divider label={t('emailUi.smtpSection')} labelPosition="left" mt="xs" />
          <SecretInput label={t('emailUi.smtpUrl')} description={t('emailUi.smtpUrlHint')} isSet={secrets.has('smtpUrl')} value={smtpUrl} onChange={setSmtpUrl} testId="inbox-smtp-url" />

          <Divider label={t('emailUi.signatures')} labelPosition="left" mt="xs" />
          <Text size="xs" c="dimmed" mt={-6}>
            {t('emailUi.signaturesHint')}
          </Text>
          <SimpleGrid cols={{ base: 1, sm: 2 }}>
            <Textarea label={t('emailUi.signatureEn')} autosize minRows={2} maxRows={6} maxLength={5000} value={form.signatureEn} onChange={(e) => set('signatureEn', e.currentTarget.value)} data-testid="inbox-signature-en" />
            <Textarea label={t('emailUi.signatureZh')} lang="zh-CN" autosize minRows={2} maxRows={6} maxLength={5000} value={form.signatureZh} onChange={(e) => set('signatureZh', e.currentTarget.value)} data-testid="inbox-signature-zh" />
          </SimpleGrid>

          <Switch label={t('emailUi.enabled')} description={t('emailUi.enabledHint')} checked={form.enabled} onChange={(e) => set('enabled', e.currentTarget.checked)} mt="xs" data-testid="inbox-enabled" />

          {inbox && (
            <>
              <Divider mt="xs" />
              <TestConnection inboxId={inbox.id} dirty={dirty} />
            </>
          )}

          <Group justify="flex-end" mt="md">
            <Button variant="default" onClick={onClose}>
              {t('app.close')}
            </Button>
            <Button type="submit" loading={save.isPending} disabled={!form.name.trim() || !form.address.trim() || (inbox !== null && !dirty)} data-testid="inbox-save">
              {inbox ? t('app.save') : t('app.create')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

/** Where mail for the addresses reaches this desk, from the server's own settings. */
function EmailSetupCard() {
  const { t } = useTranslation();
  const setup = useQuery({ queryKey: ['inboxes', 'email-setup'], queryFn: () => api.get<EmailSetup>('/inboxes/email-setup'), retry: false });
  return (
    <Card withBorder radius="md" p="md" data-testid="email-setup">
      <Title order={5} mb={6}>
        {t('emailUi.setupTitle')}
      </Title>
      <Stack gap={4}>
        {setup.data ? (
          <>
            <Text size="sm">{t('emailUi.setupListener', { host: setup.data.host, port: setup.data.smtpPort })}</Text>
            <Text size="sm" c="dimmed">
              {t('emailUi.setupImap')}
            </Text>
            <Text size="sm" c={setup.data.outboundConfigured ? 'dimmed' : 'orange.8'}>
              {setup.data.outboundConfigured ? t('emailUi.setupOutboundOn') : t('emailUi.setupOutboundOff')}
            </Text>
          </>
        ) : (
          <Text size="sm">{t('emailUi.setupUnknown')}</Text>
        )}
      </Stack>
    </Card>
  );
}

/** Admin → Channels: the desk's inboxes; email inboxes are created and edited here. */
export function ChannelsTab({ canEdit }: { canEdit: boolean }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const inboxes = useQuery({ queryKey: KEY, queryFn: () => api.get<Items<InboxOut>>('/inboxes'), select: (d) => d.items });
  // null: closed; 'new': create; an inbox id: edit.
  const [editing, setEditing] = useState<string | null>(null);
  // Bumped on every save: the form starts again from what was stored (secrets back to "set ●●●●").
  const [version, setVersion] = useState(0);
  const editingInbox = editing && editing !== 'new' ? (inboxes.data?.find((i) => i.id === editing) ?? null) : null;

  const setEnabled = useMutation({
    mutationFn: ({ id, enabled }: { id: string; enabled: boolean }) => api.patch<InboxOut>(`/inboxes/${id}`, { enabled }),
    onSuccess: () => notifications.show({ color: 'teal', message: t('app.saved'), autoClose: 1500 }),
    onError: (err) => notifications.show({ color: 'red', title: t('app.errorTitle'), message: err.message }),
    onSettled: () => void queryClient.invalidateQueries({ queryKey: KEY }),
  });

  return (
    <Stack gap="md">
      <Group justify="space-between" align="flex-start" wrap="nowrap">
        <Text size="sm" c="dimmed" maw={760}>
          {t('emailUi.intro')}
        </Text>
        {canEdit && (
          <Button leftSection={<IconPlus size={16} />} onClick={() => setEditing('new')} style={{ flexShrink: 0 }} data-testid="inbox-create">
            {t('emailUi.add')}
          </Button>
        )}
      </Group>
      <ListTable
        query={inboxes}
        empty={t('emailUi.empty')}
        minWidth={720}
        head={
          <>
            <Table.Th w={130}>{t('emailUi.kind')}</Table.Th>
            <Table.Th>{t('emailUi.name')}</Table.Th>
            <Table.Th>{t('emailUi.address')}</Table.Th>
            <Table.Th w={100}>{t('emailUi.enabled')}</Table.Th>
            {canEdit && <Table.Th w={170} />}
          </>
        }
      >
        {(items) => (
          <>
            {items.map((inbox) => (
              <Table.Tr key={inbox.id} data-testid="inbox-row" data-kind={inbox.kind}>
                <Table.Td>
                  <Badge color={KIND_COLORS[inbox.kind] ?? 'gray'} variant="light" radius="sm">
                    {t(`channel.${inbox.kind}`)}
                  </Badge>
                </Table.Td>
                <Table.Td>
                  <Text size="sm" fw={600} c={inbox.enabled ? undefined : 'dimmed'}>
                    {inbox.name}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <Text size="sm" className="sb-mono" style={{ overflowWrap: 'anywhere' }} data-testid="inbox-row-address">
                    {addressOf(inbox) || t('app.none')}
                  </Text>
                </Table.Td>
                <Table.Td>
                  {canEdit ? (
                    <Switch checked={inbox.enabled} onChange={(e) => setEnabled.mutate({ id: inbox.id, enabled: e.currentTarget.checked })} aria-label={t('emailUi.enabledFor', { name: inbox.name })} data-testid="inbox-row-enabled" />
                  ) : (
                    <Badge variant="dot" color={inbox.enabled ? 'teal' : 'gray'}>
                      {inbox.enabled ? t('emailUi.on') : t('emailUi.off')}
                    </Badge>
                  )}
                </Table.Td>
                {canEdit && (
                  <Table.Td>
                    <Group gap={4} justify="flex-end" wrap="nowrap">
                      {inbox.kind === 'email' ? (
                        <Button variant="subtle" size="compact-sm" onClick={() => setEditing(inbox.id)} data-testid="inbox-edit">
                          {t('app.edit')}
                        </Button>
                      ) : (
                        <Text size="xs" c="dimmed">
                          {t('emailUi.notEditableHere')}
                        </Text>
                      )}
                    </Group>
                  </Table.Td>
                )}
              </Table.Tr>
            ))}
          </>
        )}
      </ListTable>
      <EmailSetupCard />
      {(editing === 'new' || editingInbox) && (
        <EmailInboxModal
          key={editing === 'new' ? 'new' : `${editingInbox?.id}:${version}`}
          inbox={editingInbox}
          // A new inbox stays open as itself, so its connection can be tested at once.
          onSaved={(saved) => {
            setEditing(saved.id);
            setVersion((v) => v + 1);
          }}
          onClose={() => setEditing(null)}
        />
      )}
    </Stack>
  );
}
