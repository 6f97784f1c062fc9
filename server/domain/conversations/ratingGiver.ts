import { eq } from 'drizzle-orm';
import { conversations } from '../../db/schema.ts';
import { AppError, forbidden } from '../../errors.ts';
import { type Ctx, recordEvent } from '../context.ts';
import { conversationGetter } from './conversationReader.ts';

/** The customer rates a solved (or closed) conversation 1–5, once; a later rating replaces it until it closes. */
export async function ratingGiver(ctx: Ctx, conversationId: string, input: { score: number; comment?: string }) {
  if (ctx.actor.type !== 'contact') throw forbidden('Only the customer rates a conversation');
  const conversation = await conversationGetter(ctx, conversationId, { lock: true });
  if (conversation.status !== 'solved' && conversation.status !== 'closed') throw new AppError('conflict', 'You can rate once the conversation is solved');
  if (conversation.status === 'closed' && conversation.csatScore) throw new AppError('conflict', 'This conversation is already rated');
  const now = ctx.services.clock();
  await ctx.db.update(conversations).set({ csatScore: input.score, csatComment: input.comment || null, csatAt: now }).where(eq(conversations.id, conversationId));
  await recordEvent(ctx, {
    type: 'conversations.rate',
    subjectType: 'conversation',
    subjectId: conversationId,
    conversationId,
    data: { score: input.score, comment: input.comment ?? null, before: conversation.csatScore },
  });
  return { score: input.score, comment: input.comment || null, ratedAt: now.toISOString() };
}
