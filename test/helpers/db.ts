import pg from 'pg';
import { type Database, migrateDatabase, openDatabase } from '../../server/db/client.ts';

/**
 * Database tests run on PGlite always and on PostgreSQL when TEST_DATABASE_URL is set.
 * Under CI=true a missing TEST_DATABASE_URL is a failure, not a silent skip.
 */
export type DbKind = 'pglite' | 'postgres';

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL;
if (process.env.CI === 'true' && !TEST_DATABASE_URL) {
  throw new Error('CI=true but TEST_DATABASE_URL is not set: PostgreSQL tests would be skipped');
}

export const DB_KINDS: DbKind[] = TEST_DATABASE_URL ? ['pglite', 'postgres'] : ['pglite'];

let template: Promise<Blob> | null = null;

/** A migrated PGlite dump, made once per worker; each test database is a fresh copy (much faster than migrating). */
function pgliteTemplate(): Promise<Blob> {
  template ??= (async () => {
    const db = await openDatabase({});
    await migrateDatabase(db);
    const blob = await db.dump!();
    await db.close();
    return blob;
  })();
  return template;
}

export interface TestDatabase {
  database: Database;
  /** PostgreSQL only: the connection string of this test's own database. */
  url?: string;
  drop(): Promise<void>;
}

/** A fresh, migrated, empty database of the given kind. */
export async function createTestDatabase(kind: DbKind): Promise<TestDatabase> {
  if (kind === 'pglite') {
    const database = await openDatabase({ loadDataDir: await pgliteTemplate() });
    return { database, drop: () => database.close() };
  }
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  const name = `sb_test_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(TEST_DATABASE_URL!);
  url.pathname = `/${name}`;
  const database = await openDatabase({ databaseUrl: url.toString(), poolSize: 5 });
  await migrateDatabase(database);
  return {
    database,
    url: url.toString(),
    async drop() {
      await database.close();
      const c = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}
