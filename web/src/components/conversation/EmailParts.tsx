import { useLayoutEffect, useMemo, useRef, useState } from 'react';
import { Anchor, Badge, Box, Button, Group, Stack, Text, Tooltip } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import type { MessageOut } from '../../../../common/schemas.ts';
import { api } from '../../api.ts';
import { normalizeContentId, sanitizeEmailHtml, type SafeEmailHtml } from '../../lib/emailHtml.ts';
import { IconAlert, IconCheck } from '../icons.tsx';

type Email = NonNullable<MessageOut['email']>;
type Party = Email['from'];

const DELIVERY_COLORS = { queued: 'blue', stored: 'gray', sent: 'teal', failed: 'red' } as const;

/** "Name <address>", or the address alone. */
export const partyLabel = (p: Party) => (p.name && p.name !== p.email ? `${p.name} <${p.email}>` : p.email);

/**
 * Where an outgoing message stands: queued, kept in the outbox (no outbound SMTP), sent, or failed
 * with the provider's reason and a Retry. Pushes (messages.delivery) keep it current.
 */
export function DeliveryStatus({ message }: { message: MessageOut }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const status = message.deliveryStatus;
  const retry = useMutation({
    mutationFn: () => api.post<MessageOut | undefined>(`/conversations/${message.conversationId}/messages/${message.id}/retry`),
    onSuccess: (updated) => {
      // Until the worker reports back, the message is queued again.
      queryClient.setQueryData<{ items: MessageOut[] }>(['conversation', message.conversationId, 'messages'], (old) =>
        old ? { items: old.items.map((m) => (m.id === message.id ? (updated && updated.id === m.id ? updated : { ...m, deliveryStatus: 'queued', deliveryError: null }) : m)) } : old,
      );
      notifications.show({ color: 'teal', message: t('emailUi.retryQueued'), autoClose: 1500 });
    },
    onError: (err) => notifications.show({ color: 'red', title: t('app.errorTitle'), message: err.message }),
    onSettled: () => void queryClient.invalidateQueries({ queryKey: ['conversation', message.conversationId, 'messages'] }),
  });
  if (!status) return null;
  const hint = status === 'failed' ? t('emailUi.delivery.failedHint', { reason: message.deliveryError ?? '—' }) : t(`emailUi.delivery.${status}Hint`);
  return (
    <Stack gap={4} mt={6} align="flex-end" data-testid="delivery-status" data-status={status}>
      <Group gap={6} wrap="nowrap" justify="flex-end">
        <Tooltip label={hint} multiline maw={360} openDelay={300}>
          <Badge
            size="sm"
            variant="light"
            color={DELIVERY_COLORS[status]}
            leftSection={status === 'failed' ? <IconAlert size={12} /> : status === 'sent' ? <IconCheck size={12} /> : undefined}
            data-testid="delivery-badge"
          >
            {t(`emailUi.delivery.${status}`)}
          </Badge>
        </Tooltip>
        {(status === 'failed' || status === 'stored') && (
          <Button size="compact-xs" variant="light" color={status === 'failed' ? 'red' : 'gray'} loading={retry.isPending} onClick={() => retry.mutate()} data-testid="delivery-retry">
            {t(status === 'failed' ? 'emailUi.retry' : 'emailUi.sendNow')}
          </Button>
        )}
      </Group>
      {status === 'failed' && message.deliveryError && (
        <Text size="xs" c="red.8" ta="right" maw={480} style={{ overflowWrap: 'anywhere' }} data-testid="delivery-error">
          {message.deliveryError}
        </Text>
      )}
    </Stack>
  );
}

/** From, To and Cc of an email, the auto-reply mark and the original's download. */
export function EmailHeader({ message }: { message: MessageOut }) {
  const { t } = useTranslation();
  const email = message.email;
  if (!email) return null;
  const line = (label: string, parties: Party[], testId: string) =>
    parties.length > 0 && (
      <Text size="xs" c="dimmed" style={{ overflowWrap: 'anywhere' }} data-testid={testId}>
        <Text span size="xs" fw={600} c="dimmed" mr={4}>
          {label}:
        </Text>
        {parties.map(partyLabel).join(', ')}
      </Text>
    );
  return (
    <Stack gap={0} mb={6} data-testid="email-header">
      {line(t('emailUi.from'), [email.from], 'email-from')}
      {line(t('emailUi.to'), email.to, 'email-to')}
      {line(t('emailUi.cc'), email.cc, 'email-cc')}
      {(email.autoSubmitted || email.hasRaw) && (
        <Group gap="xs" mt={4}>
          {email.autoSubmitted && (
            <Tooltip label={t('emailUi.autoSubmitted', { kind: email.autoSubmitted })}>
              <Badge size="xs" variant="outline" color="orange" data-testid="email-auto-reply">
                {t('emailUi.autoReply')}
              </Badge>
            </Tooltip>
          )}
          {email.hasRaw && (
            <Anchor size="xs" href={`/api/v1/conversations/${message.conversationId}/messages/${message.id}/raw`} download={`message-${message.seq}.eml`} data-testid="email-raw">
              {t('emailUi.downloadRaw')}
            </Anchor>
          )}
        </Group>
      )}
    </Stack>
  );
}

/**
 * An email's HTML made safe once per message (null without HTML): the body shows it, and the
 * attachment list leaves out the inline images it shows in place.
 */
export function useSafeEmailHtml(message: MessageOut): SafeEmailHtml | null {
  const html = message.email?.html ?? null;
  return useMemo(() => {
    if (!html || typeof DOMParser === 'undefined') return null;
    const byCid = new Map(message.attachments.filter((a) => a.contentId).map((a) => [normalizeContentId(a.contentId!), a.url]));
    return sanitizeEmailHtml(html, (cid) => byCid.get(cid));
  }, [message.attachments, html]);
}

/** The sanitised HTML of an email, with its inline images in place and the quoted reply folded. */
function EmailHtml({ safe, folded }: { safe: SafeEmailHtml; folded: boolean }) {
  const { t } = useTranslation();
  const ref = useRef<HTMLDivElement>(null);
  useLayoutEffect(() => {
    // Fresh nodes built by the sanitiser: nothing here is parsed from a string again.
    ref.current?.replaceChildren(safe.fragment.cloneNode(true));
  }, [safe]);
  return (
    <>
      <Box ref={ref} className="sb-email-html" data-folded={folded} data-testid="email-html" />
      {safe.blockedImages > 0 && (
        <Text size="xs" c="dimmed" mt={4}>
          {t('emailUi.remoteImagesBlocked')}
        </Text>
      )}
    </>
  );
}

/**
 * An email's body: its HTML when it has one (else the text), and the quoted earlier reply folded
 * behind "Show quoted text" — inside the HTML where the client marked it, else the text the server kept.
 */
export function EmailBody({ message, safe }: { message: MessageOut; safe: SafeEmailHtml | null }) {
  const { t } = useTranslation();
  const [showQuoted, setShowQuoted] = useState(false);
  const email = message.email!;
  const htmlQuote = Boolean(safe?.hasQuote);
  const textQuote = !htmlQuote && Boolean(email.quoted);
  return (
    <>
      {safe ? (
        <EmailHtml safe={safe} folded={!showQuoted} />
      ) : (
        <Text size="sm" className="sb-body">
          {message.body}
        </Text>
      )}
      {(htmlQuote || textQuote) && (
        <>
          <Button variant="subtle" size="compact-xs" color="gray" mt={4} px={4} onClick={() => setShowQuoted((v) => !v)} aria-expanded={showQuoted} data-testid="email-quote-toggle">
            {showQuoted ? t('emailUi.hideQuoted') : t('emailUi.showQuoted')}
          </Button>
          {textQuote && showQuoted && (
            <Text size="sm" c="dimmed" className="sb-body sb-email-quote" data-testid="email-quoted">
              {email.quoted}
            </Text>
          )}
        </>
      )}
    </>
  );
}
