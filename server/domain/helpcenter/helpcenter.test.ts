import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DB_KINDS } from '../../../test/helpers/db.ts';
import { TINY_PNG, multipartBody } from '../../../test/helpers/files.ts';
import { asSystem, createTestApp, loginAgent, makeAgent, type Session, type TestApp } from '../../../test/helpers/app.ts';
import { parseArticleFile, serializeArticleFile } from './frontMatter.ts';
import { articleExporter, articleImporter } from './importExport.ts';
import { renderMarkdown } from './markdown.ts';

describe('article HTML', () => {
  it('escapes or drops everything a writer could inject', () => {
    const html = renderMarkdown(
      [
        '<script>alert(1)</script>',
        '<img src=x onerror=alert(1)>',
        '[click](javascript:alert(1))',
        '![x](javascript:alert(1))',
        '<iframe src="https://evil.example"></iframe>',
        '**bold** <b onclick="x()">raw</b> [ok](https://example.com "t")',
      ].join('\n\n'),
    );
    // Only inert text may remain: no tag, attribute or URL that could run.
    expect(html).not.toMatch(/<script|<iframe|<img[^>]*onerror|<[^>]+\sonclick=|(href|src)="javascript:|<img src="?x/i);
    expect(html).toContain('&lt;script&gt;');
    expect(html).toContain('<strong>bold</strong>');
    expect(html).toContain('<a href="https://example.com" title="t" rel="noopener noreferrer nofollow">ok</a>');
  });
});

describe('article files', () => {
  it('round-trip titles and tags that need quoting', () => {
    const file = {
      slug: 'tricky',
      locale: 'zh-CN',
      type: 'faq' as const,
      title: '"引号": 冒号, and # hash',
      category: 'account-security',
      section: 'two-factor',
      tags: ['2FA', 'a, b', '谷歌验证'],
      published: '2026-10-01T08:00:00.000Z',
      draft: true,
      position: 3,
      body: '# 标题\n\n- 一\n- 二\n',
    };
    expect(parseArticleFile(serializeArticleFile(file))).toEqual(file);
  });
});

const STRUCTURE = {
  categories: [
    {
      slug: 'account-security',
      name: { en: 'Account & security', 'zh-CN': '账户与安全' },
      description: { en: 'Login and 2FA', 'zh-CN': '登录与二次验证' },
      sections: [{ slug: 'two-factor', name: { en: 'Two-factor authentication', 'zh-CN': '二次验证' } }],
    },
    { slug: 'deposits', name: { en: 'Deposits', 'zh-CN': '充值' }, description: {}, sections: [{ slug: 'missing-deposits', name: { en: 'Missing deposits', 'zh-CN': '充值未到账' } }] },
  ],
};

const ARTICLES: Record<string, string> = {
  'reset-2fa.zh-CN.md': '---\nslug: reset-2fa\nlocale: zh-CN\ntype: article\ntitle: 如何重置谷歌验证器\ncategory: account-security\nsection: two-factor\ntags: [2FA, 谷歌验证]\n---\n手机丢了?可以通过**身份验证**重置二次验证。\n',
  'reset-2fa.en.md': '---\nslug: reset-2fa\nlocale: en\ntype: article\ntitle: How to reset Google Authenticator\ncategory: account-security\nsection: two-factor\ntags: [2FA]\n---\nLost your phone? Reset two-factor authentication after an identity check.\n',
  'deposit-missing.zh-CN.md': '---\nslug: deposit-missing\nlocale: zh-CN\ntype: faq\ntitle: 充值未到账怎么办\ncategory: deposits\nsection: missing-deposits\ntags: [充值]\n---\n请核对网络与地址,并提供交易哈希。\n',
  'draft-only.en.md': '---\nslug: draft-only\nlocale: en\ntitle: Secret draft about withdrawals\ncategory: deposits\ntags: []\ndraft: true\n---\nNot yet.\n',
};

describe.each(DB_KINDS)('help center on %s', (kind) => {
  let t: TestApp;
  let dir: string;
  let editor: Session;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sb-help-'));
    t = await createTestApp(kind, { DATA_DIR: join(dir, 'data') });
    mkdirSync(join(dir, 'articles'));
    writeFileSync(join(dir, 'structure.json'), JSON.stringify(STRUCTURE));
    for (const [name, text] of Object.entries(ARTICLES)) writeFileSync(join(dir, 'articles', name), text);
    editor = await loginAgent(t, (await makeAgent(t, { role: 'supervisor' })).email);
  });
  afterAll(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('imports a folder and exports it again without loss', async () => {
    expect(await asSystem(t, (ctx) => articleImporter(ctx, dir))).toEqual({ articles: 3, translations: 4 });
    const out = mkdtempSync(join(tmpdir(), 'sb-help-out-'));
    try {
      await asSystem(t, (ctx) => articleExporter(ctx, out));
      const files = readdirSync(join(out, 'articles')).sort();
      expect(files).toEqual(Object.keys(ARTICLES).sort());
      for (const name of files) {
        const a = parseArticleFile(readFileSync(join(out, 'articles', name), 'utf8'));
        const b = parseArticleFile(ARTICLES[name]!);
        expect({ ...a, position: undefined }).toEqual({ ...b, position: undefined });
      }
      expect(JSON.parse(readFileSync(join(out, 'structure.json'), 'utf8'))).toEqual(STRUCTURE);
      // Importing the export again changes nothing: still one version each.
      await asSystem(t, (ctx) => articleImporter(ctx, out));
      const list = (await editor.request('GET', '/api/v1/help/admin/articles')).json().items;
      expect(list.flatMap((a: { translations: { version: number }[] }) => a.translations.map((x) => x.version))).toEqual([1, 1, 1, 1]);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it('searches published articles in Chinese and English, never drafts, and logs searches with no result', async () => {
    const zh = (await t.app.inject({ method: 'GET', url: `/api/v1/help/search?q=${encodeURIComponent('谷歌验证丢了')}` })).json();
    expect(zh.locale).toBe('zh-CN');
    expect(zh.items[0]).toMatchObject({ slug: 'reset-2fa', title: '如何重置谷歌验证器', url: '/help/articles/reset-2fa?lang=zh-CN' });
    expect(zh.items[0].snippetHtml).toContain('<mark>');
    const en = (await t.app.inject({ method: 'GET', url: '/api/v1/help/search?q=lost+phone+authenticator&locale=en' })).json();
    expect(en.items[0].slug).toBe('reset-2fa');
    const draft = (await t.app.inject({ method: 'GET', url: '/api/v1/help/search?q=secret+draft&locale=en' })).json();
    expect(draft.items).toEqual([]);
    const analytics = (await editor.request('GET', '/api/v1/help/admin/analytics')).json();
    expect(analytics.noResults).toEqual(expect.arrayContaining([expect.objectContaining({ query: 'secret draft' })]));
  });

  it('updates the index when an editor publishes a translation', async () => {
    const list = (await editor.request('GET', '/api/v1/help/admin/articles')).json().items;
    const draft = list.find((a: { slug: string }) => a.slug === 'draft-only');
    const saved = await editor.request('PUT', `/api/v1/help/admin/articles/${draft.id}/translations/en`, { title: 'Withdrawal limits explained', body: 'Daily withdrawal limits depend on your verification level.', published: true });
    expect(saved.json()).toEqual({ version: 2, published: true });
    let found: { items: { slug: string }[] } = { items: [] };
    for (let i = 0; i < 50 && !found.items.length; i++) {
      found = (await t.app.inject({ method: 'GET', url: '/api/v1/help/search?q=withdrawal+limits&locale=en' })).json();
      if (!found.items.length) await new Promise((r) => setTimeout(r, 20));
    }
    expect(found.items[0]?.slug).toBe('draft-only');
    const versions = (await editor.request('GET', `/api/v1/help/admin/articles/${draft.id}/translations/en/versions`)).json().items;
    expect(versions.map((v: { version: number }) => v.version)).toEqual([2, 1]);
    const restored = await editor.request('POST', `/api/v1/help/admin/articles/${draft.id}/translations/en/versions/1/restore`);
    expect(restored.json()).toEqual({ version: 3 });
  });

  it('suggests articles for a draft ticket and counts a deflection when one is opened and no ticket follows', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/help/deflect', payload: { text: '我的充值一直没到账,交易哈希已经确认了', source: 'ticket_form' } });
    const { deflectionId, items } = res.json();
    expect(items[0].slug).toBe('deposit-missing');
    expect((await t.app.inject({ method: 'POST', url: `/api/v1/help/deflections/${deflectionId}/open`, payload: { articleId: items[0].id } })).statusCode).toBe(204);
    // Refreshing the same draft's suggestions keeps one record.
    const again = await t.app.inject({ method: 'POST', url: '/api/v1/help/deflect', payload: { text: '充值没到账', deflectionId } });
    expect(again.json().deflectionId).toBe(deflectionId);
    // A second draft: suggested, then a ticket is filed anyway.
    const second = (await t.app.inject({ method: 'POST', url: '/api/v1/help/deflect', payload: { text: 'reset google authenticator lost phone' } })).json();
    const filed = await t.app.inject({ method: 'POST', url: '/api/v1/tickets', payload: { email: 'x@example.com', subject: '2FA', body: 'still stuck', deflectionId: second.deflectionId } });
    expect(filed.statusCode).toBe(201);
    const { deflection } = (await editor.request('GET', '/api/v1/help/admin/analytics')).json();
    expect(deflection).toMatchObject({ suggested: 2, opened: 1, deflected: 1, filed: 1, rate: 0.5 });
  });

  it('takes images for articles from editors only and serves them publicly', async () => {
    const png = TINY_PNG;
    const upload = (content: Buffer) => multipartBody({}, [{ name: 'a.png', content, type: 'image/png' }]);
    const send = (content: Buffer) => {
      const { payload, headers } = upload(content);
      return editor.request('POST', '/api/v1/help/admin/images', payload, headers);
    };
    const res = await send(png);
    expect(res.statusCode, res.body).toBe(201);
    const image = await t.app.inject({ method: 'GET', url: res.json().url });
    expect(image.statusCode).toBe(200);
    expect(image.headers['content-type']).toBe('image/png');
    expect((await send(Buffer.from('just text, not an image'))).statusCode).toBe(415);
    const anonymous = upload(png);
    expect((await t.app.inject({ method: 'POST', url: '/api/v1/help/admin/images', payload: anonymous.payload, headers: anonymous.headers })).statusCode).toBe(401);
  });

  it('serves an article as HTML with a visible fallback, records views and helpfulness', async () => {
    const en = (await t.app.inject({ method: 'GET', url: '/api/v1/help/articles/deposit-missing?locale=en' })).json();
    expect(en).toMatchObject({ locale: 'zh-CN', fallback: true, locales: ['zh-CN'] });
    expect((await t.app.inject({ method: 'POST', url: '/api/v1/help/articles/deposit-missing/feedback', payload: { helpful: true, locale: 'zh-CN' } })).statusCode).toBe(204);
    expect((await t.app.inject({ method: 'POST', url: '/api/v1/help/articles/nope/feedback', payload: { helpful: true } })).statusCode).toBe(404);
    const stats = (await editor.request('GET', '/api/v1/help/admin/analytics')).json().articles.find((a: { slug: string }) => a.slug === 'deposit-missing');
    expect(stats).toMatchObject({ views: 1, helpful: 1, notHelpful: 0 });
  });
});
