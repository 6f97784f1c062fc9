import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { plainText } from '../../../../common/text.ts';
import { LoginBody, Me } from '../../../../common/schemas.ts';
import { agentAuthenticator } from '../../../domain/auth/agentAuthenticator.ts';
import { customerCodeSender, customerCodeVerifier, customerPasswordAuthenticator, customerProfileUpdater } from '../../../domain/auth/customerAuthenticator.ts';
import { agentActorLoader, contactActorLoader } from '../../../domain/auth/principals.ts';
import { passwordChanger } from '../../../domain/auth/passwordChanger.ts';
import { sessionCreator, sessionDestroyer, type NewSession } from '../../../domain/auth/sessions.ts';
import { totpDisabler, totpEnabler, totpGuessCounter, totpGuessSettled, totpSetup } from '../../../domain/auth/totpEnroller.ts';
import { SYSTEM, type Services, recordEvent, transact } from '../../../domain/context.ts';
import { settingsReader } from '../../../domain/system/settings.ts';
import { AppError } from '../../../errors.ts';
import { CSRF_COOKIE, SESSION_COOKIE } from '../../authenticate.ts';
import { type Api, type RouteOptions, errors, run } from '../run.ts';

const Code = z.object({ code: z.string().regex(/^\d{6}$/, 'six digits') });
const NewPassword = z.string().min(10, 'Use at least 10 characters').max(200);
const CurrentPassword = z.string().min(1).max(200).describe('Your current password (a customer who has none yet, signed in by email code, may leave it out)');
/** Login endpoints get a per-IP request limit on top of the per-account lockout. */
const loginLimit = { public: true, rateLimit: { max: 20, timeWindow: '1 minute' } };

export function setSessionCookies(reply: FastifyReply, services: Services, session: NewSession) {
  const secure = services.env.publicUrl.startsWith('https://');
  reply.setCookie(SESSION_COOKIE, session.secret, { httpOnly: true, sameSite: 'lax', secure, path: '/', expires: session.expiresAt });
  // Readable by the page so it can echo it in X-CSRF-Token; useless to another site.
  reply.setCookie(CSRF_COOKIE, session.csrfToken, { httpOnly: false, sameSite: 'lax', secure, path: '/', expires: session.expiresAt });
}

/** The signed-in person as the web app needs them. */
async function describe(services: Services, principal: { type: 'agent' | 'contact'; id: string }, csrfToken: string, mustEnrollTotp: boolean) {
  const { db } = services.database;
  if (principal.type === 'agent') {
    const loaded = await agentActorLoader(db, principal.id);
    if (!loaded) throw new AppError('unauthenticated', 'Sign in first');
    const { agent, actor } = loaded;
    return {
      type: 'agent' as const,
      id: agent.id,
      name: agent.name,
      email: agent.email,
      role: agent.role,
      locale: agent.locale,
      teamIds: actor.type === 'agent' ? actor.teamIds : [],
      totpEnabled: agent.totpEnabled,
      status: agent.status,
      mustEnrollTotp,
      csrfToken,
    };
  }
  const loaded = await contactActorLoader(db, principal.id);
  if (!loaded) throw new AppError('unauthenticated', 'Sign in first');
  const { contact } = loaded;
  return {
    type: 'contact' as const,
    id: contact.id,
    name: contact.name,
    email: contact.email,
    role: null,
    locale: contact.language,
    teamIds: [],
    totpEnabled: false,
    status: null,
    mustEnrollTotp: false,
    antiPhishingCode: contact.antiPhishingCode,
    hasPassword: Boolean(contact.passwordHash),
    csrfToken,
  };
}

export async function authRoutes(app: Api, { services }: RouteOptions) {
  const { db } = services.database;

  app.post(
    '/auth/login',
    { config: loginLimit, schema: { tags: ['auth'], summary: 'Agent login (email, password, TOTP code when enrolled)', body: LoginBody, response: { 200: Me, ...errors(400, 401, 423, 429) } } },
    async (req, reply) => {
      const now = services.clock();
      const agent = await agentAuthenticator(services, { ...req.body, ip: req.ip, now });
      const session = await transact(services, { type: 'agent', id: agent.id, role: agent.role, teamIds: [], name: agent.name }, async (ctx) => {
        await recordEvent(ctx, { type: 'agents.login', subjectType: 'agent', subjectId: agent.id, data: { userAgent: req.headers['user-agent']?.slice(0, 200) ?? null } });
        return sessionCreator(ctx.db, { type: 'agent', id: agent.id }, { ip: req.ip, userAgent: req.headers['user-agent'], now });
      }, req.ip);
      setSessionCookies(reply, services, session);
      const settings = await settingsReader(db);
      return describe(services, { type: 'agent', id: agent.id }, session.csrfToken, settings.requireTotp && !agent.totpEnabled);
    },
  );

  app.post('/auth/logout', { config: { public: true }, schema: { tags: ['auth'], summary: 'End this session', response: { 204: z.null() } } }, async (req, reply) => {
    const secret = req.cookies[SESSION_COOKIE];
    if (secret) await sessionDestroyer(services, secret);
    reply.clearCookie(SESSION_COOKIE, { path: '/' }).clearCookie(CSRF_COOKIE, { path: '/' });
    return reply.code(204).send(null);
  });

  app.get('/auth/me', { config: { public: true }, schema: { tags: ['auth'], summary: 'Who is signed in', response: { 200: Me, ...errors(401) } } }, async (req) => {
    const actor = req.actor;
    if (!actor || (actor.type !== 'agent' && actor.type !== 'contact') || !req.csrfToken) throw new AppError('unauthenticated', 'Sign in first');
    return describe(services, actor, req.csrfToken, req.mustEnrollTotp);
  });

  app.post(
    '/auth/totp/setup',
    { schema: { tags: ['auth'], summary: 'Start two-factor enrolment', response: { 200: z.object({ secret: z.string(), otpauthUrl: z.string() }), ...errors(401, 403, 409) } } },
    async (req) => run(services, req, (ctx) => totpSetup(ctx)),
  );

  app.post('/auth/totp/enable', { schema: { tags: ['auth'], summary: 'Confirm two-factor with a code', body: Code, response: { 200: Me, ...errors(400, 401, 403, 409, 423, 429) } } }, async (req) => {
    const now = services.clock();
    const guess = await totpGuessCounter(services, req.actor, req.ip, now);
    await run(services, req, (ctx) => totpEnabler(ctx, req.body.code, now));
    await totpGuessSettled(services, guess, now);
    return describe(services, { type: 'agent', id: req.actor!.id! }, req.csrfToken ?? '', false);
  });

  app.post('/auth/totp/disable', { schema: { tags: ['auth'], summary: 'Turn two-factor off (needs a current code)', body: Code, response: { 200: Me, ...errors(400, 401, 403, 409, 423, 429) } } }, async (req) => {
    const now = services.clock();
    const guess = await totpGuessCounter(services, req.actor, req.ip, now);
    await run(services, req, (ctx) => totpDisabler(ctx, req.body.code, now));
    await totpGuessSettled(services, guess, now);
    const settings = await settingsReader(db);
    return describe(services, { type: 'agent', id: req.actor!.id! }, req.csrfToken ?? '', settings.requireTotp);
  });

  // Customers.
  const CustomerLogin = z.object({ email: z.email().max(254), password: z.string().min(1).max(200) });
  app.post(
    '/auth/customer/login',
    { config: loginLimit, schema: { tags: ['auth'], summary: 'Customer login with email and password', body: CustomerLogin, response: { 200: Me, ...errors(400, 401, 423, 429) } } },
    async (req, reply) => {
      const now = services.clock();
      const contact = await customerPasswordAuthenticator(services, { ...req.body, ip: req.ip, now });
      const session = await sessionCreator(db, { type: 'contact', id: contact.id }, { ip: req.ip, userAgent: req.headers['user-agent'], now });
      setSessionCookies(reply, services, session);
      return describe(services, { type: 'contact', id: contact.id }, session.csrfToken, false);
    },
  );

  app.post(
    '/auth/customer/code',
    { config: loginLimit, schema: { tags: ['auth'], summary: 'Email a one-time sign-in code', body: z.object({ email: z.email().max(254) }), response: { 202: z.object({ sent: z.literal(true) }), ...errors(400, 429) } } },
    async (req, reply) => {
      await transact(services, SYSTEM, (ctx) => customerCodeSender(ctx, req.body.email, services.clock()), req.ip);
      return reply.code(202).send({ sent: true as const });
    },
  );

  app.post(
    '/auth/customer/verify',
    { config: loginLimit, schema: { tags: ['auth'], summary: 'Sign in with the emailed code', body: z.object({ email: z.email().max(254), code: z.string().regex(/^\d{6}$/) }), response: { 200: Me, ...errors(400, 401, 429) } } },
    async (req, reply) => {
      const now = services.clock();
      const result = await transact(services, SYSTEM, (ctx) => customerCodeVerifier(ctx, { ...req.body, now }), req.ip);
      if (!result.ok) throw new AppError('invalid_credentials', result.reason);
      const session = await sessionCreator(db, { type: 'contact', id: result.contact.id }, { ip: req.ip, userAgent: req.headers['user-agent'], now });
      setSessionCookies(reply, services, session);
      return describe(services, { type: 'contact', id: result.contact.id }, session.csrfToken, false);
    },
  );

  app.post(
    '/auth/password',
    {
      schema: {
        tags: ['auth'],
        summary: 'Change your own password (agents and customers); needs the current one, and ends your other sessions',
        body: z.object({ currentPassword: CurrentPassword.optional(), newPassword: NewPassword }).strict(),
        response: { 200: Me, ...errors(400, 401, 403, 423, 429) },
      },
    },
    async (req) => {
      const actor = req.actor;
      if (!actor || (actor.type !== 'agent' && actor.type !== 'contact')) throw new AppError('forbidden', 'Only a signed-in agent or customer has a password');
      await passwordChanger(services, actor, { ...req.body, sessionId: req.sessionId, ip: req.ip, now: services.clock() });
      return describe(services, actor, req.csrfToken ?? '', req.mustEnrollTotp);
    },
  );

  app.patch(
    '/auth/customer/profile',
    {
      schema: {
        tags: ['auth'],
        summary: 'A customer sets their name, password or anti-phishing code (a new password needs the current one, if any, and ends their other sessions)',
        body: z
          .object({ name: plainText().trim().max(200), password: NewPassword, currentPassword: CurrentPassword, antiPhishingCode: z.string().trim().min(4).max(20).nullable() })
          .partial()
          .strict(),
        response: { 200: Me, ...errors(400, 401, 403, 423, 429) },
      },
    },
    async (req) => {
      const { password, currentPassword, ...rest } = req.body;
      const actor = req.actor;
      if (password) {
        if (actor?.type !== 'contact') throw new AppError('forbidden', 'Only customers have a customer profile');
        await passwordChanger(services, actor, { currentPassword, newPassword: password, sessionId: req.sessionId, ip: req.ip, now: services.clock() });
      }
      const contact = await run(services, req, (ctx) => customerProfileUpdater(ctx, rest));
      return describe(services, { type: 'contact', id: contact.id }, req.csrfToken ?? '', false);
    },
  );
}
