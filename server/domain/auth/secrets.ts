import { createHash, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';

/** argon2id with the library's defaults (m=19 MiB, t=2): OWASP's recommended minimum. */
export const hashPassword = (password: string) => hash(password);

/** Never throws on a malformed hash: a broken row must look like a wrong password. */
export async function verifyPassword(hashed: string | null | undefined, password: string): Promise<boolean> {
  if (!hashed) {
    // Spend the same time as a real check so timing does not reveal which accounts exist.
    await verify(await dummyHash(), password).catch(() => false);
    return false;
  }
  return verify(hashed, password).catch(() => false);
}

let dummy: Promise<string> | undefined;
const dummyHash = () => (dummy ??= hash('not-a-real-password'));

/** A random secret for cookies and tokens (256 bits, URL-safe). */
export const randomToken = (bytes = 32) => randomBytes(bytes).toString('base64url');

/** What we store instead of a secret: its sha256, hex. */
export const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');

/** Six random digits for one-time email codes. */
export const sixDigits = () => String(randomInt(0, 1_000_000)).padStart(6, '0');

/** Constant-time string comparison (CSRF tokens). */
export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
