import { eq } from 'drizzle-orm';
import type PgBoss from 'pg-boss';
import { events } from '../db/schema.ts';
import { type Ctx, type Services, SYSTEM, transact } from '../domain/context.ts';
import { agentNotifier } from '../domain/notifications/agentNotifier.ts';
import { customerNotifier } from '../domain/notifications/customerNotifier.ts';
import type { DomainEvent } from '../realtime/bus.ts';
import { DURABLE_EVENTS, QUEUES, wakeableWork } from './boss.ts';

type Processor = (ctx: Ctx, event: DomainEvent) => Promise<void>;

/** Who reacts to which committed event. Each processor is idempotent: a retried job repeats nothing. */
const PROCESSORS: Record<string, Processor[]> = {
  'messages.create': [customerNotifier, agentNotifier],
  'conversations.update': [customerNotifier],
  'conversations.assign': [agentNotifier],
  'conversations.sla_breach': [agentNotifier],
};

for (const type of Object.keys(PROCESSORS)) {
  if (!DURABLE_EVENTS[type]) throw new Error(`${type} has processors but is not in DURABLE_EVENTS`);
}

/** Runs the processors of one event, each in its own transaction as the system. */
export async function processEvent(services: Services, eventId: number): Promise<void> {
  const [row] = await services.database.db.select().from(events).where(eq(events.id, eventId));
  if (!row) return;
  const event: DomainEvent = { ...row, createdAt: row.createdAt.toISOString() };
  for (const processor of PROCESSORS[row.type] ?? []) {
    await transact(services, SYSTEM, (ctx) => processor(ctx, event));
  }
}

export async function startEventProcessor(services: Services, boss: PgBoss): Promise<void> {
  await wakeableWork<{ eventId: number }>(boss, QUEUES.events, { batchSize: 10, pollingIntervalSeconds: 0.5 }, async (jobs) => {
    for (const job of jobs) await processEvent(services, job.data.eventId);
  });
}
