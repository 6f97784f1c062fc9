import { sql } from 'drizzle-orm';
import type { Ctx } from '../context.ts';

/** What an anonymous form may make us mail: per recipient address and per requesting IP, per window. */
export const ANONYMOUS_MAIL_LIMITS = { perAddress: 3, perIp: 10, windowMinutes: 60 } as const;

/**
 * Counts one mail against each key and says whether every key is still within its limit.
 * Each count is one upsert (the row lock orders concurrent requests on every process), so a
 * burst cannot read the same count and all pass. Keys are checked in order and counting stops
 * at the first refusal, so an IP that is over its limit does not use up an address's allowance.
 * A window starts with its first mail and is replaced once it is older than windowMinutes.
 */
export async function mailSendLimiter(ctx: Ctx, limits: { key: string; max: number }[], windowMinutes: number = ANONYMOUS_MAIL_LIMITS.windowMinutes): Promise<boolean> {
  const now = ctx.services.clock();
  const windowStart = new Date(now.getTime() - windowMinutes * 60_000);
  for (const { key, max } of limits) {
    const res = await ctx.db.execute(sql`
      insert into mail_send_counters (key, count, window_started_at)
      values (${key}, 1, ${now})
      on conflict (key) do update set
        count = case when mail_send_counters.window_started_at <= ${windowStart} then 1 else mail_send_counters.count + 1 end,
        window_started_at = case when mail_send_counters.window_started_at <= ${windowStart} then ${now} else mail_send_counters.window_started_at end
      returning count`);
    const rows = (Array.isArray(res) ? res : (res as { rows: { count: number }[] }).rows) as { count: number }[];
    if (Number(rows[0]!.count) > max) return false;
  }
  return true;
}
