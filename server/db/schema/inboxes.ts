import { boolean, jsonb, pgTable, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';
import type { ChannelKind } from '../../../common/enums.ts';
import { createdAt } from './_columns.ts';

/** A configured channel instance: a web chat, an email address, a Telegram bot, a phone line … */
export const inboxes = pgTable('inboxes', {
  /** Stable id; used in webhook URLs. */
  id: uuid('id').primaryKey().defaultRandom(),
  /** Channel kind; the adapter registry is keyed by it. */
  kind: text('kind').$type<ChannelKind>().notNull(),
  /** Display name. */
  name: text('name').notNull(),
  /** Channel settings and credentials; never returned to non-admins. */
  settings: jsonb('settings').$type<Record<string, unknown>>().notNull().default(sql`'{}'::jsonb`),
  /** Disabled inboxes accept nothing. */
  enabled: boolean('enabled').notNull().default(true),
  /** The inbox conversations of this kind land in when none is named (API, web form, web chat); one per kind. */
  isDefault: boolean('is_default').notNull().default(false),
  createdAt: createdAt(),
}, (t) => [uniqueIndex('inboxes_default_kind_key').on(t.kind).where(sql`${t.isDefault}`)]);
