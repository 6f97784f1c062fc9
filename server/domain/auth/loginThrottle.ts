import { eq, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { loginThrottles } from '../../db/schema.ts';
import { AppError } from '../../errors.ts';

/** Failures allowed per account, and per IP, inside one window before a lock. */
export const THROTTLE = { accountFailures: 5, ipFailures: 30, windowMinutes: 15, lockMinutes: 15 } as const;

const keys = (email: string, ip: string | undefined) => ({ account: `account:${email}`, ip: `ip:${ip ?? 'unknown'}` });

/** Refuses a login attempt while the account or the IP is locked. Runs before the password is checked. */
export async function loginThrottleCheck(db: Db, email: string, ip: string | undefined, now: Date): Promise<void> {
  const k = keys(email, ip);
  const rows = await db.select().from(loginThrottles).where(sql`${loginThrottles.key} in (${k.account}, ${k.ip})`);
  for (const row of rows) {
    if (row.lockedUntil && row.lockedUntil > now) {
      const minutes = Math.ceil((row.lockedUntil.getTime() - now.getTime()) / 60_000);
      if (row.key === k.ip) throw new AppError('rate_limited', `Too many failed logins from your network. Try again in ${minutes} min.`, { retryAfter: minutes * 60 });
      throw new AppError('locked', `Too many failed logins: this account is locked for ${minutes} min.`, { retryAfter: minutes * 60 });
    }
  }
}

/** Counts a failure against the account and the IP; the caller commits it even though the login fails. */
export async function loginThrottleFail(db: Db, email: string, ip: string | undefined, now: Date): Promise<void> {
  const k = keys(email, ip);
  const windowStart = new Date(now.getTime() - THROTTLE.windowMinutes * 60_000);
  const lockUntil = new Date(now.getTime() + THROTTLE.lockMinutes * 60_000);
  for (const [key, limit] of [
    [k.account, THROTTLE.accountFailures],
    [k.ip, THROTTLE.ipFailures],
  ] as const) {
    // One statement: concurrent failures from several processes all count.
    await db.execute(sql`
      insert into login_throttles (key, failures, window_started_at, locked_until)
      values (${key}, 1, ${now}, null)
      on conflict (key) do update set
        failures = case when login_throttles.window_started_at < ${windowStart} then 1 else login_throttles.failures + 1 end,
        window_started_at = case when login_throttles.window_started_at < ${windowStart} then ${now} else login_throttles.window_started_at end,
        locked_until = case
          when login_throttles.window_started_at >= ${windowStart} and login_throttles.failures + 1 >= ${limit} then ${lockUntil}::timestamptz
          else login_throttles.locked_until end`);
  }
}

/** A successful login clears the account's counter (not the IP's: one good password must not unlock a spraying IP). */
export async function loginThrottleReset(db: Db, email: string): Promise<void> {
  await db.delete(loginThrottles).where(eq(loginThrottles.key, `account:${email}`));
}
