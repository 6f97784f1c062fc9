import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq, sql } from 'drizzle-orm';
import { emailAdapter } from '../../server/channels/email/adapter.ts';
import type { ChannelAdapter, InboundMessage } from '../../server/channels/types.ts';
import { contacts, conversations, events, inboundDeliveries, inboxes } from '../../server/db/schema.ts';
import { hashPassword } from '../../server/domain/auth/secrets.ts';
import { blobPath } from '../../server/domain/files/blobStore.ts';
import { QUEUES } from '../../server/jobs/boss.ts';
import { DB_KINDS } from '../helpers/db.ts';
import { createTestApp, eventually, loginAgent, loginContact, makeAgent, makeTeam, PASSWORD, type Session, type TestApp } from '../helpers/app.ts';
import { API, expectError, tempDataDir } from './helpers.ts';

const OUR = 'help@desk.test';

/**
 * A stand-in for the parse slice's parser (not merged yet): reads Message-ID, From and Subject
 * from plain headers, and fails on a mail without a Message-ID, as an unreadable mail would.
 */
const stubParse: NonNullable<ChannelAdapter['parse']> = async (input) => {
  if (input.source === 'webhook') return [];
  const text = input.raw.toString('utf8');
  const header = (name: string) => new RegExp(`^${name}:\\s*(.*)$`, 'im').exec(text)?.[1]?.trim();
  const id = header('Message-ID')?.replace(/^<|>$/g, '');
  if (!id) throw new Error('no Message-ID: not a mail');
  const from = header('From')!.toLowerCase();
  // A parser bug stand-in: a message the receiver cannot place.
  if (id.startsWith('broken')) return [{ externalId: id, from: { externalId: from, email: from }, to: [], cc: [], text: '', attachments: [], autoSubmitted: false, headers: {} } as unknown as InboundMessage];
  const message: InboundMessage = {
    externalId: id,
    from: { externalId: from, email: from },
    to: [{ externalId: OUR, email: OUR }],
    cc: (header('Cc') ?? '').split(',').filter(Boolean).map((a) => ({ externalId: a.trim(), email: a.trim(), name: 'Copied' })),
    subject: header('Subject'),
    text: text.split(/\r?\n\r?\n/).slice(1).join('\n\n'),
    attachments: [],
    thread: { inReplyTo: [], references: [] },
    autoSubmitted: false,
    headers: {},
  };
  return [message];
};

describe.each(DB_KINDS)('inbound mail through the job, the raw download and participants, on %s', (kind) => {
  let t: TestApp;
  let dataDir: string;
  let inbox: typeof inboxes.$inferSelect;
  let admin: Session;
  const original = emailAdapter.parse;
  const db = () => t.services.database.db;

  /** Stores raw bytes as the inbound slice's storer would (blob + delivery row) and enqueues the job. */
  async function deliver(raw: string) {
    const bytes = Buffer.from(raw.replace(/\n/g, '\r\n'));
    const sha = createHash('sha256').update(bytes).digest('hex');
    const path = blobPath(dataDir, sha);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, bytes);
    const [delivery] = await db().insert(inboundDeliveries).values({ inboxId: inbox.id, source: 'smtp', dedupeKey: sha, blobSha256: sha, size: bytes.length }).returning();
    await t.services.boss!.send(QUEUES.inboundProcess, { deliveryId: delivery!.id });
    const done = await eventually(async () => (await db().select().from(inboundDeliveries).where(and(eq(inboundDeliveries.id, delivery!.id), eq(inboundDeliveries.status, 'processed'))))[0]);
    return { delivery: done, bytes };
  }

  beforeAll(async () => {
    dataDir = tempDataDir();
    t = await createTestApp(kind, { DATA_DIR: dataDir, PUBLIC_URL: 'https://desk.test' }, { jobs: true });
    emailAdapter.parse = stubParse;
    [inbox] = (await db().insert(inboxes).values({ kind: 'email', name: 'Help', settings: { address: OUR } }).returning()) as [typeof inboxes.$inferSelect];
    admin = await loginAgent(t, (await makeAgent(t, { role: 'admin' })).email);
  });
  afterAll(async () => {
    emailAdapter.parse = original;
    await t.close();
  });

  /** The pg-boss job of a delivery. */
  async function jobIdOf(deliveryId: string): Promise<string | null> {
    const res = (await db().execute(sql`select id::text as id from pgboss.job where name = ${QUEUES.inboundProcess} and data->>'deliveryId' = ${deliveryId} limit 1`)) as unknown as { rows: { id: string }[] };
    return res.rows[0]?.id ?? null;
  }

  let raw: { conversationId: string; messageId: string; bytes: Buffer; deliveryId: string };

  it('parses a stored delivery in the job, places it, and records the outcome on the delivery', async () => {
    const { delivery, bytes } = await deliver(`Message-ID: <job-1@mail.example.com>\nFrom: Ivan@Example.com\nCc: judy@example.com\nSubject: Deposit missing\n\nMy deposit of 3 ETH is missing.\n`);
    expect(delivery).toMatchObject({ status: 'processed', outcome: 'created', error: null, conversationId: expect.any(String), messageId: expect.any(String) });
    expect(delivery.processedAt).toBeInstanceOf(Date);
    const res = await admin.request('GET', `${API}/conversations/${delivery.conversationId}/messages`);
    expect(res.json().items).toMatchObject([{ id: delivery.messageId, body: 'My deposit of 3 ETH is missing.\r\n', email: { messageId: 'job-1@mail.example.com', hasRaw: true } }]);
    raw = { conversationId: delivery.conversationId!, messageId: delivery.messageId!, bytes, deliveryId: delivery.id };

    // The same mail again (another delivery, e.g. an IMAP copy) is a duplicate of it.
    const again = await deliver(`Message-ID: <job-1@mail.example.com>\nFrom: ivan@example.com\nSubject: Deposit missing\n\nMy deposit of 3 ETH is missing.\n\n`);
    expect(again.delivery).toMatchObject({ outcome: 'duplicate', conversationId: raw.conversationId, messageId: raw.messageId });
  });

  it('keeps a mail that cannot be parsed as unparseable, with the reason', async () => {
    const { delivery } = await deliver('this is not a mail at all\n');
    expect(delivery).toMatchObject({ status: 'processed', outcome: 'unparseable', conversationId: null, messageId: null });
    expect(delivery.error).toContain('no Message-ID');
    expect(delivery.blobSha256).toBeTruthy();
  });

  it('marks a delivery failed with the error when placing it fails, for pg-boss to retry', async () => {
    const bytes = Buffer.from('Message-ID: <broken-1@mail.example.com>\r\nFrom: broken@example.com\r\nSubject: x\r\n\r\ntext\r\n');
    const sha = createHash('sha256').update(bytes).digest('hex');
    mkdirSync(dirname(blobPath(dataDir, sha)), { recursive: true });
    writeFileSync(blobPath(dataDir, sha), bytes);
    const [delivery] = await db().insert(inboundDeliveries).values({ inboxId: inbox.id, source: 'smtp', dedupeKey: sha, blobSha256: sha, size: bytes.length }).returning();
    await t.services.boss!.send(QUEUES.inboundProcess, { deliveryId: delivery!.id });
    const failed = await eventually(async () => (await db().select().from(inboundDeliveries).where(and(eq(inboundDeliveries.id, delivery!.id), eq(inboundDeliveries.status, 'failed'))))[0]);
    expect(failed.error).toBeTruthy();
    expect(failed.outcome).toBeNull();
    // pg-boss has the job failed with the reason, to retry it with backoff.
    const job = await eventually(async () => {
      const found = await t.services.boss!.getJobById(QUEUES.inboundProcess, (await jobIdOf(delivery!.id))!);
      return found && found.retryCount >= 0 && found.output ? found : null;
    });
    expect(JSON.stringify(job.output)).toContain(`inbound delivery ${delivery!.id}`);
    // Nothing half-written: the flood counter of the sender went back with the rest.
    const counted = (await db().execute(sql`select count(*)::int as n from mail_send_counters where key = 'inbound:broken@example.com'`)) as unknown as { rows: { n: number }[] };
    expect(counted.rows[0]!.n).toBe(0);
  });

  it('lets staff who can see the conversation download the original, exactly as received, and records it', async () => {
    const res = await admin.request('GET', `${API}/conversations/${raw.conversationId}/messages/${raw.messageId}/raw`);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-type']).toBe('message/rfc822');
    expect(res.headers['content-disposition']).toMatch(/^attachment; filename="message-1\.eml"$/);
    expect(res.rawPayload.equals(raw.bytes)).toBe(true);
    const [audit] = await db().select().from(events).where(and(eq(events.type, 'messages.raw_download'), eq(events.subjectId, raw.messageId)));
    expect(audit).toMatchObject({ actorType: 'agent', conversationId: raw.conversationId, data: { deliveryId: raw.deliveryId } });
  });

  it('hides the original from the customer and from an agent of another team (404)', async () => {
    const [ivan] = await db().update(contacts).set({ passwordHash: await hashPassword(PASSWORD) }).where(eq(contacts.email, 'ivan@example.com')).returning();
    expect(ivan).toBeTruthy();
    const customer = await loginContact(t, 'ivan@example.com');
    // The customer sees their ticket, but not the raw mail or the participants.
    expect((await customer.request('GET', `${API}/conversations/${raw.conversationId}`)).statusCode).toBe(200);
    expectError(await customer.request('GET', `${API}/conversations/${raw.conversationId}/messages/${raw.messageId}/raw`), 404, 'not_found');
    expectError(await customer.request('GET', `${API}/conversations/${raw.conversationId}/participants`), 404, 'not_found');

    const [teamA, teamB] = [await makeTeam(t), await makeTeam(t)];
    await db().update(conversations).set({ teamId: teamA.id }).where(eq(conversations.id, raw.conversationId));
    const other = await loginAgent(t, (await makeAgent(t, { teamIds: [teamB.id] })).email);
    expectError(await other.request('GET', `${API}/conversations/${raw.conversationId}/messages/${raw.messageId}/raw`), 404, 'not_found');
    expectError(await other.request('GET', `${API}/conversations/${raw.conversationId}/participants`), 404, 'not_found');
    const member = await loginAgent(t, (await makeAgent(t, { teamIds: [teamA.id] })).email);
    expect((await member.request('GET', `${API}/conversations/${raw.conversationId}/messages/${raw.messageId}/raw`)).statusCode).toBe(200);
    // A message id of another conversation is not found through this one.
    expectError(await admin.request('GET', `${API}/conversations/${raw.conversationId}/messages/00000000-0000-4000-8000-000000000000/raw`), 404, 'not_found');
  });

  it('lists the participants for staff', async () => {
    const res = await admin.request('GET', `${API}/conversations/${raw.conversationId}/participants`);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().items).toEqual([{ email: 'judy@example.com', name: 'Copied', role: 'cc', createdAt: expect.any(String) }]);
  });

  it('lets an admin choose what a reply to a closed ticket does', async () => {
    expect((await admin.request('GET', `${API}/settings`)).json()).toMatchObject({ emailClosedReply: 'reopen' });
    const res = await admin.request('PATCH', `${API}/settings`, { emailClosedReply: 'followup' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ emailClosedReply: 'followup' });
    expectError(await admin.request('PATCH', `${API}/settings`, { emailClosedReply: 'ignore' }), 400, 'validation_failed');
    await admin.request('PATCH', `${API}/settings`, { emailClosedReply: 'reopen' });
  });
});
