/**
 * "The server restarting mid-delivery loses nothing that got a 250" (issue #12): a real server
 * process takes mail over SMTP and is SIGKILLed (a crash: nothing flushed) while clients are in
 * the middle of DATA. Every mail that got a 250 is in the database after the restart, once; the
 * clients cut off got no 250 (their MTA would retry), and a retry is stored once.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import nodemailer from 'nodemailer';
import { afterAll, describe, expect, it } from 'vitest';
import type { Database } from '../../server/db/client.ts';
import { SYSTEM, transact } from '../../server/domain/context.ts';
import { inboxCreator } from '../../server/domain/directory/inboxes.ts';
import { blobPath } from '../../server/domain/files/blobStore.ts';
import { loadEnv } from '../../server/env.ts';
import { offlineServices, prepareDatabase } from '../../server/main.ts';
import { freePort } from '../faults/backends.ts';
import { createTestDatabase, DB_KINDS, type TestDatabase } from '../helpers/db.ts';
import { startServerProcess, type ServerProcess } from '../helpers/server.ts';
import { RawSmtp } from './smtpClient.ts';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const SECRET_KEY = 'test-secret-key-0123456789';
const mail = (i: number, filler = 0) =>
  Buffer.from(`From: c${i}@example.com\r\nTo: help@desk.test\r\nSubject: restart ${i}\r\nMessage-ID: <r${i}.${Date.now()}@example.com>\r\n\r\n提币未到账 ${i}\r\n${('z'.repeat(98) + '\r\n').repeat(filler)}`);

describe.each(DB_KINDS)('SMTP across a crash of the server on %s', (kind) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sb-smtp-crash-'));
  let pg: TestDatabase | null = null;
  let server: ServerProcess | null = null;
  afterAll(async () => {
    await server?.kill('SIGKILL');
    await pg?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** The database the server uses, opened by the test (PGlite: only while no server runs). */
  async function open(): Promise<Database> {
    if (pg) return pg.database;
    return (await prepareDatabase(loadEnv({ DATA_DIR: dataDir, SEED_DEMO: '0', SECRET_KEY }))).database;
  }
  const release = async (db: Database) => void (pg ? undefined : await db.close());

  it('every mail that got a 250 is stored once after the restart; none cut off mid-DATA got one', { timeout: 240_000 }, async () => {
    if (kind === 'postgres') pg = await createTestDatabase('postgres');
    const setup = await open();
    const env = loadEnv({ DATA_DIR: dataDir, SEED_DEMO: '0', SECRET_KEY });
    const inbox = await transact(offlineServices(env, setup), SYSTEM, (ctx) => inboxCreator(ctx, { kind: 'email', name: 'Help', enabled: true, settings: { address: 'help@desk.test' } }));
    await release(setup);

    const smtpPort = await freePort();
    const serverEnv = { DATA_DIR: dataDir, SMTP_PORT: String(smtpPort), SEED_DEMO: '0', SECRET_KEY, DATABASE_URL: pg?.url ?? '' };
    server = await startServerProcess(serverEnv);
    expect(server.output()).toContain(`SMTP listener on port ${smtpPort}`);

    const transport = () => nodemailer.createTransport({ host: '127.0.0.1', port: smtpPort, secure: false, ignoreTLS: true });
    const acked: Buffer[] = [];
    for (let i = 0; i < 5; i++) {
      const raw = mail(i);
      const res = await transport().sendMail({ envelope: { from: 'c@example.com', to: 'help@desk.test' }, raw });
      expect(res.response).toMatch(/^250 /);
      acked.push(raw);
    }

    // One client stopped in the middle of DATA, and a few larger mails in flight, when the process dies.
    const { client } = await RawSmtp.open(smtpPort);
    await client.command('EHLO client.example.com');
    await client.command('MAIL FROM:<cut@example.com>');
    expect(await client.command('RCPT TO:<help@desk.test>')).toMatch(/^250 /);
    expect(await client.command('DATA')).toMatch(/^354 /);
    const cut = mail(99);
    client.write(cut.subarray(0, 40));
    const inFlight = Array.from({ length: 6 }, (_, k) => {
      const raw = mail(100 + k, 4000);
      return transport()
        .sendMail({ envelope: { from: 'c@example.com', to: 'help@desk.test' }, raw })
        .then((res) => ({ raw, ok: /^250 /.test(res.response) }), () => ({ raw, ok: false }));
    });
    await new Promise((r) => setTimeout(r, 150));
    await server.kill('SIGKILL');
    expect(await client.reply()).toBe('CLOSED');
    const flights = await Promise.all(inFlight);
    for (const f of flights) if (f.ok) acked.push(f.raw);

    // Restarted on the same data: everything acknowledged is there, once, with its bytes.
    server = await startServerProcess(serverEnv);
    const retry = await transport().sendMail({ envelope: { from: 'c@example.com', to: 'help@desk.test' }, raw: acked[0]! });
    expect(retry.response).toMatch(/^250 /);
    await server.stop();
    server = null;

    const db = await open();
    try {
      const result: any = await db.db.execute(sql`select dedupe_key, blob_sha256 from inbound_deliveries where inbox_id = ${inbox.id}`);
      const rows = (result.rows ?? result) as { dedupe_key: string; blob_sha256: string }[];
      const keys = rows.map((r) => r.dedupe_key);
      expect(new Set(keys).size).toBe(keys.length);
      for (const raw of acked) {
        expect(keys).toContain(sha(raw));
        expect(readFileSync(blobPath(dataDir, sha(raw))).equals(raw)).toBe(true);
      }
      expect(keys).not.toContain(sha(cut));
      // Whatever else is stored was complete (a mail can commit just before the crash and lose only its 250).
      for (const row of rows) expect(sha(readFileSync(blobPath(dataDir, row.blob_sha256)))).toBe(row.blob_sha256);
    } finally {
      await release(db);
    }
  });
});
