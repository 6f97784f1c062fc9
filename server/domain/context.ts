import type PgBoss from 'pg-boss';
import type { AgentRole, ActorType, TokenRole } from '../../common/enums.ts';
import type { Database, Db } from '../db/client.ts';
import { events } from '../db/schema.ts';
import type { Env } from '../env.ts';
import { DURABLE_EVENTS, QUEUES, txExecutor } from '../jobs/boss.ts';
import type { DomainEvent, EventBus } from '../realtime/bus.ts';

/** Who is acting. Agents carry their role and teams; tokens their role. */
export type Actor =
  | { type: 'agent'; id: string; role: AgentRole; teamIds: string[]; name: string }
  | { type: 'contact'; id: string }
  | { type: 'token'; id: string; role: TokenRole }
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
}

/** Runs fn in one transaction; its events reach the bus only after commit. */
export async function transact<T>(services: Services, actor: Actor, fn: (ctx: Ctx) => Promise<T>, ip?: string): Promise<T> {
  const emitted: DomainEvent[] = [];
  const result = await services.database.db.transaction(async (tx) => {
    const jobs: PgBoss.JobInsert[] = [];
    const value = await fn({ services, db: tx as unknown as Db, actor, ip, emitted, jobs });
    // One statement for all of the transaction's jobs; they exist only if it commits.
    if (jobs.length && services.boss) await services.boss.insert(jobs, { db: txExecutor(tx as unknown as Db) });
    return value;
  });
  for (const event of emitted) await services.bus.publish(event).catch(() => {});
  return result;
}

/** Runs a read without a transaction (two round trips fewer); reads record no events. */
export async function read<T>(services: Services, actor: Actor, fn: (ctx: Ctx) => Promise<T>, ip?: string): Promise<T> {
  const emitted: DomainEvent[] = [];
  const jobs: PgBoss.JobInsert[] = [];
  const result = await fn({ services, db: services.database.db, actor, ip, emitted, jobs });
  if (emitted.length || jobs.length) throw new Error('a read recorded events or jobs: use transact');
  return result;
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
  const event: DomainEvent = {
    id: row!.id,
    type: row!.type,
    actorType: row!.actorType,
    actorId: row!.actorId,
    subjectType: row!.subjectType,
    subjectId: row!.subjectId,
    conversationId: row!.conversationId,
    data: row!.data,
    createdAt: row!.createdAt.toISOString(),
  };
  ctx.emitted.push(event);
  if (DURABLE_EVENTS[event.type]?.(event)) await enqueue(ctx, QUEUES.events, { eventId: event.id });
  return event;
}

/** Enqueues a durable job inside the transaction: it exists only if the transaction commits. */
export async function enqueue(ctx: Ctx, queue: string, data: object, options: { startAfter?: Date } = {}): Promise<void> {
  ctx.jobs.push({ name: queue, data, retryLimit: 8, retryBackoff: true, ...(options.startAfter ? { startAfter: options.startAfter.toISOString() } : {}) });
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
