import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { desc, eq } from 'drizzle-orm';
import { events, outboxEmails } from '../../server/db/schema.ts';
import { DB_KINDS } from '../helpers/db.ts';
import { PASSWORD, createTestApp, loginAgent, loginContact, makeAgent, makeContact, type TestApp } from '../helpers/app.ts';
import { API, expectError } from './helpers.ts';

/**
 * Issue 11, item 8: changing a password asks for the current one (a stolen session is not enough)
 * and ends the account's other sessions; a customer who never had a password may set a first one.
 */

const NEW = 'a much better passphrase';

describe.each(DB_KINDS)('changing passwords on %s', (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(kind);
  });
  afterAll(async () => {
    await t.close();
  });

  it('an agent needs their current password; the change ends their other sessions but not this one', async () => {
    const agent = await makeAgent(t);
    const here = await loginAgent(t, agent.email);
    const elsewhere = await loginAgent(t, agent.email);

    expectError(await here.request('POST', `${API}/auth/password`, { newPassword: NEW }), 400, 'validation_failed');
    expectError(await here.request('POST', `${API}/auth/password`, { currentPassword: 'not my password', newPassword: NEW }), 403, 'forbidden');
    expectError(await here.request('POST', `${API}/auth/password`, { currentPassword: PASSWORD, newPassword: 'short' }), 400, 'validation_failed');
    expect((await elsewhere.request('GET', `${API}/auth/me`)).statusCode).toBe(200);

    const changed = await here.request('POST', `${API}/auth/password`, { currentPassword: PASSWORD, newPassword: NEW });
    expect(changed.statusCode, changed.body).toBe(200);
    expect(changed.json()).toMatchObject({ id: agent.id });
    expect((await here.request('GET', `${API}/auth/me`)).statusCode).toBe(200);
    expectError(await elsewhere.request('GET', `${API}/auth/me`), 401, 'unauthenticated');

    expectError(await t.app.inject({ method: 'POST', url: `${API}/auth/login`, payload: { email: agent.email, password: PASSWORD } }), 401, 'invalid_credentials');
    expect((await loginAgent(t, agent.email, NEW)).csrf).toBeTruthy();
    const [event] = await t.services.database.db.select().from(events).where(eq(events.subjectId, agent.id)).orderBy(desc(events.id)).limit(5);
    expect(JSON.stringify(event)).not.toContain(NEW);
  });

  it('an agent cannot change their own password through PATCH /agents/:id, which does not ask for the current one', async () => {
    const agent = await makeAgent(t);
    const session = await loginAgent(t, agent.email);
    expectError(await session.request('PATCH', `${API}/agents/${agent.id}`, { password: NEW }), 403, 'forbidden');
    expect((await loginAgent(t, agent.email)).csrf).toBeTruthy();
    // An admin resetting someone else's password needs no current one (and ends all their sessions).
    const admin = await loginAgent(t, (await makeAgent(t, { role: 'admin' })).email);
    expect((await admin.request('PATCH', `${API}/agents/${agent.id}`, { password: NEW })).statusCode).toBe(200);
    expectError(await session.request('GET', `${API}/auth/me`), 401, 'unauthenticated');
  });

  it('guesses at the current password are limited like logins', async () => {
    const agent = await makeAgent(t);
    const session = await loginAgent(t, agent.email);
    for (let i = 0; i < 5; i++) expectError(await session.request('POST', `${API}/auth/password`, { currentPassword: `guess ${i}`, newPassword: NEW }), 403, 'forbidden');
    expectError(await session.request('POST', `${API}/auth/password`, { currentPassword: PASSWORD, newPassword: NEW }), 423, 'locked');
  });

  it('a customer with a password needs it to set a new one; their other sessions end', async () => {
    const contact = await makeContact(t);
    const here = await loginContact(t, contact.email!);
    const elsewhere = await loginContact(t, contact.email!);
    expect((await here.request('GET', `${API}/auth/me`)).json()).toMatchObject({ hasPassword: true });

    expectError(await here.request('PATCH', `${API}/auth/customer/profile`, { password: NEW }), 400, 'validation_failed');
    expectError(await here.request('PATCH', `${API}/auth/customer/profile`, { password: NEW, currentPassword: 'wrong one' }), 403, 'forbidden');
    expectError(await here.request('POST', `${API}/auth/password`, { newPassword: NEW }), 400, 'validation_failed');
    expect((await elsewhere.request('GET', `${API}/auth/me`)).statusCode).toBe(200);

    const ok = await here.request('PATCH', `${API}/auth/customer/profile`, { password: NEW, currentPassword: PASSWORD });
    expect(ok.statusCode, ok.body).toBe(200);
    expect((await here.request('GET', `${API}/auth/me`)).statusCode).toBe(200);
    expectError(await elsewhere.request('GET', `${API}/auth/me`), 401, 'unauthenticated');
    expect((await loginContact(t, contact.email!, NEW)).csrf).toBeTruthy();

    // The other fields still change without a password.
    expect((await here.request('PATCH', `${API}/auth/customer/profile`, { antiPhishingCode: 'BLUE42' })).json()).toMatchObject({ antiPhishingCode: 'BLUE42' });
  });

  it('a customer who signed in by email code sets a first password without a current one, then needs it', async () => {
    const email = `code-only-${kind}@example.com`;
    expect((await t.app.inject({ method: 'POST', url: `${API}/auth/customer/code`, payload: { email } })).statusCode).toBe(202);
    const [mail] = await t.services.database.db.select().from(outboxEmails).where(eq(outboxEmails.to, email)).orderBy(desc(outboxEmails.createdAt));
    const code = /code is (\d{6})\./.exec(mail!.text)![1]!;
    const res = await t.app.inject({ method: 'POST', url: `${API}/auth/customer/verify`, payload: { email, code } });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ hasPassword: false });
    const cookies = res.cookies as { name: string; value: string }[];
    const cookie = cookies.map((c) => `${c.name}=${c.value}`).join('; ');
    const csrf = cookies.find((c) => c.name === 'sb_csrf')!.value;
    const call = (payload: object) => t.app.inject({ method: 'PATCH', url: `${API}/auth/customer/profile`, payload, headers: { cookie, 'x-csrf-token': csrf } });

    const first = await call({ password: NEW });
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json()).toMatchObject({ hasPassword: true });
    expectError(await call({ password: 'another passphrase' }), 400, 'validation_failed');
    expect((await call({ password: 'another passphrase', currentPassword: NEW })).statusCode).toBe(200);
  });

  it('documents the current password in the API description', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: `${API}/openapi.json` })).json();
    const body = (path: string, method: string) => JSON.stringify(doc.paths[`${API}${path}`][method].requestBody);
    expect(body('/auth/password', 'post')).toContain('currentPassword');
    expect(body('/auth/customer/profile', 'patch')).toContain('currentPassword');
  });
});
