import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { maskSettings, openSecret, openSettings, sealSecret, sealSettings, secretKeyOf } from './secretBox.ts';

describe('secretBox', () => {
  const key = secretKeyOf({ SECRET_KEY: 'a-test-key-of-enough-length', dataDir: '/nonexistent' });

  it('seals a secret so the stored text does not contain it, and opens it again', () => {
    const sealed = sealSecret(key, 'hunter2-password');
    expect(sealed).not.toContain('hunter2');
    expect(openSecret(key, sealed)).toBe('hunter2-password');
    // Two seals of the same secret differ (a fresh IV each time).
    expect(sealSecret(key, 'hunter2-password')).not.toBe(sealed);
  });

  it('refuses a value altered at rest or sealed under another key', () => {
    const sealed = sealSecret(key, 'secret');
    const bytes = Buffer.from(sealed.slice(7), 'base64');
    bytes[bytes.length - 1]! ^= 1;
    expect(() => openSecret(key, `enc:v1:${bytes.toString('base64')}`)).toThrow();
    const other = secretKeyOf({ SECRET_KEY: 'another-key-of-enough-length', dataDir: '/nonexistent' });
    expect(() => openSecret(other, sealed)).toThrow();
  });

  it('generates a key once into DATA_DIR, readable only by its owner, and reuses it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-key-'));
    try {
      const first = secretKeyOf({ dataDir: dir });
      expect(statSync(join(dir, 'secret.key')).mode & 0o777).toBe(0o600);
      expect(Buffer.from(readFileSync(join(dir, 'secret.key'), 'utf8'), 'base64').equals(first)).toBe(true);
      expect(secretKeyOf({ dataDir: dir }).equals(first)).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('seals secret paths, keeps a stored secret the form left out, removes one set to empty, and masks them all', () => {
    const paths = ['imap.password', 'smtpUrl'];
    const stored = sealSettings(key, paths, { address: 'help@x.io', imap: { host: 'h', password: 'p1' }, smtpUrl: 'smtp://u:p2@h' });
    expect(JSON.stringify(stored)).not.toMatch(/p1|p2/);
    expect(openSettings(key, paths, stored)).toEqual({ address: 'help@x.io', imap: { host: 'h', password: 'p1' }, smtpUrl: 'smtp://u:p2@h' });
    // The admin changes the host only: the password stays; clears the SMTP URL.
    const next = sealSettings(key, paths, { address: 'help@x.io', imap: { host: 'h2' }, smtpUrl: '' }, stored);
    expect(openSettings(key, paths, next)).toEqual({ address: 'help@x.io', imap: { host: 'h2', password: 'p1' } });
    expect(maskSettings(paths, next)).toEqual({ settings: { address: 'help@x.io', imap: { host: 'h2' } }, secretsSet: ['imap.password'] });
  });
});
