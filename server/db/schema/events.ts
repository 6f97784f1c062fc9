import { bigserial, index, jsonb, pgTable, text, uuid } from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';
import type { ActorType } from '../../../common/enums.ts';
import { createdAt } from './_columns.ts';

/** Append-only history and audit log: every change, who made it, before → after. */
export const events = pgTable(
  'events',
  {
    /** Monotonic id; the order of history. */
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    /** `<plural>.<verb>`: conversations.create, messages.create, agents.update … */
    type: text('type').notNull(),
    /** Who did it. */
    actorType: text('actor_type').$type<ActorType>().notNull(),
    /** Agent, contact or token id; null for the system. */
    actorId: uuid('actor_id'),
    /** Kind of thing changed (conversation, agent, team …). */
    subjectType: text('subject_type').notNull(),
    /** Id of the thing changed. */
    subjectId: text('subject_id').notNull(),
    /** Conversation it belongs to, so a timeline can show it. */
    conversationId: uuid('conversation_id'),
    /** Change detail: { before, after } or a payload. */
    data: jsonb('data').$type<Record<string, unknown>>().notNull().default(sql`'{}'::jsonb`),
    /** Request IP, for the audit log. */
    ip: text('ip'),
    createdAt: createdAt(),
  },
  (t) => [
    index('events_conversation_idx').on(t.conversationId, t.id),
    index('events_subject_idx').on(t.subjectType, t.subjectId),
    index('events_type_idx').on(t.type, t.id),
  ],
);
