import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contacts, outboxEmails } from '../../server/db/schema.ts';
import { DB_KINDS } from '../helpers/db.ts';
import { agentUpdater } from '../../server/domain/directory/agents.ts';
import { asSystem, createTestApp, eventually, loginAgent, loginContact, makeAgent, makeContact, type Session, type TestApp } from '../helpers/app.ts';
import { API, expectError, rows } from './helpers.ts';

/**
 * Issue 11, items 3 and 10: an address typed into an anonymous form is a claim, not a proof.
 * Until the owner opens the emailed link (or signs in with a code to it), the ticket stays off
 * their account and nothing a stranger wrote is mailed to them.
 */

let ipCounter = 1;
/** Each anonymous filing from its own address, so the per-IP mail limit only bites where a test means it to. */
const freshIp = () => `198.51.100.${ipCounter++ % 250}`;

type Mail = typeof outboxEmails.$inferSelect;

describe.each(DB_KINDS)('anonymous tickets and unverified addresses on %s', (kind) => {
  let t: TestApp;
  let admin: Session;

  beforeAll(async () => {
    t = await createTestApp(kind, { PUBLIC_URL: 'https://support.example.com' }, { jobs: true });
    admin = await loginAgent(t, (await makeAgent(t, { role: 'admin' })).email);
  });
  afterAll(async () => t.close());

  const mailsTo = (address: string) => t.services.database.db.select().from(outboxEmails).where(eq(outboxEmails.to, address));
  const fileAnonymously = (payload: Record<string, unknown>, ip = freshIp()) => t.app.inject({ method: 'POST', url: `${API}/tickets`, payload, remoteAddress: ip });
  const tokenIn = (mail: Mail) => /\/tickets\/confirm\?token=([A-Za-z0-9_-]+)/.exec(mail.text)?.[1] ?? null;
  const confirm = (token: string) => t.app.inject({ method: 'POST', url: `${API}/tickets/confirm`, payload: { token } });
  const sessionOf = (res: Awaited<ReturnType<typeof confirm>>) => {
    const cookies = res.cookies as { name: string; value: string }[];
    const cookie = cookies.map((c) => `${c.name}=${c.value}`).join('; ');
    const csrf = cookies.find((c) => c.name === 'sb_csrf')?.value ?? '';
    return (method: string, url: string, payload?: unknown) => t.app.inject({ method: method as 'GET', url, payload: payload as object, headers: { cookie, 'x-csrf-token': csrf } });
  };
  /** Lets the durable event jobs of everything so far run (they are what send notifications). */
  const jobsSettled = async () =>
    eventually(async () => {
      const [row] = await rows<{ n: number }>(t, sql`select count(*)::int as n from pgboss.job where state in ('created', 'retry', 'active')`);
      return Number(row!.n) === 0;
    });

  it('an anonymous ticket under an existing customer email stays off their account and mails them nothing the stranger wrote', async () => {
    const victim = await makeContact(t);
    const customer = await loginContact(t, victim.email!);
    const subject = 'Your account is frozen: verify at https://okx-secure-login.example';
    const body = 'Call +1 555 0100 and give us your seed phrase to unfreeze it.';
    const filed = await fileAnonymously({ email: victim.email!.toUpperCase(), name: 'OKX Security Team', subject, body });
    expect(filed.statusCode, filed.body).toBe(201);
    const { id, number } = filed.json();

    // Not in the customer's My tickets, and not readable by them.
    const mine = (await customer.request('GET', `${API}/conversations?limit=100`)).json().items as { id: string }[];
    expect(mine.map((c) => c.id)).not.toContain(id);
    expect((await customer.request('GET', `${API}/conversations/${id}`)).statusCode).toBe(404);

    // The agent sees it, marked as from an unverified sender, with the address it claims.
    const seen = (await admin.request('GET', `${API}/conversations/${id}`)).json();
    expect(seen.requesterVerified).toBe(false);
    expect(seen.contactId).not.toBe(victim.id);
    expect(seen.contact).toMatchObject({ email: null, unverifiedEmail: victim.email });
    const listed = (await admin.request('GET', `${API}/conversations?view=all&limit=100`)).json().items.find((c: { id: string }) => c.id === id);
    expect(listed).toMatchObject({ requesterVerified: false, contact: { email: null, unverifiedEmail: victim.email } });

    // An agent replies publicly and changes the status, as they would to any ticket.
    const reply = `We looked into it, reference ${Date.now()}`;
    expect((await admin.request('POST', `${API}/conversations/${id}/messages`, { body: reply })).statusCode).toBe(201);
    expect((await admin.request('PATCH', `${API}/conversations/${id}`, { status: 'pending' })).statusCode).toBe(200);
    await jobsSettled();

    // One mail went out: our fixed confirmation text with the ticket number and the link, nothing else.
    const mails = await mailsTo(victim.email!);
    expect(mails).toHaveLength(1);
    const [mail] = mails;
    for (const text of [mail!.subject, mail!.text]) {
      expect(text).not.toContain('okx-secure-login');
      expect(text).not.toContain('frozen');
      expect(text).not.toContain('seed phrase to unfreeze');
      expect(text).not.toContain('OKX Security Team');
      expect(text).not.toContain(reply);
    }
    expect(mail!.subject).toContain(`#${number}`);
    expect(mail!.text).toContain(`https://support.example.com/tickets/confirm?token=`);
    expect(tokenIn(mail!)).toBeTruthy();
  });

  it('the confirmation link joins the ticket to the customer, signs them in, sends what was held, and works once', async () => {
    const owner = await makeContact(t);
    await t.services.database.db.update(contacts).set({ language: 'zh-CN' }).where(eq(contacts.id, owner.id));
    const customer = await loginContact(t, owner.email!);
    const filed = await fileAnonymously({ email: owner.email!, name: 'Mei', subject: 'Deposit not credited', body: 'TRC20 USDT deposit missing', language: 'en' });
    const { id, number } = filed.json();
    const [mail] = await mailsTo(owner.email!);
    // The language of the customer who owns the address (not the filer's choice), our text only.
    expect(mail!.subject).toContain('确认');
    expect(mail!.text).not.toContain('Deposit not credited');

    const reply = `已为您查询,参考号 ${Date.now()}`;
    await admin.request('POST', `${API}/conversations/${id}/messages`, { body: reply });
    await jobsSettled();
    expect((await mailsTo(owner.email!)).some((m) => m.text.includes(reply))).toBe(false);

    const confirmed = await confirm(tokenIn(mail!)!);
    expect(confirmed.statusCode, confirmed.body).toBe(200);
    expect(confirmed.json()).toMatchObject({ id, number });
    // The link signed the customer in: the ticket is theirs in My tickets, on this session and their old one.
    const viaLink = sessionOf(confirmed);
    expect(((await viaLink('GET', `${API}/conversations?limit=100`)).json().items as { id: string }[]).map((c) => c.id)).toContain(id);
    expect(((await customer.request('GET', `${API}/conversations?limit=100`)).json().items as { id: string }[]).map((c) => c.id)).toContain(id);
    const seen = (await admin.request('GET', `${API}/conversations/${id}`)).json();
    expect(seen).toMatchObject({ requesterVerified: true, contactId: owner.id, contact: { email: owner.email, unverifiedEmail: null } });

    // The reply held back while unverified goes out now, once.
    const held = await eventually(async () => (await mailsTo(owner.email!)).find((m) => m.text.includes(reply)));
    expect(held.conversationId).toBe(id);
    await jobsSettled();
    expect((await mailsTo(owner.email!)).filter((m) => m.text.includes(reply))).toHaveLength(1);
    // New replies are mailed as for any customer.
    const next = `Second answer ${Date.now()}`;
    await admin.request('POST', `${API}/conversations/${id}/messages`, { body: next });
    await eventually(async () => (await mailsTo(owner.email!)).find((m) => m.text.includes(next)));

    // Single use; a made-up token is refused the same way.
    expectError(await confirm(tokenIn(mail!)!), 404, 'not_found');
    expectError(await confirm('x'.repeat(43)), 404, 'not_found');
    expectError(await t.app.inject({ method: 'POST', url: `${API}/tickets/confirm`, payload: {} }), 400, 'validation_failed');
  });

  it('a brand-new address gets a contact of its own only once confirmed; an expired link is refused', async () => {
    const address = `new.${Date.now()}@example.com`;
    const filed = await fileAnonymously({ email: address, subject: 'KYC stuck', body: 'Review for 3 days' });
    const { id } = filed.json();
    const [before] = await rows<{ n: number }>(t, sql`select count(*)::int as n from contacts where email = ${address}`);
    expect(Number(before!.n)).toBe(0);
    const [mail] = await mailsTo(address);
    expect(mail!.subject).toMatch(/confirm/i);

    // A second ticket to the same address: its own link, expired here by moving the clock.
    const late = await fileAnonymously({ email: address, subject: 'Another', body: 'later' });
    const lateMail = (await mailsTo(address)).find((m) => m.subject.includes(`#${late.json().number}`))!;
    t.setNow(new Date(Date.now() + 8 * 24 * 3_600_000));
    try {
      expectError(await confirm(tokenIn(lateMail)!), 404, 'not_found');
    } finally {
      t.setNow(null as unknown as Date);
    }

    const confirmed = await confirm(tokenIn(mail!)!);
    expect(confirmed.statusCode, confirmed.body).toBe(200);
    const seen = (await admin.request('GET', `${API}/conversations/${id}`)).json();
    expect(seen).toMatchObject({ requesterVerified: true, contact: { email: address } });
    // The expired link's ticket joins too once the owner signs in (below); here it is still unverified.
    expect((await admin.request('GET', `${API}/conversations/${late.json().id}`)).json().requesterVerified).toBe(false);
  });

  it('signing in with an emailed code to the address also claims the pending tickets', async () => {
    const address = `code.${Date.now()}@example.com`;
    const filed = await fileAnonymously({ email: address, subject: 'API key', body: 'invalid signature' });
    const { id } = filed.json();
    expect((await t.app.inject({ method: 'POST', url: `${API}/auth/customer/code`, payload: { email: address } })).statusCode).toBe(202);
    const codeMail = (await mailsTo(address)).find((m) => /sign-in code/.test(m.subject))!;
    const code = /\b(\d{6})\b/.exec(codeMail.text)![1]!;
    const verified = await t.app.inject({ method: 'POST', url: `${API}/auth/customer/verify`, payload: { email: address, code } });
    expect(verified.statusCode, verified.body).toBe(200);
    const session = sessionOf(verified);
    expect(((await session('GET', `${API}/conversations?limit=100`)).json().items as { id: string }[]).map((c) => c.id)).toContain(id);
    expect((await admin.request('GET', `${API}/conversations/${id}`)).json()).toMatchObject({ requesterVerified: true, contact: { email: address } });
  });

  it('a signed-in customer files as before: verified, in My tickets, no confirmation mail', async () => {
    const contact = await makeContact(t);
    const customer = await loginContact(t, contact.email!);
    const res = await customer.request('POST', `${API}/tickets`, { subject: 'Signed in', body: 'hello' });
    expect(res.statusCode, res.body).toBe(201);
    const { id } = res.json();
    expect(((await customer.request('GET', `${API}/conversations?limit=100`)).json().items as { id: string }[]).map((c) => c.id)).toContain(id);
    expect((await admin.request('GET', `${API}/conversations/${id}`)).json()).toMatchObject({ requesterVerified: true, contactId: contact.id });
    expect(await mailsTo(contact.email!)).toHaveLength(0);
  });

  it('limits confirmation mails per address and per IP, counted atomically under a burst', async () => {
    const address = `burst.${Date.now()}@example.com`;
    // Five at once to one address from five places: at most three mails, every ticket still filed.
    const burst = await Promise.all(Array.from({ length: 5 }, (_, i) => fileAnonymously({ email: address, subject: `burst ${i}`, body: 'x' })));
    expect(burst.map((r) => r.statusCode)).toEqual([201, 201, 201, 201, 201]);
    expect(burst.filter((r) => r.json().confirmationSent === true)).toHaveLength(3);
    expect(await mailsTo(address)).toHaveLength(3);

    // One IP asking for mails to many addresses is stopped too.
    const ip = '203.0.113.77';
    const spray = [];
    for (let i = 0; i < 12; i++) spray.push(await fileAnonymously({ email: `spray${i}.${Date.now()}@example.com`, subject: 's', body: 'b' }, ip));
    const sent = spray.filter((r) => r.json().confirmationSent === true).length;
    expect(sent).toBeGreaterThan(0);
    expect(sent).toBeLessThan(12);

    // An hour later the address may be mailed again.
    t.setNow(new Date(Date.now() + 61 * 60_000));
    try {
      const later = await fileAnonymously({ email: address, subject: 'later', body: 'x' });
      expect(later.json().confirmationSent).toBe(true);
    } finally {
      t.setNow(null as unknown as Date);
    }
  });

  it('a chat transcript asked for by a visitor goes out only after the address is confirmed', async () => {
    const address = `visitor.${Date.now()}@example.com`;
    // Someone online, so the chat stays a live chat until the visitor ends it.
    const online = await makeAgent(t);
    await asSystem(t, (ctx) => agentUpdater(ctx, online.id, { status: 'online', capacity: 3, languages: ['en'] }));
    const started = await t.app.inject({ method: 'POST', url: `${API}/chats`, payload: { description: 'Where is my withdrawal?', name: 'Visitor', email: address }, remoteAddress: freshIp() });
    expect(started.statusCode, started.body).toBe(201);
    const visitor = sessionOf(started);
    const { conversation } = started.json();
    expect(conversation.requesterVerified).toBe(false);
    const ended = await visitor('POST', `${API}/chats/${conversation.id}/end`, { transcript: true });
    expect(ended.statusCode, ended.body).toBeLessThan(300);
    await asSystem(t, (ctx) => agentUpdater(ctx, online.id, { status: 'offline' }));

    const mails = await mailsTo(address);
    expect(mails).toHaveLength(1);
    expect(mails[0]!.text).not.toContain('Where is my withdrawal?');
    const token = tokenIn(mails[0]!)!;
    expect(token).toBeTruthy();

    // A ticket the visitor files from the same (unverified) session waits for a link of its own.
    const ticket = await visitor('POST', `${API}/tickets`, { subject: 'Follow-up', body: 'and another thing' });
    expect(ticket.statusCode, ticket.body).toBe(201);
    expect(ticket.json().confirmationSent).toBe(true);
    expect((await admin.request('GET', `${API}/conversations/${ticket.json().id}`)).json().requesterVerified).toBe(false);

    expect((await confirm(token)).statusCode).toBe(200);
    const transcript = await eventually(async () => (await mailsTo(address)).find((m) => m.text.includes('Where is my withdrawal?')));
    expect(transcript.subject).toContain(`#${conversation.number}`);
    expect((await admin.request('GET', `${API}/conversations/${conversation.id}`)).json()).toMatchObject({ requesterVerified: true, contact: { email: address } });
  });

  it('a chat that becomes a ticket with nobody online asks the visitor to confirm before any reply is mailed', async () => {
    const address = `offline.${Date.now()}@example.com`;
    const started = await t.app.inject({ method: 'POST', url: `${API}/chats`, payload: { description: 'Locked out of 2FA', email: address }, remoteAddress: freshIp() });
    const { conversation } = started.json();
    expect(conversation.mode).toBe('async');
    const reply = `Offline answer ${Date.now()}`;
    await admin.request('POST', `${API}/conversations/${conversation.id}/messages`, { body: reply });
    await jobsSettled();
    const mails = await mailsTo(address);
    expect(mails).toHaveLength(1);
    expect(mails[0]!.text).not.toContain(reply);
    expect(mails[0]!.text).not.toContain('Locked out of 2FA');
    expect((await confirm(tokenIn(mails[0]!)!)).statusCode).toBe(200);
    await eventually(async () => (await mailsTo(address)).find((m) => m.text.includes(reply)));
    const [row] = await t.services.database.db
      .select({ n: sql<number>`count(*)::int` })
      .from(outboxEmails)
      .where(and(eq(outboxEmails.to, address), eq(outboxEmails.conversationId, conversation.id)));
    expect(Number(row!.n)).toBeGreaterThanOrEqual(1);
  });
});
