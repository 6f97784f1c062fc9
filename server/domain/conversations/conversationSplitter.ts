import { and, eq } from 'drizzle-orm';
import { attachments, messages } from '../../db/schema.ts';
import { AppError, forbidden, notFound } from '../../errors.ts';
import { canWorkConversation } from '../auth/policy.ts';
import { type Ctx, recordEvent } from '../context.ts';
import { conversationCreator } from './conversationCreator.ts';
import { conversationGetter } from './conversationReader.ts';

/** Starts a new ticket from one customer message (a second problem raised in the same thread). */
export async function conversationSplitter(ctx: Ctx, conversationId: string, messageId: string) {
  const source = await conversationGetter(ctx, conversationId);
  if (!canWorkConversation(ctx.actor, source)) throw forbidden();
  const [message] = await ctx.db.select().from(messages).where(and(eq(messages.id, messageId), eq(messages.conversationId, conversationId)));
  if (!message) throw notFound('Message');
  if (message.direction !== 'in' || message.visibility !== 'public') throw new AppError('validation_failed', 'Only a customer message can be split into a new ticket');

  const summary = message.body.replace(/\s+/g, ' ').trim().slice(0, 80) || source.subject;
  const { conversation } = await conversationCreator(ctx, {
    contactId: source.contactId,
    inboxId: source.inboxId,
    subject: summary,
    body: message.body || '(attachment)',
    mode: 'async',
    priority: source.priority,
    categoryId: source.categoryId ?? undefined,
    teamId: source.teamId ?? undefined,
    language: source.language,
    fields: source.fields as Record<string, string>,
    tags: source.tags,
  });
  // The files go along: new rows pointing at the same stored content.
  const files = await ctx.db.select().from(attachments).where(eq(attachments.messageId, messageId));
  if (files.length) {
    const [first] = await ctx.db.select({ id: messages.id }).from(messages).where(and(eq(messages.conversationId, conversation.id), eq(messages.seq, 1)));
    await ctx.db.insert(attachments).values(files.map((f) => ({ conversationId: conversation.id, messageId: first!.id, sha256: f.sha256, filename: f.filename, contentType: f.contentType, size: f.size })));
  }
  await recordEvent(ctx, { type: 'conversations.split', subjectType: 'conversation', subjectId: conversationId, conversationId, data: { messageId, into: conversation.id, intoNumber: conversation.number } });
  await recordEvent(ctx, { type: 'conversations.split', subjectType: 'conversation', subjectId: conversation.id, conversationId: conversation.id, data: { from: conversationId, fromNumber: source.number, messageId } });
  return conversation;
}
