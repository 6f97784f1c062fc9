import { useEffect, useRef, useState, type FormEvent } from 'react';
import { Alert, Anchor, Box, Button, Center, Group, Paper, PasswordInput, Stack, Text, TextInput, Title } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { Navigate, useNavigate, useSearchParams } from 'react-router-dom';
import type { Me } from '../../../common/schemas.ts';
import { api, ApiError, setCsrfToken } from '../api.ts';
import { safeNext } from '../lib/format.ts';
import { meKey, useMe } from '../queries.ts';
import { Logo } from '../components/Shell.tsx';
import { LanguageSwitch } from '../components/LanguageSwitch.tsx';
import { IconAlert, IconLock } from '../components/icons.tsx';

type Step = 'credentials' | 'totp';

export function LoginPage() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [params] = useSearchParams();
  const next = safeNext(params.get('next'));
  const me = useMe();

  const [step, setStep] = useState<Step>('credentials');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [totp, setTotp] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [submitting, setSubmitting] = useState(false);
  const totpRef = useRef<HTMLInputElement>(null);

  useEffect(() => {
    if (step === 'totp') totpRef.current?.focus();
  }, [step]);

  if (me.data && me.data.type === 'agent') return <Navigate to={next} replace />;

  function describe(err: unknown): string {
    if (!(err instanceof ApiError)) return t('app.errorTitle');
    switch (err.code) {
      case 'invalid_credentials':
        return step === 'totp' ? t('login.errors.invalid_totp') : t('login.errors.invalid_credentials');
      case 'mfa_required':
        return t('login.errors.invalid_totp');
      case 'locked':
        // The server's message says until when; keep it.
        return err.message ? `${t('login.errors.locked')} ${err.message}` : t('login.errors.locked');
      case 'rate_limited':
        return t('login.errors.rate_limited');
      default:
        return err.message;
    }
  }

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    if (submitting) return;
    setError(null);
    if (!email.trim() || !password) {
      setError(t('login.errors.required'));
      return;
    }
    const code = totp.replace(/\s+/g, '');
    if (step === 'totp' && !/^\d{6}$/.test(code)) {
      setError(t('login.errors.totpFormat'));
      return;
    }
    setSubmitting(true);
    try {
      const body = step === 'totp' ? { email: email.trim(), password, totp: code } : { email: email.trim(), password };
      const result = await api.post<Me>('/auth/login', body);
      if (result.type !== 'agent') {
        setError(t('login.errors.not_agent'));
        return;
      }
      setCsrfToken(result.csrfToken);
      // A different person may have used this tab before: start from a clean cache.
      queryClient.clear();
      queryClient.setQueryData(meKey, result);
      navigate(result.mustEnrollTotp ? '/agent/security' : next, { replace: true });
    } catch (err) {
      if (err instanceof ApiError && err.code === 'mfa_required' && step === 'credentials') {
        setStep('totp');
        return;
      }
      // While failed sign-ins from elsewhere lock the account, password + two-factor code together
      // still get in: offer the code field (the server's message says so).
      if (err instanceof ApiError && err.code === 'locked' && step === 'credentials') setStep('totp');
      if (step === 'totp') setTotp('');
      setError(describe(err));
    } finally {
      setSubmitting(false);
    }
  }

  function backToCredentials() {
    setStep('credentials');
    setTotp('');
    setPassword('');
    setError(null);
  }

  return (
    <Box mih="100vh" bg="gray.0" pos="relative">
      <Group pos="absolute" top={16} right={16}>
        <LanguageSwitch />
      </Group>
      <Center mih="100vh" p="md">
        <Stack w="100%" maw={400} gap="lg">
          <Center>
            <Logo />
          </Center>
          <Paper withBorder shadow="sm" p={32} radius="lg">
            <form onSubmit={onSubmit} noValidate>
              <Stack gap="md">
                <div>
                  <Title order={3}>{t('login.title')}</Title>
                  <Text size="sm" c="dimmed" mt={4}>
                    {t('login.subtitle')}
                  </Text>
                </div>

                {error && (
                  <Alert color="red" variant="light" icon={<IconAlert size={18} />} data-testid="login-error" role="alert">
                    {error}
                  </Alert>
                )}

                {step === 'credentials' ? (
                  <>
                    <TextInput
                      label={t('login.email')}
                      placeholder={t('login.emailPlaceholder')}
                      type="email"
                      autoComplete="username"
                      autoFocus
                      required
                      value={email}
                      onChange={(e) => setEmail(e.currentTarget.value)}
                      data-testid="login-email"
                    />
                    <PasswordInput
                      label={t('login.password')}
                      autoComplete="current-password"
                      required
                      value={password}
                      onChange={(e) => setPassword(e.currentTarget.value)}
                      data-testid="login-password"
                    />
                  </>
                ) : (
                  <>
                    <Alert variant="light" color="indigo" icon={<IconLock size={18} />}>
                      <Text size="sm">{t('login.totpHint')}</Text>
                      <Text size="sm" fw={600} mt={4}>
                        {email}
                      </Text>
                    </Alert>
                    <TextInput
                      ref={totpRef}
                      label={t('login.totp')}
                      placeholder="123456"
                      inputMode="numeric"
                      autoComplete="one-time-code"
                      maxLength={7}
                      value={totp}
                      onChange={(e) => setTotp(e.currentTarget.value.replace(/[^\d ]/g, ''))}
                      styles={{ input: { letterSpacing: 6, fontSize: 20, textAlign: 'center', fontVariantNumeric: 'tabular-nums' } }}
                      data-testid="login-totp"
                    />
                  </>
                )}

                <Button type="submit" fullWidth size="md" loading={submitting} data-testid="login-submit">
                  {step === 'totp' ? t('login.verify') : t('login.submit')}
                </Button>

                {step === 'totp' && (
                  <Center>
                    <Anchor component="button" type="button" size="sm" onClick={backToCredentials}>
                      {t('login.back')}
                    </Anchor>
                  </Center>
                )}
              </Stack>
            </form>
          </Paper>
          <Text size="xs" c="dimmed" ta="center">
            {t('app.tagline')}
          </Text>
        </Stack>
      </Center>
    </Box>
  );
}
