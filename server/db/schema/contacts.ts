import { index, jsonb, pgTable, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';
import { createdAt, ts } from './_columns.ts';

/** A customer: the same person whichever channel they write from. */
export const contacts = pgTable(
  'contacts',
  {
    /** Stable id. */
    id: uuid('id').primaryKey().defaultRandom(),
    /** Name as the customer gave it. */
    name: text('name').notNull().default(''),
    /** Email address, lower-case; unique when present. */
    email: text('email'),
    /** Phone number in E.164 when known. */
    phone: text('phone'),
    /** The customer's account id at the exchange; unique when present. */
    uid: text('uid'),
    /** Preferred language (en, zh-CN …). */
    language: text('language').notNull().default('en'),
    /** VIP tier from the exchange; 0 is none. */
    vipTier: text('vip_tier').notNull().default('0'),
    /** argon2id hash when the customer chose a password. */
    passwordHash: text('password_hash'),
    /** Code shown in every email we send, so customers can spot phishing. */
    antiPhishingCode: text('anti_phishing_code'),
    /** Free-form attributes from integrations. */
    attributes: jsonb('attributes').$type<Record<string, unknown>>().notNull().default(sql`'{}'::jsonb`),
    createdAt: createdAt(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('contacts_email_key').on(t.email).where(sql`${t.email} is not null`),
    uniqueIndex('contacts_uid_key').on(t.uid).where(sql`${t.uid} is not null`),
  ],
);

/** How a contact is known on one channel (a Telegram user id, an email, a phone). */
export const contactIdentities = pgTable(
  'contact_identities',
  {
    /** Stable id. */
    id: uuid('id').primaryKey().defaultRandom(),
    /** The contact. */
    contactId: uuid('contact_id').notNull().references(() => contacts.id, { onDelete: 'cascade' }),
    /** Channel kind (email, telegram, x, meta, phone, webchat). */
    channel: text('channel').notNull(),
    /** The id on that channel. */
    externalId: text('external_id').notNull(),
    /** Handle or display name on that channel. */
    displayName: text('display_name'),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('contact_identities_channel_external_key').on(t.channel, t.externalId), index('contact_identities_contact_idx').on(t.contactId)],
);

/**
 * A confirmation link emailed to an address someone typed without signing in (the ticket form, a
 * chat's pre-chat form). Until the link is opened the conversation stays on a contact of its own
 * that holds the address as unverified, so a stranger can never file into someone else's account.
 */
export const emailConfirmations = pgTable(
  'email_confirmations',
  {
    /** Stable id. */
    id: uuid('id').primaryKey().defaultRandom(),
    /** sha256 of the token in the link; the token itself is only ever in the email. */
    tokenHash: text('token_hash').notNull(),
    /** The address to confirm, lower-case. */
    email: text('email').notNull(),
    /** The conversation the link confirms. */
    conversationId: uuid('conversation_id').notNull(),
    /** What waits for the confirmation: `{ transcript: true }` when a chat transcript was asked for. */
    held: jsonb('held').$type<{ transcript?: boolean }>().notNull().default(sql`'{}'::jsonb`),
    /** The link stops working then. */
    expiresAt: ts('expires_at').notNull(),
    /** Set when the link was used; a second use is refused. */
    consumedAt: ts('consumed_at'),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('email_confirmations_token_key').on(t.tokenHash), index('email_confirmations_conversation_idx').on(t.conversationId), index('email_confirmations_email_idx').on(t.email)],
);
