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

/** Carries committed events to processors in this process and, with Redis, in every process. */
export interface EventBus {
  publish(event: DomainEvent): Promise<void>;
  subscribe(handler: EventHandler): () => void;
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
    async close() {
      emitter.removeAllListeners();
    },
  };
}

const CHANNEL = 'switchboard:events';

/** Bus over Redis pub/sub: every process, this one included, receives every event once. */
export async function createRedisBus(url: string, onError: (err: unknown) => void = () => {}): Promise<EventBus> {
  const pub = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 3 });
  const sub = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 3 });
  pub.on('error', onError);
  sub.on('error', onError);
  await Promise.all([pub.connect(), sub.connect()]);
  await sub.subscribe(CHANNEL);
  const emitter = new EventEmitter().setMaxListeners(0);
  const deliver = dispatch(emitter, onError);
  sub.on('message', (_channel, payload) => {
    try {
      deliver(JSON.parse(payload) as DomainEvent);
    } catch (err) {
      onError(err);
    }
  });
  return {
    async publish(event) {
      await pub.publish(CHANNEL, JSON.stringify(event));
    },
    subscribe(handler) {
      emitter.on('event', handler);
      return () => emitter.off('event', handler);
    },
    async close() {
      emitter.removeAllListeners();
      sub.disconnect();
      pub.disconnect();
    },
  };
}
