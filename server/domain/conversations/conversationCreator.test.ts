import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asc, eq, gt, sql } from 'drizzle-orm';
import { contactIdentities, contacts, conversations, events, inboxes, messages } from '../../db/schema.ts';
import { DB_KINDS } from '../../../test/helpers/db.ts';
import { bearer, createTestApp, loginAgent, makeAgent, makeContact, makeTeam, makeToken, type TestApp } from '../../../test/helpers/app.ts';
import { API, expectError, rowCounts } from '../../../test/api/helpers.ts';
import { type Actor, transact } from '../context.ts';
import { presentMessage } from '../../routes/api/present.ts';
import { conversationCreator } from './conversationCreator.ts';

const T0 = new Date('2026-11-24T02:00:00Z'); // Tuesday 10:00 in Shanghai

/**
 * conversationCreator writes a whole ticket in one statement: contact (when new), conversation,
 * first message, history and SLA checks. These pin down what that statement leaves behind.
 */
describe.each(DB_KINDS)('conversationCreator on %s', (kind) => {
  let t: TestApp;
  let token: ReturnType<typeof bearer>;
  let tokenId: string;

  beforeAll(async () => {
    t = await createTestApp(kind, {}, { jobs: true });
    const made = await makeToken(t, 'admin');
    tokenId = made.id;
    token = bearer(t, made.token);
  });
  afterAll(async () => t.close());

  const db = () => t.services.database.db;
  const lastEventId = async () => (await db().select({ n: sql<number>`coalesce(max(${events.id}), 0)::int` }).from(events))[0]!.n;
  const eventsSince = (id: number) => db().select().from(events).where(gt(events.id, id)).orderBy(asc(events.id));
  const rows = async <R>(query: ReturnType<typeof sql>) => {
    const res = await db().execute(query);
    return ((res as { rows?: R[] }).rows ?? (res as unknown as R[])) as R[];
  };

  it('creates a new contact with its email identity, the conversation and its first message, and records their events in order', async () => {
    const before = await lastEventId();
    const published = t.published.length;
    const res = await token('POST', `${API}/conversations`, {
      subject: '提币未到账 withdrawal pending',
      body: '我两个小时前提了 500 USDT,还没到账。',
      contact: { email: 'New.Person@Example.com', name: 'New Person' },
      fields: { coin: 'USDT', network: 'TRC20' },
      tags: ['withdrawal'],
      language: 'zh-CN',
    });
    expect(res.statusCode, res.body).toBe(201);
    const created = res.json();

    const [contact] = await db().select().from(contacts).where(eq(contacts.email, 'new.person@example.com'));
    expect(contact).toMatchObject({ name: 'New Person' });
    expect(await db().select().from(contactIdentities).where(eq(contactIdentities.contactId, contact!.id))).toMatchObject([{ channel: 'email', externalId: 'new.person@example.com' }]);

    // The answer is the conversation as GET shows it.
    const got = await token('GET', `${API}/conversations/${created.id}`);
    expect(created).toEqual(got.json());
    expect(created).toMatchObject({
      channel: 'api',
      contactId: contact!.id,
      contact: { id: contact!.id, name: 'New Person', email: 'new.person@example.com' },
      mode: 'async',
      status: 'new',
      priority: 'normal',
      language: 'zh-CN',
      fields: { coin: 'USDT', network: 'TRC20' },
      tags: ['withdrawal'],
      lastSeq: 1,
      firstResponseAt: null,
    });
    expect(created.lastMessageAt).toBe(created.createdAt);

    const [message] = await db().select().from(messages).where(eq(messages.conversationId, created.id));
    expect(message).toMatchObject({ seq: 1, direction: 'in', visibility: 'public', contentType: 'text', authorType: 'contact', authorId: contact!.id, body: '我两个小时前提了 500 USDT,还没到账。' });

    const history = await eventsSince(before);
    expect(history.map((e) => [e.type, e.subjectId])).toEqual([
      ['contacts.create', contact!.id],
      ['conversations.create', created.id],
      ['messages.create', message!.id],
    ]);
    for (const e of history) expect(e).toMatchObject({ actorType: 'token', actorId: tokenId });
    expect(history[0]!.data).toEqual({ email: 'new.person@example.com' });
    expect(history[0]!.conversationId).toBeNull();
    expect(history[1]!.data).toEqual({ number: created.number, channel: 'api', mode: 'async', priority: 'normal', categoryId: null, teamId: null });
    expect(history[2]!.data).toEqual({ seq: 1, direction: 'in', visibility: 'public', contentType: 'text', attachments: 0 });
    expect(history[2]!.conversationId).toBe(created.id);

    // What processors hear is what was committed, in the same order.
    expect(t.published.slice(published).map((e) => ({ id: e.id, type: e.type, data: e.data, createdAt: e.createdAt }))).toEqual(
      history.map((e) => ({ id: e.id, type: e.type, data: e.data, createdAt: e.createdAt.toISOString() })),
    );
    // The first message's push carries it, named as GET …/messages names it.
    const listed = (await token('GET', `${API}/conversations/${created.id}/messages`)).json().items[0];
    const pushed = t.published.slice(published).find((e) => e.type === 'messages.create')!.push!;
    expect(presentMessage(pushed.message as never)).toEqual(listed);
    expect(pushed.conversation).toEqual({ status: 'new', lastSeq: 1, teamId: null, assigneeId: null });
  });

  it('finds an existing contact by email and records no contacts.create', async () => {
    const existing = await makeContact(t, 'known@example.com');
    const before = await lastEventId();
    const res = await token('POST', `${API}/conversations`, { subject: 'Again', body: 'Second ticket', contact: { email: 'KNOWN@example.com' } });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().contact).toEqual({ id: existing.id, name: 'Customer', email: 'known@example.com', unverifiedEmail: null });
    expect((await eventsSince(before)).map((e) => e.type)).toEqual(['conversations.create', 'messages.create']);
    expect(await db().select().from(contacts).where(eq(contacts.email, 'known@example.com'))).toHaveLength(1);
  });

  it('writes nothing for an unknown contact or team', async () => {
    const before = await rowCounts(t);
    expectError(await token('POST', `${API}/conversations`, { subject: 'x', body: 'y', contactId: '00000000-0000-4000-8000-000000000000' }), 404, 'not_found');
    expectError(await token('POST', `${API}/conversations`, { subject: 'x', body: 'y', contact: { email: 'nobody-yet@example.com' }, teamId: '00000000-0000-4000-8000-000000000000' }), 404, 'not_found');
    expect(await rowCounts(t)).toEqual(before);
  });

  it("lets an agent open a ticket in their own team, and not in a team whose tickets they may not see", async () => {
    const [mine, other] = [await makeTeam(t), await makeTeam(t)];
    const agent = await loginAgent(t, (await makeAgent(t, { role: 'agent', teamIds: [mine.id] })).email);
    const before = await rowCounts(t);
    expectError(await agent.request('POST', `${API}/conversations`, { subject: 'x', body: 'y', contact: { email: 'elsewhere@example.com' }, teamId: other.id }), 404, 'not_found');
    expect(await rowCounts(t)).toEqual(before);
    const ok = await agent.request('POST', `${API}/conversations`, { subject: 'x', body: 'y', contact: { email: 'elsewhere@example.com' }, teamId: mine.id });
    expect(ok.statusCode, ok.body).toBe(201);
  });

  it('sets SLA due times in business hours and schedules their checks with the ticket', async () => {
    const admin = await loginAgent(t, (await makeAgent(t, { role: 'admin' })).email);
    const team = await makeTeam(t);
    const calendar = { timezone: 'Asia/Shanghai', week: { mon: [['09:00', '18:00']], tue: [['09:00', '18:00']], wed: [['09:00', '18:00']] } };
    expect((await admin.request('PATCH', `${API}/teams/${team.id}`, { calendar })).statusCode).toBe(200);
    const policy = await admin.request('POST', `${API}/sla-policies`, { name: 'Urgent', priority: 'urgent', firstResponseMinutes: 30, nextResponseMinutes: 60, resolutionMinutes: 600, businessHours: true });
    expect(policy.statusCode, policy.body).toBe(201);

    t.setNow(new Date('2026-11-24T09:45:00Z')); // Tuesday 17:45 in Shanghai: 15 working minutes left today
    try {
      const res = await token('POST', `${API}/conversations`, { subject: 'Stolen funds', body: 'Help', contact: { email: 'urgent@example.com' }, priority: 'urgent', teamId: team.id });
      expect(res.statusCode, res.body).toBe(201);
      const c = res.json();
      expect(c.firstResponseDueAt).toBe('2026-11-25T01:15:00.000Z');
      expect(c.nextResponseDueAt).toBeNull();
      const [row] = await db().select().from(conversations).where(eq(conversations.id, c.id));
      expect(row!.slaPolicyId).toBe(policy.json().id);
      const jobs = await rows<{ data: { kind: string; dueAt: string }; start_after: Date; retry_limit: number }>(
        sql`select data, start_after, retry_limit from pgboss.job where name = 'sla.check' and data->>'conversationId' = ${c.id}`,
      );
      expect(jobs.map((j) => j.data.kind).sort()).toEqual(['first_response', 'resolution']);
      for (const j of jobs) {
        expect(new Date(j.start_after).toISOString()).toBe(j.data.dueAt);
        expect(j.retry_limit).toBe(8);
      }
      expect(jobs.find((j) => j.data.kind === 'resolution')!.data.dueAt).toBe(c.resolutionDueAt);
    } finally {
      t.setNow(null as unknown as Date);
      await admin.request('DELETE', `${API}/sla-policies/${policy.json().id}`);
    }
  });

  it('leaves nothing behind when the transaction it is called in fails', async () => {
    const before = await rowCounts(t);
    const actor: Actor = { type: 'token', id: tokenId, role: 'admin', teamIds: [] };
    await expect(
      transact(t.services, actor, async (ctx) => {
        await conversationCreator(ctx, { subject: 'Rolled back', body: 'x', contact: { email: 'rolled-back@example.com', name: '' }, mode: 'async', language: 'en', fields: {}, tags: [] });
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await rowCounts(t)).toEqual(before);
  });

  if (kind === 'postgres') {
    it('creates one contact when tickets for a new address arrive together', async () => {
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, i) => token('POST', `${API}/conversations`, { subject: `Together ${i}`, body: 'x', contact: { email: 'together@example.com' } })),
      );
      for (const r of results) expect(r.statusCode, r.body).toBe(201);
      const [contact, ...others] = await db().select().from(contacts).where(eq(contacts.email, 'together@example.com'));
      expect(others).toHaveLength(0);
      expect(new Set(results.map((r) => r.json().contactId))).toEqual(new Set([contact!.id]));
      const created = await db().select().from(events).where(eq(events.subjectId, contact!.id));
      expect(created.filter((e) => e.type === 'contacts.create')).toHaveLength(1);
    });
  }
});

// Only PostgreSQL has a pool to run out of (PGlite is one connection, and single runs a transaction there).
describe.runIf(DB_KINDS.includes('postgres'))('conversationCreator under load on postgres', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp('postgres');
  });
  afterAll(async () => t.close());

  it('opens the first tickets of a fresh desk together without waiting on a second connection (pool of 5, 24 at once)', async () => {
    const token = bearer(t, (await makeToken(t, 'admin')).token);
    // No API inbox yet: every one of them needs a transaction for it, on the connection it already holds.
    const all = Promise.all(Array.from({ length: 24 }, (_, i) => token('POST', `${API}/conversations`, { subject: `Fresh ${i}`, body: 'x', contact: { email: `fresh${i % 3}@example.com` } })));
    const results = await Promise.race([all, new Promise<never>((_, reject) => setTimeout(() => reject(new Error('stuck: the pool ran out')), 20_000))]);
    for (const r of results) expect(r.statusCode, r.body).toBe(201);
    expect(new Set(results.map((r) => r.json().number)).size).toBe(24);
    // Between them they created one API inbox, and every ticket is in it.
    const api = await t.services.database.db.select().from(inboxes).where(eq(inboxes.kind, 'api'));
    expect(api.map((i) => i.isDefault)).toEqual([true]);
    expect(new Set(results.map((r) => r.json().inboxId))).toEqual(new Set([api[0]!.id]));
  });
});
