import { and, asc, eq, gt, inArray, isNull, sql } from 'drizzle-orm';
import { contactIdentities, contacts, conversations, emailConfirmations, events, inboxes, messages } from '../../db/schema.ts';
import { AppError } from '../../errors.ts';
import { randomToken, sha256 } from '../auth/secrets.ts';
import { type Ctx, recordEvent } from '../context.ts';
import { replyMailQueuer } from '../notifications/customerNotifier.ts';
import { transcriptMailer } from '../routing/transcriptMailer.ts';
import { ANONYMOUS_MAIL_LIMITS, mailSendLimiter } from '../system/mailSendLimiter.ts';
import { emailQueuer } from '../system/emailQueuer.ts';

/*
 * An address typed into an anonymous form (the ticket form, a chat's pre-chat form) is a claim,
 * not a proof: anyone can type anyone's address. So:
 * - the conversation is held by a contact of its own that has no email and keeps the typed
 *   address as `attributes.unverifiedEmail` (agents see "unverified sender"); it never joins the
 *   account or history of whoever owns that address, and nothing is mailed to it but
 * - one confirmation mail of fixed text (the ticket number and a link, never the subject, the
 *   body or the name a stranger typed), at most ANONYMOUS_MAIL_LIMITS per address and per IP;
 * - opening the link (single use, LINK_HOURS, only its sha256 is stored) or signing in with an
 *   emailed code to that address proves it: the conversation moves to the verified contact for
 *   the address (found or created), which then sees it in My tickets, and what was held back
 *   (public replies, an asked-for chat transcript) is mailed.
 */

/** What one client is, for the per-IP limit: an IPv6 client usually holds a whole /64, so that block counts as one. */
export function ipBlock(ip: string): string {
  const v4 = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip)?.[1];
  if (v4 || !ip.includes(':')) return v4 ?? ip;
  const [head = '', tail = ''] = ip.toLowerCase().split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = ip.includes('::') ? [...left, ...Array(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right] : left;
  return `${groups.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, '')).join(':')}::/64`;
}

/** How long a confirmation link works: a weekend away from the mailbox still fits. */
export const LINK_HOURS = 72;

type ConfirmationRow = typeof emailConfirmations.$inferSelect;
type Conversation = { id: string; number: number; language: string };

/** A contact that holds an address someone typed without proving it; it has no email of its own. */
export async function unverifiedContactCreator(ctx: Ctx, input: { email: string; name: string; language: string }) {
  const [row] = await ctx.db
    .insert(contacts)
    .values({ name: input.name || 'Customer', language: input.language, attributes: { unverifiedEmail: input.email.toLowerCase() } })
    .returning();
  await recordEvent(ctx, { type: 'contacts.create', subjectType: 'contact', subjectId: row!.id, data: { via: 'anonymous_form', verified: false } });
  return row!;
}

/** The address a contact only claims, or null when it has a verified one (or none at all). */
export const claimedAddress = (contact: { email: string | null; attributes: Record<string, unknown> } | undefined): string | null =>
  contact && !contact.email && typeof contact.attributes.unverifiedEmail === 'string' ? contact.attributes.unverifiedEmail : null;

/**
 * Asks the owner of an address to confirm it for one conversation: records the claim (code login
 * finds it there) and, within the anonymous-mail limits, emails the link. `held` says what waits
 * for the confirmation besides the replies (a chat transcript). A claim still open for the same
 * conversation and address is reused, with no second mail. Returns whether a link is on its way.
 */
export async function confirmationRequester(ctx: Ctx, input: { conversation: Conversation; email: string; held?: { transcript?: boolean } }): Promise<boolean> {
  const email = input.email.toLowerCase();
  const now = ctx.services.clock();
  const [open] = await ctx.db
    .select()
    .from(emailConfirmations)
    .where(and(eq(emailConfirmations.conversationId, input.conversation.id), eq(emailConfirmations.email, email), isNull(emailConfirmations.consumedAt), gt(emailConfirmations.expiresAt, now)))
    .orderBy(asc(emailConfirmations.createdAt))
    .limit(1);
  if (open) {
    if (input.held?.transcript && !open.held.transcript) await ctx.db.update(emailConfirmations).set({ held: { ...open.held, ...input.held } }).where(eq(emailConfirmations.id, open.id));
    return true;
  }
  const token = randomToken();
  await ctx.db.insert(emailConfirmations).values({
    tokenHash: sha256(token),
    email,
    conversationId: input.conversation.id,
    held: input.held ?? {},
    expiresAt: new Date(now.getTime() + LINK_HOURS * 3_600_000),
  });
  const allowed = await mailSendLimiter(ctx, [
    ...(ctx.ip ? [{ key: `confirm:ip:${ipBlock(ctx.ip)}`, max: ANONYMOUS_MAIL_LIMITS.perIp }] : []),
    { key: `confirm:address:${email}`, max: ANONYMOUS_MAIL_LIMITS.perAddress },
  ]);
  if (!allowed) return false;
  const link = `${ctx.services.env.publicUrl}/tickets/confirm?token=${token}`;
  const n = input.conversation.number;
  // Fixed text only: whoever filed may not be the owner of the address, so nothing they typed is in it.
  // In the language of the customer who owns the address, when there is one (not the filer's choice).
  const [owner] = await ctx.db.select({ language: contacts.language }).from(contacts).where(eq(contacts.email, email)).limit(1);
  const zh = (owner?.language ?? input.conversation.language).startsWith('zh');
  await emailQueuer(ctx, {
    to: email,
    subject: zh ? `请确认您的邮箱地址以查看工单 #${n}` : `Confirm your email address to follow ticket #${n}`,
    text: zh
      ? `有人使用此邮箱地址提交了支持请求(工单 #${n})。\n\n如果是您本人,请打开以下链接确认邮箱地址,之后即可查看工单和我们的回复:\n${link}\n\n` +
        `链接仅可使用一次,${LINK_HOURS} 小时内有效。如果不是您本人提交,请忽略此邮件,我们不会再就此工单向您发送邮件。\n` +
        '官方客服绝不会索要您的密码、验证码、API 密钥或助记词。'
      : `Someone filed a support request (ticket #${n}) with this email address.\n\nIf it was you, confirm your address to read the ticket and our replies:\n${link}\n\n` +
        `The link works once, for ${LINK_HOURS} hours. If it was not you, ignore this email: we will not email you about this ticket again.\n` +
        'Official support never asks for your password, 2FA codes, API secret or seed phrase.',
    conversationId: input.conversation.id,
  });
  return true;
}

/**
 * Opens a confirmation link: the token is used up in the same statement that finds it (a second
 * use, or a concurrent one, finds nothing), the address becomes a verified contact and the
 * conversation joins it. Returns that contact (the route signs it in) and the conversation.
 */
export async function addressConfirmer(ctx: Ctx, token: string) {
  const now = ctx.services.clock();
  const [row] = await ctx.db
    .update(emailConfirmations)
    .set({ consumedAt: now })
    .where(and(eq(emailConfirmations.tokenHash, sha256(token)), isNull(emailConfirmations.consumedAt), gt(emailConfirmations.expiresAt, now)))
    .returning();
  if (!row) throw new AppError('not_found', 'This confirmation link has expired or was already used. Sign in with a code sent to your email to see your ticket.');
  const contact = await verifiedContact(ctx, row.email);
  await conversationsClaimer(ctx, [row], contact);
  const [conversation] = await ctx.db.select({ id: conversations.id, number: conversations.number }).from(conversations).where(eq(conversations.id, row.conversationId));
  return { contact, conversation: conversation ?? null };
}

/**
 * A customer just proved an address another way (a one-time code sent to it): every conversation
 * still waiting for that address's confirmation joins them, and what was held is sent.
 */
export async function pendingConversationsClaimer(ctx: Ctx, email: string, contactId: string) {
  const rows = await ctx.db
    .update(emailConfirmations)
    .set({ consumedAt: ctx.services.clock() })
    .where(and(eq(emailConfirmations.email, email.toLowerCase()), isNull(emailConfirmations.consumedAt)))
    .returning();
  if (!rows.length) return;
  const [contact] = await ctx.db.select().from(contacts).where(eq(contacts.id, contactId));
  if (contact?.email) await conversationsClaimer(ctx, rows, { id: contact.id, email: contact.email });
}

/** The contact that owns a proven address: found, or created with its email identity. */
async function verifiedContact(ctx: Ctx, email: string): Promise<{ id: string; email: string }> {
  const [created] = await ctx.db
    .insert(contacts)
    .values({ email, name: email.split('@')[0]! })
    .onConflictDoNothing({ target: contacts.email, where: sql`${contacts.email} is not null` })
    .returning();
  if (created) {
    await ctx.db.insert(contactIdentities).values({ contactId: created.id, channel: 'email', externalId: email }).onConflictDoNothing();
    await recordEvent(ctx, { type: 'contacts.create', subjectType: 'contact', subjectId: created.id, data: { email, via: 'email_confirmation' } });
    return { id: created.id, email };
  }
  const [found] = await ctx.db.select({ id: contacts.id }).from(contacts).where(eq(contacts.email, email));
  return { id: found!.id, email };
}

/**
 * Moves each claimed conversation to the verified contact, if it still sits on a contact that only
 * claims this very address (an agent may have moved or merged it meanwhile: then it is left alone),
 * and sends what waited for the confirmation.
 */
async function conversationsClaimer(ctx: Ctx, claims: ConfirmationRow[], contact: { id: string; email: string }) {
  const ids = [...new Set(claims.map((c) => c.conversationId))];
  const rows = await ctx.db
    .select({ conversation: conversations, holder: contacts, channel: inboxes.kind })
    .from(conversations)
    .innerJoin(contacts, eq(contacts.id, conversations.contactId))
    .innerJoin(inboxes, eq(inboxes.id, conversations.inboxId))
    .where(inArray(conversations.id, ids))
    .for('update', { of: conversations });
  for (const { conversation, holder, channel } of rows) {
    const claimed = claims.filter((c) => c.conversationId === conversation.id);
    if (claimedAddress(holder) !== claimed[0]!.email) continue;
    await ctx.db.update(conversations).set({ contactId: contact.id, updatedAt: ctx.services.clock() }).where(eq(conversations.id, conversation.id));
    await recordEvent(ctx, {
      type: 'conversations.update',
      subjectType: 'conversation',
      subjectId: conversation.id,
      conversationId: conversation.id,
      data: { before: { contactId: holder.id }, after: { contactId: contact.id }, reason: 'address_confirmed' },
    });
    if (claimed.some((c) => c.held.transcript)) await transcriptMailer(ctx, conversation, contact.email);
    // The replies the notifier held back, as it would have sent them (same dedupe keys).
    if (conversation.mode !== 'async' || channel === 'email') continue;
    const replies = await ctx.db
      .select({ eventId: events.id, messageId: messages.id, data: events.data })
      .from(events)
      .innerJoin(messages, eq(sql`${messages.id}::text`, events.subjectId))
      .where(and(eq(events.conversationId, conversation.id), eq(events.type, 'messages.create'), eq(messages.direction, 'out'), eq(messages.visibility, 'public'), inArray(messages.authorType, ['agent', 'token'])))
      .orderBy(asc(events.id));
    for (const r of replies) await replyMailQueuer(ctx, conversation, contact.email, { eventId: r.eventId, messageId: r.messageId, attachments: Number(r.data.attachments ?? 0) });
  }
}
