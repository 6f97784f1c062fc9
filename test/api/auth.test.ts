import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, desc, eq } from 'drizzle-orm';
import { generate } from 'otplib';
import { agents, apiTokens, contacts, conversations, events, outboxEmails } from '../../server/db/schema.ts';
import { DB_KINDS } from '../helpers/db.ts';
import { PASSWORD, bearer, createTestApp, loginAgent, loginContact, makeAgent, makeContact, makeToken, type Session, type TestApp } from '../helpers/app.ts';
import { API, expectError } from './helpers.ts';

const login = (t: TestApp, email: string, password: string, totp?: string) =>
  t.app.inject({ method: 'POST', url: `${API}/auth/login`, payload: { email, password, ...(totp ? { totp } : {}) } });

describe.each(DB_KINDS)('agent login and lockout on %s', (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(kind);
  });
  afterAll(async () => {
    await t.close();
  });

  it('answers 401 invalid_credentials, the same way, to a wrong password, an unknown email and a disabled agent', async () => {
    const agent = await makeAgent(t);
    const disabled = await makeAgent(t);
    await t.services.database.db.update(agents).set({ disabled: true }).where(eq(agents.id, disabled.id));
    const answers = [await login(t, agent.email, 'wrong password'), await login(t, 'nobody@test.local', PASSWORD), await login(t, disabled.email, PASSWORD)];
    for (const res of answers) {
      expectError(res, 401, 'invalid_credentials');
      expect(res.cookies).toEqual([]);
    }
    expect(new Set(answers.map((r) => r.json().error.message)).size).toBe(1);
  });

  it('locks an account for the source that failed 5 times, even for the right password, and unlocks it when the lock runs out', async () => {
    const start = new Date();
    t.setNow(start);
    const agent = await makeAgent(t);
    for (let i = 0; i < 5; i++) expectError(await login(t, agent.email, `wrong ${i}`), 401, 'invalid_credentials');

    const locked = await login(t, agent.email, PASSWORD);
    expectError(locked, 423, 'locked');
    const retryAfter = Number(locked.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(0);
    expect(locked.cookies).toEqual([]);
    // Email case does not dodge the lock.
    expectError(await login(t, agent.email.toUpperCase(), PASSWORD), 423, 'locked');

    t.setNow(new Date(start.getTime() + retryAfter * 1000 - 5_000));
    expectError(await login(t, agent.email, PASSWORD), 423, 'locked');

    t.setNow(new Date(start.getTime() + retryAfter * 1000 + 1_000));
    const ok = await login(t, agent.email, PASSWORD);
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json()).toMatchObject({ type: 'agent', id: agent.id });
    t.setNow(new Date());
  });
});

describe.each(DB_KINDS)('sessions, CSRF and logout on %s', (kind) => {
  let t: TestApp;
  let adminSession: Session;
  beforeAll(async () => {
    t = await createTestApp(kind);
    adminSession = await loginAgent(t, (await makeAgent(t, { role: 'admin' })).email);
  });
  afterAll(async () => {
    await t.close();
  });

  const raw = (s: Session, method: string, url: string, payload?: object, headers: Record<string, string> = {}) =>
    t.app.inject({ method: method as 'POST', url, payload, headers: { cookie: s.cookie, ...headers } });
  const countTeams = async () => (await t.app.inject({ method: 'GET', url: `${API}/teams`, headers: { cookie: adminSession.cookie } })).json().items.length as number;

  it('refuses a cookie-authenticated change without the right X-CSRF-Token', async () => {
    const before = await countTeams();
    expectError(await raw(adminSession, 'POST', `${API}/teams`, { slug: 'csrf-a', name: { en: 'x' } }), 403, 'csrf_failed');
    expectError(await raw(adminSession, 'POST', `${API}/teams`, { slug: 'csrf-b', name: { en: 'x' } }, { 'x-csrf-token': 'guess' }), 403, 'csrf_failed');
    expectError(await raw(adminSession, 'POST', `${API}/teams`, { slug: 'csrf-c', name: { en: 'x' } }, { 'x-csrf-token': '' }), 403, 'csrf_failed');
    // Another session's token is no good either.
    const other = await loginContact(t, (await makeContact(t)).email!);
    expectError(await raw(adminSession, 'POST', `${API}/teams`, { slug: 'csrf-d', name: { en: 'x' } }, { 'x-csrf-token': other.csrf }), 403, 'csrf_failed');
    expect(await countTeams()).toBe(before);

    const { id } = await makeToken(t, 'agent');
    expectError(await raw(adminSession, 'DELETE', `${API}/tokens/${id}`), 403, 'csrf_failed');
    expectError(await raw(adminSession, 'PATCH', `${API}/settings`, { requireTotp: true }), 403, 'csrf_failed');
    const [token] = await t.services.database.db.select().from(apiTokens).where(eq(apiTokens.id, id));
    expect(token!.revokedAt).toBeNull();

    // Reads need no CSRF header, and the right header lets the change through.
    expect((await raw(adminSession, 'GET', `${API}/teams`)).statusCode).toBe(200);
    expect((await adminSession.request('POST', `${API}/teams`, { slug: 'csrf-ok', name: { en: 'x' } })).statusCode).toBe(201);
    expect(await countTeams()).toBe(before + 1);
  });

  it('needs no CSRF token for Bearer-token changes', async () => {
    const call = bearer(t, (await makeToken(t, 'admin')).token);
    const res = await call('POST', `${API}/conversations`, { subject: 'From an integration', body: 'hi', contact: { email: 'integration@example.com' } });
    expect(res.statusCode, res.body).toBe(201);
    expect((await call('PATCH', `${API}/conversations/${res.json().id}`, { priority: 'high' })).statusCode).toBe(200);
  });

  it('ends the session on logout', async () => {
    const agent = await makeAgent(t);
    const session = await loginAgent(t, agent.email);
    expect((await session.request('GET', `${API}/auth/me`)).json()).toMatchObject({ type: 'agent', id: agent.id, csrfToken: session.csrf });
    const out = await session.request('POST', `${API}/auth/logout`);
    expect(out.statusCode).toBe(204);
    const cleared = (out.cookies as { name: string; value: string }[]).map((c) => [c.name, c.value]);
    expect(cleared).toEqual(expect.arrayContaining([['sb_session', ''], ['sb_csrf', '']]));
    expectError(await session.request('GET', `${API}/auth/me`), 401, 'unauthenticated');
    expectError(await session.request('GET', `${API}/conversations`), 401, 'unauthenticated');
    expectError(await session.request('POST', `${API}/conversations/${crypto.randomUUID()}/notes`, { body: 'x' }), 401, 'unauthenticated');
    // Other sessions of the same agent live on.
    const second = await loginAgent(t, agent.email);
    expect((await second.request('GET', `${API}/auth/me`)).statusCode).toBe(200);
  });

  it('signs a customer in with email and password', async () => {
    const contact = await makeContact(t);
    expectError(await t.app.inject({ method: 'POST', url: `${API}/auth/customer/login`, payload: { email: contact.email, password: 'wrong password' } }), 401, 'invalid_credentials');
    const session = await loginContact(t, contact.email!.toUpperCase());
    const me = await session.request('GET', `${API}/auth/me`);
    expect(me.json()).toMatchObject({ type: 'contact', id: contact.id, role: null, mustEnrollTotp: false });
    const ticket = await session.request('POST', `${API}/conversations`, { subject: 'Card declined', body: 'Why?' });
    expect(ticket.statusCode, ticket.body).toBe(201);
    expect(ticket.json().contactId).toBe(contact.id);
    // A customer's session is not an agent's.
    expectError(await session.request('POST', `${API}/auth/totp/setup`), 403, 'forbidden');
  });
});

describe.each(DB_KINDS)('customer one-time codes on %s', (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(kind);
  });
  afterAll(async () => {
    await t.close();
  });

  const requestCode = (email: string) => t.app.inject({ method: 'POST', url: `${API}/auth/customer/code`, payload: { email } });
  const verify = (email: string, code: string) => t.app.inject({ method: 'POST', url: `${API}/auth/customer/verify`, payload: { email, code } });
  async function mailedCode(to: string) {
    const mails = await t.services.database.db.select().from(outboxEmails).where(eq(outboxEmails.to, to)).orderBy(desc(outboxEmails.createdAt));
    expect(mails.length).toBeGreaterThan(0);
    const code = /code is (\d{6})\./.exec(mails[0]!.text)?.[1];
    expect(code, mails[0]!.text).toBeDefined();
    return code!;
  }
  const wrong = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, '0');

  it('emails a code that signs a new customer in once', async () => {
    const email = 'first-time@example.com';
    const res = await requestCode('First-Time@Example.com');
    expect(res.statusCode, res.body).toBe(202);
    expect(res.json()).toEqual({ sent: true });
    const code = await mailedCode(email);

    expectError(await verify(email, wrong(code)), 401, 'invalid_credentials');
    const ok = await verify(email, code);
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json()).toMatchObject({ type: 'contact', email });
    const [contact] = await t.services.database.db.select().from(contacts).where(eq(contacts.email, email));
    expect(ok.json().id).toBe(contact!.id);

    const cookies = ok.cookies as { name: string; value: string }[];
    const cookie = cookies.map((c) => `${c.name}=${c.value}`).join('; ');
    const csrf = cookies.find((c) => c.name === 'sb_csrf')!.value;
    const ticket = await t.app.inject({ method: 'POST', url: `${API}/conversations`, payload: { subject: 'Hello', body: 'First ticket' }, headers: { cookie, 'x-csrf-token': csrf } });
    expect(ticket.statusCode, ticket.body).toBe(201);
    const [row] = await t.services.database.db.select().from(conversations).where(eq(conversations.id, ticket.json().id));
    expect(row!.contactId).toBe(contact!.id);

    // Used once.
    expectError(await verify(email, code), 401, 'invalid_credentials');
  });

  it('sends at most one code a minute per address', async () => {
    const start = new Date();
    t.setNow(start);
    const email = 'impatient@example.com';
    expect((await requestCode(email)).statusCode).toBe(202);
    expectError(await requestCode(email), 429, 'rate_limited');
    expectError(await requestCode('IMPATIENT@example.com'), 429, 'rate_limited');
    expect((await requestCode('someone-else@example.com')).statusCode).toBe(202);
    expect(await t.services.database.db.select().from(outboxEmails).where(eq(outboxEmails.to, email))).toHaveLength(1);

    t.setNow(new Date(start.getTime() + 61_000));
    expect((await requestCode(email)).statusCode).toBe(202);
    expect(await t.services.database.db.select().from(outboxEmails).where(eq(outboxEmails.to, email))).toHaveLength(2);
  });

  it('kills a code after five wrong guesses', async () => {
    const email = 'guesser@example.com';
    expect((await requestCode(email)).statusCode).toBe(202);
    const code = await mailedCode(email);
    for (let i = 0; i < 5; i++) expectError(await verify(email, wrong(String((Number(code) + i) % 1_000_000))), 401, 'invalid_credentials');
    expectError(await verify(email, code), 401, 'invalid_credentials');
    expect(await t.services.database.db.select().from(contacts).where(eq(contacts.email, email))).toEqual([]);
  });

  it('signs a known customer into their existing record', async () => {
    const contact = await makeContact(t);
    expect((await requestCode(contact.email!)).statusCode).toBe(202);
    const ok = await verify(contact.email!, await mailedCode(contact.email!));
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json().id).toBe(contact.id);
    expect(await t.services.database.db.select().from(contacts).where(eq(contacts.email, contact.email!))).toHaveLength(1);
  });
});

describe.each(DB_KINDS)('two-factor login on %s', (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(kind);
  });
  afterAll(async () => {
    await t.close();
  });

  it('enrols an agent with a code from the app, then asks for a code at every login', async () => {
    const agent = await makeAgent(t);
    const session = await loginAgent(t, agent.email);
    const setup = await session.request('POST', `${API}/auth/totp/setup`);
    expect(setup.statusCode, setup.body).toBe(200);
    const { secret, otpauthUrl } = setup.json() as { secret: string; otpauthUrl: string };
    expect(otpauthUrl).toMatch(/^otpauth:\/\/totp\//);
    expect(otpauthUrl).toContain(secret);

    // Not on until confirmed: a wrong code changes nothing and login still needs no code.
    const code = await generate({ secret });
    expectError(await session.request('POST', `${API}/auth/totp/enable`, { code: code === '000000' ? '111111' : '000000' }), 400, 'validation_failed');
    expect((await login(t, agent.email, PASSWORD)).statusCode).toBe(200);

    const enabled = await session.request('POST', `${API}/auth/totp/enable`, { code: await generate({ secret }) });
    expect(enabled.statusCode, enabled.body).toBe(200);
    expect(enabled.json()).toMatchObject({ id: agent.id, totpEnabled: true });
    const [event] = await t.services.database.db.select().from(events).where(and(eq(events.type, 'agents.totp_enable'), eq(events.subjectId, agent.id)));
    expect(event).toBeDefined();
    expect(JSON.stringify(event)).not.toContain(secret);
    expectError(await session.request('POST', `${API}/auth/totp/setup`), 409, 'conflict');

    const noCode = await login(t, agent.email, PASSWORD);
    expectError(noCode, 401, 'mfa_required');
    expect(noCode.cookies).toEqual([]);
    // A wrong password is just a wrong password: it does not reveal that two-factor is on.
    expectError(await login(t, agent.email, 'wrong password'), 401, 'invalid_credentials');
    const current = await generate({ secret });
    expectError(await login(t, agent.email, PASSWORD, current === '123456' ? '654321' : '123456'), 401, 'invalid_credentials');

    const ok = await login(t, agent.email, PASSWORD, await generate({ secret }));
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json()).toMatchObject({ id: agent.id, totpEnabled: true, mustEnrollTotp: false });
  });

  it('clears the failure count on a successful login', async () => {
    const agent = await makeAgent(t);
    for (let i = 0; i < 4; i++) expectError(await login(t, agent.email, 'wrong password'), 401, 'invalid_credentials');
    expect((await login(t, agent.email, PASSWORD)).statusCode).toBe(200);
    for (let i = 0; i < 4; i++) expectError(await login(t, agent.email, 'wrong password'), 401, 'invalid_credentials');
    expect((await login(t, agent.email, PASSWORD)).statusCode).toBe(200);
  });
});

describe.each(DB_KINDS)('required two-factor on %s', (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(kind);
  });
  afterAll(async () => {
    await t.close();
  });

  it('lets an un-enrolled agent do nothing but enrol once an admin requires two-factor', async () => {
    const adminSession = await loginAgent(t, (await makeAgent(t, { role: 'admin' })).email);
    const agent = await makeAgent(t);
    const customer = await loginContact(t, (await makeContact(t)).email!);
    const token = bearer(t, (await makeToken(t, 'agent')).token);

    // Each process caches the settings for 5 s of real time (server/routes/authenticate.ts), and
    // an un-enrolled admin's session request fills that cache: change them through an admin token,
    // which never reads it, so the first session request below sees the new value.
    const adminToken = bearer(t, (await makeToken(t, 'admin')).token);
    const turnedOn = await adminToken('PATCH', `${API}/settings`, { requireTotp: true });
    expect(turnedOn.statusCode, turnedOn.body).toBe(200);
    expect(turnedOn.json()).toMatchObject({ requireTotp: true });

    const loggedIn = await login(t, agent.email, PASSWORD);
    expect(loggedIn.statusCode).toBe(200);
    expect(loggedIn.json().mustEnrollTotp).toBe(true);
    const session = await loginAgent(t, agent.email);

    expectError(await session.request('GET', `${API}/conversations`), 403, 'totp_enrollment_required');
    expectError(await session.request('GET', `${API}/agents`), 403, 'totp_enrollment_required');
    expectError(await session.request('POST', `${API}/conversations`, { subject: 's', body: 'b', contact: { email: 'x@example.com' } }), 403, 'totp_enrollment_required');
    const me = await session.request('GET', `${API}/auth/me`);
    expect(me.statusCode, me.body).toBe(200);
    expect(me.json()).toMatchObject({ id: agent.id, mustEnrollTotp: true, totpEnabled: false });
    // The admin who has not enrolled either is held to the same rule.
    expectError(await adminSession.request('GET', `${API}/settings`), 403, 'totp_enrollment_required');

    // Customers and integration tokens are not agents: unaffected.
    expect((await customer.request('GET', `${API}/conversations`)).statusCode).toBe(200);
    expect((await token('GET', `${API}/conversations`)).statusCode).toBe(200);

    const { secret } = (await session.request('POST', `${API}/auth/totp/setup`)).json() as { secret: string };
    const enabled = await session.request('POST', `${API}/auth/totp/enable`, { code: await generate({ secret }) });
    expect(enabled.statusCode, enabled.body).toBe(200);
    expect(enabled.json()).toMatchObject({ totpEnabled: true, mustEnrollTotp: false });
    expect((await session.request('GET', `${API}/conversations`)).statusCode).toBe(200);
    expect((await session.request('GET', `${API}/auth/me`)).json().mustEnrollTotp).toBe(false);
  });
});
