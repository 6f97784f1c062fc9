import { and, eq, inArray, isNull, lt, or, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { loginThrottles } from '../../db/schema.ts';
import { AppError } from '../../errors.ts';

/**
 * Login attempt limits, shared by every process through the database.
 *
 * Invariant: an attempt is counted (one atomic upsert per counter) BEFORE its secret is checked,
 * and refused without checking anything while a counter is locked — so a burst of concurrent
 * guesses can never check more secrets than the limit. A success gives its attempt back.
 *
 * Three counters, so one attacker cannot lock anyone out:
 * - `pair` (account + source): the usual lock. A guesser locks only themselves, with a lock
 *   that doubles every time it comes back.
 * - `account` (every source): a distributed attack. It locks the password alone; the owner still
 *   gets in with password AND a two-factor code (agents), or an emailed code (customers).
 * - `ip` (every account): a source spraying many accounts.
 */
export const THROTTLE = {
  pair: { limit: 5, lockMinutes: 1, maxLockMinutes: 60 },
  account: { limit: 10, lockMinutes: 15, maxLockMinutes: 240 },
  ip: { limit: 30, lockMinutes: 15, maxLockMinutes: 240 },
  /** Attempts older than this no longer count. */
  windowMinutes: 15,
  /** A counter left alone this long forgets its past locks (the backoff starts again). */
  forgetHours: 24,
} as const;

export type ThrottleKind = 'pair' | 'account' | 'ip';

export const throttleKeys = (email: string, ip: string | undefined) => ({
  pair: `pair:${email}|${ip ?? 'unknown'}`,
  account: `account:${email}`,
  ip: `ip:${ip ?? 'unknown'}`,
});
export type ThrottleKeys = ReturnType<typeof throttleKeys>;

type Counted = { ok: true; lockedNow: boolean; lockedUntil: Date | null; locks: number } | { ok: false; lockedUntil: Date };

const rowsOf = <T>(res: unknown): T[] => (Array.isArray(res) ? res : ((res as { rows?: T[] }).rows ?? [])) as T[];

/** Counts one attempt on a counter unless it is locked; reaching the limit starts a lock (longer each time). */
async function countAttempt(db: Db, key: string, kind: ThrottleKind, now: Date): Promise<Counted> {
  const rule = THROTTLE[kind];
  const at = sql`${now.toISOString()}::timestamptz`;
  const windowStart = sql`${new Date(now.getTime() - THROTTLE.windowMinutes * 60_000).toISOString()}::timestamptz`;
  const forgetBefore = sql`${new Date(now.getTime() - THROTTLE.forgetHours * 3_600_000).toISOString()}::timestamptz`;
  const limit = sql`${rule.limit}::int`;
  const fresh = sql`t.window_started_at < ${windowStart}`;
  const failures = sql`(case when ${fresh} then 1 else t.failures + 1 end)`;
  const pastLocks = sql`(case when t.window_started_at < ${forgetBefore} then 0 else t.locks end)`;
  const lockFor = (locks: ReturnType<typeof sql>) =>
    sql`${at} + interval '1 minute' * least(${rule.lockMinutes}::int * power(2, least(${locks}, 16)), ${rule.maxLockMinutes}::int)`;
  // The WHERE makes a locked counter refuse the attempt in the same statement that would count it.
  const res = await db.execute(sql`
    insert into login_throttles as t (key, failures, window_started_at, locked_until, locks)
    values (${key}, 1, ${at}, case when 1 >= ${limit} then ${lockFor(sql`0`)} end, case when 1 >= ${limit} then 1 else 0 end)
    on conflict (key) do update set
      failures = ${failures},
      window_started_at = case when ${fresh} then ${at} else t.window_started_at end,
      locked_until = case when ${failures} >= ${limit} then ${lockFor(pastLocks)} else t.locked_until end,
      locks = ${pastLocks} + case when ${failures} >= ${limit} then 1 else 0 end
    where t.locked_until is null or t.locked_until <= ${at}
    returning t.failures, t.locked_until, t.locks`);
  const [row] = rowsOf<{ failures: number; locked_until: string | Date | null; locks: number }>(res);
  if (row) {
    const until = row.locked_until ? new Date(row.locked_until) : null;
    return { ok: true, lockedNow: Boolean(until && until > now), lockedUntil: until, locks: Number(row.locks) };
  }
  const [locked] = await db.select({ lockedUntil: loginThrottles.lockedUntil }).from(loginThrottles).where(eq(loginThrottles.key, key));
  return { ok: false, lockedUntil: locked?.lockedUntil ?? now };
}

/** Gives an attempt back (it turned out right); lifts a lock that this very attempt started. */
async function giveBack(db: Db, key: string, kind: ThrottleKind, now: Date): Promise<void> {
  const at = sql`${now.toISOString()}::timestamptz`;
  const lifted = sql`(locked_until > ${at} and failures - 1 < ${THROTTLE[kind].limit}::int)`;
  await db.execute(sql`
    update login_throttles set
      failures = greatest(failures - 1, 0),
      locks = case when ${lifted} then greatest(locks - 1, 0) else locks end,
      locked_until = case when ${lifted} then null else locked_until end
    where key = ${key}`);
}

const minutesLeft = (until: Date, now: Date) => Math.max(1, Math.ceil((until.getTime() - now.getTime()) / 60_000));

/** What the gate let through: the attempt is counted; the caller checks the secret and settles it. */
export interface LoginAttempt {
  keys: ThrottleKeys;
  /** The account is locked by failures from many sources: only a second factor gets through. */
  accountLocked: { until: Date } | null;
  /** This attempt started a lock (the agent is told once the attempt fails). */
  started: { kind: 'pair' | 'account'; locks: number; until: Date } | null;
}

/**
 * Counts a login attempt before any secret is checked. Refuses at once (nothing checked) when the
 * source is locked for everything (`rate_limited`) or for this account (`locked`).
 */
export async function loginAttemptCounter(db: Db, email: string, ip: string | undefined, now: Date): Promise<LoginAttempt> {
  const keys = throttleKeys(email, ip);
  // Counters quiet for a day and not locked remember nothing useful (their backoff is forgotten
  // anyway): about one attempt in a hundred clears them, so guessed emails do not pile up rows.
  if (Math.random() < 0.01) await loginThrottleSweeper(db, now);
  const byIp = await countAttempt(db, keys.ip, 'ip', now);
  if (!byIp.ok) {
    const minutes = minutesLeft(byIp.lockedUntil, now);
    throw new AppError('rate_limited', `Too many failed logins from your network. Try again in ${minutes} min.`, { retryAfter: minutes * 60 });
  }
  const pair = await countAttempt(db, keys.pair, 'pair', now);
  if (!pair.ok) {
    // A refused attempt checked nothing: it does not use up the network's allowance.
    await giveBack(db, keys.ip, 'ip', now);
    const minutes = minutesLeft(pair.lockedUntil, now);
    throw new AppError('locked', `Too many failed logins: this account is locked for ${minutes} min.`, { retryAfter: minutes * 60 });
  }
  const account = await countAttempt(db, keys.account, 'account', now);
  const accountLocked = account.ok ? null : { until: account.lockedUntil };
  // The owner hears of an account lock, and of a source's lock while the account is not locked
  // (bounded: a distributed attack would otherwise send one notice per source).
  const started =
    account.ok && account.lockedNow
      ? { kind: 'account' as const, locks: account.locks, until: account.lockedUntil! }
      : pair.lockedNow && !accountLocked
        ? { kind: 'pair' as const, locks: pair.locks, until: pair.lockedUntil! }
        : null;
  return { keys, accountLocked, started };
}

/** The refusal while the account is locked by others; says what still works, never whether the password was right. */
export function accountLockedError(attempt: LoginAttempt, now: Date, how: string): AppError {
  const minutes = minutesLeft(attempt.accountLocked?.until ?? now, now);
  return new AppError('locked', `Too many failed logins on this account from several places: passwords alone are refused for ${minutes} min. ${how}`, { retryAfter: minutes * 60 });
}

/** The secret was right but the login is not finished (a second factor is asked for): not a failure. */
export async function loginAttemptRefunder(db: Db, attempt: LoginAttempt, now: Date): Promise<void> {
  await giveBack(db, attempt.keys.ip, 'ip', now);
  await giveBack(db, attempt.keys.pair, 'pair', now);
  if (!attempt.accountLocked) await giveBack(db, attempt.keys.account, 'account', now);
}

/**
 * A successful login: its source starts afresh for this account and its attempt is given back.
 * The account counter keeps other sources' failures (one good login must not reset a distributed
 * attack), and the IP counter keeps other accounts' failures (nor a spraying network's).
 */
export async function loginAttemptSucceeded(db: Db, attempt: LoginAttempt, now: Date): Promise<void> {
  await db.delete(loginThrottles).where(inArray(loginThrottles.key, [attempt.keys.pair]));
  await giveBack(db, attempt.keys.ip, 'ip', now);
  if (!attempt.accountLocked) await giveBack(db, attempt.keys.account, 'account', now);
}

/** Deletes counters that no longer count anything: quiet for THROTTLE.forgetHours and not locked. */
export async function loginThrottleSweeper(db: Db, now: Date): Promise<void> {
  const before = new Date(now.getTime() - THROTTLE.forgetHours * 3_600_000);
  await db.delete(loginThrottles).where(and(lt(loginThrottles.windowStartedAt, before), or(isNull(loginThrottles.lockedUntil), lt(loginThrottles.lockedUntil, now))));
}
