import { and, eq, gt, inArray, isNull } from 'drizzle-orm';
import type { Server, Socket } from 'socket.io';
import { agents, apiTokens, sessions } from '../db/schema.ts';
import { agentActorLoader, contactActorLoader } from '../domain/auth/principals.ts';
import { type EndedPrincipal, SESSIONS_END, sessionById } from '../domain/auth/sessions.ts';
import type { Services } from '../domain/context.ts';

/**
 * Cuts sockets whose session ended: logout, password change, 2FA reset, an agent disabled, a
 * session expired, an API token revoked.
 *
 * Invariant: a socket remembers how it authenticated (session id = sha256 of the cookie secret,
 * or the token id) and whose it is. Whatever ends sessions publishes `sessions.end` naming the
 * principal (or records `api_tokens.revoke`) after its change committed; every process hears it
 * on the bus and re-checks ITS OWN sockets of that principal against the database, cutting those
 * whose session or token is gone or whose principal is disabled. A socket still authenticating
 * when such an event arrives is re-checked once it is connected. A sweep every SWEEP_MS checks
 * every local socket in three queries, so an end whose bus message was lost (Redis down) still
 * cuts its sockets, only later.
 */

/** How a socket authenticated; kept in socket.data.auth. */
export interface SocketAuth {
  /** sha256 of the session cookie secret; null for an API token. */
  sessionId: string | null;
  /** Whose session or token. */
  principal: EndedPrincipal;
  /** The session's hard expiry: the socket is cut then too. */
  expiresAt: Date | null;
  /** When authentication started (ms): an end heard after this may have been missed. */
  startedAt: number;
}

export function rememberSocketAuth(socket: Socket, auth: SocketAuth): void {
  socket.data.auth = auth;
}

const keyOf = (p: EndedPrincipal) => `${p.type}:${p.id}`;
/** Ends heard this long ago can no longer race a connection still authenticating. */
const RACE_MS = 60_000;
/** setTimeout's largest delay. */
const MAX_TIMER_MS = 2 ** 31 - 1;
/** The safety net's period. */
export const SWEEP_MS = 30_000;

export function attachSessionCutter(io: Server, services: Services) {
  const heard = new Map<string, number>();

  async function stillValid(auth: SocketAuth): Promise<boolean> {
    const { db } = services.database;
    if (auth.principal.type === 'token') {
      const [row] = await db.select({ revokedAt: apiTokens.revokedAt }).from(apiTokens).where(eq(apiTokens.id, auth.principal.id)).limit(1);
      return Boolean(row && !row.revokedAt);
    }
    if (!auth.sessionId || !(await sessionById(db, auth.sessionId, services.clock()))) return false;
    const loaded = auth.principal.type === 'agent' ? await agentActorLoader(db, auth.principal.id) : await contactActorLoader(db, auth.principal.id);
    return Boolean(loaded);
  }

  /** Re-checks the given sockets (one query per distinct session) and cuts the dead ones. */
  async function recheck(sockets: Socket[]): Promise<void> {
    const verdicts = new Map<string, Promise<boolean>>();
    for (const socket of sockets) {
      const auth = socket.data.auth as SocketAuth;
      const key = auth.sessionId ?? keyOf(auth.principal);
      if (!verdicts.has(key)) verdicts.set(key, stillValid(auth).catch(() => true));
      if (!(await verdicts.get(key))) socket.disconnect(true);
    }
  }

  function ended(principal: EndedPrincipal): Promise<void> {
    const now = Date.now();
    heard.set(keyOf(principal), now);
    for (const [k, at] of heard) if (now - at > RACE_MS) heard.delete(k);
    const mine = [...io.of('/').sockets.values()].filter((s) => {
      const auth = s.data.auth as SocketAuth | undefined;
      return auth && auth.principal.type === principal.type && auth.principal.id === principal.id;
    });
    return mine.length ? recheck(mine) : Promise.resolve();
  }

  const unsubscribe = services.bus.subscribe((event) => {
    if (event.type === SESSIONS_END) return ended({ type: event.subjectType as EndedPrincipal['type'], id: event.subjectId });
    if (event.type === 'api_tokens.revoke') return ended({ type: 'token', id: event.subjectId });
  });

  /** Every local socket against the database at once: live sessions, enabled agents, unrevoked tokens. */
  async function sweep(): Promise<void> {
    const local = [...io.of('/').sockets.values()].filter((s) => s.data.auth);
    if (!local.length) return;
    const { db } = services.database;
    const auths = local.map((s) => s.data.auth as SocketAuth);
    const sessionIds = [...new Set(auths.flatMap((a) => (a.sessionId ? [a.sessionId] : [])))];
    const agentIds = [...new Set(auths.flatMap((a) => (a.principal.type === 'agent' ? [a.principal.id] : [])))];
    const tokenIds = [...new Set(auths.flatMap((a) => (a.principal.type === 'token' ? [a.principal.id] : [])))];
    const [liveSessions, liveAgents, liveTokens] = await Promise.all([
      sessionIds.length ? db.select({ id: sessions.id }).from(sessions).where(and(inArray(sessions.id, sessionIds), gt(sessions.expiresAt, services.clock()))) : [],
      agentIds.length ? db.select({ id: agents.id }).from(agents).where(and(inArray(agents.id, agentIds), eq(agents.disabled, false))) : [],
      tokenIds.length ? db.select({ id: apiTokens.id }).from(apiTokens).where(and(inArray(apiTokens.id, tokenIds), isNull(apiTokens.revokedAt))) : [],
    ]);
    const ok = new Set([...liveSessions, ...liveAgents, ...liveTokens].map((r) => r.id));
    for (const socket of local) {
      const auth = socket.data.auth as SocketAuth;
      const alive = auth.principal.type === 'token' ? ok.has(auth.principal.id) : ok.has(auth.sessionId ?? '') && (auth.principal.type !== 'agent' || ok.has(auth.principal.id));
      if (!alive) socket.disconnect(true);
    }
  }
  const sweeper = setInterval(() => void sweep().catch(() => {}), SWEEP_MS);
  sweeper.unref();

  /** Called for each new connection: cut it when its session expires, or now if an end raced its authentication. */
  function watch(socket: Socket): void {
    const auth = socket.data.auth as SocketAuth | undefined;
    if (!auth) return;
    const at = heard.get(keyOf(auth.principal));
    if (at !== undefined && at >= auth.startedAt) void recheck([socket]);
    if (auth.expiresAt) {
      const timer = setTimeout(() => socket.disconnect(true), Math.min(Math.max(0, auth.expiresAt.getTime() - Date.now()), MAX_TIMER_MS));
      timer.unref();
      socket.once('disconnect', () => clearTimeout(timer));
    }
  }

  return {
    watch,
    /** Runs the safety-net check now (tests). */
    sweep,
    stop() {
      unsubscribe();
      clearInterval(sweeper);
    },
  };
}
