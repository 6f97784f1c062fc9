import { and, eq, isNull, lt, or } from 'drizzle-orm';
import { verify as verifyTotp } from 'otplib';
import { agents } from '../../db/schema.ts';
import { AppError } from '../../errors.ts';
import type { Services } from '../context.ts';
import { loginAlarmRaiser } from './loginAlarmRaiser.ts';
import { type LoginAttempt, accountLockedError, loginAttemptCounter, loginAttemptRefunder, loginAttemptSucceeded } from './loginThrottle.ts';
import { verifyPassword } from './secrets.ts';

export interface AgentLogin {
  email: string;
  password: string;
  totp?: string;
  ip?: string;
  now: Date;
}

/**
 * Checks an agent's password (and TOTP code when enrolled). The attempt is counted before either
 * is checked (see loginThrottle); counters are written outside any transaction so they count even
 * though the login fails. While failures from many places lock the account, only the password
 * together with a valid two-factor code gets in.
 */
export async function agentAuthenticator(services: Services, input: AgentLogin) {
  const db = services.database.db;
  const email = input.email.trim().toLowerCase();
  const attempt = await loginAttemptCounter(db, email, input.ip, input.now);
  const fail = async (err: AppError): Promise<never> => {
    if (attempt.started) await loginAlarmRaiser(services, email, input.ip, attempt.started).catch(() => {});
    throw err;
  };
  const [agent] = await db.select().from(agents).where(eq(agents.email, email)).limit(1);
  const passwordOk = await verifyPassword(agent?.passwordHash, input.password);

  if (attempt.accountLocked) {
    const how = 'If you have two-factor authentication on, enter your password and code together.';
    // The same answer whatever was wrong, so a locked account tells a guesser nothing.
    if (!agent || agent.disabled || !passwordOk || !agent.totpEnabled || !agent.totpSecret || !input.totp) return fail(accountLockedError(attempt, input.now, how));
    if (!(await totpAccepted(services, agent.id, agent.totpSecret, input.totp, input.now))) return fail(accountLockedError(attempt, input.now, how));
    await loginAttemptSucceeded(db, attempt, input.now);
    return agent;
  }

  if (!agent || !passwordOk || agent.disabled) return fail(new AppError('invalid_credentials', 'Wrong email or password'));
  if (agent.totpEnabled && agent.totpSecret) {
    if (!input.totp) {
      // The right password is not a failure; the attempt with the code will be counted in its turn.
      await loginAttemptRefunder(db, attempt, input.now);
      throw new AppError('mfa_required', 'Enter the 6-digit code from your authenticator app');
    }
    if (!(await totpAccepted(services, agent.id, agent.totpSecret, input.totp, input.now))) return fail(new AppError('invalid_credentials', 'Wrong or already used two-factor code'));
  }
  await loginAttemptSucceeded(db, attempt, input.now);
  return agent;
}

/**
 * Accepts a code once: a code seen once (shoulder-surfed, phished in real time) is never accepted
 * again, and of concurrent requests with the same code exactly one wins (one conditional UPDATE).
 */
async function totpAccepted(services: Services, agentId: string, secret: string, token: string, now: Date): Promise<boolean> {
  const step = await totpStep(secret, token, now);
  if (step === null) return false;
  const won = await services.database.db
    .update(agents)
    .set({ totpLastStep: step })
    .where(and(eq(agents.id, agentId), or(isNull(agents.totpLastStep), lt(agents.totpLastStep, step))))
    .returning({ id: agents.id });
  return won.length === 1;
}

export type { LoginAttempt };

/** The time step of a valid code (the current one or a neighbour, ±30 s for clock drift), or null. */
export async function totpStep(secret: string, token: string, now: Date): Promise<number | null> {
  try {
    const epoch = Math.floor(now.getTime() / 1000);
    const result = await verifyTotp({ secret, token, epoch, epochTolerance: 30 });
    return result.valid ? Math.floor(epoch / 30) + result.delta : null;
  } catch {
    return null;
  }
}

export async function totpValid(secret: string, token: string, now: Date): Promise<boolean> {
  return (await totpStep(secret, token, now)) !== null;
}
