import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import { attachments, conversations, messages } from '../../db/schema.ts';
import { AppError, forbidden } from '../../errors.ts';
import { canWorkConversation } from '../auth/policy.ts';
import { type Ctx, recordEvent } from '../context.ts';
import { conversationGetter, conversationLoader } from './conversationReader.ts';
import { messageCreator } from './messageCreator.ts';

/**
 * Merges a conversation into another of the same customer: its messages move over (after the
 * target's, keeping their order and times), both histories stay, the source is closed with a
 * pointer to the target, and the customer is told in the target.
 */
export async function conversationMerger(ctx: Ctx, sourceId: string, targetId: string) {
  if (sourceId === targetId) throw new AppError('validation_failed', 'A conversation cannot be merged into itself');
  // Lock in id order so two opposite merges cannot deadlock.
  const [first, second] = [sourceId, targetId].sort();
  const locked = new Map([
    [first!, await conversationGetter(ctx, first!, { lock: true })],
    [second!, await conversationGetter(ctx, second!, { lock: true })],
  ]);
  const source = locked.get(sourceId)!;
  const target = locked.get(targetId)!;
  if (!canWorkConversation(ctx.actor, source) || !canWorkConversation(ctx.actor, target)) throw forbidden();
  if (source.contactId !== target.contactId) throw new AppError('conflict', 'Only conversations of the same customer can be merged');
  if (source.mergedIntoId) throw new AppError('conflict', `#${source.number} was already merged`);
  if (target.status === 'closed') throw new AppError('conflict', `#${target.number} is closed`);

  const moved = await ctx.db.select({ id: messages.id, seq: messages.seq }).from(messages).where(eq(messages.conversationId, sourceId)).orderBy(asc(messages.seq));
  if (moved.length) {
    // Renumber after the target's last seq; idempotency keys of the old conversation have done their job.
    await ctx.db.execute(sql`
      update messages set conversation_id = ${targetId}, seq = ${target.lastSeq} + ranked.n, idempotency_key = null
      from (select id, row_number() over (order by seq) as n from messages where conversation_id = ${sourceId}) as ranked
      where messages.id = ranked.id`);
    await ctx.db.update(attachments).set({ conversationId: targetId }).where(inArray(attachments.messageId, moved.map((m) => m.id)));
  }
  await ctx.db.update(attachments).set({ conversationId: targetId }).where(and(eq(attachments.conversationId, sourceId)));
  const now = ctx.services.clock();
  await ctx.db.update(conversations).set({ lastSeq: target.lastSeq + moved.length, updatedAt: now }).where(eq(conversations.id, targetId));
  await ctx.db.update(conversations).set({ status: 'closed', mergedIntoId: targetId, updatedAt: now, firstResponseDueAt: null, nextResponseDueAt: null, resolutionDueAt: null }).where(eq(conversations.id, sourceId));

  await recordEvent(ctx, { type: 'conversations.merge', subjectType: 'conversation', subjectId: sourceId, conversationId: sourceId, data: { into: targetId, intoNumber: target.number, before: { status: source.status } } });
  await recordEvent(ctx, { type: 'conversations.merge', subjectType: 'conversation', subjectId: targetId, conversationId: targetId, data: { from: sourceId, fromNumber: source.number, messages: moved.length } });

  const zh = target.language.startsWith('zh');
  await messageCreator(ctx, targetId, {
    body: zh
      ? `您的工单 #${source.number} 已与本工单 #${target.number} 合并,我们将在这里继续为您处理。`
      : `Your request #${source.number} has been merged into this one (#${target.number}); we will continue here.`,
  });
  return (await conversationLoader(ctx.db, targetId))!;
}
