import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq, sql } from 'drizzle-orm';
import { ImapFlow } from 'imapflow';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { inboundDeliveries, mailboxCursors } from '../db/schema.ts';
import { blobPath } from '../domain/files/blobStore.ts';
import { eventually } from '../../test/helpers/app.ts';
import { DB_KINDS } from '../../test/helpers/db.ts';
import { freePort } from '../../test/faults/backends.ts';
import { createInboundWorld, deliveriesOf, inboundJobsFor, makeEmailInbox, updateInbox, type InboundWorld } from '../../test/channels/inboundHelpers.ts';
import { type ImapPollers, startImapPollers } from './imapPoller.ts';

/** A real Dovecot on loopback (see ../shared/tools/imap-test-server); skipped here when it cannot start, a failure under CI. */
const TOOL = join(import.meta.dirname, '..', '..', '..', 'shared', 'tools', 'imap-test-server');
// Each database kind gets mailboxes of its own (the same Dovecot serves both).
const USERS = DB_KINDS.flatMap((kind) => ['first', 'restart', 'pair', 'wrong', 'reset', 'crash'].map((u) => `${kind}${u}:pw-${kind}${u}-secret`));
const imapDir = mkdtempSync(join(tmpdir(), 'sb-dovecot-'));
const imapPort = await freePort();
let imapUp = false;
try {
  // Output to a file: the daemon keeps whatever it inherits open, and a pipe would never end.
  const log = openSync(join(imapDir, 'start.log'), 'w');
  execFileSync(TOOL, ['start', imapDir, String(imapPort), ...USERS], { stdio: ['ignore', log, log], timeout: 120_000 });
  closeSync(log);
  imapUp = true;
} catch (err) {
  if (process.env.CI === 'true') throw new Error(`CI=true but the IMAP test server did not start: ${(err as Error).message}`);
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
let n = 0;
const mail = (tag: string) => Buffer.from(`From: c@example.com\r\nTo: help@desk.test\r\nSubject: ${tag} ${++n}\r\nMessage-ID: <${tag}.${n}.${Date.now()}@example.com>\r\n\r\n提币未到账 ${tag} ${n}\r\n`);

async function append(user: string, raws: Buffer[]) {
  const client = new ImapFlow({ host: '127.0.0.1', port: imapPort, secure: false, auth: { user, pass: `pw-${user}-secret` }, logger: false });
  client.on('error', () => {});
  await client.connect();
  for (const raw of raws) await client.append('INBOX', raw);
  await client.logout();
}

const imapSettings = (user: string, password = `pw-${user}-secret`) => ({
  address: `${user}@desk.test`,
  // pollSeconds is long: mail that arrives while a poller runs is seen through IDLE.
  imap: { host: '127.0.0.1', port: imapPort, secure: false, user, password, pollSeconds: 3600 },
});

const FAST = { leaseMs: 3_000, backoffMs: 200, maxBackoffMs: 1_000, idleDelayMs: 200 };

describe.skipIf(!imapUp).each(DB_KINDS)('IMAP poller on %s', (kind) => {
  let w: InboundWorld;
  const running: ImapPollers[] = [];
  const errors: unknown[] = [];
  const start = (owner: string) => {
    const p = startImapPollers(w.services, (e) => errors.push(e), { owner, ...FAST });
    running.push(p);
    return p;
  };
  const imapRows = async (inboxId: string) => (await deliveriesOf(w.services, inboxId)).filter((r) => r.source === 'imap');
  const cursorOf = async (inboxId: string) => (await w.services.database.db.select().from(mailboxCursors).where(eq(mailboxCursors.inboxId, inboxId)))[0];

  beforeAll(async () => {
    w = await createInboundWorld(kind);
  });
  // Each test's pollers end with it (a poller polls every enabled inbox it finds).
  afterEach(async () => {
    await Promise.all(running.splice(0).map((p) => p.stop()));
  });
  afterAll(() => w.close());

  it('stores messages appended before it started once each, with their bytes and a job, and sees new ones through IDLE', async () => {
    const before = [mail('first'), mail('first'), mail('first')];
    await append(`${kind}first`, before);
    const inbox = await makeEmailInbox(w.services, imapSettings(`${kind}first`));
    const pollers = start(`${kind}-a`);
    const rows = await eventually(async () => ((await imapRows(inbox.id)).length >= 3 ? imapRows(inbox.id) : null));
    expect(rows).toHaveLength(3);
    const cursor = (await cursorOf(inbox.id))!;
    expect(rows.map((r) => r.dedupe_key).sort()).toEqual([1, 2, 3].map((uid) => `imap:${cursor.uidValidity}:${uid}`));
    for (const raw of before) {
      const row = rows.find((r) => r.blob_sha256 === sha(raw))!;
      expect(readFileSync(blobPath(w.dataDir, sha(raw))).equals(raw)).toBe(true);
      expect(await inboundJobsFor(w.services, row.id)).toBe(1);
    }
    expect(cursor).toMatchObject({ lastUid: 3, leaseOwner: `${kind}-a`, lastError: null });

    await append(`${kind}first`, [mail('first')]);
    await eventually(async () => (await imapRows(inbox.id)).length === 4, 10_000);
    await pollers.stop();
    await updateInbox(w.services, inbox.id, { enabled: false });
    // Stopping gives the lease up.
    expect((await cursorOf(inbox.id))!.leaseOwner).toBeNull();
  });

  it('a restart neither skips nor duplicates mail appended while it was stopped', async () => {
    await append(`${kind}restart`, [mail('restart'), mail('restart')]);
    const inbox = await makeEmailInbox(w.services, imapSettings(`${kind}restart`));
    const first = start(`${kind}-b1`);
    await eventually(async () => (await imapRows(inbox.id)).length === 2);
    await first.stop();
    const whileStopped = [mail('restart'), mail('restart'), mail('restart')];
    await append(`${kind}restart`, whileStopped);
    start(`${kind}-b2`);
    await eventually(async () => (await imapRows(inbox.id)).length >= 5);
    await new Promise((r) => setTimeout(r, 1_000));
    const rows = await imapRows(inbox.id);
    expect(rows).toHaveLength(5);
    expect(new Set(rows.map((r) => r.dedupe_key)).size).toBe(5);
    for (const raw of whileStopped) expect(rows.some((r) => r.blob_sha256 === sha(raw))).toBe(true);
    expect((await cursorOf(inbox.id))!.lastUid).toBe(5);
    await updateInbox(w.services, inbox.id, { enabled: false });
  });

  it('two pollers (two processes) on one inbox store each message once; one holds the lease', async () => {
    const inbox = await makeEmailInbox(w.services, imapSettings(`${kind}pair`));
    start(`${kind}-c1`);
    start(`${kind}-c2`);
    const raws = Array.from({ length: 6 }, () => mail('pair'));
    await append(`${kind}pair`, raws.slice(0, 3));
    await eventually(async () => (await imapRows(inbox.id)).length >= 3);
    await append(`${kind}pair`, raws.slice(3));
    await eventually(async () => (await imapRows(inbox.id)).length >= 6);
    await new Promise((r) => setTimeout(r, 1_500));
    const rows = await imapRows(inbox.id);
    expect(rows).toHaveLength(6);
    expect(new Set(rows.map((r) => r.blob_sha256))).toEqual(new Set(raws.map(sha)));
    expect([`${kind}-c1`, `${kind}-c2`]).toContain((await cursorOf(inbox.id))!.leaseOwner);
    await updateInbox(w.services, inbox.id, { enabled: false });
  });

  it('a lease left by a process that died is taken over once it expires, and nothing is stored twice', async () => {
    await append(`${kind}crash`, [mail('crash')]);
    const inbox = await makeEmailInbox(w.services, imapSettings(`${kind}crash`));
    // A process that held the lease crashed: its lease runs on for two more seconds.
    await w.services.database.db.insert(mailboxCursors).values({ inboxId: inbox.id, leaseOwner: 'dead-process', leaseUntil: new Date(Date.now() + 2_000) });
    start(`${kind}-f`);
    await new Promise((r) => setTimeout(r, 1_000));
    expect(await imapRows(inbox.id)).toHaveLength(0);
    await eventually(async () => (await imapRows(inbox.id)).length === 1);
    expect((await cursorOf(inbox.id))!.leaseOwner).toBe(`${kind}-f`);
    await updateInbox(w.services, inbox.id, { enabled: false });
  });

  it('a wrong password is recorded (without the password) and retried; the corrected account then works', async () => {
    await append(`${kind}wrong`, [mail('wrong')]);
    const inbox = await makeEmailInbox(w.services, imapSettings(`${kind}wrong`, 'not-the-password-42'));
    start(`${kind}-d`);
    const cursor = await eventually(async () => ((await cursorOf(inbox.id))?.lastError ? cursorOf(inbox.id) : null));
    expect(cursor!.lastError).toMatch(/Login failed|Authentication failed/i);
    expect(cursor!.lastError).not.toContain('not-the-password-42');
    expect(await imapRows(inbox.id)).toHaveLength(0);
    // The admin corrects the password: the poller follows the inbox update.
    await updateInbox(w.services, inbox.id, { settings: imapSettings(`${kind}wrong`) });
    await eventually(async () => (await imapRows(inbox.id)).length === 1);
    await eventually(async () => (await cursorOf(inbox.id))!.lastError === null);
    await updateInbox(w.services, inbox.id, { enabled: false });
  });

  it('a changed UIDVALIDITY starts again from the first UID without storing anything twice', async () => {
    const raws = [mail('reset'), mail('reset')];
    await append(`${kind}reset`, raws);
    const inbox = await makeEmailInbox(w.services, imapSettings(`${kind}reset`));
    const pollers = start(`${kind}-e`);
    await eventually(async () => (await imapRows(inbox.id)).length === 2);
    await pollers.stop();
    // As if the mailbox had been recreated: what was stored came under UIDVALIDITY 1, the server now says another.
    const real = (await cursorOf(inbox.id))!.uidValidity;
    await w.services.database.db.update(mailboxCursors).set({ uidValidity: 1 }).where(eq(mailboxCursors.inboxId, inbox.id));
    await w.services.database.db
      .update(inboundDeliveries)
      .set({ dedupeKey: sql`replace(${inboundDeliveries.dedupeKey}, ${`imap:${real}:`}, 'imap:1:')` })
      .where(eq(inboundDeliveries.inboxId, inbox.id));
    const added = mail('reset');
    await append(`${kind}reset`, [added]);
    start(`${kind}-e2`);
    await eventually(async () => (await imapRows(inbox.id)).length >= 3);
    await eventually(async () => (await cursorOf(inbox.id))!.lastUid === 3);
    const rows = await imapRows(inbox.id);
    expect(rows).toHaveLength(3);
    expect(rows.some((r) => r.blob_sha256 === sha(added))).toBe(true);
    expect((await cursorOf(inbox.id))!.uidValidity).not.toBe(1);
    await updateInbox(w.services, inbox.id, { enabled: false });
  });
});

afterAll(() => {
  if (imapUp) execFileSync(TOOL, ['stop', imapDir], { stdio: 'ignore' });
  rmSync(imapDir, { recursive: true, force: true });
});
