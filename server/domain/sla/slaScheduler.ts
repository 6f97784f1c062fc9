import { and, asc, eq, isNull, or } from 'drizzle-orm';
import type { Priority } from '../../../common/enums.ts';
import { conversations, slaPolicies, teams } from '../../db/schema.ts';
import { QUEUES } from '../../jobs/boss.ts';
import { type Ctx, enqueue } from '../context.ts';
import { addBusinessMinutes } from './businessTime.ts';

export type SlaKind = 'first_response' | 'next_response' | 'resolution';
export const SLA_FIELDS = { first_response: 'firstResponseDueAt', next_response: 'nextResponseDueAt', resolution: 'resolutionDueAt' } as const;

/** What just happened to the conversation, as far as its clocks are concerned. */
export type SlaTrigger = 'create' | 'change' | 'customer_message' | 'agent_reply';

/** The first enabled policy, by position, whose priority and category match (null fields match anything). */
export async function slaPolicyFinder(ctx: Ctx, priority: Priority, categoryId: string | null) {
  const [policy] = await ctx.db
    .select()
    .from(slaPolicies)
    .where(
      and(
        eq(slaPolicies.enabled, true),
        or(isNull(slaPolicies.priority), eq(slaPolicies.priority, priority)),
        categoryId ? or(isNull(slaPolicies.categoryId), eq(slaPolicies.categoryId, categoryId)) : isNull(slaPolicies.categoryId),
      ),
    )
    .orderBy(asc(slaPolicies.position), asc(slaPolicies.createdAt))
    .limit(1);
  return policy ?? null;
}

/**
 * Sets a conversation's SLA due times from its policy and the owning team's business hours,
 * and schedules a durable check at each new due time. Solved and closed conversations have
 * no running clocks; a conversation waiting on the customer has no next-response clock.
 */
export async function slaScheduler(ctx: Ctx, conversationId: string, trigger: SlaTrigger): Promise<void> {
  const [c] = await ctx.db.select().from(conversations).where(eq(conversations.id, conversationId));
  if (!c) return;
  const now = ctx.services.clock();
  const due: Record<SlaKind, Date | null> = { first_response: null, next_response: null, resolution: null };
  let policyId: string | null = null;

  if (c.status !== 'solved' && c.status !== 'closed') {
    const policy = await slaPolicyFinder(ctx, c.priority, c.categoryId);
    if (policy) {
      policyId = policy.id;
      const calendar = policy.businessHours && c.teamId ? ((await ctx.db.select({ calendar: teams.calendar }).from(teams).where(eq(teams.id, c.teamId)))[0]?.calendar ?? null) : null;
      const add = (from: Date, minutes: number | null) => (minutes == null ? null : addBusinessMinutes(from, minutes, calendar));
      due.first_response = c.firstResponseAt ? null : add(c.createdAt, policy.firstResponseMinutes);
      due.resolution = add(c.createdAt, policy.resolutionMinutes);
      if (trigger === 'customer_message' && c.firstResponseAt) due.next_response = add(now, policy.nextResponseMinutes);
      else if (trigger === 'agent_reply' || c.status === 'pending' || !c.firstResponseAt) due.next_response = null;
      else due.next_response = c.nextResponseDueAt;
    }
  }

  const current = { first_response: c.firstResponseDueAt, next_response: c.nextResponseDueAt, resolution: c.resolutionDueAt };
  const changed = (Object.keys(due) as SlaKind[]).filter((k) => (due[k]?.getTime() ?? null) !== (current[k]?.getTime() ?? null));
  if (!changed.length && policyId === c.slaPolicyId) return;
  await ctx.db
    .update(conversations)
    .set({ firstResponseDueAt: due.first_response, nextResponseDueAt: due.next_response, resolutionDueAt: due.resolution, slaPolicyId: policyId })
    .where(eq(conversations.id, conversationId));
  for (const kind of changed) {
    const at = due[kind];
    // A job per due time; a later change makes an earlier job find a different due time and do nothing.
    if (at) await enqueue(ctx, QUEUES.slaCheck, { conversationId, kind, dueAt: at.toISOString() }, { startAfter: at });
  }
}
