import { eq } from 'drizzle-orm';
import { generateSecret, generateURI } from 'otplib';
import { agents } from '../../db/schema.ts';
import { AppError } from '../../errors.ts';
import { type Actor, type Ctx, type Services, recordEvent } from '../context.ts';
import { totpValid } from './agentAuthenticator.ts';
import { type LoginAttempt, loginAttemptCounter, loginAttemptSucceeded } from './loginThrottle.ts';
import { isAgent } from './policy.ts';

/**
 * Counts a guess at a two-factor code made from a signed-in session (turning 2FA on or off), like
 * a login attempt and before the code is checked, so a stolen session cannot try every code.
 * Runs outside the change's transaction so that a wrong code still counts. The caller reports the
 * outcome with totpGuessSettled.
 */
export async function totpGuessCounter(services: Services, actor: Actor | null, ip: string | undefined, now: Date): Promise<LoginAttempt | null> {
  if (!actor || actor.type !== 'agent') return null;
  const [agent] = await services.database.db.select({ email: agents.email }).from(agents).where(eq(agents.id, actor.id)).limit(1);
  return agent ? loginAttemptCounter(services.database.db, agent.email, ip, now) : null;
}

/** The code was right: the guess is given back. */
export async function totpGuessSettled(services: Services, attempt: LoginAttempt | null, now: Date): Promise<void> {
  if (attempt) await loginAttemptSucceeded(services.database.db, attempt, now);
}

function self(ctx: Ctx) {
  if (!isAgent(ctx.actor)) throw new AppError('forbidden', 'Two-factor authentication is for agents');
  return ctx.actor;
}

/** Starts enrolment: a fresh secret the agent adds to an authenticator app. Not active until confirmed. */
export async function totpSetup(ctx: Ctx) {
  const actor = self(ctx);
  const [agent] = await ctx.db.select().from(agents).where(eq(agents.id, actor.id));
  if (!agent) throw new AppError('not_found', 'Agent not found');
  if (agent.totpEnabled) throw new AppError('conflict', 'Two-factor authentication is already on; turn it off first');
  const secret = generateSecret();
  await ctx.db.update(agents).set({ totpSecret: secret, updatedAt: new Date() }).where(eq(agents.id, actor.id));
  return { secret, otpauthUrl: generateURI({ issuer: 'Switchboard', label: agent.email, secret }) };
}

/** Confirms enrolment with a code from the app. */
export async function totpEnabler(ctx: Ctx, code: string, now: Date) {
  const actor = self(ctx);
  const [agent] = await ctx.db.select().from(agents).where(eq(agents.id, actor.id));
  if (!agent?.totpSecret) throw new AppError('bad_request', 'Start two-factor setup first');
  if (agent.totpEnabled) throw new AppError('conflict', 'Two-factor authentication is already on');
  if (!(await totpValid(agent.totpSecret, code, now))) throw new AppError('validation_failed', 'That code is not valid; check the time on your phone');
  await ctx.db.update(agents).set({ totpEnabled: true, updatedAt: new Date() }).where(eq(agents.id, actor.id));
  await recordEvent(ctx, { type: 'agents.totp_enable', subjectType: 'agent', subjectId: actor.id });
}

/** Turns two-factor off; needs a current code so a stolen session cannot do it. */
export async function totpDisabler(ctx: Ctx, code: string, now: Date) {
  const actor = self(ctx);
  const [agent] = await ctx.db.select().from(agents).where(eq(agents.id, actor.id));
  if (!agent?.totpEnabled || !agent.totpSecret) throw new AppError('conflict', 'Two-factor authentication is not on');
  if (!(await totpValid(agent.totpSecret, code, now))) throw new AppError('validation_failed', 'That code is not valid');
  await ctx.db.update(agents).set({ totpEnabled: false, totpSecret: null, updatedAt: new Date() }).where(eq(agents.id, actor.id));
  await recordEvent(ctx, { type: 'agents.totp_disable', subjectType: 'agent', subjectId: actor.id });
}
