import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SOCKET_EVENTS } from '../../common/realtime.ts';
import { startServerProcess, type ServerProcess } from '../helpers/server.ts';
import { type Backend, requireBinaries, startPostgres, startRedis } from './backends.ts';
import { httpClient, type HttpClient } from '../helpers/httpClient.ts';

/**
 * Redis and PostgreSQL stop and come back while customers and agents chat across two server
 * processes (our own Redis and PostgreSQL on free loopback ports, never the shared ones).
 * What must hold: every send is acknowledged or cleanly refused within a bound (never a hang);
 * while Redis is down pushes still reach clients of the sender's process; when Redis is back
 * every client is told to resync and then holds every acknowledged message exactly once; while
 * PostgreSQL is down requests get a 503 in the error shape and /healthz says so; when it is back
 * the processes recover by themselves and nothing acknowledged is lost.
 */

const ROOT = join(import.meta.dirname, '..', '..');
/** How long a request or an acknowledgement may take before it counts as a hang. Generous: the bug was tens of seconds. */
const BOUND_MS = 5_000;
/** How long recovery (reconnect, resync) may take once a server is back. */
const RECOVERY_MS = 30_000;

const runnable = requireBinaries();

async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms)));
  try {
    return await Promise.race([promise, limit]);
  } finally {
    clearTimeout(timer);
  }
}

async function eventually<T>(check: () => Promise<T | null | undefined | false>, ms: number, what: string): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = await check().catch(() => null);
    if (value) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** A client of one process; with a bearer token it acts as that integration. */
const http = (base: string, bearer?: string) => httpClient(base, bearer ? { authorization: `Bearer ${bearer}` } : {});
type Http = HttpClient;

interface Msg {
  id: string;
  seq: number;
  conversationId: string;
  body: string;
}

/**
 * A chat client that follows docs/realtime.md: it keeps each joined conversation's messages by
 * seq (a push it already has is dropped), and on connect or `resync` joins again and fetches
 * what came after its highest contiguous seq.
 */
class Participant {
  socket!: Socket;
  readonly conversations = new Map<string, Map<number, Msg>>();
  /** Messages received as pushes (not through catch-up). */
  readonly pushed: Msg[] = [];
  resyncs = 0;
  /** Different messages seen with one seq: must stay empty. */
  readonly conflicts: string[] = [];
  private catchingUp: Promise<void> = Promise.resolve();

  constructor(
    readonly name: string,
    readonly api: Http,
    readonly process: 'A' | 'B',
  ) {}

  async connect(): Promise<void> {
    this.socket = await new Promise<Socket>((resolve, reject) => {
      const s = connect(this.api.base, { transports: ['websocket'], extraHeaders: { cookie: this.api.cookie }, reconnection: true });
      s.once('connect', () => resolve(s));
      s.once('connect_error', reject);
    });
    this.socket.on(SOCKET_EVENTS.message, (m: Msg) => {
      this.pushed.push(m);
      this.keep(m);
    });
    this.socket.on(SOCKET_EVENTS.resync, () => {
      this.resyncs++;
      this.catchingUp = this.catchingUp.then(() => this.rejoinAll()).catch(() => {});
    });
  }

  private keep(m: Msg) {
    const conv = this.conversations.get(m.conversationId);
    if (!conv) return;
    const had = conv.get(m.seq);
    if (had && had.id !== m.id) this.conflicts.push(`${m.conversationId}#${m.seq}: ${had.id} vs ${m.id}`);
    if (!had) conv.set(m.seq, { id: m.id, seq: m.seq, conversationId: m.conversationId, body: m.body });
  }

  highestContiguous(conversationId: string): number {
    const conv = this.conversations.get(conversationId)!;
    let n = 0;
    while (conv.has(n + 1)) n++;
    return n;
  }

  async join(conversationId: string): Promise<void> {
    if (!this.conversations.has(conversationId)) this.conversations.set(conversationId, new Map());
    const ack = await within(this.socket.emitWithAck(SOCKET_EVENTS.conversationJoin, { conversationId }), BOUND_MS, `${this.name} join`);
    expect(ack, `${this.name} joins ${conversationId}`).toMatchObject({ ok: true });
    await this.catchUp(conversationId);
  }

  async catchUp(conversationId: string): Promise<void> {
    for (;;) {
      const res = await this.api.request('GET', `/conversations/${conversationId}/messages?afterSeq=${this.highestContiguous(conversationId)}&limit=500`);
      if (res.status !== 200) throw new Error(`${this.name} catch-up: ${res.status} ${res.text}`);
      for (const m of res.json.items as Msg[]) this.keep({ ...m, conversationId });
      if ((res.json.items as Msg[]).length < 500) return;
    }
  }

  private async rejoinAll(): Promise<void> {
    for (const id of this.conversations.keys()) await this.join(id);
  }

  /** Waits for resync catch-ups started so far. */
  settled(): Promise<void> {
    return this.catchingUp;
  }

  has(messageId: string): boolean {
    for (const conv of this.conversations.values()) for (const m of conv.values()) if (m.id === messageId) return true;
    return false;
  }

  /** Sends over the socket; resolves with the ack (bounded: a hang fails the test). */
  async send(conversationId: string, body: string, idempotencyKey: string): Promise<any> {
    const ack = await within(this.socket.emitWithAck(SOCKET_EVENTS.messageSend, { conversationId, body, idempotencyKey }), BOUND_MS, `${this.name} message:send`);
    // The sender gets no push of its own message: the ack carries it.
    if (ack?.ok) this.keep(ack.message);
    return ack;
  }
}

describe.runIf(runnable)('outages of Redis and PostgreSQL under chat traffic (two processes)', () => {
  let redis: Backend;
  let postgres: Backend;
  let a: ServerProcess;
  let b: ServerProcess;
  let db: pg.Pool;
  let dataDir = '';
  const participants: Participant[] = [];
  /** conversation id → its customer and agent. */
  const chats: { id: string; customer: Participant; agent: Participant }[] = [];
  /** Every acknowledged message: id → idempotency key. */
  const acked = new Map<string, string>();
  let sent = 0;
  const servers = () => ({ A: a, B: b });

  /** Sends from p in chat, bounded; an ok ack is recorded. */
  const say = async (p: Participant, conversationId: string, tag: string) => {
    const key = `fault-${tag}-${++sent}-${p.name}`;
    const ack = await p.send(conversationId, `${tag} from ${p.name} #${sent}`, key);
    if (ack.ok) acked.set(ack.message.id, key);
    return ack;
  };
  const everyone = () => participants;
  const inChat = (id: string) => participants.filter((p) => p.conversations.has(id));

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'sb-faults-'));
    [redis, postgres] = await Promise.all([startRedis(), startPostgres()]);
    const env = { DATABASE_URL: postgres.url, REDIS_URL: redis.url, SEED_DEMO: '0', DATA_DIR: dataDir };
    const made = spawnSync(process.execPath, [join(ROOT, 'bin/switchboard.js'), 'create-api-token', '--name', 'faults', '--role', 'admin'], { cwd: ROOT, env: { ...process.env, ...env }, encoding: 'utf8' });
    const token = /\n(sb_\S+)/.exec(made.stdout)?.[1] ?? '';
    expect(token, made.stderr).not.toBe('');
    [a, b] = await Promise.all([startServerProcess(env), startServerProcess(env)]);
    db = new pg.Pool({ connectionString: postgres.url, max: 2 });
    db.on('error', () => {});

    // Two agents, one on each process, who see every conversation.
    const admin = http(a.url, token);
    const agents: Participant[] = [];
    for (const [i, where] of [
      [1, 'A'],
      [2, 'B'],
    ] as const) {
      const made = await admin.request('POST', '/agents', { email: `fault${i}@example.com`, name: `Fault Agent ${i}`, password: 'correct horse battery', role: 'admin', capacity: 2, languages: ['en'] });
      expect(made.status, made.text).toBe(201);
      expect((await admin.request('PATCH', `/agents/${made.json.id}`, { status: 'online' })).status).toBe(200);
      const api = http(servers()[where].url);
      expect((await api.request('POST', '/auth/login', { email: `fault${i}@example.com`, password: 'correct horse battery' })).status).toBe(200);
      agents.push(new Participant(`agent${i}@${where}`, api, where));
    }
    // Four customers, two on each process; routing offers two chats to each agent.
    const customers: Participant[] = [];
    for (let i = 0; i < 4; i++) {
      const where = i % 2 ? 'B' : 'A';
      const api = http(servers()[where].url);
      const started = await api.request('POST', '/chats', { description: `Deposit not arrived ${i}`, email: `faultc${i}@example.com`, language: 'en' });
      expect(started.status, started.text).toBe(201);
      const customer = new Participant(`customer${i}@${where}`, api, where);
      customers.push(customer);
      const id = started.json.conversation.id as string;
      const assignee = await eventually(async () => (await admin.request('GET', `/conversations/${id}`)).json?.assigneeId as string | null, RECOVERY_MS, `chat ${i} offered`);
      const agentIndex = (await admin.request('GET', `/agents/${assignee}`)).json.email === 'fault1@example.com' ? 0 : 1;
      chats.push({ id, customer, agent: agents[agentIndex]! });
    }
    for (const p of [...agents, ...customers]) {
      await p.connect();
      participants.push(p);
    }
    for (const chat of chats) {
      expect((await chat.agent.api.request('POST', `/chats/${chat.id}/accept`)).status).toBe(200);
      await chat.customer.join(chat.id);
      // Both agents follow every chat: each chat has a follower on the other process.
      for (const agent of agents) await agent.join(chat.id);
    }
  }, 240_000);

  afterAll(async () => {
    if (process.env.FAULTS_PRINT_OUTPUT) for (const s of [a, b]) console.log(s?.output());
    for (const p of participants) p.socket?.disconnect();
    await db?.end();
    await Promise.all([a?.stop(), b?.stop()]);
    await Promise.all([redis?.destroy(), postgres?.destroy()]);
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  /** Every participant holds exactly what the database holds for each of its conversations (customers: public messages). */
  const expectCaughtUp = async () => {
    for (const p of everyone()) {
      await p.settled();
      expect(p.conflicts, p.name).toEqual([]);
      for (const [id, conv] of p.conversations) {
        const { rows } = await db.query<{ id: string; seq: number }>(
          `select id, seq from messages where conversation_id = $1 ${p.name.startsWith('customer') ? "and visibility = 'public'" : ''} order by seq`,
          [id],
        );
        expect([...conv.values()].sort((x, y) => x.seq - y.seq).map((m) => `${m.seq}:${m.id}`), `${p.name} in ${id}`).toEqual(rows.map((r) => `${r.seq}:${r.id}`));
      }
    }
    // Every acknowledged message is stored exactly once.
    const { rows } = await db.query<{ idempotency_key: string; n: number }>(
      'select idempotency_key, count(*)::int as n from messages where idempotency_key = any($1) group by 1',
      [[...acked.values()]],
    );
    expect(rows.length).toBe(acked.size);
    expect(rows.every((r) => r.n === 1)).toBe(true);
  };

  it('Redis down: sends are acknowledged at once, same-process clients still get pushes, HTTP stays fast, /healthz says degraded; Redis back: everyone resyncs and holds every message once', async () => {
    // Warm-up with Redis: everyone in a chat hears every message, across processes.
    for (const chat of chats) {
      const ack = await say(chat.customer, chat.id, 'before');
      expect(ack).toMatchObject({ ok: true });
      await eventually(async () => inChat(chat.id).every((p) => p === chat.customer || p.has(ack.message.id)), RECOVERY_MS, 'warm-up pushes');
    }

    await redis.stop();
    for (const s of [a, b]) {
      const health = await eventually(async () => {
        const res = await http(s.url).request('GET', '/healthz');
        return res.json?.redis === 'down' ? res : null;
      }, RECOVERY_MS, 'healthz to notice Redis is down');
      expect(health.status).toBe(200);
      expect(health.json).toMatchObject({ ok: true, status: 'degraded', redis: 'down' });
    }

    // Traffic while Redis is down: the database is fine, so every send succeeds, promptly.
    const duringOutage: { from: Participant; chat: string; id: string }[] = [];
    for (let round = 0; round < 3; round++) {
      for (const chat of chats) {
        for (const from of [chat.customer, chat.agent]) {
          const ack = await say(from, chat.id, 'outage');
          expect(ack, `${from.name} sends while Redis is down`).toMatchObject({ ok: true });
          duringOutage.push({ from, chat: chat.id, id: ack.message.id });
        }
      }
    }
    // Pushes to clients of the sender's own process still arrive.
    for (const m of duringOutage) {
      const local = inChat(m.chat).filter((p) => p !== m.from && p.process === m.from.process);
      await eventually(async () => local.every((p) => p.pushed.some((x) => x.id === m.id)), BOUND_MS, `same-process push of ${m.id}`);
    }
    // HTTP does not wait for Redis: a new chat and a sign-in answer within the bound.
    const visitor = http(a.url);
    const started = await within(visitor.request('POST', '/chats', { description: 'Started during the Redis outage', email: 'outage@example.com', language: 'en' }), BOUND_MS, 'POST /chats without Redis');
    expect(started.status, started.text).toBe(201);
    const login = await within(http(b.url).request('POST', '/auth/login', { email: 'fault1@example.com', password: 'correct horse battery' }), BOUND_MS, 'login without Redis');
    expect(login.status).toBe(200);

    const resyncsBefore = everyone().map((p) => p.resyncs);
    await redis.start();
    // Every client is told to resync, on both processes.
    await eventually(async () => everyone().every((p, i) => p.resyncs > resyncsBefore[i]!), RECOVERY_MS, 'resync on every client');
    for (const s of [a, b]) {
      const health = await eventually(async () => {
        const res = await http(s.url).request('GET', '/healthz');
        return res.json?.redis === 'ok' ? res : null;
      }, RECOVERY_MS, 'healthz to see Redis again');
      expect(health.json).toMatchObject({ ok: true, status: 'ok' });
    }
    await expectCaughtUp();

    // Pushes cross processes again.
    for (const chat of chats) {
      const ack = await say(chat.agent, chat.id, 'after');
      expect(ack).toMatchObject({ ok: true });
      await eventually(async () => inChat(chat.id).every((p) => p === chat.agent || p.pushed.some((x) => x.id === ack.message.id)), RECOVERY_MS, 'pushes after recovery');
    }
    await expectCaughtUp();
  }, 180_000);

  it('PostgreSQL down: clean 503s and refused sends, no hang, /healthz says so; PostgreSQL back: the processes recover by themselves and nothing acknowledged is lost', async () => {
    await postgres.stop();
    for (const s of [a, b]) {
      const health = await within(http(s.url).request('GET', '/healthz'), BOUND_MS, '/healthz without PostgreSQL');
      expect(health.status).toBe(503);
      expect(health.json).toMatchObject({ ok: false, status: 'down', database: 'postgres' });
      const chat = await within(http(s.url).request('POST', '/chats', { description: 'Started during the database outage', language: 'en' }), BOUND_MS, 'POST /chats without PostgreSQL');
      expect(chat.status, chat.text).toBe(503);
      expect(chat.json).toMatchObject({ error: { code: 'unavailable', message: expect.any(String) } });
    }
    for (const chat of chats) {
      for (const from of [chat.customer, chat.agent]) {
        const ack = await say(from, chat.id, 'db-down');
        expect(ack, `${from.name} sends while PostgreSQL is down`).toMatchObject({ ok: false, error: { code: 'unavailable' } });
      }
    }
    // Sockets stay up; the processes are alive.
    expect(everyone().every((p) => p.socket.connected)).toBe(true);

    const restartedAt = new Date();
    await postgres.start();
    for (const s of [a, b]) {
      await eventually(async () => (await http(s.url).request('GET', '/healthz')).json?.status === 'ok', RECOVERY_MS, 'healthz ok after PostgreSQL is back');
    }
    // Sends work again (a connection the restart broke may fail one try: resend with the same key).
    for (const chat of chats) {
      for (const from of [chat.customer, chat.agent]) {
        const key = `fault-db-back-${++sent}-${from.name}`;
        const ack = await eventually(async () => {
          const res = await from.send(chat.id, `back from ${from.name}`, key);
          return res.ok ? res : null;
        }, RECOVERY_MS, `${from.name} sends after PostgreSQL is back`);
        acked.set(ack.message.id, key);
      }
    }
    for (const chat of chats) {
      for (const p of inChat(chat.id)) await p.catchUp(chat.id);
    }
    await expectCaughtUp();
    // pg-boss carries on: the agents' replies after the restart get their durable processing.
    await eventually(
      async () => (await db.query(`select count(*)::int as n from pgboss.job where name = 'events.process' and state = 'completed' and created_on > $1`, [restartedAt])).rows[0].n > 0,
      RECOVERY_MS,
      'a job created after the restart to complete',
    );
  }, 180_000);

  it('through all of it neither process crashed, left a Redis error unhandled or queued a query on a busy connection', async () => {
    for (const s of [a, b]) {
      expect((await http(s.url).request('GET', '/healthz')).json).toMatchObject({ ok: true, status: 'ok', redis: 'ok' });
      const output = s.output();
      expect(output).not.toMatch(/missing 'error' handler/);
      expect(output).not.toMatch(/Unhandled|ERR_UNHANDLED_REJECTION/i);
      expect(output).not.toMatch(/already executing a query/);
    }
  });
});
