import { monitorEventLoopDelay } from 'node:perf_hooks';
import { io, type Socket } from 'socket.io-client';

/**
 * The load side of bench:chat, one child process of bench/chat.ts (several run at once):
 * holds customer or agent sockets and answers the commands the bench sends over IPC. Times
 * are wall-clock milliseconds with sub-millisecond precision (performance.timeOrigin + now),
 * comparable between processes on the same machine, so a customer's send time written in the
 * message body can be read against the moment an agent's socket receives it.
 */

/** A customer: who it is (cookie or, for the baseline, auth) and the chat it writes in. */
export interface CustomerSpec {
  /** `sb_session=…` for Switchboard. */
  cookie?: string;
  /** Handshake auth for the bare baseline server. */
  auth?: Record<string, unknown>;
  /** The live chat this customer writes in. */
  conversationId: string;
}

/** An agent: who it is and the chats it has open (joined). */
export interface AgentSpec {
  cookie?: string;
  auth?: Record<string, unknown>;
  conversationIds: string[];
}

export type Command =
  | { cmd: 'customers'; url: string; list: CustomerSpec[]; concurrency: number }
  | { cmd: 'agents'; url: string; list: AgentSpec[]; concurrency: number }
  | { cmd: 'status' }
  | { cmd: 'roundTrip'; concurrency: number }
  | { cmd: 'send'; rate: number; seconds: number; tag: string; ackTimeoutMs: number }
  | { cmd: 'received'; tag: string }
  | { cmd: 'count'; tag: string }
  | { cmd: 'close' };

/** What one send step measured in this process. */
export interface SendResult {
  sent: number;
  acked: number;
  /** Acks that said { ok: false }, by error code. */
  refused: Record<string, number>;
  /** No ack within ackTimeoutMs (or the socket was gone). */
  timeouts: number;
  /** ms from emit to ack, for acked messages. */
  ackLatencies: number[];
  /** Keys of acked (stored) messages, to tell which never reached the agent. */
  ackedKeys: string[];
  /** Wall time the sending took (the rate actually offered). */
  sendMs: number;
  /** This process's event-loop delay while sending, p99 and max (ms): a busy load generator shows here. */
  loopDelayP99: number;
  loopDelayMax: number;
  /** Acks slower than SLOW_MS: [ms after the step started that the message was sent, latency], to tell a stall from a steady overload. */
  slow: [number, number][];
}

const SLOW_MS = 50;

const now = () => performance.timeOrigin + performance.now();
const me = process.pid;

let customers: { socket: Socket; conversationId: string }[] = [];
let agents: Socket[] = [];
let disconnects = 0;
/** Messages agents received, per bench tag: key → delivery latency (ms). */
const received = new Map<string, Map<string, number>>();

function connect(url: string, spec: { cookie?: string; auth?: Record<string, unknown> }): Promise<Socket> {
  return new Promise((resolve, reject) => {
    // forceNew: one connection per socket (io() would otherwise share one Manager per URL).
    const socket = io(url, {
      path: '/socket.io',
      transports: ['websocket'],
      forceNew: true,
      reconnection: false,
      timeout: 60_000,
      ...(spec.cookie ? { extraHeaders: { cookie: spec.cookie } } : {}),
      ...(spec.auth ? { auth: spec.auth } : {}),
    });
    socket.once('connect', () => {
      socket.on('disconnect', () => disconnects++);
      resolve(socket);
    });
    socket.once('connect_error', (err) => {
      socket.close();
      reject(err);
    });
  });
}

async function join(socket: Socket, conversationId: string): Promise<void> {
  const ack = (await socket.timeout(60_000).emitWithAck('conversation:join', { conversationId })) as { ok: boolean; error?: { message: string } };
  if (!ack.ok) throw new Error(`join refused: ${ack.error?.message}`);
}

/** Runs fn over items with at most `limit` in flight; returns how many failed and the first few errors. */
async function pooled<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<{ failed: number; errors: string[] }> {
  let next = 0;
  let failed = 0;
  const errors: string[] = [];
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++]!;
      try {
        await fn(item);
      } catch (err) {
        failed++;
        if (errors.length < 5) errors.push(err instanceof Error ? err.message : String(err));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return { failed, errors };
}

function onAgentMessage(payload: { body?: string }) {
  const at = now();
  // Body: "bench|<tag>|<key>|<sent at>|…" — anything else (system lines) is not ours.
  const parts = payload?.body?.split('|');
  if (!parts || parts[0] !== 'bench') return;
  const [, tag, key, sentAt] = parts;
  let map = received.get(tag!);
  if (!map) received.set(tag!, (map = new Map()));
  if (!map.has(key!)) map.set(key!, at - Number(sentAt));
}

async function send(rate: number, seconds: number, tag: string, ackTimeoutMs: number): Promise<SendResult> {
  const result: SendResult = { sent: 0, acked: 0, refused: {}, timeouts: 0, ackLatencies: [], ackedKeys: [], sendMs: 0, loopDelayP99: 0, loopDelayMax: 0, slow: [] };
  const live = customers.filter((c) => c.socket.connected);
  if (!live.length || rate <= 0) return result;
  const total = Math.round(rate * seconds);
  const pending: Promise<void>[] = [];
  const loop = monitorEventLoopDelay({ resolution: 5 });
  loop.enable();
  const start = now();
  let cursor = Math.floor(Math.random() * live.length);
  // Paced by the clock: every tick sends what is due so far, so a late tick catches up instead of drifting.
  await new Promise<void>((done) => {
    const tick = () => {
      const due = Math.min(total, Math.floor(((now() - start) / 1000) * rate));
      while (result.sent < due) {
        const c = live[cursor++ % live.length]!;
        const n = result.sent++;
        const key = `${me}-${n}`;
        const sentAt = now();
        const body = `bench|${tag}|${key}|${sentAt.toFixed(3)}|Hello, my withdrawal of 500 USDT over TRC20 is still pending. 我的提币还没到账。`;
        pending.push(
          c.socket
            .timeout(ackTimeoutMs)
            .emitWithAck('message:send', { conversationId: c.conversationId, body, idempotencyKey: `bench-${tag}-${key}` })
            .then(
              (ack: { ok: boolean; error?: { code: string } }) => {
                if (ack.ok) {
                  result.acked++;
                  const latency = now() - sentAt;
                  result.ackLatencies.push(latency);
                  if (latency > SLOW_MS && result.slow.length < 5000) result.slow.push([Math.round(sentAt - start), Math.round(latency)]);
                  result.ackedKeys.push(key);
                } else {
                  const code = ack.error?.code ?? 'unknown';
                  result.refused[code] = (result.refused[code] ?? 0) + 1;
                }
              },
              () => {
                result.timeouts++;
              },
            ),
        );
      }
      if (result.sent >= total) return done();
      setTimeout(tick, 2);
    };
    tick();
  });
  result.sendMs = now() - start;
  await Promise.all(pending);
  loop.disable();
  result.loopDelayP99 = loop.percentile(99) / 1e6;
  result.loopDelayMax = loop.max / 1e6;
  return result;
}

async function handle(command: Command): Promise<unknown> {
  switch (command.cmd) {
    case 'customers': {
      const t0 = now();
      const outcome = await pooled(command.list, command.concurrency, async (spec) => {
        const socket = await connect(command.url, spec);
        customers.push({ socket, conversationId: spec.conversationId });
        await join(socket, spec.conversationId);
      });
      return { ...outcome, connected: customers.filter((c) => c.socket.connected).length, ms: now() - t0 };
    }
    case 'agents': {
      const t0 = now();
      let joinFailed = 0;
      const outcome = await pooled(command.list, command.list.length, async (spec) => {
        const socket = await connect(command.url, spec);
        socket.on('message', onAgentMessage);
        agents.push(socket);
        const joins = await pooled(spec.conversationIds, Math.max(1, Math.ceil(command.concurrency / command.list.length)), (id) => join(socket, id));
        joinFailed += joins.failed;
        if (joins.failed) throw new Error(`${joins.failed} joins failed: ${joins.errors[0]}`);
      });
      return { ...outcome, joinFailed, connected: agents.filter((s) => s.connected).length, ms: now() - t0 };
    }
    case 'status':
      return { customers: customers.filter((c) => c.socket.connected).length, agents: agents.filter((s) => s.connected).length, disconnects, rssMb: Math.round(process.memoryUsage().rss / 1e6) };
    case 'roundTrip': {
      // Connected is not enough: the server must still answer. `conversation:typing` is acknowledged without a database query.
      let answered = 0;
      await pooled(customers, command.concurrency, async (c) => {
        const ack = (await c.socket.timeout(10_000).emitWithAck('conversation:typing', { conversationId: c.conversationId, typing: false })) as { ok: boolean };
        if (ack.ok) answered++;
      });
      return { answered };
    }
    case 'send':
      return send(command.rate, command.seconds, command.tag, command.ackTimeoutMs);
    case 'received': {
      const map = received.get(command.tag) ?? new Map<string, number>();
      received.delete(command.tag);
      return { keys: [...map.keys()], latencies: [...map.values()] };
    }
    case 'count':
      return received.get(command.tag)?.size ?? 0;
    case 'close': {
      for (const c of customers) c.socket.close();
      for (const s of agents) s.close();
      customers = [];
      agents = [];
      disconnects = 0;
      received.clear();
      return { closed: true };
    }
  }
}

process.on('message', (msg: { id: number; command: Command }) => {
  handle(msg.command).then(
    (result) => process.send!({ id: msg.id, result }),
    (err: unknown) => process.send!({ id: msg.id, error: err instanceof Error ? err.stack ?? err.message : String(err) }),
  );
});
process.on('disconnect', () => process.exit(0));
process.send!({ ready: true });
