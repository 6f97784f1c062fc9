import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { contacts, conversations } from '../../server/db/schema.ts';
import { DB_KINDS } from '../helpers/db.ts';
import { createTestApp, loginAgent, loginContact, makeAgent, makeContact, type Session, type TestApp } from '../helpers/app.ts';
import { API, expectError } from './helpers.ts';

/** Right-to-left override, isolates, marks: what makes "invoice‮gnp.exe" read as "invoiceexe.png". */
const RLO = '\u202E';
const CONTROLS = /[\u202A-\u202E\u2066-\u2069\u200E\u200F\u061C]/;
const hasControls = (v: unknown) => CONTROLS.test(JSON.stringify(v));

describe.each(DB_KINDS)('bidirectional controls are stripped on the way in, on %s', (kind) => {
  let t: TestApp;
  let admin: Session;
  let customer: Session;
  let customerId: string;

  beforeAll(async () => {
    t = await createTestApp(kind);
    admin = await loginAgent(t, (await makeAgent(t, { role: 'admin' })).email);
    const c = await makeContact(t);
    customerId = c.id;
    customer = await loginContact(t, c.email!);
  });
  afterAll(async () => {
    await t.close();
  });

  const stored = async (id: string) => (await t.services.database.db.select().from(conversations).where(eq(conversations.id, id)))[0]!;

  it('from conversation subjects and contact names, on create and on change', async () => {
    const created = await admin.request('POST', `${API}/conversations`, { contact: { email: 'rtl@example.com', name: `Support${RLO} Team\u2066` }, subject: `Refund ${RLO}fdp.exe`, body: 'hi' });
    expect(created.statusCode, created.body).toBe(201);
    const { id, contact } = created.json();
    expect((await stored(id)).subject).toBe('Refund fdp.exe');
    const [row] = await t.services.database.db.select().from(contacts).where(eq(contacts.id, contact.id));
    expect(row!.name).toBe('Support Team');

    const patched = await admin.request('PATCH', `${API}/conversations/${id}`, { subject: `\u200FWithdrawal ${RLO}txet` });
    expect(patched.statusCode, patched.body).toBe(200);
    expect((await stored(id)).subject).toBe('Withdrawal txet');
    // A subject that is nothing but controls is empty, and empty is refused.
    expectError(await admin.request('PATCH', `${API}/conversations/${id}`, { subject: `${RLO}\u2066\u2069` }), 400, 'validation_failed');
  });

  it('from contacts staff add or change', async () => {
    const res = await admin.request('POST', `${API}/contacts`, { name: `Alice${RLO}ecilA`, email: 'alice-rtl@example.com' });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().name).toBe('AliceecilA');
    const changed = await admin.request('PATCH', `${API}/contacts/${res.json().id}`, { name: `\u061CBob\u200E` });
    expect(changed.json().name).toBe('Bob');
  });

  it('from canned reply and macro titles and texts', async () => {
    const res = await admin.request('POST', `${API}/canned-replies`, { title: `Greeting${RLO}`, body: `${RLO}Hello, how can we help?` });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({ title: 'Greeting', body: 'Hello, how can we help?' });
    const changed = await admin.request('PATCH', `${API}/canned-replies/${res.json().id}`, { body: `Thanks${RLO}, bye\u2067` });
    expect(changed.json().body).toBe('Thanks, bye');
    // Macros carry reply text too.
    const macro = await admin.request('POST', `${API}/macros`, { name: `Close${RLO}`, reply: `Bye${RLO} now` });
    expect(macro.statusCode, macro.body).toBe(201);
    expect(macro.json()).toMatchObject({ name: 'Close', reply: 'Bye now' });
  });

  it('from the ticket form, the chat start and the customer profile', async () => {
    const ticket = await t.app.inject({ method: 'POST', url: `${API}/tickets`, payload: { email: 'visitor-rtl@example.com', name: `Eve${RLO}`, subject: `Deposit${RLO} missing`, body: 'help' } });
    expect(ticket.statusCode, ticket.body).toBe(201);
    const row = await stored(ticket.json().id);
    expect(row.subject).toBe('Deposit missing');
    const [ticketContact] = await t.services.database.db.select().from(contacts).where(eq(contacts.id, row.contactId));
    expect(hasControls(ticketContact!.name)).toBe(false);

    const chat = await t.app.inject({ method: 'POST', url: `${API}/chats`, payload: { description: `Cannot log in${RLO}`, name: `Mallory${RLO}yrollaM` } });
    expect(chat.statusCode, chat.body).toBe(201);
    const chatRow = await stored(chat.json().conversation.id);
    expect(hasControls(chatRow.subject)).toBe(false);
    const [visitor] = await t.services.database.db.select().from(contacts).where(eq(contacts.id, chatRow.contactId));
    expect(visitor!.name).toBe('MalloryyrollaM');

    const profile = await customer.request('PATCH', `${API}/auth/customer/profile`, { name: `Carol${RLO}` });
    expect(profile.statusCode, profile.body).toBeLessThan(300);
    const [me] = await t.services.database.db.select().from(contacts).where(eq(contacts.id, customerId));
    expect(me!.name).toBe('Carol');
  });
});
