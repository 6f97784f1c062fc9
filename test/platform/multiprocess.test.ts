import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io as connect, type Socket } from 'socket.io-client';
import pg from 'pg';
import { SOCKET_EVENTS } from '../../common/realtime.ts';
import { eventually } from '../helpers/app.ts';
import { createTestDatabase, TEST_DATABASE_URL, type TestDatabase } from '../helpers/db.ts';
import { startServerProcess, type ServerProcess } from '../helpers/server.ts';
import { httpClient as client } from '../helpers/httpClient.ts';

const REDIS = process.env.TEST_REDIS_URL;
if (process.env.CI === 'true' && !REDIS) throw new Error('CI=true but TEST_REDIS_URL is not set: the multi-process test would be skipped');
const ROOT = join(import.meta.dirname, '..', '..');


function socketTo(base: string, cookie: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(base, { transports: ['websocket'], extraHeaders: { cookie }, reconnection: false });
    s.once('connect', () => resolve(s));
    s.once('connect_error', reject);
  });
}

const next = <T>(socket: Socket, event: string, match: (p: any) => boolean) =>
  new Promise<T>((resolve) => {
    const handler = (p: any) => {
      if (!match(p)) return;
      socket.off(event, handler);
      resolve(p);
    };
    socket.on(event, handler);
  });

describe.runIf(TEST_DATABASE_URL && REDIS)('two server processes with Redis', () => {
  let db: TestDatabase;
  let a: ServerProcess;
  let b: ServerProcess;
  let token = '';
  const sockets: Socket[] = [];
  const dataDir = mkdtempSync(join(tmpdir(), 'sb-multi-'));

  beforeAll(async () => {
    db = await createTestDatabase('postgres');
    const env = { DATABASE_URL: db.url!, REDIS_URL: REDIS!, SEED_DEMO: '0', DATA_DIR: dataDir };
    const made = spawnSync(process.execPath, [join(ROOT, 'bin/switchboard.js'), 'create-api-token', '--name', 'multi', '--role', 'admin'], { cwd: ROOT, env: { ...process.env, ...env }, encoding: 'utf8' });
    token = /\n(sb_\S+)/.exec(made.stdout)?.[1] ?? '';
    expect(token, made.stderr).not.toBe('');
    [a, b] = await Promise.all([startServerProcess(env), startServerProcess(env)]);
  }, 180_000);
  afterAll(async () => {
    for (const s of sockets) s.disconnect();
    await Promise.all([a?.stop(), b?.stop()]);
    await db?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('routes chats started on both processes to one agent each, within capacity, and the customer on one chats with the agent on the other', async () => {
    const admin = { authorization: `Bearer ${token}` };
    const adminA = client(a.url);
    const agentsMade = await Promise.all(
      [1, 2, 3].map((i) =>
        adminA.request('POST', '/agents', { email: `multi${i}@example.com`, name: `Multi Agent ${i}`, password: 'correct horse battery', capacity: 2, languages: ['en'] }, admin),
      ),
    );
    expect(agentsMade.map((r) => r.status)).toEqual([201, 201, 201]);
    const agentIds = agentsMade.map((r) => r.json.id as string);
    // Presence set through the other process.
    const adminB = client(b.url);
    for (const id of agentIds) expect((await adminB.request('PATCH', `/agents/${id}`, { status: 'online' }, admin)).status).toBe(200);

    // Ten visitors at once, half on each process: both routers race for the same queue.
    const visitors = Array.from({ length: 10 }, (_, i) => client(i % 2 ? b.url : a.url));
    const started = await Promise.all(visitors.map((v, i) => v.request('POST', '/chats', { description: `Withdrawal question ${i}`, email: `v${i}@example.com` })));
    expect(started.map((r) => r.status)).toEqual(Array(10).fill(201));
    expect(started.every((r) => r.json.conversation.mode === 'live')).toBe(true);
    const chatIds = started.map((r) => r.json.conversation.id as string);

    // Three agents with two slots each: six chats offered, four still waiting.
    const pool = new pg.Pool({ connectionString: db.url, max: 2 });
    try {
      const offered = await eventually(async () => {
        const { rows } = await pool.query<{ id: string; assignee_id: string | null }>('select id, assignee_id from conversations where id = any($1)', [chatIds]);
        const assigned = rows.filter((r) => r.assignee_id);
        return assigned.length === 6 ? rows : null;
      }, 30_000);
      const perAgent = new Map<string, number>();
      for (const r of offered) if (r.assignee_id) perAgent.set(r.assignee_id, (perAgent.get(r.assignee_id) ?? 0) + 1);
      expect([...perAgent.values()].sort()).toEqual([2, 2, 2]);
      // Never offered twice: each chat has at most one assignment in its history.
      const { rows: assigns } = await pool.query<{ conversation_id: string; n: number }>(
        `select conversation_id, count(*)::int as n from events where type = 'conversations.assign' and conversation_id = any($1) and data->'after'->>'assigneeId' is not null group by 1`,
        [chatIds],
      );
      expect(assigns.length).toBe(6);
      expect(assigns.every((r) => r.n === 1)).toBe(true);

      // One of those chats: the customer is on process A, its agent on process B.
      const onA = offered.find((r) => r.assignee_id && started[chatIds.indexOf(r.id)] && chatIds.indexOf(r.id) % 2 === 0)!;
      const customer = visitors[chatIds.indexOf(onA.id)]!;
      const agentIndex = agentIds.indexOf(onA.assignee_id!);
      const agent = client(b.url);
      expect((await agent.request('POST', '/auth/login', { email: `multi${agentIndex + 1}@example.com`, password: 'correct horse battery' })).status).toBe(200);
      expect((await agent.request('POST', `/chats/${onA.id}/accept`)).json.status).toBe('open');

      const customerSocket = await socketTo(a.url, customer.cookie);
      const agentSocket = await socketTo(b.url, agent.cookie);
      sockets.push(customerSocket, agentSocket);
      expect(await customerSocket.emitWithAck(SOCKET_EVENTS.conversationJoin, { conversationId: onA.id })).toMatchObject({ ok: true });
      expect(await agentSocket.emitWithAck(SOCKET_EVENTS.conversationJoin, { conversationId: onA.id })).toMatchObject({ ok: true });

      const agentGets = next<{ body: string }>(agentSocket, SOCKET_EVENTS.message, (m) => m.body === 'Hello from process A');
      const typingSeen = next<{ side: string }>(agentSocket, SOCKET_EVENTS.typingSignal, (p) => p.conversationId === onA.id);
      customerSocket.emit(SOCKET_EVENTS.typing, { conversationId: onA.id, typing: true });
      expect(await typingSeen).toMatchObject({ side: 'customer', typing: true });
      expect(await customerSocket.emitWithAck(SOCKET_EVENTS.messageSend, { conversationId: onA.id, body: 'Hello from process A', idempotencyKey: 'multi-0001' })).toMatchObject({ ok: true });
      expect(await agentGets).toMatchObject({ direction: 'in' });

      const customerGets = next<{ body: string }>(customerSocket, SOCKET_EVENTS.message, (m) => m.body === 'Hi, agent on process B here');
      expect(await agentSocket.emitWithAck(SOCKET_EVENTS.messageSend, { conversationId: onA.id, body: 'Hi, agent on process B here', idempotencyKey: 'multi-0002' })).toMatchObject({ ok: true });
      expect(await customerGets).toMatchObject({ direction: 'out', authorName: `Multi Agent ${agentIndex + 1}` });

      // The customer read it: the agent on the other process hears so.
      const readSeen = next<{ seq: number }>(agentSocket, SOCKET_EVENTS.readSignal, (p) => p.side === 'customer');
      const seq = (await customer.request('GET', `/conversations/${onA.id}`)).json.lastSeq as number;
      await customerSocket.emitWithAck(SOCKET_EVENTS.read, { conversationId: onA.id, seq });
      expect(await readSeen).toMatchObject({ seq });
    } finally {
      await pool.end();
    }
  }, 120_000);

  it('shares rate limits between processes through Redis (20 sign-in attempts a minute per address, not per process)', async () => {
    const attempt = (base: string) => client(base).request('POST', '/auth/customer/login', { email: 'nobody@example.com', password: 'wrong password here' });
    const results = await Promise.all(Array.from({ length: 24 }, (_, i) => attempt(i % 2 ? b.url : a.url)));
    const statuses = results.map((r) => r.status);
    // Twelve per process would all pass with per-process counters.
    expect(statuses.filter((s) => s !== 429).length).toBeLessThanOrEqual(20);
    expect(statuses).toContain(429);
    expect(results.find((r) => r.status === 429)!.json.error.code).toBe('rate_limited');
  });
});
