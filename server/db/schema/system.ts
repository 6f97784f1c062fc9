import { index, integer, jsonb, pgTable, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';
import { createdAt, ts } from './_columns.ts';

/** Desk-wide settings (require 2FA, demo seeded …), one JSON value per key. */
export const settings = pgTable('settings', {
  /** Dotted name, e.g. security.require_totp. */
  key: text('key').primaryKey(),
  /** The value. */
  value: jsonb('value').$type<unknown>().notNull(),
  updatedAt: ts('updated_at').notNull().defaultNow(),
});

/** Every email we send, kept; without SMTP_OUTBOUND_URL it stays here for admins to read. */
export const outboxEmails = pgTable(
  'outbox_emails',
  {
  /** Stable id; also the Message-ID's local part. */
  id: uuid('id').primaryKey().defaultRandom(),
  /** Recipient address. */
  to: text('to').notNull(),
  /** Subject line. */
  subject: text('subject').notNull(),
  /** Plain text body. */
  text: text('text').notNull(),
  /** Extra headers (In-Reply-To, References …). */
  headers: jsonb('headers').$type<Record<string, string>>().notNull().default(sql`'{}'::jsonb`),
  /** stored (no SMTP configured), queued, sent or failed. */
  status: text('status').$type<'stored' | 'queued' | 'sent' | 'failed'>().notNull(),
  /** Last delivery error. */
  error: text('error'),
  /** Conversation it belongs to, if any. */
  conversationId: uuid('conversation_id'),
  /** What caused it (e.g. `event:123:reply`); a retried job finds it and sends nothing twice. */
  dedupeKey: text('dedupe_key'),
  createdAt: createdAt(),
  /** When the SMTP server accepted it. */
  sentAt: ts('sent_at'),
  },
  (t) => [uniqueIndex('outbox_emails_dedupe_key').on(t.dedupeKey), index('outbox_emails_created_idx').on(t.createdAt)],
);

/**
 * How many mails an anonymous form made us send, per key (`address:<email>`, `ip:<ip>`) and
 * window: counted by one upsert so concurrent requests cannot both pass the limit.
 */
export const mailSendCounters = pgTable('mail_send_counters', {
  /** What is counted, e.g. `confirm:address:a@b.c` or `confirm:ip:203.0.113.9`. */
  key: text('key').primaryKey(),
  /** Mails in the current window. */
  count: integer('count').notNull().default(0),
  /** Start of the current window. */
  windowStartedAt: ts('window_started_at').notNull().defaultNow(),
});
