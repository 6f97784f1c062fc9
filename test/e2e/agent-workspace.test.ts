import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, launchBrowser } from '../helpers/browser.ts';
import { startServerProcess, type ServerProcess } from '../helpers/server.ts';

const SHOTS = join(import.meta.dirname, '..', '..', 'test-results');

describe.skipIf(!hasChromium)('agent workspace in Chromium', () => {
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

  it('an agent logs in, opens a seeded conversation, reads its timeline and replies', async () => {
    const page = await browser.newPage({ viewport: { width: 1366, height: 850 } });
    await page.goto(`${server.url}/agent`);
    // Not signed in: the app sends us to the login page.
    await page.waitForURL(/\/login/);
    await page.getByTestId('login-email').fill('zhang.min@switchboard.local');
    await page.getByTestId('login-password').fill('switchboard-demo');
    await page.getByTestId('login-submit').click();
    await page.waitForURL(/\/agent/);

    const row = page.getByTestId('conversation-row').filter({ hasText: 'Someone logged into my account' });
    await row.first().waitFor();
    await page.screenshot({ path: join(SHOTS, 'agent-inbox.png') });
    await row.first().click();

    await page.waitForURL(/\/agent\/conversations\/[0-9a-f-]{36}/);
    await expect.poll(() => page.getByTestId('conversation-subject').textContent()).toContain('Someone logged into my account');
    const timeline = page.getByTestId('timeline-message');
    await expect.poll(() => timeline.count()).toBeGreaterThanOrEqual(3);
    await expect.poll(() => page.getByText('Please freeze my account now!').count()).toBeGreaterThan(0);
    // The private note is in the timeline for the agent.
    await expect.poll(() => page.getByText('Escalating to security on-call').count()).toBeGreaterThan(0);

    const reply = `Your account is frozen; reference ${Date.now()}`;
    await page.getByTestId('composer-input').fill(reply);
    await page.getByTestId('composer-send').click();
    await expect.poll(() => page.getByText(reply).count(), { timeout: 15_000 }).toBeGreaterThan(0);
    await page.screenshot({ path: join(SHOTS, 'agent-conversation.png'), fullPage: true });

    // The reply really reached the server: it is in the API's message list.
    const cookies = await page.context().cookies();
    const res = await fetch(`${server.url}/api/v1/conversations/${page.url().split('/').pop()}/messages`, {
      headers: { cookie: cookies.map((c) => `${c.name}=${c.value}`).join('; ') },
    });
    const body = (await res.json()) as { items: { body: string; direction: string; authorName: string }[] };
    expect(body.items.filter((m) => m.body === reply)).toEqual([expect.objectContaining({ direction: 'out', authorName: '张敏 Zhang Min' })]);
  }, 120_000);

  it('an agent changes their password on the Security page: the current one is asked for, other sessions end', async () => {
    const email = 'admin@switchboard.local';
    const login = (password: string) => fetch(`${server.url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) });
    // Another session of the same agent, elsewhere: a browser with the workspace open.
    const otherCtx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const otherPage = await otherCtx.newPage();
    await otherPage.goto(`${server.url}/login`);
    await otherPage.getByTestId('login-email').fill(email);
    await otherPage.getByTestId('login-password').fill('switchboard-admin');
    await otherPage.getByTestId('login-submit').click();
    await otherPage.waitForURL(/\/agent/);
    const otherCookie = (await otherCtx.cookies()).map((c) => `${c.name}=${c.value}`).join('; ');

    const page = await browser.newPage({ viewport: { width: 1366, height: 850 } });
    await page.goto(`${server.url}/login`);
    await page.getByTestId('login-email').fill(email);
    await page.getByTestId('login-password').fill('switchboard-admin');
    await page.getByTestId('login-submit').click();
    await page.waitForURL(/\/agent/);
    await page.goto(`${server.url}/agent/security`);

    // A wrong current password is refused and changes nothing.
    await page.getByTestId('password-current').fill('not my password');
    await page.getByTestId('password-new').fill('a brand new admin passphrase');
    await page.getByTestId('password-confirm').fill('a brand new admin passphrase');
    await page.getByTestId('password-change').click();
    await expect.poll(() => page.getByRole('alert').filter({ hasText: 'current password' }).count()).toBeGreaterThan(0);

    await page.getByTestId('password-current').fill('switchboard-admin');
    await page.getByTestId('password-change').click();
    await expect.poll(() => page.getByTestId('password-current').inputValue()).toBe('');
    await page.screenshot({ path: join(SHOTS, 'agent-security-password.png'), fullPage: true });

    expect((await login('switchboard-admin')).status).toBe(401);
    expect((await login('a brand new admin passphrase')).status).toBe(200);
    // The other session ended; this page's session goes on.
    expect((await fetch(`${server.url}/api/v1/auth/me`, { headers: { cookie: otherCookie } })).status).toBe(401);
    const mine = (await page.context().cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
    expect((await fetch(`${server.url}/api/v1/auth/me`, { headers: { cookie: mine } })).status).toBe(200);
    // The other browser's socket was cut with its session: it goes to the sign-in page by itself, untouched.
    await otherPage.waitForURL(/\/login/, { timeout: 15_000 });
    await otherCtx.close();
  }, 120_000);
});
