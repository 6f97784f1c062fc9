import { eq } from 'drizzle-orm';
import { messages } from '../../db/schema.ts';
import type { Ctx } from '../context.ts';
import { emailQueuer } from '../system/emailQueuer.ts';

/**
 * Emails the public lines of a chat to the customer's address. Only ever called with a verified
 * address (a signed-in customer's, or one just confirmed by its link): a transcript carries what
 * was said, and a typed address may be anyone's.
 */
export async function transcriptMailer(ctx: Ctx, conversation: { id: string; number: number; language: string }, to: string) {
  const zh = conversation.language.startsWith('zh');
  const rows = await ctx.db.select().from(messages).where(eq(messages.conversationId, conversation.id)).orderBy(messages.seq);
  const lines = rows
    .filter((m) => m.visibility === 'public')
    .map((m) => `[${m.createdAt.toISOString().slice(11, 16)}] ${m.direction === 'in' ? (zh ? '您' : 'You') : m.authorType === 'system' ? '—' : zh ? '客服' : 'Support'}: ${m.body}`);
  await emailQueuer(ctx, {
    to,
    subject: zh ? `在线客服对话记录 #${conversation.number}` : `Your chat transcript #${conversation.number}`,
    text: lines.join('\n'),
    conversationId: conversation.id,
    dedupeKey: `transcript:${conversation.id}`,
  });
}
