import { and, eq, gt, lt, ne } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { sessions } from '../../db/schema.ts';
import type { DomainEvent } from '../../realtime/bus.ts';
import type { Ctx, Services } from '../context.ts';
import { randomToken, sha256 } from './secrets.ts';

/** Whose sessions (or API token) just ended: agent, contact, or token. */
export type EndedPrincipal = { type: 'agent' | 'contact' | 'token'; id: string };

/** Bus event type that tells every process to cut the sockets of sessions that no longer exist. */
export const SESSIONS_END = 'sessions.end';

/**
 * The bus event of a session end. Not stored (id 0): it carries no secret and no session id,
 * only whose sessions changed; each process re-checks its own sockets of that principal
 * against the database (see server/realtime/sessionCutter.ts).
 */
export function sessionEndEvent(principal: EndedPrincipal): DomainEvent {
  return {
    id: 0,
    type: SESSIONS_END,
    actorType: 'system',
    actorId: null,
    subjectType: principal.type,
    subjectId: principal.id,
    conversationId: null,
    data: {},
    createdAt: new Date().toISOString(),
  };
}

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

/** The live session with this id (the sha256 of its secret), or null: sockets re-check theirs. */
export async function sessionById(db: Db, id: string, now: Date) {
  const [row] = await db
    .select()
    .from(sessions)
    .where(and(eq(sessions.id, id), gt(sessions.expiresAt, now)))
    .limit(1);
  return row ?? null;
}

/** Ends one session (logout) and, once it is gone, cuts its sockets on every process. */
export async function sessionDestroyer(services: Services, secret: string): Promise<void> {
  const [ended] = await services.database.db.delete(sessions).where(eq(sessions.id, sha256(secret))).returning({ type: sessions.principalType, id: sessions.principalId });
  if (ended) await services.bus.publish(sessionEndEvent(ended)).catch(() => {});
}

/**
 * Ends every session of a principal (password change, disable, 2FA reset) — all but the caller's
 * own when `exceptSessionId` is given — and, after commit, cuts their sockets on every process.
 */
export async function sessionsRevoker(ctx: Ctx, principal: { type: 'agent' | 'contact'; id: string }, options: { exceptSessionId?: string | null } = {}): Promise<void> {
  const mine = and(eq(sessions.principalType, principal.type), eq(sessions.principalId, principal.id));
  await ctx.db.delete(sessions).where(options.exceptSessionId ? and(mine, ne(sessions.id, options.exceptSessionId)) : mine);
  ctx.emitted.push(sessionEndEvent(principal));
}
