import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type PgBoss from 'pg-boss';
import { startBoss } from '../../server/jobs/boss.ts';
import { enqueue, SYSTEM, transact, type Services } from '../../server/domain/context.ts';
import { createLocalBus } from '../../server/realtime/bus.ts';
import { loadEnv } from '../../server/env.ts';
import { createTestDatabase, DB_KINDS, type TestDatabase } from '../helpers/db.ts';

const QUEUE = 'test.jobs';

describe.each(DB_KINDS)('durable jobs (pg-boss) on %s', (kind) => {
  let db: TestDatabase;
  let boss: PgBoss;
  let services: Services;
  const received: string[] = [];

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    boss = await startBoss(db.database, db.url, () => {});
    await boss.createQueue(QUEUE);
    await boss.work<{ tag: string }>(QUEUE, { pollingIntervalSeconds: 0.5 }, async (jobs) => {
      for (const job of jobs) received.push(job.data.tag);
    });
    services = { env: loadEnv({ SEED_DEMO: '0' }), database: db.database, bus: createLocalBus(), boss, clock: () => new Date() };
  });
  afterAll(async () => {
    await boss.stop({ graceful: false, wait: true, timeout: 2_000 });
    await db.drop();
  });

  it('runs a job enqueued in a committed transaction, and never one from a rolled-back transaction', async () => {
    await expect(
      transact(services, SYSTEM, async (ctx) => {
        await enqueue(ctx, QUEUE, { tag: 'rolled-back' });
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    await transact(services, SYSTEM, (ctx) => enqueue(ctx, QUEUE, { tag: 'committed' }));
    const until = Date.now() + 15_000;
    while (!received.includes('committed') && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
    expect(received).toEqual(['committed']);
  });
});
