import { boolean, index, pgTable, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import type { OfficialChannelKind } from '../../../common/enums.ts';
import { createdAt } from './_columns.ts';

/** The desk's official contact points, which /verify checks for customers (scammers pose as support). */
export const officialChannels = pgTable(
  'official_channels',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** website, email, telegram, x, facebook or phone. */
    kind: text('kind').$type<OfficialChannelKind>().notNull(),
    /** Canonical form compared on /verify (see trust/channelValues.ts). */
    value: text('value').notNull(),
    /** As customers see it. */
    label: text('label').notNull(),
    /** What it is for. */
    note: text('note').notNull().default(''),
    /** A retired channel stays listed so /verify can say it is no longer ours. */
    active: boolean('active').notNull().default(true),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('official_channels_kind_value_key').on(t.kind, t.value)],
);

/**
 * What customers checked on /verify (API and page): the accounts and addresses that are not ours
 * but reach customers are what the security team reports to Telegram, X and registrars.
 */
export const verifyLookups = pgTable(
  'verify_lookups',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** What the text was read as (website, email, telegram, x, facebook, phone, or handle for any account). */
    kind: text('kind').notNull(),
    /** The canonical reading (a host, an address, a handle, digits): never the customer's raw text. */
    value: text('value').notNull(),
    official: boolean('official').notNull(),
    /** It matched a channel that is no longer ours. */
    retired: boolean('retired').notNull().default(false),
    createdAt: createdAt(),
  },
  (t) => [index('verify_lookups_created_idx').on(t.createdAt)],
);
