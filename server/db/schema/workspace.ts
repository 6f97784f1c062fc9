import { boolean, index, jsonb, pgTable, text, uuid } from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';
import type { Priority, ConversationStatus, Visibility } from '../../../common/enums.ts';
import { agents } from './agents.ts';
import { createdAt, ts } from './_columns.ts';

/** Ready-made answers agents insert and edit before sending; variables like {{customer.name}} are filled in. */
export const cannedReplies = pgTable('canned_replies', {
  /** Stable id. */
  id: uuid('id').primaryKey().defaultRandom(),
  /** What agents see in the picker. */
  title: text('title').notNull(),
  /** Typed as /shortcut in the composer. */
  shortcut: text('shortcut').notNull().default(''),
  /** The text, with {{variables}}. */
  body: text('body').notNull(),
  createdAt: createdAt(),
  updatedAt: ts('updated_at').notNull().defaultNow(),
});

/** What a macro changes besides replying. */
export interface MacroActions {
  /** New status. */
  status?: ConversationStatus;
  /** New priority. */
  priority?: Priority;
  /** Tags to add. */
  addTags?: string[];
  /** Tags to remove. */
  removeTags?: string[];
  /** Assign the conversation to the agent applying the macro. */
  assignToMe?: boolean;
}

/** One click: a reply (or note) plus field changes. */
export const macros = pgTable('macros', {
  /** Stable id. */
  id: uuid('id').primaryKey().defaultRandom(),
  /** Display name. */
  name: text('name').notNull(),
  /** Text to send, with {{variables}}; empty for changes only. */
  reply: text('reply').notNull().default(''),
  /** public reply or private note. */
  replyVisibility: text('reply_visibility').$type<Visibility>().notNull().default('public'),
  /** Field changes. */
  actions: jsonb('actions').$type<MacroActions>().notNull().default(sql`'{}'::jsonb`),
  createdAt: createdAt(),
  updatedAt: ts('updated_at').notNull().defaultNow(),
});

/** A named set of inbox filters; personal, or shared with every agent. */
export const savedViews = pgTable(
  'saved_views',
  {
    /** Stable id. */
    id: uuid('id').primaryKey().defaultRandom(),
    /** Owner. */
    agentId: uuid('agent_id').notNull().references(() => agents.id, { onDelete: 'cascade' }),
    /** Display name. */
    name: text('name').notNull(),
    /** The list query (view, status, priority, tag, sla …). */
    query: jsonb('query').$type<Record<string, string>>().notNull(),
    /** Visible to every agent. */
    shared: boolean('shared').notNull().default(false),
    createdAt: createdAt(),
  },
  (t) => [index('saved_views_agent_idx').on(t.agentId)],
);
