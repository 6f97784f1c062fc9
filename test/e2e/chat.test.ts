import { mkdirSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, launchBrowser } from '../helpers/browser.ts';
import { startServerProcess, type ServerProcess } from '../helpers/server.ts';

const SHOTS = join(import.meta.dirname, '..', '..', 'test-results');

interface AgentSession {
  id: string;
  cookie: string;
  csrf: string;
}

/** Signs an agent in over HTTP: the session cookie and the CSRF token for writes. */
async function login(url: string, email: string, password: string): Promise<AgentSession> {
  const res = await fetch(`${url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) });
  expect(res.status).toBe(200);
  const cookies = res.headers.getSetCookie().map((c) => c.split(';')[0]!);
  const cookie = cookies.join('; ');
  const csrf = decodeURIComponent(cookies.find((c) => c.startsWith('sb_csrf='))!.slice('sb_csrf='.length));
  const me = (await (await fetch(`${url}/api/v1/auth/me`, { headers: { cookie } })).json()) as { id: string };
  return { id: me.id, cookie, csrf };
}

function call(url: string, who: AgentSession) {
  return async <T>(method: string, path: string, body?: unknown): Promise<{ status: number; data: T }> => {
    const res = await fetch(`${url}/api/v1${path}`, {
      method,
      headers: { cookie: who.cookie, 'x-csrf-token': who.csrf, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, data: (text ? JSON.parse(text) : null) as T };
  };
}

describe.skipIf(!hasChromium)('customer live chat, in Chromium', () => {
  let server: ServerProcess;
  let browser: Browser;

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    [server, browser] = await Promise.all([startServerProcess(), launchBrowser()]);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('a visitor chats with an online agent, reloads without duplicates, ends with a transcript and rates 5', async () => {
    // The agent goes online first: Zhang Min speaks zh-CN and en and is on account-security.
    const agent = await login(server.url, 'zhang.min@switchboard.local', 'switchboard-demo');
    const api = call(server.url, agent);
    const online = await api('PATCH', `/agents/${agent.id}`, { status: 'online' });
    expect(online.status).toBe(200);

    const ctx = await browser.newContext({ viewport: { width: 1200, height: 860 }, locale: 'en-US' });
    const page = await ctx.newPage();
    await page.goto(`${server.url}/chat`);
    await page.getByTestId('chat-prechat').waitFor();
    await page.getByTestId('chat-category').click();
    await page.getByRole('option', { name: 'Login & 2FA' }).click();
    await page.getByTestId('chat-description').fill('I lost my phone and cannot log in with 2FA');
    await page.getByTestId('chat-orderId').fill('A-1001');
    await page.getByTestId('chat-name').fill('Visitor Wang');
    await page.getByTestId('chat-email').fill(`visitor.${Date.now()}@example.com`);
    // Suggested help articles may show while typing; they are links into the help center.
    await page.waitForTimeout(800);
    await page.screenshot({ path: join(SHOTS, 'chat-prechat.png'), fullPage: true });
    await page.getByTestId('chat-start').click();

    const session = page.getByTestId('chat-session');
    await session.waitFor({ timeout: 20_000 });
    const id = (await session.getAttribute('data-id')) ?? '';
    expect(id).not.toBe('');
    await page.screenshot({ path: join(SHOTS, 'chat-started.png'), fullPage: true });

    // Routing runs on events (and every 30 s): wait until the chat is hers.
    await expect
      .poll(async () => (await api<{ assigneeId: string | null }>('GET', `/conversations/${id}`)).data.assigneeId, { timeout: 45_000, interval: 500 })
      .toBe(agent.id);
    // Routing offers the chat; until she accepts, the customer is told they are being connected.
    await expect.poll(() => session.getAttribute('data-state'), { timeout: 45_000 }).toBe('offered');
    await page.getByTestId('chat-offered').waitFor();
    const accepted = await api<{ status: string }>('POST', `/chats/${id}/accept`);
    expect(accepted.status).toBe(200);
    expect(accepted.data.status).toBe('open');
    await expect.poll(() => session.getAttribute('data-state'), { timeout: 20_000 }).toBe('assigned');
    await expect.poll(() => page.getByText('Zhang Min joined the chat.').count(), { timeout: 15_000 }).toBe(1);

    // The agent answers; the push shows it on the customer's page.
    const reply = `Hello, I am Zhang Min — let us reset your 2FA. Ref ${Date.now()}`;
    const sent = await api('POST', `/conversations/${id}/messages`, { body: reply, idempotencyKey: `agent-${Date.now()}` });
    expect(sent.status).toBe(201);
    await expect.poll(() => page.getByText(reply).count(), { timeout: 15_000 }).toBe(1);

    // The customer answers; the agent sees it through the API.
    const answer = `My UID is 88001234, thanks ${Date.now()}`;
    await page.getByTestId('chat-input').fill(answer);
    await page.getByTestId('chat-input').press('Enter');
    await expect
      .poll(async () => (await api<{ items: { body: string; direction: string }[] }>('GET', `/conversations/${id}/messages?afterSeq=0`)).data.items.filter((m) => m.body === answer && m.direction === 'in').length, {
        timeout: 15_000,
      })
      .toBe(1);
    await expect.poll(() => page.getByText(answer).count()).toBe(1);
    await page.screenshot({ path: join(SHOTS, 'chat-conversation.png'), fullPage: true });

    // A reload resumes the same chat, each message once.
    await page.reload();
    await page.getByTestId('chat-session').waitFor({ timeout: 20_000 });
    expect(await page.getByTestId('chat-session').getAttribute('data-id')).toBe(id);
    await expect.poll(() => page.getByText(reply).count(), { timeout: 15_000 }).toBe(1);
    await page.waitForTimeout(1500);
    expect(await page.getByText(reply).count()).toBe(1);
    expect(await page.getByText(answer).count()).toBe(1);
    const seqs = await page.getByTestId('chat-message').evaluateAll((els) => els.map((e) => e.getAttribute('data-seq')));
    expect(new Set(seqs).size).toBe(seqs.length);
    await page.screenshot({ path: join(SHOTS, 'chat-reloaded.png'), fullPage: true });

    // The customer ends the chat with a transcript, then rates it 5.
    await page.getByTestId('chat-end').click();
    const transcript = page.getByTestId('chat-transcript');
    if (!(await transcript.isChecked())) await transcript.check();
    await page.getByTestId('chat-end-submit').click();
    await page.getByTestId('csat-form').waitFor({ timeout: 15_000 });
    const fiveId = await page.getByTestId('csat-stars').locator('input[value="5"]').getAttribute('id');
    await page.locator(`label[for="${fiveId}"]`).click();
    await page.getByTestId('csat-comment').fill('Quick and friendly');
    await page.screenshot({ path: join(SHOTS, 'chat-csat.png'), fullPage: true });
    await page.getByTestId('csat-submit').click();
    await page.getByTestId('csat-given').waitFor({ timeout: 15_000 });
    await page.screenshot({ path: join(SHOTS, 'chat-rated.png'), fullPage: true });

    const rated = await api<{ status: string; csat: { score: number; comment: string | null } | null }>('GET', `/conversations/${id}`);
    expect(rated.data.csat).toEqual(expect.objectContaining({ score: 5, comment: 'Quick and friendly' }));
    await ctx.close();
  }, 180_000);

  it('the widget adds a button in a shadow root that opens the chat in an iframe', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1200, height: 800 }, locale: 'en-US' });
    const page = await ctx.newPage();
    // A shop on an origin of its own (another port): our pages' CSP does not apply there. It is the
    // same site, as a cross-site frame would not get the chat's SameSite=Lax session cookie.
    const shopHtml = `<!doctype html><html lang="zh-CN"><head><title>Shop</title></head><body><h1>Some shop</h1><script src="${server.url}/widget.js"></script></body></html>`;
    const shop = createServer((_req, res) => res.setHeader('content-type', 'text/html; charset=utf-8').end(shopHtml));
    await new Promise<void>((resolve) => shop.listen(0, '127.0.0.1', resolve));
    await page.goto(`http://127.0.0.1:${(shop.address() as AddressInfo).port}/`);
    await expect.poll(() => page.evaluate(() => Boolean(document.getElementById('switchboard-chat')?.shadowRoot?.querySelector('button.b')))).toBe(true);
    // Styles stay inside the shadow root.
    expect(await page.evaluate(() => document.querySelectorAll('button').length)).toBe(0);
    await page.locator('#switchboard-chat button.b').click();
    const src = await page.evaluate(() => document.getElementById('switchboard-chat')?.shadowRoot?.querySelector('iframe')?.getAttribute('src') ?? '');
    expect(src).toBe(`${server.url}/chat?embed=1&lang=zh-CN`);
    const frame = page.frameLocator('#switchboard-chat iframe');
    await frame.getByTestId('chat-prechat').waitFor({ timeout: 20_000 });
    // Embedded: no site header, and the page follows the host page's language.
    expect(await frame.getByTestId('portal-logo').count()).toBe(0);
    await expect.poll(() => frame.getByTestId('chat-start').textContent()).toBe('开始对话');
    const box = await page.locator('#switchboard-chat iframe').boundingBox();
    expect(box?.width).toBeCloseTo(380, 0);
    expect(box?.height).toBeCloseTo(560, 0);
    await page.screenshot({ path: join(SHOTS, 'chat-widget-open.png') });
    // A chat started inside the widget runs in the compact layout.
    await frame.getByTestId('chat-description').fill('我的充值还没到账');
    await frame.getByTestId('chat-name').fill('小李');
    await frame.getByTestId('chat-start').click();
    await frame.getByTestId('chat-session').or(frame.getByTestId('chat-ticket')).waitFor({ timeout: 20_000 });
    await page.screenshot({ path: join(SHOTS, 'chat-widget-chat.png') });
    await page.locator('#switchboard-chat button.x').click();
    await expect.poll(() => page.locator('#switchboard-chat iframe').isVisible()).toBe(false);
    await ctx.close();
    shop.close();
  }, 60_000);
});
