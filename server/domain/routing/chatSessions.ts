import { eq } from 'drizzle-orm';
import { contacts, conversations, messages } from '../../db/schema.ts';
import { AppError, forbidden } from '../../errors.ts';
import { type Ctx, recordEvent } from '../context.ts';
import { conversationCreator } from '../conversations/conversationCreator.ts';
import { conversationGetter } from '../conversations/conversationReader.ts';
import { conversationUpdater } from '../conversations/conversationUpdater.ts';
import { messageCreator } from '../conversations/messageCreator.ts';
import { defaultInbox } from '../directory/inboxes.ts';
import { emailQueuer } from '../system/emailQueuer.ts';

export interface ChatStart {
  categoryId?: string;
  language: string;
  description: string;
  orderId?: string;
}

/**
 * A visitor who is not signed in gets a contact of their own for this chat: the email they type
 * is kept as unverified and is never used to join an existing account (that would hand a
 * stranger someone else's tickets).
 */
export async function visitorContactCreator(ctx: Ctx, input: { name: string; email?: string; language: string }) {
  const [row] = await ctx.db
    .insert(contacts)
    .values({ name: input.name || 'Visitor', language: input.language, attributes: input.email ? { unverifiedEmail: input.email.toLowerCase() } : {} })
    .returning();
  await recordEvent(ctx, { type: 'contacts.create', subjectType: 'contact', subjectId: row!.id, data: { via: 'chat' } });
  return row!;
}

/** The customer describes the problem; a live conversation joins the queue. */
export async function chatStarter(ctx: Ctx, input: ChatStart) {
  if (ctx.actor.type !== 'contact') throw forbidden('Chats are started by customers');
  const inbox = await defaultInbox(ctx.db, 'webchat', ctx.services);
  const summary = input.description.replace(/\s+/g, ' ').trim();
  const { conversation } = await conversationCreator(ctx, {
    inboxId: inbox.id,
    subject: summary.length > 80 ? `${summary.slice(0, 79)}…` : summary,
    body: input.description,
    mode: 'live',
    categoryId: input.categoryId,
    language: input.language,
    fields: input.orderId ? { orderId: input.orderId } : {},
    tags: [],
  });
  return conversation;
}

const zh = (language: string) => language.startsWith('zh');

/**
 * A chat becomes a ticket (nobody online, or the customer would rather not wait): nothing typed
 * is lost — it is the same conversation, now answered asynchronously — and the customer is told
 * how they will hear back.
 */
export async function chatToTicket(ctx: Ctx, conversationId: string, reason: 'nobody_online' | 'customer_choice' | 'customer_left') {
  const c = await conversationGetter(ctx, conversationId, { lock: true });
  if (c.mode !== 'live') return c;
  if (ctx.actor.type === 'contact' && c.contactId !== ctx.actor.id) throw forbidden();
  await ctx.db.update(conversations).set({ mode: 'async', updatedAt: ctx.services.clock() }).where(eq(conversations.id, conversationId));
  await recordEvent(ctx, { type: 'conversations.update', subjectType: 'conversation', subjectId: conversationId, conversationId, data: { before: { mode: 'live' }, after: { mode: 'async' }, reason } });
  const [contact] = await ctx.db.select().from(contacts).where(eq(contacts.id, c.contactId));
  const email = contact?.email ?? (contact?.attributes.unverifiedEmail as string | undefined);
  const how = email
    ? zh(c.language)
      ? `我们会通过邮件 ${email} 回复您,您也可以在"我的工单"中查看。`
      : `We will answer by email at ${email}; you can also follow it in My tickets.`
    : zh(c.language)
      ? '请登录后在"我的工单"中查看回复。'
      : 'Sign in and open My tickets to see our answer.';
  const why =
    reason === 'nobody_online'
      ? zh(c.language)
        ? '目前没有客服在线。'
        : 'No agent is available right now.'
      : '';
  await messageCreator({ ...ctx, actor: { type: 'system', id: null } }, conversationId, {
    body: zh(c.language) ? `${why}您的对话已转为工单 #${c.number}。${how}` : `${why ? `${why} ` : ''}Your chat is now ticket #${c.number}. ${how}`,
    contentType: 'event',
  });
  return (await conversationGetter(ctx, conversationId))!;
}

/** Ends a chat (customer or agent); optionally emails the customer the transcript. */
export async function chatEnder(ctx: Ctx, conversationId: string, options: { transcript: boolean }) {
  const c = await conversationGetter(ctx, conversationId);
  if (c.mode !== 'live') throw new AppError('conflict', 'This conversation is not a live chat');
  if (ctx.actor.type === 'contact' && c.contactId !== ctx.actor.id) throw forbidden();
  if (c.status !== 'solved' && c.status !== 'closed') {
    if (ctx.actor.type === 'contact') {
      await ctx.db.update(conversations).set({ status: 'solved', solvedAt: ctx.services.clock(), updatedAt: ctx.services.clock() }).where(eq(conversations.id, conversationId));
      await recordEvent(ctx, { type: 'conversations.update', subjectType: 'conversation', subjectId: conversationId, conversationId, data: { before: { status: c.status }, after: { status: 'solved' }, reason: 'customer_ended' } });
    } else {
      await conversationUpdater(ctx, conversationId, { status: 'solved' });
    }
  }
  if (options.transcript) {
    const [contact] = await ctx.db.select().from(contacts).where(eq(contacts.id, c.contactId));
    const email = contact?.email ?? (contact?.attributes.unverifiedEmail as string | undefined);
    if (email) {
      const rows = await ctx.db.select().from(messages).where(eq(messages.conversationId, conversationId)).orderBy(messages.seq);
      const lines = rows
        .filter((m) => m.visibility === 'public')
        .map((m) => `[${m.createdAt.toISOString().slice(11, 16)}] ${m.direction === 'in' ? (zh(c.language) ? '您' : 'You') : m.authorType === 'system' ? '—' : zh(c.language) ? '客服' : 'Support'}: ${m.body}`);
      await emailQueuer(ctx, {
        to: email,
        subject: zh(c.language) ? `在线客服对话记录 #${c.number}` : `Your chat transcript #${c.number}`,
        text: lines.join('\n'),
        conversationId,
        dedupeKey: `transcript:${conversationId}`,
      });
    }
  }
}
