import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, FrameLocator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { hasChromium, launchBrowser } from '../helpers/browser.ts';
import { createTestDatabase, TEST_DATABASE_URL, type TestDatabase } from '../helpers/db.ts';
import { screenshotPng } from '../helpers/files.ts';
import { startServerProcess, type ServerProcess } from '../helpers/server.ts';

const SHOTS = join(import.meta.dirname, '..', '..', 'test-results');
const REDIS = process.env.TEST_REDIS_URL;
if (process.env.CI === 'true' && !REDIS) throw new Error('CI=true but TEST_REDIS_URL is not set: the two-process chat test would be skipped');

/**
 * Issue #5's browser test: two server processes on one PostgreSQL and Redis. The customer starts a
 * chat from the widget on process A; the agent works on process B.
 */
describe.runIf(hasChromium && TEST_DATABASE_URL && REDIS)('live chat across two processes, in Chromium', () => {
  let db: TestDatabase;
  let a: ServerProcess;
  let b: ServerProcess;
  let browser: Browser;
  const dataDir = mkdtempSync(join(tmpdir(), 'sb-chat-live-'));

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    db = await createTestDatabase('postgres');
    const env = { DATABASE_URL: db.url!, REDIS_URL: REDIS!, SEED_DEMO: '1', DATA_DIR: dataDir };
    [a, b, browser] = await Promise.all([startServerProcess(env), startServerProcess(env), launchBrowser()]);
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await Promise.all([a?.stop(), b?.stop()]);
    await db?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('customer starts a chat in the widget, the agent accepts, both exchange messages and images, typing and read receipts show, a reload shows the history once, the agent ends it and the customer rates it', async () => {
    // --- The agent signs in on process B and goes online from the header.
    const agentCtx = await browser.newContext({ viewport: { width: 1366, height: 860 }, locale: 'en-US' });
    const agent = await agentCtx.newPage();
    await agent.goto(`${b.url}/login?next=/agent/chats`);
    await agent.getByTestId('login-email').fill('zhang.min@switchboard.local');
    await agent.getByTestId('login-password').fill('switchboard-demo');
    await agent.getByTestId('login-submit').click();
    await agent.waitForURL(/\/agent\/chats/);
    await agent.getByTestId('live-chats').waitFor();
    await agent.getByTestId('presence-switch').click();
    await agent.getByTestId('presence-online').click();
    await expect.poll(() => agent.getByTestId('presence-switch').getAttribute('data-status')).toBe('online');
    await expect.poll(() => agent.getByTestId('live-not-online').count()).toBe(0);

    // --- The customer opens the widget on a shop page served from process A and starts a chat.
    const customerCtx = await browser.newContext({ viewport: { width: 1100, height: 800 }, locale: 'en-US' });
    const customer = await customerCtx.newPage();
    const shop = `<!doctype html><html lang="en"><head><title>Shop</title></head><body><h1>Some shop</h1><script src="${a.url}/widget.js"></script></body></html>`;
    // Served from an origin of its own (another port), like a real shop: our pages' CSP does not apply there.
    const shopServer = createServer((_req, res) => res.setHeader('content-type', 'text/html; charset=utf-8').end(shop));
    await new Promise<void>((resolve) => shopServer.listen(0, '127.0.0.1', resolve));
    onTestFinished(() => void shopServer.close());
    await customer.goto(`http://127.0.0.1:${(shopServer.address() as AddressInfo).port}/`);
    const openWidget = async () => {
      await customer.locator('#switchboard-chat button.b').click();
      return customer.frameLocator('#switchboard-chat iframe');
    };
    let chat: FrameLocator = await openWidget();
    await chat.getByTestId('chat-prechat').waitFor({ timeout: 20_000 });
    await chat.getByTestId('chat-category').click();
    await chat.getByRole('option', { name: 'Login & 2FA' }).click();
    await chat.getByTestId('chat-description').fill('My 2FA app was on my old phone and I cannot log in');
    await chat.getByTestId('chat-name').fill('Visitor Chen');
    await chat.getByTestId('chat-email').fill(`visitor.chen.${Date.now()}@example.com`);
    await chat.getByTestId('chat-start').click();
    const session = chat.getByTestId('chat-session');
    await session.waitFor({ timeout: 20_000 });
    const id = (await session.getAttribute('data-id')) ?? '';
    expect(id).toMatch(/^[0-9a-f-]{36}$/);

    // --- Routing offers it to the agent: the badge pulses, the offer card counts down; the customer is told.
    await expect.poll(() => agent.getByTestId('live-badge').getAttribute('data-offered'), { timeout: 45_000 }).toBe('1');
    const offer = agent.getByTestId('live-offer').and(agent.locator(`[data-id="${id}"]`));
    await offer.waitFor({ timeout: 20_000 });
    await expect.poll(() => agent.getByTestId('live-offer-countdown').first().textContent()).toMatch(/\d:\d\d/);
    await expect.poll(() => session.getAttribute('data-state'), { timeout: 20_000 }).toBe('offered');
    await agent.screenshot({ path: join(SHOTS, 'chat-live-offer.png') });
    await customer.screenshot({ path: join(SHOTS, 'chat-live-connecting.png') });

    await offer.getByTestId('live-accept').click();
    await agent.waitForURL(new RegExp(`/agent/conversations/${id}`));
    await agent.getByTestId('chat-controls').waitFor();
    await expect.poll(() => session.getAttribute('data-state'), { timeout: 20_000 }).toBe('assigned');
    await expect.poll(() => chat.getByText('Zhang Min joined the chat.').count(), { timeout: 20_000 }).toBe(1);

    // --- The agent types: the customer sees it; the agent sends with Enter.
    const composer = agent.getByTestId('composer-input');
    await composer.pressSequentially('Hello', { delay: 20 });
    await chat.getByTestId('chat-agent-typing').waitFor({ timeout: 15_000 });
    expect(await chat.getByTestId('chat-agent-typing').textContent()).toContain('Zhang Min');
    const hello = `Hello, I am Zhang Min. Let us get your 2FA reset. Ref ${Date.now()}`;
    await composer.fill(hello);
    await composer.press('Enter');
    await expect.poll(() => chat.getByText(hello).count(), { timeout: 15_000 }).toBe(1);
    await expect.poll(() => chat.getByTestId('chat-agent-typing').count(), { timeout: 15_000 }).toBe(0);

    // --- The customer types (the agent sees it), answers, and sends a screenshot.
    const input = chat.getByTestId('chat-input');
    await input.pressSequentially('My UID', { delay: 20 });
    await agent.getByTestId('customer-typing').waitFor({ timeout: 15_000 });
    const answer = `My UID is 88001234 ${Date.now()}`;
    await input.fill(answer);
    await input.press('Enter');
    await expect.poll(() => agent.getByText(answer).count(), { timeout: 15_000 }).toBe(1);
    await chat.getByTestId('chat-file-input').setInputFiles({ name: 'old-phone-2fa.png', mimeType: 'image/png', buffer: screenshotPng() });
    await chat.getByTestId('chat-send').click();
    await expect.poll(() => agent.locator('img[alt="old-phone-2fa.png"]').count(), { timeout: 15_000 }).toBe(1);

    // The agent has the conversation open, so what the customer sent is read; the customer sees "Read".
    await expect.poll(() => chat.getByTestId('chat-read').count(), { timeout: 15_000 }).toBe(1);

    // --- The agent sends an image back.
    await agent.getByTestId('composer-file-input').setInputFiles({ name: 'reset-steps.png', mimeType: 'image/png', buffer: screenshotPng(90, 60) });
    await agent.getByTestId('composer-files').waitFor();
    await composer.fill('Here are the reset steps.');
    await agent.getByTestId('composer-send').click();
    await expect.poll(() => chat.locator('img[alt="reset-steps.png"]').count(), { timeout: 15_000 }).toBe(1);
    // The image really loads for the customer (served to the participant only).
    await expect.poll(() => chat.locator('img[alt="reset-steps.png"]').evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth), { timeout: 15_000 }).toBe(90);
    // The customer's page is visible: the agent sees "Seen".
    await agent.getByTestId('customer-seen').waitFor({ timeout: 15_000 });
    await agent.screenshot({ path: join(SHOTS, 'chat-live-agent.png') });
    await customer.screenshot({ path: join(SHOTS, 'chat-live-customer.png') });

    // --- The customer reloads mid-chat: the widget resumes the same chat with every message once.
    await customer.reload();
    chat = await openWidget();
    const resumed = chat.getByTestId('chat-session');
    await resumed.waitFor({ timeout: 20_000 });
    expect(await resumed.getAttribute('data-id')).toBe(id);
    await expect.poll(() => chat.getByText(hello).count(), { timeout: 15_000 }).toBe(1);
    await expect.poll(() => chat.locator('img[alt="old-phone-2fa.png"]').count(), { timeout: 15_000 }).toBe(1);
    await customer.waitForTimeout(1500);
    expect(await chat.getByText(hello).count()).toBe(1);
    expect(await chat.getByText(answer).count()).toBe(1);
    expect(await chat.locator('img[alt="reset-steps.png"]').count()).toBe(1);
    const seqs = await chat.getByTestId('chat-message').evaluateAll((els) => els.map((e) => e.getAttribute('data-seq')));
    expect(seqs.length).toBeGreaterThanOrEqual(4);
    expect(new Set(seqs).size).toBe(seqs.length);

    // --- The agent ends the chat; the customer is asked to rate it and gives 4 stars.
    await agent.getByTestId('chat-end-agent').click();
    await agent.getByTestId('confirm-ok').click();
    await agent.getByTestId('chat-ended-bar').waitFor({ timeout: 15_000 });
    await chat.getByTestId('csat-form').waitFor({ timeout: 20_000 });
    const fourId = await chat.getByTestId('csat-stars').locator('input[value="4"]').getAttribute('id');
    await chat.locator(`label[for="${fourId}"]`).click();
    await chat.getByTestId('csat-comment').fill('Solved in minutes');
    await chat.getByTestId('csat-submit').click();
    await chat.getByTestId('csat-given').waitFor({ timeout: 15_000 });
    expect(await chat.getByTestId('csat-given').getAttribute('data-score')).toBe('4');
    await customer.screenshot({ path: join(SHOTS, 'chat-live-rated.png') });

    // The rating and the end are stored once, and visible to the agent on the other process.
    await expect.poll(() => agent.evaluate(async (cid) => (await (await fetch(`/api/v1/conversations/${cid}`)).json()).csat?.score, id), { timeout: 15_000 }).toBe(4);
    const state = await agent.evaluate(async (cid) => (await (await fetch(`/api/v1/conversations/${cid}`)).json()) as { status: string; mode: string }, id);
    expect(state).toMatchObject({ status: 'solved', mode: 'live' });
    await customerCtx.close();
    await agentCtx.close();
  }, 240_000);
});
