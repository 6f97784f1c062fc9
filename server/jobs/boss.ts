import PgBoss from 'pg-boss';
import { sql } from 'drizzle-orm';
import { type Database, type Db, LOCKS } from '../db/client.ts';

/** Durable job queue names. One worker module per name under server/jobs/. */
export const QUEUES = {
  emailDelivery: 'email.deliver',
  /** Durable side effects of committed events (notifications, emails). */
  events: 'events.process',
  /** A conversation's SLA due time has come. */
  slaCheck: 'sla.check',
  /** A solved conversation closes after the configured days. */
  autoClose: 'conversations.autoclose',
  /** A chat customer disconnected: after the grace time, a chat they have not come back to becomes a ticket. */
  chatAbandon: 'chats.abandon',
  /** An inbound delivery (raw mail, webhook body) was stored: parse it and let the domain place it. */
  inboundProcess: 'inbound.process',
  /** Send one outgoing message through its channel's adapter; the delivery state follows. */
  messageDeliver: 'messages.deliver',
} as const;

interface EventShape {
  type: string;
  actorId: string | null;
  data: Record<string, unknown>;
}

/**
 * Events with durable side effects, and which of them need processing: recording one enqueues
 * its processing in the same transaction, so the side effect happens if and only if the change
 * committed — and events with nothing to do (a customer's own message) cost no job.
 */
export const DURABLE_EVENTS: Record<string, (e: EventShape) => boolean> = {
  // An agent's public reply is emailed; a private note may @mention someone.
  'messages.create': (e) => (e.data.visibility === 'private' ? e.data.mentions === true : e.data.direction === 'out'),
  // A status change the customer did not cause is emailed.
  'conversations.update': (e) => 'status' in ((e.data.after as object | undefined) ?? {}) && !e.data.reason,
  // Assigned to someone else than the one assigning.
  'conversations.assign': (e) => {
    const to = (e.data.after as { assigneeId?: string | null } | undefined)?.assigneeId;
    return (Boolean(to) && to !== e.actorId) || e.data.reason === 'offer_expired';
  },
  'conversations.sla_breach': () => true,
};

/** pg-boss on our own database: PGlite through its `db` option, PostgreSQL with its own pool. */
export async function startBoss(database: Database, databaseUrl: string | undefined, onError: (err: unknown) => void): Promise<PgBoss> {
  const boss =
    database.kind === 'postgres' && databaseUrl
      ? new PgBoss({ connectionString: databaseUrl, max: 4 })
      : new PgBoss({ db: { executeSql: (text: string, values: unknown[]) => database.query(text, values) } as any });
  boss.on('error', onError);
  await boss.start();
  // pg-boss's createQueue deadlocks when processes starting together create the same queues: they take turns.
  await database.exclusive(LOCKS.queueSetup, async () => {
    for (const name of Object.values(QUEUES)) if (!(await boss.getQueue(name))) await boss.createQueue(name);
  });
  return boss;
}

/**
 * pg-boss executor bound to a drizzle transaction, so a job is enqueued only if the
 * transaction commits (and, on PGlite, without waiting on the connection the transaction holds).
 */
export function txExecutor(db: Db) {
  return {
    async executeSql(text: string, values: unknown[] = []) {
      const parts = text.split(/\$(\d+)/);
      const query = sql.join(parts.map((part, i) => (i % 2 === 1 ? sql.param(toParam(values[Number(part) - 1])) : sql.raw(part))));
      const result: any = await db.execute(query);
      return { rows: result.rows ?? result };
    },
  };
}

/** pg-boss relies on node-postgres conventions: undefined is NULL and objects travel as JSON. */
function toParam(value: unknown): unknown {
  if (value === undefined) return null;
  if (value !== null && typeof value === 'object' && !(value instanceof Date) && !Buffer.isBuffer(value)) return JSON.stringify(value);
  return value;
}

/*
 * pg-boss workers poll; a job enqueued by this process need not wait for the next poll. Workers
 * started with wakeableWork are woken (pg-boss's notifyWorker) when a transaction of this process
 * commits jobs of their queue — mail accepted over SMTP is parsed at once, a reply sent at once.
 * Other processes' workers still find the job at their next poll: nothing depends on the wake-up.
 */
const localWorkers = new WeakMap<PgBoss, Map<string, string[]>>();

/** boss.work, and remembered so that committing a job of this queue wakes the worker. */
export async function wakeableWork<T extends object>(boss: PgBoss, queue: string, options: PgBoss.WorkOptions, handler: PgBoss.WorkHandler<T>): Promise<string> {
  let id = '';
  id = await boss.work<T>(queue, options, async (jobs) => {
    const result = await handler(jobs);
    // A full batch means more may be waiting: pg-boss would sleep out its polling interval before
    // looking again (capping a busy queue at a batch per interval); it looks again at once instead.
    if (id && jobs.length >= (options.batchSize ?? 1)) boss.notifyWorker(id);
    return result;
  });
  return rememberWorker(boss, queue, id);
}

/** Remembers a worker started with boss.work (e.g. with includeMetadata) so commits wake it. */
export function rememberWorker(boss: PgBoss, queue: string, id: string): string {
  let byQueue = localWorkers.get(boss);
  if (!byQueue) localWorkers.set(boss, (byQueue = new Map()));
  byQueue.set(queue, [...(byQueue.get(queue) ?? []), id]);
  return id;
}

/** Wakes this process's workers of the queues just committed to. */
export function wakeWorkers(boss: PgBoss | null, jobs: PgBoss.JobInsert[]): void {
  const byQueue = boss && localWorkers.get(boss);
  if (!byQueue) return;
  for (const queue of new Set(jobs.filter((j) => !j.startAfter).map((j) => j.name))) for (const id of byQueue.get(queue) ?? []) boss.notifyWorker(id);
}
