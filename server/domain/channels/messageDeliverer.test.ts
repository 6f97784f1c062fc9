import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import type { AddressObject } from 'mailparser';
import { contacts, conversationParticipants, events, inboxes, messages, outboxEmails } from '../../db/schema.ts';
import { QUEUES } from '../../jobs/boss.ts';
import { DB_KINDS } from '../../../test/helpers/db.ts';
import { multipart, tempDataDir } from '../../../test/api/helpers.ts';
import {
  asSystem,
  bearer,
  createTestApp,
  eventually,
  loginAgent,
  loginContact,
  makeAgent,
  makeContact,
  makeTeam,
  makeToken,
  type Session,
  type TestApp,
} from '../../../test/helpers/app.ts';
import { type SmtpSink, startSmtpSink } from '../../../test/helpers/smtpSink.ts';
import { TINY_PNG } from '../../../test/helpers/files.ts';
import { type Actor, SYSTEM, transact } from '../context.ts';
import { q, rawRows } from '../../db/raw.ts';
import { conversationCreator } from '../conversations/conversationCreator.ts';
import { messageCreator } from '../conversations/messageCreator.ts';
import { inboxCreator } from '../directory/inboxes.ts';
import { messageDeliverer } from './messageDeliverer.ts';
import { outboundGuard } from './outboundGuard.ts';

const API = '/api/v1';
const addresses = (a: AddressObject | AddressObject[] | undefined) => (a ? (Array.isArray(a) ? a : [a]).flatMap((x) => x.value.map((v) => v.address)) : []);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('the outbound guard', () => {
  const reply = { visibility: 'public', direction: 'out', authorType: 'agent', contentType: 'text', meta: {} } as const;
  it('sends a public agent reply through an enabled inbox, and nothing else', () => {
    expect(outboundGuard(reply, { enabled: true })).toEqual({ send: true });
    expect(outboundGuard({ ...reply, visibility: 'private' }, { enabled: true })).toMatchObject({ send: false, reason: 'private notes are never sent' });
    expect(outboundGuard({ ...reply, direction: 'in', authorType: 'contact' }, { enabled: true }).send).toBe(false);
    expect(outboundGuard({ ...reply, meta: { email: { deliveryId: 'x' } } }, { enabled: true }).send).toBe(false);
    expect(outboundGuard({ ...reply, authorType: 'system', contentType: 'event' }, { enabled: true }).send).toBe(false);
    expect(outboundGuard(reply, { enabled: false })).toEqual({ send: false, reason: 'inbox disabled' });
  });
});

describe.each(DB_KINDS)('outbound delivery of email replies on %s', (kind) => {
  let t: TestApp;
  let sink: SmtpSink;
  const dataDir = tempDataDir();
  let agent: Session;
  let admin: Session;
  let outsider: Session;
  let customer: Session;
  let customerEmail: string;
  let team: Awaited<ReturnType<typeof makeTeam>>;
  let inbox: typeof inboxes.$inferSelect;
  let storingInbox: typeof inboxes.$inferSelect;
  let conversation: { id: string; number: number };
  let agentActor: Actor;

  /** An email ticket as the receive slice would leave it: the customer's mail with its Message-ID and References, a CC'd colleague. */
  async function emailTicket(options: { inboxId: string; contactId: string; subject: string; language?: string; messageId?: string }) {
    return asSystem(t, async (ctx) => {
      const { conversation: c } = await conversationCreator(ctx, {
        inboxId: options.inboxId,
        contactId: options.contactId,
        subject: options.subject,
        body: 'first mail',
        mode: 'async',
        language: options.language ?? 'en',
        teamId: team.id,
        fields: {},
        tags: [],
      });
      if (options.messageId) {
        await messageCreator(ctx, c.id, {
          body: 'Any news?',
          onBehalfOfContact: true,
          externalId: options.messageId,
          meta: { email: { messageId: options.messageId, subject: `Re: ${options.subject}`, from: { email: customerEmail }, to: [], cc: [], references: ['root-1@mail.example'] } },
        });
      }
      return c;
    });
  }

  /** An agent's reply written with no queue attached (so no job): the test drives the deliverer itself. */
  async function queuedWithoutJob(conversationId: string, body: string) {
    const { message } = await transact({ ...t.services, boss: null }, SYSTEM, (ctx) => messageCreator({ ...ctx, actor: agentActor }, conversationId, { body }));
    return message;
  }

  const messageRow = async (id: string) => (await t.services.database.db.select().from(messages).where(eq(messages.id, id)))[0]!;
  const mailsFor = (messageId: string, domain = 'help.example.com') => sink.mails.filter((m) => m.parsed.messageId === `<${messageId}@${domain}>`);

  beforeAll(async () => {
    sink = await startSmtpSink();
    t = await createTestApp(kind, { DATA_DIR: dataDir, PUBLIC_URL: 'https://support.example.com' }, { jobs: true });
    team = await makeTeam(t);
    const otherTeam = await makeTeam(t);
    const [a, ad, o] = await Promise.all([makeAgent(t, { teamIds: [team.id], name: 'Lin Agent' }), makeAgent(t, { role: 'admin' }), makeAgent(t, { teamIds: [otherTeam.id] })]);
    agentActor = { type: 'agent', id: a.id, role: 'agent', teamIds: [team.id], name: a.name };
    const contact = await makeContact(t);
    customerEmail = contact.email!;
    await t.services.database.db.update(contacts).set({ antiPhishingCode: 'BLUE-OTTER', name: 'Wang Wei' }).where(eq(contacts.id, contact.id));
    [agent, admin, outsider, customer] = await Promise.all([loginAgent(t, a.email), loginAgent(t, ad.email), loginAgent(t, o.email), loginContact(t, customerEmail)]);
    const signature = { en: 'Example Support team\nWe never ask for your password.', 'zh-CN': '示例客服团队\n我们绝不会索要您的密码。' };
    inbox = await asSystem(t, (ctx) =>
      inboxCreator(ctx, { kind: 'email', name: 'Support', enabled: true, settings: { address: 'support@help.example.com', smtpUrl: sink.url, fromName: 'Example Support', signature } }),
    );
    storingInbox = await asSystem(t, (ctx) => inboxCreator(ctx, { kind: 'email', name: 'Legal', enabled: true, settings: { address: 'legal@help.example.com', signature } }));
    conversation = await emailTicket({ inboxId: inbox.id, contactId: contact.id, subject: 'Re: Withdrawal stuck', messageId: 'cust-1@mail.example' });
    await t.services.database.db.insert(conversationParticipants).values([
      { conversationId: conversation.id, email: 'colleague@example.org', name: 'Colleague' },
      { conversationId: conversation.id, email: 'support@help.example.com', name: 'Us' },
    ]);
  });
  afterAll(async () => {
    await t.close();
    await sink.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('queues an agent reply in the same transaction and sends it with headers that thread, both parts, the code, the signature and the file', async () => {
    const upload = multipart([{ name: 'receipt.png', content: TINY_PNG }]);
    const file = await agent.request('POST', `${API}/conversations/${conversation.id}/attachments`, upload.payload, upload.headers);
    expect(file.statusCode, file.body).toBe(201);
    const res = await agent.request('POST', `${API}/conversations/${conversation.id}/messages`, {
      body: 'Hello <b>Wang</b> & co.\nSee https://help.example.com/a?b=1&c=2 please.',
      attachmentIds: [file.json().items[0].id],
    });
    expect(res.statusCode, res.body).toBe(201);
    const reply = res.json();
    expect(reply.deliveryStatus).toBe('queued');
    // Its delivery job was written with it.
    const [jobs] = await rawRows<{ n: number }>(t.services.database.db, q`select count(*)::int as n from pgboss.job where name = ${QUEUES.messageDeliver}::text and data->>'messageId' = ${reply.id}::text`);
    expect(jobs!.n).toBe(1);
    const sent = await eventually(async () => {
      const row = await messageRow(reply.id);
      return row.deliveryStatus === 'sent' ? row : null;
    });
    expect(sent.externalId).toBe(`${reply.id}@help.example.com`);
    expect(sent.deliveryUpdatedAt).toBeInstanceOf(Date);

    const [mail] = mailsFor(reply.id);
    expect(mailsFor(reply.id)).toHaveLength(1);
    const m = mail!.parsed;
    expect(m.from!.value[0]).toEqual({ address: 'support@help.example.com', name: 'Example Support' });
    expect(addresses(m.to)).toEqual([customerEmail]);
    // Reply all: the CC'd colleague, never our own address.
    expect(addresses(m.cc)).toEqual(['colleague@example.org']);
    expect(mail!.envelope.to.sort()).toEqual([customerEmail, 'colleague@example.org'].sort());
    expect(m.subject).toBe(`Re: Withdrawal stuck [#${conversation.number}]`);
    expect(m.inReplyTo).toBe('<cust-1@mail.example>');
    expect(m.references).toEqual(['<root-1@mail.example>', '<cust-1@mail.example>']);
    expect(m.headers.get('auto-submitted')).toBeUndefined();
    expect(m.headers.get('x-auto-response-suppress')).toBe('OOF, AutoReply');
    expect(m.text).toMatch(/^Anti-phishing code \/ 防钓鱼码: BLUE-OTTER\n/);
    expect(m.text).toContain('Hello <b>Wang</b> & co.\nSee https://help.example.com/a?b=1&c=2 please.');
    expect(m.text).toContain('-- \nExample Support team\nWe never ask for your password.');
    expect(m.html).toContain('Hello &lt;b&gt;Wang&lt;/b&gt; &amp; co.<br>');
    expect(m.html).not.toContain('<b>Wang');
    expect(m.html).toContain('<a href="https://help.example.com/a?b=1&amp;c=2">https://help.example.com/a?b=1&amp;c=2</a>');
    expect(m.html).toContain('BLUE-OTTER');
    expect(m.attachments.map((a) => [a.filename, a.contentType])).toEqual([['receipt.png', 'image/png']]);
    expect(m.attachments[0]!.content.equals(TINY_PNG)).toBe(true);

    // The timeline shows what went out, and the workspace heard each step.
    const listed = (await agent.request('GET', `${API}/conversations/${conversation.id}/messages`)).json().items.find((x: { id: string }) => x.id === reply.id);
    expect(listed).toMatchObject({ deliveryStatus: 'sent', deliveryError: null, externalId: `${reply.id}@help.example.com` });
    expect(listed.email).toMatchObject({ messageId: `${reply.id}@help.example.com`, subject: m.subject, from: { email: 'support@help.example.com' }, to: [{ email: customerEmail }], cc: [{ email: 'colleague@example.org' }], recipients: 'all' });
    expect(t.published.filter((e) => e.type === 'messages.delivery' && e.subjectId === reply.id).map((e) => e.data.status)).toEqual(['sent']);
  });

  it('answers the requester only when asked, in the conversation language, threading after our own earlier reply', async () => {
    const contact = (await t.services.database.db.select().from(contacts).where(eq(contacts.email, customerEmail)))[0]!;
    const zh = await emailTicket({ inboxId: inbox.id, contactId: contact.id, subject: '交易问题申诉 - 订单号 12345', language: 'zh-CN', messageId: 'zh-1@mail.example' });
    await t.services.database.db.insert(conversationParticipants).values({ conversationId: zh.id, email: 'cc-zh@example.org' });
    const first = (await agent.request('POST', `${API}/conversations/${zh.id}/messages`, { body: '您好,我们正在处理。', recipients: 'requester' })).json();
    await eventually(async () => (await messageRow(first.id)).deliveryStatus === 'sent');
    const m = mailsFor(first.id)[0]!.parsed;
    expect(addresses(m.to)).toEqual([customerEmail]);
    expect(m.cc).toBeUndefined();
    expect(m.subject).toBe(`Re: 交易问题申诉 - 订单号 12345 [#${zh.number}]`);
    expect(m.text).toContain('-- \n示例客服团队\n我们绝不会索要您的密码。');
    expect(m.text).not.toContain('Example Support team');
    expect((await messageRow(first.id)).meta).toMatchObject({ email: { recipients: 'requester', cc: [] } });

    const second = (await agent.request('POST', `${API}/conversations/${zh.id}/messages`, { body: '已处理完毕。' })).json();
    await eventually(async () => (await messageRow(second.id)).deliveryStatus === 'sent');
    const n = mailsFor(second.id)[0]!.parsed;
    expect(addresses(n.cc)).toEqual(['cc-zh@example.org']);
    expect(n.subject).toBe(m.subject);
    expect(n.inReplyTo).toBe('<zh-1@mail.example>');
    expect(n.references).toEqual(['<root-1@mail.example>', '<zh-1@mail.example>', `<${first.id}@help.example.com>`]);
  });

  it('never sends a private note, even one marked queued by mistake', async () => {
    const before = sink.mails.length;
    const note = await agent.request('POST', `${API}/conversations/${conversation.id}/notes`, { body: 'internal: customer seems nervous' });
    expect(note.json().deliveryStatus).toBeNull();
    await t.services.database.db.update(messages).set({ deliveryStatus: 'queued' }).where(eq(messages.id, note.json().id));
    const outcome = await messageDeliverer(t.services, note.json().id, { finalAttempt: false });
    expect(outcome).toMatchObject({ status: 'failed', error: 'private notes are never sent' });
    // Nor is the customer's own message echoed back.
    const mine = await customer.request('POST', `${API}/conversations/${conversation.id}/messages`, { body: 'thanks' });
    expect(mine.json().deliveryStatus).toBeNull();
    // Nor a system line.
    const line = await asSystem(t, (ctx) => messageCreator(ctx, conversation.id, { body: 'Merged into #1', contentType: 'event' }));
    expect(line.message.deliveryStatus).toBeNull();
    await sleep(1500);
    expect(sink.mails.length).toBe(before);
    expect(sink.mails.map((m) => m.parsed.text).join('\n')).not.toContain('nervous');
  });

  it('keeps a reply queued with the reason on 451, and sends it once when the server takes it', async () => {
    sink.refuse = { code: 451, text: '4.7.1 Greylisted, please try again later' };
    const reply = (await agent.request('POST', `${API}/conversations/${conversation.id}/messages`, { body: 'Greylisted reply' })).json();
    const waiting = await eventually(async () => {
      const row = await messageRow(reply.id);
      return row.deliveryError ? row : null;
    });
    expect(waiting.deliveryStatus).toBe('queued');
    expect(waiting.deliveryError).toContain('Greylisted, please try again later');
    sink.refuse = null;
    const sent = await eventually(async () => {
      const row = await messageRow(reply.id);
      return row.deliveryStatus === 'sent' ? row : null;
    }, 30_000);
    expect(sent.deliveryError).toBeNull();
    expect(mailsFor(reply.id)).toHaveLength(1);
    const statuses = t.published.filter((e) => e.type === 'messages.delivery' && e.subjectId === reply.id).map((e) => e.data.status);
    expect(statuses[0]).toBe('queued');
    expect(statuses.at(-1)).toBe('sent');
  });

  it('fails a reply still refused with 4xx on its last attempt, keeping the reason', async () => {
    sink.refuse = { code: 421, text: '4.3.2 Service shutting down' };
    const message = await queuedWithoutJob(conversation.id, 'Last try');
    expect(await messageDeliverer(t.services, message.id, { finalAttempt: false })).toMatchObject({ status: 'queued', retry: true });
    expect(await messageDeliverer(t.services, message.id, { finalAttempt: true })).toMatchObject({ status: 'failed', retry: false });
    sink.refuse = null;
    const row = await messageRow(message.id);
    expect(row.deliveryStatus).toBe('failed');
    expect(row.deliveryError).toContain('Service shutting down');
    expect(mailsFor(message.id)).toHaveLength(0);
  });

  it('queues and sends an integration\'s (API token) reply like an agent\'s', async () => {
    const token = await makeToken(t, 'agent', [team.id]);
    const res = await bearer(t, token.token)('POST', `${API}/conversations/${conversation.id}/messages`, { body: 'From the bot' });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().deliveryStatus).toBe('queued');
    await eventually(async () => (await messageRow(res.json().id)).deliveryStatus === 'sent');
    expect(mailsFor(res.json().id)).toHaveLength(1);
  });

  it('refuses an unknown recipients choice', async () => {
    const res = await agent.request('POST', `${API}/conversations/${conversation.id}/messages`, { body: 'x', recipients: 'everyone' });
    expect(res.statusCode).toBe(400);
  });

  it('fails a reply on 550 with the provider text; Retry queues it again and it goes out', async () => {
    sink.refuse = { code: 550, text: '5.1.1 Mailbox unavailable' };
    const reply = (await agent.request('POST', `${API}/conversations/${conversation.id}/messages`, { body: 'Bounced reply' })).json();
    const failed = await eventually(async () => {
      const row = await messageRow(reply.id);
      return row.deliveryStatus === 'failed' ? row : null;
    });
    expect(failed.deliveryError).toContain('5.1.1 Mailbox unavailable');
    sink.refuse = null;
    const retried = await agent.request('POST', `${API}/conversations/${conversation.id}/messages/${reply.id}/retry`);
    expect(retried.statusCode, retried.body).toBe(200);
    expect(retried.json()).toMatchObject({ id: reply.id, deliveryStatus: 'queued', deliveryError: null });
    await eventually(async () => (await messageRow(reply.id)).deliveryStatus === 'sent');
    expect(mailsFor(reply.id)).toHaveLength(1);
    // Audited: who asked for the retry.
    const [audit] = await t.services.database.db.select().from(events).where(and(eq(events.subjectId, reply.id), eq(events.type, 'messages.delivery'), eq(events.actorType, 'agent')));
    expect(audit!.data).toMatchObject({ status: 'queued', retry: true, before: { status: 'failed' } });
    // Only a failed message can be retried.
    const again = await agent.request('POST', `${API}/conversations/${conversation.id}/messages/${reply.id}/retry`);
    expect(again.statusCode).toBe(409);
  });

  it('without any outbound SMTP keeps the reply in the admin outbox, stored', async () => {
    const contact = (await t.services.database.db.select().from(contacts).where(eq(contacts.email, customerEmail)))[0]!;
    const c = await emailTicket({ inboxId: storingInbox.id, contactId: contact.id, subject: 'KYC documents', messageId: 'kyc-1@mail.example' });
    const before = sink.mails.length;
    const reply = (await agent.request('POST', `${API}/conversations/${c.id}/messages`, { body: 'Please upload your ID.' })).json();
    const stored = await eventually(async () => {
      const row = await messageRow(reply.id);
      return row.deliveryStatus === 'stored' ? row : null;
    });
    expect(stored.meta).toMatchObject({ email: { messageId: `${reply.id}@help.example.com`, subject: `Re: KYC documents [#${c.number}]` } });
    const outbox = (await admin.request('GET', `${API}/outbox`)).json().items;
    const kept = outbox.filter((o: { conversationId: string }) => o.conversationId === c.id);
    expect(kept).toHaveLength(1);
    expect(kept[0]).toMatchObject({ to: customerEmail, subject: `Re: KYC documents [#${c.number}]`, status: 'stored' });
    expect(kept[0].text).toContain('Please upload your ID.');
    expect(kept[0].text).toContain('BLUE-OTTER');
    const [row] = await t.services.database.db.select().from(outboxEmails).where(eq(outboxEmails.dedupeKey, `message:${reply.id}`));
    expect(row!.headers).toMatchObject({ 'Message-ID': `<${reply.id}@help.example.com>`, 'In-Reply-To': '<kyc-1@mail.example>' });
    expect(sink.mails.length).toBe(before);

    // Once the inbox has a transport, the kept reply can be sent ("Send now"): it goes out once, and the outbox says so.
    const settings = (await admin.request('GET', `${API}/inboxes/${storingInbox.id}`)).json().settings;
    expect((await admin.request('PATCH', `${API}/inboxes/${storingInbox.id}`, { settings: { ...settings, smtpUrl: sink.url } })).statusCode).toBe(200);
    expect((await agent.request('POST', `${API}/conversations/${c.id}/messages/${reply.id}/retry`)).statusCode).toBe(200);
    await eventually(async () => (await messageRow(reply.id)).deliveryStatus === 'sent');
    expect(mailsFor(reply.id)).toHaveLength(1);
    const [afterSend] = await t.services.database.db.select().from(outboxEmails).where(eq(outboxEmails.dedupeKey, `message:${reply.id}`));
    expect(afterSend!.status).toBe('sent');
    expect((await admin.request('PATCH', `${API}/inboxes/${storingInbox.id}`, { settings: { ...settings, smtpUrl: '' } })).statusCode).toBe(200);

    // SMTP_OUTBOUND_URL is the transport of an inbox without its own.
    const queued = await queuedWithoutJob(c.id, 'Through the desk transport');
    const withDesk = { ...t.services, env: { ...t.services.env, SMTP_OUTBOUND_URL: sink.url } };
    expect(await messageDeliverer(withDesk, queued.id, { finalAttempt: false })).toMatchObject({ status: 'sent' });
    expect(mailsFor(queued.id)).toHaveLength(1);
    expect(mailsFor(queued.id)[0]!.parsed.from!.value[0]!.address).toBe('legal@help.example.com');
  });

  it('sends a message once however many jobs run for it, at once or after', async () => {
    // Written without its job (no queue), then delivered by two attempts at once and two more jobs.
    const message = await queuedWithoutJob(conversation.id, 'Exactly once');
    expect(message.deliveryStatus).toBe('queued');
    const outcomes = await Promise.all([messageDeliverer(t.services, message.id, { finalAttempt: false }), messageDeliverer(t.services, message.id, { finalAttempt: false })]);
    expect(outcomes.filter((o) => !o.skipped).map((o) => o.status)).toEqual(['sent']);
    expect(outcomes.filter((o) => o.skipped)).toHaveLength(1);
    await t.services.boss!.send(QUEUES.messageDeliver, { messageId: message.id });
    await t.services.boss!.send(QUEUES.messageDeliver, { messageId: message.id });
    await sleep(2000);
    expect(mailsFor(message.id)).toHaveLength(1);
    expect((await messageRow(message.id)).deliveryStatus).toBe('sent');
  });

  it('fails a reply whose inbox is disabled, sending nothing', async () => {
    const contact = (await t.services.database.db.select().from(contacts).where(eq(contacts.email, customerEmail)))[0]!;
    const closedInbox = await asSystem(t, (ctx) => inboxCreator(ctx, { kind: 'email', name: 'Old', enabled: true, settings: { address: 'old@help.example.com', smtpUrl: sink.url } }));
    const c = await emailTicket({ inboxId: closedInbox.id, contactId: contact.id, subject: 'Old address' });
    await t.services.database.db.update(inboxes).set({ enabled: false }).where(eq(inboxes.id, closedInbox.id));
    const reply = (await agent.request('POST', `${API}/conversations/${c.id}/messages`, { body: 'Through a disabled inbox' })).json();
    const failed = await eventually(async () => {
      const row = await messageRow(reply.id);
      return row.deliveryStatus === 'failed' ? row : null;
    });
    expect(failed.deliveryError).toBe('inbox disabled');
    expect(mailsFor(reply.id)).toHaveLength(0);
  });

  it('lets only staff who can work the conversation retry, and only an outbound message', async () => {
    sink.refuse = { code: 550, text: '5.7.1 Refused' };
    const reply = (await agent.request('POST', `${API}/conversations/${conversation.id}/messages`, { body: 'Refused' })).json();
    await eventually(async () => (await messageRow(reply.id)).deliveryStatus === 'failed');
    sink.refuse = { code: 550, text: '5.7.1 Still refused' };
    const url = `${API}/conversations/${conversation.id}/messages/${reply.id}/retry`;

    // The customer owns the conversation but does not work it; a stranger does not even see it.
    expect((await customer.request('POST', url)).statusCode).toBe(403);
    const stranger = await loginContact(t, (await makeContact(t)).email!);
    expect((await stranger.request('POST', url)).statusCode).toBe(404);
    expect((await outsider.request('POST', url)).statusCode).toBe(404);
    const otherTeamToken = await makeToken(t, 'agent', [(await makeTeam(t)).id]);
    expect((await bearer(t, otherTeamToken.token)('POST', url)).statusCode).toBe(404);
    expect((await t.app.inject({ method: 'POST', url })).statusCode).toBe(401);
    expect((await agent.request('POST', `${API}/conversations/${conversation.id}/messages/00000000-0000-4000-8000-000000000000/retry`)).statusCode).toBe(404);
    const customerMessage = (await customer.request('POST', `${API}/conversations/${conversation.id}/messages`, { body: 'mine' })).json();
    expect((await agent.request('POST', `${API}/conversations/${conversation.id}/messages/${customerMessage.id}/retry`)).statusCode).toBe(409);
    expect((await t.services.database.db.select().from(messages).where(eq(messages.id, reply.id)))[0]!.deliveryStatus).toBe('failed');

    // A token of the conversation's team may.
    const teamToken = await makeToken(t, 'agent', [team.id]);
    const ok = await bearer(t, teamToken.token)('POST', url);
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json().deliveryStatus).toBe('queued');
    const failedAgain = await eventually(async () => {
      const row = await messageRow(reply.id);
      return row.deliveryStatus === 'failed' ? row : null;
    });
    expect(failedAgain.deliveryError).toContain('Still refused');
    sink.refuse = null;
  });
});
