import { readFile } from 'node:fs/promises';
import { and, asc, desc, eq, isNotNull, lt, sql } from 'drizzle-orm';
import type { DeliveryStatus } from '../../../common/enums.ts';
import { adapterOf } from '../../channels/registry.ts';
import { composeEmail, domainOf, emailTransportUrl, type ComposedEmail } from '../../channels/email/sender.ts';
import type { AdapterEnv, ChannelSettings, OutboundMessage } from '../../channels/types.ts';
import { columnList, q, rawRows, tableRow } from '../../db/raw.ts';
import { attachments, contactIdentities, contacts, conversationParticipants, inboxes, messages, outboxEmails } from '../../db/schema.ts';
import type { EmailMeta } from '../../db/schema/messages.ts';
import { type Ctx, type Services, SYSTEM, recordEvent, transact } from '../context.ts';
import { conversationLoader, type ConversationView } from '../conversations/conversationReader.ts';
import { openInboxSettings } from '../directory/inboxes.ts';
import { blobPath } from '../files/blobStore.ts';
import { outboundGuard } from './outboundGuard.ts';

type MessageRow = typeof messages.$inferSelect;
type Inbox = typeof inboxes.$inferSelect;

/**
 * How long one attempt holds a message: longer than the sender's own timeouts add up to, so two
 * jobs for the same message (a duplicate, or another process) never send it at once, and shorter
 * than pg-boss's expiry, so the job of a process that died mid-send finds the message free again.
 */
const LEASE_MS = 5 * 60_000;

/** What one delivery attempt came to; retry: the job should throw so pg-boss tries again later. */
export interface DeliveryOutcome {
  status: DeliveryStatus | null;
  error: string | null;
  retry: boolean;
  /** True when this attempt did nothing (already delivered, or another attempt holds the message). */
  skipped?: boolean;
}

/** The env an adapter sees: the public URL and the desk-wide SMTP transport. */
export const adapterEnv = (services: Services): AdapterEnv => ({ publicUrl: services.env.publicUrl, smtpOutboundUrl: services.env.SMTP_OUTBOUND_URL || undefined });

/**
 * Delivers one queued outgoing message through its inbox's adapter, and moves its delivery state
 * on: sent (with the provider's id), failed (with the provider's reason), still queued after a
 * temporary failure (the caller retries), or stored in the admin outbox when email has no
 * transport. Runs from the durable job; a repeated job sends nothing twice: only a queued message
 * not held by another attempt is taken, and the provider is called outside any transaction.
 */
export async function messageDeliverer(services: Services, messageId: string, options: { finalAttempt: boolean }): Promise<DeliveryOutcome> {
  const message = await claim(services, messageId);
  if (!message) {
    const [row] = await services.database.db.select({ status: messages.deliveryStatus, error: messages.deliveryError }).from(messages).where(eq(messages.id, messageId));
    return { status: row?.status ?? null, error: row?.error ?? null, retry: false, skipped: true };
  }
  try {
    return await attempt(services, message, options);
  } catch (err) {
    // Our own failure (a database hiccup): the lease goes and the job tries again; after the last
    // try the message says failed rather than staying queued for ever.
    await release(services, messageId);
    if (options.finalAttempt) return finish(services, message, { status: 'failed', error: `Internal error: ${(err as Error).message}`.slice(0, 500) });
    throw err;
  }
}

async function attempt(services: Services, message: MessageRow, options: { finalAttempt: boolean }): Promise<DeliveryOutcome> {
  const { db } = services.database;
  const conversation = await conversationLoader(db, message.conversationId);
  const [inbox] = await db.select().from(inboxes).where(eq(inboxes.id, message.inboxId));
  if (!conversation || !inbox) return finish(services, message, { status: 'failed', error: 'The conversation or its inbox no longer exists' });

  const verdict = outboundGuard(message, inbox);
  if (!verdict.send) return finish(services, message, { status: 'failed', error: verdict.reason });
  const adapter = adapterOf(inbox.kind);
  if (!adapter?.send) return finish(services, message, { status: 'failed', error: `The ${inbox.kind} channel cannot send` });

  const settings = openInboxSettings(services, inbox);
  const env = adapterEnv(services);
  const built = await outboundMessage(services, message, conversation, inbox, settings);
  if ('error' in built) return finish(services, message, { status: 'failed', error: built.error });
  const outbound = built.message;

  // Email alone has somewhere to keep what it cannot send: without a transport the admin outbox keeps it.
  if (inbox.kind === 'email' && !emailTransportUrl(settings, env)) {
    const mail = composeEmail(outbound, settings);
    return finish(services, message, { status: 'stored', error: null, email: emailMetaOf(mail, message) }, (ctx) => outboxStorer(ctx, message, conversation.id, mail));
  }

  const result = await adapter.send(outbound, settings, env);
  if (result.ok) {
    const email = inbox.kind === 'email' ? emailMetaOf(composeEmail(outbound, settings), message) : undefined;
    // A reply the outbox kept earlier (no transport then) is marked sent there too.
    const outboxSent = (ctx: Ctx) =>
      ctx.db.update(outboxEmails).set({ status: 'sent', sentAt: ctx.services.clock(), error: null }).where(eq(outboxEmails.dedupeKey, `message:${message.id}`)).then(() => {});
    return finish(services, message, { status: 'sent', error: null, externalId: result.providerId, email }, outboxSent);
  }
  if (result.permanent || options.finalAttempt) return finish(services, message, { status: 'failed', error: result.reason });
  return { ...(await finish(services, message, { status: 'queued', error: result.reason })), retry: true };
}

/** Takes a queued message for this attempt (a lease in its meta), or null when it is not queued or is held. */
async function claim(services: Services, messageId: string): Promise<MessageRow | null> {
  const now = services.clock();
  const until = new Date(now.getTime() + LEASE_MS).toISOString();
  const [row] = await rawRows<Record<string, unknown>>(
    services.database.db,
    q`update messages set meta = jsonb_set(meta, '{deliveryLease}', to_jsonb(${until}::text))
      where id = ${messageId}::uuid and delivery_status = 'queued'
        and (meta->>'deliveryLease' is null or (meta->>'deliveryLease')::timestamptz < ${now.toISOString()}::timestamptz)
      returning ${columnList(messages)}`,
  );
  return row ? tableRow(messages, row) : null;
}

async function release(services: Services, messageId: string): Promise<void> {
  await services.database.db.execute(sql`update messages set meta = meta - 'deliveryLease' where id = ${messageId}`);
}

interface Change {
  status: DeliveryStatus;
  error: string | null;
  externalId?: string;
  email?: EmailMeta;
}

/**
 * Writes the new delivery state (the lease released) and records `messages.delivery` on the
 * conversation, so the workspace shows the badge change live; `also` runs in the same transaction.
 */
async function finish(services: Services, message: MessageRow, change: Change, also?: (ctx: Ctx) => Promise<void>): Promise<DeliveryOutcome> {
  await transact(services, SYSTEM, async (ctx) => {
    const now = ctx.services.clock();
    const patch: Record<string, unknown> = change.email ? { email: change.email } : {};
    await ctx.db.execute(sql`update messages set
        delivery_status = ${change.status}, delivery_error = ${change.error}, delivery_updated_at = ${now.toISOString()}::timestamptz,
        external_id = coalesce(${change.externalId ?? null}::text, external_id),
        meta = (meta - 'deliveryLease') || ${JSON.stringify(patch)}::jsonb
      where id = ${message.id}`);
    await also?.(ctx);
    await recordEvent(ctx, {
      type: 'messages.delivery',
      subjectType: 'message',
      subjectId: message.id,
      conversationId: message.conversationId,
      data: { status: change.status, error: change.error, seq: message.seq },
    });
  });
  return { status: change.status, error: change.error, retry: false };
}

/** The mail without transport, kept for the admin to read: once per message (its dedupe key). */
async function outboxStorer(ctx: Ctx, message: MessageRow, conversationId: string, mail: ComposedEmail): Promise<void> {
  const headers: Record<string, string> = {
    From: mail.from.name ? `${mail.from.name} <${mail.from.address}>` : mail.from.address,
    'Message-ID': `<${mail.messageId}>`,
    ...mail.headers,
  };
  if (mail.cc.length) headers.Cc = mail.cc.map((c) => c.address).join(', ');
  if (mail.inReplyTo) headers['In-Reply-To'] = `<${mail.inReplyTo}>`;
  if (mail.references.length) headers.References = mail.references.map((r) => `<${r}>`).join(' ');
  if (mail.attachments.length) headers['X-Attachments'] = mail.attachments.map((a) => a.filename).join(', ');
  await ctx.db
    .insert(outboxEmails)
    .values({ to: mail.to.map((t) => t.address).join(', '), subject: mail.subject, text: mail.text, headers, status: 'stored', conversationId, dedupeKey: `message:${message.id}` })
    .onConflictDoNothing();
}

/** What the timeline shows of a reply by email: its id, subject and addresses, and who it went to. */
function emailMetaOf(mail: ComposedEmail, message: MessageRow): EmailMeta {
  const party = (p: { name: string; address: string }) => (p.name ? { email: p.address, name: p.name } : { email: p.address });
  const recipients = (message.meta?.email as EmailMeta | undefined)?.recipients ?? 'all';
  return { messageId: mail.messageId, subject: mail.subject, from: party(mail.from), to: mail.to.map(party), cc: mail.cc.map(party), recipients };
}

/** The channel's view of the message: recipients, files, thread and extras, read from the conversation. */
async function outboundMessage(
  services: Services,
  message: MessageRow,
  conversation: ConversationView,
  inbox: Inbox,
  settings: ChannelSettings,
): Promise<{ message: OutboundMessage } | { error: string }> {
  const { db } = services.database;
  const [contact] = await db.select().from(contacts).where(eq(contacts.id, conversation.contactId));
  if (!contact) return { error: 'The customer no longer exists' };

  let to: OutboundMessage['to'];
  let cc: OutboundMessage['cc'] = [];
  let threadId = message.id;
  if (inbox.kind === 'email') {
    if (!contact.email) return { error: 'The customer has no email address' };
    const own = String(settings.address ?? '').toLowerCase();
    const domain = domainOf(own);
    if (!domain) return { error: 'The inbox has no valid address to send from' };
    threadId = `${message.id}@${domain}`;
    to = [{ externalId: contact.email, email: contact.email, name: contact.name || undefined }];
    const recipients = (message.meta?.email as EmailMeta | undefined)?.recipients ?? 'all';
    if (recipients === 'all') {
      const people = await db.select().from(conversationParticipants).where(eq(conversationParticipants.conversationId, conversation.id)).orderBy(asc(conversationParticipants.createdAt));
      cc = people
        .filter((p) => p.email !== contact.email && p.email !== own)
        .map((p) => ({ externalId: p.email, email: p.email, name: p.name || undefined }));
    }
  } else {
    const [identity] = await db.select().from(contactIdentities).where(and(eq(contactIdentities.contactId, contact.id), eq(contactIdentities.channel, inbox.kind)));
    if (!identity) return { error: `The customer has no ${inbox.kind} identity` };
    to = [{ externalId: identity.externalId }];
  }

  const files = [];
  for (const file of await db.select().from(attachments).where(eq(attachments.messageId, message.id)).orderBy(asc(attachments.createdAt))) {
    const content = await readFile(blobPath(services.env.dataDir, file.sha256)).catch(() => null);
    if (!content) return { error: `The attachment ${file.filename} is missing from storage` };
    files.push({ filename: file.filename, contentType: file.contentType, content });
  }

  const signatures = (settings.signature ?? {}) as Record<string, string | undefined>;
  const language = conversation.language.startsWith('zh') ? 'zh-CN' : conversation.language;
  return {
    message: {
      messageId: message.id,
      conversation: { id: conversation.id, number: conversation.number, subject: conversation.subject, language: conversation.language },
      to,
      cc,
      text: message.body,
      attachments: files,
      thread: { externalId: threadId, ...(await threadOf(services, message)) },
      extras: {
        signature: signatures[language] || signatures.en || undefined,
        antiPhishingCode: contact.antiPhishingCode ?? undefined,
        fromName: (typeof settings.fromName === 'string' && settings.fromName.trim()) || inbox.name,
      },
    },
  };
}

/**
 * What this reply answers: the customer's latest mail (In-Reply-To), and the chain every client
 * threads by (References): that mail's own References, then each mail of the conversation so far,
 * ours and theirs, oldest first.
 */
async function threadOf(services: Services, message: MessageRow): Promise<{ inReplyTo?: string; references: string[] }> {
  const earlier = await services.database.db
    .select({ externalId: messages.externalId, direction: messages.direction, meta: messages.meta })
    .from(messages)
    .where(and(eq(messages.conversationId, message.conversationId), lt(messages.seq, message.seq), isNotNull(messages.externalId), sql`${messages.meta} ? 'email'`))
    .orderBy(desc(messages.seq))
    .limit(200);
  const mails = earlier.reverse();
  const inbound = mails.filter((m) => m.direction === 'in').at(-1);
  return { inReplyTo: inbound?.externalId ?? undefined, references: [...referencesOf(inbound?.meta), ...mails.map((m) => m.externalId!)] };
}

/** References an inbound mail carried, as the receiving side kept them (meta.email.references, or the raw header). */
function referencesOf(meta: Record<string, unknown> | undefined): string[] {
  const email = (meta?.email ?? {}) as { references?: unknown; headers?: Record<string, unknown> };
  if (Array.isArray(email.references)) return email.references.filter((r): r is string => typeof r === 'string');
  const headers = (meta?.headers ?? email.headers ?? {}) as Record<string, unknown>;
  const raw = headers.references ?? headers.References;
  return typeof raw === 'string' ? [...raw.matchAll(/<([^<>\s]+)>/g)].map((m) => m[1]!) : [];
}
