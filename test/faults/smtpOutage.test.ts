/**
 * Fault suite: the SMTP listener while its PostgreSQL server is really stopped. Every delivery
 * then gets 451 (the sending server retries later) — never a 250 for mail that is not stored —
 * and once PostgreSQL is back the retry is stored, once.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import nodemailer from 'nodemailer';
import type PgBoss from 'pg-boss';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SmtpListener, startSmtpListener } from '../../server/channels/email/smtpListener.ts';
import { type Database, migrateDatabase, openDatabase } from '../../server/db/client.ts';
import { type Services, SYSTEM, transact } from '../../server/domain/context.ts';
import { inboxCreator } from '../../server/domain/directory/inboxes.ts';
import { loadEnv } from '../../server/env.ts';
import { startBoss } from '../../server/jobs/boss.ts';
import { createLocalBus } from '../../server/realtime/bus.ts';
import { type Backend, requireBinaries, startPostgres } from './backends.ts';

const runnable = requireBinaries();
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe.skipIf(!runnable)('SMTP listener while PostgreSQL is down', () => {
  let postgres: Backend;
  let database: Database;
  let boss: PgBoss;
  let services: Services;
  let smtp: SmtpListener;
  let inboxId: string;
  const dataDir = mkdtempSync(join(tmpdir(), 'sb-smtp-outage-'));

  beforeAll(async () => {
    postgres = await startPostgres();
    database = await openDatabase({ databaseUrl: postgres.url, poolSize: 4 });
    await migrateDatabase(database);
    boss = await startBoss(database, postgres.url, () => {});
    const env = loadEnv({ DATA_DIR: dataDir, SECRET_KEY: 'test-secret-key-0123456789', SEED_DEMO: '0', LOG_LEVEL: 'silent' });
    services = { env, database, bus: createLocalBus(), boss, clock: () => new Date() };
    inboxId = (await transact(services, SYSTEM, (ctx) => inboxCreator(ctx, { kind: 'email', name: 'Help', enabled: true, settings: { address: 'help@desk.test' } }))).id;
    smtp = await startSmtpListener(services, { port: 0, host: '127.0.0.1', onError: () => {} });
  });
  afterAll(async () => {
    await smtp?.close();
    await boss?.stop({ graceful: false, wait: true, timeout: 2_000 }).catch(() => {});
    await database?.close();
    await postgres?.destroy();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const send = (raw: Buffer) =>
    nodemailer
      .createTransport({ host: '127.0.0.1', port: smtp.port, secure: false, ignoreTLS: true })
      .sendMail({ envelope: { from: 'c@example.com', to: 'help@desk.test' }, raw })
      .then((r) => r.response, (e: { responseCode?: number; response?: string }) => `${e.responseCode} ${e.response}`);
  const stored = async (raw: Buffer) => {
    const result: any = await database.db.execute(sql`select count(*)::int as n from inbound_deliveries where inbox_id = ${inboxId} and dedupe_key = ${sha(raw)}`);
    return (result.rows ?? result)[0].n as number;
  };

  it('answers 451 while PostgreSQL is stopped (address book in memory or not), and stores the retry once when it is back', async () => {
    const warm = Buffer.from('Subject: before\r\n\r\nbefore the outage\r\n');
    expect(await send(warm)).toMatch(/^250 /);

    await postgres.stop();
    const during = Buffer.from('Subject: during\r\n\r\n提币未到账 during the outage\r\n');
    // The address book is still in memory: RCPT passes, the store fails.
    expect(await send(during)).toMatch(/^451 /);
    // With the address book gone too, RCPT itself cannot decide: 451 as well, never 550 or 250.
    await services.bus.publish({ id: 0, type: 'inboxes.update', actorType: 'system', actorId: null, subjectType: 'inbox', subjectId: inboxId, conversationId: null, data: {}, createdAt: new Date().toISOString() });
    await new Promise((r) => setTimeout(r, 50));
    expect(await send(during)).toMatch(/^451 /);

    await postgres.start();
    let answer = '';
    for (let i = 0; i < 30 && !/^250 /.test(answer); i++) {
      answer = await send(during);
      if (!/^250 /.test(answer)) await new Promise((r) => setTimeout(r, 500));
    }
    expect(answer).toMatch(/^250 /);
    expect(await send(during)).toMatch(/^250 /);
    expect(await stored(during)).toBe(1);
    expect(await stored(warm)).toBe(1);
  });
});
