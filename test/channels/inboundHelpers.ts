import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import type PgBoss from 'pg-boss';
import { type Services, SYSTEM, transact } from '../../server/domain/context.ts';
import { inboxCreator, inboxUpdater } from '../../server/domain/directory/inboxes.ts';
import { loadEnv } from '../../server/env.ts';
import { QUEUES, startBoss } from '../../server/jobs/boss.ts';
import { createLocalBus } from '../../server/realtime/bus.ts';
import { createTestDatabase, type DbKind, type TestDatabase } from '../helpers/db.ts';

/** Services on a fresh database with a real job queue and a blob folder of their own (inbound tests). */
export interface InboundWorld {
  services: Services;
  db: TestDatabase;
  dataDir: string;
  close(): Promise<void>;
}

export async function createInboundWorld(kind: DbKind, envOverrides: Record<string, string> = {}): Promise<InboundWorld> {
  const db = await createTestDatabase(kind);
  const dataDir = mkdtempSync(join(tmpdir(), 'sb-inbound-'));
  const env = loadEnv({ DATA_DIR: dataDir, SECRET_KEY: 'test-secret-key-0123456789', SEED_DEMO: '0', LOG_LEVEL: 'silent', ...envOverrides });
  const boss: PgBoss = await startBoss(db.database, db.url, () => {});
  const services: Services = { env, database: db.database, bus: createLocalBus(), boss, clock: () => new Date() };
  return {
    services,
    db,
    dataDir,
    async close() {
      await boss.stop({ graceful: false, wait: true, timeout: 2_000 }).catch(() => {});
      await db.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** An email inbox made as an admin makes it (settings sealed, `inboxes.create` published). */
export function makeEmailInbox(services: Services, settings: Record<string, unknown>, options: { enabled?: boolean; name?: string } = {}) {
  return transact(services, SYSTEM, (ctx) => inboxCreator(ctx, { kind: 'email', name: options.name ?? 'Support mail', settings, enabled: options.enabled ?? true } as never));
}

export function updateInbox(services: Services, id: string, patch: Record<string, unknown>) {
  return transact(services, SYSTEM, (ctx) => inboxUpdater(ctx, id, patch as never));
}

/** inbound.process jobs naming a delivery. */
export async function inboundJobsFor(services: Services, deliveryId: string): Promise<number> {
  const { rows } = await services.database.query(`select count(*)::int as n from pgboss.job where name = $1 and data->>'deliveryId' = $2`, [QUEUES.inboundProcess, deliveryId]);
  return rows[0].n;
}

export async function deliveriesOf(services: Services, inboxId: string) {
  const result: any = await services.database.db.execute(sql`select * from inbound_deliveries where inbox_id = ${inboxId} order by created_at, id`);
  return (result.rows ?? result) as Record<string, any>[];
}
