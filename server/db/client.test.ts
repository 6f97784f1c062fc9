import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, TEST_DATABASE_URL, type TestDatabase } from '../../test/helpers/db.ts';
import { isDatabaseUnavailable } from './client.ts';

describe('isDatabaseUnavailable', () => {
  it('recognises a database that is gone or refusing, bare or wrapped, and nothing else', () => {
    expect(isDatabaseUnavailable(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }))).toBe(true);
    expect(isDatabaseUnavailable(new AggregateError([Object.assign(new Error('refused'), { code: 'ECONNREFUSED' })], 'connect failed'))).toBe(true);
    // drizzle wraps the driver's error as its cause: admin shutdown, and the database starting up.
    expect(isDatabaseUnavailable(new Error('Failed query', { cause: Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }) }))).toBe(true);
    expect(isDatabaseUnavailable(Object.assign(new Error('the database system is starting up'), { code: '57P03' }))).toBe(true);
    expect(isDatabaseUnavailable(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isDatabaseUnavailable(new Error('timeout exceeded when trying to connect'))).toBe(true);
    // The caller's fault or our bug: not an outage.
    expect(isDatabaseUnavailable(new Error('Failed query', { cause: Object.assign(new Error('duplicate key'), { code: '23505' }) }))).toBe(false);
    expect(isDatabaseUnavailable(new TypeError('x is undefined'))).toBe(false);
    expect(isDatabaseUnavailable(undefined)).toBe(false);
  });
});

describe.runIf(TEST_DATABASE_URL)('PostgreSQL connections', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('postgres');
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('queries started together on one transaction run one after another, without node-postgres\' deprecated queue', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => void warnings.push(w.message);
    process.on('warning', onWarning);
    try {
      // As a domain function may do with Promise.all on ctx.db inside a transaction.
      const results = await db.database.db.transaction(async (tx) =>
        Promise.all([1, 2, 3, 4].map((n) => tx.execute(sql`select ${n}::int as n, pg_sleep(0.02)`))),
      );
      expect(results.map((r: any) => (r.rows ?? r)[0].n)).toEqual([1, 2, 3, 4]);
      // A failed query does not stop the ones queued behind it on a held connection.
      const settled = await db.database.connected!(async (conn) =>
        Promise.allSettled([conn.execute(sql`select 1/0`), conn.execute(sql`select 2 as n`)]),
      );
      expect(settled.map((s) => s.status)).toEqual(['rejected', 'fulfilled']);
      await new Promise((r) => setImmediate(r));
      expect(warnings.filter((w) => w.includes('already executing a query'))).toEqual([]);
    } finally {
      process.off('warning', onWarning);
    }
  });
});
