import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import nodemailer, { type SendMailOptions } from 'nodemailer';
import { type SmtpListener, startSmtpListener } from '../../server/channels/email/smtpListener.ts';
import { inboxCreator } from '../../server/domain/directory/inboxes.ts';
import { DB_KINDS } from '../helpers/db.ts';
import { asSystem, createTestApp, eventually, loginAgent, makeAgent, type Session, type TestApp } from '../helpers/app.ts';
import { type SmtpSink, startSmtpSink } from '../helpers/smtpSink.ts';
import { API, rows, tempDataDir } from '../api/helpers.ts';

/**
 * The round trip, through real SMTP both ways over loopback: a customer's mail arrives at
 * the listener, an agent replies (caught by a local sink standing in for the outbound relay), the
 * customer's answer to that reply — as each mail client writes it — lands in the same ticket, and
 * a bounce of our reply marks it failed instead of opening a ticket.
 */
const OUR = 'help@roundtrip.test';
const CUSTOMER = 'alice@example.com';

describe.each(DB_KINDS)('email round trip on %s', (kind) => {
  let t: TestApp;
  let sink: SmtpSink;
  let listener: SmtpListener;
  let agent: Session;
  let conversationId: string;
  let number: number;
  let ourReplyId: string;
  let ourSubject: string;

  const send = async (mail: SendMailOptions) => {
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: listener.port, secure: false, ignoreTLS: true });
    try {
      return await transport.sendMail({ envelope: { from: mail.from as string, to: [OUR] }, to: OUR, ...mail });
    } finally {
      transport.close();
    }
  };
  const processed = async () => Number((await rows<{ n: string }>(t, sql`select count(*)::int as n from inbound_deliveries where status <> 'received'`))[0]!.n);
  const conversationCount = async () => Number((await rows<{ n: string }>(t, sql`select count(*)::int as n from conversations`))[0]!.n);
  const messagesOf = async (id: string) => (await agent.request('GET', `${API}/conversations/${id}/messages`)).json().items as { id: string; direction: string; body: string; deliveryStatus: string | null; deliveryError: string | null; externalId: string | null; email: { quoted: string | null; autoSubmitted: string | null } | null }[];
  /** Sends a mail and waits until the desk has processed it. */
  const deliver = async (mail: SendMailOptions) => {
    const before = await processed();
    const info = await send(mail);
    expect(info.response).toMatch(/^250/);
    await eventually(async () => (await processed()) > before, 30_000);
  };

  beforeAll(async () => {
    sink = await startSmtpSink();
    t = await createTestApp(kind, { DATA_DIR: tempDataDir(), SMTP_OUTBOUND_URL: sink.url, PUBLIC_URL: 'https://desk.example.com' }, { jobs: true });
    listener = await startSmtpListener(t.services, { port: 0, host: '127.0.0.1', onError: () => {} });
    await asSystem(t, (ctx) => inboxCreator(ctx, { kind: 'email', name: 'Help', enabled: true, settings: { address: OUR, signature: { en: 'The Help Desk', 'zh-CN': '客服团队' } } }));
    const admin = await makeAgent(t, { role: 'admin' });
    agent = await loginAgent(t, admin.email);
  });
  afterAll(async () => {
    await listener?.close();
    await t?.close();
    await sink?.close();
  });

  it('opens a ticket from a customer mail, with triage, and sends the agent reply threaded', async () => {
    await deliver({ from: `Alice 王 <${CUSTOMER}>`, messageId: '<first-mail@example.com>', subject: '提币未到账 订单号 2026120100123', text: '我两个小时前提了 500 USDT (TRC20)，一直没有到账。' });
    const list = (await agent.request('GET', `${API}/conversations`)).json().items as { id: string; number: number; subject: string; language: string; fields: Record<string, string> }[];
    expect(list).toHaveLength(1);
    const [ticket] = list;
    conversationId = ticket!.id;
    number = ticket!.number;
    expect(ticket!.subject).toBe('提币未到账 订单号 2026120100123');
    expect(ticket!.language).toBe('zh-CN');
    // A customer we did not know is recorded as speaking the language they wrote in.
    expect((await rows<{ language: string }>(t, sql`select language from contacts where email = ${CUSTOMER}`))[0]!.language).toBe('zh-CN');
    expect(ticket!.fields.orderId).toBe('2026120100123');

    const reply = await agent.request('POST', `${API}/conversations/${conversationId}/messages`, { body: '您好，我们正在核实您的提币。' });
    expect(reply.statusCode, reply.body).toBe(201);
    await eventually(async () => sink.mails.length === 1, 30_000);
    const mail = sink.mails[0]!.parsed;
    ourReplyId = mail.messageId!.replace(/^<|>$/g, '');
    ourSubject = mail.subject!;
    expect(ourSubject).toBe(`Re: 提币未到账 订单号 2026120100123 [#${number}]`);
    expect(mail.inReplyTo).toBe('<first-mail@example.com>');
    expect(mail.text).toContain('客服团队');
    expect(mail.html).toBeTruthy();
    const sent = await eventually(async () => (await messagesOf(conversationId)).find((m) => m.direction === 'out' && m.deliveryStatus === 'sent'));
    expect(sent.externalId).toBe(ourReplyId);
  });

  // How real clients answer: their prefixes, their threading headers (some keep only one), their quote markers.
  const CLIENTS: { name: string; mail: () => SendMailOptions }[] = [
    { name: 'Gmail', mail: () => ({ subject: `Re: ${ourSubject}`, inReplyTo: `<${ourReplyId}>`, references: ['<first-mail@example.com>', `<${ourReplyId}>`], text: `Still nothing.\n\nOn Tue, 1 Dec 2026 at 10:00, Help <${OUR}> wrote:\n> 您好，我们正在核实您的提币。` }) },
    { name: 'Outlook (Chinese)', mail: () => ({ subject: `答复: ${ourSubject}`, inReplyTo: `<${ourReplyId}>`, references: [`<${ourReplyId}>`], headers: { 'Thread-Index': 'AQHbQ2Zx1234567890abcdef==' }, text: `还是没到。\n\n发件人: Help <${OUR}>\n发送时间: 2026年12月1日 10:00\n收件人: ${CUSTOMER}\n主题: ${ourSubject}\n\n您好，我们正在核实您的提币。` }) },
    { name: 'QQ Mail', mail: () => ({ subject: `回复：${ourSubject}`, inReplyTo: `<${ourReplyId}>`, text: `请尽快处理。\n\n------------------ 原始邮件 ------------------\n发件人: "Help"<${OUR}>;\n发送时间: 2026年12月1日(星期二) 上午10:00\n\n您好，我们正在核实您的提币。` }) },
    { name: 'Foxmail', mail: () => ({ subject: `Re:${ourSubject}`, references: [`<${ourReplyId}>`], text: `好的，谢谢。\n\n发件人： Help\n发送时间： 2026-12-01 10:00\n收件人： ${CUSTOMER}\n主题： ${ourSubject}` }) },
    { name: 'Apple Mail', mail: () => ({ subject: `Re: ${ourSubject}`, inReplyTo: `<${ourReplyId}>`, references: [`<${ourReplyId}>`], text: `Thanks.\n\n> On 1 Dec 2026, at 10:00, Help <${OUR}> wrote:\n> \n> 您好，我们正在核实您的提币。` }) },
    { name: 'a client that keeps no threading headers', mail: () => ({ subject: `RE: ${ourSubject}`, text: 'Any update?' }) },
  ];

  it.each(CLIENTS.map((c) => [c.name, c] as const))("continues the same ticket with a reply written by %s, its quote folded away", async (_name, client) => {
    const before = await messagesOf(conversationId);
    await deliver({ from: CUSTOMER, messageId: `<${client.name.replace(/\W+/g, '-')}-${Date.now()}@example.com>`, ...client.mail() });
    expect(await conversationCount()).toBe(1);
    const after = await messagesOf(conversationId);
    expect(after).toHaveLength(before.length + 1);
    const added = after.at(-1)!;
    expect(added.direction).toBe('in');
    // What the customer wrote stays; the quoted reply of ours is folded out of the body.
    expect(added.body).not.toContain('我们正在核实');
  });

  it('opens a new ticket for a stranger who quotes the ticket number', async () => {
    await deliver({ from: 'mallory@example.net', messageId: '<stranger@example.net>', subject: `Re: [#${number}] give me the details`, text: 'What is in this ticket?' });
    expect(await conversationCount()).toBe(2);
    expect((await messagesOf(conversationId)).some((m) => m.body.includes('What is in this ticket'))).toBe(false);
  });

  it('records an auto-reply without answering it or changing the ticket', async () => {
    const mailsBefore = sink.mails.length;
    const status = (await agent.request('GET', `${API}/conversations/${conversationId}`)).json().status;
    await deliver({ from: CUSTOMER, messageId: '<ooo@example.com>', subject: `自动回复: ${ourSubject}`, inReplyTo: `<${ourReplyId}>`, headers: { 'Auto-Submitted': 'auto-replied' }, text: '我正在休假，12月5日返回。' });
    expect(await conversationCount()).toBe(2);
    expect((await agent.request('GET', `${API}/conversations/${conversationId}`)).json().status).toBe(status);
    const recorded = (await messagesOf(conversationId)).at(-1)!;
    expect(recorded.email?.autoSubmitted).toBeTruthy();
    await new Promise((r) => setTimeout(r, 1500));
    expect(sink.mails.length).toBe(mailsBefore);
  });

  it('marks our reply failed with the remote reason when it bounces, and opens no ticket', async () => {
    const dsn = [
      `From: Mail Delivery System <MAILER-DAEMON@mx.example.com>`,
      `To: ${OUR}`,
      `Subject: Undelivered Mail Returned to Sender`,
      `Message-ID: <bounce-1@mx.example.com>`,
      `Auto-Submitted: auto-replied`,
      `MIME-Version: 1.0`,
      `Content-Type: multipart/report; report-type=delivery-status; boundary="b1"`,
      ``,
      `--b1`,
      `Content-Type: text/plain`,
      ``,
      `I'm sorry to have to inform you that your message could not be delivered.`,
      ``,
      `--b1`,
      `Content-Type: message/delivery-status`,
      ``,
      `Reporting-MTA: dns; mx.example.com`,
      ``,
      `Final-Recipient: rfc822; ${CUSTOMER}`,
      `Action: failed`,
      `Status: 5.1.1`,
      `Diagnostic-Code: smtp; 550 5.1.1 <${CUSTOMER}>: Recipient address rejected: User unknown in virtual mailbox table`,
      ``,
      `--b1`,
      `Content-Type: text/rfc822-headers`,
      ``,
      `From: Help <${OUR}>`,
      `To: ${CUSTOMER}`,
      `Subject: ${ourSubject.replace(/[^\x20-\x7e]/g, '?')}`,
      `Message-ID: <${ourReplyId}>`,
      ``,
      `--b1--`,
      ``,
    ].join('\r\n');
    const before = await processed();
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: listener.port, secure: false, ignoreTLS: true });
    const info = await transport.sendMail({ envelope: { from: '', to: [OUR] }, raw: dsn });
    transport.close();
    expect(info.response).toMatch(/^250/);
    await eventually(async () => (await processed()) > before, 30_000);
    expect(await conversationCount()).toBe(2);
    const ours = (await messagesOf(conversationId)).find((m) => m.externalId === ourReplyId)!;
    expect(ours.deliveryStatus).toBe('failed');
    expect(ours.deliveryError).toMatch(/User unknown/);
  });

  it('refuses mail for an address that is not ours', async () => {
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: listener.port, secure: false, ignoreTLS: true });
    await expect(transport.sendMail({ from: CUSTOMER, to: 'someone@elsewhere.example', subject: 'relay?', text: 'x' })).rejects.toMatchObject({ responseCode: 550 });
    transport.close();
  });
});
