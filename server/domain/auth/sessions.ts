import { and, eq, gt, lt } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { sessions } from '../../db/schema.ts';
import { randomToken, sha256 } from './secrets.ts';

/** Agents log in for a working day; customers stay signed in for a week. */
export const SESSION_HOURS = { agent: 12, contact: 24 * 7 } as const;

export interface NewSession {
  /** Goes in the httpOnly cookie; only its hash is stored. */
  secret: string;
  /** Echoed by the client in X-CSRF-Token. */
  csrfToken: string;
  expiresAt: Date;
}

/** Opens a session for an agent or a customer. */
export async function sessionCreator(
  db: Db,
  principal: { type: 'agent' | 'contact'; id: string },
  meta: { ip?: string; userAgent?: string; now: Date },
): Promise<NewSession> {
  const secret = randomToken();
  const csrfToken = randomToken(18);
  const expiresAt = new Date(meta.now.getTime() + SESSION_HOURS[principal.type] * 3_600_000);
  await db.insert(sessions).values({
    id: sha256(secret),
    principalType: principal.type,
    principalId: principal.id,
    csrfToken,
    expiresAt,
    ip: meta.ip ?? null,
    userAgent: meta.userAgent?.slice(0, 300) ?? null,
  });
  // Expired sessions are swept here rather than by a separate timer.
  await db.delete(sessions).where(lt(sessions.expiresAt, meta.now));
  return { secret, csrfToken, expiresAt };
}

/** The live session behind a cookie secret, or null. */
export async function sessionFinder(db: Db, secret: string, now: Date) {
  const [row] = await db
    .select()
    .from(sessions)
    .where(and(eq(sessions.id, sha256(secret)), gt(sessions.expiresAt, now)))
    .limit(1);
  return row ?? null;
}

/** Ends one session (logout). */
export async function sessionDestroyer(db: Db, secret: string): Promise<void> {
  await db.delete(sessions).where(eq(sessions.id, sha256(secret)));
}

/** Ends every session of a principal (password change, disable, 2FA reset). */
export async function sessionsRevoker(db: Db, principal: { type: 'agent' | 'contact'; id: string }): Promise<void> {
  await db.delete(sessions).where(and(eq(sessions.principalType, principal.type), eq(sessions.principalId, principal.id)));
}
