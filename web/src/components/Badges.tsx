import { Badge, Text, Tooltip } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { ChannelKind, ConversationStatus, Priority } from '../../../common/enums.ts';
import { PRIORITY_COLORS, STATUS_COLORS, absoluteTime, relativeTime, useNow } from '../lib/format.ts';
import { nearestDue, shortDuration } from '../lib/sla.ts';

export function StatusBadge({ status }: { status: ConversationStatus }) {
  const { t } = useTranslation();
  return (
    <Badge color={STATUS_COLORS[status]} variant="light" radius="sm" data-status={status} style={{ flexShrink: 0, overflow: 'visible' }}>
      {t(`status.${status}`)}
    </Badge>
  );
}

export function PriorityBadge({ priority }: { priority: Priority }) {
  const { t } = useTranslation();
  return (
    <Badge color={PRIORITY_COLORS[priority]} variant={priority === 'urgent' ? 'filled' : 'outline'} radius="sm" data-priority={priority} style={{ flexShrink: 0, overflow: 'visible' }}>
      {t(`priority.${priority}`)}
    </Badge>
  );
}

export function ChannelLabel({ channel }: { channel: ChannelKind }) {
  const { t } = useTranslation();
  return (
    <Text size="sm" c="dimmed" span>
      {t(`channel.${channel}`)}
    </Text>
  );
}

/** "5 minutes ago", with the exact time on hover; re-renders on a shared clock. */
export function RelativeTime({ iso, size = 'sm', c = 'dimmed' }: { iso: string; size?: string; c?: string }) {
  const { t, i18n } = useTranslation();
  const now = useNow();
  return (
    <Tooltip label={absoluteTime(iso, i18n.language)} openDelay={400}>
      <Text size={size} c={c} span style={{ whiteSpace: 'nowrap' }}>
        <time dateTime={iso}>{relativeTime(iso, i18n.language, now, t('time.justNow'))}</time>
      </Text>
    </Tooltip>
  );
}

/** The nearest SLA due time: "due in 23m" (orange under an hour), "overdue 5m" (red); nothing when none applies. */
export function SlaBadge({ conversation, size = 'sm' }: { conversation: Parameters<typeof nearestDue>[0]; size?: 'xs' | 'sm' | 'md' }) {
  const { t, i18n } = useTranslation();
  const now = useNow();
  const due = nearestDue(conversation, now);
  if (!due) return null;
  const label =
    due.state === 'paused' ? t('sla.paused') : due.state === 'overdue' ? t('sla.overdue', { time: shortDuration(due.diff) }) : t('sla.dueIn', { time: shortDuration(due.diff) });
  const color = due.state === 'overdue' ? 'red' : due.state === 'soon' ? 'orange' : 'gray';
  const tip = due.state === 'paused' ? t('sla.pausedHint') : `${t('sla.nearest')}: ${absoluteTime(new Date(due.at).toISOString(), i18n.language)}`;
  return (
    <Tooltip label={tip} openDelay={300} multiline maw={300}>
      <Badge size={size} color={color} variant={due.state === 'ok' || due.state === 'paused' ? 'default' : due.state === 'overdue' ? 'filled' : 'light'} radius="sm" tt="none" data-testid="sla-badge" data-state={due.state} style={{ flexShrink: 0, overflow: 'visible' }}>
        {label}
      </Badge>
    </Tooltip>
  );
}
