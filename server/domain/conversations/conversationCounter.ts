import { count, inArray, sql } from 'drizzle-orm';
import { conversations } from '../../db/schema.ts';
import { conversationScope, requireStaff, scoped } from '../auth/policy.ts';
import type { Ctx } from '../context.ts';

const OPEN = ['new', 'open', 'pending', 'on_hold'] as const;

/** Open work per inbox view, as the agent's sidebar shows it. */
export async function conversationCounter(ctx: Ctx) {
  const actor = requireStaff(ctx.actor);
  const open = inArray(conversations.status, [...OPEN]);
  const scope = conversationScope(actor);
  const me = actor.type === 'agent' ? actor : null;
  const [row] = await ctx.db
    .select({
      all: count(),
      mine: me ? sql<number>`count(*) filter (where ${conversations.assigneeId} = ${me.id})`.mapWith(Number) : sql<number>`0`.mapWith(Number),
      unassigned: sql<number>`count(*) filter (where ${conversations.assigneeId} is null)`.mapWith(Number),
      teams: me?.teamIds.length ? sql<number>`count(*) filter (where ${inArray(conversations.teamId, me.teamIds)})`.mapWith(Number) : sql<number>`0`.mapWith(Number),
    })
    .from(conversations)
    .where(scoped(scope, open));
  return row!;
}
