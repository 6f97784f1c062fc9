import { mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, launchBrowser } from '../helpers/browser.ts';
import { startServerProcess, type ServerProcess } from '../helpers/server.ts';

const SHOTS = join(import.meta.dirname, '..', '..', 'test-results');

/** Collects every Content-Security-Policy violation a page (or its frames) reports. */
function watchViolations(page: Page): string[] {
  const seen: string[] = [];
  page.on('console', (m) => {
    if (/Content Security Policy|frame-ancestors|Refused to/i.test(m.text())) seen.push(m.text());
  });
  page.on('pageerror', (e) => seen.push(`pageerror: ${e.message}`));
  return seen;
}

describe.skipIf(!hasChromium)('the web app under its Content-Security-Policy, in Chromium', () => {
  let server: ServerProcess;
  let browser: Browser;
  /** A shop's page on another origin that embeds the widget. */
  let shop: Server;
  let shopUrl: string;

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    [server, browser] = await Promise.all([startServerProcess(), launchBrowser()]);
    shop = createServer((_req, res) => {
      res.setHeader('content-type', 'text/html; charset=utf-8');
      res.end(`<!doctype html><html lang="en"><body><h1>Shop</h1><script src="${server.url}/widget.js" async></script></body></html>`);
    });
    await new Promise<void>((resolve) => shop.listen(0, '127.0.0.1', resolve));
    // localhost and 127.0.0.1 are different origins: the shop is a third-party site.
    shopUrl = `http://localhost:${(shop.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await new Promise((resolve) => shop?.close(resolve));
  });

  it('the agent workspace and the admin settings run with no CSP violation; an admin limits where the widget may be embedded', async () => {
    const page = await browser.newPage({ viewport: { width: 1366, height: 850 } });
    const violations = watchViolations(page);
    await page.goto(`${server.url}/agent`);
    await page.waitForURL(/\/login/);
    await page.getByTestId('login-email').fill('admin@switchboard.local');
    await page.getByTestId('login-password').fill('switchboard-admin');
    await page.getByTestId('login-submit').click();
    await page.waitForURL(/\/agent/);
    await page.getByTestId('conversation-row').first().waitFor();
    await page.screenshot({ path: join(SHOTS, 'csp-agent.png') });

    await page.goto(`${server.url}/admin/settings`);
    const origins = page.getByTestId('settings-widgetAllowedOrigins');
    await origins.waitFor();
    await origins.fill('https://shop.example');
    await origins.press('Enter');
    await page.getByTestId('settings-widget-save').click();
    await expect
      .poll(async () => (await fetch(`${server.url}/chat?embed=1`)).headers.get('content-security-policy'))
      .toContain("frame-ancestors 'self' https://shop.example");
    await page.screenshot({ path: join(SHOTS, 'csp-admin-settings.png'), fullPage: true });
    // The customer pages of the same app: the ticket form and the full-page chat.
    await page.goto(`${server.url}/tickets/new`);
    await page.getByTestId('ticket-submit').waitFor();
    await page.goto(`${server.url}/chat`);
    await page.getByTestId('chat-prechat').waitFor();
    expect(violations).toEqual([]);

    // The shop's origin is not in the list: its page cannot show the chat.
    const blocked = await browser.newPage();
    const blockedViolations = watchViolations(blocked);
    await blocked.goto(shopUrl);
    await openWidget(blocked);
    await expect.poll(() => blockedViolations.join('\n')).toMatch(/frame-ancestors/);

    // Cleared again: any site may embed the widget.
    const cleared = await fetch(`${server.url}/api/v1/settings`, { method: 'PATCH', headers: await sessionHeaders(page, server.url), body: JSON.stringify({ widgetAllowedOrigins: [] }) });
    expect(cleared.status).toBe(200);
    await page.close();
    await blocked.close();
  }, 120_000);

  it('Socket.IO long-polling answers, which Fastify does not serve, carry nosniff too', async () => {
    const res = await fetch(`${server.url}/socket.io/?EIO=4&transport=polling`);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('the widget chat loads inside a third-party page with no CSP violation while any site may embed it', async () => {
    const page = await browser.newPage({ viewport: { width: 1200, height: 860 } });
    const violations = watchViolations(page);
    await page.goto(shopUrl);
    const frame = await openWidget(page);
    await frame.getByTestId('chat-prechat').waitFor();
    await page.screenshot({ path: join(SHOTS, 'csp-widget.png') });
    expect(violations).toEqual([]);
    await page.close();
  }, 120_000);
});

/** Clicks the widget's bubble and returns its chat frame. */
async function openWidget(page: Page) {
  await page.locator('#switchboard-chat').waitFor({ state: 'attached' });
  await page.locator('#switchboard-chat').locator('button.b').click();
  await page.locator('#switchboard-chat').locator('iframe').waitFor({ state: 'attached' });
  return page.frameLocator('#switchboard-chat iframe');
}

/** The browser's session cookie and CSRF token, to call the API as the signed-in admin. */
async function sessionHeaders(page: Page, url: string): Promise<Record<string, string>> {
  const cookies = await page.context().cookies(url);
  return {
    'content-type': 'application/json',
    cookie: cookies.map((c) => `${c.name}=${c.value}`).join('; '),
    'x-csrf-token': cookies.find((c) => c.name === 'sb_csrf')?.value ?? '',
  };
}
