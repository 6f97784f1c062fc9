import { index, jsonb, pgTable, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';
import { agents } from './agents.ts';
import { createdAt, ts } from './_columns.ts';

/** In-workspace notifications for agents: assignments, @mentions, SLA breaches. */
export const notifications = pgTable(
  'notifications',
  {
    /** Stable id. */
    id: uuid('id').primaryKey().defaultRandom(),
    /** Who is notified. */
    agentId: uuid('agent_id').notNull().references(() => agents.id, { onDelete: 'cascade' }),
    /** assigned, mentioned, sla_breach, chat_missed, or login_locked (failed sign-ins locked the agent's account or a source). */
    type: text('type').$type<'assigned' | 'mentioned' | 'sla_breach' | 'chat_missed' | 'login_locked'>().notNull(),
    /** Conversation it is about. */
    conversationId: uuid('conversation_id'),
    /** The event that caused it; (agent, event) is unique so a retried job notifies once. */
    eventId: text('event_id').notNull(),
    /** Display detail (number, subject, who). */
    data: jsonb('data').$type<Record<string, unknown>>().notNull().default(sql`'{}'::jsonb`),
    /** Set when the agent has seen it. */
    readAt: ts('read_at'),
    createdAt: createdAt(),
  },
  (t) => [index('notifications_agent_idx').on(t.agentId, t.createdAt), uniqueIndex('notifications_event_agent_key').on(t.eventId, t.agentId)],
);
