import type { Services } from './context.ts';

interface Entry {
  value: Promise<unknown>;
  at: number;
  /** Event type prefixes that make this entry stale. */
  prefixes: string[];
}

const stores = new WeakMap<Services, Map<string, Entry>>();

function store(services: Services): Map<string, Entry> {
  let map = stores.get(services);
  if (map) return map;
  const created = new Map<string, Entry>();
  stores.set(services, created);
  // Every process hears every committed change (Redis bus), so each drops what went stale.
  services.bus.subscribe((event) => {
    for (const [key, entry] of created) if (entry.prefixes.some((p) => event.type.startsWith(p))) created.delete(key);
  });
  // Changes made while the bus was down were not heard here: forget everything.
  services.bus.onResync(() => created.clear());
  return created;
}

/**
 * Reads rarely-changing configuration (SLA policies, team calendars, default inboxes, API
 * tokens) once per process instead of once per request. An entry lives until an event of one of
 * its kinds is committed, and never longer than ttlMs as a safety net.
 */
export function cached<T>(services: Services, key: string, prefixes: string[], ttlMs: number, load: () => Promise<T>): Promise<T> {
  const map = store(services);
  const hit = map.get(key);
  if (hit && Date.now() - hit.at < ttlMs) return hit.value as Promise<T>;
  // Drizzle queries are lazy thenables that run again on every await; settle once into a real promise.
  const value = Promise.resolve().then(load);
  map.set(key, { value, at: Date.now(), prefixes });
  // A failed load, or nothing found, is not remembered (random bad keys must not fill memory).
  value.then((v) => v == null && map.delete(key)).catch(() => map.delete(key));
  return value;
}
