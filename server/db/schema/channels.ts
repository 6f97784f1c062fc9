import { bigint, index, jsonb, pgTable, primaryKey, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';
import { conversations } from './conversations.ts';
import { inboxes } from './inboxes.ts';
import { createdAt, ts } from './_columns.ts';

/** What became of an inbound delivery once processed. */
export type InboundOutcome =
  | 'created' // opened a conversation
  | 'continued' // added to an existing conversation
  | 'duplicate' // the same message was stored before
  | 'auto_reply' // a machine's answer: recorded, never answered
  | 'bounce' // a delivery report: our message marked failed
  | 'own_address' // mail from one of our own addresses (a loop)
  | 'rate_limited' // the sender flooded
  | 'unparseable'; // kept raw, nothing could be read from it

/**
 * Every inbound delivery exactly as received (an SMTP message, an IMAP fetch, a webhook body),
 * committed before the channel is acknowledged, then parsed by a job: nothing acknowledged is
 * lost, and the raw mail stays as evidence. A re-delivery with the same key is stored once.
 */
export const inboundDeliveries = pgTable(
  'inbound_deliveries',
  {
    /** Stable id. */
    id: uuid('id').primaryKey().defaultRandom(),
    /** Inbox it arrived at. */
    inboxId: uuid('inbox_id').notNull().references(() => inboxes.id),
    /** smtp, imap or webhook. */
    source: text('source').$type<'smtp' | 'imap' | 'webhook'>().notNull(),
    /** What makes a re-delivery the same: the raw mail's sha256, `imap:<uidvalidity>:<uid>`, a provider's update id. */
    dedupeKey: text('dedupe_key').notNull(),
    /** Raw bytes (mail) in the blob store, by sha256. */
    blobSha256: text('blob_sha256'),
    /** Size of the raw bytes. */
    size: bigint('size', { mode: 'number' }),
    /** A webhook's JSON body. */
    payload: jsonb('payload').$type<unknown>(),
    /** Transport facts: SMTP envelope (mail from, rcpt to), remote address, IMAP uid … */
    envelope: jsonb('envelope').$type<Record<string, unknown>>().notNull().default(sql`'{}'::jsonb`),
    /** received (waiting for its job), processed, or failed (the job's last error kept). */
    status: text('status').$type<'received' | 'processed' | 'failed'>().notNull().default('received'),
    /** What processing made of it. */
    outcome: text('outcome').$type<InboundOutcome>(),
    /** Last processing error. */
    error: text('error'),
    /** The conversation it landed in, if any. */
    conversationId: uuid('conversation_id').references(() => conversations.id, { onDelete: 'set null' }),
    /** The message it became, if any. */
    messageId: uuid('message_id'),
    receivedAt: createdAt(),
    processedAt: ts('processed_at'),
  },
  (t) => [
    uniqueIndex('inbound_deliveries_dedupe_key').on(t.inboxId, t.dedupeKey),
    index('inbound_deliveries_status_idx').on(t.status, t.receivedAt),
    index('inbound_deliveries_message_idx').on(t.messageId).where(sql`${t.messageId} is not null`),
    // The IMAP poller recognises mail it already stored by its bytes (a changed UIDVALIDITY renumbers everything).
    index('inbound_deliveries_blob_idx').on(t.inboxId, t.blobSha256).where(sql`${t.blobSha256} is not null`),
  ],
);

/** People copied on a conversation (email Cc): they get "reply all" and may continue the thread. */
export const conversationParticipants = pgTable(
  'conversation_participants',
  {
    /** The conversation. */
    conversationId: uuid('conversation_id').notNull().references(() => conversations.id, { onDelete: 'cascade' }),
    /** Their address, lower-cased. */
    email: text('email').notNull(),
    /** Display name as they sent it. */
    name: text('name').notNull().default(''),
    /** cc (copied by the customer or an agent). */
    role: text('role').$type<'cc'>().notNull().default('cc'),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.conversationId, t.email] })],
);

/**
 * Where an inbox's IMAP poller stands: the mailbox's UIDVALIDITY and the last UID taken, so a
 * restart neither skips nor repeats mail; and a lease, so one process across all polls an inbox.
 */
export const mailboxCursors = pgTable('mailbox_cursors', {
  /** The email inbox. */
  inboxId: uuid('inbox_id').primaryKey().references(() => inboxes.id, { onDelete: 'cascade' }),
  /** The mailbox's UIDVALIDITY when lastUid was taken; a change means UIDs restarted. */
  uidValidity: bigint('uid_validity', { mode: 'number' }),
  /** Highest UID stored as an inbound delivery. */
  lastUid: bigint('last_uid', { mode: 'number' }).notNull().default(0),
  /** The process holding the lease (a random id per process). */
  leaseOwner: text('lease_owner'),
  /** The lease ends here unless renewed. */
  leaseUntil: ts('lease_until'),
  /** Last successful poll. */
  polledAt: ts('polled_at'),
  /** Last connection or login error, shown to the admin. */
  lastError: text('last_error'),
});
