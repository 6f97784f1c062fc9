import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePg, NodePgDatabase, NodePgSession } from 'drizzle-orm/node-postgres';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import type { PgDatabase, PgDialect, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import pg from 'pg';
import { AppError } from '../errors.ts';
import * as schema from './schema.ts';

export type Schema = typeof schema;
/** A drizzle handle: the database or a transaction (a transaction is a database too). */
export type Db = PgDatabase<PgQueryResultHKT, Schema>;

/** An open database, whichever engine is behind it. */
export interface Database {
  /** pglite (embedded, one process) or postgres (a server, many processes). */
  kind: 'pglite' | 'postgres';
  /** Typed query builder. */
  db: Db;
  /** A raw parametrised query ($1, $2 …); pg-boss runs through this. */
  query(text: string, values?: unknown[]): Promise<{ rows: any[] }>;
  /**
   * PostgreSQL only: runs fn on one connection held for its duration, outside a transaction (a
   * write that is one statement needs no BEGIN/COMMIT). Holding it matters: whatever fn starts
   * that others may wait for (a shared cache load) then never waits for a free connection
   * itself, and a transaction fn opens on this db stays on the same connection.
   */
  connected?<T>(fn: (db: Db) => Promise<T>): Promise<T>;
  /** Runs fn while holding a database-wide lock (migrations, seeding) so processes take turns. */
  exclusive<T>(key: number, fn: () => Promise<T>): Promise<T>;
  /** Closes the connection(s) and releases the data directory. */
  close(): Promise<void>;
  /** PGlite only: a dump of the whole database (tests clone a migrated template from it). */
  dump?: () => Promise<Blob>;
}

const MIGRATIONS = fileURLToPath(new URL('./migrations', import.meta.url));

export interface OpenOptions {
  /** PostgreSQL connection string; when absent PGlite is used. */
  databaseUrl?: string;
  /** PGlite data directory; absent means in memory (tests). */
  dataDir?: string;
  /** Pool size for PostgreSQL. */
  poolSize?: number;
  /** An in-memory PGlite starts from this dump (tests start from a migrated template). */
  loadDataDir?: Blob;
}

/** Opens the database without migrating it. */
export async function openDatabase(options: OpenOptions): Promise<Database> {
  if (options.databaseUrl) return openPostgres(options.databaseUrl, options.poolSize ?? 20);
  return openPglite(options.dataDir, options.loadDataDir);
}

async function openPglite(dataDir: string | undefined, loadDataDir?: Blob): Promise<Database> {
  let release = () => {};
  let pglite: PGlite;
  if (dataDir) {
    mkdirSync(dataDir, { recursive: true });
    release = takeDataDirLock(dataDir);
    try {
      pglite = await PGlite.create(join(dataDir, 'pglite'));
    } catch (err) {
      release();
      throw err;
    }
  } else {
    pglite = await PGlite.create(loadDataDir ? { loadDataDir } : {});
  }
  const db = drizzlePglite(pglite, { schema }) as unknown as Db;
  return {
    kind: 'pglite',
    db,
    async query(text, values) {
      // exec runs several statements (pg-boss schema creation); query binds parameters.
      if (values && values.length) return { rows: (await pglite.query(text, values)).rows as any[] };
      const results = await pglite.exec(text);
      return { rows: (results.at(-1)?.rows ?? []) as any[] };
    },
    // One connection, one process: there is nobody to take turns with.
    exclusive: (_key, fn) => fn(),
    async close() {
      await pglite.close();
      release();
    },
    dump: () => pglite.dumpDataDir('none'),
  };
}

/**
 * Planning a query costs PostgreSQL more than running it for most of ours (a join of three tables
 * plans in ~0.15 ms and runs in ~0.02 ms), so a parametrised text seen PREPARE_AFTER times runs
 * as a named prepared statement: parsed and planned once per connection (as pgjdbc does with its
 * prepareThreshold). A prepared join keeps ~100–200 kB in each server connection that ran it, so
 * only the first PREPARED_TEXTS hot texts get names, and texts that vary without end cannot pile
 * up. (A connection pooler in front of PostgreSQL must keep prepared statements per client, as
 * PgBouncer 1.21+ does with max_prepared_statements.)
 */
const PREPARE_AFTER = 5;
const PREPARED_TEXTS = 256;
/** Times seen (a number) until the text gets its statement name (a string). */
const seenTexts = new Map<string, number | string>();
let namedCount = 0;

/** The statement name for a hot parametrised text, or null. */
export function preparedName(text: string): string | null {
  const seen = seenTexts.get(text);
  if (typeof seen === 'string') return seen;
  if (seen === undefined) {
    if (seenTexts.size < PREPARED_TEXTS * 20) seenTexts.set(text, 1);
    return null;
  }
  if (seen + 1 < PREPARE_AFTER || namedCount >= PREPARED_TEXTS) {
    seenTexts.set(text, seen + 1);
    return null;
  }
  namedCount++;
  const name = statementName(text);
  seenTexts.set(text, name);
  return name;
}

/** A statement name that follows from the text: FNV-1a twice with different primes, 64 bits. */
export function statementName(text: string): string {
  let a = 0x811c9dc5;
  let b = 0x01000193;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
  }
  return `sb_${(a >>> 0).toString(36)}_${(b >>> 0).toString(36)}`;
}

/**
 * node-postgres client that names hot parametrised queries (see preparedName) and runs the
 * queries given to it one after another. One connection runs one query at a time anyway, but a
 * domain function that starts several at once on a transaction (Promise.all on ctx.db) used to
 * leave the waiting ones in node-postgres' own queue, which is deprecated ("Calling
 * client.query() when the client is already executing a query") and goes away in pg 9.
 */
class PreparingClient extends pg.Client {
  /** Settles when the last query handed to this client has. */
  private tail: Promise<unknown> = Promise.resolve();

  override query(config: any, values?: any, callback?: any): any {
    if (config != null && typeof config.submit !== 'function' && !config.name) {
      const text: unknown = typeof config === 'string' ? config : config.text;
      const params: unknown = Array.isArray(values) ? values : config.values;
      // Only parametrised texts: a text without parameters may hold several statements (simple protocol).
      if (typeof text === 'string' && Array.isArray(params) && params.length) {
        const name = preparedName(text);
        if (name) config = typeof config === 'string' ? { text, name } : { ...config, name };
      }
    }
    // Callback and submittable forms (the pool's own use, cursors) go straight through; the
    // promise form, which drizzle uses, waits for the query before it.
    if (typeof callback === 'function' || typeof values === 'function' || (config != null && typeof config.submit === 'function') || (config != null && typeof config.callback === 'function')) {
      return super.query(config, values, callback);
    }
    const run = () => super.query(config, values) as Promise<unknown>;
    const result = this.tail.then(run, run);
    this.tail = result.catch(() => {});
    return result;
  }
}

/** What a request gets while PostgreSQL cannot be reached. */
export const DATABASE_UNAVAILABLE = 'The database is unavailable; try again shortly';

/** SQLSTATE classes and codes that mean the server is gone or refusing connections, not that the query was wrong. */
const UNAVAILABLE_STATES = new Set(['57P01', '57P02', '57P03', '53300']);
const UNAVAILABLE_ERRNOS = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'EAI_AGAIN']);

/**
 * Whether an error (bare or wrapped by drizzle as its cause) says PostgreSQL could not be
 * reached or went away mid-query: the caller should get 503 `unavailable`, not a 500.
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  for (let e = err as { code?: unknown; message?: unknown; cause?: unknown; errors?: unknown[] } | undefined, depth = 0; e && depth < 5; e = e.cause as typeof e, depth++) {
    if (typeof e.code === 'string' && (UNAVAILABLE_STATES.has(e.code) || e.code.startsWith('08') || UNAVAILABLE_ERRNOS.has(e.code))) return true;
    if (typeof e.message === 'string' && /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(e.message)) return true;
    // Node reports a refused connection to several addresses as one AggregateError.
    if (Array.isArray(e.errors) && e.errors.some((inner) => isDatabaseUnavailable(inner))) return true;
  }
  return false;
}

async function openPostgres(url: string, max: number): Promise<Database> {
  // A connection that cannot be made within seconds fails the request (503) instead of
  // holding it; a broken connection is dropped from the pool and the next request makes a new one.
  const pool = new pg.Pool({ connectionString: url, max, Client: PreparingClient, connectionTimeoutMillis: 10_000 });
  // An idle client that loses its server must not take the process down.
  pool.on('error', () => {});
  try {
    await pool.query('select 1');
  } catch (err) {
    await pool.end();
    throw new AppError('unavailable', `Cannot reach PostgreSQL at DATABASE_URL: ${(err as Error).message}`);
  }
  const db = drizzlePg(pool, { schema }) as unknown as Db;
  // Built as drizzle builds a transaction's handle: the pool's dialect and schema, one client.
  const root = (db as unknown as { session: { dialect: PgDialect; schema: any; options: any } }).session;
  return {
    kind: 'postgres',
    db,
    async connected(fn) {
      const client = await pool.connect();
      try {
        const session = new NodePgSession(client, root.dialect, root.schema, root.options);
        return await fn(new NodePgDatabase(root.dialect, session, root.schema) as unknown as Db);
      } finally {
        client.release();
      }
    },
    async query(text, values) {
      const result = await pool.query(text, values as any[]);
      return { rows: Array.isArray(result) ? (result.at(-1)?.rows ?? []) : result.rows };
    },
    async exclusive(key, fn) {
      const client = await pool.connect();
      try {
        await client.query('select pg_advisory_lock($1)', [key]);
        return await fn();
      } finally {
        await client.query('select pg_advisory_unlock($1)', [key]).catch(() => {});
        client.release();
      }
    },
    close: () => pool.end(),
  };
}

/** Lock ids for Database.exclusive. */
export const LOCKS = { migrate: 7_301_001, seed: 7_301_002, queueSetup: 7_301_003 } as const;

/** Applies the committed migrations (idempotent). */
export async function migrateDatabase(database: Database): Promise<void> {
  await database.exclusive(LOCKS.migrate, async () => {
    if (database.kind === 'pglite') await migratePglite(database.db as any, { migrationsFolder: MIGRATIONS });
    else await migratePg(database.db as any, { migrationsFolder: MIGRATIONS });
  });
}

/**
 * PGlite is one process per data directory; a second one would corrupt it.
 * A lock file with our pid makes a second process fail with a clear message instead.
 */
function takeDataDirLock(dataDir: string): () => void {
  const file = join(dataDir, 'switchboard.lock');
  if (existsSync(file)) {
    const holder = Number(readFileSync(file, 'utf8').split('\n')[0]);
    if (holder && holder !== process.pid && isAlive(holder)) {
      throw new AppError(
        'locked',
        `The data directory ${dataDir} is in use by another Switchboard process (pid ${holder}). ` +
          'The embedded database allows one process at a time: stop the server first, or use the admin area / API of the running server, ' +
          'or run on PostgreSQL (DATABASE_URL) to use several processes.',
      );
    }
  }
  writeFileSync(file, `${process.pid}\n`);
  return () => {
    try {
      if (Number(readFileSync(file, 'utf8').split('\n')[0]) === process.pid) rmSync(file);
    } catch {
      // Already gone.
    }
  };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
