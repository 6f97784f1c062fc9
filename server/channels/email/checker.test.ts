import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkEmail } from './checker.ts';

/** A real Dovecot from ../shared/tools (beside the repository); outside CI a machine without it skips. */
const TOOL = resolve(import.meta.dirname, '../../../../shared/tools/imap-test-server');
const PORT = 20_000 + (process.pid % 20_000);
const ENV = { publicUrl: 'http://localhost:3000' };

function startDovecot(dir: string): boolean {
  try {
    // stdout is not piped: the daemon would hold the pipe open and execFileSync would wait for it.
    execFileSync(TOOL, ['start', dir, String(PORT), 'desk:imap-pass-42'], { stdio: 'ignore', timeout: 180_000 });
    return true;
  } catch (err) {
    let log = '';
    try {
      log = readFileSync(join(dir, 'dovecot.log'), 'utf8');
    } catch {
      // No log: it did not get that far.
    }
    if (process.env.CI === 'true') throw new Error(`CI=true but the IMAP test server did not start: ${String(err)}\n${log}`);
    return false;
  }
}

const dir = mkdtempSync(join(tmpdir(), 'sb-imap-'));
const started = startDovecot(dir);

describe.skipIf(!started)('checkEmail against a real IMAP server (Dovecot)', () => {
  afterAll(() => {
    execFileSync(TOOL, ['stop', dir], { stdio: 'pipe' });
    rmSync(dir, { recursive: true, force: true });
  });

  it('logs in with the right password', async () => {
    const result = await checkEmail({ address: 'desk@example.com', imap: { host: '127.0.0.1', port: PORT, secure: false, user: 'desk', password: 'imap-pass-42' } }, ENV);
    expect(result.message).toContain(`IMAP: logged in to 127.0.0.1:${PORT}`);
    expect(result.ok).toBe(true);
  });

  it('says the login was refused with a wrong one, without repeating it', async () => {
    const result = await checkEmail({ address: 'desk@example.com', imap: { host: '127.0.0.1', port: PORT, secure: false, user: 'desk', password: 'wrong-password-7' } }, ENV);
    expect(result.ok).toBe(false);
    expect(result.message).toMatch(new RegExp(`IMAP: login refused by 127\\.0\\.0\\.1:${PORT}: .*Authentication failed`));
    expect(result.message).not.toContain('wrong-password-7');
  }, 20_000);

  it('fails the whole check when either half fails, one line each', async () => {
    const result = await checkEmail({ address: 'desk@example.com', smtpUrl: 'smtp://desk:smtp-pw@127.0.0.1:1', imap: { host: '127.0.0.1', port: PORT, secure: false, user: 'desk', password: 'imap-pass-42' } }, ENV);
    expect(result.ok).toBe(false);
    expect(result.message.split('\n')).toEqual([expect.stringMatching(/^SMTP: could not connect to 127\.0\.0\.1:1: /), `IMAP: logged in to 127.0.0.1:${PORT}`]);
    expect(result.message).not.toContain('smtp-pw');
  });
});
