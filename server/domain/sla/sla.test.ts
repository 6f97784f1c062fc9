import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq, sql } from 'drizzle-orm';
import { conversations, events } from '../../db/schema.ts';
import { DB_KINDS } from '../../../test/helpers/db.ts';
import { createTestApp, eventually, loginAgent, loginContact, makeAgent, makeContact, type Session, type TestApp } from '../../../test/helpers/app.ts';
import { SYSTEM, transact } from '../context.ts';
import { autoCloser } from '../conversations/autoCloser.ts';
import { slaChecker } from './slaChecker.ts';

const T0 = new Date('2026-11-24T02:00:00Z'); // Tuesday 10:00 in Shanghai
const minutes = (n: number) => new Date(T0.getTime() + n * 60_000);

describe.each(DB_KINDS)('SLA timers and escalation on %s', (kind) => {
  let t: TestApp;
  let admin: Session;
  let customer: Session;
  let supervisorSession: Session;
  let categoryId: string;
  let officeCategoryId: string;

  beforeAll(async () => {
    t = await createTestApp(kind, {}, { jobs: true });
    const a = await makeAgent(t, { role: 'admin' });
    const sup = await makeAgent(t, { role: 'supervisor' });
    const c = await makeContact(t);
    [admin, customer, supervisorSession] = await Promise.all([loginAgent(t, a.email), loginContact(t, c.email!), loginAgent(t, sup.email)]);
    const team = (await admin.request('POST', '/api/v1/teams', { slug: 'withdrawals', name: { en: 'Withdrawals' }, supervisorIds: [sup.id] })).json();
    const office = (
      await admin.request('POST', '/api/v1/teams', {
        slug: 'api-desk',
        name: { en: 'API' },
        calendar: { timezone: 'Asia/Shanghai', week: { mon: [['09:00', '18:00']], tue: [['09:00', '18:00']], wed: [['09:00', '18:00']] } },
      })
    ).json();
    categoryId = (await admin.request('POST', '/api/v1/categories', { slug: 'withdrawal', name: { en: 'Withdrawal' }, teamId: team.id })).json().id;
    officeCategoryId = (await admin.request('POST', '/api/v1/categories', { slug: 'api-keys', name: { en: 'API keys' }, teamId: office.id })).json().id;
    const policy = await admin.request('POST', '/api/v1/sla-policies', { name: 'Normal', priority: 'normal', firstResponseMinutes: 30, nextResponseMinutes: 60, resolutionMinutes: 600, businessHours: true });
    expect(policy.statusCode).toBe(201);
    // An invalid calendar is refused with a clear message.
    const bad = await admin.request('PATCH', `/api/v1/teams/${office.id}`, { calendar: { timezone: 'Mars/Base', week: { mon: [['09:00', '18:00']] } } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.message).toMatch(/time zone/);
  });
  afterAll(async () => t.close());

  const open = async (category = categoryId) => {
    t.setNow(T0);
    const res = await customer.request('POST', '/api/v1/conversations', { subject: 'Withdrawal pending', body: 'Still pending after 2h', categoryId: category });
    expect(res.statusCode).toBe(201);
    return res.json() as { id: string; firstResponseDueAt: string; resolutionDueAt: string; nextResponseDueAt: string | null; priority: string };
  };

  it('sets due times from the policy and schedules a durable check at each', async () => {
    const c = await open();
    expect(c.firstResponseDueAt).toBe(minutes(30).toISOString());
    expect(c.resolutionDueAt).toBe(minutes(600).toISOString());
    expect(c.nextResponseDueAt).toBeNull();
    const jobs = await t.services.database.db.execute(sql`select data, start_after from pgboss.job where name = 'sla.check' and data->>'conversationId' = ${c.id}`);
    const rows = ((jobs as any).rows ?? jobs) as { data: { kind: string; dueAt: string }; start_after: Date }[];
    expect(rows.map((r) => r.data.kind).sort()).toEqual(['first_response', 'resolution']);
    for (const r of rows) expect(new Date(r.start_after).toISOString()).toBe(r.data.dueAt);
  });

  it('breaches when the time passes unanswered: records it, raises priority, shows in views and notifies the supervisor', async () => {
    const c = await open();
    const job = { conversationId: c.id, kind: 'first_response' as const, dueAt: c.firstResponseDueAt };
    t.setNow(minutes(29));
    expect(await transact(t.services, SYSTEM, (ctx) => slaChecker(ctx, job))).toBe('early');
    t.setNow(minutes(31));
    expect(await transact(t.services, SYSTEM, (ctx) => slaChecker(ctx, job))).toBe('breached');

    const after = (await admin.request('GET', `/api/v1/conversations/${c.id}`)).json();
    expect(after.priority).toBe('high');
    const history = await t.services.database.db.select().from(events).where(eq(events.conversationId, c.id));
    expect(history.find((e) => e.type === 'conversations.sla_breach')?.data).toMatchObject({ kind: 'first_response', dueAt: c.firstResponseDueAt });
    expect(history.find((e) => e.data.reason === 'sla_breach')?.data).toMatchObject({ before: { priority: 'normal' }, after: { priority: 'high' } });

    const breached = (await admin.request('GET', '/api/v1/conversations?sla=breached&limit=200')).json().items.map((i: { id: string }) => i.id);
    expect(breached).toContain(c.id);
    const notes = await eventually(async () => {
      const list = (await supervisorSession.request('GET', '/api/v1/notifications')).json();
      return list.items.find((n: { type: string; conversationId: string }) => n.type === 'sla_breach' && n.conversationId === c.id);
    });
    expect(notes.data).toMatchObject({ kind: 'first_response' });
  });

  it('does nothing when the target was met or replaced, and a customer message starts the next-response clock', async () => {
    const c = await open();
    t.setNow(minutes(10));
    await admin.request('POST', `/api/v1/conversations/${c.id}/messages`, { body: 'Checking with the chain team' });
    const answered = (await admin.request('GET', `/api/v1/conversations/${c.id}`)).json();
    expect(answered.firstResponseDueAt).toBeNull();
    t.setNow(minutes(31));
    expect(await transact(t.services, SYSTEM, (ctx) => slaChecker(ctx, { conversationId: c.id, kind: 'first_response', dueAt: c.firstResponseDueAt }))).toBe('superseded');

    t.setNow(minutes(40));
    await customer.request('POST', `/api/v1/conversations/${c.id}/messages`, { body: 'Any news?' });
    const waiting = (await admin.request('GET', `/api/v1/conversations/${c.id}`)).json();
    expect(waiting.nextResponseDueAt).toBe(minutes(100).toISOString());
    // A second message while still unanswered keeps the clock of the first one.
    t.setNow(minutes(55));
    await customer.request('POST', `/api/v1/conversations/${c.id}/messages`, { body: 'Hello?' });
    expect((await admin.request('GET', `/api/v1/conversations/${c.id}`)).json().nextResponseDueAt).toBe(minutes(100).toISOString());
    // The agent's answer stops it; the customer's next message starts a new one.
    t.setNow(minutes(60));
    await admin.request('POST', `/api/v1/conversations/${c.id}/messages`, { body: 'Found it, sending now' });
    expect((await admin.request('GET', `/api/v1/conversations/${c.id}`)).json().nextResponseDueAt).toBeNull();
    t.setNow(minutes(70));
    await customer.request('POST', `/api/v1/conversations/${c.id}/messages`, { body: 'Thanks, got it' });
    expect((await admin.request('GET', `/api/v1/conversations/${c.id}`)).json().nextResponseDueAt).toBe(minutes(130).toISOString());
    const [row] = await t.services.database.db.select().from(events).where(and(eq(events.conversationId, c.id), eq(events.type, 'conversations.sla_breach')));
    expect(row).toBeUndefined();
  });

  it('counts only business hours of the owning team', async () => {
    t.setNow(new Date('2026-11-24T09:45:00Z')); // Tuesday 17:45 in Shanghai: 15 min left today
    const res = await customer.request('POST', '/api/v1/conversations', { subject: 'API key', body: '50113', categoryId: officeCategoryId });
    // 30 working minutes: 15 on Tuesday, 15 from Wednesday 09:00 → 09:15 Shanghai = 01:15Z.
    expect(res.json().firstResponseDueAt).toBe('2026-11-25T01:15:00.000Z');
  });

  it('closes a solved ticket after the configured days unless it was reopened', async () => {
    const c = await open();
    await admin.request('PATCH', '/api/v1/settings', { autoCloseDays: 2 });
    t.setNow(minutes(60));
    await admin.request('PATCH', `/api/v1/conversations/${c.id}`, { status: 'solved' });
    const solvedAt = (await t.services.database.db.select().from(conversations).where(eq(conversations.id, c.id)))[0]!.solvedAt!.toISOString();
    t.setNow(new Date(minutes(60).getTime() + 86_400_000));
    expect(await transact(t.services, SYSTEM, (ctx) => autoCloser(ctx, { conversationId: c.id, solvedAt }))).toBe(false);
    t.setNow(new Date(minutes(60).getTime() + 2 * 86_400_000 + 1000));
    expect(await transact(t.services, SYSTEM, (ctx) => autoCloser(ctx, { conversationId: c.id, solvedAt }))).toBe(true);
    // (The agent's 12-hour session has expired by now: read the row.)
    expect((await t.services.database.db.select().from(conversations).where(eq(conversations.id, c.id)))[0]!.status).toBe('closed');
    // A closed ticket no longer reopens by reply.
    const reply = await customer.request('POST', `/api/v1/conversations/${c.id}/messages`, { body: 'one more thing' });
    expect(reply.statusCode).toBe(409);

    const other = await open();
    t.setNow(minutes(60));
    await admin.request('PATCH', `/api/v1/conversations/${other.id}`, { status: 'solved' });
    const otherSolvedAt = (await t.services.database.db.select().from(conversations).where(eq(conversations.id, other.id)))[0]!.solvedAt!.toISOString();
    t.setNow(minutes(70));
    await customer.request('POST', `/api/v1/conversations/${other.id}/messages`, { body: 'Not fixed' });
    t.setNow(new Date(minutes(60).getTime() + 3 * 86_400_000));
    expect(await transact(t.services, SYSTEM, (ctx) => autoCloser(ctx, { conversationId: other.id, solvedAt: otherSolvedAt }))).toBe(false);
  });

  it('stops the resolution clock while the ticket waits on the customer (and while solved), moving its due time by the time stopped', async () => {
    const c = await open();
    t.setNow(minutes(10));
    await admin.request('POST', `/api/v1/conversations/${c.id}/messages`, { body: 'Please send the TXID' });
    const pending = await admin.request('PATCH', `/api/v1/conversations/${c.id}`, { status: 'pending' });
    expect(pending.json().resolutionDueAt).toBeNull();
    // Two hours waiting on the customer; their answer restarts the clock 120 minutes later than planned.
    t.setNow(minutes(130));
    await customer.request('POST', `/api/v1/conversations/${c.id}/messages`, { body: 'TXID 0xabc' });
    const back = (await admin.request('GET', `/api/v1/conversations/${c.id}`)).json();
    expect(back.status).toBe('open');
    expect(back.resolutionDueAt).toBe(minutes(720).toISOString());
    // Solved, then reopened 30 minutes later: another 30 minutes.
    t.setNow(minutes(140));
    await admin.request('PATCH', `/api/v1/conversations/${c.id}`, { status: 'solved' });
    t.setNow(minutes(170));
    await customer.request('POST', `/api/v1/conversations/${c.id}/messages`, { body: 'It came back, still missing' });
    expect((await admin.request('GET', `/api/v1/conversations/${c.id}`)).json().resolutionDueAt).toBe(minutes(750).toISOString());
  });
});
