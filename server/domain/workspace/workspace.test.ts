import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { io as connect, type Socket } from 'socket.io-client';
import { SOCKET_EVENTS } from '../../../common/realtime.ts';
import { attachments, events, messages } from '../../db/schema.ts';
import { attachRealtime } from '../../realtime/socket.ts';
import { DB_KINDS } from '../../../test/helpers/db.ts';
import { TINY_PNG, multipartBody } from '../../../test/helpers/files.ts';
import { createTestApp, loginAgent, loginContact, makeAgent, makeContact, type Session, type TestApp } from '../../../test/helpers/app.ts';

const PNG = TINY_PNG;
const form = (fields: Record<string, string>, files: { name: string; content: Buffer }[] = []) =>
  multipartBody(fields, files.map((f) => ({ ...f, field: 'files', type: 'image/png' })));

describe.each(DB_KINDS)('tickets and the agent workspace on %s', (kind) => {
  let t: TestApp;
  let dataDir: string;
  let admin: Session;
  let agent: Session;
  let agentRow: Awaited<ReturnType<typeof makeAgent>>;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'sb-ws-'));
    t = await createTestApp(kind, { DATA_DIR: dataDir });
    const a = await makeAgent(t, { role: 'admin', name: 'Ada Admin' });
    agentRow = await makeAgent(t, { role: 'supervisor', name: 'Alex Morgan' });
    [admin, agent] = await Promise.all([loginAgent(t, a.email), loginAgent(t, agentRow.email)]);
  });
  afterAll(async () => {
    await t.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('files an anonymous ticket from the web form with fields and a screenshot, then the customer rates it once solved', async () => {
    const { payload, headers } = form(
      { email: 'new.customer@example.com', name: '李雷', subject: '交易问题申诉 - 订单号 88123', body: '订单被错误成交', orderId: '88123', coin: 'USDT', language: 'zh-CN' },
      [{ name: 'screenshot.png', content: PNG }],
    );
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/tickets', payload, headers });
    expect(res.statusCode, res.body).toBe(201);
    const { id, number } = res.json();
    expect(number).toBeGreaterThan(10000);
    const ticket = (await admin.request('GET', `/api/v1/conversations/${id}`)).json();
    // Filed without signing in: the address is unverified until its owner opens the emailed link (test/api/unverified.test.ts).
    expect(ticket).toMatchObject({
      subject: '交易问题申诉 - 订单号 88123',
      fields: { orderId: '88123', coin: 'USDT' },
      contact: { email: null, unverifiedEmail: 'new.customer@example.com', name: '李雷' },
      requesterVerified: false,
      channel: 'webform',
      language: 'zh-CN',
    });
    const [first] = (await admin.request('GET', `/api/v1/conversations/${id}/messages`)).json().items;
    expect(first.attachments).toEqual([expect.objectContaining({ filename: 'screenshot.png', contentType: 'image/png' })]);

    // Missing email from an anonymous visitor: a clear 400, nothing stored.
    const before = (await t.services.database.db.select().from(attachments)).length;
    const bad = form({ subject: 's', body: 'b' }, [{ name: 'x.png', content: PNG }]);
    const refused = await t.app.inject({ method: 'POST', url: '/api/v1/tickets', payload: bad.payload, headers: bad.headers });
    expect(refused.statusCode).toBe(400);
    expect(refused.json().error.message).toMatch(/email/);
    expect((await t.services.database.db.select().from(attachments)).length).toBe(before);

    const customer = await loginContact(t, 'new.customer@example.com').catch(() => null);
    expect(customer).toBeNull(); // no password yet: customers sign in with an emailed code, or set one later
    const contact = await makeContact(t);
    const signedIn = await loginContact(t, contact.email!);
    const own = await signedIn.request('POST', '/api/v1/tickets', { subject: 'KYC', body: 'Stuck in review' });
    expect(own.statusCode).toBe(201);
    const ownId = own.json().id;
    expect((await signedIn.request('POST', `/api/v1/conversations/${ownId}/rating`, { score: 5 })).statusCode).toBe(409);
    await admin.request('PATCH', `/api/v1/conversations/${ownId}`, { status: 'solved' });
    const rated = await signedIn.request('POST', `/api/v1/conversations/${ownId}/rating`, { score: 4, comment: '很快解决了' });
    expect(rated.statusCode).toBe(200);
    expect((await admin.request('GET', `/api/v1/conversations/${ownId}`)).json().csat).toMatchObject({ score: 4, comment: '很快解决了' });
    expect((await admin.request('POST', `/api/v1/conversations/${ownId}/rating`, { score: 1 })).statusCode).toBe(403);
  });

  it('renders canned replies and applies macros (reply + changes in one step)', async () => {
    const contact = await makeContact(t);
    const c = (await admin.request('POST', '/api/v1/conversations', { contactId: contact.id, subject: 'Withdrawal', body: 'pending' })).json();
    const canned = await admin.request('POST', '/api/v1/canned-replies', { title: 'Greeting', shortcut: 'hi', body: 'Hello {{customer.name}}, this is {{agent.name}} about #{{ticket.number}} {{unknown.var}}' });
    expect(canned.statusCode).toBe(201);
    const rendered = (await agent.request('POST', `/api/v1/conversations/${c.id}/render`, { template: canned.json().body })).json();
    expect(rendered.text).toBe(`Hello Customer, this is Alex Morgan about #${c.number} {{unknown.var}}`);
    // Names Object.prototype carries are unknown variables too, not its functions' source.
    const odd = (await agent.request('POST', `/api/v1/conversations/${c.id}/render`, { template: '{{constructor}} {{toString}} {{__proto__}}' })).json();
    expect(odd.text).toBe('{{constructor}} {{toString}} {{__proto__}}');

    const macro = (
      await admin.request('POST', '/api/v1/macros', { name: 'Ask for TX hash', reply: 'Hi {{customer.name}}, please send the transaction hash.', actions: { status: 'pending', addTags: ['need-txid'], assignToMe: true } })
    ).json();
    const applied = await agent.request('POST', `/api/v1/conversations/${c.id}/macros/${macro.id}`);
    expect(applied.statusCode, applied.body).toBe(200);
    expect(applied.json()).toMatchObject({ status: 'pending', tags: ['need-txid'], assigneeId: agentRow.id });
    const msgs = (await agent.request('GET', `/api/v1/conversations/${c.id}/messages`)).json().items;
    expect(msgs.at(-1)).toMatchObject({ body: 'Hi Customer, please send the transaction hash.', direction: 'out', visibility: 'public' });
    // Plain agents read macros but may not change them.
    const plain = await loginAgent(t, (await makeAgent(t)).email);
    expect((await plain.request('GET', '/api/v1/macros')).statusCode).toBe(200);
    expect((await plain.request('POST', '/api/v1/macros', { name: 'x' })).statusCode).toBe(403);
  });

  it('saves views, counts open work and applies bulk changes with per-item results', async () => {
    const view = await agent.request('POST', '/api/v1/views', { name: 'Urgent open', query: { status: 'open', priority: 'urgent' }, shared: true });
    expect(view.statusCode).toBe(201);
    expect((await agent.request('POST', '/api/v1/views', { name: 'bad', query: { priority: 'whenever' } })).statusCode).toBe(400);
    expect((await admin.request('GET', '/api/v1/views')).json().items.map((v: { name: string }) => v.name)).toContain('Urgent open');

    const contact = await makeContact(t);
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push((await admin.request('POST', '/api/v1/conversations', { contactId: contact.id, subject: `bulk ${i}`, body: 'x' })).json().id);
    const countsBefore = (await agent.request('GET', '/api/v1/conversations/counts')).json();
    const missing = '00000000-0000-4000-8000-000000000000';
    const bulk = await agent.request('POST', '/api/v1/conversations/bulk', { ids: [...ids, missing], patch: { assigneeId: agentRow.id, priority: 'high' } });
    expect(bulk.json().updated.sort()).toEqual([...ids].sort());
    expect(bulk.json().failed).toEqual([{ id: missing, error: expect.objectContaining({ code: 'not_found' }) }]);
    const countsAfter = (await agent.request('GET', '/api/v1/conversations/counts')).json();
    expect(countsAfter.mine).toBe(countsBefore.mine + 3);
    expect(countsAfter.unassigned).toBe(countsBefore.unassigned - 3);
  });

  it('merges two tickets of one customer keeping both histories, and splits a message into a new ticket', async () => {
    const contact = await makeContact(t);
    const customer = await loginContact(t, contact.email!);
    const a = (await customer.request('POST', '/api/v1/conversations', { subject: 'Deposit missing', body: 'first' })).json();
    const b = (await customer.request('POST', '/api/v1/conversations', { subject: 'Deposit still missing', body: 'second' })).json();
    await customer.request('POST', `/api/v1/conversations/${a.id}/messages`, { body: 'also my API key stopped working' });
    const merged = await agent.request('POST', `/api/v1/conversations/${a.id}/merge`, { targetId: b.id });
    expect(merged.statusCode, merged.body).toBe(200);
    const bodies = (await customer.request('GET', `/api/v1/conversations/${b.id}/messages`)).json().items.map((m: { seq: number; body: string }) => [m.seq, m.body]);
    expect(bodies.slice(0, 3)).toEqual([
      [1, 'second'],
      [2, 'first'],
      [3, 'also my API key stopped working'],
    ]);
    expect(bodies[3][1]).toMatch(`#${a.number} has been merged into this one (#${b.number})`);
    const source = (await agent.request('GET', `/api/v1/conversations/${a.id}`)).json();
    expect(source).toMatchObject({ status: 'closed', mergedIntoId: b.id });
    expect((await t.services.database.db.select().from(events).where(eq(events.conversationId, a.id))).some((e) => e.type === 'conversations.merge')).toBe(true);
    // Another customer's ticket cannot be merged in.
    const stranger = await makeContact(t);
    const other = (await admin.request('POST', '/api/v1/conversations', { contactId: stranger.id, subject: 'x', body: 'y' })).json();
    expect((await agent.request('POST', `/api/v1/conversations/${other.id}/merge`, { targetId: b.id })).statusCode).toBe(409);

    const [apiMessage] = await t.services.database.db.select().from(messages).where(eq(messages.body, 'also my API key stopped working'));
    const split = await agent.request('POST', `/api/v1/conversations/${b.id}/split`, { messageId: apiMessage!.id });
    expect(split.statusCode, split.body).toBe(201);
    expect(split.json()).toMatchObject({ subject: 'also my API key stopped working', contactId: contact.id });
    expect((await customer.request('GET', '/api/v1/conversations')).json().items.map((i: { id: string }) => i.id)).toContain(split.json().id);
  });

  it('tells agents who else is viewing and typing in a conversation', async () => {
    const realtime = await attachRealtime(t.app.server, t.services);
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const address = t.app.server.address();
    const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    const open = (s: Session) =>
      new Promise<Socket>((resolve, reject) => {
        const socket = connect(url, { transports: ['websocket'], extraHeaders: { cookie: s.cookie }, reconnection: false });
        socket.once('connect', () => resolve(socket));
        socket.once('connect_error', reject);
      });
    const contact = await makeContact(t);
    const c = (await admin.request('POST', '/api/v1/conversations', { contactId: contact.id, subject: 'collision', body: 'x' })).json();
    const [s1, s2] = await Promise.all([open(admin), open(agent)]);
    try {
      await s1.emitWithAck(SOCKET_EVENTS.conversationJoin, { conversationId: c.id });
      const seen = new Promise<{ viewers: { name: string; typing: boolean }[] }>((resolve) => {
        s1.on(SOCKET_EVENTS.presence, (p) => {
          if (p.viewers.some((v: { name: string; typing: boolean }) => v.name === 'Alex Morgan' && v.typing)) resolve(p);
        });
      });
      await s2.emitWithAck(SOCKET_EVENTS.conversationJoin, { conversationId: c.id });
      expect(await s2.emitWithAck(SOCKET_EVENTS.typing, { conversationId: c.id, typing: true })).toEqual({ ok: true });
      const presence = await seen;
      expect(presence.viewers.map((v) => v.name).sort()).toEqual(['Ada Admin', 'Alex Morgan']);
      // Typing in a room you did not join is refused.
      const other = (await admin.request('POST', '/api/v1/conversations', { contactId: contact.id, subject: 'other', body: 'x' })).json();
      expect(await s2.emitWithAck(SOCKET_EVENTS.typing, { conversationId: other.id, typing: true })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    } finally {
      s1.disconnect();
      s2.disconnect();
      await realtime.close();
    }
  });
});
