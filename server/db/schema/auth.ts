import { sql } from 'drizzle-orm';
import { boolean, integer, pgTable, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import type { TokenRole } from '../../../common/enums.ts';
import { agents } from './agents.ts';
import { createdAt, ts } from './_columns.ts';

/** Browser sessions of agents and customers; the cookie holds a secret whose sha256 is the id. */
export const sessions = pgTable('sessions', {
  /** sha256 of the cookie secret, so a database leak does not leak sessions. */
  id: text('id').primaryKey(),
  /** agent or contact. */
  principalType: text('principal_type').$type<'agent' | 'contact'>().notNull(),
  /** Agent or contact id. */
  principalId: uuid('principal_id').notNull(),
  /** Token the client echoes in X-CSRF-Token on state-changing requests. */
  csrfToken: text('csrf_token').notNull(),
  /** Password accepted but the TOTP code not yet given. */
  mfaPending: boolean('mfa_pending').notNull().default(false),
  /** Hard expiry. */
  expiresAt: ts('expires_at').notNull(),
  /** Client IP at login, for the audit trail. */
  ip: text('ip'),
  /** User agent at login. */
  userAgent: text('user_agent'),
  createdAt: createdAt(),
});

/** Bearer tokens for integrations; only a hash is kept, the token is shown once. */
export const apiTokens = pgTable(
  'api_tokens',
  {
    /** Stable id. */
    id: uuid('id').primaryKey().defaultRandom(),
    /** What the token is for. */
    name: text('name').notNull(),
    /** sha256 of the token. */
    tokenHash: text('token_hash').notNull(),
    /** First characters, to recognise a token in lists. */
    prefix: text('prefix').notNull(),
    /** admin (sees everything) or agent (sees what an agent of its teams sees). */
    role: text('role').$type<TokenRole>().notNull(),
    /** Role agent: the teams whose conversations it sees (besides those without a team), like an agent's memberships. */
    teamIds: uuid('team_ids').array().notNull().default(sql`'{}'::uuid[]`),
    /** Agent who created it (null from the CLI). */
    createdById: uuid('created_by_id').references(() => agents.id, { onDelete: 'set null' }),
    /** Last successful use. */
    lastUsedAt: ts('last_used_at'),
    /** Revoked tokens are refused. */
    revokedAt: ts('revoked_at'),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('api_tokens_hash_key').on(t.tokenHash)],
);

/** Login attempt counters per account, per account+source and per source, shared by every process. */
export const loginThrottles = pgTable('login_throttles', {
  /** `account:<email>`, `pair:<email>|<address>` or `ip:<address>`. */
  key: text('key').primaryKey(),
  /** Attempts in the current window, counted before the secret is checked (a success gives its one back). */
  failures: integer('failures').notNull().default(0),
  /** Start of the current window. */
  windowStartedAt: ts('window_started_at').notNull().defaultNow(),
  /** Refuse logins until then. */
  lockedUntil: ts('locked_until'),
  /** Locks since the last success (or a quiet day): each lock lasts twice as long as the one before. */
  locks: integer('locks').notNull().default(0),
});

/** One-time login codes emailed to customers. */
export const emailCodes = pgTable('email_codes', {
  /** Stable id. */
  id: uuid('id').primaryKey().defaultRandom(),
  /** Address the code was sent to, lower-case. */
  email: text('email').notNull(),
  /** sha256 of the code. */
  codeHash: text('code_hash').notNull(),
  /** Wrong guesses so far; the code dies after 5. */
  attempts: integer('attempts').notNull().default(0),
  /** Expiry (10 minutes). */
  expiresAt: ts('expires_at').notNull(),
  /** Set once used. */
  consumedAt: ts('consumed_at'),
  createdAt: createdAt(),
});
