import type { Services } from '../../domain/context.ts';

/**
 * The landing page until the help center (its own issue) takes over `/`: server-rendered,
 * no script, and honest about what is there.
 */
export function homePage(_services: Services): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Switchboard Support · 客服中心</title>
<style>
  body { font: 16px/1.5 system-ui, -apple-system, "PingFang SC", "Microsoft YaHei", sans-serif; margin: 0; color: #1a1b1e; background: #f8f9fa; }
  main { max-width: 720px; margin: 0 auto; padding: 48px 20px; }
  h1 { font-size: 28px; margin: 0 0 8px; }
  .card { background: #fff; border: 1px solid #e9ecef; border-radius: 8px; padding: 20px 24px; margin: 20px 0; }
  a { color: #1c7ed6; }
  .muted { color: #868e96; font-size: 14px; }
</style>
</head>
<body>
<main>
  <h1>Switchboard Support <span class="muted">客服中心</span></h1>
  <p>Support staff sign in to the agent workspace; integrations use the API.</p>
  <div class="card">
    <p><a href="/agent">Agent workspace · 客服工作台</a></p>
    <p><a href="/admin">Administration · 管理后台</a></p>
    <p><a href="/api/docs">API documentation · API 文档</a></p>
  </div>
  <p class="muted">Official support never asks for your password, 2FA codes, API secret keys or seed phrase.<br>官方客服绝不会索要您的密码、二次验证码、API 密钥或助记词。</p>
</main>
</body>
</html>`;
}
