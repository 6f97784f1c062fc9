import { eq } from 'drizzle-orm';
import { generateSecret, generateURI } from 'otplib';
import { agents } from '../../db/schema.ts';
import { AppError } from '../../errors.ts';
import { type Ctx, recordEvent } from '../context.ts';
import { totpValid } from './agentAuthenticator.ts';
import { isAgent } from './policy.ts';

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
