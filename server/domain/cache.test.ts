import { describe, expect, it } from 'vitest';
import { createLocalBus } from '../realtime/bus.ts';
import { cached } from './cache.ts';
import type { Services } from './context.ts';

describe('cached', () => {
  it('forgets everything when the bus says events may have been missed (Redis was down)', async () => {
    const resyncs = new Set<() => void>();
    const bus = { ...createLocalBus(), onResync: (h: () => void) => (resyncs.add(h), () => resyncs.delete(h)) };
    const services = { bus } as unknown as Services;
    let loads = 0;
    const read = () => cached(services, 'token:abc', ['api_tokens.'], 60_000, async () => ++loads);
    expect(await read()).toBe(1);
    expect(await read()).toBe(1);
    for (const resync of resyncs) resync();
    expect(await read()).toBe(2);
  });
});
