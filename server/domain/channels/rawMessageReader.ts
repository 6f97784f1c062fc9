import { and, eq } from 'drizzle-orm';
import { inboundDeliveries, messages, type EmailMeta } from '../../db/schema.ts';
import { notFound } from '../../errors.ts';
import { isStaff } from '../auth/policy.ts';
import { type Ctx, recordEvent } from '../context.ts';
import { conversationGetter } from '../conversations/conversationReader.ts';

/**
 * The stored original of an inbound message (the raw mail, kept as evidence), for staff who can
 * see its conversation; customers and everyone else get not_found. Every download is in the
 * conversation's history (who took a copy of the evidence, and when). Returns the blob to stream.
 */
export async function rawMessageReader(ctx: Ctx, conversationId: string, messageId: string): Promise<{ sha256: string; size: number | null; filename: string }> {
  if (!isStaff(ctx.actor)) throw notFound('Message');
  await conversationGetter(ctx, conversationId);
  const [message] = await ctx.db.select().from(messages).where(and(eq(messages.id, messageId), eq(messages.conversationId, conversationId)));
  if (!message) throw notFound('Message');
  const deliveryId = (message.meta.email as EmailMeta | undefined)?.deliveryId;
  const [delivery] = deliveryId
    ? await ctx.db.select().from(inboundDeliveries).where(eq(inboundDeliveries.id, deliveryId))
    : await ctx.db.select().from(inboundDeliveries).where(eq(inboundDeliveries.messageId, messageId));
  if (!delivery?.blobSha256) throw notFound('Original message');
  await recordEvent(ctx, { type: 'messages.raw_download', subjectType: 'message', subjectId: messageId, conversationId, data: { deliveryId: delivery.id, seq: message.seq } });
  return { sha256: delivery.blobSha256, size: delivery.size, filename: `message-${message.seq}.eml` };
}
