import { bigint, index, integer, jsonb, pgTable, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';
import type { ConversationMode, ConversationStatus, Priority } from '../../../common/enums.ts';
import { agents, categories, teams } from './agents.ts';
import { contacts } from './contacts.ts';
import { inboxes } from './inboxes.ts';
import { createdAt, ts } from './_columns.ts';

/** Structured ticket fields customers fill in. */
export interface ConversationFields {
  /** Exchange account id. */
  uid?: string;
  /** Order id the problem is about. */
  orderId?: string;
  /** On-chain transaction hash. */
  txHash?: string;
  /** Coin symbol (USDT, BTC …). */
  coin?: string;
  /** Network (TRC20, ERC20 …). */
  network?: string;
  /** Anything else an integration adds. */
  [key: string]: string | undefined;
}

/** Who filled a structured field: the customer or an agent, or triage from the subject or body. */
export type FieldSource = 'customer' | 'agent' | 'subject' | 'body';

/** A conversation is a ticket: live chats and async tickets share one table. */
export const conversations = pgTable(
  'conversations',
  {
    /** Stable id. */
    id: uuid('id').primaryKey().defaultRandom(),
    /** Human-facing ticket number (#10001 …). */
    number: bigint('number', { mode: 'number' }).notNull().generatedAlwaysAsIdentity({ startWith: 10001 }),
    /** Channel instance it came through. */
    inboxId: uuid('inbox_id').notNull().references(() => inboxes.id),
    /** The customer. */
    contactId: uuid('contact_id').notNull().references(() => contacts.id),
    /** live (chat, phone) or async (ticket, email). */
    mode: text('mode').$type<ConversationMode>().notNull().default('async'),
    /** Lifecycle state. */
    status: text('status').$type<ConversationStatus>().notNull().default('new'),
    /** Urgency. */
    priority: text('priority').$type<Priority>().notNull().default('normal'),
    /** What it is about. */
    categoryId: uuid('category_id').references(() => categories.id, { onDelete: 'set null' }),
    /** Owning team. */
    teamId: uuid('team_id').references(() => teams.id, { onDelete: 'set null' }),
    /** Agent handling it. */
    assigneeId: uuid('assignee_id').references(() => agents.id, { onDelete: 'set null' }),
    /** Language of the conversation. */
    language: text('language').notNull().default('en'),
    /** Subject line or a summary of the first message. */
    subject: text('subject').notNull().default(''),
    /** Structured fields (UID, order id, tx hash, coin, network). */
    fields: jsonb('fields').$type<ConversationFields>().notNull().default(sql`'{}'::jsonb`),
    /** Where each structured field came from: the customer typed it, or triage read it from the subject or body. */
    fieldSources: jsonb('field_sources').$type<Record<string, FieldSource>>().notNull().default(sql`'{}'::jsonb`),
    /** Free tags. */
    tags: jsonb('tags').$type<string[]>().notNull().default(sql`'[]'::jsonb`),
    /** SLA: first agent reply due. */
    firstResponseDueAt: ts('first_response_due_at'),
    /** SLA: next agent reply due after a customer message. */
    nextResponseDueAt: ts('next_response_due_at'),
    /** SLA: resolution due. */
    resolutionDueAt: ts('resolution_due_at'),
    /** SLA policy applied (null: none matched). */
    slaPolicyId: uuid('sla_policy_id'),
    /** When an agent first replied publicly. */
    firstResponseAt: ts('first_response_at'),
    /** Last message of any kind, for sorting. */
    lastMessageAt: ts('last_message_at').notNull().defaultNow(),
    /** Highest message seq handed out; row lock makes seq gap-free. */
    lastSeq: integer('last_seq').notNull().default(0),
    /** Client-chosen key so a retried create returns the first conversation. */
    idempotencyKey: text('idempotency_key'),
    /** Customer satisfaction 1–5, given once solved. */
    csatScore: integer('csat_score'),
    /** The customer's comment with the rating. */
    csatComment: text('csat_comment'),
    /** When the rating was given. */
    csatAt: ts('csat_at'),
    /** Set when this conversation was merged into another (it is then closed). */
    mergedIntoId: uuid('merged_into_id'),
    /** When solved, for auto-close. */
    solvedAt: ts('solved_at'),
    /** The resolution clock stopped here (waiting on the customer, on hold or solved); null while it runs. */
    slaPausedAt: ts('sla_paused_at'),
    /** Business seconds the resolution clock has been stopped so far; the due time moves by as much. */
    slaPausedSeconds: integer('sla_paused_seconds').notNull().default(0),
    /** Live chat: when routing offered it to the assignee, who has not accepted yet (null once accepted). */
    chatOfferedAt: ts('chat_offered_at'),
    /** Read receipts: the highest message seq the customer has seen. */
    customerReadSeq: integer('customer_read_seq').notNull().default(0),
    /** Read receipts: the highest message seq an agent has seen. */
    agentReadSeq: integer('agent_read_seq').notNull().default(0),
    createdAt: createdAt(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('conversations_number_key').on(t.number),
    index('conversations_contact_idx').on(t.contactId, t.lastMessageAt),
    uniqueIndex('conversations_idempotency_key').on(t.idempotencyKey).where(sql`${t.idempotencyKey} is not null`),
    index('conversations_assignee_status_idx').on(t.assigneeId, t.status),
    index('conversations_team_status_idx').on(t.teamId, t.status),
    index('conversations_status_last_idx').on(t.status, t.lastMessageAt),
    // The inbox lists newest activity first and pages by (last_message_at, id).
    index('conversations_last_id_idx').on(t.lastMessageAt.desc().nullsFirst(), t.id.desc().nullsFirst()),
  ],
);
