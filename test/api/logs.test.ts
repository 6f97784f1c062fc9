import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../server/app.ts';
import { loggerOptions, redactUrl, serializeError } from '../../server/logging.ts';
import { DB_KINDS } from '../helpers/db.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { API } from './helpers.ts';

/** A secret only a person would type: it must never appear in a log line. */
const SECRET = 'alice.wong+kyc@example.com';

describe.each(DB_KINDS)('the logs keep no personal data, on %s', (kind) => {
  let t: TestApp;
  let app: FastifyInstance;
  const lines: string[] = [];

  beforeAll(async () => {
    t = await createTestApp(kind);
    // The same app and logger options the server runs with, writing into memory.
    const stream = new Writable({ write: (chunk, _enc, done) => void (lines.push(...chunk.toString().split('\n').filter(Boolean)), done()) });
    app = await buildApp(t.services, { logger: { ...loggerOptions('info'), stream } });
    // A statement that fails on the database with a person's data among its parameters.
    app.get(`${API}/test-failing-query`, { config: { public: true }, schema: { hide: true } }, async () => {
      await t.services.database.db.execute(sql`select ${SECRET}::text as email, 1 / (select count(*) - count(*) from (select 1) x) as boom`);
      return { ok: true };
    });
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
    await t.close();
  });

  const logged = () => lines.join('\n');

  it('logs the path of a /verify lookup, a help search and a contact search, never what was typed', async () => {
    const q = encodeURIComponent(SECRET);
    for (const url of [`/verify?q=${q}`, `${API}/verify?q=${q}`, `/help/search?q=${q}&lang=en`, `${API}/contacts?q=${q}`]) {
      const res = await app.inject({ method: 'GET', url });
      expect(res.statusCode).toBeLessThan(500);
    }
    const requests = lines.map((l) => JSON.parse(l)).filter((l) => l.req);
    expect(requests.map((l) => l.req.url)).toEqual(expect.arrayContaining([`/verify?q=…`, `${API}/verify?q=…`, `/help/search?q=…&lang=…`]));
    expect(logged()).not.toContain('alice');
    expect(logged()).not.toContain(q);
  });

  it('logs a failed statement without its parameters', async () => {
    const res = await app.inject({ method: 'GET', url: `${API}/test-failing-query` });
    expect(res.statusCode).toBe(500);
    const error = lines.map((l) => JSON.parse(l)).find((l) => l.msg === 'unhandled error');
    expect(error?.err?.message, logged()).toMatch(/division by zero/);
    expect(logged()).not.toContain('alice');
  });
});

describe('log redaction helpers', () => {
  it('keeps the names of query parameters and drops their values', () => {
    expect(redactUrl('/verify?q=%E5%AE%A2%E6%9C%8D&lang=zh-CN')).toBe('/verify?q=…&lang=…');
    expect(redactUrl('/api/v1/conversations')).toBe('/api/v1/conversations');
    expect(redactUrl('/x?')).toBe('/x');
  });

  it('drops parameters and quoted values from database errors and their causes', () => {
    const cause = Object.assign(new Error('duplicate key value violates unique constraint "contacts_email_unique"'), { code: '23505', detail: `Key (email)=(${SECRET}) already exists.` });
    const err = Object.assign(new Error(`Failed query: insert into "contacts" ("email") values ($1)\nparams: ${SECRET}`), { query: 'insert …', params: [SECRET], cause });
    const bad = Object.assign(new Error(`invalid input syntax for type uuid: "${SECRET}"`), { code: '22P02' });
    const out = JSON.stringify([serializeError(err), serializeError(bad)]);
    expect(out).not.toContain('alice');
    expect(out).toContain('contacts_email_unique');
    expect(out).toContain('params: [redacted]');
  });
});
