import { eq } from 'drizzle-orm';
import type { Server, Socket } from 'socket.io';
import { apiTokens } from '../db/schema.ts';
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
 * when such an event arrives is re-checked once it is connected.
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

  return { watch, stop: unsubscribe };
}
