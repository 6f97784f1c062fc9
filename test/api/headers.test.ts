import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LightMyRequestResponse } from 'fastify';
import { WidgetOrigin } from '../../common/schemas.ts';
import { DB_KINDS } from '../helpers/db.ts';
import { createTestApp, loginAgent, makeAgent, type Session, type TestApp } from '../helpers/app.ts';
import { API, expectError } from './helpers.ts';

/** The directives of a Content-Security-Policy header, by name. */
function csp(res: LightMyRequestResponse): Map<string, string> {
  const header = String(res.headers['content-security-policy'] ?? '');
  return new Map(header.split(';').map((d) => d.trim()).filter(Boolean).map((d) => [d.split(/\s+/)[0]!, d.split(/\s+/).slice(1).join(' ')]));
}

const SPA_PAGES = ['/agent', '/agent/conversations/123', '/admin', '/tickets', '/login', '/chat'];

describe.each(DB_KINDS)('security headers on %s', (kind) => {
  let t: TestApp;
  let admin: Session;

  beforeAll(async () => {
    t = await createTestApp(kind);
    admin = await loginAgent(t, (await makeAgent(t, { role: 'admin' })).email);
  });
  afterAll(async () => {
    await t.close();
  });

  const get = (url: string) => t.app.inject({ method: 'GET', url });

  it('web app pages get a script-tight CSP, frame protection, nosniff, referrer and permissions policies', async () => {
    for (const url of SPA_PAGES) {
      const res = await get(url);
      expect(res.statusCode, url).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      const policy = csp(res);
      expect(policy.get('script-src'), url).toBe("'self'");
      expect(policy.get('object-src')).toBe("'none'");
      expect(policy.get('base-uri')).toBe("'none'");
      expect(policy.get('frame-ancestors'), url).toBe("'self'");
      expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['referrer-policy']).toBe('strict-origin-when-cross-origin');
      expect(res.headers['permissions-policy']).toMatch(/camera=\(\)/);
      // Plain http: no HSTS.
      expect(res.headers['strict-transport-security']).toBeUndefined();
    }
  });

  it('the built page needs no inline script, so the policy never has to allow one', async () => {
    const html = (await get('/agent')).body;
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/i);
    expect(csp(await get('/agent')).get('script-src')).not.toMatch(/unsafe-inline|unsafe-eval/);
  });

  it('API answers, errors and downloads get nosniff and may not be framed', async () => {
    for (const res of [await get(`${API}/openapi.json`), await get(`${API}/conversations`), await get(`${API}/nowhere`), await get('/healthz'), await get('/no-such-page')]) {
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['x-frame-options']).toBe('DENY');
      expect(csp(res).get('frame-ancestors')).toBe("'none'");
    }
  });

  it('help center pages keep their own nonce policy and get frame protection', async () => {
    const res = await get('/verify');
    expect(csp(res).get('script-src')).toMatch(/^'nonce-/);
    expect(csp(res).get('frame-ancestors')).toBe("'none'");
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });

  it('the API docs page loads swagger-ui from our origin and cannot be framed', async () => {
    const res = await get('/api/docs/static/index.html');
    expect([200, 302, 401]).toContain(res.statusCode);
    const page = res.statusCode === 302 ? await get(String(res.headers.location)) : res;
    expect(csp(page).get('script-src')).toBe("'self'");
    expect(csp(page).get('frame-ancestors')).toBe("'none'");
  });

  it('the widget chat page may be framed by any site until the admin lists sites, then only by those', async () => {
    const embed = () => get('/chat?embed=1&lang=en');
    let res = await embed();
    expect(csp(res).has('frame-ancestors')).toBe(false);
    expect(res.headers['x-frame-options']).toBeUndefined();
    expect(csp(res).get('script-src')).toBe("'self'");

    const saved = await admin.request('PATCH', `${API}/settings`, { widgetAllowedOrigins: ['https://Shop.Example/', 'https://*.partner.example', 'http://localhost:8080'] });
    expect(saved.statusCode, saved.body).toBe(200);
    expect(saved.json().widgetAllowedOrigins).toEqual(['https://shop.example', 'https://*.partner.example', 'http://localhost:8080']);
    res = await embed();
    expect(csp(res).get('frame-ancestors')).toBe("'self' https://shop.example https://*.partner.example http://localhost:8080");
    // The rest of the app stays unframeable by those sites.
    expect(csp(await get('/agent')).get('frame-ancestors')).toBe("'self'");
    expect(csp(await get('/chat')).get('frame-ancestors')).toBe("'self'");

    expect((await admin.request('PATCH', `${API}/settings`, { widgetAllowedOrigins: [] })).json().widgetAllowedOrigins).toEqual([]);
    expect(csp(await embed()).has('frame-ancestors')).toBe(false);
    expect((await embed()).headers['x-frame-options']).toBeUndefined();
  });

  it('refuses a widget origin that is not a bare origin (it would change the policy)', async () => {
    for (const bad of ['https://a.example; script-src *', 'https://a.example/path', 'javascript:alert(1)', '*', "https://a.example 'unsafe-inline'", 'shop.example']) {
      expectError(await admin.request('PATCH', `${API}/settings`, { widgetAllowedOrigins: [bad] }), 400, 'validation_failed');
      expect(WidgetOrigin.safeParse(bad).success, bad).toBe(false);
    }
  });
});

describe('HSTS', () => {
  it('is sent on every response when PUBLIC_URL is https', async () => {
    const t = await createTestApp('pglite', { PUBLIC_URL: 'https://desk.example' });
    try {
      for (const url of ['/agent', '/healthz', `${API}/openapi.json`, '/verify']) {
        expect((await t.app.inject({ method: 'GET', url })).headers['strict-transport-security'], url).toBe('max-age=31536000');
      }
    } finally {
      await t.close();
    }
  });
});
