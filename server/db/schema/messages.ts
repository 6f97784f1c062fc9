import { bigint, boolean, index, integer, jsonb, pgTable, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';
import type { ActorType, ContentType, DeliveryStatus, Direction, Visibility } from '../../../common/enums.ts';
import { conversations } from './conversations.ts';
import { inboxes } from './inboxes.ts';
import { createdAt, ts } from './_columns.ts';

/** What an email message keeps in meta.email (inbound as parsed, outbound as sent). */
export interface EmailMeta {
  /** Message-ID without brackets. */
  messageId: string;
  subject: string;
  from: { email: string; name?: string };
  to: { email: string; name?: string }[];
  cc: { email: string; name?: string }[];
  /** Sanitised HTML body (inbound), inline images as `cid:` references. */
  html?: string;
  /** The quoted earlier reply, folded away in the timeline. */
  quoted?: string;
  /** Sent by a machine (auto_reply, list …): recorded, never answered. */
  autoSubmitted?: string;
  /** The inbound delivery holding the raw message (evidence, downloadable by staff). */
  deliveryId?: string;
  /** Outbound: answered to every participant (all) or to the requester only. */
  recipients?: 'all' | 'requester';
  /** Inbound: the Authentication-Results header as received (SPF/DKIM/DMARC are not checked by us; shown to agents). */
  authentication?: string;
}

/** Everything said in a conversation: customer messages, agent replies, private notes, calls. */
export const messages = pgTable(
  'messages',
  {
    /** Stable id. */
    id: uuid('id').primaryKey().defaultRandom(),
    /** The conversation. */
    conversationId: uuid('conversation_id').notNull().references(() => conversations.id, { onDelete: 'cascade' }),
    /** Inbox it came through or goes out by; scopes externalId. */
    inboxId: uuid('inbox_id').notNull().references(() => inboxes.id),
    /** Position in the conversation, 1, 2, 3 … without gaps; clients catch up by it. */
    seq: integer('seq').notNull(),
    /** in: from the customer; out: from us. */
    direction: text('direction').$type<Direction>().notNull(),
    /** private notes are never sent to the customer. */
    visibility: text('visibility').$type<Visibility>().notNull().default('public'),
    /** text, call (a phone call record) or event (system line in the timeline). */
    contentType: text('content_type').$type<ContentType>().notNull().default('text'),
    /** Plain text body. */
    body: text('body').notNull().default(''),
    /** Who wrote it. */
    authorType: text('author_type').$type<ActorType>().notNull(),
    /** Agent, contact or token id; null for system. */
    authorId: uuid('author_id'),
    /** Provider's id (email Message-ID, Telegram message id …); re-deliveries are stored once. */
    externalId: text('external_id'),
    /** Client-chosen key so a resend after a network drop is stored once. */
    idempotencyKey: text('idempotency_key'),
    /** Channel-specific extras (call duration, email headers …). */
    meta: jsonb('meta').$type<Record<string, unknown>>().notNull().default(sql`'{}'::jsonb`),
    /** Outbound through a provider: queued, sent or failed (null: nothing to deliver, e.g. a web chat or a note). */
    deliveryStatus: text('delivery_status').$type<DeliveryStatus>(),
    /** The provider's reason for the last failure (a bounce's text, an SMTP error …). */
    deliveryError: text('delivery_error'),
    /** When the delivery status last changed. */
    deliveryUpdatedAt: ts('delivery_updated_at'),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('messages_conversation_seq_key').on(t.conversationId, t.seq),
    uniqueIndex('messages_inbox_external_key').on(t.inboxId, t.externalId).where(sql`${t.externalId} is not null`),
    // Threading looks a Message-ID up whatever inbox it came through or went out by.
    index('messages_external_idx').on(t.externalId).where(sql`${t.externalId} is not null`),
    uniqueIndex('messages_conversation_idempotency_key').on(t.conversationId, t.idempotencyKey).where(sql`${t.idempotencyKey} is not null`),
  ],
);

/** Files attached to messages; the bytes live content-addressed under DATA_DIR/blobs. */
export const attachments = pgTable(
  'attachments',
  {
    /** Stable id; download URLs use it, never the hash. */
    id: uuid('id').primaryKey().defaultRandom(),
    /** Conversation it belongs to, for access checks. */
    conversationId: uuid('conversation_id').notNull().references(() => conversations.id, { onDelete: 'cascade' }),
    /** Message it is attached to (null while uploaded but not yet sent). */
    messageId: uuid('message_id').references(() => messages.id, { onDelete: 'cascade' }),
    /** sha256 of the content: the blob's file name. */
    sha256: text('sha256').notNull(),
    /** Name the uploader gave (display only, never trusted for type). */
    filename: text('filename').notNull(),
    /** MIME type sniffed from the content. */
    contentType: text('content_type').notNull(),
    /** Size in bytes. */
    size: bigint('size', { mode: 'number' }).notNull(),
    /** An email's Content-ID (no brackets): its HTML shows the image in place as `cid:`. */
    contentId: text('content_id'),
    /** Shown in place in the body (an inline image) rather than listed as a file. */
    inline: boolean('inline').notNull().default(false),
    createdAt: createdAt(),
  },
  (t) => [index('attachments_message_idx').on(t.messageId), index('attachments_conversation_idx').on(t.conversationId)],
);
