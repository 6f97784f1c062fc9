import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, launchBrowser } from '../helpers/browser.ts';
import { startServerProcess, type ServerProcess } from '../helpers/server.ts';

const SHOTS = join(import.meta.dirname, '..', '..', 'test-results');
const QUERY = '谷歌验证器丢了';

/** An admin session made with plain fetch: login → cookies. */
async function adminCookies(url: string): Promise<string> {
  const res = await fetch(`${url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'admin@switchboard.local', password: 'switchboard-admin' }),
  });
  expect(res.status).toBe(200);
  return res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
}

describe.skipIf(!hasChromium)('help center in Chromium', () => {
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

  it('a customer searches in Chinese, reads an article and says it helped', async () => {
    const phone = await browser.newPage({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
    const errors: string[] = [];
    phone.on('pageerror', (e) => errors.push(e.message));
    phone.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    await phone.goto(`${server.url}/?lang=zh-CN`);
    expect(await phone.getAttribute('html', 'lang')).toBe('zh-CN');
    await expect.poll(() => phone.getByText('官方客服绝不会索要您的密码').count()).toBeGreaterThan(0);
    await phone.screenshot({ path: join(SHOTS, 'help-home-phone.png'), fullPage: true });

    // Search-as-you-type shows titles; submitting the form still goes to the results page.
    const box = phone.locator('input[name="q"]').first();
    await box.fill(QUERY);
    await phone.locator('ul.sug a').first().waitFor({ timeout: 10_000 });
    await phone.screenshot({ path: join(SHOTS, 'help-suggest-phone.png') });
    await box.press('Enter');
    await phone.waitForURL(/\/help\/search\?/);
    const results = phone.locator('[data-results] li');
    await expect.poll(() => results.count()).toBeGreaterThan(0);
    expect(await phone.locator('[data-results] mark').count()).toBeGreaterThan(0);
    await phone.screenshot({ path: join(SHOTS, 'help-search-phone.png'), fullPage: true });

    const first = results.first().locator('a').first();
    const title = (await first.textContent())!.trim();
    await first.click();
    await phone.waitForURL(/\/help\/articles\//);
    await expect.poll(() => phone.locator('article h1').textContent()).toContain(title);
    await phone.screenshot({ path: join(SHOTS, 'help-article-phone.png'), fullPage: true });
    const slug = new URL(phone.url()).pathname.split('/').pop()!;

    await phone.getByRole('button', { name: '是', exact: true }).click();
    await phone.waitForURL(/feedback=thanks/);
    await expect.poll(() => phone.locator('[data-feedback="thanks"]').textContent()).toContain('感谢您的反馈');
    expect(errors).toEqual([]);

    // The answer is stored: the editors' analytics count it.
    const cookie = await adminCookies(server.url);
    const analytics = (await (await fetch(`${server.url}/api/v1/help/admin/analytics`, { headers: { cookie } })).json()) as {
      articles: { slug: string; helpful: number; views: number }[];
      topSearches: { query: string }[];
    };
    const stats = analytics.articles.find((a) => a.slug === slug);
    expect(stats).toMatchObject({ helpful: 1 });
    expect(stats!.views).toBeGreaterThanOrEqual(1);
    expect(analytics.topSearches.map((s) => s.query)).toContain(QUERY);

    // Desktop, English.
    const desk = await browser.newPage({ viewport: { width: 1366, height: 900 } });
    await desk.goto(`${server.url}/?lang=en`);
    await desk.screenshot({ path: join(SHOTS, 'help-home-desktop.png'), fullPage: true });
    await desk.goto(`${server.url}/help/articles/${slug}?lang=en`);
    expect(await desk.getAttribute('html', 'lang')).toBe('en');
    await desk.screenshot({ path: join(SHOTS, 'help-article-desktop.png'), fullPage: true });
    await desk.goto(`${server.url}/help/articles/no-such-article?lang=en`);
    await expect.poll(() => desk.locator('h1').textContent()).toContain('Page not found');
  }, 180_000);

  it('article pages are plain HTML: readable without JavaScript, with hreflang links', async () => {
    const res = await fetch(`${server.url}/help/articles/reset-google-authenticator?lang=zh-CN`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
    const body = await res.text();
    expect(body).toContain('<html lang="zh-CN">');
    expect(body).toMatch(/<h1>[^<]*谷歌验证器/);
    expect(body).toMatch(/<link rel="alternate" hreflang="en" href="[^"]*\/help\/articles\/reset-google-authenticator\?lang=en">/);
    expect(body).toMatch(/<link rel="alternate" hreflang="zh-CN" href="[^"]*\?lang=zh-CN">/);
    // The only script is the nonce'd suggestions enhancement.
    const nonce = /script-src 'nonce-([^']+)'/.exec(res.headers.get('content-security-policy') ?? '')?.[1];
    expect(nonce).toBeTruthy();
    expect(body.match(/<script/g)).toHaveLength(1);
    expect(body).toContain(`<script nonce="${nonce}">`);

    // Without JavaScript in a real browser the article and the feedback form work the same.
    const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 390, height: 844 } });
    const page = await context.newPage();
    await page.goto(`${server.url}/help/articles/reset-google-authenticator?lang=en`);
    await expect.poll(() => page.locator('article h1').textContent()).toMatch(/Google Authenticator/i);
    await page.getByRole('button', { name: 'No', exact: true }).click();
    await page.waitForURL(/feedback=thanks/);
    expect(await page.locator('[data-feedback="thanks"]').count()).toBe(1);
    await context.close();

    // Unknown pages are an HTML 404 with a search box; hostile input is escaped.
    const missing = await fetch(`${server.url}/help/articles/nope?lang=en`);
    expect(missing.status).toBe(404);
    expect(await missing.text()).toContain('action="/help/search"');
    const xss = await (await fetch(`${server.url}/help/search?q=${encodeURIComponent('<script>alert(1)</script>')}&lang=en`)).text();
    expect(xss).not.toContain('<script>alert(1)</script>');
    expect(xss).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  }, 120_000);
});
