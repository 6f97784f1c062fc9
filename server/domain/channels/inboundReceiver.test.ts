import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, asc, eq, sql } from 'drizzle-orm';
import type { InboundMessage } from '../../channels/types.ts';
import { attachments, contactIdentities, contacts, conversationParticipants, conversations, events, inboxes, messages, outboxEmails } from '../../db/schema.ts';
import { DB_KINDS } from '../../../test/helpers/db.ts';
import { createTestApp, makeAgent, type TestApp } from '../../../test/helpers/app.ts';
import { tempDataDir } from '../../../test/api/helpers.ts';
import { TINY_PNG } from '../../../test/helpers/files.ts';
import { SYSTEM, transact } from '../context.ts';
import { messageCreator } from '../conversations/messageCreator.ts';
import { conversationMerger } from '../conversations/conversationMerger.ts';
import { conversationCreator } from '../conversations/conversationCreator.ts';
import { unverifiedContactCreator } from '../contacts/addressConfirmer.ts';
import { settingsUpdater } from '../system/settings.ts';
import { slaPolicyCreator, slaPolicyDeleter } from '../sla/slaPolicies.ts';
import { SlaPolicyCreate } from '../../../common/schemas.ts';
import { INBOUND_FLOOD, inboundReceiver } from './inboundReceiver.ts';

const OUR = 'support@desk.test';
let n = 0;

/** A hand-built normalised mail (the parser is another slice's): only what a test names differs. */
function mail(over: Partial<InboundMessage> & { fromEmail?: string; fromName?: string } = {}): InboundMessage {
  const { fromEmail = 'alice@example.com', fromName = 'Alice Chen', ...rest } = over;
  n += 1;
  return {
    externalId: `m${n}-${Date.now()}@mail.example.com`,
    // As the parser gives it: the identity lower-cased, the address as written.
    from: { externalId: fromEmail.toLowerCase(), email: fromEmail, name: fromName },
    to: [{ externalId: OUR, email: OUR }],
    cc: [],
    subject: 'Withdrawal pending 提币未到账',
    text: 'My USDT withdrawal has been pending for 2 hours.',
    attachments: [],
    thread: { inReplyTo: [], references: [] },
    autoSubmitted: false,
    headers: {},
    ...rest,
  };
}

describe.each(DB_KINDS)('inboundReceiver on %s', (kind) => {
  let t: TestApp;
  let inbox: typeof inboxes.$inferSelect;
  const db = () => t.services.database.db;
  const receive = (m: InboundMessage, deliveryId?: string) => transact(t.services, SYSTEM, (ctx) => inboundReceiver(ctx, inbox, m, deliveryId));
  const conversationOf = async (id: string) => (await db().select().from(conversations).where(eq(conversations.id, id)))[0]!;
  const messagesOf = (id: string) => db().select().from(messages).where(eq(messages.conversationId, id)).orderBy(asc(messages.seq));
  const count = async (table: string) => Number(((await db().execute(sql.raw(`select count(*)::int as n from ${table}`))) as unknown as { rows: { n: number }[] }).rows[0]!.n);
  /** Our reply in a conversation, with the Message-ID the outbound sender gives it. */
  const ourReply = (conversationId: string, externalId: string) =>
    transact(t.services, SYSTEM, (ctx) => messageCreator(ctx, conversationId, { body: 'We are checking.', externalId, inboxId: inbox.id, deliveryStatus: 'sent' }));

  beforeAll(async () => {
    t = await createTestApp(kind, { DATA_DIR: tempDataDir(), PUBLIC_URL: 'https://desk.test' });
    [inbox] = await db().insert(inboxes).values({ kind: 'email', name: 'Support', settings: { address: OUR } }).returning() as [typeof inboxes.$inferSelect];
  });
  afterAll(async () => t.close());

  it('opens a ticket for a new mail: the contact with its identity, the first message with its meta, files, and the CCs as participants', async () => {
    const m = mail({
      fromEmail: 'new.sender@example.com',
      fromName: 'New Sender',
      subject: 'Re: Fwd: 交易问题申诉 - 订单号 123',
      html: '<p>My USDT <img src="cid:shot1"></p>',
      to: [{ externalId: OUR, email: OUR }, { externalId: 'boss@example.com', email: 'boss@example.com', name: 'Boss' }],
      cc: [{ externalId: 'colleague@example.com', email: 'colleague@example.com', name: 'Colleague' }, { externalId: 'new.sender@example.com', email: 'new.sender@example.com' }],
      attachments: [
        { filename: 'shot.png', contentType: 'image/png', content: TINY_PNG, contentId: 'shot1', inline: true },
        { filename: 'statement.hta', contentType: 'application/hta', content: Buffer.from('plain words, no markup\n'), inline: false },
        { filename: 'tool.exe', contentType: 'application/octet-stream', content: Buffer.from([0x4d, 0x5a, 0x90, 0x00, 0x03, 0x00, 0x00, 0x00, 0x04, 0x00, 0xff, 0xff, 0x00, 0x00, 0xb8, 0x00, 0x01, 0x02]), inline: false },
      ],
      headers: { 'Authentication-Results': 'mx.desk.test; spf=pass smtp.mailfrom=example.com; dkim=pass' },
    });
    const result = await receive(m, undefined);
    expect(result.outcome).toBe('created');

    const [contact] = await db().select().from(contacts).where(eq(contacts.email, 'new.sender@example.com'));
    expect(contact).toMatchObject({ name: 'New Sender' });
    expect(await db().select().from(contactIdentities).where(eq(contactIdentities.contactId, contact!.id))).toMatchObject([{ channel: 'email', externalId: 'new.sender@example.com' }]);

    const conversation = await conversationOf(result.conversationId!);
    expect(conversation).toMatchObject({ inboxId: inbox.id, contactId: contact!.id, mode: 'async', status: 'new', subject: '交易问题申诉 - 订单号 123' });
    const [first] = await messagesOf(conversation.id);
    expect(first).toMatchObject({ id: result.messageId, seq: 1, direction: 'in', authorType: 'contact', authorId: contact!.id, externalId: m.externalId, body: m.text });
    expect(first!.meta.email).toMatchObject({
      messageId: m.externalId,
      subject: m.subject,
      from: { email: 'new.sender@example.com', name: 'New Sender' },
      cc: [{ email: 'colleague@example.com', name: 'Colleague' }, { email: 'new.sender@example.com' }],
      html: m.html,
      authentication: 'mx.desk.test; spf=pass smtp.mailfrom=example.com; dkim=pass',
    });
    // The program is refused by the blob store and noted; the text file is kept under a harmless name.
    expect(first!.meta.skippedAttachments).toEqual([{ filename: 'tool.exe', reason: expect.any(String) }]);
    const files = await db().select().from(attachments).where(eq(attachments.messageId, first!.id)).orderBy(asc(attachments.filename));
    expect(files.map((f) => [f.filename, f.contentType, f.contentId, f.inline, f.conversationId])).toEqual([
      ['shot.png', 'image/png', 'shot1', true, conversation.id],
      ['statement.hta.txt', 'text/plain', null, false, conversation.id],
    ]);
    const history = await db().select().from(events).where(and(eq(events.conversationId, conversation.id), eq(events.type, 'messages.create')));
    expect(history[0]!.data).toMatchObject({ attachments: 2 });

    const participants = await db().select().from(conversationParticipants).where(eq(conversationParticipants.conversationId, conversation.id)).orderBy(asc(conversationParticipants.email));
    expect(participants.map((p) => [p.email, p.name])).toEqual([
      ['boss@example.com', 'Boss'],
      ['colleague@example.com', 'Colleague'],
    ]);
  });

  it('stores a mail whose text PostgreSQL would refuse (NUL bytes, a lone surrogate), cleaned', async () => {
    const result = await receive(mail({ fromEmail: 'nul@example.com', fromName: 'N\u0000ul', subject: 'Bad \uD800 subject', text: 'bad \u0000 byte', html: '<p>a\u0000b</p>' }));
    expect(result.outcome).toBe('created');
    const [first] = await messagesOf(result.conversationId!);
    expect(first).toMatchObject({ body: 'bad  byte', meta: { email: { html: '<p>ab</p>', from: { name: 'Nul' } } } });
    expect((await conversationOf(result.conversationId!)).subject).toBe('Bad \uFFFD subject');
  });

  it('continues the ticket of a reply to our sent Message-ID (In-Reply-To), or named only in References', async () => {
    const opened = await receive(mail());
    await ourReply(opened.conversationId!, `reply-${n}@desk.test`);
    const byInReplyTo = await receive(mail({ subject: 'Re: Withdrawal', thread: { inReplyTo: [`reply-${n}@desk.test`], references: [] } }));
    expect(byInReplyTo).toMatchObject({ outcome: 'continued', conversationId: opened.conversationId });
    const byReferences = await receive(mail({ subject: 'Re: Withdrawal', thread: { inReplyTo: ['unknown@elsewhere'], references: ['older@elsewhere', `reply-${n - 1}@desk.test`] } }));
    expect(byReferences).toMatchObject({ outcome: 'continued', conversationId: opened.conversationId });
    expect((await messagesOf(opened.conversationId!)).map((m) => [m.seq, m.direction])).toEqual([
      [1, 'in'],
      [2, 'out'],
      [3, 'in'],
      [4, 'in'],
    ]);
  });

  it("threads replies to our notification mail: the conversation's thread root and the outbox Message-ID", async () => {
    const opened = await receive(mail());
    const byRoot = await receive(mail({ thread: { inReplyTo: [`conversation-${opened.conversationId}@desk.test`], references: [] } }));
    expect(byRoot).toMatchObject({ outcome: 'continued', conversationId: opened.conversationId });
    const [outbox] = await db().insert(outboxEmails).values({ to: 'alice@example.com', subject: 'x', text: 'x', status: 'sent', conversationId: opened.conversationId }).returning();
    const byOutbox = await receive(mail({ thread: { inReplyTo: [`${outbox!.id}@desk.test`], references: [] } }));
    expect(byOutbox).toMatchObject({ outcome: 'continued', conversationId: opened.conversationId });
    // The same ids at someone else's host are not ours.
    const foreign = await receive(mail({ thread: { inReplyTo: [`conversation-${opened.conversationId}@evil.example`], references: [] } }));
    expect(foreign.outcome).toBe('created');
  });

  it('continues by [#number] for the requester and a participant; a stranger quoting it opens a ticket of their own', async () => {
    const opened = await receive(mail({ fromEmail: 'bob@example.com', cc: [{ externalId: 'carol@example.com', email: 'carol@example.com' }] }));
    const { number } = await conversationOf(opened.conversationId!);
    const fromRequester = await receive(mail({ fromEmail: 'BOB@example.com', subject: `Re: [#${number}] Withdrawal`, thread: { inReplyTo: [], references: [], ticketNumber: number } }));
    expect(fromRequester).toMatchObject({ outcome: 'continued', conversationId: opened.conversationId });
    const fromParticipant = await receive(mail({ fromEmail: 'carol@example.com', subject: `Re: [#${number}] Withdrawal`, thread: { inReplyTo: [], references: [], ticketNumber: number } }));
    expect(fromParticipant).toMatchObject({ outcome: 'continued', conversationId: opened.conversationId });
    const [carol] = await db().select().from(contacts).where(eq(contacts.email, 'carol@example.com'));
    // Carol's mail is hers in the timeline, not the requester's.
    expect((await messagesOf(opened.conversationId!)).at(-1)).toMatchObject({ authorType: 'contact', authorId: carol!.id });

    const fromStranger = await receive(mail({ fromEmail: 'mallory@example.com', subject: `Re: [#${number}] Withdrawal`, thread: { inReplyTo: [], references: [], ticketNumber: number } }));
    expect(fromStranger.outcome).toBe('created');
    expect(fromStranger.conversationId).not.toBe(opened.conversationId);
    expect(await messagesOf(opened.conversationId!)).toHaveLength(3);
  });

  it('keeps an anonymous web ticket on its unverified contact: a mail from the claimed address is recorded but joins nothing', async () => {
    const claimed = 'claimed@example.com';
    const { conversation } = await transact(t.services, SYSTEM, async (ctx) => {
      const requester = await unverifiedContactCreator(ctx, { email: claimed, name: 'Someone', language: 'en' });
      return conversationCreator(ctx, { contactId: requester.id, subject: 'Help', body: 'Typed in the form', mode: 'async', language: 'en', fields: {}, tags: [] });
    });
    const [confirmation] = await db().insert(outboxEmails).values({ to: claimed, subject: 'Confirm', text: 'link', status: 'sent', conversationId: conversation.id }).returning();
    // By its ticket number alone the claimed address is a stranger to the ticket.
    const byNumber = await receive(mail({ fromEmail: claimed, thread: { inReplyTo: [], references: [], ticketNumber: conversation.number } }));
    expect(byNumber.conversationId).not.toBe(conversation.id);
    // Answering the confirmation mail threads, but the address does not join the ticket and the ticket keeps its requester.
    const reply = await receive(mail({ fromEmail: claimed, thread: { inReplyTo: [`${confirmation!.id}@desk.test`], references: [] } }));
    expect(reply).toMatchObject({ outcome: 'continued', conversationId: conversation.id });
    expect(await db().select().from(conversationParticipants).where(eq(conversationParticipants.conversationId, conversation.id))).toEqual([]);
    expect((await conversationOf(conversation.id)).contactId).toBe(conversation.contactId);
    const [verified] = await db().select().from(contacts).where(eq(contacts.email, claimed));
    expect((await messagesOf(conversation.id)).at(-1)).toMatchObject({ authorType: 'contact', authorId: verified!.id });
  });

  it('continues a merged conversation where it was merged into', async () => {
    const a = await receive(mail({ fromEmail: 'kim@example.com', subject: 'First' }));
    const b = await receive(mail({ fromEmail: 'kim@example.com', subject: 'Second' }));
    await transact(t.services, SYSTEM, (ctx) => conversationMerger(ctx, a.conversationId!, b.conversationId!));
    const [first] = await messagesOf(b.conversationId!);
    const reply = await receive(mail({ fromEmail: 'kim@example.com', thread: { inReplyTo: [first!.externalId!], references: [] } }));
    expect(reply).toMatchObject({ outcome: 'continued', conversationId: b.conversationId });
    const { number } = await conversationOf(a.conversationId!);
    const byNumber = await receive(mail({ fromEmail: 'kim@example.com', thread: { inReplyTo: [], references: [], ticketNumber: number } }));
    expect(byNumber).toMatchObject({ outcome: 'continued', conversationId: b.conversationId });
  });

  it('reopens a closed ticket by default, and opens a linked follow-up when the desk says so', async () => {
    const opened = await receive(mail({ fromEmail: 'dave@example.com' }));
    await ourReply(opened.conversationId!, `dave-reply-${n}@desk.test`);
    const replyTo = `dave-reply-${n}@desk.test`;
    await db().update(conversations).set({ status: 'closed' }).where(eq(conversations.id, opened.conversationId!));
    const reopened = await receive(mail({ fromEmail: 'dave@example.com', thread: { inReplyTo: [replyTo], references: [] } }));
    expect(reopened).toMatchObject({ outcome: 'continued', conversationId: opened.conversationId });
    expect((await conversationOf(opened.conversationId!)).status).toBe('open');

    await db().update(conversations).set({ status: 'closed' }).where(eq(conversations.id, opened.conversationId!));
    await transact(t.services, SYSTEM, (ctx) => settingsUpdater(ctx, { emailClosedReply: 'followup' }));
    try {
      const followup = await receive(mail({ fromEmail: 'dave@example.com', thread: { inReplyTo: [replyTo], references: [] } }));
      expect(followup.outcome).toBe('created');
      expect(followup.conversationId).not.toBe(opened.conversationId);
      const old = await conversationOf(opened.conversationId!);
      expect(old.status).toBe('closed');
      expect(await conversationOf(followup.conversationId!)).toMatchObject({ tags: ['followup'], contactId: old.contactId });
      const [link] = await db().select().from(events).where(and(eq(events.conversationId, followup.conversationId!), eq(events.type, 'conversations.followup')));
      expect(link!.data).toEqual({ of: old.id, ofNumber: old.number });
    } finally {
      await transact(t.services, SYSTEM, (ctx) => settingsUpdater(ctx, { emailClosedReply: 'reopen' }));
    }
  });

  it('records an auto-reply where it threads without reopening or moving SLA clocks, and opens nothing when it threads nowhere', async () => {
    const policy = await transact(t.services, SYSTEM, (ctx) =>
      slaPolicyCreator(ctx, SlaPolicyCreate.parse({ name: 'Mail', firstResponseMinutes: 60, nextResponseMinutes: 120, resolutionMinutes: 6000, businessHours: false })),
    );
    const opened = await receive(mail({ fromEmail: 'erin@example.com' }));
    const ours = `erin-reply-${n}@desk.test`;
    // An agent answered and is waiting for the customer: no next-response clock runs.
    const agent = await makeAgent(t, { role: 'admin' });
    await transact(t.services, { type: 'agent', id: agent.id, role: 'admin', teamIds: [], name: agent.name }, (ctx) => messageCreator(ctx, opened.conversationId!, { body: 'Please send a screenshot.', externalId: ours, inboxId: inbox.id }));
    await db().update(conversations).set({ status: 'pending' }).where(eq(conversations.id, opened.conversationId!));
    const before = await conversationOf(opened.conversationId!);
    expect(before).toMatchObject({ nextResponseDueAt: null, firstResponseAt: expect.any(Date) });
    const outbox = await count('outbox_emails');

    const auto = await receive(mail({ fromEmail: 'erin@example.com', subject: 'Out of office', autoSubmitted: 'auto_reply', thread: { inReplyTo: [ours], references: [] } }));
    expect(auto).toMatchObject({ outcome: 'auto_reply', conversationId: opened.conversationId, messageId: expect.any(String) });
    const after = await conversationOf(opened.conversationId!);
    expect(after).toMatchObject({ status: 'pending', nextResponseDueAt: null, resolutionDueAt: before.resolutionDueAt, lastSeq: before.lastSeq + 1 });
    await transact(t.services, SYSTEM, (ctx) => slaPolicyDeleter(ctx, policy.id));
    expect((await messagesOf(opened.conversationId!)).at(-1)!.meta.email).toMatchObject({ autoSubmitted: 'auto_reply' });

    const conversationsBefore = await count('conversations');
    const unthreaded = await receive(mail({ fromEmail: 'robot@example.com', subject: 'Automatic reply', autoSubmitted: 'auto_reply' }));
    expect(unthreaded).toEqual({ outcome: 'auto_reply' });
    const list = await receive(mail({ fromEmail: 'news@example.com', autoSubmitted: 'list' }));
    expect(list).toEqual({ outcome: 'auto_reply' });
    expect(await count('conversations')).toBe(conversationsBefore);
    // Never answered: nothing was queued to mail anyone.
    expect(await count('outbox_emails')).toBe(outbox);
  });

  it('marks our message failed with the reason on a bounce, opens nothing, and leaves a delay notice without effect', async () => {
    const opened = await receive(mail({ fromEmail: 'frank@example.com' }));
    const ours = `frank-reply-${n}@desk.test`;
    const { message: reply } = await ourReply(opened.conversationId!, ours);
    const conversationsBefore = await count('conversations');
    const published = t.published.length;

    const delay = await receive(
      mail({ fromEmail: 'mailer-daemon@mx.example.com', subject: 'Delayed Mail (still being retried)', autoSubmitted: 'bounce', bounce: { originalMessageId: ours, status: '4.4.7', reason: 'delayed', permanent: false } }),
    );
    expect(delay.outcome).toBe('bounce');
    expect((await db().select().from(messages).where(eq(messages.id, reply.id)))[0]).toMatchObject({ deliveryStatus: 'sent', deliveryError: null });

    const bounce = await receive(
      mail({ fromEmail: 'mailer-daemon@mx.example.com', subject: 'Undelivered Mail Returned to Sender', autoSubmitted: 'bounce', bounce: { originalMessageId: ours, recipient: 'frank@example.com', status: '5.1.1', reason: 'user unknown', permanent: true } }),
    );
    expect(bounce).toEqual({ outcome: 'bounce', conversationId: opened.conversationId });
    const failed = (await db().select().from(messages).where(eq(messages.id, reply.id)))[0]!;
    expect(failed).toMatchObject({ deliveryStatus: 'failed', deliveryError: '5.1.1 user unknown' });
    expect(failed.deliveryUpdatedAt).toBeInstanceOf(Date);
    expect(t.published.slice(published).filter((e) => e.type === 'messages.delivery')).toMatchObject([{ subjectId: reply.id, conversationId: opened.conversationId, data: { status: 'failed', error: '5.1.1 user unknown' } }]);
    expect(await count('conversations')).toBe(conversationsBefore);
    expect(await messagesOf(opened.conversationId!)).toHaveLength(2);

    // A notification mail from the outbox bounces too.
    const [outbox] = await db().insert(outboxEmails).values({ to: 'frank@example.com', subject: 'x', text: 'x', status: 'sent', conversationId: opened.conversationId }).returning();
    await receive(mail({ fromEmail: 'postmaster@example.com', autoSubmitted: 'bounce', bounce: { originalMessageId: `${outbox!.id}@desk.test`, reason: 'mailbox full', status: '5.2.2', permanent: true } }));
    expect((await db().select().from(outboxEmails).where(eq(outboxEmails.id, outbox!.id)))[0]).toMatchObject({ status: 'failed', error: '5.2.2 mailbox full' });
  });

  it('stores the same Message-ID once, delivered twice one after the other or at the same time', async () => {
    const m = mail({ fromEmail: 'grace@example.com' });
    const first = await receive(m);
    const again = await receive({ ...m });
    expect(again).toEqual({ outcome: 'duplicate', conversationId: first.conversationId, messageId: first.messageId });

    const racing = mail({ fromEmail: 'heidi@example.com' });
    const results = await Promise.all([receive(racing), receive({ ...racing })]);
    expect(results.map((r) => r.outcome).sort()).toEqual(['created', 'duplicate']);
    expect(await db().select().from(messages).where(eq(messages.externalId, racing.externalId))).toHaveLength(1);
  });

  it('ignores mail from our own addresses, and places nothing for a mail without a sender', async () => {
    const before = await count('messages');
    expect(await receive(mail({ fromEmail: '', from: { externalId: '' } }))).toEqual({ outcome: 'unparseable' });
    expect(await receive(mail({ fromEmail: 'Support@Desk.test' }))).toEqual({ outcome: 'own_address' });
    expect(await receive(mail({ fromEmail: 'support@desk.test' }))).toEqual({ outcome: 'own_address' });
    expect(await count('messages')).toBe(before);
  });

  it('rate-limits a sender who floods, telling admins once', async () => {
    const sender = 'flood@example.com';
    const results = [];
    for (let i = 0; i < INBOUND_FLOOD.perSender + 2; i++) results.push((await receive(mail({ fromEmail: sender }))).outcome);
    expect(results.filter((o) => o === 'created')).toHaveLength(INBOUND_FLOOD.perSender);
    expect(results.slice(-2)).toEqual(['rate_limited', 'rate_limited']);
    const alerts = await db().select().from(events).where(eq(events.type, 'inbound_deliveries.rate_limit'));
    expect(alerts).toHaveLength(1);
    expect(alerts[0]!.data).toMatchObject({ sender, inboxId: inbox.id });
  });
});
