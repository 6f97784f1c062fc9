import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, desc, eq } from 'drizzle-orm';
import { events } from '../../server/db/schema.ts';
import { loadEnv } from '../../server/env.ts';
import { proxyTrust } from '../../server/routes/proxyTrust.ts';
import { DB_KINDS } from '../helpers/db.ts';
import { createTestApp, makeAgent, PASSWORD, type TestApp } from '../helpers/app.ts';
import { API } from './helpers.ts';

/** Which address the audit log wrote for an agent's sign-in with this X-Forwarded-For. */
async function loginIp(t: TestApp, forwardedFor: string) {
  const agent = await makeAgent(t);
  const res = await t.app.inject({ method: 'POST', url: `${API}/auth/login`, payload: { email: agent.email, password: PASSWORD }, headers: { 'x-forwarded-for': forwardedFor } });
  expect(res.statusCode, res.body).toBe(200);
  const [row] = await t.services.database.db.select().from(events).where(and(eq(events.type, 'agents.login'), eq(events.actorId, agent.id))).orderBy(desc(events.id)).limit(1);
  return row!.ip;
}

const verify = (t: TestApp, forwardedFor: string) => t.app.inject({ method: 'GET', url: `${API}/verify?q=example.com`, headers: { 'x-forwarded-for': forwardedFor } });

describe('TRUST_PROXY is checked at start-up', () => {
  it('is off when unset or 0, and takes a hop count or a list of addresses and ranges', () => {
    expect(loadEnv({}).TRUST_PROXY).toBeUndefined();
    expect(loadEnv({ TRUST_PROXY: '0' }).TRUST_PROXY).toBeUndefined();
    expect(loadEnv({ TRUST_PROXY: '2' }).TRUST_PROXY).toBe(2);
    expect(loadEnv({ TRUST_PROXY: '10.0.0.0/8, 192.168.1.7,fd00::/8,loopback' }).TRUST_PROXY).toEqual(['10.0.0.0/8', '192.168.1.7', 'fd00::/8', 'loopback']);
  });
  it('trusts a hop count only from proxies on private or loopback addresses', () => {
    const trust = proxyTrust(2) as (address: string, hop: number) => boolean;
    expect([trust('127.0.0.1', 0), trust('10.1.2.3', 1), trust('::ffff:192.168.0.9', 0), trust('fd00::5', 0)]).toEqual([true, true, true, true]);
    // A client on the internet that reaches us directly cannot make us believe its header.
    expect([trust('203.0.113.7', 0), trust('10.1.2.3', 2)]).toEqual([false, false]);
    expect(proxyTrust(undefined)).toBe(false);
  });
  it.each(['true', 'yes', '10.0.0.0/33', '10.0.0/8', 'proxy.internal', '1.2.3.4,,nonsense', '-1', '99'])('refuses %s with a message naming the variable', (value) => {
    expect(() => loadEnv({ TRUST_PROXY: value })).toThrow(/TRUST_PROXY/);
  });
});

describe.each(DB_KINDS)('X-Forwarded-For on %s', (kind) => {
  describe('with TRUST_PROXY unset', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await createTestApp(kind);
    });
    afterAll(async () => {
      await t.close();
    });

    it('does not let a forged header open a fresh rate-limit bucket', async () => {
      let last = await verify(t, '203.0.113.1');
      expect(last.statusCode).toBe(200);
      const limit = Number(last.headers['x-ratelimit-limit']);
      // Every request claims a different client; all count against the one real socket address.
      for (let i = 2; i <= limit + 1; i++) last = await verify(t, `203.0.113.${i}`);
      expect(last.statusCode).toBe(429);
      expect((await verify(t, '198.51.100.77')).statusCode).toBe(429);
    });

    it('writes the socket address, not the forged one (valid or not), to the audit log', async () => {
      expect(await loginIp(t, '6.6.6.6')).toBe('127.0.0.1');
      expect(await loginIp(t, '<script>, 999.1.1.1')).toBe('127.0.0.1');
    });
  });

  describe('with TRUST_PROXY=1 (one proxy in front)', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await createTestApp(kind, { TRUST_PROXY: '1' });
    });
    afterAll(async () => {
      await t.close();
    });

    it('keys rate limits and the audit log by the address the proxy reports', async () => {
      const first = await verify(t, '203.0.113.9');
      const limit = Number(first.headers['x-ratelimit-limit']);
      for (let i = 1; i < limit; i++) await verify(t, '203.0.113.9');
      expect((await verify(t, '203.0.113.9')).statusCode).toBe(429);
      // Another client behind the same proxy has its own budget.
      expect((await verify(t, '203.0.113.10')).statusCode).toBe(200);
      // The proxy appends the address it saw; one hop means that last entry is believed, not what the client prepended.
      expect(await loginIp(t, '6.6.6.6, 198.51.100.4')).toBe('198.51.100.4');
    });
  });

  describe('with TRUST_PROXY naming the proxies', () => {
    it('believes the header only from a listed address', async () => {
      const listed = await createTestApp(kind, { TRUST_PROXY: '127.0.0.1/32' });
      const other = await createTestApp(kind, { TRUST_PROXY: '10.0.0.0/8' });
      try {
        expect(await loginIp(listed, '198.51.100.5')).toBe('198.51.100.5');
        expect(await loginIp(other, '198.51.100.5')).toBe('127.0.0.1');
      } finally {
        await listed.close();
        await other.close();
      }
    });
  });
});
