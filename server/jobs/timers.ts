import type PgBoss from 'pg-boss';
import { type Services, SYSTEM, transact } from '../domain/context.ts';
import { autoCloser } from '../domain/conversations/autoCloser.ts';
import { slaChecker } from '../domain/sla/slaChecker.ts';
import type { SlaKind } from '../domain/sla/slaScheduler.ts';
import { QUEUES } from './boss.ts';

/** Workers for time-based jobs: SLA due times and auto-close of solved tickets. */
export async function startTimers(services: Services, boss: PgBoss): Promise<void> {
  await boss.work<{ conversationId: string; kind: SlaKind; dueAt: string }>(QUEUES.slaCheck, { batchSize: 10, pollingIntervalSeconds: 2 }, async (jobs) => {
    for (const job of jobs) {
      const result = await transact(services, SYSTEM, (ctx) => slaChecker(ctx, job.data));
      // pg-boss can start a job a little before its time; try again shortly.
      if (result === 'early') await boss.send(QUEUES.slaCheck, job.data, { startAfter: new Date(job.data.dueAt) });
    }
  });
  await boss.work<{ conversationId: string; solvedAt: string }>(QUEUES.autoClose, { batchSize: 10, pollingIntervalSeconds: 5 }, async (jobs) => {
    for (const job of jobs) await transact(services, SYSTEM, (ctx) => autoCloser(ctx, job.data));
  });
}
