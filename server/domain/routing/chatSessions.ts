import { and, eq } from 'drizzle-orm';
import { stripBidi } from '../../../common/text.ts';
import { agents, contacts, conversations, teams } from '../../db/schema.ts';
import { AppError, forbidden, notFound } from '../../errors.ts';
import { canWorkConversation, isStaff } from '../auth/policy.ts';
import { type Ctx, recordEvent } from '../context.ts';
import { conversationCreator } from '../conversations/conversationCreator.ts';
import { conversationGetter } from '../conversations/conversationReader.ts';
import { conversationUpdater } from '../conversations/conversationUpdater.ts';
import { messageCreator } from '../conversations/messageCreator.ts';
import { defaultInbox } from '../directory/inboxes.ts';
import { claimedAddress, confirmationRequester } from '../contacts/addressConfirmer.ts';
import { transcriptMailer } from './transcriptMailer.ts';
import { addBusinessMinutes } from '../sla/businessTime.ts';

export interface ChatStart {
  categoryId?: string;
  /** Left out, conversationCreator detects it from the description. */
  language?: string;
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
    .values({ name: stripBidi(input.name) || 'Visitor', language: input.language, attributes: input.email ? { unverifiedEmail: input.email.toLowerCase() } : {} })
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
 * Live chat follows the business hours of the team that handles the chat's category; null when
 * chat is open now (or the team works around the clock), else when it opens next.
 */
export async function chatHoursChecker(ctx: Ctx, conversation: { teamId: string | null }): Promise<Date | null> {
  if (!conversation.teamId) return null;
  const [team] = await ctx.db.select({ calendar: teams.calendar }).from(teams).where(eq(teams.id, conversation.teamId));
  if (!team?.calendar) return null;
  const now = ctx.services.clock();
  const opens = addBusinessMinutes(now, 0, team.calendar);
  return opens.getTime() > now.getTime() ? opens : null;
}

/**
 * A chat becomes a ticket (nobody online, or the customer would rather not wait): nothing typed
 * is lost — it is the same conversation, now answered asynchronously — and the customer is told
 * how they will hear back.
 */
export async function chatToTicket(ctx: Ctx, conversationId: string, reason: 'nobody_online' | 'outside_hours' | 'customer_choice' | 'customer_left', opensAt?: Date) {
  const c = await conversationGetter(ctx, conversationId, { lock: true });
  if (c.mode !== 'live') return c;
  if (ctx.actor.type === 'contact' && c.contactId !== ctx.actor.id) throw forbidden();
  await ctx.db.update(conversations).set({ mode: 'async', updatedAt: ctx.services.clock() }).where(eq(conversations.id, conversationId));
  await recordEvent(ctx, { type: 'conversations.update', subjectType: 'conversation', subjectId: conversationId, conversationId, data: { before: { mode: 'live' }, after: { mode: 'async' }, reason } });
  const [contact] = await ctx.db.select().from(contacts).where(eq(contacts.id, c.contactId));
  // A visitor's typed address is mailed nothing but a confirmation link until it is confirmed.
  const claimed = claimedAddress(contact);
  const linkSent = claimed ? await confirmationRequester(ctx, { conversation: c, email: claimed }) : false;
  const how = contact?.email
    ? zh(c.language)
      ? `我们会通过邮件 ${contact.email} 回复您,您也可以在"我的工单"中查看。`
      : `We will answer by email at ${contact.email}; you can also follow it in My tickets.`
    : claimed && linkSent
      ? zh(c.language)
        ? `我们已向 ${claimed} 发送确认链接:确认邮箱地址后,即可通过邮件和"我的工单"接收回复。`
        : `We sent a confirmation link to ${claimed}: once you confirm your address, our answer reaches you by email and in My tickets.`
      : claimed
        ? zh(c.language)
          ? `请使用发送到 ${claimed} 的验证码登录,在"我的工单"中查看回复。`
          : `Sign in with a code sent to ${claimed} and open My tickets to see our answer.`
        : zh(c.language)
      ? '请登录后在"我的工单"中查看回复。'
      : 'Sign in and open My tickets to see our answer.';
  const opens = opensAt ? opensAt.toISOString().slice(0, 16).replace('T', ' ') + ' UTC' : '';
  const why =
    reason === 'nobody_online'
      ? zh(c.language)
        ? '目前没有客服在线。'
        : 'No agent is available right now.'
      : reason === 'outside_hours'
        ? zh(c.language)
          ? `现在不在在线客服服务时间内${opens ? `(下次开放:${opens})` : ''}。`
          : `Live chat is closed right now${opens ? ` (it opens again at ${opens})` : ''}.`
        : reason === 'customer_left'
          ? zh(c.language)
            ? '您已离开对话。'
            : 'You left the chat.'
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
    // A transcript carries the conversation: only a verified address gets it; a typed one gets a
    // confirmation link first, and the transcript once the link is opened.
    const claimed = claimedAddress(contact);
    if (contact?.email) await transcriptMailer(ctx, c, contact.email);
    else if (claimed) await confirmationRequester(ctx, { conversation: c, email: claimed, held: { transcript: true } });
  }
}

/** A system line in the chat, in the conversation's language. */
async function chatLine(ctx: Ctx, conversationId: string, language: string, text: { en: string; zh: string }) {
  await messageCreator({ ...ctx, actor: { type: 'system', id: null } }, conversationId, { body: zh(language) ? text.zh : text.en, contentType: 'event' });
}

const activeChat = (c: { mode: string; status: string }) => c.mode === 'live' && c.status !== 'solved' && c.status !== 'closed';

/**
 * An agent accepts the chat routing offered them, or takes a waiting chat nobody has yet
 * (manual-pick teams, supervisors). The customer is told who joined.
 */
export async function chatAccepter(ctx: Ctx, conversationId: string) {
  const actor = ctx.actor;
  if (actor.type !== 'agent') throw forbidden('Only agents accept chats');
  const c = await conversationGetter(ctx, conversationId, { lock: true });
  if (!activeChat(c)) throw new AppError('conflict', 'This is not a waiting live chat');
  if (c.assigneeId && c.assigneeId !== actor.id) throw new AppError('conflict', 'Another agent has this chat');
  if (c.assigneeId === actor.id && c.status !== 'new') return c;
  if (!canWorkConversation(actor, c)) throw forbidden();
  const now = ctx.services.clock();
  if (!c.assigneeId) {
    await conversationUpdater(ctx, conversationId, { assigneeId: actor.id });
    await ctx.db.update(agents).set({ lastChatAssignedAt: now }).where(eq(agents.id, actor.id));
  }
  await ctx.db.update(conversations).set({ status: 'open', chatOfferedAt: null, updatedAt: now }).where(eq(conversations.id, conversationId));
  await recordEvent(ctx, { type: 'conversations.update', subjectType: 'conversation', subjectId: conversationId, conversationId, data: { before: { status: c.status }, after: { status: 'open' }, reason: 'chat_accepted' } });
  await chatLine(ctx, conversationId, c.language, { en: `${actor.name} joined the chat.`, zh: `${actor.name} 已加入对话。` });
  return (await conversationGetter(ctx, conversationId))!;
}

export interface ChatTransfer {
  agentId?: string;
  teamId?: string;
  note?: string;
}

/**
 * Hands a live chat to another agent (offered to them: they accept it) or back to a team's
 * queue (it keeps its place: the queue orders by when the chat started). The note is kept as a
 * private note for whoever picks it up.
 */
export async function chatTransferrer(ctx: Ctx, conversationId: string, input: ChatTransfer) {
  if (!isStaff(ctx.actor)) throw forbidden();
  if (!input.agentId && !input.teamId) throw new AppError('validation_failed', 'Give an agent or a team to transfer to');
  const c = await conversationGetter(ctx, conversationId, { lock: true });
  if (!canWorkConversation(ctx.actor, c)) throw forbidden();
  if (!activeChat(c)) throw new AppError('conflict', 'Only an active live chat can be transferred');
  const now = ctx.services.clock();
  if (input.agentId) {
    const [agent] = await ctx.db.select().from(agents).where(eq(agents.id, input.agentId));
    if (!agent || agent.disabled) throw notFound('Agent');
    if (agent.status !== 'online') throw new AppError('conflict', `${agent.name} is not online`);
    if (agent.id === c.assigneeId) throw new AppError('conflict', 'This chat is already theirs');
  }
  if (input.teamId) {
    const [team] = await ctx.db.select({ id: teams.id }).from(teams).where(eq(teams.id, input.teamId));
    if (!team) throw notFound('Team');
  }
  if (input.note?.trim()) await messageCreator(ctx, conversationId, { body: input.note.trim(), visibility: 'private' });
  await conversationUpdater(ctx, conversationId, { assigneeId: input.agentId ?? null, ...(input.teamId ? { teamId: input.teamId } : {}) });
  await ctx.db
    .update(conversations)
    .set({ status: 'new', chatOfferedAt: input.agentId ? now : null, updatedAt: now })
    .where(and(eq(conversations.id, conversationId)));
  if (c.status !== 'new') {
    await recordEvent(ctx, { type: 'conversations.update', subjectType: 'conversation', subjectId: conversationId, conversationId, data: { before: { status: c.status }, after: { status: 'new' }, reason: 'chat_transferred' } });
  }
  await chatLine(ctx, conversationId, c.language, { en: 'We are transferring you to a colleague who can help; please stay in the chat.', zh: '正在为您转接能处理此问题的同事,请不要离开对话。' });
  return (await conversationGetter(ctx, conversationId))!;
}
