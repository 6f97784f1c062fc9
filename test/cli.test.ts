import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const BIN = join(import.meta.dirname, '..', 'bin', 'switchboard.js');
const dataDir = mkdtempSync(join(tmpdir(), 'sb-cli-'));
const env = { ...process.env, DATA_DIR: dataDir, LOG_LEVEL: 'warn', DATABASE_URL: '', REDIS_URL: '' };

const cli = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { env, encoding: 'utf8', timeout: 120_000 });

afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('switchboard CLI on the embedded database', () => {
  it('migrates and seeds the demo on first touch, then creates an admin and a token', () => {
    const migrate = cli('migrate');
    expect(migrate.stderr).toBe('');
    expect(migrate.status).toBe(0);
    expect(migrate.stdout).toContain('Database is up to date (pglite)');
    // Seeding happened on that first touch: seed has nothing left to do.
    expect(cli('seed').stdout).toContain('already loaded');

    const admin = cli('create-admin', '--email', 'Owner@Example.com', '--password', 'a-long-password');
    expect(admin.status).toBe(0);
    expect(admin.stdout).toContain('Admin owner@example.com created');
    const again = cli('create-admin', '--email', 'owner@example.com', '--password', 'a-long-password');
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/already exists/);

    const token = cli('create-api-token', '--name', 'crm', '--role', 'admin');
    expect(token.status).toBe(0);
    expect(token.stdout).toMatch(/\nsb_[A-Za-z0-9_-]{30,}\n?$/);
    // Five CLI processes one after another (each loads the sources and opens PGlite): on a loaded
    // 2-core CI machine that alone can pass the default minute. A budget, not a speed check.
  }, 300_000);

  it('explains bad arguments in one line, without a stack trace', () => {
    for (const [args, message] of [
      [['create-admin', '--email', 'nope', '--password', 'short'], /--email: Invalid email/],
      [['create-api-token'], /--name/],
      [['create-api-token', '--name', 'crm', '--team', 'no-such-team'], /No team no-such-team/],
      [['frobnicate'], /Unknown command "frobnicate"/],
      [['migrate', '--bogus'], /Unknown option '--bogus'/],
    ] as const) {
      const run = cli(...args);
      expect(run.status).toBe(1);
      expect(run.stderr).toMatch(message);
      expect(run.stderr).not.toMatch(/\n\s+at /);
    }
  });

  it('says clearly that the data directory is in use while the server holds it, and the server works', async () => {
    const server = spawn(process.execPath, [BIN, 'serve'], { env: { ...env, PORT: '0', SMTP_PORT: '0', HOST: '127.0.0.1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    server.stdout.on('data', (d) => (out += d));
    server.stderr.on('data', (d) => (out += d));
    try {
      const until = Date.now() + 60_000;
      let url: string | undefined;
      while (!url && Date.now() < until) {
        url = /Switchboard listening on (http:\/\/localhost:\d+)/.exec(out)?.[1];
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(url, out).toBeDefined();
      expect(out).toContain('admin@switchboard.local');
      const health = await fetch(`${url}/healthz`);
      expect(await health.json()).toEqual({ ok: true, status: 'ok', database: 'pglite' });

      const blocked = cli('create-admin', '--email', 'second@example.com', '--password', 'a-long-password');
      expect(blocked.status).toBe(1);
      expect(blocked.stderr).toMatch(/in use by another Switchboard process \(pid \d+\)/);
      expect(blocked.stderr).not.toMatch(/\n\s+at /);
    } finally {
      server.kill('SIGTERM');
      await new Promise((r) => server.once('exit', r));
    }
    // Once the server is gone the directory is free again.
    expect(cli('migrate').status).toBe(0);
  }, 120_000);
});
