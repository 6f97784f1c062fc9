import { type FilePart, multipartBody } from '../helpers/files.ts';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import type { LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import type { TestApp } from '../helpers/app.ts';

/** Shared by the API tests: the error shape, route listing and row counts. */

export const API = '/api/v1';

/** Asserts an error answer: the status and `{ error: { code, message } }` with a non-empty message. */
export function expectError(res: LightMyRequestResponse, status: number, code: string) {
  expect(res.statusCode, `${res.statusCode} ${res.body}`).toBe(status);
  const body = res.json() as { error?: { code?: unknown; message?: unknown } };
  expect(body.error?.code, res.body).toBe(code);
  expect(typeof body.error?.message).toBe('string');
  expect((body.error!.message as string).length).toBeGreaterThan(0);
}

export interface Route {
  method: string;
  /** Path below /api/v1 with `{id}` placeholders, e.g. `/agents/{id}`. */
  path: string;
  /** `METHOD /path`, e.g. `PATCH /agents/{id}`. */
  key: string;
}

/** Every documented API route, read from the app's own OpenAPI document. */
export async function apiRoutes(t: TestApp): Promise<Route[]> {
  const res = await t.app.inject({ method: 'GET', url: `${API}/openapi.json` });
  expect(res.statusCode).toBe(200);
  const doc = res.json() as { paths: Record<string, Record<string, unknown>> };
  const routes: Route[] = [];
  for (const [full, ops] of Object.entries(doc.paths)) {
    if (!full.startsWith(API)) continue;
    const path = full.slice(API.length);
    for (const m of Object.keys(ops)) {
      const method = m.toUpperCase();
      routes.push({ method, path, key: `${method} ${path}` });
    }
  }
  return routes;
}

/** Fills `{id}` with the given id (a random UUID by default). */
export const fill = (path: string, id: string = randomUUID(), params: Record<string, string> = {}) =>
  `${API}${path.replace('{id}', id).replace(/\{(\w+)\}/g, (_, name: string) => params[name] ?? randomUUID())}`;

/** Tables whose row counts a failed request must leave alone. */
export const COUNTED = ['agents', 'teams', 'team_members', 'categories', 'skills', 'inboxes', 'contacts', 'conversations', 'messages', 'api_tokens', 'events', 'outbox_emails'] as const;

export async function rowCounts(t: TestApp): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const table of COUNTED) {
    const res = await t.services.database.db.execute(sql.raw(`select count(*)::int as n from ${table}`));
    const rows = (Array.isArray(res) ? res : (res as { rows: { n: number }[] }).rows) as { n: number }[];
    out[table] = Number(rows[0]!.n);
  }
  return out;
}

/** Rows of a raw query on either driver (PGlite and node-postgres both answer `{ rows }`). */
export async function rows<T = Record<string, unknown>>(t: TestApp, query: ReturnType<typeof sql>): Promise<T[]> {
  const res = await t.services.database.db.execute(query);
  return (Array.isArray(res) ? res : (res as { rows: T[] }).rows) as T[];
}

/** A multipart/form-data upload of the given files, for POST /conversations/:id/attachments. */
export const multipart = (files: FilePart[]) => multipartBody({}, files);

/** A fresh DATA_DIR for apps that store uploads (the default, /nonexistent, is not writable in CI). */
export const tempDataDir = () => mkdtempSync(join(tmpdir(), 'sb-api-test-'));

/** Files in the blob store of a DATA_DIR, temporary ones included. */
export function blobFiles(dataDir: string): string[] {
  const root = join(dataDir, 'blobs');
  if (!existsSync(root)) return [];
  return (readdirSync(root, { recursive: true, withFileTypes: true }) as import('node:fs').Dirent[]).filter((d) => d.isFile()).map((d) => d.name);
}
