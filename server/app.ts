import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply } from 'fastify';
import fastifyCookie from '@fastify/cookie';
import fastifyMultipart from '@fastify/multipart';
import fastifyRateLimit from '@fastify/rate-limit';
import { Redis } from 'ioredis';
import fastifyStatic from '@fastify/static';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import { hasZodFastifySchemaValidationErrors, jsonSchemaTransformObject, validatorCompiler } from 'fastify-type-provider-zod';
import type { Services } from './domain/context.ts';
import { AppError, ERROR_STATUS, type ErrorCode } from './errors.ts';
import { DATABASE_UNAVAILABLE, isDatabaseUnavailable } from './db/client.ts';
import { FAIL_FAST_REDIS } from './realtime/bus.ts';
import { registerAuthentication } from './routes/authenticate.ts';
import { agentRoutes } from './routes/api/agents/agents.ts';
import { attachmentRoutes } from './routes/api/attachments/attachments.ts';
import { authRoutes } from './routes/api/auth/auth.ts';
import { categoryRoutes } from './routes/api/categories/categories.ts';
import { chatRoutes } from './routes/api/chats/chats.ts';
import { contactRoutes } from './routes/api/contacts/contacts.ts';
import { conversationRoutes } from './routes/api/conversations/conversations.ts';
import { helpRoutes } from './routes/api/help/help.ts';
import { inboxRoutes } from './routes/api/inboxes/inboxes.ts';
import { notificationRoutes } from './routes/api/notifications/notifications.ts';
import { slaRoutes } from './routes/api/sla/sla.ts';
import { systemRoutes } from './routes/api/system/system.ts';
import { trustRoutes } from './routes/api/trust/trust.ts';
import { teamRoutes } from './routes/api/teams/teams.ts';
import { ticketRoutes } from './routes/api/tickets/tickets.ts';
import { tokenRoutes } from './routes/api/tokens/tokens.ts';
import { workspaceRoutes } from './routes/api/workspace/workspace.ts';
import { helpPages } from './routes/pages/help/plugin.ts';
import { proxyTrust } from './routes/proxyTrust.ts';
import { registerSecurityHeaders } from './routes/securityHeaders.ts';
import { apiConventions, DOCS_PREFIX, openapiTransform } from './routes/api/openapi.ts';

const WEB_DIST = fileURLToPath(new URL('../dist/web', import.meta.url));
/** Paths the single-page app owns; the server hands them index.html. */
const SPA_PREFIXES = ['/login', '/agent', '/admin', '/tickets', '/chat'];

const errorBody = (code: string, message: string, details?: unknown) => ({ error: { code, message, ...(details === undefined ? {} : { details }) } });

/** Fastify's own 4xx errors, given our codes. */
function frameworkCode(err: FastifyError): ErrorCode {
  switch (err.statusCode) {
    case 401:
      return 'unauthenticated';
    case 403:
      return 'forbidden';
    case 404:
      return 'not_found';
    case 413:
      return 'payload_too_large';
    case 414:
      return 'uri_too_long';
    case 415:
      return 'unsupported_media_type';
    case 429:
      return 'rate_limited';
    default:
      return 'bad_request';
  }
}

/** Node's HTTP parser refused the request before Fastify saw it: answer in our error shape, then close. */
function clientErrorHandler(err: Error & { code?: string }, socket: import('node:stream').Duplex) {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, reason, code, message] =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'Request Header Fields Too Large', 'headers_too_large', 'The request line or headers are larger than the server accepts (16 KB)']
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'Request Timeout', 'request_timeout', 'The request took too long to arrive']
        : [400, 'Bad Request', 'bad_request', 'The request is not valid HTTP'];
  const body = JSON.stringify(errorBody(code, message));
  if (socket.writable) socket.write(`HTTP/1.1 ${status} ${reason}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nContent-Type: application/json; charset=utf-8\r\nConnection: close\r\n\r\n${body}`);
  socket.destroy(err);
}

/** busboy's own messages for a body that is not well-formed multipart (it gives them no code). */
const MALFORMED_MULTIPART = /^(Multipart: Boundary not found|Boundary required|Unexpected end of multipart data|.* terminated early due to unexpected end of multipart data|The needle cannot .*)$/;
const isMalformedMultipart = (err: Error & { code?: unknown; statusCode?: unknown }) =>
  (err.constructor === Error || err.constructor === TypeError) && err.code === undefined && err.statusCode === undefined && MALFORMED_MULTIPART.test(err.message);

/** Builds the HTTP server: API, docs, webhooks, pages and the web app. Listening is the caller's job. */
export async function buildApp(services: Services, options: { logger?: boolean | object } = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger ?? false,
    // X-Forwarded-For is believed only from the proxies TRUST_PROXY names (none by default).
    trustProxy: proxyTrust(services.env.TRUST_PROXY),
    bodyLimit: 1024 * 1024,
    // Errors the router raises before any route runs (a path segment over maxParamLength → 414, a bad escape → 400) get our shape too.
    frameworkErrors: (err, _req, reply) => void (reply as FastifyReply).code(err.statusCode ?? 400).send(errorBody(frameworkCode(err), err.message)),
    // …and so do the HTTP parser's (headers or URL over Node's 16 KB, a malformed request line, a stalled request).
    clientErrorHandler,
    // Never log credentials.
    ...(options.logger ? {} : {}),
  });
  app.setValidatorCompiler(validatorCompiler);
  // Responses are built by the presenters in routes/api/present.ts, which name every field that
  // may leave the server; re-validating each one against its zod schema cost more than the query.
  // The schemas still document the responses in OpenAPI.
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));

  app.setErrorHandler((err: FastifyError & { cause?: any; code?: string }, req, reply) => {
    if (err instanceof AppError) {
      if (err.code === 'rate_limited' || err.code === 'locked') {
        const retry = (err.details as { retryAfter?: number } | undefined)?.retryAfter;
        if (retry) reply.header('retry-after', String(retry));
      }
      return reply.code(err.status).send(errorBody(err.code, err.message, err.code === 'rate_limited' || err.code === 'locked' ? undefined : err.details));
    }
    if (hasZodFastifySchemaValidationErrors(err)) {
      const issues = err.validation.map((v) => ({ path: v.instancePath || '/', message: v.message }));
      const first = issues[0];
      const where = err.validationContext === 'body' ? 'body' : err.validationContext;
      return reply.code(400).send(errorBody('validation_failed', `Invalid ${where}: ${first ? `${first.path} ${first.message}` : 'bad input'}`, { issues }));
    }
    // PostgreSQL is down or restarting: say so (503), the request may be retried.
    if (isDatabaseUnavailable(err)) return reply.code(503).header('retry-after', '5').send(errorBody('unavailable', DATABASE_UNAVAILABLE));
    // Database constraint violations that slipped past domain checks are still the caller's fault.
    const pgCode = err.cause?.code ?? err.code;
    if (pgCode === '23505') return reply.code(409).send(errorBody('conflict', 'That already exists'));
    if (pgCode === '23503') return reply.code(409).send(errorBody('conflict', 'A referenced record does not exist or is still in use'));
    // Bad formats, too long, out of range, and NUL characters (text 22021, JSON 22P05) that PostgreSQL refuses.
    if (['22P02', '22007', '22001', '22003', '22021', '22P05', '22008'].includes(pgCode)) {
      return reply.code(400).send(errorBody('bad_request', 'A value has the wrong format, is out of range, or contains characters that are not allowed'));
    }
    // busboy (under @fastify/multipart) reports a malformed body — cut off, no boundary, a boundary that
    // never comes — as a bare Error, whichever of req.parts/files/file read it and wherever the stream was.
    if (req.isMultipart() && isMalformedMultipart(err)) return reply.code(400).send(errorBody('bad_request', `Malformed multipart body: ${err.message}`));
    if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
      return reply.code(err.statusCode).send(errorBody(frameworkCode(err), err.message));
    }
    req.log.error({ err }, 'unhandled error');
    return reply.code(500).send(errorBody('internal', 'Something went wrong on our side; it has been logged'));
  });

  // Before any route: API conventions (strict queries, public docs) and the methods each path answers.
  const conventions = apiConventions();
  app.addHook('onRoute', conventions.onRoute);

  app.setNotFoundHandler((req, reply) => {
    const path = req.url.split('?')[0]!;
    const allow = req.url.startsWith('/api/') ? conventions.allowed(path) : [];
    // A known path with a method it does not answer (TRACE, PUT …) is a 405 that says which ones it does.
    if (allow.length) return reply.code(405).header('allow', allow.join(', ')).send(errorBody('method_not_allowed', `${req.method} is not allowed on ${path}; use ${allow.join(', ')}`));
    if (req.url.startsWith('/api/') || req.url.startsWith('/webhooks/')) return reply.code(404).send(errorBody('not_found', `No route ${req.method} ${req.url.split('?')[0]}`));
    return reply.code(404).type('text/html; charset=utf-8').send('<!doctype html><meta charset="utf-8"><title>Not found</title><p>Page not found. <a href="/">Home</a></p>');
  });

  await app.register(fastifyCookie);
  await app.register(fastifyMultipart, { limits: { fileSize: services.env.MAX_UPLOAD_BYTES, files: 10, fields: 20 } });
  // With several processes the counters live in Redis, so a limit is per desk, not per process.
  // While Redis is down a check fails at once (no offline queue: waiting in it made every limited
  // request take seconds) and skipOnError lets the request through.
  const limiterRedis = services.env.REDIS_URL ? new Redis(services.env.REDIS_URL, { ...FAIL_FAST_REDIS, lazyConnect: false }) : null;
  if (limiterRedis) {
    // The bus logs a Redis outage once; without a handler ioredis prints every reconnect failure.
    limiterRedis.on('error', () => {});
    app.addHook('onClose', async () => void limiterRedis.disconnect());
  }
  await app.register(fastifyRateLimit, { global: false, ...(limiterRedis ? { redis: limiterRedis, nameSpace: 'sb-rate-', skipOnError: true } : {}) });
  registerAuthentication(app, services);
  registerSecurityHeaders(app, services, SPA_PREFIXES);

  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Switchboard API', version: '1', description: 'Omnichannel support desk. Authenticate with a session cookie (+ X-CSRF-Token) or `Authorization: Bearer sb_…`.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' }, session: { type: 'apiKey', in: 'cookie', name: 'sb_session' } } },
      security: [{ bearer: [] }, { session: [] }],
    },
    transform: openapiTransform,
    transformObject: jsonSchemaTransformObject,
  });
  await app.register(fastifySwaggerUi, { routePrefix: DOCS_PREFIX });

  await app.register(
    async (api) => {
      const opts = { services };
      await api.register(authRoutes, opts);
      await api.register(ticketRoutes, opts);
      await api.register(chatRoutes, opts);
      await api.register(helpRoutes, opts);
      await api.register(workspaceRoutes, opts);
      await api.register(conversationRoutes, opts);
      await api.register(attachmentRoutes, opts);
      await api.register(contactRoutes, opts);
      await api.register(agentRoutes, opts);
      await api.register(teamRoutes, opts);
      await api.register(categoryRoutes, opts);
      await api.register(inboxRoutes, opts);
      await api.register(tokenRoutes, opts);
      await api.register(notificationRoutes, opts);
      await api.register(slaRoutes, opts);
      await api.register(systemRoutes, opts);
      await api.register(trustRoutes, opts);
      api.get('/openapi.json', { config: { public: true }, schema: { hide: true } }, async () => app.swagger());
    },
    { prefix: '/api/v1' },
  );

  // 200 while the database answers, `status: "degraded"` when only Redis is down (this process
  // still serves its own clients, so a load balancer should keep it); 503 without the database.
  app.get('/healthz', { schema: { hide: true } }, async (_req, reply) => {
    const bus = services.bus.health();
    const redis = bus === 'local' ? {} : { redis: bus };
    let timer: NodeJS.Timeout | undefined;
    try {
      const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('timeout')), 3_000)));
      await Promise.race([services.database.query('select 1'), timeout]);
      return { ok: true, status: bus === 'down' ? 'degraded' : 'ok', database: services.database.kind, ...redis };
    } catch {
      return reply.code(503).send({ ok: false, status: 'down', database: services.database.kind, ...redis });
    } finally {
      clearTimeout(timer);
    }
  });

  await app.register(helpPages, { services });

  if (existsSync(WEB_DIST)) {
    await app.register(fastifyStatic, { root: join(WEB_DIST, 'assets'), prefix: '/assets/', wildcard: true, decorateReply: false, index: false, immutable: true, maxAge: '365d', serveDotFiles: false, allowedPath: (path) => !path.includes('..') });
    const indexHtml = () => readFileSync(`${WEB_DIST}/index.html`, 'utf8');
    // The embeddable widget: a plain script any site can include (built from web/public/widget.js).
    app.get('/widget.js', { schema: { hide: true } }, async (_req, reply) => {
      const file = join(WEB_DIST, 'widget.js');
      if (!existsSync(file)) return reply.code(404).type('text/plain').send('widget not built');
      return reply.type('text/javascript; charset=utf-8').header('cache-control', 'public, max-age=300').header('access-control-allow-origin', '*').send(readFileSync(file, 'utf8'));
    });
    for (const prefix of SPA_PREFIXES) {
      const send = async (_req: unknown, reply: import('fastify').FastifyReply) => reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(indexHtml());
      app.get(prefix, { schema: { hide: true } }, send);
      app.get(`${prefix}/*`, { schema: { hide: true } }, send);
    }
  }
  return app;
}
