import { eq } from 'drizzle-orm';
import { contacts, messages } from '../../db/schema.ts';
import type { DomainEvent } from '../../realtime/bus.ts';
import type { Ctx } from '../context.ts';
import { conversationLoader } from '../conversations/conversationReader.ts';
import { emailQueuer } from '../system/emailQueuer.ts';

const STATUS_TEXT: Record<string, { en: string; zh: string }> = {
  pending: { en: 'is waiting for your reply', zh: '正在等待您的回复' },
  on_hold: { en: 'is on hold while we investigate', zh: '正在调查中,暂时挂起' },
  solved: { en: 'has been solved', zh: '已解决' },
  closed: { en: 'has been closed', zh: '已关闭' },
  open: { en: 'has been reopened', zh: '已重新打开' },
};

/** Threading headers so every mail about one ticket lands in one thread in the customer's client. */
export function threadHeaders(conversationId: string, publicUrl: string): Record<string, string> {
  const root = `<conversation-${conversationId}@${new URL(publicUrl).hostname}>`;
  return { 'In-Reply-To': root, References: root };
}

/** The conversation and address a customer mail is about. */
type Mailed = { id: string; number: number; subject: string; language: string };

function mailParts(ctx: Ctx, conversation: Mailed) {
  const zh = conversation.language.startsWith('zh');
  const link = `${ctx.services.env.publicUrl}/tickets/${conversation.id}`;
  const subject = `[#${conversation.number}] ${conversation.subject}`;
  const footer = zh
    ? `\n\n查看工单或回复:${link}\n官方客服绝不会索要您的密码、验证码、API 密钥或助记词。`
    : `\n\nView or reply: ${link}\nOfficial support never asks for your password, 2FA codes, API secret or seed phrase.`;
  return { zh, subject, footer };
}

/**
 * One public agent reply by email. The dedupe key is the reply's event, so the notifier and the
 * confirmation that releases held replies (contacts/addressConfirmer.ts) never send one twice.
 */
export async function replyMailQueuer(ctx: Ctx, conversation: Mailed, to: string, reply: { eventId: number; messageId: string; attachments: number }) {
  const [message] = await ctx.db.select().from(messages).where(eq(messages.id, reply.messageId));
  if (!message) return;
  const { zh, subject, footer } = mailParts(ctx, conversation);
  const files = reply.attachments;
  const attached = files ? (zh ? `\n\n(附件 ${files} 个,请在工单页面查看)` : `\n\n(${files} attachment(s): open the ticket to see them)`) : '';
  await emailQueuer(ctx, {
    to,
    subject: `Re: ${subject}`,
    text: `${message.body}${attached}${footer}`,
    headers: threadHeaders(conversation.id, ctx.services.env.publicUrl),
    conversationId: conversation.id,
    dedupeKey: `event:${reply.eventId}:reply`,
  });
}

/**
 * Emails the customer when an agent replies publicly or changes the status, for tickets
 * (async conversations) with a known address. Live chats are answered in the chat itself.
 * Runs from the durable event job; the dedupe key makes a retry send nothing twice.
 *
 * Only a verified address is mailed: a ticket filed anonymously belongs to a contact that holds
 * the typed address as unverified (no email), so its replies wait here until the link in the
 * confirmation mail is opened; addressConfirmer then sends the held replies (status changes are
 * not replayed: the customer reads the ticket itself by then).
 */
export async function customerNotifier(ctx: Ctx, event: DomainEvent): Promise<void> {
  if (!event.conversationId) return;
  const conversation = await conversationLoader(ctx.db, event.conversationId);
  if (!conversation || conversation.mode !== 'async' || conversation.channel === 'email') return;
  const [contact] = await ctx.db.select().from(contacts).where(eq(contacts.id, conversation.contactId));
  if (!contact?.email) return;
  const { zh, subject, footer } = mailParts(ctx, conversation);

  if (event.type === 'messages.create') {
    if (event.data.direction !== 'out' || event.data.visibility !== 'public') return;
    await replyMailQueuer(ctx, conversation, contact.email, { eventId: event.id, messageId: event.subjectId, attachments: Number(event.data.attachments ?? 0) });
    return;
  }

  if (event.type === 'conversations.update') {
    const after = (event.data.after ?? {}) as { status?: string };
    // A reply already told the customer; a customer's own reply needs no mail.
    if (!after.status || event.data.reason) return;
    const text = STATUS_TEXT[after.status];
    if (!text) return;
    await emailQueuer(ctx, {
      to: contact.email,
      subject: `Re: ${subject}`,
      text: zh ? `您的工单 #${conversation.number}「${conversation.subject}」${text.zh}。${footer}` : `Your ticket #${conversation.number} "${conversation.subject}" ${text.en}.${footer}`,
      headers: threadHeaders(conversation.id, ctx.services.env.publicUrl),
      conversationId: conversation.id,
      dedupeKey: `event:${event.id}:status`,
    });
  }
}
