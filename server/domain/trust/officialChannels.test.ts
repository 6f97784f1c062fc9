import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { events } from '../../db/schema.ts';
import { DB_KINDS } from '../../../test/helpers/db.ts';
import { createTestApp, loginAgent, makeAgent, type Session, type TestApp } from '../../../test/helpers/app.ts';
import { API, expectError } from '../../../test/api/helpers.ts';

/** The registry admins keep, and the public check (API and page) customers run against it. */
describe.each(DB_KINDS)('official channels and /verify on %s', (kind) => {
  let t: TestApp;
  let admin: Session;
  const verify = async (q: string) => {
    const res = await t.app.inject({ method: 'GET', url: `${API}/verify?q=${encodeURIComponent(q)}` });
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as { official: boolean; retired: boolean; readAs: string; matches: { kind: string; label: string; note: string }[] };
  };

  beforeAll(async () => {
    t = await createTestApp(kind, { PUBLIC_URL: 'https://help.desk-exchange.com' });
    admin = await loginAgent(t, (await makeAgent(t, { role: 'admin' })).email);
  });
  afterAll(async () => t.close());

  it('lets admins list channels written down canonically, refusing duplicates and values that do not fit their kind', async () => {
    const bot = await admin.request('POST', `${API}/official-channels`, { kind: 'telegram', value: 'https://t.me/DeskSupport', note: 'Support bot' });
    expect(bot.statusCode, bot.body).toBe(201);
    expect(bot.json()).toMatchObject({ kind: 'telegram', value: 'desksupport', label: '@DeskSupport', note: 'Support bot', active: true });
    // The same account written another way is the same entry.
    const again = await admin.request('POST', `${API}/official-channels`, { kind: 'telegram', value: '@desksupport' });
    expectError(again, 409, 'conflict');
    expect(again.json().error.message).toContain('@DeskSupport');
    const bad = await admin.request('POST', `${API}/official-channels`, { kind: 'website', value: 'not a domain' });
    expectError(bad, 400, 'validation_failed');
    expect(bad.json().error.message).toMatch(/domain/);
    expect((await admin.request('POST', `${API}/official-channels`, { kind: 'phone', value: '+65 6000 0000', note: 'Emergency line' })).statusCode).toBe(201);
    expect((await admin.request('POST', `${API}/official-channels`, { kind: 'email', value: '@desk-exchange.com' })).statusCode).toBe(201);
    const old = await admin.request('POST', `${API}/official-channels`, { kind: 'x', value: '@DeskOldNews', active: false });
    expect(old.statusCode).toBe(201);
    const list = await admin.request('GET', `${API}/official-channels`);
    expect(list.json().items.map((c: { label: string }) => c.label).sort()).toEqual(['+65 6000 0000', '@DeskOldNews', '@DeskSupport', '*@desk-exchange.com'].sort());
    const history = await t.services.database.db.select().from(events).where(eq(events.subjectId, bot.json().id));
    expect(history.map((e) => e.type)).toEqual(['official_channels.create']);
  });

  it('tells anyone whether what reached them is ours: listed channels, inbox addresses and this site, never look-alikes', async () => {
    expect(await verify('t.me/desksupport')).toMatchObject({ official: true, readAs: 'telegram', matches: [{ kind: 'telegram', label: '@DeskSupport', note: 'Support bot' }] });
    expect(await verify('@DeskSupport')).toMatchObject({ official: true, readAs: 'handle' });
    expect(await verify('@DeskSupp0rt')).toMatchObject({ official: false, retired: false });
    expect(await verify('+65 (6000) 0000')).toMatchObject({ official: true, readAs: 'phone' });
    expect(await verify('withdrawals@desk-exchange.com')).toMatchObject({ official: true, readAs: 'email' });
    expect(await verify('support@desk-exchange.com.verify-now.io')).toMatchObject({ official: false });
    // The host this desk is served from, its subdomains, and no look-alike.
    expect(await verify('https://help.desk-exchange.com/tickets')).toMatchObject({ official: true, readAs: 'website' });
    expect(await verify('https://help.desk-exchange.co/tickets')).toMatchObject({ official: false, readAs: 'website' });
    // A retired account is not ours any more, and says so.
    expect(await verify('x.com/DeskOldNews')).toMatchObject({ official: false, retired: true });
    // An enabled inbox's public address counts; a disabled one's does not.
    const inbox = await admin.request('POST', `${API}/inboxes`, { kind: 'telegram', name: 'Telegram bot', settings: { username: 'DeskHelpBot', token: 'secret' } });
    expect(inbox.statusCode, inbox.body).toBe(201);
    expect(await verify('@DeskHelpBot')).toMatchObject({ official: true, matches: [{ kind: 'telegram', label: '@DeskHelpBot', note: 'Telegram bot' }] });
    await admin.request('PATCH', `${API}/inboxes/${inbox.json().id}`, { enabled: false });
    expect(await verify('@DeskHelpBot')).toMatchObject({ official: false });
    expect(await verify('just some words')).toMatchObject({ official: false, readAs: 'unknown' });
  });

  it('answers bad questions with 400, and only admins change the list', async () => {
    expectError(await t.app.inject({ method: 'GET', url: `${API}/verify?q=` }), 400, 'validation_failed');
    expectError(await t.app.inject({ method: 'GET', url: `${API}/verify?q=${'a'.repeat(301)}` }), 400, 'validation_failed');
    const agent = await loginAgent(t, (await makeAgent(t)).email);
    expect((await agent.request('GET', `${API}/official-channels`)).statusCode).toBe(200);
    expectError(await agent.request('POST', `${API}/official-channels`, { kind: 'website', value: 'agent.example' }), 403, 'forbidden');
    const [first] = (await admin.request('GET', `${API}/official-channels`)).json().items;
    expect((await admin.request('PATCH', `${API}/official-channels/${first.id}`, { active: false })).json().active).toBe(false);
    expect((await admin.request('DELETE', `${API}/official-channels/${first.id}`)).statusCode).toBe(204);
    expectError(await admin.request('DELETE', `${API}/official-channels/${first.id}`), 404, 'not_found');
  });

  it('keeps what customers checked for the security team: what is not ours, most asked first (staff only)', async () => {
    const report = async (who: Session) => (await who.request('GET', `${API}/official-channels/lookups?days=7`)).json();
    const before = await report(admin);
    await verify('https://t.me/DeskSupp0rt');
    await verify('@DeskSupp0rt');
    await verify('support@desk-exchange.com.verify-now.io');
    await verify('@DeskSupport');
    await verify('just some words');
    const after = await report(admin);
    // Text that reads as nothing is not kept.
    expect(after.checks - before.checks).toBe(4);
    expect(after.official - before.official).toBe(1);
    // Asked as a link and as a bare handle (and once before): one account, named by its most precise kind.
    expect(after.notOurs[0]).toMatchObject({ kind: 'telegram', value: 'desksupp0rt', count: 3, retired: false });
    expect(after.notOurs.map((r: { value: string }) => r.value)).toContain('support@desk-exchange.com.verify-now.io');
    expect(after.notOurs.map((r: { value: string }) => r.value)).not.toContain('desksupport');
    const agent = await loginAgent(t, (await makeAgent(t)).email);
    expect((await agent.request('GET', `${API}/official-channels/lookups`)).statusCode).toBe(200);
    expectError(await admin.request('GET', `${API}/official-channels/lookups?days=0`), 400, 'validation_failed');
    expectError(await t.app.inject({ method: 'GET', url: `${API}/official-channels/lookups` }), 401, 'unauthenticated');
  });

  it('shows the check and its answer on the /verify page, escaped, in both languages', async () => {
    const res = await t.app.inject({ method: 'GET', url: `/verify?q=${encodeURIComponent('t.me/DeskSupport')}&lang=en` });
    expect(res.statusCode).toBe(200);
    expect(res.headers['x-robots-tag']).toBe('noindex');
    expect(res.body).toContain('data-verdict="official"');
    expect(res.body).toContain('@DeskSupport');
    // The retired account is not offered as one of ours.
    expect(res.body).not.toContain('@DeskOldNews');
    const hostile = await t.app.inject({ method: 'GET', url: `/verify?q=${encodeURIComponent('<script>alert(1)</script>')}&lang=en` });
    expect(hostile.body).not.toContain('<script>alert(1)</script>');
    expect(hostile.body).toContain('&lt;script&gt;');
    const zh = await t.app.inject({ method: 'GET', url: `/verify?q=${encodeURIComponent('@DeskSupp0rt')}&lang=zh-CN` });
    expect(zh.body).toContain('data-verdict="not-official"');
    expect(zh.body).toContain('不是我们的渠道');
    const empty = await t.app.inject({ method: 'GET', url: '/verify' });
    expect(empty.statusCode).toBe(200);
    expect(empty.body).not.toContain('data-verdict');
  });
});
