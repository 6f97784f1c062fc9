import { and, eq, sql } from 'drizzle-orm';
import { attachments, messages } from '../../db/schema.ts';
import { AppError, forbidden, notFound } from '../../errors.ts';
import { QUEUES } from '../../jobs/boss.ts';
import { canWorkConversation, requireActor } from '../auth/policy.ts';
import { type Ctx, enqueue, recordEvent } from '../context.ts';
import { conversationGetter } from '../conversations/conversationReader.ts';

/**
 * An agent sends a failed outgoing message again (the address was fixed, the server is back), or
 * one the outbox kept before outbound SMTP was set up: it goes back to queued with a new delivery
 * job. Only such outbound messages can be sent again; the
 * event records who asked, so the audit log has it.
 */
export async function deliveryRetrier(ctx: Ctx, conversationId: string, messageId: string) {
  const actor = requireActor(ctx.actor);
  const conversation = await conversationGetter(ctx, conversationId);
  if (!canWorkConversation(actor, conversation)) throw forbidden();
  const [message] = await ctx.db
    .select()
    .from(messages)
    .where(and(eq(messages.id, messageId), eq(messages.conversationId, conversationId)))
    .for('update');
  if (!message) throw notFound('Message');
  // A failed message, or one the outbox kept while no outbound SMTP was set up (sent once there is).
  if (message.direction !== 'out' || (message.deliveryStatus !== 'failed' && message.deliveryStatus !== 'stored')) {
    throw new AppError('conflict', 'Only a failed outgoing message, or one kept in the outbox, can be sent again');
  }
  const now = ctx.services.clock();
  const [updated] = await ctx.db
    .update(messages)
    .set({ deliveryStatus: 'queued', deliveryError: null, deliveryUpdatedAt: now, meta: sql`${messages.meta} - 'deliveryLease'` })
    .where(eq(messages.id, messageId))
    .returning();
  await enqueue(ctx, QUEUES.messageDeliver, { messageId });
  await recordEvent(ctx, {
    type: 'messages.delivery',
    subjectType: 'message',
    subjectId: messageId,
    conversationId,
    data: { status: 'queued', error: null, seq: message.seq, retry: true, before: { status: message.deliveryStatus, error: message.deliveryError } },
  });
  const files = await ctx.db.select().from(attachments).where(eq(attachments.messageId, messageId));
  return { ...updated!, attachments: files };
}
