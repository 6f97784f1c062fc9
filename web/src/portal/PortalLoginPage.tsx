import { useState, type FormEvent } from 'react';
import { Alert, Anchor, Button, Paper, PasswordInput, SegmentedControl, Stack, Text, TextInput, Title } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { Navigate, useNavigate, useSearchParams } from 'react-router-dom';
import type { Me } from '../../../common/schemas.ts';
import { api, ApiError, setCsrfToken } from '../api.ts';
import { safeNext } from '../lib/format.ts';
import { meKey, useMe } from '../queries.ts';
import { IconAlert, IconLock } from '../components/icons.tsx';

type Method = 'code' | 'password';

/** Customers sign in with a code sent to their email, or with a password once they have set one. */
export function PortalLoginPage() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [params] = useSearchParams();
  const next = safeNext(params.get('next'), '/tickets');
  const target = next.startsWith('/tickets') && !next.startsWith('/tickets/login') ? next : '/tickets';
  const me = useMe();

  const [method, setMethod] = useState<Method>('code');
  const [email, setEmail] = useState(params.get('email') ?? '');
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const [codeSentTo, setCodeSentTo] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  if (me.data?.type === 'contact') return <Navigate to={target} replace />;

  function describe(err: unknown): string {
    if (!(err instanceof ApiError)) return t('app.errorTitle');
    if (err.status === 429 || err.code === 'rate_limited') return t('portal.login.errors.rateLimited');
    if (err.code === 'invalid_credentials') return method === 'code' ? t('portal.login.errors.badCode') : t('portal.login.errors.badPassword');
    if (err.status === 0) return t('portal.errors.network');
    return err.message;
  }

  async function signedIn(result: Me) {
    setCsrfToken(result.csrfToken);
    queryClient.clear();
    queryClient.setQueryData(meKey, result);
    navigate(target, { replace: true });
  }

  async function run(fn: () => Promise<void>) {
    if (busy) return;
    setError(null);
    setBusy(true);
    try {
      await fn();
    } catch (err) {
      setError(describe(err));
    } finally {
      setBusy(false);
    }
  }

  const validEmail = /^\S+@\S+\.\S+$/.test(email.trim());

  function onSendCode(e?: FormEvent) {
    e?.preventDefault();
    if (!validEmail) return setError(t('portal.login.errors.email'));
    void run(async () => {
      await api.post('/auth/customer/code', { email: email.trim() });
      setCodeSentTo(email.trim());
      setCode('');
    });
  }

  function onVerify(e: FormEvent) {
    e.preventDefault();
    const digits = code.replace(/\s+/g, '');
    if (!/^\d{6}$/.test(digits)) return setError(t('portal.login.errors.codeFormat'));
    void run(async () => signedIn(await api.post<Me>('/auth/customer/verify', { email: codeSentTo ?? email.trim(), code: digits })));
  }

  function onPassword(e: FormEvent) {
    e.preventDefault();
    if (!validEmail || !password) return setError(t('portal.login.errors.required'));
    void run(async () => signedIn(await api.post<Me>('/auth/customer/login', { email: email.trim(), password })));
  }

  return (
    <Stack maw={440} mx="auto" gap="lg">
      <div>
        <Title order={2}>{t('portal.login.title')}</Title>
        <Text c="dimmed" size="sm" mt={4}>
          {t('portal.login.subtitle')}
        </Text>
      </div>
      <Paper withBorder radius="lg" p="xl">
        <Stack gap="md">
          <SegmentedControl
            fullWidth
            value={method}
            onChange={(v) => {
              setMethod(v as Method);
              setError(null);
            }}
            data={[
              { value: 'code', label: t('portal.login.withCode') },
              { value: 'password', label: t('portal.login.withPassword') },
            ]}
            data-testid="portal-login-method"
          />
          {error && (
            <Alert color="red" variant="light" icon={<IconAlert size={18} />} role="alert" data-testid="portal-login-error">
              {error}
            </Alert>
          )}
          {method === 'code' ? (
            codeSentTo ? (
              <form onSubmit={onVerify} noValidate>
                <Stack gap="md">
                  <Alert variant="light" color="indigo" icon={<IconLock size={18} />} data-testid="portal-code-sent">
                    {t('portal.login.codeSent', { email: codeSentTo })}
                  </Alert>
                  <TextInput
                    label={t('portal.login.code')}
                    placeholder="123456"
                    inputMode="numeric"
                    autoComplete="one-time-code"
                    autoFocus
                    maxLength={7}
                    value={code}
                    onChange={(e) => setCode(e.currentTarget.value.replace(/[^\d ]/g, ''))}
                    styles={{ input: { letterSpacing: 6, fontSize: 20, textAlign: 'center', fontVariantNumeric: 'tabular-nums' } }}
                    data-testid="portal-code"
                  />
                  <Button type="submit" fullWidth loading={busy} data-testid="portal-verify">
                    {t('portal.login.verify')}
                  </Button>
                  <Text size="sm" ta="center">
                    <Anchor component="button" type="button" onClick={() => onSendCode()} disabled={busy}>
                      {t('portal.login.resend')}
                    </Anchor>
                    {' · '}
                    <Anchor component="button" type="button" onClick={() => setCodeSentTo(null)}>
                      {t('portal.login.otherEmail')}
                    </Anchor>
                  </Text>
                </Stack>
              </form>
            ) : (
              <form onSubmit={onSendCode} noValidate>
                <Stack gap="md">
                  <TextInput
                    label={t('portal.login.email')}
                    type="email"
                    autoComplete="email"
                    autoFocus
                    value={email}
                    onChange={(e) => setEmail(e.currentTarget.value)}
                    data-testid="portal-email"
                  />
                  <Button type="submit" fullWidth loading={busy} data-testid="portal-send-code">
                    {t('portal.login.sendCode')}
                  </Button>
                  <Text size="xs" c="dimmed">
                    {t('portal.login.codeHint')}
                  </Text>
                </Stack>
              </form>
            )
          ) : (
            <form onSubmit={onPassword} noValidate>
              <Stack gap="md">
                <TextInput label={t('portal.login.email')} type="email" autoComplete="username" value={email} onChange={(e) => setEmail(e.currentTarget.value)} data-testid="portal-email" />
                <PasswordInput label={t('portal.login.password')} autoComplete="current-password" value={password} onChange={(e) => setPassword(e.currentTarget.value)} data-testid="portal-password" />
                <Button type="submit" fullWidth loading={busy} data-testid="portal-password-submit">
                  {t('portal.login.submit')}
                </Button>
                <Text size="xs" c="dimmed">
                  {t('portal.login.noPassword')}
                </Text>
              </Stack>
            </form>
          )}
        </Stack>
      </Paper>
      <Text size="xs" c="dimmed" ta="center">
        {t('portal.login.agents')} <Anchor href="/login" size="xs">{t('portal.login.agentLink')}</Anchor>
      </Text>
    </Stack>
  );
}
