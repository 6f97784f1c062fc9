import { boolean, pgTable, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
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
