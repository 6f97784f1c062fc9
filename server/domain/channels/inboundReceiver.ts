import { languageDetector } from '../triage/languageDetector.ts';
import { bareSubject } from '../../channels/email/subject.ts';
import type { InboundMessage } from '../../channels/types.ts';
import { q, rawRows } from '../../db/raw.ts';
import type { EmailMeta, InboundOutcome, inboxes } from '../../db/schema.ts';
import { type Ctx, recordEvent, transactOn } from '../context.ts';
import { conversationCreator, type FirstMessageFile } from '../conversations/conversationCreator.ts';
import { conversationReopener } from '../conversations/conversationReopener.ts';
import { messageCreator } from '../conversations/messageCreator.ts';
import type { ConversationView } from '../conversations/conversationReader.ts';
import { mailSendLimiter } from '../system/mailSendLimiter.ts';
import { settingsReader } from '../system/settings.ts';
import { bounceRecorder } from './bounceRecorder.ts';
import { contactFinder, contactMatcher } from './contactMatcher.ts';
import { inboundFileStorer, type SkippedFile } from './inboundFileStorer.ts';
import { ownAddresses } from './ownAddresses.ts';
import { participantAdder } from './participants.ts';
import { threadFinder } from './threadFinder.ts';

type Inbox = typeof inboxes.$inferSelect;

/** What became of one inbound message (the delivery row records it). */
export interface InboundResult {
  outcome: InboundOutcome;
  conversationId?: string;
  messageId?: string;
}

/** A sender writing more than this many messages an hour is a flood: further ones are kept raw and open nothing. */
export const INBOUND_FLOOD = { perSender: 30, windowMinutes: 60 } as const;

/** Bodies longer than this are cut in the timeline (the raw original keeps everything). */
const MAX_BODY = 100_000;

/**
 * Places one normalised inbound message (any channel: email now; Telegram, X, Meta, phone by the
 * same path) into conversations, in the caller's transaction, and says what became of it:
 * - from one of our own addresses: ignored (a mail loop);
 * - the same provider id already stored for this inbox: a duplicate, nothing new (a lock on the id
 *   makes two workers with the same message wait for each other);
 * - a delivery report: our message marked failed (bounceRecorder), never a ticket;
 * - a sender over INBOUND_FLOOD: rate limited, kept raw, nothing opened (an event tells admins);
 * - threaded (threadFinder) or new; a closed conversation reopens or gets a follow-up (desk
 *   setting emailClosedReply);
 * - a machine's message (auto-reply, list) is recorded only where it threads, and never reopens,
 *   moves an SLA clock or gets an answer.
 * Anything email-specific comes in through the message's thread hints and goes out in meta.email.
 */
export async function inboundReceiver(ctx: Ctx, inbox: Inbox, input: InboundMessage, deliveryId?: string): Promise<InboundResult> {
  if (!ctx.inTransaction) return transactOn(ctx, (tx) => inboundReceiver(tx, inbox, input, deliveryId));
  const message = storable(input);
  // No sender at all (a From with no address): nobody to open a ticket for or answer; kept raw.
  if (!message.from?.externalId?.trim()) return { outcome: 'unparseable' };
  const own = await ownAddresses(ctx);
  const senderEmail = message.from.email?.toLowerCase();
  if (senderEmail && own.has(senderEmail)) return { outcome: 'own_address' };

  // Two workers with the same message (an SMTP copy and an IMAP copy, a retried job) take turns here;
  // the second then finds the first's message.
  await rawRows(ctx.db, q`select pg_advisory_xact_lock(hashtextextended(${`inbound:${inbox.id}:${message.externalId}`}::text, 0))`);
  const [stored] = await rawRows<{ id: string; conversation_id: string }>(
    ctx.db,
    q`select id, conversation_id from messages where inbox_id = ${inbox.id}::uuid and external_id = ${message.externalId}::text limit 1`,
  );
  if (stored) return { outcome: 'duplicate', conversationId: stored.conversation_id, messageId: stored.id };

  if (message.bounce || message.autoSubmitted === 'bounce') {
    const { conversationId } = await bounceRecorder(ctx, message.bounce);
    return { outcome: 'bounce', ...(conversationId ? { conversationId } : {}) };
  }

  const senderKey = senderEmail ?? `${inbox.kind}:${message.from.externalId}`;
  if (!(await mailSendLimiter(ctx, [{ key: `inbound:${senderKey}`, max: INBOUND_FLOOD.perSender }], INBOUND_FLOOD.windowMinutes))) {
    await floodRecorder(ctx, inbox, senderKey, deliveryId);
    return { outcome: 'rate_limited' };
  }

  const automatic = message.autoSubmitted === 'auto_reply' || message.autoSubmitted === 'list';
  const knownSender = await contactFinder(ctx, inbox.kind, message.from);
  const thread = await threadFinder(ctx, message, { contactId: knownSender, email: senderEmail });

  if (automatic) {
    // Recorded where it belongs, never answered; it opens nothing, and a closed ticket stays closed.
    if (!thread || thread.conversation.status === 'closed') return { outcome: 'auto_reply', ...(thread ? { conversationId: thread.conversation.id } : {}) };
    const contactId = knownSender ?? (await contactMatcher(ctx, inbox.kind, message.from, { looked: true }));
    const { stored: files, skipped } = await filesOf(ctx, message);
    const result = await continued(ctx, inbox, thread.conversation, message, contactId, { files, skipped, deliveryId, automatic: true });
    return { outcome: 'auto_reply', ...result };
  }

  /*
   * The sender's address is taken as theirs, as helpdesks do for mail: unlike an address typed into
   * an anonymous web form (addressConfirmer: held unverified until a link is opened), a mail came
   * from that mailbox, and everything we answer goes back to it, so a forger reads nothing of the
   * owner's tickets. SPF/DKIM/DMARC are not checked here; what the receiving server said about them
   * (Authentication-Results) is kept in meta.email.authentication for the agent to see.
   */
  // A customer we did not know speaks the language they first wrote in (triage detects the
  // conversation's the same way): their profile, and mail we send them outside this ticket, say so.
  const contactId = knownSender ?? (await contactMatcher(ctx, inbox.kind, message.from, { looked: true, language: languageDetector(`${subjectOf(message)}\n${bodyOf(message)}`) }));
  const { stored: files, skipped } = await filesOf(ctx, message);
  const exclude = new Set([...own]);

  let followupOf: ConversationView | null = null;
  if (thread) {
    const conversation = thread.conversation;
    if (conversation.status === 'closed') {
      const { emailClosedReply } = await settingsReader(ctx.db);
      if (emailClosedReply === 'reopen') await conversationReopener(ctx, conversation.id, 'customer_reply');
      else followupOf = conversation;
    }
    if (!followupOf) {
      const result = await continued(ctx, inbox, conversation, message, contactId, { files, skipped, deliveryId, automatic: false });
      if (conversation.contact.email) exclude.add(conversation.contact.email);
      // An address the requester only claimed (an anonymous web ticket) is never made a participant by
      // a mail that says it is from there: nothing may be mailed to it until its owner confirms it.
      if (conversation.contact.unverifiedEmail) exclude.add(conversation.contact.unverifiedEmail.toLowerCase());
      await participantAdder(ctx, conversation.id, [...(contactId !== conversation.contactId ? [message.from] : []), ...message.to, ...message.cc], exclude);
      return { outcome: 'continued', ...result };
    }
  }

  const { conversation, message: first } = await conversationCreator(
    ctx,
    {
      inboxId: inbox.id,
      contactId,
      mode: 'async',
      subject: subjectOf(message),
      body: bodyOf(message),
      fields: {},
      tags: followupOf ? ['followup'] : [],
      // The channel does not know the language: triage detects it from the text.
      language: undefined as unknown as string,
    },
    { externalId: message.externalId, meta: metaOf(inbox, message, deliveryId, skipped), files },
  );
  if (followupOf) {
    await recordEvent(ctx, { type: 'conversations.followup', subjectType: 'conversation', subjectId: conversation.id, conversationId: conversation.id, data: { of: followupOf.id, ofNumber: followupOf.number } });
    await recordEvent(ctx, { type: 'conversations.followup', subjectType: 'conversation', subjectId: followupOf.id, conversationId: followupOf.id, data: { followup: conversation.id, followupNumber: conversation.number } });
  }
  if (senderEmail) exclude.add(senderEmail);
  await participantAdder(ctx, conversation.id, [...message.to, ...message.cc], exclude);
  return { outcome: 'created', conversationId: conversation.id, ...(first ? { messageId: first.id } : {}) };
}

/** Adds the message to a conversation it continues, with its files, on behalf of its sender. */
async function continued(
  ctx: Ctx,
  inbox: Inbox,
  conversation: ConversationView,
  message: InboundMessage,
  contactId: string,
  options: { files: FirstMessageFile[]; skipped: SkippedFile[]; deliveryId?: string; automatic: boolean },
): Promise<{ conversationId: string; messageId: string }> {
  const attachmentIds: string[] = [];
  for (const f of options.files) {
    const [row] = await rawRows<{ id: string }>(
      ctx.db,
      q`insert into attachments (conversation_id, sha256, filename, content_type, size, content_id, inline)
        values (${conversation.id}::uuid, ${f.sha256}::text, ${f.filename}::text, ${f.contentType}::text, ${f.size}::bigint, ${f.contentId}::text, ${f.inline}::boolean)
        returning id`,
    );
    attachmentIds.push(row!.id);
  }
  const { message: created } = await messageCreator(ctx, conversation.id, {
    body: bodyOf(message),
    onBehalfOfContact: true,
    authorContactId: contactId,
    inboxId: inbox.id,
    externalId: message.externalId,
    meta: metaOf(inbox, message, options.deliveryId, options.skipped),
    attachmentIds,
    automatic: options.automatic,
  });
  return { conversationId: conversation.id, messageId: created.id };
}

const filesOf = (ctx: Ctx, message: InboundMessage) => inboundFileStorer(ctx.services, message.attachments);

/**
 * The channel's part of the message's meta: meta.email (EmailMeta) for mail, meta.<kind> for
 * others; always the delivery holding the raw input, and the files that could not be kept.
 */
function metaOf(inbox: Inbox, message: InboundMessage, deliveryId: string | undefined, skipped: SkippedFile[]): Record<string, unknown> {
  const meta: Record<string, unknown> = {};
  if (skipped.length) meta.skippedAttachments = skipped;
  if (inbox.kind !== 'email') {
    meta[inbox.kind] = { ...(deliveryId ? { deliveryId } : {}), ...(message.thread.providerThreadId ? { threadId: message.thread.providerThreadId } : {}) };
    return meta;
  }
  const party = (p: { email?: string; externalId: string; name?: string }) => ({ email: (p.email ?? p.externalId).toLowerCase(), ...(p.name ? { name: p.name } : {}) });
  const authentication = headerOf(message, 'authentication-results');
  const email: EmailMeta = {
    messageId: message.externalId,
    subject: message.subject ?? '',
    from: party(message.from),
    to: message.to.map(party),
    cc: message.cc.map(party),
    ...(message.html ? { html: message.html } : {}),
    ...(message.quoted ? { quoted: message.quoted } : {}),
    ...(message.autoSubmitted ? { autoSubmitted: message.autoSubmitted } : {}),
    ...(deliveryId ? { deliveryId } : {}),
    ...(authentication ? { authentication: authentication.slice(0, 2000) } : {}),
  };
  meta.email = email;
  return meta;
}

/** A header kept by the parser, whatever the case of its name. */
function headerOf(message: InboundMessage, name: string): string | undefined {
  for (const [key, value] of Object.entries(message.headers ?? {})) if (key.toLowerCase() === name) return value;
  return undefined;
}

function bodyOf(message: InboundMessage): string {
  const text = message.text ?? '';
  return text.length > MAX_BODY ? `${text.slice(0, MAX_BODY)}\n…` : text;
}

/** The new conversation's subject: the mail's without reply/forward prefixes, or the text's first line. */
function subjectOf(message: InboundMessage): string {
  const subject = bareSubject(message.subject ?? '').trim();
  const fallback = (message.text ?? '').trim().split('\n')[0]!.trim();
  return (subject || fallback || '(no subject)').slice(0, 300);
}

/** Text without NUL bytes, and with any lone UTF-16 surrogate replaced (both refused by PostgreSQL text and jsonb). */
export const storableText = (text: string) => text.replace(/\u0000/g, '').replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');

/**
 * The message with every text fit for PostgreSQL: real mail carries NUL bytes and broken UTF-16
 * (a lone surrogate from a bad charset), which text and jsonb columns refuse — one such character
 * must not keep a whole mail out. File contents are bytes and stay as they are.
 */
function storable<T>(value: T): T {
  if (typeof value === 'string') return storableText(value) as T;
  if (Buffer.isBuffer(value) || value instanceof Date || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(storable) as T;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, storable(v)])) as T;
}

/** Tells admins a sender is flooding, once per window (the first refused message), not once per message. */
async function floodRecorder(ctx: Ctx, inbox: Inbox, senderKey: string, deliveryId?: string) {
  const [counter] = await rawRows<{ count: number }>(ctx.db, q`select count from mail_send_counters where key = ${`inbound:${senderKey}`}::text`);
  if (Number(counter?.count) !== INBOUND_FLOOD.perSender + 1) return;
  await recordEvent(ctx, {
    type: 'inbound_deliveries.rate_limit',
    subjectType: 'inbound_delivery',
    subjectId: deliveryId ?? senderKey,
    data: { inboxId: inbox.id, sender: senderKey, limit: INBOUND_FLOOD.perSender, windowMinutes: INBOUND_FLOOD.windowMinutes},
  });
}
