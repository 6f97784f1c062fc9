import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import nodemailer from 'nodemailer';
import type Mail from 'nodemailer/lib/mailer/index.js';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, launchBrowser } from '../helpers/browser.ts';
import { screenshotPng } from '../helpers/files.ts';
import { startServerProcess, type ServerProcess } from '../helpers/server.ts';
import { startSmtpSink, type SmtpSink } from '../helpers/smtpSink.ts';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'switchboard.js');
const SHOTS = process.env.EMAIL_ROUNDTRIP_SHOTS ?? '/tmp/email-roundtrip';
/** Generous waits: the machine is slow and shared; nothing here measures time. */
const WAIT = 90_000;

const ADMIN = { email: 'desk.admin@example.com', password: 'roundtrip-admin-passphrase' };
const INBOX = { name: '客服邮箱 Help desk', address: 'help@desk.example', fromName: 'Exchange Support' };
const SIGNATURE = { en: 'Exchange Support · we never ask for your password', zh: '交易所客服 · 我们绝不会索要您的密码' };
const CUSTOMER = { name: '王芳', address: 'wang.fang@customer.example' };
const SUBJECT = '提币未到账 订单号 2026120100123';
const IMAGE_CID = 'withdraw-shot@customer.example';
const PDF_NAME = '提币记录.pdf';

/** A small, valid one-page PDF (correct xref offsets), as a customer's exported statement. */
function tinyPdf(): Buffer {
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 100] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    null, // the content stream, below
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  const stream = 'BT /F1 12 Tf 20 50 Td (Withdrawal 2026120100123) Tj ET';
  objects[3] = `<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`;
  let pdf = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    offsets.push(Buffer.byteLength(pdf));
    pdf += `${i + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xref = Buffer.byteLength(pdf);
  pdf += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`;
  pdf += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(pdf, 'latin1');
}

/** Sends one mail over SMTP to the server's own listener, as a customer's mail server would. */
async function sendOverSmtp(port: number, mail: Mail.Options) {
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true, connectionTimeout: WAIT, greetingTimeout: WAIT, socketTimeout: WAIT });
  try {
    return await transport.sendMail(mail);
  } finally {
    transport.close();
  }
}

/**
 * The issue's "Done means" browser test, through real processes and sockets: `switchboard serve`
 * as npm start runs it (SMTP listener included), a local SMTP sink as the outbound provider, a
 * customer's mail sent with nodemailer, and Chromium for the admin and the agent.
 */
describe.skipIf(!hasChromium)('email round trip: SMTP in, the workspace, the reply out, the customer answers', () => {
  let dataDir: string;
  let sink: SmtpSink;
  let server: ServerProcess;
  let browser: Browser;
  let smtpPort: number;

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    dataDir = mkdtempSync(join(tmpdir(), 'sb-email-roundtrip-'));
    const env = { ...process.env, DATA_DIR: dataDir, SEED_DEMO: '0', LOG_LEVEL: 'warn', DATABASE_URL: '', REDIS_URL: '' };
    // An empty desk with one admin, made with the CLI as an operator would.
    const [created, sunk, launched] = await Promise.all([
      promisify(execFile)(process.execPath, [BIN, 'create-admin', '--email', ADMIN.email, '--password', ADMIN.password, '--name', 'Desk Admin'], { env, timeout: 120_000 }),
      startSmtpSink(),
      launchBrowser(),
    ]);
    expect(created.stdout).toContain(`Admin ${ADMIN.email} created`);
    sink = sunk;
    browser = launched;
    server = await startServerProcess({ DATA_DIR: dataDir, SEED_DEMO: '0', SMTP_PORT: '0', SMTP_OUTBOUND_URL: sink.url }, 150_000);
    const port = /Switchboard SMTP listener on port (\d+)/.exec(server.output())?.[1];
    expect(port, server.output()).toBeDefined();
    smtpPort = Number(port);
    expect(smtpPort).toBeGreaterThan(0);
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await sink?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('an admin creates an email inbox; a Chinese mail with an inline image and a PDF shows in the workspace; the reply goes out and the answer threads back', async () => {
    const context = await browser.newContext({ viewport: { width: 1440, height: 960 }, locale: 'en-US' });
    const page: Page = await context.newPage();
    page.setDefaultTimeout(WAIT);
    // What the socket pushed to this page: the live updates are checked against it.
    const frames: string[] = [];
    page.on('websocket', (ws) => ws.on('framereceived', (f) => void (typeof f.payload === 'string' && frames.push(f.payload))));

    // ── 1. The admin signs in and creates the email inbox in Admin → Channels.
    await page.goto(`${server.url}/agent`);
    await page.waitForURL(/\/login/);
    await page.getByTestId('login-email').fill(ADMIN.email);
    await page.getByTestId('login-password').fill(ADMIN.password);
    await page.getByTestId('login-submit').click();
    await page.waitForURL(/\/agent/);
    await page.getByTestId('nav-admin').click();
    await page.getByTestId('admin-tab-inboxes').click();
    await page.waitForURL(/\/admin\/inboxes/);
    await page.getByTestId('email-setup').waitFor();
    await page.getByTestId('inbox-create').click();
    await page.getByTestId('inbox-name').fill(INBOX.name);
    await page.getByTestId('inbox-from-name').fill(INBOX.fromName);
    await page.getByTestId('inbox-address').fill(INBOX.address);
    await page.getByTestId('inbox-signature-en').fill(SIGNATURE.en);
    await page.getByTestId('inbox-signature-zh').fill(SIGNATURE.zh);
    await page.getByTestId('inbox-save').click();
    // Saved: the form stays open as the inbox itself (Test connection appears only for a stored inbox).
    await page.getByTestId('inbox-test').waitFor();
    expect(await page.getByTestId('inbox-address').inputValue()).toBe(INBOX.address);
    await page.keyboard.press('Escape');
    await page.getByTestId('inbox-modal').waitFor({ state: 'detached' });
    const inboxRow = page.getByTestId('inbox-row').filter({ hasText: INBOX.name });
    await inboxRow.waitFor();
    expect(await inboxRow.getAttribute('data-kind')).toBe('email');
    expect(await inboxRow.getByTestId('inbox-row-address').textContent()).toBe(INBOX.address);
    await page.screenshot({ path: join(SHOTS, '1-admin-channels.png'), fullPage: true });

    // The workspace inbox, open while the mail arrives.
    await page.getByTestId('nav-inbox').click();
    await page.waitForURL(/\/agent(\?|$)/);
    await page.getByTestId('inbox-title').waitFor();

    // ── 2. The customer's mail, over SMTP to the listener: Chinese subject and body, an inline image, a PDF.
    const png = screenshotPng();
    const pdf = tinyPdf();
    const customerMessageId = `<${randomUUID()}@customer.example>`;
    const text = '您好，我于 2026-12-01 从贵平台提币 500 USDT（TRC20），至今未到账。\n订单号 2026120100123，截图和提币记录见附件。\n王芳';
    const sent = await sendOverSmtp(smtpPort, {
      from: CUSTOMER,
      to: INBOX.address,
      subject: SUBJECT,
      messageId: customerMessageId,
      text,
      html: `<p>您好，我于 2026-12-01 从贵平台提币 <b>500 USDT（TRC20）</b>，至今未到账。</p><p>截图：</p><p><img src="cid:${IMAGE_CID}" alt="提币截图" width="120" height="80"></p><p>订单号 2026120100123，提币记录见附件。</p><p>王芳</p>`,
      attachments: [
        { filename: 'screenshot.png', content: png, contentType: 'image/png', cid: IMAGE_CID },
        { filename: PDF_NAME, content: pdf, contentType: 'application/pdf' },
      ],
    });
    expect(sent.response).toMatch(/^250 /);
    expect(sent.rejected).toEqual([]);

    // ── 3. The agent finds it in the inbox (it arrives by itself) and opens it.
    const row = page.getByTestId('conversation-row').filter({ hasText: '提币未到账' });
    await expect.poll(() => row.count(), { timeout: WAIT, interval: 500 }).toBe(1);
    await page.screenshot({ path: join(SHOTS, '2-workspace-inbox.png') });
    await row.click();
    await page.waitForURL(/\/agent\/conversations\/[0-9a-f-]{36}/);
    const conversationUrl = page.url();
    const conversationId = conversationUrl.split('/').pop()!;
    await expect.poll(() => page.getByTestId('conversation-subject').textContent(), { timeout: WAIT }).toBe(SUBJECT);
    const number = Number((await page.getByTestId('conversation-number').textContent())!.replace('#', ''));
    expect(number).toBeGreaterThan(0);

    const incoming = page.getByTestId('timeline-message').filter({ has: page.getByTestId('email-html') });
    await incoming.waitFor();
    expect(await incoming.getAttribute('data-direction')).toBe('in');
    expect(await incoming.getByTestId('email-from').textContent()).toContain(`${CUSTOMER.name} <${CUSTOMER.address}>`);
    expect(await incoming.getByTestId('email-html').textContent()).toContain('500 USDT（TRC20）');
    // The inline image is shown in place, from our own attachment URL, and really loaded.
    const inline = incoming.getByTestId('email-html').locator('img[alt="提币截图"]');
    expect(await inline.getAttribute('src')).toMatch(/^\/api\/v1\/attachments\/[0-9a-f-]{36}$/);
    await expect.poll(() => inline.evaluate((img: HTMLImageElement) => (img.complete ? img.naturalWidth : 0)), { timeout: WAIT }).toBe(120);
    // The PDF is listed under its Chinese (RFC 2231) name; the inline image is not listed again.
    const files = incoming.getByTestId('message-attachments');
    expect(await files.textContent()).toContain(PDF_NAME);
    expect(await files.textContent()).not.toContain('screenshot.png');
    // … and downloads as the very bytes the customer sent.
    const pdfLink = files.locator('a', { hasText: PDF_NAME });
    const href = await pdfLink.getAttribute('href');
    expect(href).toMatch(/^\/api\/v1\/attachments\/[0-9a-f-]{36}$/);
    const download = await page.request.get(`${server.url}${href}`);
    expect(download.status()).toBe(200);
    expect(download.headers()['content-type']).toContain('application/pdf');
    expect(Buffer.from(await download.body()).equals(pdf)).toBe(true);
    // The original mail is kept for evidence and downloadable by staff, byte for byte what was sent.
    const rawHref = await incoming.getByTestId('email-raw').getAttribute('href');
    const rawMail = await page.request.get(`${server.url}${rawHref}`);
    expect(rawMail.status()).toBe(200);
    expect((await rawMail.text()).replace(/\r\n/g, '\n')).toContain(`Message-ID: ${customerMessageId}`);

    // Triage: Chinese detected from the text, the order id read from the subject (and said so).
    await page.getByTestId('ticket-fields').waitFor();
    expect(await page.getByTestId('ticket-fields').textContent()).toContain('2026120100123');
    expect(await page.getByTestId('field-source-orderId').getAttribute('data-source')).toBe('subject');
    expect(await page.getByTestId('field-source-language').getAttribute('data-source')).toBe('body');
    expect(await page.getByTestId('field-source-language').locator('xpath=..').textContent()).toContain('简体中文');
    await page.screenshot({ path: join(SHOTS, '3-conversation-incoming.png'), fullPage: true });
    await incoming.screenshot({ path: join(SHOTS, '3b-incoming-message.png') });
    await page.getByTestId('ticket-fields').scrollIntoViewIfNeeded();
    await page.getByTestId('ticket-fields').screenshot({ path: join(SHOTS, '3c-ticket-fields.png') });

    // ── 4. The agent replies; the sink catches exactly one mail.
    // A marker that a reload would wipe: everything from here must arrive live.
    await page.evaluate(() => void ((window as unknown as { __sameDocument?: boolean }).__sameDocument = true));
    const framesBefore = frames.length;
    const replyText = '王芳您好，我们已查到订单 2026120100123 的提币，正在加急处理，预计 30 分钟内到账。';
    await page.getByTestId('composer-input').fill(replyText);
    await page.getByTestId('composer-send').click();
    await expect.poll(() => sink.mails.length, { timeout: WAIT, interval: 250 }).toBeGreaterThanOrEqual(1);
    const [reply] = sink.mails;
    writeFileSync(join(SHOTS, 'reply.eml'), reply!.raw);
    expect(sink.mails).toHaveLength(1);
    expect(reply!.envelope.to).toEqual([CUSTOMER.address]);
    expect(reply!.parsed.to && !Array.isArray(reply!.parsed.to) ? reply!.parsed.to.value.map((a) => a.address) : []).toEqual([CUSTOMER.address]);
    expect(reply!.parsed.from?.value[0]).toMatchObject({ address: INBOX.address, name: INBOX.fromName });
    const replySubject = reply!.parsed.subject ?? '';
    expect(replySubject).toContain(`[#${number}]`);
    expect(replySubject).toContain('提币未到账 订单号 2026120100123');
    expect(reply!.parsed.inReplyTo).toBe(customerMessageId);
    expect([reply!.parsed.references].flat()).toContain(customerMessageId);
    expect(reply!.parsed.messageId).toMatch(/^<[^<>@\s]+@desk\.example>$/);
    // Plain and HTML parts, both with the reply and the inbox's signature in the conversation's language (Chinese).
    expect(reply!.parsed.text).toContain(replyText);
    expect(reply!.parsed.text).toContain(SIGNATURE.zh);
    expect(reply!.parsed.text).not.toContain(SIGNATURE.en);
    expect(reply!.parsed.html || '').toContain(replyText);
    expect(reply!.parsed.html || '').toContain(SIGNATURE.zh);
    expect(reply!.raw.toString('latin1')).toMatch(/Content-Type: multipart\/alternative/i);

    // The badge on the reply becomes "Sent" by itself, from a push over the socket, without a reload.
    const ours = page.getByTestId('timeline-message').filter({ hasText: replyText });
    await expect.poll(() => ours.getByTestId('delivery-status').getAttribute('data-status'), { timeout: WAIT, interval: 250 }).toBe('sent');
    expect(await ours.getByTestId('delivery-badge').textContent()).toBe('Sent');
    expect(await ours.getAttribute('data-direction')).toBe('out');
    expect(frames.slice(framesBefore).some((f) => f.includes('messages.delivery') && f.includes('sent'))).toBe(true);
    expect(await page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument)).toBe(true);
    await page.screenshot({ path: join(SHOTS, '4-reply-sent.png'), fullPage: true });

    // ── 5. The customer answers our mail, as Chinese mail clients do: "回复：" and the quote below.
    const answer = '谢谢！但是到现在还没到账，麻烦再帮我查一下。';
    const answerSent = await sendOverSmtp(smtpPort, {
      from: CUSTOMER,
      to: INBOX.address,
      subject: `回复：${replySubject}`,
      messageId: `<${randomUUID()}@customer.example>`,
      inReplyTo: reply!.parsed.messageId,
      references: [customerMessageId, reply!.parsed.messageId!],
      text: `${answer}\n\n在 2026年12月2日 11:30，${INBOX.fromName} <${INBOX.address}> 写道：\n> ${replyText}\n> -- \n> ${SIGNATURE.zh}\n`,
    });
    expect(answerSent.response).toMatch(/^250 /);

    // It lands in the same conversation, shown live in the page that is open.
    const answered = page.getByTestId('timeline-message').filter({ hasText: answer });
    await expect.poll(() => answered.count(), { timeout: WAIT, interval: 250 }).toBe(1);
    expect(await answered.getAttribute('data-direction')).toBe('in');
    expect(page.url()).toBe(conversationUrl);
    expect(await page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument)).toBe(true);
    // Our quoted reply is folded away under the answer, not shown as new text.
    expect(await answered.getByTestId('email-quote-toggle').count()).toBe(1);
    await page.screenshot({ path: join(SHOTS, '5-customer-answer.png'), fullPage: true });

    // The server agrees: one conversation in all, holding the mail, our reply and the answer.
    const list = await page.request.get(`${server.url}/api/v1/conversations?view=all&status=new,open,pending,on_hold,solved,closed`);
    const conversations = ((await list.json()) as { items: { id: string; number: number }[] }).items;
    expect(conversations.map((c) => c.id)).toEqual([conversationId]);
    const messagesRes = await page.request.get(`${server.url}/api/v1/conversations/${conversationId}/messages`);
    const items = ((await messagesRes.json()) as { items: { direction: string; visibility: string; contentType: string; body: string; deliveryStatus: string | null }[] }).items.filter(
      (m) => m.visibility === 'public' && m.contentType !== 'event',
    );
    expect(items.map((m) => m.direction)).toEqual(['in', 'out', 'in']);
    expect(items[1]).toMatchObject({ body: replyText, deliveryStatus: 'sent' });
    expect(items[2]!.body).toContain(answer);
    // Nothing else went out: the customer's answer is not answered by a machine.
    expect(sink.mails).toHaveLength(1);
    await context.close();
  }, 360_000);
});
