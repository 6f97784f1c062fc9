import type { inboxes, messages } from '../../db/schema.ts';

/** What the guard says about sending one message through its channel. */
export type OutboundVerdict = { send: true } | { send: false; reason: string };

/**
 * The ONE place that decides whether a message may leave through a channel (STYLE.md habit 5):
 * a private note is never sent; a message that came in from a channel (the customer's, or anything
 * a provider handed us) is never echoed back to it; system lines and call records are not
 * messages to send; and a disabled inbox sends nothing. Every sender asks it first.
 */
export function outboundGuard(
  message: Pick<typeof messages.$inferSelect, 'visibility' | 'direction' | 'authorType' | 'contentType' | 'meta'>,
  inbox: Pick<typeof inboxes.$inferSelect, 'enabled'>,
): OutboundVerdict {
  if (message.visibility !== 'public') return { send: false, reason: 'private notes are never sent' };
  // Inbound, or written on the customer's behalf, or stored from a provider's delivery: it came from the channel.
  const email = message.meta?.email as { deliveryId?: string } | undefined;
  if (message.direction !== 'out' || message.authorType === 'contact' || email?.deliveryId) return { send: false, reason: 'a message from the channel is never sent back to it' };
  if (message.contentType !== 'text' || message.authorType === 'system') return { send: false, reason: 'only replies are sent' };
  if (!inbox.enabled) return { send: false, reason: 'inbox disabled' };
  return { send: true };
}
