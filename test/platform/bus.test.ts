import { describe, expect, it } from 'vitest';
import { createLocalBus, createRedisBus, type DomainEvent } from '../../server/realtime/bus.ts';

const REDIS = process.env.TEST_REDIS_URL;

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

const waitFor = async (check: () => boolean, ms = 5_000) => {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('event bus', () => {
  it('in-process: delivers to every subscriber, and a failing handler does not stop the others', async () => {
    const errors: unknown[] = [];
    const bus = createLocalBus((e) => errors.push(e));
    const got: number[] = [];
    bus.subscribe(() => {
      throw new Error('bad handler');
    });
    const off = bus.subscribe((e) => void got.push(e.id));
    await bus.publish(event(1));
    await waitFor(() => got.length === 1 && errors.length === 1);
    off();
    await bus.publish(event(2));
    await new Promise((r) => setTimeout(r, 20));
    expect(got).toEqual([1]);
    await bus.close();
  });

  it.skipIf(!REDIS)('Redis: an event published by one process reaches every process exactly once', async () => {
    const a = await createRedisBus(REDIS!);
    const b = await createRedisBus(REDIS!);
    const seenA: number[] = [];
    const seenB: number[] = [];
    a.subscribe((e) => void seenA.push(e.id));
    b.subscribe((e) => void seenB.push(e.id));
    await a.publish(event(10));
    await b.publish(event(11));
    await waitFor(() => seenA.length >= 2 && seenB.length >= 2);
    await new Promise((r) => setTimeout(r, 50));
    expect(seenA.sort()).toEqual([10, 11]);
    expect(seenB.sort()).toEqual([10, 11]);
    await Promise.all([a.close(), b.close()]);
  });
});
