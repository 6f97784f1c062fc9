import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io as connect, type Socket } from 'socket.io-client';
import { SOCKET_EVENTS } from '../../common/realtime.ts';
import { createSeqTracker } from '../../common/seqTracker.ts';
import { attachRealtime } from '../../server/realtime/socket.ts';
import { chatRouter } from '../../server/domain/routing/chatRouter.ts';
import { agentUpdater } from '../../server/domain/directory/agents.ts';
import { settingsUpdater } from '../../server/domain/system/settings.ts';
import { DB_KINDS } from '../helpers/db.ts';
import { asSystem, createTestApp, eventually, loginAgent, loginContact, makeAgent, makeContact, type Session, type TestApp } from '../helpers/app.ts';

describe.each(DB_KINDS)('real-time pushes on %s', (kind) => {
  let t: TestApp;
  let url: string;
  let close: () => Promise<void>;
  const sockets: Socket[] = [];

  beforeAll(async () => {
    t = await createTestApp(kind);
    const realtime = await attachRealtime(t.app.server, t.services);
    close = realtime.close;
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const address = t.app.server.address();
    url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });
  afterAll(async () => {
    for (const s of sockets) s.disconnect();
    await close();
    await t.close();
  });

  const open = (session?: Session) =>
    new Promise<Socket>((resolve, reject) => {
      const socket = connect(url, { transports: ['websocket'], extraHeaders: session ? { cookie: session.cookie } : {}, reconnection: false });
      sockets.push(socket);
      socket.once('connect', () => resolve(socket));
      socket.once('connect_error', reject);
    });
  /** The next push of a kind that matches (pushes of earlier changes may still be arriving). */
  const next = <T>(socket: Socket, event: string, match: (payload: any) => boolean = () => true) =>
    new Promise<T>((resolve) => {
      const handler = (payload: any) => {
        if (!match(payload)) return;
        socket.off(event, handler);
        resolve(payload);
      };
      socket.on(event, handler);
    });

  it('refuses a connection without a session', async () => {
    await expect(open()).rejects.toMatchObject({ message: 'Sign in first' });
  });

  it('pushes replies to the customer and notes only to staff; nobody joins a conversation that is not theirs', async () => {
    const admin = await makeAgent(t, { role: 'admin' });
    const customerRow = await makeContact(t);
    const otherRow = await makeContact(t);
    const [agentSession, customer, other] = await Promise.all([loginAgent(t, admin.email), loginContact(t, customerRow.email!), loginContact(t, otherRow.email!)]);
    const created = await customer.request('POST', '/api/v1/conversations', { subject: 'Withdrawal stuck', body: 'My USDT withdrawal is pending' });
    const conversationId = created.json().id as string;

    const [agentSocket, customerSocket, otherSocket] = await Promise.all([open(agentSession), open(customer), open(other)]);
    expect(await agentSocket.emitWithAck(SOCKET_EVENTS.conversationJoin, { conversationId })).toEqual({ ok: true, lastSeq: 1 });
    expect(await customerSocket.emitWithAck(SOCKET_EVENTS.conversationJoin, { conversationId })).toEqual({ ok: true, lastSeq: 1 });
    expect(await otherSocket.emitWithAck(SOCKET_EVENTS.conversationJoin, { conversationId })).toMatchObject({ ok: false, error: { code: 'not_found' } });
    expect(await otherSocket.emitWithAck(SOCKET_EVENTS.conversationJoin, { conversationId: 'nope' })).toMatchObject({ ok: false, error: { code: 'validation_failed' } });

    const customerGot: { body: string; visibility: string }[] = [];
    const otherGot: unknown[] = [];
    customerSocket.on(SOCKET_EVENTS.message, (m) => customerGot.push(m));
    otherSocket.on(SOCKET_EVENTS.message, (m) => otherGot.push(m));

    const noteSeen = next<{ body: string; visibility: string }>(agentSocket, SOCKET_EVENTS.message);
    await agentSession.request('POST', `/api/v1/conversations/${conversationId}/notes`, { body: 'internal: check risk flags' });
    expect(await noteSeen).toMatchObject({ body: 'internal: check risk flags', visibility: 'private', seq: 2 });

    const replySeen = next<{ body: string }>(customerSocket, SOCKET_EVENTS.message);
    const updated = next<{ id: string; status: string }>(agentSocket, SOCKET_EVENTS.conversationUpdated);
    await agentSession.request('POST', `/api/v1/conversations/${conversationId}/messages`, { body: 'We are on it' });
    expect(await replySeen).toMatchObject({ body: 'We are on it', visibility: 'public', direction: 'out', seq: 3 });
    expect(await updated).toMatchObject({ id: conversationId });

    const change = next<{ type: string; data: unknown; actorName: string }>(agentSocket, SOCKET_EVENTS.event, (e) => 'priority' in (e.data.after ?? {}));
    await agentSession.request('PATCH', `/api/v1/conversations/${conversationId}`, { priority: 'high' });
    expect(await change).toMatchObject({ type: 'conversations.update', data: { before: { priority: 'normal' }, after: { priority: 'high' } }, actorName: admin.name });

    // The customer saw the reply and never the note; the other customer saw nothing.
    await new Promise((r) => setTimeout(r, 100));
    expect(customerGot.map((m) => m.body)).toEqual(['We are on it']);
    expect(otherGot).toEqual([]);
  });

  it('tells views about new messages at most once a second per audience, and about other changes at once', async () => {
    const admin = await makeAgent(t, { role: 'admin' });
    const customerRow = await makeContact(t);
    const [agentSession, customer] = await Promise.all([loginAgent(t, admin.email), loginContact(t, customerRow.email!)]);
    const ids: string[] = [];
    for (const subject of ['Deposit missing', 'KYC stuck']) ids.push((await customer.request('POST', '/api/v1/conversations', { subject, body: subject })).json().id);
    const agentSocket = await open(agentSession);
    await new Promise((r) => setTimeout(r, 1200));
    const got: { id: string; type: string }[] = [];
    agentSocket.on(SOCKET_EVENTS.conversationUpdated, (p) => got.push(p));
    // Six customer messages in two conversations, as fast as they come.
    for (let i = 0; i < 6; i++) {
      const res = await customer.request('POST', `/api/v1/conversations/${ids[i % 2]}/messages`, { body: `update ${i}` });
      expect(res.statusCode).toBe(201);
    }
    await eventually(async () => (got.some((p) => p.type === 'messages.create') ? true : undefined), 5000);
    await new Promise((r) => setTimeout(r, 1300));
    const forMessages = got.filter((p) => p.type === 'messages.create');
    // A window of a second holds several messages: fewer pushes than messages; the latest conversation is named.
    expect(forMessages.length).toBeGreaterThanOrEqual(1);
    expect(forMessages.length).toBeLessThanOrEqual(3);
    expect(forMessages.at(-1)!.id).toBe(ids[1]);
    // A change (here priority) is pushed at once, not held back.
    const before = got.length;
    const changed = next<{ id: string; type: string }>(agentSocket, SOCKET_EVENTS.conversationUpdated, (p) => p.type === 'conversations.update');
    await agentSession.request('PATCH', `/api/v1/conversations/${ids[0]}`, { priority: 'urgent' });
    expect(await changed).toMatchObject({ id: ids[0], type: 'conversations.update' });
    expect(got.length).toBeGreaterThan(before);
  });

  it('tells a waiting chat customer when the queue moves (here: an agent takes their chat)', async () => {
    const agentRow = await makeAgent(t);
    await asSystem(t, (ctx) => agentUpdater(ctx, agentRow.id, { status: 'online', languages: ['en'] }));
    const started = await t.app.inject({ method: 'POST', url: '/api/v1/chats', payload: { description: 'Is my withdrawal safe?' } });
    const cookies = (started.cookies as { name: string; value: string }[]).map((c) => `${c.name}=${c.value}`).join('; ');
    const conversationId = started.json().conversation.id as string;
    const socket = await open({ cookie: cookies, csrf: '', request: async () => started });
    expect(await socket.emitWithAck(SOCKET_EVENTS.conversationJoin, { conversationId })).toMatchObject({ ok: true });
    const moved = next(socket, SOCKET_EVENTS.queueChanged);
    expect(await chatRouter(t.services)).toEqual([{ chatId: conversationId, agentId: agentRow.id }]);
    await moved;
    const status = await t.app.inject({ method: 'GET', url: `/api/v1/chats/${conversationId}/queue`, headers: { cookie: cookies } });
    expect(status.json().state).toBe('assigned');
  });

  it('sends over the socket with an ack after commit, once per idempotency key; relays typing and read receipts to the other side only', async () => {
    const admin = await makeAgent(t, { role: 'admin' });
    const customerRow = await makeContact(t);
    const otherRow = await makeContact(t);
    const [agentSession, customer, other] = await Promise.all([loginAgent(t, admin.email), loginContact(t, customerRow.email!), loginContact(t, otherRow.email!)]);
    const conversationId = (await customer.request('POST', '/api/v1/conversations', { subject: 'Deposit missing', body: 'Sent BTC 3 hours ago' })).json().id as string;
    const [agentSocket, customerSocket, otherSocket] = await Promise.all([open(agentSession), open(customer), open(other)]);

    // Not joined yet: nothing is accepted.
    expect(await customerSocket.emitWithAck(SOCKET_EVENTS.messageSend, { conversationId, body: 'hello', idempotencyKey: 'key-000001' })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(await otherSocket.emitWithAck(SOCKET_EVENTS.read, { conversationId, seq: 1 })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    await agentSocket.emitWithAck(SOCKET_EVENTS.conversationJoin, { conversationId });
    await customerSocket.emitWithAck(SOCKET_EVENTS.conversationJoin, { conversationId });

    // The customer's other tab gets the push; the sending socket has the message in its ack instead.
    const otherTab = await open(customer);
    await otherTab.emitWithAck(SOCKET_EVENTS.conversationJoin, { conversationId });
    const ownPushes: unknown[] = [];
    customerSocket.on(SOCKET_EVENTS.message, (m) => ownPushes.push(m));
    const otherTabSees = next<{ seq: number }>(otherTab, SOCKET_EVENTS.message, (m) => m.seq === 2);
    const agentSees = next<{ body: string; seq: number }>(agentSocket, SOCKET_EVENTS.message, (m) => m.body === 'The txid is 0xabc');
    const sent = await customerSocket.emitWithAck(SOCKET_EVENTS.messageSend, { conversationId, body: 'The txid is 0xabc', idempotencyKey: 'key-000002' });
    expect(sent).toMatchObject({ ok: true, message: { body: 'The txid is 0xabc', seq: 2, direction: 'in' } });
    // Committed before the ack: a fresh read finds it.
    const listed = await agentSession.request('GET', `/api/v1/conversations/${conversationId}/messages?afterSeq=1`);
    expect(listed.json().items.map((m: { body: string }) => m.body)).toEqual(['The txid is 0xabc']);
    expect(await agentSees).toMatchObject({ seq: 2 });
    expect(await otherTabSees).toMatchObject({ seq: 2, body: 'The txid is 0xabc' });
    // A round trip on the sending socket after the push went out: anything pushed to it would have arrived first.
    await customerSocket.emitWithAck(SOCKET_EVENTS.conversationJoin, { conversationId });
    expect(ownPushes).toEqual([]);
    otherTab.disconnect();
    // A resend after a network drop is stored once.
    const again = await customerSocket.emitWithAck(SOCKET_EVENTS.messageSend, { conversationId, body: 'The txid is 0xabc', idempotencyKey: 'key-000002' });
    expect(again).toMatchObject({ ok: true, message: { id: sent.message.id, seq: 2 } });
    expect(await customerSocket.emitWithAck(SOCKET_EVENTS.messageSend, { conversationId, body: '', idempotencyKey: 'key-000003' })).toMatchObject({ ok: false, error: { code: 'validation_failed' } });

    // Typing reaches the other side, with the agent's name for the customer.
    const customerTyping = next<{ side: string; name: string | null; typing: boolean }>(customerSocket, SOCKET_EVENTS.typingSignal);
    agentSocket.emit(SOCKET_EVENTS.typing, { conversationId, typing: true });
    expect(await customerTyping).toEqual({ conversationId, side: 'agent', name: admin.name, typing: true });
    const agentTyping = next<{ side: string; typing: boolean }>(agentSocket, SOCKET_EVENTS.typingSignal);
    customerSocket.emit(SOCKET_EVENTS.typing, { conversationId, typing: true });
    expect(await agentTyping).toEqual({ conversationId, side: 'customer', name: null, typing: true });

    // Read receipts move forward only and never past the last message.
    const agentHearsRead = next<{ side: string; seq: number }>(agentSocket, SOCKET_EVENTS.readSignal, (r) => r.side === 'customer');
    expect(await customerSocket.emitWithAck(SOCKET_EVENTS.read, { conversationId, seq: 99 })).toEqual({ ok: true, seq: 2 });
    expect(await agentHearsRead).toEqual({ conversationId, side: 'customer', seq: 2 });
    expect(await customerSocket.emitWithAck(SOCKET_EVENTS.read, { conversationId, seq: 1 })).toEqual({ ok: true, seq: 2 });
    expect(await agentSocket.emitWithAck(SOCKET_EVENTS.read, { conversationId, seq: 2 })).toEqual({ ok: true, seq: 2 });
    const row = (await agentSession.request('GET', `/api/v1/conversations/${conversationId}`)).json();
    expect(row).toMatchObject({ customerReadSeq: 2, agentReadSeq: 2 });
  });

  it('stores a burst from one socket in the order it was sent, even when nothing waits for the acks', async () => {
    const customerRow = await makeContact(t);
    const customer = await loginContact(t, customerRow.email!);
    const conversationId = (await customer.request('POST', '/api/v1/conversations', { subject: 'Burst', body: 'first' })).json().id as string;
    const socket = await open(customer);
    await socket.emitWithAck(SOCKET_EVENTS.conversationJoin, { conversationId });
    // Thirty messages without waiting for any ack: the full burst allowance, then the rest once the allowance has refilled.
    const bodies = Array.from({ length: 30 }, (_, i) => `burst ${i}`);
    const send = (body: string, i: number) => socket.emitWithAck(SOCKET_EVENTS.messageSend, { conversationId, body, idempotencyKey: `burst-key-${conversationId}-${i}` });
    const acks = bodies.slice(0, 20).map(send);
    await new Promise((r) => setTimeout(r, 2100));
    acks.push(...bodies.slice(20).map((b, i) => send(b, i + 20)));
    const answered = await Promise.all(acks);
    expect(answered.map((a) => a.ok)).toEqual(Array(30).fill(true));
    const stored = (await customer.request('GET', `/api/v1/conversations/${conversationId}/messages?afterSeq=1`)).json().items as { body: string; seq: number }[];
    expect(stored.map((m) => m.body)).toEqual(bodies);
    expect(answered.map((a) => a.message.seq)).toEqual(stored.map((m) => m.seq));
  });

  it('catches up a client from its contiguous seq: a message pushed while it was away is not skipped because its own later ack arrived', async () => {
    const admin = await makeAgent(t, { role: 'admin' });
    const customerRow = await makeContact(t);
    const [agentSession, customer] = await Promise.all([loginAgent(t, admin.email), loginContact(t, customerRow.email!)]);
    const conversationId = (await customer.request('POST', '/api/v1/conversations', { subject: 'Catch-up', body: 'first' })).json().id as string;
    const tracker = createSeqTracker();
    const catchUp = async (lastSeq?: number) => {
      const afterSeq = tracker.contiguous;
      const items = (await customer.request('GET', `/api/v1/conversations/${conversationId}/messages?afterSeq=${afterSeq}`)).json().items as { seq: number; body: string }[];
      tracker.caughtUp(afterSeq, items.map((m) => m.seq), { lastSeq, more: false });
      return items;
    };
    await catchUp();
    expect(tracker.contiguous).toBe(1);

    // A private note (a hole to the customer) and the agent's reply N, whose push this client never gets.
    await agentSession.request('POST', `/api/v1/conversations/${conversationId}/notes`, { body: 'note the customer never sees' });
    const reply = (await agentSession.request('POST', `/api/v1/conversations/${conversationId}/messages`, { body: 'reply N' })).json() as { seq: number };
    // The customer's own message N+1: its ack arrives, the push of N did not.
    const socket = await open(customer);
    await socket.emitWithAck(SOCKET_EVENTS.conversationJoin, { conversationId });
    const sent = await socket.emitWithAck(SOCKET_EVENTS.messageSend, { conversationId, body: 'mine N+1', idempotencyKey: `catchup-${conversationId}` });
    expect(sent.message.seq).toBe(reply.seq + 1);
    expect(tracker.received(sent.message.seq)).toBe(true);
    socket.disconnect();

    // Re-joining: the ack's lastSeq is ahead of the contiguous seq, and the catch-up from there brings N.
    const again = await open(customer);
    const joined = await again.emitWithAck(SOCKET_EVENTS.conversationJoin, { conversationId });
    expect(tracker.behind(joined.lastSeq)).toBe(true);
    const fetched = await catchUp(joined.lastSeq);
    expect(fetched.map((m) => m.body)).toEqual(['reply N', 'mine N+1']);
    expect(tracker.contiguous).toBe(joined.lastSeq);
    // Resuming from the highest seq held (the old way) would have asked after N+1 and got nothing.
    const fromHighest = (await customer.request('GET', `/api/v1/conversations/${conversationId}/messages?afterSeq=${sent.message.seq}`)).json().items;
    expect(fromHighest).toEqual([]);
  });

  it('names the author in a message:send ack as the push and GET …/messages do', async () => {
    const admin = await makeAgent(t, { role: 'admin', name: 'Ack Agent' });
    const customerRow = await makeContact(t);
    const [agentSession, customer] = await Promise.all([loginAgent(t, admin.email), loginContact(t, customerRow.email!)]);
    const conversationId = (await customer.request('POST', '/api/v1/conversations', { subject: 'Names', body: 'hello' })).json().id as string;
    const [agentSocket, customerSocket] = await Promise.all([open(agentSession), open(customer)]);
    await agentSocket.emitWithAck(SOCKET_EVENTS.conversationJoin, { conversationId });
    await customerSocket.emitWithAck(SOCKET_EVENTS.conversationJoin, { conversationId });

    const pushed = next<{ authorName: string | null }>(agentSocket, SOCKET_EVENTS.message, (m) => m.body === 'from the customer');
    const fromCustomer = await customerSocket.emitWithAck(SOCKET_EVENTS.messageSend, { conversationId, body: 'from the customer', idempotencyKey: `names-${conversationId}-1` });
    const pushedToCustomer = next<{ authorName: string | null }>(customerSocket, SOCKET_EVENTS.message, (m) => m.body === 'from the agent');
    const fromAgent = await agentSocket.emitWithAck(SOCKET_EVENTS.messageSend, { conversationId, body: 'from the agent', idempotencyKey: `names-${conversationId}-2` });
    const listed = (await agentSession.request('GET', `/api/v1/conversations/${conversationId}/messages?afterSeq=1`)).json().items as { seq: number; authorName: string | null }[];
    const nameOf = (seq: number) => listed.find((m) => m.seq === seq)!.authorName;

    expect(nameOf(fromCustomer.message.seq)).toBeTruthy();
    expect(fromCustomer.message.authorName).toBe(nameOf(fromCustomer.message.seq));
    expect((await pushed).authorName).toBe(nameOf(fromCustomer.message.seq));
    expect(fromAgent.message.authorName).toBe('Ack Agent');
    expect((await pushedToCustomer).authorName).toBe(nameOf(fromAgent.message.seq));
    // A resend answers with the stored message: still named.
    const again = await customerSocket.emitWithAck(SOCKET_EVENTS.messageSend, { conversationId, body: 'from the customer', idempotencyKey: `names-${conversationId}-1` });
    expect(again.message).toMatchObject({ id: fromCustomer.message.id, authorName: nameOf(fromCustomer.message.seq) });
  });

  it('tells the customer at once when an agent ends the chat', async () => {
    const agentRow = await makeAgent(t, { name: 'Ending Agent' });
    await asSystem(t, (ctx) => agentUpdater(ctx, agentRow.id, { status: 'online', languages: ['en'] }));
    const started = await t.app.inject({ method: 'POST', url: '/api/v1/chats', payload: { description: 'Please end this chat' } });
    const cookie = (started.cookies as { name: string; value: string }[]).map((c) => `${c.name}=${c.value}`).join('; ');
    const conversationId = started.json().conversation.id as string;
    const socket = await open({ cookie, csrf: '', request: async () => started });
    expect(await socket.emitWithAck(SOCKET_EVENTS.conversationJoin, { conversationId })).toMatchObject({ ok: true });
    const agent = await loginAgent(t, agentRow.email);
    expect((await agent.request('POST', `/api/v1/chats/${conversationId}/accept`)).statusCode).toBe(200);

    const ended = next<{ id: string; status: string }>(socket, SOCKET_EVENTS.conversationUpdated, (p) => p.id === conversationId && p.status === 'solved');
    expect((await agent.request('POST', `/api/v1/chats/${conversationId}/end`, {})).statusCode).toBe(204);
    expect(await ended).toMatchObject({ id: conversationId, status: 'solved', mode: 'live' });
  });
});

describe.each(DB_KINDS)('a chat whose customer left on %s', (kind) => {
  let t: TestApp;
  let url: string;
  let close: () => Promise<void>;

  beforeAll(async () => {
    t = await createTestApp(kind, {}, { jobs: true });
    const realtime = await attachRealtime(t.app.server, t.services);
    close = realtime.close;
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const address = t.app.server.address();
    url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });
  afterAll(async () => {
    await close();
    await t.close();
  });

  it('becomes a ticket once the customer has been gone for the abandon time, and says so', async () => {
    // Below the API's minimum, to keep the test short; the job is what is tested.
    await asSystem(t, (ctx) => settingsUpdater(ctx, { chatAbandonSeconds: 1 }));
    const agentRow = await makeAgent(t);
    await asSystem(t, (ctx) => agentUpdater(ctx, agentRow.id, { status: 'online', languages: ['en'] }));
    const started = await t.app.inject({ method: 'POST', url: '/api/v1/chats', payload: { description: 'Card payment failed', email: 'gone@example.com' } });
    const cookie = (started.cookies as { name: string; value: string }[]).map((c) => `${c.name}=${c.value}`).join('; ');
    const conversationId = started.json().conversation.id as string;
    expect(started.json().conversation.mode).toBe('live');

    const socket = connect(url, { transports: ['websocket'], extraHeaders: { cookie }, reconnection: false });
    await new Promise((resolve) => socket.once('connect', () => resolve(null)));
    expect(await socket.emitWithAck(SOCKET_EVENTS.conversationJoin, { conversationId })).toMatchObject({ ok: true });
    socket.disconnect();

    const conversation = await eventually(async () => {
      const res = await t.app.inject({ method: 'GET', url: `/api/v1/conversations/${conversationId}`, headers: { cookie } });
      return res.json().mode === 'async' ? (res.json() as { status: string; number: number }) : null;
    }, 30_000);
    expect(conversation.status).toBe('new');
    const messages = await t.app.inject({ method: 'GET', url: `/api/v1/conversations/${conversationId}/messages`, headers: { cookie } });
    expect(messages.json().items.at(-1).body).toBe(`You left the chat. Your chat is now ticket #${conversation.number}. We sent a confirmation link to gone@example.com: once you confirm your address, our answer reaches you by email and in My tickets.`);
  });
});

describe.each(DB_KINDS)('agent notifications on %s', (kind) => {
  let t: TestApp;
  let url: string;
  let close: () => Promise<void>;
  const sockets: Socket[] = [];

  beforeAll(async () => {
    t = await createTestApp(kind, {}, { jobs: true });
    const realtime = await attachRealtime(t.app.server, t.services);
    close = realtime.close;
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const address = t.app.server.address();
    url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });
  afterAll(async () => {
    for (const s of sockets) s.disconnect();
    await close();
    await t.close();
  });

  it('names the conversation in the push of a chat offer, as the REST list does', async () => {
    const agentRow = await makeAgent(t);
    await asSystem(t, (ctx) => agentUpdater(ctx, agentRow.id, { status: 'online', languages: ['en'] }));
    const agent = await loginAgent(t, agentRow.email);
    const socket = connect(url, { transports: ['websocket'], extraHeaders: { cookie: agent.cookie }, reconnection: false });
    sockets.push(socket);
    await new Promise((resolve, reject) => {
      socket.once('connect', () => resolve(null));
      socket.once('connect_error', reject);
    });
    const pushed = new Promise<{ type: string; conversationId: string | null; notificationId: string }>((resolve) => socket.on(SOCKET_EVENTS.notification, (n) => n.type === 'assigned' && resolve(n)));
    const started = await t.app.inject({ method: 'POST', url: '/api/v1/chats', payload: { description: 'Offer me to an agent' } });
    const conversationId = started.json().conversation.id as string;
    await eventually(async () => (await chatRouter(t.services)).length > 0 || (await t.app.inject({ method: 'GET', url: `/api/v1/conversations/${conversationId}`, headers: { cookie: agent.cookie } })).json().assigneeId === agentRow.id);
    const notification = await pushed;
    const listed = (await agent.request('GET', '/api/v1/notifications')).json().items as { id: string; conversationId: string | null }[];
    const row = listed.find((n) => n.id === notification.notificationId);
    expect(row?.conversationId).toBe(conversationId);
    expect(notification.conversationId).toBe(conversationId);
  });
});
