import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Env } from '../../env.ts';

/**
 * Channel credentials at rest: AES-256-GCM under a key from SECRET_KEY, or one generated once
 * into DATA_DIR/secret.key (mode 0600). A sealed value is a string `enc:v1:<base64 iv|tag|data>`,
 * so it can sit in a JSON settings column; GCM's tag makes a tampered value fail to open rather
 * than decrypt to garbage. Several processes must share SECRET_KEY (or the same DATA_DIR).
 */
const PREFIX = 'enc:v1:';
const keys = new Map<string, Buffer>();

/** The key for this environment, read or created once per process. */
export function secretKeyOf(env: Pick<Env, 'SECRET_KEY' | 'dataDir'>): Buffer {
  const id = env.SECRET_KEY ? `env:${env.SECRET_KEY}` : `dir:${env.dataDir}`;
  const known = keys.get(id);
  if (known) return known;
  let key: Buffer;
  if (env.SECRET_KEY) key = createHash('sha256').update(env.SECRET_KEY).digest();
  else {
    const path = join(env.dataDir, 'secret.key');
    try {
      key = Buffer.from(readFileSync(path, 'utf8').trim(), 'base64');
    } catch {
      mkdirSync(env.dataDir, { recursive: true });
      key = randomBytes(32);
      // 'wx': two processes starting together must not each write a different key.
      try {
        writeFileSync(path, key.toString('base64'), { flag: 'wx', mode: 0o600 });
        chmodSync(path, 0o600);
      } catch {
        key = Buffer.from(readFileSync(path, 'utf8').trim(), 'base64');
      }
    }
    if (key.length !== 32) throw new Error(`${path} does not hold a 32-byte key; set SECRET_KEY or remove the file`);
  }
  keys.set(id, key);
  return key;
}

export const isSealed = (value: unknown): value is string => typeof value === 'string' && value.startsWith(PREFIX);

/** Encrypts one secret. */
export function sealSecret(key: Buffer, plaintext: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return PREFIX + Buffer.concat([iv, cipher.getAuthTag(), data]).toString('base64');
}

/** Decrypts one secret; a value sealed under another key (or altered) throws. */
export function openSecret(key: Buffer, sealed: string): string {
  const bytes = Buffer.from(sealed.slice(PREFIX.length), 'base64');
  const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, 12));
  decipher.setAuthTag(bytes.subarray(12, 28));
  return Buffer.concat([decipher.update(bytes.subarray(28)), decipher.final()]).toString('utf8');
}

const getPath = (obj: Record<string, unknown>, path: string): unknown => path.split('.').reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), obj);

function setPath(obj: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let o = obj;
  for (const part of parts.slice(0, -1)) {
    // Removing a value under a parent that does not exist leaves the settings as they were.
    if (value === undefined && (!o[part] || typeof o[part] !== 'object')) return;
    if (!o[part] || typeof o[part] !== 'object') o[part] = {};
    o = o[part] as Record<string, unknown>;
  }
  if (value === undefined) delete o[parts.at(-1)!];
  else o[parts.at(-1)!] = value;
}

const clone = (v: Record<string, unknown>) => JSON.parse(JSON.stringify(v ?? {})) as Record<string, unknown>;

/**
 * Settings as they are stored: every secret path sealed. A secret the new settings leave out
 * keeps its stored value (the API never returns secrets, so a form cannot send them back);
 * null or an empty string removes it.
 */
export function sealSettings(key: Buffer, secretPaths: string[], next: Record<string, unknown>, previous: Record<string, unknown> = {}): Record<string, unknown> {
  const out = clone(next);
  for (const path of secretPaths) {
    const value = getPath(next, path);
    if (value === undefined) setPath(out, path, getPath(previous, path));
    else if (value === null || value === '') setPath(out, path, undefined);
    else setPath(out, path, isSealed(value) ? getPath(previous, path) : sealSecret(key, String(value)));
  }
  return out;
}

/** Settings as an adapter needs them: every sealed secret opened. */
export function openSettings(key: Buffer, secretPaths: string[], stored: Record<string, unknown>): Record<string, unknown> {
  const out = clone(stored);
  for (const path of secretPaths) {
    const value = getPath(stored, path);
    if (isSealed(value)) setPath(out, path, openSecret(key, value));
  }
  return out;
}

/** Settings as the API shows them: secrets left out; which are set is listed instead. */
export function maskSettings(secretPaths: string[], stored: Record<string, unknown>): { settings: Record<string, unknown>; secretsSet: string[] } {
  const out = clone(stored);
  const secretsSet: string[] = [];
  for (const path of secretPaths) {
    if (getPath(stored, path) !== undefined) secretsSet.push(path);
    setPath(out, path, undefined);
  }
  return { settings: out, secretsSet };
}
