import { boolean, integer, jsonb, pgTable, primaryKey, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';
import type { AgentRole, AgentStatus } from '../../../common/enums.ts';
import { createdAt, ts } from './_columns.ts';

/** People who work the desk: agents, supervisors and admins. */
export const agents = pgTable(
  'agents',
  {
    /** Stable id. */
    id: uuid('id').primaryKey().defaultRandom(),
    /** Login address, stored lower-case. */
    email: text('email').notNull(),
    /** Display name shown to customers and colleagues. */
    name: text('name').notNull(),
    /** argon2id hash of the password. */
    passwordHash: text('password_hash').notNull(),
    /** What the agent may do (admin > supervisor > agent). */
    role: text('role').$type<AgentRole>().notNull().default('agent'),
    /** Languages the agent answers in (BCP 47: en, zh-CN …). */
    languages: jsonb('languages').$type<string[]>().notNull().default(sql`'[]'::jsonb`),
    /** Presence: only online agents receive new chats. */
    status: text('status').$type<AgentStatus>().notNull().default('offline'),
    /** Most live chats at once. */
    capacity: integer('capacity').notNull().default(3),
    /** When routing last gave this agent a chat: round robin among equally loaded agents. */
    lastChatAssignedAt: ts('last_chat_assigned_at'),
    /** Base32 TOTP secret; set while enrolling or enrolled. */
    totpSecret: text('totp_secret'),
    /** Time step of the last TOTP code accepted; a code is never accepted twice. */
    totpLastStep: integer('totp_last_step'),
    /** Two-factor confirmed and required at login. */
    totpEnabled: boolean('totp_enabled').notNull().default(false),
    /** Disabled agents cannot log in and keep their history. */
    disabled: boolean('disabled').notNull().default(false),
    /** UI language. */
    locale: text('locale').notNull().default('en'),
    createdAt: createdAt(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [uniqueIndex('agents_email_key').on(t.email)],
);

/** Working hours in a time zone: intervals per weekday ("09:00"–"18:00"), and days off. */
export interface BusinessCalendar {
  /** IANA zone, e.g. Asia/Shanghai. */
  timezone: string;
  /** Keys mon … sun; each a list of [open, close] in HH:MM, close after open. */
  week: Partial<Record<'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun', [string, string][]>>;
  /** Local dates (YYYY-MM-DD) with no business hours. */
  holidays?: string[];
}

/** Groups of agents that own categories and queues. */
export const teams = pgTable(
  'teams',
  {
    /** Stable id. */
    id: uuid('id').primaryKey().defaultRandom(),
    /** URL-safe unique name. */
    slug: text('slug').notNull(),
    /** Display names by locale. */
    name: jsonb('name').$type<Record<string, string>>().notNull(),
    /** What the team handles. */
    description: text('description').notNull().default(''),
    /** Business hours for SLA clocks; null means around the clock. */
    calendar: jsonb('calendar').$type<BusinessCalendar | null>(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('teams_slug_key').on(t.slug)],
);

/** Which agents belong to which teams, and who supervises them. */
export const teamMembers = pgTable(
  'team_members',
  {
    /** The team. */
    teamId: uuid('team_id').notNull().references(() => teams.id, { onDelete: 'cascade' }),
    /** The member. */
    agentId: uuid('agent_id').notNull().references(() => agents.id, { onDelete: 'cascade' }),
    /** Team supervisors are notified of SLA breaches. */
    isSupervisor: boolean('is_supervisor').notNull().default(false),
  },
  (t) => [primaryKey({ columns: [t.teamId, t.agentId] })],
);

/** Competences used by routing (usually one per category). */
export const skills = pgTable(
  'skills',
  {
    /** Stable id. */
    id: uuid('id').primaryKey().defaultRandom(),
    /** URL-safe unique name. */
    slug: text('slug').notNull(),
    /** Display names by locale. */
    name: jsonb('name').$type<Record<string, string>>().notNull(),
  },
  (t) => [uniqueIndex('skills_slug_key').on(t.slug)],
);

/** Skills held by agents. */
export const agentSkills = pgTable(
  'agent_skills',
  {
    /** The agent. */
    agentId: uuid('agent_id').notNull().references(() => agents.id, { onDelete: 'cascade' }),
    /** The skill. */
    skillId: uuid('skill_id').notNull().references(() => skills.id, { onDelete: 'cascade' }),
  },
  (t) => [primaryKey({ columns: [t.agentId, t.skillId] })],
);

/** What a conversation is about; drives routing, SLA and reports. */
export const categories = pgTable(
  'categories',
  {
    /** Stable id. */
    id: uuid('id').primaryKey().defaultRandom(),
    /** URL-safe unique name. */
    slug: text('slug').notNull(),
    /** Display names by locale. */
    name: jsonb('name').$type<Record<string, string>>().notNull(),
    /** Team that owns conversations of this category by default. */
    teamId: uuid('team_id').references(() => teams.id, { onDelete: 'set null' }),
    /** Skill an agent needs to be routed these conversations. */
    skillId: uuid('skill_id').references(() => skills.id, { onDelete: 'set null' }),
    /** Money-at-risk categories jump the queue and start at urgent priority. */
    urgent: boolean('urgent').notNull().default(false),
    /** Order in pickers. */
    position: integer('position').notNull().default(0),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('categories_slug_key').on(t.slug)],
);
