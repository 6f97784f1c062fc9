import { useState, type FormEvent } from 'react';
import { Alert, Badge, Button, Code, CopyButton, Group, Paper, PasswordInput, Stack, Text, TextInput, ThemeIcon, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import type { Me } from '../../../common/schemas.ts';
import { api, setCsrfToken } from '../api.ts';
import { meKey, useMe } from '../queries.ts';
import { IconAlert, IconCheck, IconCopy, IconLock, IconShield } from '../components/icons.tsx';

interface Setup {
  secret: string;
  otpauthUrl: string;
}

/** "JBSWY3DPEHPK3PXP" → "JBSW Y3DP EHPK 3PXP", easier to type into a phone. */
function groupSecret(secret: string): string {
  return secret.replace(/\s+/g, '').replace(/(.{4})/g, '$1 ').trim();
}

function CodeField({ value, onChange, label }: { value: string; onChange: (v: string) => void; label: string }) {
  return (
    <TextInput
      label={label}
      placeholder="123456"
      inputMode="numeric"
      autoComplete="one-time-code"
      maxLength={7}
      value={value}
      onChange={(e) => onChange(e.currentTarget.value.replace(/[^\d]/g, ''))}
      w={180}
      styles={{ input: { letterSpacing: 4, fontSize: 18, fontVariantNumeric: 'tabular-nums' } }}
      data-testid="totp-code"
    />
  );
}

function CopyIconButton({ value }: { value: string }) {
  const { t } = useTranslation();
  return (
    <CopyButton value={value} timeout={1500}>
      {({ copied, copy }) => (
        <Button size="compact-sm" variant="light" color={copied ? 'teal' : 'gray'} leftSection={copied ? <IconCheck size={14} /> : <IconCopy size={14} />} onClick={copy}>
          {copied ? t('app.copied') : t('app.copy')}
        </Button>
      )}
    </CopyButton>
  );
}

/**
 * Changing the password needs the current one (a stolen session must not be enough); the server
 * keeps this session and signs out every other.
 */
function PasswordCard() {
  const { t } = useTranslation();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [confirm, setConfirm] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const change = useMutation({
    mutationFn: (body: { currentPassword: string; newPassword: string }) => api.post<Me>('/auth/password', body),
    onSuccess: () => {
      setCurrent('');
      setNext('');
      setConfirm('');
      notifications.show({ color: 'teal', message: t('security.passwordChanged') });
    },
  });
  function submit(e: FormEvent) {
    e.preventDefault();
    setProblem(null);
    if (next.length < 10) return setProblem(t('security.passwordShort'));
    if (next !== confirm) return setProblem(t('security.passwordMismatch'));
    change.mutate({ currentPassword: current, newPassword: next });
  }
  return (
    <Paper withBorder radius="md" p="lg">
      <form onSubmit={submit}>
        <Stack gap="xs">
          <Text fw={600}>{t('security.passwordTitle')}</Text>
          <Text size="sm" c="dimmed">
            {t('security.passwordText')}
          </Text>
          {change.error && (
            <Alert color="red" variant="light" icon={<IconAlert size={18} />} role="alert">
              {change.error.message}
            </Alert>
          )}
          <PasswordInput label={t('security.currentPassword')} autoComplete="current-password" value={current} onChange={(e) => setCurrent(e.currentTarget.value)} maw={360} data-testid="password-current" />
          <PasswordInput label={t('security.newPassword')} autoComplete="new-password" value={next} onChange={(e) => setNext(e.currentTarget.value)} maw={360} data-testid="password-new" />
          <PasswordInput
            label={t('security.confirmPassword')}
            autoComplete="new-password"
            value={confirm}
            onChange={(e) => setConfirm(e.currentTarget.value)}
            error={problem}
            maw={360}
            data-testid="password-confirm"
          />
          <Group>
            <Button type="submit" disabled={!current || !next} loading={change.isPending} data-testid="password-change">
              {t('security.changePassword')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Paper>
  );
}

export function SecurityPage() {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const me = useMe().data;
  const [setup, setSetup] = useState<Setup | null>(null);
  const [code, setCode] = useState('');

  const onMe = (next: Me) => {
    setCsrfToken(next.csrfToken);
    queryClient.setQueryData(meKey, next);
  };

  const start = useMutation({
    mutationFn: () => api.post<Setup>('/auth/totp/setup'),
    onSuccess: (data) => {
      setSetup(data);
      setCode('');
    },
  });
  const enable = useMutation({
    mutationFn: (c: string) => api.post<Me>('/auth/totp/enable', { code: c }),
    onSuccess: (next) => {
      onMe(next);
      setSetup(null);
      setCode('');
      notifications.show({ color: 'teal', message: t('security.turnedOn') });
    },
  });
  const disable = useMutation({
    mutationFn: (c: string) => api.post<Me>('/auth/totp/disable', { code: c }),
    onSuccess: (next) => {
      onMe(next);
      setCode('');
      notifications.show({ color: 'gray', message: t('security.turnedOff') });
    },
  });

  if (!me) return null;

  function submitEnable(e: FormEvent) {
    e.preventDefault();
    if (/^\d{6}$/.test(code)) enable.mutate(code);
  }
  function submitDisable(e: FormEvent) {
    e.preventDefault();
    if (/^\d{6}$/.test(code)) disable.mutate(code);
  }

  const error = start.error ?? enable.error ?? disable.error;

  return (
    <Stack maw={680} mx="auto" gap="lg" py="md">
      <Group gap="sm">
        <ThemeIcon size={40} radius="md" variant="light">
          <IconShield size={24} />
        </ThemeIcon>
        <div>
          <Title order={2}>{t('security.title')}</Title>
          <Text size="sm" c="dimmed">
            {t('security.intro')}
          </Text>
        </div>
      </Group>

      {me.mustEnrollTotp && (
        <Alert color="orange" variant="light" icon={<IconLock size={18} />} data-testid="totp-required">
          {t('security.required')}
        </Alert>
      )}

      {error && (
        <Alert color="red" variant="light" icon={<IconAlert size={18} />} role="alert">
          {error.message}
        </Alert>
      )}

      <Paper withBorder radius="md" p="lg">
        <Group justify="space-between" mb="xs">
          <Text fw={600}>{me.totpEnabled ? t('security.enabled') : t('security.disabled')}</Text>
          <Badge color={me.totpEnabled ? 'teal' : 'gray'} variant="light">
            {me.totpEnabled ? t('admin.agents.on') : t('admin.agents.off')}
          </Badge>
        </Group>
        <Text size="sm" c="dimmed">
          {me.totpEnabled ? t('security.enabledText') : t('security.disabledText')}
        </Text>

        {!me.totpEnabled && !setup && (
          <Button mt="lg" onClick={() => start.mutate()} loading={start.isPending} data-testid="totp-setup">
            {t('security.start')}
          </Button>
        )}

        {!me.totpEnabled && setup && (
          <Stack mt="lg" gap="lg">
            <div>
              <Text fw={600}>{t('security.step1')}</Text>
              <Text size="sm" c="dimmed" mb="sm">
                {t('security.step1Text')}
              </Text>
              <Text size="sm" fw={500} mb={4}>
                {t('security.secret')}
              </Text>
              <Group gap="sm" wrap="nowrap">
                <Code fz="lg" px="md" py={8} className="sb-mono" data-testid="totp-secret" style={{ letterSpacing: 1.5 }}>
                  {groupSecret(setup.secret)}
                </Code>
                <CopyIconButton value={setup.secret} />
              </Group>
              <Text size="sm" fw={500} mt="md" mb={4}>
                {t('security.url')}
              </Text>
              <Group gap="sm" wrap="nowrap" align="flex-start">
                <Code block className="sb-mono" style={{ flex: 1, whiteSpace: 'pre-wrap' }} data-testid="totp-url">
                  {setup.otpauthUrl}
                </Code>
                <CopyIconButton value={setup.otpauthUrl} />
              </Group>
            </div>
            <form onSubmit={submitEnable}>
              <Text fw={600} mb="xs">
                {t('security.step2')}
              </Text>
              <Group align="flex-end">
                <CodeField label={t('security.code')} value={code} onChange={setCode} />
                <Button type="submit" disabled={!/^\d{6}$/.test(code)} loading={enable.isPending} data-testid="totp-enable">
                  {t('security.enable')}
                </Button>
                <Button variant="subtle" color="gray" onClick={() => setSetup(null)}>
                  {t('app.cancel')}
                </Button>
              </Group>
            </form>
          </Stack>
        )}

        {me.totpEnabled && (
          <form onSubmit={submitDisable}>
            <Stack mt="lg" gap="xs">
              <Text fw={600}>{t('security.disable')}</Text>
              <Text size="sm" c="dimmed">
                {t('security.disableText')}
              </Text>
              <Group align="flex-end">
                <CodeField label={t('security.code')} value={code} onChange={setCode} />
                <Button type="submit" color="red" variant="light" disabled={!/^\d{6}$/.test(code)} loading={disable.isPending} data-testid="totp-disable">
                  {t('security.disable')}
                </Button>
              </Group>
            </Stack>
          </form>
        )}
      </Paper>

      <PasswordCard />
    </Stack>
  );
}
