import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DB_KINDS } from '../../../../test/helpers/db.ts';
import { asSystem, createTestApp, makeAgent, type TestApp } from '../../../../test/helpers/app.ts';
import { agentUpdater } from '../../../domain/directory/agents.ts';
import { inboxCreator } from '../../../domain/directory/inboxes.ts';

describe.each(DB_KINDS)('the /contact page on %s', (kind) => {
  let t: TestApp;
  beforeEach(async () => {
    t = await createTestApp(kind);
  });
  afterEach(async () => t.close());

  const page = async (lang = 'en') => {
    const res = await t.app.inject({ method: 'GET', url: `/contact?lang=${lang}` });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/html');
    return res.body;
  };

  it('lists every channel with its live status, showing public addresses only', async () => {
    await asSystem(t, async (ctx) => {
      await inboxCreator(ctx, { kind: 'webchat', name: 'Web chat', enabled: true, settings: {} });
      await inboxCreator(ctx, { kind: 'email', name: 'Support <script>alert(1)</script>', enabled: true, settings: { address: 'support@exchange.example', password: 'smtp-hunter2' } });
      await inboxCreator(ctx, { kind: 'telegram', name: 'Telegram bot', enabled: false, settings: { username: 'ExchangeHelpBot', botToken: '123:secret-token' } });
    });
    const offline = await page();
    expect(offline).toContain('No agent online right now');
    expect(offline).toContain('data-status="off"');
    expect(offline).toContain('href="mailto:support@exchange.example"');
    expect(offline).toContain('href="https://t.me/ExchangeHelpBot"');
    expect(offline).toContain('Temporarily unavailable');
    expect(offline).not.toContain('smtp-hunter2');
    expect(offline).not.toContain('secret-token');
    expect(offline).not.toContain('<script>alert(1)</script>');
    expect(offline).toContain('&lt;script&gt;');

    const agent = await makeAgent(t);
    await asSystem(t, (ctx) => agentUpdater(ctx, agent.id, { status: 'online' }));
    const online = await page('zh-CN');
    expect(online).toContain('联系我们');
    expect(online).toContain('现在可用');
    expect(online).toContain('1 位客服在线');
    expect(online).toContain('href="/chat?lang=zh-CN"');
  });
});
