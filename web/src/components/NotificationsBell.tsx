import { ActionIcon, Badge, Button, Group, Indicator, Popover, ScrollArea, Stack, Text, UnstyledButton } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router-dom';
import { api } from '../api.ts';
import type { AgentNotification } from '../lib/types.ts';
import { useNotifications } from '../queries.ts';
import { RelativeTime } from './Badges.tsx';
import { IconBell } from './icons.tsx';

const TYPE_COLORS = { assigned: 'indigo', mentioned: 'teal', sla_breach: 'red', chat_missed: 'orange', login_locked: 'red' } as const;

/** The header bell: unread count, the latest notifications, click to open, mark all read. */
export function NotificationsBell() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [opened, setOpened] = useState(false);
  const list = useNotifications();
  const unread = list.data?.unread ?? 0;

  const markRead = useMutation({
    mutationFn: (body: { all: true } | { ids: string[] }) => api.post<void>('/notifications/read', body),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: ['notifications'] }),
  });

  function open(n: AgentNotification) {
    setOpened(false);
    if (!n.readAt) markRead.mutate({ ids: [n.id] });
    if (n.conversationId) navigate(`/agent/conversations/${n.conversationId}`);
  }

  return (
    <Popover opened={opened} onChange={setOpened} position="bottom-end" width={360} shadow="md" withArrow>
      <Popover.Target>
        <Indicator label={unread > 99 ? '99+' : unread} size={16} color="red" disabled={unread === 0} offset={4} data-testid="notifications-unread" data-count={unread}>
          <ActionIcon variant="subtle" color="gray" size="lg" aria-label={t('notifications.title')} onClick={() => setOpened((o) => !o)} data-testid="notifications-bell">
            <IconBell size={20} />
          </ActionIcon>
        </Indicator>
      </Popover.Target>
      <Popover.Dropdown p={0}>
        <Group justify="space-between" px="md" py="xs" style={{ borderBottom: '1px solid var(--mantine-color-gray-2)' }}>
          <Text fw={600} size="sm">
            {t('notifications.title')}
          </Text>
          <Button size="compact-xs" variant="subtle" disabled={unread === 0} loading={markRead.isPending} onClick={() => markRead.mutate({ all: true })} data-testid="notifications-read-all">
            {t('notifications.markAllRead')}
          </Button>
        </Group>
        <ScrollArea.Autosize mah={420}>
          {list.isError ? (
            <Text size="sm" c="dimmed" p="md">
              {list.error.message}
            </Text>
          ) : (list.data?.items.length ?? 0) === 0 ? (
            <Text size="sm" c="dimmed" p="md" ta="center">
              {t('notifications.empty')}
            </Text>
          ) : (
            <Stack gap={0}>
              {list.data?.items.map((n) => (
                <UnstyledButton
                  key={n.id}
                  onClick={() => open(n)}
                  px="md"
                  py="sm"
                  data-testid="notification-item"
                  data-type={n.type}
                  style={{ borderBottom: '1px solid var(--mantine-color-gray-1)', background: n.readAt ? undefined : 'var(--mantine-color-indigo-0)' }}
                >
                  <Group justify="space-between" gap="xs" wrap="nowrap" mb={2}>
                    <Badge size="xs" variant="light" color={TYPE_COLORS[n.type] ?? 'gray'} radius="sm">
                      {t(`notifications.types.${n.type}`, { defaultValue: n.type })}
                    </Badge>
                    <RelativeTime iso={n.createdAt} size="xs" />
                  </Group>
                  <Text size="sm" fw={n.readAt ? 400 : 600} lineClamp={n.type === 'login_locked' ? 3 : 1}>
                    {n.data.number ? `#${n.data.number} ` : ''}
                    {n.data.subject ?? ''}
                    {n.type === 'login_locked' && t(`notifications.loginLocked.${n.data.scope === 'account' ? 'account' : 'source'}`, { ip: n.data.ip ?? '?', until: new Date(String(n.data.until)).toLocaleString() })}
                  </Text>
                  {n.data.excerpt && (
                    <Text size="xs" c="dimmed" lineClamp={2}>
                      {n.data.excerpt}
                    </Text>
                  )}
                </UnstyledButton>
              ))}
            </Stack>
          )}
        </ScrollArea.Autosize>
      </Popover.Dropdown>
    </Popover>
  );
}
