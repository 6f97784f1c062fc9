import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import type { LightMyRequestResponse } from 'fastify';
import { agents, categories, events, notifications, teams } from '../../db/schema.ts';
import { DB_KINDS } from '../../../test/helpers/db.ts';
import { asSystem, createTestApp, eventually, loginAgent, makeAgent, makeTeam, type TestApp } from '../../../test/helpers/app.ts';
import { agentUpdater } from '../directory/agents.ts';
import { settingsUpdater } from '../system/settings.ts';
import { chatRouter } from './chatRouter.ts';

/** A visitor's browser: keeps the cookies the server sets. */
function visitor(t: TestApp) {
  let cookie = '';
  let csrf = '';
  const remember = (res: LightMyRequestResponse) => {
    const set = res.cookies as { name: string; value: string }[];
    if (set.length) {
      cookie = set.map((c) => `${c.name}=${c.value}`).join('; ');
      csrf = set.find((c) => c.name === 'sb_csrf')?.value ?? csrf;
    }
    return res;
  };
  return {
    request: async (method: string, url: string, payload?: unknown) =>
      remember(await t.app.inject({ method: method as 'GET', url, payload: payload as object, headers: cookie ? { cookie, 'x-csrf-token': csrf } : {} })),
  };
}

async function onlineAgent(t: TestApp, options: Parameters<typeof makeAgent>[1] = {}) {
  const row = await makeAgent(t, options);
  await asSystem(t, (ctx) => agentUpdater(ctx, row.id, { status: 'online', capacity: 2, languages: ['en', 'zh-CN'] }));
  return { row, session: await loginAgent(t, row.email) };
}

const bodies = (res: LightMyRequestResponse) => res.json().items.map((m: { body: string }) => m.body);

describe.each(DB_KINDS)('live chat offers, accept, transfer and hours on %s', (kind) => {
  let t: TestApp;
  beforeEach(async () => {
    t = await createTestApp(kind, {}, { jobs: true });
  });
  afterEach(async () => t.close());

  it('offers a chat to one agent, who accepts it; nobody else can take it meanwhile; the customer sees who joined', async () => {
    const a = await onlineAgent(t, { name: 'Ada Offer' });
    const b = await onlineAgent(t);
    const v = visitor(t);
    const chat = (await v.request('POST', '/api/v1/chats', { description: 'Withdrawal pending for 3 hours' })).json().conversation;
    const [assignment] = await chatRouter(t.services);
    const offeredTo = assignment!.agentId === a.row.id ? a : b;
    const other = offeredTo === a ? b : a;

    const offered = (await offeredTo.session.request('GET', `/api/v1/conversations/${chat.id}`)).json();
    expect(offered).toMatchObject({ assigneeId: offeredTo.row.id, status: 'new' });
    expect(offered.chatOfferedAt).not.toBeNull();
    // The offer holds a slot and shows in the live queue as offered.
    const live = (await other.session.request('GET', '/api/v1/chats/live')).json();
    expect(live.waiting).toEqual([expect.objectContaining({ id: chat.id, offeredTo: offeredTo.row.id, position: null })]);
    // The countdown comes from the server's clock and the accept setting (60 s by default).
    expect(live.acceptSeconds).toBe(60);
    expect(live.waiting[0].offerSecondsLeft).toBeGreaterThan(50);
    expect(live.waiting[0].offerSecondsLeft).toBeLessThanOrEqual(60);
    expect(live.agents.find((x: { id: string }) => x.id === offeredTo.row.id)).toMatchObject({ activeChats: 1, capacity: 2, status: 'online' });

    expect((await other.session.request('POST', `/api/v1/chats/${chat.id}/accept`)).statusCode).toBe(409);
    const accepted = await offeredTo.session.request('POST', `/api/v1/chats/${chat.id}/accept`);
    expect(accepted.statusCode, accepted.body).toBe(200);
    expect(accepted.json()).toMatchObject({ status: 'open', chatOfferedAt: null, assigneeId: offeredTo.row.id });
    // Accepting twice is harmless.
    expect((await offeredTo.session.request('POST', `/api/v1/chats/${chat.id}/accept`)).statusCode).toBe(200);
    expect(bodies(await v.request('GET', `/api/v1/conversations/${chat.id}/messages`))).toEqual(['Withdrawal pending for 3 hours', `${offeredTo.row.name} joined the chat.`]);
    const after = (await other.session.request('GET', '/api/v1/chats/live')).json();
    expect(after.waiting).toEqual([]);
    expect(after.active).toEqual([expect.objectContaining({ id: chat.id, assigneeId: offeredTo.row.id, status: 'open' })]);
    // Customers never see the live queue.
    expect((await v.request('GET', '/api/v1/chats/live')).statusCode).toBe(403);
  });

  it('withdraws an offer nobody accepted in time: the agent is set away and told, the chat goes to the next agent', async () => {
    await asSystem(t, (ctx) => settingsUpdater(ctx, { chatAcceptSeconds: 30 }));
    const a = await onlineAgent(t);
    const v = visitor(t);
    const chat = (await v.request('POST', '/api/v1/chats', { description: 'Account locked' })).json().conversation;
    expect(await chatRouter(t.services)).toEqual([{ chatId: chat.id, agentId: a.row.id }]);
    const b = await onlineAgent(t);
    // Not yet: the offer stands for 30 s; the live queue counts it down by the server's clock.
    t.setNow(new Date(Date.now() + 20_000));
    expect(await chatRouter(t.services)).toEqual([]);
    const live = (await b.session.request('GET', '/api/v1/chats/live')).json();
    expect(live.acceptSeconds).toBe(30);
    expect(live.waiting[0].offerSecondsLeft).toBeGreaterThanOrEqual(9);
    expect(live.waiting[0].offerSecondsLeft).toBeLessThanOrEqual(10);
    t.setNow(new Date(Date.now() + 31_000));
    expect(await chatRouter(t.services)).toEqual([{ chatId: chat.id, agentId: b.row.id }]);
    const [aRow] = await t.services.database.db.select().from(agents).where(eq(agents.id, a.row.id));
    expect(aRow!.status).toBe('away');
    const withdrawn = await t.services.database.db.select().from(events).where(eq(events.conversationId, chat.id));
    expect(withdrawn.some((e) => e.type === 'conversations.assign' && e.data.reason === 'offer_expired')).toBe(true);
    const missed = await eventually(async () => {
      const rows = await t.services.database.db.select().from(notifications).where(eq(notifications.agentId, a.row.id));
      return rows.find((n) => n.type === 'chat_missed');
    });
    expect(missed.conversationId).toBe(chat.id);
  });

  it('transfers to an online agent (who must accept) or back to a team queue, keeping a private note', async () => {
    const team = await makeTeam(t);
    const a = await onlineAgent(t);
    const v = visitor(t);
    const chat = (await v.request('POST', '/api/v1/chats', { description: '2FA reset please' })).json().conversation;
    await chatRouter(t.services);
    await a.session.request('POST', `/api/v1/chats/${chat.id}/accept`);

    const offline = await makeAgent(t);
    expect((await a.session.request('POST', `/api/v1/chats/${chat.id}/transfer`, { agentId: offline.id })).statusCode).toBe(409);
    expect((await a.session.request('POST', `/api/v1/chats/${chat.id}/transfer`, {})).statusCode).toBe(400);
    const b = await onlineAgent(t, { role: 'supervisor' });
    const toB = await a.session.request('POST', `/api/v1/chats/${chat.id}/transfer`, { agentId: b.row.id, note: 'VIP, already verified by video' });
    expect(toB.statusCode, toB.body).toBe(200);
    expect(toB.json()).toMatchObject({ assigneeId: b.row.id, status: 'new' });
    expect(toB.json().chatOfferedAt).not.toBeNull();
    const staffView = bodies(await b.session.request('GET', `/api/v1/conversations/${chat.id}/messages`));
    expect(staffView).toContain('VIP, already verified by video');
    const customerView = bodies(await v.request('GET', `/api/v1/conversations/${chat.id}/messages`));
    expect(customerView).not.toContain('VIP, already verified by video');
    expect(customerView.at(-1)).toMatch(/transferring you/);
    await b.session.request('POST', `/api/v1/chats/${chat.id}/accept`);

    const toTeam = await b.session.request('POST', `/api/v1/chats/${chat.id}/transfer`, { teamId: team.id });
    expect(toTeam.json()).toMatchObject({ assigneeId: null, teamId: team.id, status: 'new', chatOfferedAt: null });
    const live = (await b.session.request('GET', '/api/v1/chats/live')).json();
    expect(live.waiting).toEqual([expect.objectContaining({ id: chat.id, teamId: team.id, offeredTo: null, position: 1 })]);
  });

  it('outside the team’s business hours a chat becomes a ticket at once, saying when chat opens', async () => {
    const team = await makeTeam(t);
    await t.services.database.db
      .update(teams)
      .set({ calendar: { timezone: 'UTC', week: { mon: [['09:00', '18:00']], tue: [['09:00', '18:00']], wed: [['09:00', '18:00']], thu: [['09:00', '18:00']], fri: [['09:00', '18:00']] } } })
      .where(eq(teams.id, team.id));
    const [category] = await t.services.database.db.insert(categories).values({ slug: 'withdrawals', name: { en: 'Withdrawals' }, teamId: team.id }).returning();
    await onlineAgent(t, { teamIds: [team.id] });
    // Sunday 2026-11-29 03:00 UTC: closed until Monday 09:00.
    t.setNow(new Date('2026-11-29T03:00:00Z'));
    const v = visitor(t);
    const res = await v.request('POST', '/api/v1/chats', { description: 'Where is my withdrawal?', categoryId: category!.id, email: 'late@example.com' });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().conversation.mode).toBe('async');
    expect(res.json().queue.state).toBe('ticket');
    const last = bodies(await v.request('GET', `/api/v1/conversations/${res.json().conversation.id}/messages`)).at(-1);
    expect(last).toContain('Live chat is closed right now (it opens again at 2026-11-30 09:00 UTC).');
    expect(last).toContain('late@example.com');

    // Monday 10:00: open, the chat waits for an agent.
    t.setNow(new Date('2026-11-30T10:00:00Z'));
    const open = (await visitor(t).request('POST', '/api/v1/chats', { description: 'Deposit missing', categoryId: category!.id })).json();
    expect(open.conversation.mode).toBe('live');
    expect(open.queue.state).toBe('waiting');
  });
});
