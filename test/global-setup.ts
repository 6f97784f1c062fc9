import { existsSync } from 'node:fs';
import { buildWebIfStale } from '../server/webBuild.ts';

/**
 * Under CI=true every real part must be there: a missing PostgreSQL, Redis or Chromium
 * fails the run here instead of quietly skipping the tests that need it. Browser tests
 * need the built web app, so it is built here when stale.
 */
export default async function setup() {
  if (process.env.CI === 'true') {
    const missing = [
      !process.env.TEST_DATABASE_URL && 'TEST_DATABASE_URL (PostgreSQL)',
      !process.env.TEST_REDIS_URL && 'TEST_REDIS_URL (Redis)',
      !existsSync('/usr/bin/chromium') && '/usr/bin/chromium (Debian chromium)',
    ].filter(Boolean);
    if (missing.length) throw new Error(`CI=true but these are missing: ${missing.join(', ')}`);
  }
  await buildWebIfStale(() => {});
}
