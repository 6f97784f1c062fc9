import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { contacts, events, notifications, outboxEmails } from '../../db/schema.ts';
import { processEvent } from '../../jobs/eventProcessor.ts';
import { DB_KINDS } from '../../../test/helpers/db.ts';
import { createTestApp, eventually, loginAgent, loginContact, makeAgent, makeContact, type Session, type TestApp } from '../../../test/helpers/app.ts';
import { mentionedHandles } from './agentNotifier.ts';

describe('mentions', () => {
  it('finds @handles by email local part or first name, not email addresses', () => {
    expect(mentionedHandles('@zhang.min please check, cc @Alex. mail me at bob@example.com')).toEqual(['zhang.min', 'alex']);
    expect(mentionedHandles('请 @陈静 看一下')).toEqual(['陈静']);
  });
});

describe.each(DB_KINDS)('notifications through durable jobs on %s', (kind) => {
  let t: TestApp;
  let admin: Session;
  let customer: Session;
  let customerEmail: string;
  let colleague: Awaited<ReturnType<typeof makeAgent>>;
  let colleagueSession: Session;

  beforeAll(async () => {
    t = await createTestApp(kind, { PUBLIC_URL: 'https://support.example.com' }, { jobs: true });
    const a = await makeAgent(t, { role: 'admin', name: 'Ada Admin' });
    colleague = await makeAgent(t, { email: 'alex.morgan@test.local', name: 'Alex Morgan' });
    const c = await makeContact(t);
    customerEmail = c.email!;
    await t.services.database.db.update(contacts).set({ antiPhishingCode: 'BLUE-OTTER', language: 'en' }).where(eq(contacts.id, c.id));
    [admin, customer, colleagueSession] = await Promise.all([loginAgent(t, a.email), loginContact(t, c.email!), loginAgent(t, colleague.email)]);
  });
  afterAll(async () => t.close());

  it('emails the customer a public reply with the anti-phishing code and threading headers, never a note', async () => {
    const conversation = (await customer.request('POST', '/api/v1/conversations', { subject: 'Deposit missing', body: 'USDT deposit not credited' })).json();
    await admin.request('POST', `/api/v1/conversations/${conversation.id}/notes`, { body: 'internal only' });
    await admin.request('POST', `/api/v1/conversations/${conversation.id}/messages`, { body: 'Your deposit is credited now.' });
    const mail = await eventually(async () => (await t.services.database.db.select().from(outboxEmails).where(eq(outboxEmails.conversationId, conversation.id)))[0]);
    expect(mail.to).toBe(customerEmail);
    expect(mail.subject).toBe(`Re: [#${conversation.number}] Deposit missing`);
    expect(mail.text).toMatch(/^Anti-phishing code \/ 防钓鱼码: BLUE-OTTER\n/);
    expect(mail.text).toContain('Your deposit is credited now.');
    expect(mail.text).toContain(`https://support.example.com/tickets/${conversation.id}`);
    expect(mail.headers.References).toBe(`<conversation-${conversation.id}@support.example.com>`);
    expect(mail.status).toBe('stored');

    // Solving it tells the customer too; the note never did.
    await admin.request('PATCH', `/api/v1/conversations/${conversation.id}`, { status: 'solved' });
    const all = await eventually(async () => {
      const rows = await t.services.database.db.select().from(outboxEmails).where(eq(outboxEmails.conversationId, conversation.id));
      return rows.length >= 2 ? rows : null;
    });
    expect(all.map((m) => m.text).join('\n')).not.toContain('internal only');
    expect(all.find((m) => m.text.includes('has been solved'))).toBeDefined();

    // Processing the same event again (a retried job) sends nothing twice.
    for (const e of await t.services.database.db.select().from(events).where(eq(events.conversationId, conversation.id))) {
      if (e.type === 'messages.create' || e.type === 'conversations.update') await processEvent(t.services, e.id);
    }
    expect(await t.services.database.db.select().from(outboxEmails).where(eq(outboxEmails.conversationId, conversation.id))).toHaveLength(all.length);
  });

  it('notifies an agent of an assignment and of an @mention, once each', async () => {
    const conversation = (await customer.request('POST', '/api/v1/conversations', { subject: 'API key error', body: '50113 invalid signature' })).json();
    await admin.request('PATCH', `/api/v1/conversations/${conversation.id}`, { assigneeId: colleague.id });
    await admin.request('POST', `/api/v1/conversations/${conversation.id}/notes`, { body: '@alex.morgan can you look at the signature?' });
    const list = await eventually(async () => {
      const res = (await colleagueSession.request('GET', '/api/v1/notifications')).json();
      return res.items.length >= 2 ? res : null;
    });
    expect(list.unread).toBe(2);
    expect(list.items.map((n: { type: string }) => n.type).sort()).toEqual(['assigned', 'mentioned']);
    expect(list.items.find((n: { type: string }) => n.type === 'mentioned').data).toMatchObject({ number: conversation.number, excerpt: '@alex.morgan can you look at the signature?' });

    const rows = await t.services.database.db.select().from(notifications).where(eq(notifications.agentId, colleague.id));
    for (const e of await t.services.database.db.select().from(events).where(eq(events.conversationId, conversation.id))) await processEvent(t.services, e.id);
    expect(await t.services.database.db.select().from(notifications).where(eq(notifications.agentId, colleague.id))).toHaveLength(rows.length);

    expect((await colleagueSession.request('POST', '/api/v1/notifications/read', { all: true })).statusCode).toBe(204);
    expect((await colleagueSession.request('GET', '/api/v1/notifications?unread=true')).json()).toMatchObject({ items: [], unread: 0 });
    // Customers have no notifications.
    expect((await customer.request('GET', '/api/v1/notifications')).statusCode).toBe(403);
  });
});
