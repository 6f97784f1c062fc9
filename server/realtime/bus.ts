import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { Redis } from 'ioredis';
import type { ActorType, ConversationStatus } from '../../common/enums.ts';

/** A committed domain event as processors see it (a row of `events`). */
export interface DomainEvent {
  /** events.id */
  id: number;
  /** `<plural>.<verb>` */
  type: string;
  /** Who did it. */
  actorType: ActorType;
  /** Actor id (null for the system). */
  actorId: string | null;
  /** Kind of thing changed. */
  subjectType: string;
  /** Id of the thing changed. */
  subjectId: string;
  /** Conversation, when there is one. */
  conversationId: string | null;
  /** Change detail. */
  data: Record<string, unknown>;
  /** ISO time. */
  createdAt: string;
  /**
   * Not stored: what a push of this event needs, when the writer already has it (a new message with
   * its author's name and files, and the conversation's state), so no process reads it back. Over
   * Redis its dates arrive as ISO strings.
   */
  push?: {
    message: Record<string, unknown> & { createdAt: Date | string };
    conversation: { status: ConversationStatus; lastSeq: number; teamId: string | null; assigneeId: string | null };
    /** The socket that sent the message over `message:send`: it has the message in its ack. */
    exceptSocket?: string;
  };
}

export type EventHandler = (event: DomainEvent) => void | Promise<void>;

/** Whether events reach every process: `local` (no Redis configured), `ok`, or `down` (Redis unreachable: events reach this process only). */
export type BusHealth = 'local' | 'ok' | 'down';

/** Carries committed events to processors in this process and, with Redis, in every process. */
export interface EventBus {
  /** Hands the event on without waiting for Redis: while Redis is down it reaches this process's handlers only. */
  publish(event: DomainEvent): Promise<void>;
  subscribe(handler: EventHandler): () => void;
  /**
   * Called when this process (or another one) may have missed events: the bus came back after
   * an outage. Whoever pushes to clients tells them to catch up.
   */
  onResync(handler: () => void): () => void;
  health(): BusHealth;
  close(): Promise<void>;
}

/** Runs handlers without letting one handler's failure stop the others or the publisher. */
function dispatch(emitter: EventEmitter, onError: (err: unknown) => void) {
  return (event: DomainEvent) => {
    for (const handler of emitter.listeners('event') as EventHandler[]) {
      Promise.resolve()
        .then(() => handler(event))
        .catch(onError);
    }
  };
}

/** Single-process bus. */
export function createLocalBus(onError: (err: unknown) => void = () => {}): EventBus {
  const emitter = new EventEmitter().setMaxListeners(0);
  const deliver = dispatch(emitter, onError);
  return {
    async publish(event) {
      deliver(event);
    },
    subscribe(handler) {
      emitter.on('event', handler);
      return () => emitter.off('event', handler);
    },
    // Nothing travels outside the process, so nothing can be missed.
    onResync: () => () => {},
    health: () => 'local',
    async close() {
      emitter.removeAllListeners();
    },
  };
}

const CHANNEL = 'switchboard:events';
/** Carries "events may have been missed" notices between processes. */
const RESYNC_CHANNEL = 'switchboard:resync';

/**
 * Redis clients that fail fast instead of waiting: a command while Redis is unreachable is refused
 * at once (no offline queue to wait in — that queue made every write wait seconds for retries),
 * one that Redis does not answer gives up after a second, and nothing is re-sent after a
 * reconnect (the event was delivered locally instead; a late copy would arrive twice).
 */
export const FAIL_FAST_REDIS = {
  lazyConnect: true,
  enableOfflineQueue: false,
  maxRetriesPerRequest: 1,
  commandTimeout: 1000,
  connectTimeout: 2000,
  autoResendUnfulfilledCommands: false,
  // Reconnect quickly at first, then every second: recovery should not wait long.
  retryStrategy: (times: number) => Math.min(times * 100, 1000),
} as const;

/**
 * Bus over Redis pub/sub: every process, this one included, receives every event once. When Redis
 * is down, publish delivers to this process's handlers directly (its own clients still get their
 * pushes) and health() says `down`; once Redis is back, every process is told to resync, because
 * events published meanwhile reached only the process that wrote them.
 */
export async function createRedisBus(url: string, onError: (err: unknown) => void = () => {}): Promise<EventBus> {
  // Subscriptions are renewed by hand after a reconnect, so we know when we hear events again.
  const pub = new Redis(url, { ...FAIL_FAST_REDIS });
  const sub = new Redis(url, { ...FAIL_FAST_REDIS, autoResubscribe: false });
  const origin = randomUUID();
  const emitter = new EventEmitter().setMaxListeners(0);
  const deliver = dispatch(emitter, onError);
  const resyncs = new Set<() => void>();
  const resync = () => {
    for (const handler of resyncs) {
      try {
        handler();
      } catch (err) {
        onError(err);
      }
    }
  };
  /** Subscribed and able to publish: events travel through Redis. */
  let listening = false;
  /** Something may have been missed since Redis was last fine: resync when it is back. */
  let missed = false;
  let closed = false;
  /** One log line per outage, not one per reconnect attempt. */
  let reported = false;
  const report = (err: unknown) => {
    if (reported || closed) return;
    reported = true;
    onError(err);
  };
  const lost = () => {
    listening = false;
    missed = true;
  };
  pub.on('error', report);
  sub.on('error', report);
  pub.on('close', lost);
  sub.on('close', lost);

  /** Both connections up: subscribe again and, after an outage, tell everyone to resync. */
  const recover = async () => {
    if (closed || listening || pub.status !== 'ready' || sub.status !== 'ready') return;
    try {
      await sub.subscribe(CHANNEL, RESYNC_CHANNEL);
    } catch (err) {
      report(err);
      return;
    }
    if (pub.status !== 'ready' || sub.status !== 'ready') return;
    listening = true;
    reported = false;
    if (!missed) return;
    missed = false;
    resync();
    // Processes whose own connections never dropped missed this process's events too.
    pub.publish(RESYNC_CHANNEL, origin).catch(() => {});
  };
  pub.on('ready', () => void recover());
  sub.on('ready', () => void recover());

  sub.on('message', (channel: string, payload: string) => {
    if (channel === RESYNC_CHANNEL) {
      if (payload !== origin) resync();
      return;
    }
    try {
      deliver(JSON.parse(payload) as DomainEvent);
    } catch (err) {
      onError(err);
    }
  });
  // Also retried while down: a connection that stayed up through a stall sends no 'ready'.
  const retry = setInterval(() => void (listening || recover()), 1000);
  retry.unref();
  // A process may start while Redis is down: it serves its own clients and joins in when Redis is back.
  await Promise.all([pub.connect(), sub.connect()]).catch((err: unknown) => {
    report(err);
    missed = true;
  });
  await recover();

  return {
    async publish(event) {
      if (!listening) {
        // Redis is down: this process's clients still hear it; the others catch up on resync.
        missed = true;
        deliver(event);
        return;
      }
      // Not awaited: a request never waits for Redis. If the event does not get through, this
      // process delivers it itself (Redis may still pass on a late copy; pushes carry seq, so
      // clients drop a copy, and every handler tolerates one).
      pub.publish(CHANNEL, JSON.stringify(event)).catch((err: unknown) => {
        report(err);
        lost();
        deliver(event);
      });
    },
    subscribe(handler) {
      emitter.on('event', handler);
      return () => emitter.off('event', handler);
    },
    onResync(handler) {
      resyncs.add(handler);
      return () => resyncs.delete(handler);
    },
    health: () => (listening ? 'ok' : 'down'),
    async close() {
      closed = true;
      clearInterval(retry);
      emitter.removeAllListeners();
      resyncs.clear();
      sub.disconnect();
      pub.disconnect();
    },
  };
}
