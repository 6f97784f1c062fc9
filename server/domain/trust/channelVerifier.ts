import { and, desc, eq, gte, sql } from 'drizzle-orm';
import type { OfficialChannelKind } from '../../../common/enums.ts';
import type { VerifyLookupReport, VerifyOut } from '../../../common/schemas.ts';
import { inboxes, officialChannels, verifyLookups } from '../../db/schema.ts';
import { requireStaff } from '../auth/policy.ts';
import { cached } from '../cache.ts';
import type { Ctx } from '../context.ts';
import { canonicalChannel, covers, type Reading, readingsOf } from './channelValues.ts';

/** Inbox settings that name the channel publicly, by inbox kind, and what kind of official channel they are. */
const INBOX_PUBLIC: Partial<Record<(typeof inboxes.$inferSelect)['kind'], { setting: string; kind: OfficialChannelKind }[]>> = {
  email: [{ setting: 'address', kind: 'email' }],
  telegram: [{ setting: 'username', kind: 'telegram' }],
  x: [{ setting: 'handle', kind: 'x' }],
  meta: [{ setting: 'pageName', kind: 'facebook' }],
  phone: [{ setting: 'number', kind: 'phone' }],
};

interface Known extends Reading {
  label: string;
  note: string;
  active: boolean;
}

/**
 * Everything the desk answers as: the official channels admins list, the public addresses of its
 * enabled inboxes, and the host this desk is served from.
 */
export function knownChannels(ctx: Ctx): Promise<Known[]> {
  // Anyone may ask /verify, as often as the rate limit lets them: the list is read once a minute at
  // most, and again as soon as an official channel or an inbox changes.
  return cached(ctx.services, 'trust:known-channels', ['official_channels.', 'inboxes.'], 60_000, () => knownChannelsLoader(ctx));
}

async function knownChannelsLoader(ctx: Ctx): Promise<Known[]> {
  const listed = await ctx.db.select().from(officialChannels);
  const known: Known[] = listed.map((r) => ({ kind: r.kind, value: r.value, label: r.label, note: r.note, active: r.active }));
  for (const inbox of await ctx.db.select().from(inboxes).where(eq(inboxes.enabled, true))) {
    for (const { setting, kind } of INBOX_PUBLIC[inbox.kind] ?? []) {
      const raw = inbox.settings[setting];
      const c = typeof raw === 'string' ? canonicalChannel(kind, raw) : null;
      if (c && !(c instanceof Error)) known.push({ kind, value: c.value, label: c.label, note: inbox.name, active: true });
    }
  }
  const site = canonicalChannel('website', ctx.services.env.publicUrl);
  if (!(site instanceof Error)) known.push({ kind: 'website', value: site.value, label: site.label, note: '', active: true });
  return known;
}

/**
 * /verify: whether what reached a customer (a link, an address, an account, a number) is one of
 * ours. Open to anyone; it says only what the desk publishes anyway.
 */
export async function channelVerifier(ctx: Ctx, query: string): Promise<VerifyOut> {
  const readings = readingsOf(query);
  const known = await knownChannels(ctx);
  const hits = known.filter((k) => readings.some((r) => covers(k, r)));
  const active = hits.filter((h) => h.active);
  const seen = new Set<string>();
  const matches = active
    .filter((h) => !seen.has(`${h.kind} ${h.value}`) && seen.add(`${h.kind} ${h.value}`))
    .map((h) => ({ kind: h.kind, label: h.label, note: h.note }));
  const first = readings[0];
  const result: VerifyOut = {
    query,
    readAs: !first ? 'unknown' : readings.length > 1 ? 'handle' : first.kind,
    official: matches.length > 0,
    retired: !matches.length && hits.length > 0,
    matches,
  };
  // Kept for the security team (what reaches customers that is not ours); text that reads as
  // nothing is not kept, and neither is anything but the canonical reading.
  if (first) {
    await ctx.db
      .insert(verifyLookups)
      .values({ kind: result.readAs, value: first.value, official: result.official, retired: result.retired })
      .catch(() => {});
  }
  return result;
}

/** The lookups of the last `days` days: counts, and what was asked about that is not ours (staff). */
export async function verifyLookupReporter(ctx: Ctx, days: number): Promise<VerifyLookupReport> {
  requireStaff(ctx.actor);
  const since = new Date(ctx.services.clock().getTime() - days * 86_400_000);
  const recent = gte(verifyLookups.createdAt, since);
  const [totals] = await ctx.db
    .select({ checks: sql<number>`count(*)::int`, official: sql<number>`(count(*) filter (where ${verifyLookups.official}))::int` })
    .from(verifyLookups)
    .where(recent);
  const rows = await ctx.db
    .select({
      // The same name asked as a t.me link and as a bare @handle is one account: the kind named most precisely wins.
      kind: sql<string>`(array_agg(${verifyLookups.kind} order by ${verifyLookups.kind} = 'handle', ${verifyLookups.createdAt} desc))[1]`,
      value: verifyLookups.value,
      count: sql<number>`count(*)::int`,
      retired: sql<boolean>`bool_or(${verifyLookups.retired})`,
      lastAt: sql<Date>`max(${verifyLookups.createdAt})`.mapWith(verifyLookups.createdAt),
    })
    .from(verifyLookups)
    .where(and(recent, eq(verifyLookups.official, false)))
    .groupBy(verifyLookups.value)
    .orderBy(desc(sql`count(*)`), desc(sql`max(${verifyLookups.createdAt})`))
    .limit(50);
  return {
    days,
    checks: totals?.checks ?? 0,
    official: totals?.official ?? 0,
    notOurs: rows.map((r) => ({ kind: r.kind, value: r.value, count: r.count, retired: r.retired, lastAt: r.lastAt.toISOString() })),
  };
}
