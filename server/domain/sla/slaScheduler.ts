import { asc, eq } from 'drizzle-orm';
import type { Priority } from '../../../common/enums.ts';
import { conversations, slaPolicies, teams } from '../../db/schema.ts';
import { QUEUES } from '../../jobs/boss.ts';
import { cached } from '../cache.ts';
import { type Ctx, job } from '../context.ts';
import { addBusinessMinutes, businessMinutesBetween } from './businessTime.ts';

export type SlaKind = 'first_response' | 'next_response' | 'resolution';
export const SLA_FIELDS = { first_response: 'firstResponseDueAt', next_response: 'nextResponseDueAt', resolution: 'resolutionDueAt' } as const;

/** What just happened to the conversation, as far as its clocks are concerned. */
export type SlaTrigger = 'create' | 'change' | 'customer_message' | 'agent_reply';

/** The first enabled policy, by position, whose priority and category match (null fields match anything). */
export async function slaPolicyFinder(ctx: Ctx, priority: Priority, categoryId: string | null) {
  // Policies change rarely and are read on every message: one copy per process, dropped on change.
  const policies = await cached(ctx.services, 'sla:policies', ['sla_policies.'], 60_000, () =>
    ctx.db.select().from(slaPolicies).where(eq(slaPolicies.enabled, true)).orderBy(asc(slaPolicies.position), asc(slaPolicies.createdAt)),
  );
  return policies.find((p) => (p.priority === null || p.priority === priority) && (p.categoryId === null || p.categoryId === categoryId)) ?? null;
}

async function teamCalendar(ctx: Ctx, teamId: string) {
  const calendars = await cached(ctx.services, 'sla:calendars', ['teams.'], 60_000, async () =>
    new Map((await ctx.db.select({ id: teams.id, calendar: teams.calendar }).from(teams)).map((t) => [t.id, t.calendar])),
  );
  return calendars.get(teamId) ?? null;
}

/** The clock fields a plan writes, and the durable checks it needs once they are written. */
export interface SlaPlan {
  /** Fields to write on the conversation (nothing when no clock moved). */
  set: Partial<typeof conversations.$inferInsert>;
  /** One check per due time that changed and is set. */
  checks: { kind: SlaKind; at: Date }[];
}

/**
 * Works out a conversation's SLA due times from its policy and the owning team's business hours
 * (both cached, so this reads nothing from the database once warm). Solved and closed
 * conversations have no running clocks; a conversation waiting on the customer has no
 * next-response clock. `c` is the row as it will be once the caller's changes are written.
 */
export async function slaPlanner(ctx: Ctx, c: typeof conversations.$inferSelect, trigger: SlaTrigger): Promise<SlaPlan> {
  const now = ctx.services.clock();
  const due: Record<SlaKind, Date | null> = { first_response: null, next_response: null, resolution: null };
  let policyId: string | null = null;

  // The resolution clock runs only while the ticket is ours to work on: waiting on the customer,
  // on hold and solved stop it, and the time stopped (in business time) moves its due time later.
  let pausedAt = c.slaPausedAt ?? null;
  let pausedSeconds = c.slaPausedSeconds ?? 0;
  const stopped = c.status === 'pending' || c.status === 'on_hold' || c.status === 'solved';

  if (c.status !== 'closed') {
    const policy = await slaPolicyFinder(ctx, c.priority, c.categoryId);
    if (policy) {
      const calendar = policy.businessHours && c.teamId ? await teamCalendar(ctx, c.teamId) : null;
      const add = (from: Date, minutes: number | null) => (minutes == null ? null : addBusinessMinutes(from, minutes, calendar));
      if (stopped && !pausedAt) pausedAt = now;
      if (!stopped && pausedAt) {
        pausedSeconds += Math.round(businessMinutesBetween(pausedAt, now, calendar) * 60);
        pausedAt = null;
      }
      if (c.status !== 'solved') {
        policyId = policy.id;
        due.first_response = c.firstResponseAt ? null : add(c.createdAt, policy.firstResponseMinutes);
        due.resolution = stopped || policy.resolutionMinutes == null ? null : add(c.createdAt, policy.resolutionMinutes + pausedSeconds / 60);
        // The next-response clock runs from the customer's oldest unanswered message (as Zendesk's
        // "next reply time"): a second message while waiting neither resets it nor schedules another check.
        if (trigger === 'customer_message' && c.firstResponseAt) due.next_response = c.nextResponseDueAt ?? add(now, policy.nextResponseMinutes);
        else if (trigger === 'agent_reply' || c.status === 'pending' || !c.firstResponseAt) due.next_response = null;
        else due.next_response = c.nextResponseDueAt;
      }
    }
  }

  const current = { first_response: c.firstResponseDueAt, next_response: c.nextResponseDueAt, resolution: c.resolutionDueAt };
  const changed = (Object.keys(due) as SlaKind[]).filter((k) => (due[k]?.getTime() ?? null) !== (current[k]?.getTime() ?? null));
  const set: Partial<typeof conversations.$inferInsert> = {};
  if ((pausedAt?.getTime() ?? null) !== (c.slaPausedAt?.getTime() ?? null) || pausedSeconds !== c.slaPausedSeconds) Object.assign(set, { slaPausedAt: pausedAt, slaPausedSeconds: pausedSeconds });
  if (!changed.length && policyId === c.slaPolicyId) return { set, checks: [] };
  Object.assign(set, { firstResponseDueAt: due.first_response, nextResponseDueAt: due.next_response, resolutionDueAt: due.resolution, slaPolicyId: policyId });
  // A check per due time; a later change makes an earlier check find a different due time and do nothing.
  return { set, checks: changed.flatMap((kind) => (due[kind] ? [{ kind, at: due[kind] }] : [])) };
}

/** A plan's durable checks, one job per due time, to enqueue with the change that set them. */
export const slaCheckJobs = (conversationId: string, checks: SlaPlan['checks']) =>
  checks.map(({ kind, at }) => job(QUEUES.slaCheck, { conversationId, kind, dueAt: at.toISOString() }, { startAfter: at }));

/**
 * Sets a conversation's SLA due times (see slaPlanner) and schedules a durable check at each new
 * due time, writing the caller's pending changes in the same UPDATE.
 */
export async function slaScheduler(
  ctx: Ctx,
  conversationId: string,
  trigger: SlaTrigger,
  /** The caller's locked row and the changes it is about to write: one UPDATE carries both. */
  known?: { row: typeof conversations.$inferSelect; pending: Partial<typeof conversations.$inferInsert> },
): Promise<void> {
  const c = known ? ({ ...known.row, ...known.pending } as typeof conversations.$inferSelect) : (await ctx.db.select().from(conversations).where(eq(conversations.id, conversationId)))[0];
  if (!c) return;
  const plan = await slaPlanner(ctx, c, trigger);
  const set = { ...(known?.pending ?? {}), ...plan.set };
  if (Object.keys(set).length) await ctx.db.update(conversations).set(set).where(eq(conversations.id, conversationId));
  ctx.jobs.push(...slaCheckJobs(conversationId, plan.checks));
}
