import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, desc, eq } from 'drizzle-orm';
import { generate } from 'otplib';
import { agents, events, loginThrottles, notifications, outboxEmails } from '../../server/db/schema.ts';
import { loginThrottleSweeper } from '../../server/domain/auth/loginThrottle.ts';
import { DB_KINDS } from '../helpers/db.ts';
import { PASSWORD, createTestApp, loginAgent, makeAgent, makeContact, type TestApp } from '../helpers/app.ts';
import { API, expectError } from './helpers.ts';

/**
 * Issue 11, items 4 and 5: every attempt is counted before its secret is checked (a burst cannot
 * check more guesses than the limit), and the lockout is fair: per account AND source with
 * increasing backoff, an account lock started elsewhere does not stop its owner's password + 2FA,
 * and the agent hears that their account is under attack.
 */

// (Bursts from one address stay under the login routes' own limit of 20 requests a minute.)
let ipCounter = 1;
/** A fresh source address for each scenario, so per-source counters of one test do not leak into the next. */
const freshIp = () => `10.${Math.floor(ipCounter / 250)}.${ipCounter % 250}.${(ipCounter++ % 200) + 1}`;

const login = (t: TestApp, email: string, password: string, ip: string, totp?: string) =>
  t.app.inject({ method: 'POST', url: `${API}/auth/login`, remoteAddress: ip, payload: { email, password, ...(totp ? { totp } : {}) } });
const customerLogin = (t: TestApp, email: string, password: string, ip: string) =>
  t.app.inject({ method: 'POST', url: `${API}/auth/customer/login`, remoteAddress: ip, payload: { email, password } });

/** Enrols an agent in two-factor directly and returns the secret. */
async function withTotp(t: TestApp, agentId: string) {
  const secret = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
  await t.services.database.db.update(agents).set({ totpEnabled: true, totpSecret: secret }).where(eq(agents.id, agentId));
  return secret;
}

describe.each(DB_KINDS)('attempt limits under a concurrent burst on %s', (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(kind);
  });
  afterAll(async () => {
    await t.close();
  });

  it('checks no more wrong passwords than the limit when 18 arrive at once', async () => {
    const agent = await makeAgent(t);
    const ip = freshIp();
    const answers = await Promise.all(Array.from({ length: 18 }, (_, i) => login(t, agent.email, `wrong ${i}`, ip)));
    const checked = answers.filter((r) => r.statusCode === 401);
    expect(checked.length, answers.map((r) => r.statusCode).join(',')).toBe(5);
    for (const r of answers.filter((x) => x.statusCode !== 401)) expectError(r, 423, 'locked');
    // And the lock holds for the right password from the same source.
    expectError(await login(t, agent.email, PASSWORD, ip), 423, 'locked');
  });

  it('checks no more wrong two-factor codes than the limit when 18 arrive at once', async () => {
    const agent = await makeAgent(t);
    const secret = await withTotp(t, agent.id);
    const ip = freshIp();
    const right = await generate({ secret });
    const wrongCodes = Array.from({ length: 18 }, (_, i) => String((Number(right) + 1 + i) % 1_000_000).padStart(6, '0'));
    const answers = await Promise.all(wrongCodes.map((code) => login(t, agent.email, PASSWORD, ip, code)));
    expect(answers.filter((r) => r.statusCode === 401).length, answers.map((r) => r.statusCode).join(',')).toBe(5);
    expectError(await login(t, agent.email, PASSWORD, ip, right), 423, 'locked');
  });

  it('accepts one two-factor code once even when it is replayed concurrently', async () => {
    const agent = await makeAgent(t);
    const secret = await withTotp(t, agent.id);
    const code = await generate({ secret });
    const answers = await Promise.all(Array.from({ length: 4 }, (_, i) => login(t, agent.email, PASSWORD, freshIp(), code)));
    expect(answers.filter((r) => r.statusCode === 200)).toHaveLength(1);
  });

  it('checks no more customer one-time codes than the limit when 20 arrive at once', async () => {
    const email = `burst-${kind}@example.com`;
    expect((await t.app.inject({ method: 'POST', url: `${API}/auth/customer/code`, payload: { email } })).statusCode).toBe(202);
    const [mail] = await t.services.database.db.select().from(outboxEmails).where(eq(outboxEmails.to, email)).orderBy(desc(outboxEmails.createdAt));
    const code = /code is (\d{6})\./.exec(mail!.text)![1]!;
    const wrong = Array.from({ length: 20 }, (_, i) => String((Number(code) + 1 + i) % 1_000_000).padStart(6, '0'));
    // Each from its own address, so the per-IP request limit is not what stops them.
    const answers = await Promise.all(wrong.map((c) => t.app.inject({ method: 'POST', url: `${API}/auth/customer/verify`, remoteAddress: freshIp(), payload: { email, code: c } })));
    for (const r of answers) expectError(r, 401, 'invalid_credentials');
    expect(answers.filter((r) => r.json().error.message === 'Wrong code')).toHaveLength(5);
    // The code is dead: even the right one is refused now.
    expectError(await t.app.inject({ method: 'POST', url: `${API}/auth/customer/verify`, payload: { email, code } }), 401, 'invalid_credentials');
  });
});

describe.each(DB_KINDS)('fair lockout on %s', (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(kind);
  });
  afterAll(async () => {
    await t.close();
  });

  it('locks the source that failed, not the account: the owner signs in from elsewhere', async () => {
    t.setNow(new Date());
    const agent = await makeAgent(t, { role: 'admin' });
    const attacker = freshIp();
    for (let i = 0; i < 5; i++) expectError(await login(t, agent.email, `wrong ${i}`, attacker), 401, 'invalid_credentials');
    const locked = await login(t, agent.email, PASSWORD, attacker);
    expectError(locked, 423, 'locked');
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
    // Email case does not dodge the lock.
    expectError(await login(t, agent.email.toUpperCase(), PASSWORD, attacker), 423, 'locked');
    // The admin, elsewhere, is not locked out by someone else's guesses.
    expect((await login(t, agent.email, PASSWORD, freshIp())).statusCode).toBe(200);
  });

  it('backs off: each failure after a lock expires locks the source again, for twice as long', async () => {
    const start = new Date();
    t.setNow(start);
    const agent = await makeAgent(t);
    const ip = freshIp();
    for (let i = 0; i < 5; i++) expectError(await login(t, agent.email, `wrong ${i}`, ip), 401, 'invalid_credentials');
    const first = Number((await login(t, agent.email, PASSWORD, ip)).headers['retry-after']);
    t.setNow(new Date(start.getTime() + first * 1000 + 1000));
    // The lock ran out: one more wrong guess is checked, and locks again for longer.
    expectError(await login(t, agent.email, 'wrong again', ip), 401, 'invalid_credentials');
    const second = await login(t, agent.email, PASSWORD, ip);
    expectError(second, 423, 'locked');
    expect(Number(second.headers['retry-after'])).toBeGreaterThan(first);
    // After that lock, the right password gets in and starts afresh.
    t.setNow(new Date(start.getTime() + first * 1000 + 1000 + Number(second.headers['retry-after']) * 1000 + 1000));
    expect((await login(t, agent.email, PASSWORD, ip)).statusCode).toBe(200);
    expectError(await login(t, agent.email, 'wrong', ip), 401, 'invalid_credentials');
    t.setNow(new Date());
  });

  it('locks the account when many sources fail; the owner gets through with password and two-factor, not with a password alone', async () => {
    t.setNow(new Date());
    const agent = await makeAgent(t);
    const secret = await withTotp(t, agent.id);
    // Ten sources, one wrong guess each: no source is locked, the account is.
    for (let i = 0; i < 10; i++) expectError(await login(t, agent.email, `wrong ${i}`, freshIp()), 401, 'invalid_credentials');
    const owner = freshIp();
    // A password alone (or a wrong code) is not enough while the account is locked, and the answer
    // does not tell whether the password was right.
    const noCode = await login(t, agent.email, PASSWORD, owner);
    expectError(noCode, 423, 'locked');
    expectError(await login(t, agent.email, 'wrong password', freshIp(), await generate({ secret })), 423, 'locked');
    const ok = await login(t, agent.email, PASSWORD, owner, await generate({ secret }));
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json()).toMatchObject({ id: agent.id });
  });

  it('keeps an account lock for a customer (no second factor) but says the email code still works', async () => {
    const contact = await makeContact(t);
    for (let i = 0; i < 10; i++) expectError(await customerLogin(t, contact.email!, `wrong ${i}`, freshIp()), 401, 'invalid_credentials');
    const res = await customerLogin(t, contact.email!, PASSWORD, freshIp());
    expectError(res, 423, 'locked');
    expect(res.json().error.message).toMatch(/code/i);
  });

  it('tells the agent, in the workspace and by email, when their account is locked by failed sign-ins', async () => {
    t.setNow(new Date());
    const agent = await makeAgent(t);
    for (let i = 0; i < 10; i++) await login(t, agent.email, `wrong ${i}`, freshIp());
    const rows = await t.services.database.db.select().from(notifications).where(eq(notifications.agentId, agent.id));
    expect(rows.map((r) => r.type)).toContain('login_locked');
    const mails = await t.services.database.db.select().from(outboxEmails).where(eq(outboxEmails.to, agent.email));
    expect(mails.length).toBeGreaterThan(0);
    expect(mails[0]!.text).not.toContain('wrong');
    const [audit] = await t.services.database.db.select().from(events).where(and(eq(events.type, 'agents.login_locked'), eq(events.subjectId, agent.id)));
    expect(audit).toBeDefined();
    // More failures during the same lock do not flood the agent.
    for (let i = 0; i < 5; i++) await login(t, agent.email, `more ${i}`, freshIp());
    const after = await t.services.database.db.select().from(notifications).where(and(eq(notifications.agentId, agent.id), eq(notifications.type, 'login_locked')));
    expect(after).toHaveLength(1);
    // And the agent can still sign in? Not with a password alone while locked (no two-factor here).
    expectError(await login(t, agent.email, PASSWORD, freshIp()), 423, 'locked');
  });

  it('tells the agent when one source is guessing their password', async () => {
    t.setNow(new Date());
    const agent = await makeAgent(t);
    const ip = freshIp();
    for (let i = 0; i < 5; i++) await login(t, agent.email, `wrong ${i}`, ip);
    const rows = await t.services.database.db.select().from(notifications).where(eq(notifications.agentId, agent.id));
    expect(rows.map((r) => r.type)).toContain('login_locked');
    expect(JSON.stringify(rows[0]!.data)).toContain(ip);
    // The agent's own session keeps working and they can sign in from elsewhere.
    expect((await loginAgent(t, agent.email)).csrf).toBeTruthy();
  });
});

describe.each(DB_KINDS)('per-IP limit on %s', (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(kind);
  });
  afterAll(async () => {
    await t.close();
  });

  it('refuses a source that sprays many accounts, and its successful logins are not counted as failures', async () => {
    t.setNow(new Date());
    const ip = freshIp();
    const good = await makeAgent(t);
    // Successful logins from an office behind one address are not failures.
    for (let i = 0; i < 3; i++) expect((await login(t, good.email, PASSWORD, ip)).statusCode).toBe(200);
    // 30 failures from one address over six accounts (five each: no account is locked yet); split
    // over the agent and customer forms, which each allow 20 requests a minute per address.
    for (let v = 0; v < 3; v++) {
      const victim = await makeAgent(t);
      for (let i = 0; i < 5; i++) expectError(await login(t, victim.email, `wrong ${i}`, ip), 401, 'invalid_credentials');
    }
    for (let v = 0; v < 3; v++) {
      const victim = await makeContact(t);
      for (let i = 0; i < 5; i++) expectError(await customerLogin(t, victim.email!, `wrong ${i}`, ip), 401, 'invalid_credentials');
    }
    const refused = await customerLogin(t, (await makeContact(t)).email!, PASSWORD, ip);
    expectError(refused, 429, 'rate_limited');
    expect(refused.json().error.message).toMatch(/network/);
    // Another address is not affected.
    expect((await login(t, good.email, PASSWORD, freshIp())).statusCode).toBe(200);
  });
});

describe.each(DB_KINDS)('two-factor codes from a signed-in session on %s', (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(kind);
  });
  afterAll(async () => {
    await t.close();
  });

  it('counts guesses at the code that turns two-factor off, so a stolen session cannot try them all', async () => {
    t.setNow(new Date());
    const agent = await makeAgent(t);
    const secret = await withTotp(t, agent.id);
    // Signing in needs the code now.
    const res = await t.app.inject({ method: 'POST', url: `${API}/auth/login`, payload: { email: agent.email, password: PASSWORD, totp: await generate({ secret }) } });
    expect(res.statusCode, res.body).toBe(200);
    const cookies = res.cookies as { name: string; value: string }[];
    const headers = { cookie: cookies.map((c) => `${c.name}=${c.value}`).join('; '), 'x-csrf-token': cookies.find((c) => c.name === 'sb_csrf')!.value };
    const right = await generate({ secret });
    const wrong = (i: number) => String((Number(right) + 7 + i) % 1_000_000).padStart(6, '0');
    const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => t.app.inject({ method: 'POST', url: `${API}/auth/totp/disable`, payload: { code: wrong(i) }, headers })));
    expect(answers.filter((r) => r.statusCode === 400)).toHaveLength(5);
    for (const r of answers.filter((x) => x.statusCode !== 400)) expectError(r, 423, 'locked');
    const [row] = await t.services.database.db.select().from(agents).where(eq(agents.id, agent.id));
    expect(row!.totpEnabled).toBe(true);
  });
});

describe.each(DB_KINDS)('old counters on %s', (kind) => {
  it('are swept once quiet for a day, unless still locked', async () => {
    const t = await createTestApp(kind);
    try {
      const start = new Date();
      t.setNow(start);
      const quiet = await makeAgent(t);
      const locked = await makeAgent(t);
      await login(t, quiet.email, 'wrong', freshIp());
      const ip = freshIp();
      for (let i = 0; i < 5; i++) await login(t, locked.email, `wrong ${i}`, ip);
      // A long lock that is still running a day later.
      await t.services.database.db.update(loginThrottles).set({ lockedUntil: new Date(start.getTime() + 48 * 3_600_000) }).where(eq(loginThrottles.key, `pair:${locked.email}|${ip}`));
      await loginThrottleSweeper(t.services.database.db, new Date(start.getTime() + 25 * 3_600_000));
      const keys = (await t.services.database.db.select({ key: loginThrottles.key }).from(loginThrottles)).map((r) => r.key);
      expect(keys.filter((k) => k.includes(quiet.email))).toEqual([]);
      expect(keys).toContain(`pair:${locked.email}|${ip}`);
    } finally {
      await t.close();
    }
  });
});
