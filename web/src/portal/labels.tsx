import { Badge } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { ConversationStatus } from '../../../common/enums.ts';

/** What a customer calls each status: "new" and "open" are both just being handled. */
const CUSTOMER_STATUS = {
  new: { key: 'open', color: 'blue' },
  open: { key: 'open', color: 'blue' },
  pending: { key: 'pending', color: 'orange' },
  on_hold: { key: 'on_hold', color: 'grape' },
  solved: { key: 'solved', color: 'teal' },
  closed: { key: 'closed', color: 'gray' },
} as const;

export function CustomerStatusBadge({ status }: { status: ConversationStatus }) {
  const { t } = useTranslation();
  const s = CUSTOMER_STATUS[status];
  return (
    <Badge color={s.color} variant="light" radius="sm" data-testid="ticket-status" data-status={status} style={{ flexShrink: 0, overflow: 'visible' }}>
      {t(`portal.status.${s.key}`)}
    </Badge>
  );
}

/** Human-readable file size. */
export function fileSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`;
  const mb = bytes / 1024 / 1024;
  return `${Number.isInteger(mb) ? mb : mb.toFixed(1)} MB`;
}

export const MAX_FILE_BYTES = 20 * 1024 * 1024;
export const ACCEPT_FILES = 'image/png,image/jpeg,image/gif,image/webp,application/pdf';
