import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Actor, Services } from '../domain/context.ts';
import { apiTokenResolver } from '../domain/auth/apiTokens.ts';
import { agentActorLoader, contactActorLoader } from '../domain/auth/principals.ts';
import { safeEqual, sha256 } from '../domain/auth/secrets.ts';
import { cached } from '../domain/cache.ts';
import { sessionFinder } from '../domain/auth/sessions.ts';
import { settingsReader } from '../domain/system/settings.ts';
import { AppError } from '../errors.ts';

export const SESSION_COOKIE = 'sb_session';
export const CSRF_COOKIE = 'sb_csrf';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Open to anonymous callers; every other API route answers 401 before even reading the body. */
    public?: boolean;
  }
  interface FastifyRequest {
    /** Who is calling, or null for an anonymous visitor. */
    actor: Actor | null;
    /** How: a browser session (needs CSRF) or a Bearer token (does not). */
    authVia: 'session' | 'token' | null;
    /** The session's CSRF token, for /auth/me. */
    csrfToken: string | null;
    /** The session's id (sha256 of its cookie secret): a password change keeps this one, ends the others. */
    sessionId: string | null;
    /** The agent must enrol in two-factor before anything else. */
    mustEnrollTotp: boolean;
  }
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/** Paths an agent who still has to enrol in 2FA may use. */
const ENROLMENT_PATHS = ['/api/v1/auth/me', '/api/v1/auth/logout', '/api/v1/auth/totp/'];

/** Desk settings change rarely; every process re-reads them at most once a second. */
function cachedSettings(services: Services) {
  let value: { requireTotp: boolean } | null = null;
  let at = 0;
  return async () => {
    if (!value || Date.now() - at > 1_000) {
      value = await settingsReader(services.database.db);
      at = Date.now();
    }
    return value;
  };
}

/**
 * Works out who is calling — Bearer token or session cookie — on every request, and enforces
 * CSRF for cookie-authenticated state changes. Whether the caller may do the thing is the
 * domain's policy, not this hook's.
 */
export function registerAuthentication(app: FastifyInstance, services: Services) {
  const settings = cachedSettings(services);
  app.decorateRequest('actor', null);
  app.decorateRequest('authVia', null);
  app.decorateRequest('csrfToken', null);
  app.decorateRequest('sessionId', null);
  app.decorateRequest('mustEnrollTotp', false);

  app.addHook('onRequest', async (req: FastifyRequest, _reply: FastifyReply) => {
    if (!req.url.startsWith('/api/')) return;
    const { db } = services.database;
    const now = services.clock();
    const header = req.headers.authorization;
    if (header) {
      const [scheme, token] = header.split(' ');
      if (scheme?.toLowerCase() !== 'bearer' || !token) throw new AppError('unauthenticated', 'Authorization must be "Bearer <token>"');
      const row = await cached(services, `token:${sha256(token)}`, ['api_tokens.'], 30_000, () => apiTokenResolver(db, token, now));
      if (!row) throw new AppError('unauthenticated', 'Invalid or revoked API token');
      req.actor = { type: 'token', id: row.id, role: row.role, teamIds: row.teamIds };
      req.authVia = 'token';
      return;
    }
    const secret = req.cookies[SESSION_COOKIE];
    const session = secret ? await sessionFinder(db, secret, now) : null;
    const loaded = !session || session.mfaPending ? null : session.principalType === 'agent' ? await agentActorLoader(db, session.principalId) : await contactActorLoader(db, session.principalId);
    if (!loaded || !session) {
      if (!req.routeOptions.config?.public && req.routeOptions.url) throw new AppError('unauthenticated', 'Sign in first');
      return;
    }
    req.actor = loaded.actor;
    req.authVia = 'session';
    req.csrfToken = session.csrfToken;
    req.sessionId = session.id;
    if (UNSAFE.has(req.method)) {
      const sent = req.headers['x-csrf-token'];
      if (typeof sent !== 'string' || !safeEqual(sent, session.csrfToken)) {
        throw new AppError('csrf_failed', 'Missing or wrong X-CSRF-Token header (reload the page)');
      }
    }
    if ('agent' in loaded && !loaded.agent.totpEnabled && (await settings()).requireTotp) {
      req.mustEnrollTotp = true;
      if (!ENROLMENT_PATHS.some((p) => req.url.startsWith(p))) {
        throw new AppError('totp_enrollment_required', 'Two-factor authentication is required: set it up first');
      }
    }
  });
}

/** The caller, or a 401. */
export function actorOf(req: FastifyRequest): Actor {
  if (!req.actor) throw new AppError('unauthenticated', 'Sign in first');
  return req.actor;
}
