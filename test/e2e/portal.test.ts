import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, launchBrowser } from '../helpers/browser.ts';
import { screenshotPng } from '../helpers/files.ts';
import { startServerProcess, type ServerProcess } from '../helpers/server.ts';

const SHOTS = join(import.meta.dirname, '..', '..', 'test-results');

async function cookieHeader(context: BrowserContext): Promise<string> {
  return (await context.cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
}

interface OutboxItem {
  to: string;
  subject: string;
  text: string;
  conversationId: string | null;
  createdAt: string;
}

describe.skipIf(!hasChromium)('customer portal and agent, in Chromium', () => {
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

  it('a customer files a ticket with a screenshot, an agent answers, the customer follows it, and rates it', async () => {
    const email = `mei.lin.${Date.now()}@example.com`;
    const subject = `Withdrawal stuck for 3 hours ${Date.now()}`;
    const customerCtx = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-US' });
    const agentCtx = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'en-US' });
    const customer = await customerCtx.newPage();
    const agent = await agentCtx.newPage();

    const outbox = async (): Promise<OutboxItem[]> => {
      const res = await fetch(`${server.url}/api/v1/outbox?limit=100`, { headers: { cookie: await cookieHeader(agentCtx) } });
      expect(res.status).toBe(200);
      return ((await res.json()) as { items: OutboxItem[] }).items;
    };

    // 1. The anonymous customer files a ticket with a PNG screenshot.
    await customer.goto(`${server.url}/tickets/new`);
    await customer.getByTestId('ticket-email').fill(email);
    await customer.getByTestId('ticket-name').fill('Mei Lin');
    await customer.getByTestId('ticket-subject').fill(subject);
    await customer.getByTestId('ticket-body').fill('My USDT withdrawal has shown "processing" for 3 hours. Screenshot attached.');
    await customer.getByTestId('ticket-orderId').fill('W-20261124-7781');
    await customer.getByTestId('ticket-coin').fill('USDT');
    await customer.getByTestId('ticket-network').fill('TRC20');
    await customer.getByTestId('ticket-files-input').setInputFiles({ name: 'withdrawal-screenshot.png', mimeType: 'image/png', buffer: screenshotPng() });
    await expect.poll(() => customer.getByTestId('ticket-files-list').textContent()).toContain('withdrawal-screenshot.png');
    await customer.screenshot({ path: join(SHOTS, 'portal-new-ticket.png'), fullPage: true });
    await customer.getByTestId('ticket-submit').click();
    const created = customer.getByTestId('ticket-created');
    await created.waitFor({ timeout: 20_000 });
    const number = Number(await created.getAttribute('data-number'));
    const ticketId = (await created.getAttribute('data-id')) ?? '';
    expect(number).toBeGreaterThan(0);
    expect(await customer.getByTestId('ticket-created-number').textContent()).toBe(`#${number}`);
    expect(await customer.getByTestId('ticket-created-anonymous').textContent()).toContain(email);
    await customer.screenshot({ path: join(SHOTS, 'portal-ticket-created.png'), fullPage: true });

    // 2. The admin signs in, finds it in Unassigned, takes it ("me") with a bulk action and replies.
    await agent.goto(`${server.url}/login`);
    await agent.getByTestId('login-email').fill('admin@switchboard.local');
    await agent.getByTestId('login-password').fill('switchboard-admin');
    await agent.getByTestId('login-submit').click();
    await agent.waitForURL(/\/agent/);
    await agent.getByTestId('view-unassigned').click();
    await agent.waitForURL(/view=unassigned/);
    const row = agent.locator(`[data-testid="conversation-row"][data-number="${number}"]`);
    await row.waitFor({ timeout: 20_000 });
    await row.getByTestId('row-select').check();
    await agent.getByTestId('bulk-bar').waitFor();
    await agent.getByTestId('bulk-assignee').click();
    await agent.getByRole('option', { name: 'Me', exact: true }).click();
    // Assigned: it leaves the Unassigned view.
    await expect.poll(() => row.count(), { timeout: 15_000 }).toBe(0);
    await agent.screenshot({ path: join(SHOTS, 'agent-unassigned-after-bulk.png') });

    await agent.goto(`${server.url}/agent/conversations/${ticketId}`);
    await expect.poll(() => agent.getByTestId('conversation-subject').textContent()).toContain(subject);
    // Filed without signing in: the agent is told the sender has not confirmed the address.
    await agent.getByTestId('unverified-sender').first().waitFor();
    const me = (await (await fetch(`${server.url}/api/v1/auth/me`, { headers: { cookie: await cookieHeader(agentCtx) } })).json()) as { id: string };
    await expect.poll(async () => (await agent.getByTestId('sidebar-assignee').inputValue()) !== 'Unassigned').toBe(true);
    // The customer's screenshot is in the agent's timeline.
    await expect.poll(() => agent.locator('img[alt="withdrawal-screenshot.png"]').count()).toBeGreaterThan(0);
    const reply = `We have checked order W-20261124-7781: the withdrawal is confirmed on-chain. Ref ${Date.now()}`;
    await agent.getByTestId('composer-input').fill(reply);
    await agent.getByTestId('composer-send').click();
    await expect.poll(() => agent.getByText(reply).count(), { timeout: 15_000 }).toBeGreaterThan(0);
    await agent.screenshot({ path: join(SHOTS, 'agent-ticket-replied.png') });

    const conv = (await (await fetch(`${server.url}/api/v1/conversations/${ticketId}`, { headers: { cookie: await cookieHeader(agentCtx) } })).json()) as { assigneeId: string };
    expect(conv.assigneeId).toBe(me.id);

    // 3. The customer signs in with the emailed code.
    await customer.goto(`${server.url}/tickets/login`);
    await customer.getByTestId('portal-email').fill(email);
    await customer.getByTestId('portal-send-code').click();
    await customer.getByTestId('portal-code-sent').waitFor();
    let code = '';
    await expect
      .poll(
        async () => {
          const mail = (await outbox()).find((m) => m.to.includes(email) && /\b\d{6}\b/.test(m.text) && !m.conversationId);
          code = /\b(\d{6})\b/.exec(mail?.text ?? '')?.[1] ?? '';
          return code;
        },
        { timeout: 20_000 },
      )
      .toMatch(/^\d{6}$/);
    await customer.getByTestId('portal-code').fill(code);
    await customer.getByTestId('portal-verify').click();
    await customer.waitForURL(/\/tickets$/);
    const myRow = customer.locator(`[data-testid="my-ticket-row"][data-number="${number}"]`);
    await myRow.waitFor();
    await customer.screenshot({ path: join(SHOTS, 'portal-my-tickets.png'), fullPage: true });
    await myRow.click();
    await customer.waitForURL(new RegExp(`/tickets/${ticketId}$`));
    await expect.poll(() => customer.getByText(reply).count(), { timeout: 15_000 }).toBeGreaterThan(0);
    const image = customer.locator('[data-testid="ticket-attachment"][data-kind="image"] img');
    await expect.poll(() => image.count()).toBe(1);
    await expect.poll(() => image.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBe(120);
    await customer.screenshot({ path: join(SHOTS, 'portal-ticket.png'), fullPage: true });

    // 4. The reply went out by email too.
    await expect.poll(async () => (await outbox()).some((m) => m.to.includes(email) && m.text.includes(reply)), { timeout: 20_000 }).toBe(true);

    // 5. The agent solves it; the customer rates it 5 with a comment.
    await agent.getByTestId('sidebar-status').click();
    await agent.getByRole('option', { name: 'Solved', exact: true }).click();
    await expect.poll(async () => ((await (await fetch(`${server.url}/api/v1/conversations/${ticketId}`, { headers: { cookie: await cookieHeader(agentCtx) } })).json()) as { status: string }).status, { timeout: 15_000 }).toBe('solved');

    await customer.reload();
    await customer.getByTestId('csat-form').waitFor({ timeout: 15_000 });
    expect(await customer.getByTestId('ticket-status').getAttribute('data-status')).toBe('solved');
    const fiveId = await customer.getByTestId('csat-stars').locator('input[value="5"]').getAttribute('id');
    await customer.locator(`label[for="${fiveId}"]`).click();
    await customer.getByTestId('csat-comment').fill('Fast and clear, thank you!');
    await customer.screenshot({ path: join(SHOTS, 'portal-csat.png'), fullPage: true });
    await customer.getByTestId('csat-submit').click();
    await customer.getByTestId('csat-given').waitFor();
    expect(await customer.getByTestId('csat-given').getAttribute('data-score')).toBe('5');
    await customer.screenshot({ path: join(SHOTS, 'portal-rated.png'), fullPage: true });

    const rated = (await (await fetch(`${server.url}/api/v1/conversations/${ticketId}`, { headers: { cookie: await cookieHeader(agentCtx) } })).json()) as {
      csat: { score: number; comment: string | null } | null;
    };
    expect(rated.csat).toEqual(expect.objectContaining({ score: 5, comment: 'Fast and clear, thank you!' }));

    await customerCtx.close();
    await agentCtx.close();
  }, 180_000);

  it('the link in the confirmation email opens a page that confirms the address and shows the ticket', async () => {
    const email = `confirm.${Date.now()}@example.com`;
    const subject = `Deposit not credited ${Date.now()}`;
    const filed = await fetch(`${server.url}/api/v1/tickets`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, subject, body: 'My TRC20 USDT deposit has 30 confirmations but is not credited.' }),
    });
    expect(filed.status).toBe(201);
    const { id, number } = (await filed.json()) as { id: string; number: number };

    const login = await fetch(`${server.url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'admin@switchboard.local', password: 'switchboard-admin' }) });
    const adminCookie = login.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
    let link = '';
    await expect
      .poll(
        async () => {
          const items = ((await (await fetch(`${server.url}/api/v1/outbox?limit=100`, { headers: { cookie: adminCookie } })).json()) as { items: OutboxItem[] }).items;
          const mail = items.find((m) => m.to === email);
          // Our text only: the subject the sender typed is not in it.
          if (mail) expect(`${mail.subject}\n${mail.text}`).not.toContain(subject);
          link = /https?:\/\/\S+\/tickets\/confirm\?token=[\w-]+/.exec(mail?.text ?? '')?.[0] ?? '';
          return link;
        },
        { timeout: 20_000 },
      )
      .toMatch(/token=/);

    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-US' });
    const page = await context.newPage();
    await page.goto(`${server.url}${new URL(link).pathname}${new URL(link).search}`);
    await page.getByTestId('confirm-page').waitFor();
    await page.screenshot({ path: join(SHOTS, 'portal-confirm.png'), fullPage: true });
    await page.getByTestId('confirm-submit').click();
    await page.waitForURL(new RegExp(`/tickets/${id}$`), { timeout: 20_000 });
    await expect.poll(() => page.getByText(subject).count(), { timeout: 15_000 }).toBeGreaterThan(0);
    // Signed in as that customer now: the ticket is in My tickets.
    await page.goto(`${server.url}/tickets`);
    await page.locator(`[data-testid="my-ticket-row"][data-number="${number}"]`).waitFor({ timeout: 15_000 });

    // The link works once.
    const again = await browser.newContext({ locale: 'en-US' });
    const second = await again.newPage();
    await second.goto(`${server.url}${new URL(link).pathname}${new URL(link).search}`);
    await second.getByTestId('confirm-submit').click();
    await second.getByTestId('confirm-error').waitFor();
    await again.close();
    await context.close();
  }, 120_000);
});

