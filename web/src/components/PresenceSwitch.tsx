import { Badge, Group, Menu, Text, UnstyledButton } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { AGENT_STATUSES, type AgentStatus } from '../../../common/enums.ts';
import type { Me } from '../../../common/schemas.ts';
import { api } from '../api.ts';
import { meKey } from '../queries.ts';
import { IconCheck, IconChevronDown } from './icons.tsx';

const STATUSES = AGENT_STATUSES;
export const STATUS_COLORS: Record<AgentStatus, string> = { online: 'teal', away: 'yellow', offline: 'gray' };

export function StatusDot({ status, size = 8 }: { status: AgentStatus; size?: number }) {
  return <span aria-hidden style={{ display: 'inline-block', width: size, height: size, borderRadius: size, background: `var(--mantine-color-${STATUS_COLORS[status]}-6)`, flexShrink: 0 }} />;
}

/**
 * The header's presence switch: only online agents are offered chats, so this is the agent's
 * "I am taking chats" button. Routing may set an agent away (a missed offer); /auth/me tells.
 */
export function PresenceSwitch({ me }: { me: Me }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const status: AgentStatus = me.status ?? 'offline';
  const change = useMutation({
    mutationFn: (next: AgentStatus) => api.patch(`/agents/${me.id}`, { status: next }),
    onMutate: (next) => {
      const previous = queryClient.getQueryData<Me | null>(meKey);
      if (previous) queryClient.setQueryData<Me>(meKey, { ...previous, status: next });
      return { previous };
    },
    onError: (err, _next, ctx) => {
      if (ctx?.previous) queryClient.setQueryData(meKey, ctx.previous);
      notifications.show({ color: 'red', title: t('app.errorTitle'), message: err.message });
    },
    onSettled: () => {
      void queryClient.invalidateQueries({ queryKey: meKey });
      void queryClient.invalidateQueries({ queryKey: ['chats', 'live'] });
    },
  });
  return (
    <Menu position="bottom-end" width={220} shadow="md">
      <Menu.Target>
        <UnstyledButton aria-label={t('presence.label')} data-testid="presence-switch" data-status={status} px={8} py={4} style={{ borderRadius: 8, border: '1px solid var(--mantine-color-gray-3)' }}>
          <Group gap={6} wrap="nowrap">
            <StatusDot status={status} />
            <Text size="sm" fw={500}>
              {t(`agentStatus.${status}`)}
            </Text>
            <IconChevronDown size={12} />
          </Group>
        </UnstyledButton>
      </Menu.Target>
      <Menu.Dropdown>
        <Menu.Label>{t('presence.label')}</Menu.Label>
        {STATUSES.map((s) => (
          <Menu.Item key={s} leftSection={<StatusDot status={s} />} rightSection={s === status ? <IconCheck size={14} /> : null} onClick={() => s !== status && change.mutate(s)} data-testid={`presence-${s}`}>
            <Text size="sm">{t(`agentStatus.${s}`)}</Text>
            <Text size="xs" c="dimmed">
              {t(`presence.hint.${s}`)}
            </Text>
          </Menu.Item>
        ))}
      </Menu.Dropdown>
    </Menu>
  );
}

/** A small status badge for lists of agents. */
export function StatusBadge({ status }: { status: AgentStatus }) {
  const { t } = useTranslation();
  return (
    <Badge size="sm" variant="light" color={STATUS_COLORS[status]} leftSection={<StatusDot status={status} size={6} />}>
      {t(`agentStatus.${status}`)}
    </Badge>
  );
}
