import type PgBoss from 'pg-boss';
import type { AgentRole, ActorType, TokenRole } from '../../common/enums.ts';
import type { Database, Db } from '../db/client.ts';
import { RawSql } from '../db/raw.ts';
import { events } from '../db/schema.ts';
import type { Env } from '../env.ts';
import { DURABLE_EVENTS, QUEUES, txExecutor, wakeWorkers } from '../jobs/boss.ts';
import type { DomainEvent, EventBus } from '../realtime/bus.ts';

/** Who is acting. Agents carry their role and teams; tokens their role. */
export type Actor =
  | { type: 'agent'; id: string; role: AgentRole; teamIds: string[]; name: string }
  | { type: 'contact'; id: string }
  | { type: 'token'; id: string; role: TokenRole; teamIds: string[] }
  | { type: 'system'; id: null };

export const SYSTEM: Actor = { type: 'system', id: null };

/** Long-lived services shared by every request. */
export interface Services {
  env: Env;
  database: Database;
  bus: EventBus;
  /** Null only in unit tests that need no jobs. */
  boss: PgBoss | null;
  /** The time; tests replace it to move SLA clocks. */
  clock: () => Date;
  /** The port the SMTP listener got (SMTP_PORT 0 asks the system for one); unset when none runs. */
  smtpPort?: number;
}

/** What a domain function receives first: the actor, the transaction, and what to do after commit. */
export interface Ctx {
  services: Services;
  db: Db;
  actor: Actor;
  /** Request IP, kept in the audit trail. */
  ip?: string;
  /** Events recorded in this transaction, published once it commits. */
  emitted: DomainEvent[];
  /** Jobs enqueued in this transaction, inserted together just before it commits. */
  jobs: PgBoss.JobInsert[];
  /** False when db is not a transaction: a read, or a write that is one statement (see single). */
  inTransaction: boolean;
}

/** Runs fn in one transaction; its events reach the bus only after commit. */
export async function transact<T>(services: Services, actor: Actor, fn: (ctx: Ctx) => Promise<T>, ip?: string): Promise<T> {
  const emitted: DomainEvent[] = [];
  const jobs: PgBoss.JobInsert[] = [];
  const result = await services.database.db.transaction(async (tx) => {
    jobs.length = 0;
    const value = await fn({ services, db: tx as unknown as Db, actor, ip, emitted, jobs, inTransaction: true });
    // One statement for all of the transaction's jobs; they exist only if it commits.
    if (jobs.length && services.boss) await services.boss.insert(jobs, { db: txExecutor(tx as unknown as Db) });
    return value;
  });
  if (jobs.length) wakeWorkers(services.boss, jobs);
  for (const event of emitted) await services.bus.publish(event).catch(() => {});
  return result;
}

/** Runs a read without a transaction (two round trips fewer); reads record no events. */
export async function read<T>(services: Services, actor: Actor, fn: (ctx: Ctx) => Promise<T>, ip?: string): Promise<T> {
  const emitted: DomainEvent[] = [];
  const jobs: PgBoss.JobInsert[] = [];
  const result = await fn({ services, db: services.database.db, actor, ip, emitted, jobs, inTransaction: false });
  if (emitted.length || jobs.length) throw new Error('a read recorded events or jobs: use transact');
  return result;
}

/**
 * Runs a domain function that makes its whole change in ONE statement (its events and jobs
 * included), which PostgreSQL makes atomic on its own: no BEGIN and COMMIT, two round trips fewer.
 * The function sees inTransaction false, on a connection held for it (see Database.connected);
 * whenever it needs more than one statement it opens a transaction on it (transactOn). Events
 * reach the bus after the statement, as after a commit. PGlite has no round trips to save and one
 * shared connection: there it is a plain transaction.
 */
export async function single<T>(services: Services, actor: Actor, fn: (ctx: Ctx) => Promise<T>, ip?: string): Promise<T> {
  const { connected } = services.database;
  if (!connected) return transact(services, actor, fn, ip);
  const emitted: DomainEvent[] = [];
  const jobs: PgBoss.JobInsert[] = [];
  const result = await connected((db) => fn({ services, db, actor, ip, emitted, jobs, inTransaction: false }));
  // A job left here could no longer be made atomic with the change: the function broke its promise.
  if (jobs.length) throw new Error('a single-statement write enqueued jobs outside its statement: use transactOn');
  for (const event of emitted) await services.bus.publish(event).catch(() => {});
  return result;
}

/**
 * Runs fn in a transaction on the connection ctx already holds (never a second one: a request
 * holding one and waiting for another could wait forever once the pool is used up). Its events
 * are published by whoever runs ctx, after this commits; its jobs are inserted before.
 */
export async function transactOn<T>(ctx: Ctx, fn: (ctx: Ctx) => Promise<T>): Promise<T> {
  return ctx.db.transaction(async (tx) => {
    const jobs: PgBoss.JobInsert[] = [];
    const value = await fn({ ...ctx, db: tx as unknown as Db, jobs, inTransaction: true });
    if (jobs.length && ctx.services.boss) await ctx.services.boss.insert(jobs, { db: txExecutor(tx as unknown as Db) });
    return value;
  });
}

export interface EventInput {
  /** `<plural>.<verb>` */
  type: string;
  subjectType: string;
  subjectId: string;
  conversationId?: string | null;
  data?: Record<string, unknown>;
}

/** Appends to the history in the caller's transaction. Every state change calls this. */
export async function recordEvent(ctx: Ctx, input: EventInput): Promise<DomainEvent> {
  const [row] = await ctx.db
    .insert(events)
    .values({
      type: input.type,
      actorType: ctx.actor.type as ActorType,
      actorId: ctx.actor.id,
      subjectType: input.subjectType,
      subjectId: input.subjectId,
      conversationId: input.conversationId ?? null,
      data: input.data ?? {},
      ip: ctx.ip ?? null,
    })
    .returning();
  return eventRecorded(ctx, row!);
}

/**
 * What follows writing an event row, for rows written by recordEvent or by a domain function's
 * own SQL (which writes its events in the same statement as the change): the event is published
 * after commit, and one with durable side effects gets its job in the same transaction.
 */
export async function eventRecorded(ctx: Ctx, row: typeof events.$inferSelect): Promise<DomainEvent> {
  const event: DomainEvent = {
    id: row.id,
    type: row.type,
    actorType: row.actorType,
    actorId: row.actorId,
    subjectType: row.subjectType,
    subjectId: row.subjectId,
    conversationId: row.conversationId,
    data: row.data,
    createdAt: row.createdAt.toISOString(),
  };
  ctx.emitted.push(event);
  if (DURABLE_EVENTS[event.type]?.(event)) await enqueue(ctx, QUEUES.events, { eventId: event.id });
  return event;
}

/** Enqueues a durable job inside the transaction: it exists only if the transaction commits. */
export async function enqueue(ctx: Ctx, queue: string, data: object, options: { startAfter?: Date } = {}): Promise<void> {
  ctx.jobs.push(job(queue, data, options));
}

/** A durable job as every enqueue makes it: retried with backoff. */
export const job = (queue: string, data: object, options: { startAfter?: Date } = {}): PgBoss.JobInsert => ({
  name: queue,
  data,
  retryLimit: 8,
  retryBackoff: true,
  ...(options.startAfter ? { startAfter: options.startAfter.toISOString() } : {}),
});

/**
 * pg-boss's own INSERT for these jobs, as a statement to put in a CTE, so a single-statement write
 * carries its jobs (pg-boss hands it over through its public `db` executor option). Null when
 * there is nothing to insert, or no queue (unit tests without jobs, as in transact).
 */
export async function jobsStatement(services: Services, jobs: PgBoss.JobInsert[]): Promise<RawSql | null> {
  if (!jobs.length || !services.boss) return null;
  let captured: { text: string; values: unknown[] } | null = null;
  await services.boss.insert(jobs, { db: { executeSql: async (text: string, values: unknown[] = []) => ((captured = { text, values }), { rows: [] }) } });
  if (!captured) throw new Error('pg-boss did not hand over its insert');
  const { text, values } = captured as { text: string; values: unknown[] };
  const parts = text.split(/\$(\d+)/);
  return new RawSql(
    parts.filter((_, i) => i % 2 === 0),
    parts.filter((_, i) => i % 2 === 1).map((n) => bossParam(values[Number(n) - 1])),
  );
}

/** pg-boss relies on node-postgres conventions: undefined is NULL and objects travel as JSON (as txExecutor does). */
function bossParam(value: unknown): unknown {
  if (value === undefined) return null;
  if (value !== null && typeof value === 'object' && !(value instanceof Date) && !Buffer.isBuffer(value)) return JSON.stringify(value);
  return value;
}

/** Changed fields only, as { before, after }, for event data. */
export function diff<T extends Record<string, unknown>>(before: T, patch: Partial<T>): { before: Partial<T>; after: Partial<T> } {
  const b: Partial<T> = {};
  const a: Partial<T> = {};
  for (const key of Object.keys(patch) as (keyof T)[]) {
    if (patch[key] === undefined) continue;
    if (JSON.stringify(before[key]) === JSON.stringify(patch[key])) continue;
    b[key] = before[key];
    a[key] = patch[key];
  }
  return { before: b, after: a };
}
