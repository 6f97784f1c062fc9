import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, launchBrowser } from '../helpers/browser.ts';
import { startServerProcess, type ServerProcess } from '../helpers/server.ts';

const SHOTS = join(import.meta.dirname, '..', '..', 'test-results');

describe.skipIf(!hasChromium)('triage hints in the agent workspace, in Chromium', () => {
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

  it('shows beside each field that triage read it from the subject or the message, and nothing beside what was typed', async () => {
    // A ticket filed by an integration without a language or fields, like a mail.
    const filed = await fetch(`${server.url}/api/v1/tickets`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'triage-e2e@example.com', name: '王芳', subject: '交易问题申诉 - 订单号 20261201xxxx', body: '我的UID:48211093,请尽快处理。', coin: 'USDT' }),
    });
    expect(filed.status, await filed.clone().text()).toBe(201);
    const { id } = (await filed.json()) as { id: string };

    const page = await browser.newPage({ viewport: { width: 1366, height: 850 } });
    await page.goto(`${server.url}/agent/conversations/${id}`);
    await page.waitForURL(/\/login/);
    await page.getByTestId('login-email').fill('admin@switchboard.local');
    await page.getByTestId('login-password').fill('switchboard-admin');
    await page.getByTestId('login-submit').click();
    await page.waitForURL(/\/agent/);
    if (!page.url().includes(id)) await page.goto(`${server.url}/agent/conversations/${id}`);

    const fields = page.getByTestId('ticket-fields');
    await fields.waitFor();
    await expect.poll(() => page.getByTestId('field-source-orderId').textContent()).toBe('from subject');
    expect(await page.getByTestId('field-source-uid').textContent()).toBe('from the message');
    expect(await page.getByTestId('field-source-language').textContent()).toBe('from the message');
    expect(await fields.textContent()).toContain('20261201xxxx');
    // The customer typed the coin: no hint.
    expect(await page.getByTestId('field-source-coin').count()).toBe(0);
    await page.screenshot({ path: join(SHOTS, 'agent-triage-hints.png'), fullPage: true });
  }, 120_000);
});
