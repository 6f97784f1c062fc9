import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, asc, eq, gt, sql } from 'drizzle-orm';
import { events } from '../../server/db/schema.ts';
import { DB_KINDS } from '../helpers/db.ts';
import { bearer, createTestApp, loginAgent, loginContact, makeAgent, makeContact, makeToken, type Session, type TestApp } from '../helpers/app.ts';
import { API, expectError, rowCounts } from './helpers.ts';

type EventRow = typeof events.$inferSelect;

describe.each(DB_KINDS)('every change writes an event, on %s', (kind) => {
  let t: TestApp;
  let admin: Session;
  let adminId: string;
  let agentId: string;
  let customer: Session;
  let contactId: string;
  let token: ReturnType<typeof bearer>;

  beforeAll(async () => {
    t = await createTestApp(kind);
    const a = await makeAgent(t, { role: 'admin' });
    adminId = a.id;
    admin = await loginAgent(t, a.email);
    agentId = (await makeAgent(t, { role: 'agent' })).id;
    const c = await makeContact(t);
    contactId = c.id;
    customer = await loginContact(t, c.email!);
    token = bearer(t, (await makeToken(t, 'admin')).token);
  });
  afterAll(async () => {
    await t.close();
  });

  const lastId = async () => (await t.services.database.db.select({ n: sql<number>`coalesce(max(${events.id}), 0)::int` }).from(events))[0]!.n;
  /** Events written after `since`, oldest first. */
  const since = (id: number) => t.services.database.db.select().from(events).where(gt(events.id, id)).orderBy(asc(events.id));
  const ofType = (rows: EventRow[], type: string) => rows.filter((e) => e.type === type);

  async function openTicket(subject = 'Withdrawal stuck') {
    const res = await customer.request('POST', `${API}/conversations`, { subject, body: 'Please help' });
    expect(res.statusCode, res.body).toBe(201);
    return res.json() as { id: string; number: number };
  }

  it('records conversations.create and messages.create when a customer opens a ticket', async () => {
    const from = await lastId();
    const ticket = await openTicket();
    const rows = await since(from);
    expect(rows.map((e) => e.type)).toEqual(['conversations.create', 'messages.create']);
    const [created, message] = rows as [EventRow, EventRow];
    expect(created).toMatchObject({ actorType: 'contact', actorId: contactId, subjectType: 'conversation', subjectId: ticket.id, conversationId: ticket.id, ip: '127.0.0.1' });
    expect(created.data).toMatchObject({ number: ticket.number, channel: 'webform', mode: 'async', priority: 'normal' });
    expect(message).toMatchObject({ actorType: 'contact', subjectType: 'message', conversationId: ticket.id });
    expect(message.data).toMatchObject({ seq: 1, direction: 'in', visibility: 'public' });

    // The audit log shows the same rows, newest first, with the actor's name.
    const log = await admin.request('GET', `${API}/events?limit=2`);
    expect(log.statusCode).toBe(200);
    expect(log.json().items.map((e: { id: number }) => e.id)).toEqual([message.id, created.id]);
    expect(log.json().items[1]).toMatchObject({ type: 'conversations.create', actorName: 'Customer', subjectId: ticket.id });
    const timeline = await admin.request('GET', `${API}/conversations/${ticket.id}/events`);
    expect(timeline.json().items.map((e: { type: string }) => e.type)).toEqual(['conversations.create', 'messages.create']);
  });

  it('records conversations.update with before and after for status and priority, and nothing for a no-op', async () => {
    const ticket = await openTicket();
    const from = await lastId();
    const res = await admin.request('PATCH', `${API}/conversations/${ticket.id}`, { status: 'pending', priority: 'high' });
    expect(res.statusCode, res.body).toBe(200);
    const rows = await since(from);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ type: 'conversations.update', actorType: 'agent', actorId: adminId, subjectId: ticket.id, conversationId: ticket.id });
    expect(rows[0]!.data).toEqual({ before: { status: 'new', priority: 'normal' }, after: { status: 'pending', priority: 'high' } });

    const again = await lastId();
    expect((await admin.request('PATCH', `${API}/conversations/${ticket.id}`, { status: 'pending', priority: 'high' })).statusCode).toBe(200);
    expect(await since(again)).toEqual([]);
  });

  it('records an assignment as conversations.assign, separately from other changes', async () => {
    const ticket = await openTicket();
    const from = await lastId();
    const res = await token('PATCH', `${API}/conversations/${ticket.id}`, { assigneeId: agentId, priority: 'urgent' });
    expect(res.statusCode, res.body).toBe(200);
    const rows = await since(from);
    expect(rows.map((e) => e.type).sort()).toEqual(['conversations.assign', 'conversations.update']);
    expect(ofType(rows, 'conversations.assign')[0]).toMatchObject({ actorType: 'token', data: { before: { assigneeId: null }, after: { assigneeId: agentId } } });
    expect(ofType(rows, 'conversations.update')[0]!.data).toEqual({ before: { priority: 'normal' }, after: { priority: 'urgent' } });

    const unassign = await lastId();
    expect((await admin.request('PATCH', `${API}/conversations/${ticket.id}`, { assigneeId: null })).statusCode).toBe(200);
    const [event] = await since(unassign);
    expect(event).toMatchObject({ type: 'conversations.assign', data: { before: { assigneeId: agentId }, after: { assigneeId: null } } });
  });

  it('records notes and replies as messages.create, and the first reply opens the ticket', async () => {
    const ticket = await openTicket();
    const from = await lastId();
    const note = await admin.request('POST', `${API}/conversations/${ticket.id}/notes`, { body: 'checking the chain' });
    expect(note.statusCode, note.body).toBe(201);
    const afterNote = await since(from);
    expect(afterNote).toHaveLength(1);
    expect(afterNote[0]).toMatchObject({ type: 'messages.create', subjectId: note.json().id, actorId: adminId, data: { seq: 2, direction: 'out', visibility: 'private' } });

    const mid = await lastId();
    const reply = await admin.request('POST', `${API}/conversations/${ticket.id}/messages`, { body: 'Found it' });
    expect(reply.statusCode, reply.body).toBe(201);
    const afterReply = await since(mid);
    expect(afterReply.map((e) => e.type)).toEqual(['messages.create', 'conversations.update']);
    expect(afterReply[0]).toMatchObject({ subjectId: reply.json().id, data: { seq: 3, direction: 'out', visibility: 'public' } });
    expect(afterReply[1]!.data).toEqual({ before: { status: 'new' }, after: { status: 'open' }, reason: 'agent_reply' });
  });

  it('records agents.create and agents.update without the password', async () => {
    const password = 'Secret-Horse-Battery-9';
    const newPassword = 'Another-Secret-Staple-7';
    const from = await lastId();
    const created = await admin.request('POST', `${API}/agents`, { email: 'Events.Agent@Example.com', name: 'Eve', password, role: 'supervisor' });
    expect(created.statusCode, created.body).toBe(201);
    const id = created.json().id as string;
    const updated = await admin.request('PATCH', `${API}/agents/${id}`, { name: 'Eve Two', password: newPassword, capacity: 5 });
    expect(updated.statusCode, updated.body).toBe(200);

    const rows = await since(from);
    expect(rows.map((e) => e.type)).toEqual(['agents.create', 'agents.update']);
    expect(rows[0]).toMatchObject({ subjectType: 'agent', subjectId: id, actorId: adminId, data: { email: 'events.agent@example.com', name: 'Eve', role: 'supervisor' } });
    expect(rows[1]!.data).toEqual({ before: { name: 'Eve', capacity: 3 }, after: { name: 'Eve Two', capacity: 5 }, passwordChanged: true });

    // Neither the password nor its hash anywhere in the history, the API's audit log included.
    const all = await rowsText();
    for (const secret of [password, newPassword, '$argon2']) expect(all).not.toContain(secret);
    const log = await admin.request('GET', `${API}/events?limit=500`);
    for (const secret of [password, newPassword, '$argon2']) expect(log.body).not.toContain(secret);
  });

  async function rowsText() {
    return JSON.stringify(await t.services.database.db.select().from(events));
  }

  it('records teams.create, teams.update and categories.create', async () => {
    const from = await lastId();
    const team = await admin.request('POST', `${API}/teams`, { slug: 'events-team', name: { en: 'Events' } });
    expect(team.statusCode, team.body).toBe(201);
    const teamId = team.json().id as string;
    expect((await admin.request('PATCH', `${API}/teams/${teamId}`, { description: 'On call', memberIds: [agentId] })).statusCode).toBe(200);
    const category = await admin.request('POST', `${API}/categories`, { slug: 'events-cat', name: { en: 'Events' }, teamId, urgent: true });
    expect(category.statusCode, category.body).toBe(201);

    const rows = await since(from);
    expect(rows.map((e) => e.type)).toEqual(['teams.create', 'teams.update', 'categories.create']);
    expect(rows[0]).toMatchObject({ subjectType: 'team', subjectId: teamId, data: { slug: 'events-team', name: { en: 'Events' }, memberIds: [] } });
    expect(rows[1]!.data).toEqual({ before: { description: '', memberIds: [] }, after: { description: 'On call', memberIds: [agentId] } });
    expect(rows[2]).toMatchObject({ subjectType: 'category', subjectId: category.json().id, data: { slug: 'events-cat', teamId, urgent: true } });
  });

  it('records api_tokens.create and api_tokens.revoke without the secret', async () => {
    const from = await lastId();
    const created = await admin.request('POST', `${API}/tokens`, { name: 'zapier', role: 'agent' });
    expect(created.statusCode, created.body).toBe(201);
    const { id, token: secret } = created.json() as { id: string; token: string };
    expect((await admin.request('DELETE', `${API}/tokens/${id}`)).statusCode).toBe(204);
    const rows = await since(from);
    expect(rows.map((e) => e.type)).toEqual(['api_tokens.create', 'api_tokens.revoke']);
    expect(rows.every((e) => e.subjectId === id && e.actorId === adminId)).toBe(true);
    expect(rows[0]!.data).toEqual({ name: 'zapier', role: 'agent', teamIds: [] });
    expect(await rowsText()).not.toContain(secret);
  });

  it('records settings.update with before and after', async () => {
    // Through the token: a session request would cache the setting and lock every agent out.
    const from = await lastId();
    expect((await token('PATCH', `${API}/settings`, { requireTotp: true })).statusCode).toBe(200);
    expect((await token('PATCH', `${API}/settings`, { requireTotp: true })).statusCode).toBe(200);
    expect((await token('PATCH', `${API}/settings`, { requireTotp: false })).statusCode).toBe(200);
    const rows = await since(from);
    expect(rows.map((e) => [e.type, e.actorType, e.data])).toEqual([
      ['settings.update', 'token', { before: { requireTotp: false }, after: { requireTotp: true } }],
      ['settings.update', 'token', { before: { requireTotp: true }, after: { requireTotp: false } }],
    ]);
  });

  it('records agents.login on a successful login only', async () => {
    const who = await makeAgent(t, { role: 'agent' });
    const from = await lastId();
    const wrong = await t.app.inject({ method: 'POST', url: `${API}/auth/login`, payload: { email: who.email, password: 'wrong password' } });
    expectError(wrong, 401, 'invalid_credentials');
    expect(await since(from)).toEqual([]);
    await loginAgent(t, who.email);
    const rows = await since(from);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ type: 'agents.login', actorType: 'agent', actorId: who.id, subjectType: 'agent', subjectId: who.id, ip: '127.0.0.1' });
  });

  it('records nothing for a refused or failed change', async () => {
    const agent = await loginAgent(t, (await makeAgent(t, { role: 'agent' })).email);
    const ticket = await openTicket();
    const before = await rowCounts(t);
    expectError(await agent.request('POST', `${API}/teams`, { slug: 'nope', name: { en: 'x' } }), 403, 'forbidden');
    expectError(await customer.request('PATCH', `${API}/conversations/${ticket.id}`, { status: 'closed' }), 403, 'forbidden');
    expectError(await admin.request('POST', `${API}/agents`, { email: 'fail@example.com', name: 'F', password: 'long enough password', teamIds: [crypto.randomUUID()] }), 409, 'conflict');
    expect(await rowCounts(t)).toEqual(before);
  });

  it('keeps the events table append-only: UPDATE and DELETE are refused', async () => {
    await openTicket();
    const db = t.services.database.db;
    const before = await db.select().from(events).orderBy(asc(events.id));
    expect(before.length).toBeGreaterThan(0);
    await expect(db.execute(sql`update events set type = 'x'`)).rejects.toThrow();
    await expect(db.execute(sql`update events set data = '{}'::jsonb where id = ${before[0]!.id}`)).rejects.toThrow();
    await expect(db.execute(sql`delete from events where id = ${before[0]!.id}`)).rejects.toThrow();
    await expect(db.execute(sql`delete from events`)).rejects.toThrow();
    // The refusal comes from the trigger, not from a typo.
    const error = await db.execute(sql`delete from events`).catch((e: { cause?: { message?: string }; message: string }) => e.cause?.message ?? e.message);
    expect(String(error)).toMatch(/append-only/);
    expect(await db.select().from(events).orderBy(asc(events.id))).toEqual(before);
    // Inserting still works.
    const [row] = await db.insert(events).values({ type: 'tests.probe', actorType: 'system', subjectType: 'test', subjectId: 'x' }).returning();
    expect((await db.select().from(events).where(and(eq(events.id, row!.id), eq(events.type, 'tests.probe')))).length).toBe(1);
  });
});
