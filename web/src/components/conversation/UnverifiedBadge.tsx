import { Badge, Tooltip } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { ConversationOut } from '../../../../common/schemas.ts';

/**
 * The requester only typed this address (an anonymous form) and has not confirmed it: they may not
 * be the customer it belongs to. Shown in the header, the inbox row and the customer card.
 */
export function UnverifiedBadge({ conversation: c, size = 'sm' }: { conversation: Pick<ConversationOut, 'requesterVerified' | 'contact'>; size?: 'xs' | 'sm' }) {
  const { t } = useTranslation();
  if (c.requesterVerified !== false) return null;
  return (
    <Tooltip label={t('conversation.unverifiedHint', { email: c.contact.unverifiedEmail ?? '' })} multiline w={300} withArrow>
      <Badge component="span" color="orange" variant="light" size={size} data-testid="unverified-sender">
        {t('conversation.unverified')}
      </Badge>
    </Tooltip>
  );
}
