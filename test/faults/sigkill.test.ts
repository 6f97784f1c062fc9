/**
 * Fault suite: a process is SIGKILLed (a crash: nothing flushed, no goodbye to sockets) in the
 * middle of live chats and of a ticket burst, on PostgreSQL + Redis with two real server
 * processes. Every acknowledgement is then compared with what is stored: nothing acknowledged is
 * lost, nothing is stored twice, and every chat client that reconnects to the surviving process
 * and catches up as docs/realtime.md says has every message once, in order. Loopback only; the
 * traffic is a fixed, small amount.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io as connect, type Socket } from 'socket.io-client';
import pg from 'pg';
import { SOCKET_EVENTS, type SocketAck } from '../../common/realtime.ts';
import { createSeqTracker, type SeqTracker } from '../../common/seqTracker.ts';
import { eventually } from '../helpers/app.ts';
import { createTestDatabase, TEST_DATABASE_URL, type TestDatabase } from '../helpers/db.ts';
import { startServerProcess, type ServerProcess } from '../helpers/server.ts';
import { httpClient, type HttpClient } from '../helpers/httpClient.ts';

const REDIS = process.env.TEST_REDIS_URL;
if (process.env.CI === 'true' && !REDIS) throw new Error('CI=true but TEST_REDIS_URL is not set: the SIGKILL fault tests would be skipped');
if (process.env.CI === 'true' && !TEST_DATABASE_URL) throw new Error('CI=true but TEST_DATABASE_URL is not set: the SIGKILL fault tests would be skipped');
const ROOT = join(import.meta.dirname, '..', '..');

/**
 * Rate-limit counters live in Redis keyed by address (every test client is 127.0.0.1): a Redis
 * database of our own keeps other suites' counters out. (Pub/sub ignores the database number, so
 * events of other suites running at the same time may reach our processes; they name
 * conversations our database does not have and are dropped.)
 */
function ownRedisDb(url: string): string {
  const u = new URL(url);
  u.pathname = `/${7 + Math.floor(Math.random() * 8)}`;
  return u.toString();
}


interface Pushed {
  id: string;
  seq: number;
  body: string;
  conversationId: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * One side of one chat, as a careful client does it: a socket in the conversation's room; every
 * message (push, own ack, catch-up) kept by seq; a push beyond the contiguous seq triggers a
 * catch-up; after a drop it connects to the surviving process, joins again, catches up from the
 * contiguous seq and resends what was not acknowledged with the same idempotency key.
 */
class ChatSide {
  socket: Socket | null = null;
  readonly tracker: SeqTracker = createSeqTracker();
  /** seq → message id, as this client holds it. */
  readonly held = new Map<number, string>();
  /** The same seq arriving with two different ids: must never happen. */
  readonly conflicts: string[] = [];
  /** Every message:send answered ok: key → stored id and seq. */
  readonly acked = new Map<string, { id: string; seq: number; body: string }>();
  /** Keys whose send was cut off by the crash (sent again later). */
  readonly cutOff = new Set<string>();
  private pending = new Map<string, (outcome: 'lost') => void>();
  private catching: Promise<void> = Promise.resolve();
  private reconnected: Promise<void> | null = null;
  /** How often this client had to connect again after a drop. */
  reconnects = 0;

  constructor(
    readonly name: string,
    readonly http: HttpClient,
    readonly conversationId: string,
    private readonly survivor: () => string,
  ) {}

  private hold(m: { id: string; seq: number }) {
    const known = this.held.get(m.seq);
    if (known && known !== m.id) this.conflicts.push(`${this.name}: seq ${m.seq} was ${known}, then ${m.id}`);
    if (!known) this.held.set(m.seq, m.id);
  }

  /** Catches up from the contiguous seq, page after page; one at a time. */
  catchUp(lastSeq?: number): Promise<void> {
    // A catch-up cut off by the crash fails; the next one (after reconnecting) starts afresh.
    this.catching = this.catching.catch(() => {}).then(async () => {
      for (;;) {
        const afterSeq = this.tracker.contiguous;
        const res = await this.http.request('GET', `/conversations/${this.conversationId}/messages?afterSeq=${afterSeq}&limit=100`);
        if (res.status !== 200) throw new Error(`${this.name}: catch-up answered ${res.status} ${res.text}`);
        const items = res.json.items as Pushed[];
        for (const m of items) this.hold(m);
        const more = items.length >= 100;
        this.tracker.caughtUp(afterSeq, items.map((m) => m.seq), { lastSeq, more });
        if (!more) return;
      }
    });
    return this.catching;
  }

  async connect(base: string): Promise<void> {
    this.http.moveTo(base);
    const socket = await new Promise<Socket>((resolve, reject) => {
      const s = connect(base, { transports: ['websocket'], extraHeaders: { cookie: this.http.cookie }, reconnection: false });
      s.once('connect', () => resolve(s));
      s.once('connect_error', reject);
    });
    this.socket = socket;
    socket.on(SOCKET_EVENTS.message, (m: Pushed) => {
      if (m.conversationId !== this.conversationId) return;
      this.hold(m);
      if (this.tracker.received(m.seq)) void this.catchUp().catch(() => {});
    });
    socket.on('disconnect', () => {
      if (this.socket !== socket) return;
      this.socket = null;
      // Sends in flight when the process died: their fate is unknown, so they are sent again.
      for (const [key, cut] of this.pending) {
        this.cutOff.add(key);
        cut('lost');
      }
      this.pending.clear();
      this.reconnects += 1;
      if (this.closed) return;
      this.reconnected = this.connect(this.survivor());
      // A failed reconnect fails the next send or settle, which await it.
      this.reconnected.catch(() => {});
    });
    const joined = (await socket.emitWithAck(SOCKET_EVENTS.conversationJoin, { conversationId: this.conversationId })) as SocketAck<{ lastSeq: number }>;
    if (!joined.ok) throw new Error(`${this.name}: join failed: ${joined.error.message}`);
    if (this.tracker.behind(joined.lastSeq)) await this.catchUp(joined.lastSeq);
  }

  /** Sends one message; after a drop, waits for the new connection and sends it again with the same key. */
  async send(key: string, body: string): Promise<void> {
    for (;;) {
      if (!this.socket) await this.reconnected;
      const socket = this.socket!;
      const outcome = await new Promise<SocketAck<{ message: Pushed }> | 'lost'>((resolve) => {
        this.pending.set(key, resolve);
        socket.emit(SOCKET_EVENTS.messageSend, { conversationId: this.conversationId, body, idempotencyKey: key }, (ack: SocketAck<{ message: Pushed }>) => {
          this.pending.delete(key);
          resolve(ack);
        });
      });
      if (outcome === 'lost') continue;
      if (!outcome.ok) throw new Error(`${this.name}: ${key} refused: ${outcome.error.code} ${outcome.error.message}`);
      this.acked.set(key, { id: outcome.message.id, seq: outcome.message.seq, body });
      this.hold(outcome.message);
      this.tracker.received(outcome.message.seq);
      return;
    }
  }

  /** The last word: join again for the position, and catch up to it. */
  async settle(): Promise<void> {
    if (!this.socket) await this.reconnected;
    const joined = (await this.socket!.emitWithAck(SOCKET_EVENTS.conversationJoin, { conversationId: this.conversationId })) as SocketAck<{ lastSeq: number }>;
    if (!joined.ok) throw new Error(`${this.name}: join failed`);
    await this.catchUp(joined.lastSeq);
  }

  private closed = false;

  close() {
    this.closed = true;
    const s = this.socket;
    this.socket = null;
    s?.disconnect();
  }
}

describe.runIf(TEST_DATABASE_URL && REDIS)('SIGKILL of one of two processes (PostgreSQL + Redis)', () => {
  let db: TestDatabase;
  let a: ServerProcess;
  let b: ServerProcess;
  let pool: pg.Pool;
  let token = '';
  let env: Record<string, string>;
  const dataDir = mkdtempSync(join(tmpdir(), 'sb-faults-'));
  const sides: ChatSide[] = [];

  beforeAll(async () => {
    db = await createTestDatabase('postgres');
    env = { DATABASE_URL: db.url!, REDIS_URL: ownRedisDb(REDIS!), SEED_DEMO: '0', DATA_DIR: dataDir };
    const made = spawnSync(process.execPath, [join(ROOT, 'bin/switchboard.js'), 'create-api-token', '--name', 'faults', '--role', 'admin'], { cwd: ROOT, env: { ...process.env, ...env }, encoding: 'utf8' });
    token = /\n(sb_\S+)/.exec(made.stdout)?.[1] ?? '';
    expect(token, made.stderr).not.toBe('');
    pool = new pg.Pool({ connectionString: db.url, max: 2 });
  }, 180_000);

  /** Two fresh processes for each scenario (the previous scenario killed one). */
  async function startBoth() {
    for (const s of sides.splice(0)) s.close();
    await Promise.all([a?.stop(), b?.stop()]);
    [a, b] = await Promise.all([startServerProcess(env), startServerProcess(env)]);
  }

  afterAll(async () => {
    for (const s of sides) s.close();
    await Promise.all([a?.stop(), b?.stop()]);
    await pool?.end();
    await db?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('mid-chat: every acknowledged message is stored once, nothing is stored twice, and every client catches up in order', async () => {
    await startBoth();
    const admin = { authorization: `Bearer ${token}` };
    const adminHttp = httpClient(a.url, admin);
    const CHATS = 6;
    const agentsMade = await Promise.all(
      [1, 2, 3].map((i) => adminHttp.request('POST', '/agents', { email: `fault${i}@example.com`, name: `Fault Agent ${i}`, password: 'correct horse battery', capacity: 2, languages: ['en'] })),
    );
    expect(agentsMade.map((r) => r.status)).toEqual([201, 201, 201]);
    for (const r of agentsMade) expect((await adminHttp.request('PATCH', `/agents/${r.json.id}`, { status: 'online' })).status).toBe(200);

    // Visitors start their chats on both processes; routing offers each to an agent.
    const visitors = Array.from({ length: CHATS }, (_, i) => httpClient(i % 2 ? b.url : a.url));
    const started = await Promise.all(visitors.map((v, i) => v.request('POST', '/chats', { description: `Withdrawal stuck, case ${i}`, email: `visitor${i}@example.com` })));
    expect(started.map((r) => r.status)).toEqual(Array(CHATS).fill(201));
    const chatIds = started.map((r) => r.json.conversation.id as string);
    const offered = await eventually(async () => {
      const { rows } = await pool.query<{ id: string; assignee_id: string | null }>('select id, assignee_id from conversations where id = any($1)', [chatIds]);
      return rows.every((r) => r.assignee_id) ? new Map(rows.map((r) => [r.id, r.assignee_id!])) : null;
    }, 30_000);

    // Each agent signs in once and accepts the chats offered to them.
    const agentHttp = new Map<string, HttpClient>();
    for (const [i, r] of agentsMade.entries()) {
      const http = httpClient(i % 2 ? a.url : b.url);
      expect((await http.request('POST', '/auth/login', { email: `fault${i + 1}@example.com`, password: 'correct horse battery' })).status).toBe(200);
      agentHttp.set(r.json.id as string, http);
    }
    for (const id of chatIds) expect((await agentHttp.get(offered.get(id)!)!.request('POST', `/chats/${id}/accept`)).status).toBe(200);

    // Both sides of every chat, the customer and the agent on different processes.
    const survivor = () => b.url;
    for (const [i, id] of chatIds.entries()) {
      const customer = new ChatSide(`customer${i}`, visitors[i]!, id, survivor);
      // A tab per chat for the agent: the same session, its own process.
      const agentTab = agentHttp.get(offered.get(id)!)!.fork(i % 2 ? a.url : b.url);
      const agent = new ChatSide(`agent-of-${i}`, agentTab, id, survivor);
      sides.push(customer, agent);
      await Promise.all([customer.connect(i % 2 ? b.url : a.url), agent.connect(i % 2 ? a.url : b.url)]);
    }

    // Everyone writes; when a third of the messages are acknowledged, process A is killed.
    const PER_SIDE = 12;
    const total = sides.length * PER_SIDE;
    let acked = 0;
    let killed: Promise<void> | null = null;
    let ackedAtKill = 0;
    await Promise.all(
      sides.map(async (side, s) => {
        for (let n = 0; n < PER_SIDE; n++) {
          await side.send(`fault-${s}-${n}-${side.conversationId.slice(0, 8)}`, `${side.name} line ${n}`);
          acked += 1;
          if (!killed && acked >= total / 3) {
            ackedAtKill = acked;
            killed = a.kill('SIGKILL');
          }
          await sleep(10 + ((s * 7 + n * 13) % 40));
        }
      }),
    );
    await killed;
    // The crash came mid-chat, and every client that was on A (one side of each chat) came back on B.
    expect(ackedAtKill).toBeLessThan(total);
    expect(sides.filter((s) => s.reconnects > 0)).toHaveLength(CHATS);
    expect(sides.every((s) => s.http.base === b.url)).toBe(true);

    for (const side of sides) await side.settle();
    // Sends were in flight when A died (their fate unknown to the client): the resend path was taken.
    expect(sides.reduce((n, s) => n + s.cutOff.size, 0)).toBeGreaterThan(0);

    const { rows: stored } = await pool.query<{ id: string; conversation_id: string; seq: number; body: string; visibility: string; idempotency_key: string | null }>(
      'select id, conversation_id, seq, body, visibility, idempotency_key from messages where conversation_id = any($1) order by conversation_id, seq',
      [chatIds],
    );
    // seq is gap-free per conversation.
    for (const id of chatIds) {
      const seqs = stored.filter((m) => m.conversation_id === id).map((m) => m.seq);
      expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
    }
    const byId = new Map(stored.map((m) => [m.id, m]));
    for (const side of sides) {
      expect(side.conflicts).toEqual([]);
      // Every acknowledgement names a stored message, at the acknowledged seq, with the sent text.
      expect(side.acked.size).toBe(PER_SIDE);
      for (const [key, ack] of side.acked) {
        const row = byId.get(ack.id);
        expect(row, `${side.name} ${key}`).toMatchObject({ conversation_id: side.conversationId, seq: ack.seq, body: ack.body, idempotency_key: key });
      }
      // Every line was stored exactly once, whether or not it had to be sent again.
      for (let n = 0; n < PER_SIDE; n++) {
        expect(stored.filter((m) => m.conversation_id === side.conversationId && m.body === `${side.name} line ${n}`)).toHaveLength(1);
      }
      // Caught up: the client holds every stored message it may see, once, in seq order.
      const visible = stored.filter((m) => m.conversation_id === side.conversationId && (m.visibility === 'public' || side.name.startsWith('agent')));
      const held = [...side.held.entries()].sort((x, y) => x[0] - y[0]);
      expect(held).toEqual(visible.map((m) => [m.seq, m.id]));
      expect(side.tracker.contiguous).toBe(Math.max(...stored.filter((m) => m.conversation_id === side.conversationId).map((m) => m.seq)));
    }
    for (const side of sides) side.close();
  }, 240_000);

  it('mid-ticket-burst: every acknowledged ticket exists once, and a retry with the same idempotency key never makes a second', async () => {
    // POST /tickets (the web form) takes no idempotency key, so its requests are not retried:
    // each one A acknowledged must exist once. POST /conversations (the API's ticket create) takes
    // one: every request is retried on B until answered, and each key makes exactly one ticket.
    await startBoth();
    const auth = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const COUNT = 60;
    const IN_FLIGHT = 12;
    const run = Date.now().toString(36);
    type Attempt = { key: string; subject: string; email: string; answer?: { status: number; id: string; number: number } };
    const attempts: Attempt[] = Array.from({ length: COUNT }, (_, i) => ({ key: `burst-${run}-${i}`, subject: `Burst ${run} #${i}`, email: `burst${i}-${run}@example.com` }));
    const FORMS = 20;
    type Form = { subject: string; answer?: { id: string; number: number } };
    const forms: Form[] = Array.from({ length: FORMS }, (_, i) => ({ subject: `Form ${run} #${i}` }));
    const file = async (base: string, f: Form) => {
      const res = await fetch(`${base}/api/v1/tickets`, {
        method: 'POST',
        headers: auth,
        body: JSON.stringify({ subject: f.subject, body: `Withdrawal pending (${f.subject})`, email: `form-${run}@example.com`, txHash: '0xabc' }),
      });
      const json = (await res.json()) as { id: string; number: number };
      return { status: res.status, id: json.id, number: json.number };
    };
    const create = async (base: string, t: Attempt) => {
      const res = await fetch(`${base}/api/v1/conversations`, {
        method: 'POST',
        headers: auth,
        body: JSON.stringify({ subject: t.subject, body: `Deposit missing (${t.subject})`, contact: { email: t.email }, idempotencyKey: t.key }),
      });
      const json = (await res.json()) as { id: string; number: number };
      return { status: res.status, id: json.id, number: json.number };
    };

    // The burst goes to A; when a quarter is acknowledged, A is killed.
    let acked = 0;
    let killed: Promise<void> | null = null;
    const queue: (Attempt | Form)[] = attempts.flatMap((t, i) => (i % 3 === 0 && forms[i / 3] ? [t, forms[i / 3]!] : [t]));
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        for (let t = queue.shift(); t; t = queue.shift()) {
          if (!('key' in t)) {
            const form = t;
            await file(a.url, form)
              .then((answer) => {
                if (answer.status === 201) form.answer = answer;
              })
              .catch(() => {});
            continue;
          }
          try {
            const answer = await create(a.url, t);
            if (answer.status >= 200 && answer.status < 300) {
              t.answer = answer;
              acked += 1;
              if (!killed && acked >= COUNT / 4) killed = a.kill('SIGKILL');
            }
          } catch {
            // Connection reset or refused: no answer, retried below.
          }
        }
      }),
    );
    await killed;
    const unanswered = attempts.filter((t) => !t.answer);
    const firstAnswers = new Map(attempts.filter((t) => t.answer).map((t) => [t.key, t.answer!]));
    expect(firstAnswers.size).toBeGreaterThanOrEqual(COUNT / 4);
    expect(unanswered.length).toBeGreaterThan(0);

    // Every request without an answer is sent again to B with the same key.
    for (const t of unanswered) {
      const answer = await create(b.url, t);
      expect([200, 201], JSON.stringify(answer)).toContain(answer.status);
      t.answer = answer;
    }
    // A retry of one that A had already answered gives the same ticket back (200), not a new one.
    const answeredOnA = attempts.find((t) => firstAnswers.has(t.key))!;
    const replay = await create(b.url, answeredOnA);
    expect(replay).toMatchObject({ status: 200, id: answeredOnA.answer!.id, number: answeredOnA.answer!.number });

    const { rows } = await pool.query<{ id: string; number: number; idempotency_key: string; subject: string; messages: number }>(
      `select c.id, c.number::int as number, c.idempotency_key, c.subject, (select count(*)::int from messages m where m.conversation_id = c.id) as messages
       from conversations c where c.subject like $1`,
      [`Burst ${run} #%`],
    );
    // One ticket per request, each with its first message: nothing lost, nothing twice.
    expect(rows).toHaveLength(COUNT);
    expect(new Set(rows.map((r) => r.idempotency_key)).size).toBe(COUNT);
    expect(new Set(rows.map((r) => r.number)).size).toBe(COUNT);
    for (const t of attempts) {
      const row = rows.find((r) => r.idempotency_key === t.key);
      expect(row, t.key).toMatchObject({ id: t.answer!.id, number: t.answer!.number, subject: t.subject, messages: 1 });
    }

    // The web form's tickets: each one acknowledged exists once, with its first message.
    const { rows: filed } = await pool.query<{ id: string; number: number; subject: string; messages: number }>(
      `select c.id, c.number::int as number, c.subject, (select count(*)::int from messages m where m.conversation_id = c.id) as messages
       from conversations c where c.subject like $1`,
      [`Form ${run} #%`],
    );
    const formAcked = forms.filter((f) => f.answer);
    expect(formAcked.length).toBeGreaterThan(0);
    for (const f of formAcked) {
      expect(filed.filter((r) => r.subject === f.subject), f.subject).toEqual([{ id: f.answer!.id, number: f.answer!.number, subject: f.subject, messages: 1 }]);
    }
    // Nothing unacknowledged was stored twice either.
    expect(new Set(filed.map((r) => r.subject)).size).toBe(filed.length);
  }, 240_000);
});
