import { useState } from 'react';
import { Alert, Button, Card, Center, Group, Paper, PasswordInput, SimpleGrid, Skeleton, Stack, Text, TextInput, Title, UnstyledButton } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate } from 'react-router-dom';
import type { ConversationOut, Me } from '../../../common/schemas.ts';
import { api } from '../api.ts';
import type { Paged } from '../lib/types.ts';
import { meKey, useMe } from '../queries.ts';
import { RelativeTime } from '../components/Badges.tsx';
import { IconPlus, IconShield } from '../components/icons.tsx';
import { CustomerStatusBadge } from './labels.tsx';

const ALL = ['new', 'open', 'pending', 'on_hold', 'solved', 'closed'];

export function MyTicketsPage({ me }: { me: Me }) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const list = useQuery({
    queryKey: ['portal', 'tickets'],
    queryFn: () => api.get<Paged<ConversationOut>>('/conversations', { status: ALL, limit: 100 }),
    refetchInterval: 30_000,
  });
  const items = list.data?.items ?? [];

  return (
    <Stack gap="xl">
      <Group justify="space-between" align="flex-end">
        <div>
          <Title order={2}>{t('portal.list.title')}</Title>
          <Text c="dimmed" size="sm">
            {t('portal.list.signedInAs', { email: me.email ?? me.name })}
          </Text>
        </div>
        <Button component={Link} to="/tickets/new" leftSection={<IconPlus size={16} />}>
          {t('portal.nav.newTicket')}
        </Button>
      </Group>

      <Card withBorder radius="lg" padding={0}>
        {list.isError ? (
          <Alert color="red" m="md" title={t('app.errorTitle')}>
            {list.error.message}
          </Alert>
        ) : list.isPending ? (
          <Stack p="md">
            {[0, 1, 2].map((i) => (
              <Skeleton key={i} h={40} />
            ))}
          </Stack>
        ) : items.length === 0 ? (
          <Center p={48}>
            <Stack align="center" gap="xs">
              <Text c="dimmed">{t('portal.list.empty')}</Text>
              <Button component={Link} to="/tickets/new" variant="light">
                {t('portal.nav.newTicket')}
              </Button>
            </Stack>
          </Center>
        ) : (
          <Stack gap={0}>
            {items.map((c, i) => (
              <UnstyledButton
                key={c.id}
                onClick={() => navigate(`/tickets/${c.id}`)}
                px="lg"
                py="md"
                className="sb-row"
                data-testid="my-ticket-row"
                data-number={c.number}
                style={{ borderTop: i ? '1px solid var(--mantine-color-gray-2)' : undefined }}
              >
                <Group justify="space-between" wrap="nowrap" gap="md">
                  <Group gap="md" wrap="nowrap" style={{ minWidth: 0 }}>
                    <Text size="sm" c="dimmed" ff="monospace" style={{ flexShrink: 0 }}>
                      #{c.number}
                    </Text>
                    <Text fw={c.status === 'pending' ? 700 : 500} truncate="end" style={{ minWidth: 0 }}>
                      {c.subject || t('inbox.noSubject')}
                    </Text>
                  </Group>
                  <Group gap="md" wrap="nowrap" style={{ flexShrink: 0 }}>
                    <CustomerStatusBadge status={c.status} />
                    <RelativeTime iso={c.lastMessageAt > c.updatedAt ? c.lastMessageAt : c.updatedAt} />
                  </Group>
                </Group>
              </UnstyledButton>
            ))}
          </Stack>
        )}
      </Card>

      <ProfileCard />
    </Stack>
  );
}

function ProfileCard() {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [code, setCode] = useState('');
  const me = useMe().data;
  const [current, setCurrent] = useState('');
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [pwError, setPwError] = useState<string | null>(null);

  const save = useMutation({
    mutationFn: (body: { antiPhishingCode?: string | null; password?: string; currentPassword?: string }) => api.patch<Me>('/auth/customer/profile', body),
    onSuccess: (me, body) => {
      queryClient.setQueryData(meKey, me);
      if (body.password) {
        setCurrent('');
        setPassword('');
        setConfirm('');
        notifications.show({ color: 'teal', message: t('portal.profile.passwordSaved') });
      } else {
        setCode('');
        notifications.show({ color: 'teal', message: body.antiPhishingCode ? t('portal.profile.codeSaved', { code: body.antiPhishingCode }) : t('portal.profile.codeRemoved') });
      }
    },
    onError: (err) => notifications.show({ color: 'red', title: t('app.errorTitle'), message: err.message }),
  });

  const codeValid = code.trim().length >= 4 && code.trim().length <= 20;

  return (
    <div>
      <Title order={4} mb="sm">
        {t('portal.profile.title')}
      </Title>
      <SimpleGrid cols={{ base: 1, sm: 2 }}>
        <Paper withBorder radius="lg" p="lg">
          <Stack gap="sm">
            <Group gap="xs">
              <IconShield size={18} />
              <Text fw={600}>{t('portal.profile.antiPhishing')}</Text>
            </Group>
            <Text size="sm" c="dimmed">
              {t('portal.profile.antiPhishingHint')}
            </Text>
            <TextInput
              placeholder={t('portal.profile.antiPhishingPlaceholder')}
              value={code}
              maxLength={20}
              onChange={(e) => setCode(e.currentTarget.value)}
              error={code && !codeValid ? t('portal.profile.antiPhishingLength') : undefined}
              data-testid="profile-antiphishing"
            />
            <Group gap="xs">
              <Button size="xs" disabled={!codeValid} loading={save.isPending && save.variables?.antiPhishingCode !== undefined} onClick={() => save.mutate({ antiPhishingCode: code.trim() })} data-testid="profile-antiphishing-save">
                {t('app.save')}
              </Button>
              <Button size="xs" variant="subtle" color="gray" onClick={() => save.mutate({ antiPhishingCode: null })}>
                {t('portal.profile.removeCode')}
              </Button>
            </Group>
          </Stack>
        </Paper>
        <Paper withBorder radius="lg" p="lg">
          <Stack gap="sm">
            <Text fw={600}>{t('portal.profile.password')}</Text>
            <Text size="sm" c="dimmed">
              {/* A customer who signed in by email code sets a first password without a current one. */}
              {me?.hasPassword ? t('portal.profile.changeHint') : t('portal.profile.passwordHint')}
            </Text>
            {me?.hasPassword && (
              <PasswordInput placeholder={t('portal.profile.currentPassword')} value={current} onChange={(e) => setCurrent(e.currentTarget.value)} autoComplete="current-password" data-testid="profile-current-password" />
            )}
            <PasswordInput placeholder={t('portal.profile.newPassword')} value={password} onChange={(e) => setPassword(e.currentTarget.value)} autoComplete="new-password" data-testid="profile-password" />
            <PasswordInput placeholder={t('portal.profile.confirmPassword')} value={confirm} onChange={(e) => setConfirm(e.currentTarget.value)} autoComplete="new-password" error={pwError} data-testid="profile-password-confirm" />
            <Group>
              <Button
                size="xs"
                loading={save.isPending && Boolean(save.variables?.password)}
                disabled={!password || (Boolean(me?.hasPassword) && !current)}
                onClick={() => {
                  setPwError(null);
                  if (password.length < 10) return setPwError(t('portal.profile.passwordShort'));
                  if (password !== confirm) return setPwError(t('portal.profile.passwordMismatch'));
                  save.mutate(me?.hasPassword ? { password, currentPassword: current } : { password });
                }}
                data-testid="profile-password-save"
              >
                {me?.hasPassword ? t('portal.profile.changePassword') : t('portal.profile.setPassword')}
              </Button>
            </Group>
          </Stack>
        </Paper>
      </SimpleGrid>
    </div>
  );
}
