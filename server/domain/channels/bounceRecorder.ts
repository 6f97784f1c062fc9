import type { BounceReport } from '../../channels/types.ts';
import { q, rawRows } from '../../db/raw.ts';
import { type Ctx, recordEvent } from '../context.ts';
import { ourHosts } from './ownAddresses.ts';

/**
 * A delivery report about one of our outgoing mails: a permanent failure marks that message
 * failed with the remote server's reason (the agent sees it on the message, live, and may
 * retry), or the notification mail in the outbox (its Message-ID is `<outbox-id@host>`). A delay
 * or other temporary notice marks nothing: the remote server is still trying. A report naming
 * no message of ours changes nothing. Returns the conversation of the failed message, if any.
 */
export async function bounceRecorder(ctx: Ctx, bounce: BounceReport | undefined): Promise<{ conversationId?: string }> {
  if (!bounce?.permanent || !bounce.originalMessageId) return {};
  const reason = [bounce.status, bounce.reason].filter(Boolean).join(' ').slice(0, 1000) || 'Bounced';
  const now = ctx.services.clock();
  const failed = await rawRows<{ id: string; conversation_id: string; seq: number }>(
    ctx.db,
    q`update messages set delivery_status = 'failed', delivery_error = ${reason}::text, delivery_updated_at = ${now.toISOString()}::timestamptz
      where external_id = ${bounce.originalMessageId}::text and direction = 'out'
        and (delivery_status is distinct from 'failed' or delivery_error is distinct from ${reason}::text)
      returning id, conversation_id, seq`,
  );
  for (const m of failed) {
    await recordEvent(ctx, {
      type: 'messages.delivery',
      subjectType: 'message',
      subjectId: m.id,
      conversationId: m.conversation_id,
      data: { messageId: m.id, seq: m.seq, status: 'failed', error: reason, via: 'bounce', ...(bounce.recipient ? { recipient: bounce.recipient } : {}) },
    });
  }
  if (failed[0]) return { conversationId: failed[0].conversation_id };

  // Notification mail (replies to web tickets, confirmations): the outbox row's id is the Message-ID's local part.
  const outbox = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})@(.+)$/i.exec(bounce.originalMessageId);
  if (!outbox || !(await ourHosts(ctx)).has(outbox[2]!.toLowerCase())) return {};
  const [mail] = await rawRows<{ id: string; conversation_id: string | null }>(
    ctx.db,
    q`update outbox_emails set status = 'failed', error = ${reason}::text where id = ${outbox[1]!.toLowerCase()}::uuid and status <> 'failed' returning id, conversation_id`,
  );
  if (!mail) return {};
  await recordEvent(ctx, {
    type: 'outbox_emails.bounce',
    subjectType: 'outbox_email',
    subjectId: mail.id,
    conversationId: mail.conversation_id,
    data: { error: reason, ...(bounce.recipient ? { recipient: bounce.recipient } : {}) },
  });
  return mail.conversation_id ? { conversationId: mail.conversation_id } : {};
}
