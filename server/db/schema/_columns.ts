import { timestamp } from 'drizzle-orm/pg-core';

/** A timestamptz column read as a JS Date. */
export const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

/** created_at, filled by the database. */
export const createdAt = () => ts('created_at').notNull().defaultNow();
