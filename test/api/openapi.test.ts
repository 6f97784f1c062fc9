import { randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DB_KINDS } from '../helpers/db.ts';
import { createTestApp, loginAgent, makeAgent, type Session, type TestApp } from '../helpers/app.ts';
import { API, expectError } from './helpers.ts';

/**
 * Regression (issue 11, item 18): what the OpenAPI document promises and what the edge answers
 * outside any route — upload bodies, public operations, the common errors, strict query strings,
 * 414 in the error shape, 405 with Allow, and public docs.
 */

interface Operation {
  parameters?: { in: string; name: string }[];
  requestBody?: { content: Record<string, { schema: { type?: string; properties?: Record<string, { type?: string; format?: string; items?: { format?: string } }>; required?: string[]; $ref?: string } }> };
  responses: Record<string, unknown>;
  security?: Record<string, string[]>[];
}
type Doc = { paths: Record<string, Record<string, Operation>>; security: Record<string, string[]>[] };

describe.each(DB_KINDS)('the OpenAPI document and the edge, on %s', (kind) => {
  let t: TestApp;
  let admin: Session;
  let doc: Doc;
  const op = (method: string, path: string) => doc.paths[`${API}${path}`]![method]!;

  beforeAll(async () => {
    t = await createTestApp(kind);
    admin = await loginAgent(t, (await makeAgent(t, { role: 'admin' })).email);
    doc = (await t.app.inject({ method: 'GET', url: `${API}/openapi.json` })).json();
  });
  afterAll(async () => {
    await t.close();
  });

  it('describes the multipart bodies of the three uploads, and JSON for tickets', () => {
    const ticket = op('post', '/tickets').requestBody!.content;
    expect(Object.keys(ticket).sort()).toEqual(['application/json', 'multipart/form-data']);
    expect(ticket['multipart/form-data']!.schema.required).toEqual(expect.arrayContaining(['subject', 'body']));
    expect(ticket['multipart/form-data']!.schema.properties!.files!.items!.format).toBe('binary');
    expect(ticket['application/json']!.schema.properties).toHaveProperty('email');
    const attachments = op('post', '/conversations/{id}/attachments').requestBody!.content['multipart/form-data']!.schema;
    expect(attachments.properties!.files!.items!.format).toBe('binary');
    const image = op('post', '/help/admin/images').requestBody!.content['multipart/form-data']!.schema;
    expect(image).toMatchObject({ properties: { file: { type: 'string', format: 'binary' } }, required: ['file'] });
  });

  it('marks public operations as callable without credentials, and no other', () => {
    const anonymous = (o: Operation) => (o.security ?? doc.security).some((s) => Object.keys(s).length === 0);
    for (const [method, path] of [
      ['post', '/auth/login'],
      ['post', '/tickets'],
      ['get', '/verify'],
      ['get', '/help/search'],
      ['get', '/help/articles/{slug}'],
      ['post', '/chats'],
      ['get', '/categories'],
    ]) {
      expect(anonymous(op(method!, path!)), `${method} ${path}`).toBe(true);
    }
    for (const [method, path] of [
      ['get', '/conversations'],
      ['patch', '/agents/{id}'],
      ['post', '/conversations/{id}/attachments'],
    ]) {
      expect(anonymous(op(method!, path!)), `${method} ${path}`).toBe(false);
    }
  });

  it('documents the errors the edge can answer on every operation', () => {
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, o] of Object.entries(ops)) {
        const codes = Object.keys(o.responses);
        expect(codes, `${method} ${path}`).toEqual(expect.arrayContaining(['400', '401', '403', '414']));
        if (path.includes('{')) expect(codes, `${method} ${path}`).toContain('404');
        if (method !== 'get') expect(codes, `${method} ${path}`).toEqual(expect.arrayContaining(['413', '415']));
      }
    }
  });

  it('answers 400 validation_failed to an unknown query parameter, and the documented ones still work', async () => {
    for (const url of ['/conversations?limit=5&colour=red', '/agents?cacheBust=1', '/settings?x=1', '/events?limit=5&cursr=3']) {
      expectError(await admin.request('GET', `${API}${url}`), 400, 'validation_failed');
    }
    expectError(await t.app.inject({ method: 'GET', url: `${API}/help/search?q=deposit&foo=bar` }), 400, 'validation_failed');
    expectError(await t.app.inject({ method: 'GET', url: `${API}/categories?all=1` }), 400, 'validation_failed');
    expect((await admin.request('GET', `${API}/conversations?limit=5&status=open,new`)).statusCode).toBe(200);
    expect((await t.app.inject({ method: 'GET', url: `${API}/help/search?q=deposit&locale=en&limit=3` })).statusCode).toBe(200);
  });

  it('answers 414 in the error shape to a path segment that is too long', async () => {
    const res = await admin.request('GET', `${API}/conversations/${'a'.repeat(500)}`);
    expectError(res, 414, 'uri_too_long');
    expectError(await t.app.inject({ method: 'GET', url: `${API}/help/articles/${'x'.repeat(500)}` }), 414, 'uri_too_long');
  });

  it('answers what Node refuses before any route (a URL over 16 KB, a broken request line) in the error shape too', async () => {
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = t.app.server.address() as { port: number };
    const raw = (request: string) =>
      new Promise<string>((resolve, reject) => {
        const socket = connect(port, '127.0.0.1', () => socket.write(request));
        let data = '';
        socket.on('data', (chunk) => (data += chunk));
        socket.on('close', () => resolve(data));
        socket.on('error', reject);
      });
    for (const [request, status] of [
      [`GET ${API}/conversations?q=${'x'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`, 431],
      ['NOT A REQUEST\r\n\r\n', 400],
    ] as const) {
      const answer = await raw(request);
      expect(answer.split('\r\n')[0], answer).toBe(`HTTP/1.1 ${status} ${status === 431 ? 'Request Header Fields Too Large' : 'Bad Request'}`);
      const body = JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4));
      expect(body.error.code).toEqual(expect.any(String));
      expect(body.error.message.length).toBeGreaterThan(0);
    }
  });

  it('answers 405 with Allow to a method a known path does not answer', async () => {
    const id = randomUUID();
    for (const [method, url, allow] of [
      ['TRACE', `/conversations/${id}`, ['GET', 'HEAD', 'PATCH']],
      ['PUT', '/agents', ['GET', 'HEAD', 'POST']],
      ['DELETE', '/settings', ['GET', 'HEAD', 'PATCH']],
      ['GET', '/tickets', ['POST']],
      ['TRACE', '/openapi.json', ['GET', 'HEAD']],
    ] as const) {
      const res = await t.app.inject({ method, url: `${API}${url}` });
      expectError(res, 405, 'method_not_allowed');
      expect(res.headers.allow, `${method} ${url}`).toBe(allow.join(', '));
    }
    // A path nothing answers stays a 404.
    expectError(await t.app.inject({ method: 'TRACE', url: `${API}/nothing-here` }), 404, 'not_found');
    expectError(await admin.request('GET', `${API}/conversations/${id}/nothing`), 404, 'not_found');
  });

  it('serves the API docs to visitors', async () => {
    const page = await t.app.inject({ method: 'GET', url: '/api/docs' });
    expect(page.statusCode, page.body).toBeLessThan(400);
    const followed = page.statusCode >= 300 ? await t.app.inject({ method: 'GET', url: new URL(page.headers.location as string, 'http://x/api/docs').pathname }) : page;
    expect(followed.statusCode).toBe(200);
    expect(followed.headers['content-type']).toMatch(/text\/html/);
    expect((await t.app.inject({ method: 'GET', url: '/api/docs/json' })).statusCode).toBe(200);
    expect((await t.app.inject({ method: 'GET', url: '/api/docs/static/swagger-initializer.js' })).statusCode).toBe(200);
    expect((await t.app.inject({ method: 'GET', url: `${API}/openapi.json` })).statusCode).toBe(200);
  });
});
