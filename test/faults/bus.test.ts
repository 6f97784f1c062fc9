import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisBus, type DomainEvent, type EventBus } from '../../server/realtime/bus.ts';
import { type Backend, requireBinaries, startRedis } from './backends.ts';

const event = (id: number): DomainEvent => ({
  id,
  type: 'messages.create',
  actorType: 'system',
  actorId: null,
  subjectType: 'message',
  subjectId: `m${id}`,
  conversationId: null,
  data: { seq: id },
  createdAt: new Date(0).toISOString(),
});

const waitFor = async (check: () => boolean, what: string, ms = 20_000) => {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe.runIf(requireBinaries())('event bus when Redis goes away and comes back', () => {
  let redis: Backend;
  let a: EventBus;
  let b: EventBus;
  const seenA: number[] = [];
  const seenB: number[] = [];
  const resyncs = { a: 0, b: 0 };
  const errors: unknown[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    a = await createRedisBus(redis.url, (e) => errors.push(e));
    b = await createRedisBus(redis.url, (e) => errors.push(e));
    a.subscribe((e) => void seenA.push(e.id));
    b.subscribe((e) => void seenB.push(e.id));
    a.onResync(() => resyncs.a++);
    b.onResync(() => resyncs.b++);
  });
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await redis?.destroy();
  });

  it('delivers to this process without waiting while Redis is down, reports it, and asks every process to resync when it is back', async () => {
    expect([a.health(), b.health()]).toEqual(['ok', 'ok']);
    await a.publish(event(1));
    await waitFor(() => seenA.includes(1) && seenB.includes(1), 'delivery through Redis');

    await redis.stop();
    await waitFor(() => a.health() === 'down' && b.health() === 'down', 'health to say down');
    // publish returns at once and the handlers of this process run; the other process cannot hear it.
    await a.publish(event(2));
    await b.publish(event(3));
    await waitFor(() => seenA.includes(2) && seenB.includes(3), 'local delivery while Redis is down');
    expect(seenA).not.toContain(3);
    expect(seenB).not.toContain(2);
    // The outage is reported (once per bus, not once per reconnect attempt).
    await waitFor(() => errors.length > 0, 'the outage to be reported');
    await new Promise((r) => setTimeout(r, 1500));

    await redis.start();
    await waitFor(() => resyncs.a > 0 && resyncs.b > 0, 'resync on both');
    expect([a.health(), b.health()]).toEqual(['ok', 'ok']);
    await b.publish(event(4));
    await waitFor(() => seenA.includes(4) && seenB.includes(4), 'delivery through Redis again');
    // Every event reached each process once.
    expect(seenA.filter((id) => id === 4)).toHaveLength(1);
    expect(seenB.filter((id) => id === 4)).toHaveLength(1);
    expect(errors.length).toBeLessThanOrEqual(4);
  });
});
