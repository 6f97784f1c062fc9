import { eq } from 'drizzle-orm';
import { verify as verifyTotp } from 'otplib';
import type { Db } from '../../db/client.ts';
import { agents } from '../../db/schema.ts';
import { AppError } from '../../errors.ts';
import { loginThrottleCheck, loginThrottleFail, loginThrottleReset } from './loginThrottle.ts';
import { verifyPassword } from './secrets.ts';

export interface AgentLogin {
  email: string;
  password: string;
  totp?: string;
  ip?: string;
  now: Date;
}

/**
 * Checks an agent's password (and TOTP code when enrolled). Throttled per account and per IP;
 * failures are written outside any transaction so they count even though the login fails.
 */
export async function agentAuthenticator(db: Db, input: AgentLogin) {
  const email = input.email.trim().toLowerCase();
  await loginThrottleCheck(db, email, input.ip, input.now);
  const [agent] = await db.select().from(agents).where(eq(agents.email, email)).limit(1);
  const passwordOk = await verifyPassword(agent?.passwordHash, input.password);
  if (!agent || !passwordOk || agent.disabled) {
    await loginThrottleFail(db, email, input.ip, input.now);
    throw new AppError('invalid_credentials', 'Wrong email or password');
  }
  if (agent.totpEnabled && agent.totpSecret) {
    if (!input.totp) throw new AppError('mfa_required', 'Enter the 6-digit code from your authenticator app');
    const step = await totpStep(agent.totpSecret, input.totp, input.now);
    // A code seen once (shoulder-surfed, phished in real time) is never accepted again.
    if (step === null || (agent.totpLastStep !== null && step <= agent.totpLastStep)) {
      await loginThrottleFail(db, email, input.ip, input.now);
      throw new AppError('invalid_credentials', 'Wrong or already used two-factor code');
    }
    await db.update(agents).set({ totpLastStep: step }).where(eq(agents.id, agent.id));
  }
  await loginThrottleReset(db, email);
  return agent;
}

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
