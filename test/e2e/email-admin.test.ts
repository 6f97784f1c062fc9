import { once } from 'node:events';
import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { eq, sql } from 'drizzle-orm';
import type { Browser, Page } from 'playwright-core';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attachments, inboxes, messages } from '../../server/db/schema.ts';
import { SYSTEM, transact } from '../../server/domain/context.ts';
import { conversationCreator } from '../../server/domain/conversations/conversationCreator.ts';
import { messageCreator } from '../../server/domain/conversations/messageCreator.ts';
import { blobStorer } from '../../server/domain/files/blobStore.ts';
import { attachRealtime } from '../../server/realtime/socket.ts';
import { tempDataDir } from '../api/helpers.ts';
import { createTestApp, makeAgent, PASSWORD, type TestApp } from '../helpers/app.ts';
import { hasChromium, launchBrowser } from '../helpers/browser.ts';
import { screenshotPng } from '../helpers/files.ts';

const SHOTS = join(import.meta.dirname, '..', '..', 'test-results');
const SMTP_PASSWORD = 'smtp-Pa55-word-9';

/** Admins set up an email inbox in Admin → Channels; agents read email (HTML, inline images, quotes, delivery) in the timeline. */
describe.skipIf(!hasChromium)('email channel in the browser', () => {
  let t: TestApp;
  let url: string;
  let browser: Browser;
  let realtime: Awaited<ReturnType<typeof attachRealtime>>;
  let smtp: SMTPServer;
  let smtpPort: number;
  let adminEmail: string;

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    // The app in this process (its database is the test's): messages are made through the domain.
    t = await createTestApp('pglite', { DATA_DIR: tempDataDir() });
    realtime = await attachRealtime(t.app.server, t.services);
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    url = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
    adminEmail = (await makeAgent(t, { role: 'admin', name: 'Ada Admin' })).email;
    // The mail provider the inbox sends through: accepts our login only.
    smtp = new SMTPServer({
      disabledCommands: ['STARTTLS'],
      allowInsecureAuth: true,
      logger: false,
      onAuth: (auth, _s, done) => (auth.username === 'desk' && auth.password === SMTP_PASSWORD ? done(null, { user: 'desk' }) : done(new Error('Authentication failed'))),
    });
    smtp.listen(0, '127.0.0.1');
    await once(smtp.server, 'listening');
    smtpPort = (smtp.server.address() as AddressInfo).port;
    browser = await launchBrowser();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await new Promise<void>((r) => (smtp ? smtp.close(() => r()) : r()));
    await realtime?.close();
    await t?.close();
  });

  async function login(email: string): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
    await page.goto(`${url}/login`);
    await page.getByTestId('login-email').fill(email);
    await page.getByTestId('login-password').fill(PASSWORD);
    await page.getByTestId('login-submit').click();
    await page.waitForURL(/\/agent/);
    return page;
  }

  it('an admin creates an email inbox: the credential is never shown again, and Test connection answers', async () => {
    const page = await login(adminEmail);
    await page.goto(`${url}/admin/inboxes`);
    await page.getByTestId('email-setup').waitFor();
    await expect.poll(() => page.getByTestId('email-setup').textContent()).toContain('port 2525');
    await page.getByTestId('inbox-create').click();
    await page.getByTestId('inbox-name').fill('Customer support');
    await page.getByTestId('inbox-from-name').fill('Exchange Support');
    await page.getByTestId('inbox-address').fill('Support@Desk.example');
    await page.getByTestId('inbox-smtp-url').fill(`smtp://desk:${SMTP_PASSWORD}@127.0.0.1:${smtpPort}`);
    await page.getByTestId('inbox-signature-en').fill('Exchange Support · never asks for your password');
    await page.getByTestId('inbox-signature-zh').fill('交易所客服 · 绝不会索要您的密码');
    await page.screenshot({ path: join(SHOTS, 'email-inbox-form.png') });
    await page.getByTestId('inbox-save').click();

    // Saved: the form is now the inbox itself; the credential is "set", its value nowhere on the page.
    await page.getByTestId('inbox-smtp-url-set').waitFor();
    expect(await page.content()).not.toContain(SMTP_PASSWORD);
    expect(await page.getByTestId('inbox-address').inputValue()).toBe('support@desk.example');
    await page.getByTestId('inbox-test').click();
    const result = page.getByTestId('inbox-test-result');
    await result.waitFor();
    expect(await result.getAttribute('data-ok')).toBe('true');
    expect(await result.textContent()).toContain(`SMTP: connected to 127.0.0.1:${smtpPort} and logged in`);
    await page.screenshot({ path: join(SHOTS, 'email-inbox-test.png') });

    // A wrong password, replaced through the form: the test says the login was refused.
    await page.getByTestId('inbox-smtp-url-replace').click();
    await page.getByTestId('inbox-smtp-url').fill(`smtp://desk:wrong-one@127.0.0.1:${smtpPort}`);
    await page.getByTestId('inbox-save').click();
    await page.getByTestId('inbox-smtp-url-set').waitFor();
    await page.getByTestId('inbox-test').click();
    await expect.poll(async () => page.getByTestId('inbox-test-result').getAttribute('data-ok')).toBe('false');
    expect(await page.getByTestId('inbox-test-result').textContent()).toMatch(/login refused by 127\.0\.0\.1:\d+: .*535/);
    expect(await page.content()).not.toContain('wrong-one');
    await page.screenshot({ path: join(SHOTS, 'email-inbox-test-failed.png') });

    await page.keyboard.press('Escape');
    const row = page.getByTestId('inbox-row').filter({ hasText: 'Customer support' });
    await row.waitFor();
    expect(await row.getByTestId('inbox-row-address').textContent()).toBe('support@desk.example');
    await page.screenshot({ path: join(SHOTS, 'email-channels-tab.png') });

    // The desk setting for replies to closed tickets is sent as emailClosedReply: saved where the
    // server knows the key (it comes with the email receiving work), refused with a notice where not.
    await page.goto(`${url}/admin/settings`);
    const closedReply = page.getByTestId('settings-emailClosedReply');
    const sent = page.waitForRequest((r) => r.url().endsWith('/api/v1/settings') && r.method() === 'PATCH');
    await closedReply.getByText('Open a follow-up').click();
    expect((await sent).postDataJSON()).toEqual({ emailClosedReply: 'followup' });
    await expect
      .poll(async () => {
        if ((await page.getByText('This server does not accept this setting yet.').count()) > 0) return 'refused';
        const res = await page.request.get(`${url}/api/v1/settings`);
        return ((await res.json()) as { emailClosedReply?: string }).emailClosedReply === 'followup' ? 'saved' : 'pending';
      })
      .not.toBe('pending');
    await closedReply.scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(SHOTS, 'email-settings.png'), fullPage: true });
    await page.close();
  }, 120_000);

  it('an agent reads an email with its inline image, its file and its folded quote, and sees a failed reply with Retry', async () => {
    const [inbox] = await t.services.database.db.select().from(inboxes).where(sql`${inboxes.settings}->>'address' = 'support@desk.example'`);
    expect(inbox).toBeTruthy();
    const agent = await makeAgent(t, { role: 'agent', name: 'Li Wei' });
    const conversationId = await transact(t.services, SYSTEM, async (ctx) => {
      const { conversation } = await conversationCreator(ctx, {
        inboxId: inbox!.id,
        contact: { email: 'alice@example.com', name: 'Alice' },
        subject: 'Withdrawal stuck — order 8812',
        body: 'First mail (plain)',
        mode: 'async',
        language: 'en',
        fields: {},
        tags: [],
      });
      return conversation.id;
    });
    const html = [
      '<p>Hello, my <b>USDT withdrawal</b> is stuck. Screenshot:</p>',
      '<p><img src="cid:shot-1@mail.example" alt="screenshot" width="120" height="80"></p>',
      '<p>Tracking: <img src="https://tracker.example/pixel.gif" alt="pixel"></p>',
      '<script>window.__pwned = 1</script><img src="x" onerror="window.__pwned = 2">',
      '<p><a href="javascript:window.__pwned=3">javascript link</a> <a href="https://status.example.com/">status page</a></p>',
      '<div style="position:fixed;top:0;left:0;width:100vw;height:100vh;background:red" id="overlay">overlay?</div>',
      '<div class="gmail_quote">On Mon, Support wrote:<blockquote>Earlier answer from support that should be folded</blockquote></div>',
    ].join('');
    const png = await blobStorer(t.services.env.dataDir, Readable.from([screenshotPng()]));
    const txt = await blobStorer(t.services.env.dataDir, Readable.from([Buffer.from('order 8812\ntx 0xabc\n')]));
    await transact(t.services, SYSTEM, async (ctx) => {
      const { message } = await messageCreator(ctx, conversationId, {
        body: 'Hello, my USDT withdrawal is stuck.',
        onBehalfOfContact: true,
        meta: {
          email: {
            messageId: 'in-1@mail.example',
            subject: 'Re: Withdrawal stuck — order 8812',
            from: { email: 'alice@example.com', name: 'Alice' },
            to: [{ email: 'support@desk.example' }],
            cc: [{ email: 'bob@example.com', name: 'Bob' }],
            html,
            quoted: 'Earlier answer from support that should be folded',
          },
        },
      });
      await ctx.db.insert(attachments).values([
        { conversationId, messageId: message.id, sha256: png.sha256, size: png.size, contentType: png.contentType, filename: 'screenshot.png', contentId: 'shot-1@mail.example', inline: true },
        { conversationId, messageId: message.id, sha256: txt.sha256, size: txt.size, contentType: txt.contentType, filename: 'order-8812.txt', inline: false },
      ]);
      const reply = await messageCreator({ ...ctx, actor: { type: 'agent', id: agent.id, role: 'agent', teamIds: [], name: agent.name } }, conversationId, { body: 'We are checking your withdrawal.', deliveryStatus: 'queued' });
      await ctx.db.update(messages).set({ deliveryStatus: 'failed', deliveryError: '550 5.1.1 <alice@example.com>: mailbox unavailable' }).where(eq(messages.id, reply.message.id));
    });

    const page = await login(agent.email);
    await page.goto(`${url}/agent/conversations/${conversationId}`);
    const body = page.getByTestId('email-html');
    await body.waitFor();

    // From/To/Cc of the mail.
    expect(await page.getByTestId('email-from').textContent()).toContain('Alice <alice@example.com>');
    expect(await page.getByTestId('email-cc').textContent()).toContain('Bob <bob@example.com>');
    // The inline image is shown in place, from our own attachment URL, and loads.
    const inline = body.locator('img[alt="screenshot"]');
    expect(await inline.getAttribute('src')).toMatch(/^\/api\/v1\/attachments\/[0-9a-f-]{36}$/);
    await expect.poll(() => inline.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBe(120);
    // The file is listed; the inline image is not listed again.
    const files = page.getByTestId('message-attachments');
    expect(await files.textContent()).toContain('order-8812.txt');
    expect(await files.textContent()).not.toContain('screenshot.png');
    // Nothing active survived: no script ran, no handler, no javascript: link, no remote image, nothing fixed over the page.
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(await body.locator('script, [onerror], a[href^="javascript"], img[src^="http"]').count()).toBe(0);
    expect(await body.getByText('[pixel]').count()).toBe(1);
    expect(await body.locator('a[href="https://status.example.com/"]').getAttribute('rel')).toContain('noopener');
    // Nothing fixed over the page, nor as large as the screen (its width is the message's, not the viewport's).
    const overlay = await body.getByText('overlay?').evaluate((el) => ({ position: getComputedStyle(el).position, height: el.getBoundingClientRect().height }));
    expect(overlay.position).toBe('static');
    expect(overlay.height).toBeLessThan(100);

    // The quoted reply is folded until asked for.
    const quote = body.getByText('Earlier answer from support that should be folded');
    expect(await quote.isVisible()).toBe(false);
    await page.getByTestId('email-quote-toggle').click();
    expect(await quote.isVisible()).toBe(true);
    expect(await page.getByTestId('email-quote-toggle').textContent()).toBe('Hide quoted text');

    // Our reply failed: the badge says so, with the reason and Retry.
    const delivery = page.getByTestId('delivery-status');
    expect(await delivery.getAttribute('data-status')).toBe('failed');
    expect(await delivery.textContent()).toContain('mailbox unavailable');
    expect(await page.getByTestId('delivery-retry').isVisible()).toBe(true);

    // The composer says who a reply reaches: everyone on the thread, or the requester only.
    expect(await page.getByTestId('composer-recipients-list').textContent()).toBe('To: alice@example.com, bob@example.com');
    await page.getByTestId('composer-recipients-mode').getByText('Requester only').click();
    expect(await page.getByTestId('composer-recipients-list').textContent()).toBe('To: alice@example.com');
    // The choice goes with the reply.
    await page.getByTestId('composer-input').fill('Only to you, Alice.');
    const posted = page.waitForRequest((r) => r.url().endsWith(`/conversations/${conversationId}/messages`) && r.method() === 'POST');
    await page.getByTestId('composer-send').click();
    expect((await posted).postDataJSON()).toMatchObject({ body: 'Only to you, Alice.', recipients: 'requester' });
    await expect.poll(() => page.getByText('Only to you, Alice.').count()).toBeGreaterThan(0);
    await page.getByTestId('timeline-message').filter({ has: page.getByTestId('email-html') }).screenshot({ path: join(SHOTS, 'email-message.png') });
    await page.getByTestId('timeline').screenshot({ path: join(SHOTS, 'email-timeline.png') });
    await page.screenshot({ path: join(SHOTS, 'email-conversation.png') });

    // The same in Chinese.
    await page.getByTestId('lang-switch').click();
    await expect.poll(() => page.getByTestId('email-quote-toggle').textContent()).toBe('隐藏引用');
    // The failed reply, and the one just written, queued for delivery (this app runs no delivery worker).
    expect(await page.getByTestId('delivery-badge').first().textContent()).toBe('发送失败');
    expect(await page.getByTestId('delivery-badge').nth(1).textContent()).toBe('排队中');
    await page.getByTestId('timeline-message').filter({ has: page.getByTestId('email-html') }).screenshot({ path: join(SHOTS, 'email-message-zh.png') });
    await page.screenshot({ path: join(SHOTS, 'email-conversation-zh.png') });
    await page.getByTestId('lang-switch').click();
    await page.close();
  }, 120_000);
});
