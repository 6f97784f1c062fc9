import { q, rawRows } from '../../db/raw.ts';
import { type Ctx, recordEvent } from '../context.ts';

/**
 * A customer wrote again to a closed conversation and the desk reopens closed tickets
 * (emailClosedReply 'reopen'): it is open again, in its history, before the message is added.
 * The event names the reason, so the customer is not mailed about their own reply.
 */
export async function conversationReopener(ctx: Ctx, conversationId: string, reason: string): Promise<boolean> {
  const now = ctx.services.clock().toISOString();
  const [row] = await rawRows<{ id: string }>(
    ctx.db,
    q`update conversations set status = 'open', solved_at = null, updated_at = ${now}::timestamptz where id = ${conversationId}::uuid and status = 'closed' returning id`,
  );
  if (!row) return false;
  await recordEvent(ctx, { type: 'conversations.update', subjectType: 'conversation', subjectId: conversationId, conversationId, data: { before: { status: 'closed' }, after: { status: 'open' }, reason } });
  return true;
}
