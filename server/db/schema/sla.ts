import { boolean, integer, pgTable, text, uuid } from 'drizzle-orm/pg-core';
import type { Priority } from '../../../common/enums.ts';
import { categories } from './agents.ts';
import { createdAt } from './_columns.ts';

/** Response and resolution targets; the first enabled policy (by position) matching priority and category applies. */
export const slaPolicies = pgTable('sla_policies', {
  /** Stable id. */
  id: uuid('id').primaryKey().defaultRandom(),
  /** Display name. */
  name: text('name').notNull(),
  /** Applies to this priority only; null = any. */
  priority: text('priority').$type<Priority>(),
  /** Applies to this category only; null = any. */
  categoryId: uuid('category_id').references(() => categories.id, { onDelete: 'cascade' }),
  /** Minutes to the first public agent reply. */
  firstResponseMinutes: integer('first_response_minutes'),
  /** Minutes to answer each later customer message. */
  nextResponseMinutes: integer('next_response_minutes'),
  /** Minutes to solve. */
  resolutionMinutes: integer('resolution_minutes'),
  /** Count only the owning team's business hours (else around the clock). */
  businessHours: boolean('business_hours').notNull().default(true),
  /** Lower first. */
  position: integer('position').notNull().default(0),
  /** Disabled policies are ignored. */
  enabled: boolean('enabled').notNull().default(true),
  createdAt: createdAt(),
});
