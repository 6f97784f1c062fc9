import { Badge, Text, Tooltip } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { ChannelKind, ConversationStatus, Priority } from '../../../common/enums.ts';
import { PRIORITY_COLORS, STATUS_COLORS, absoluteTime, relativeTime, useNow } from '../lib/format.ts';

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
