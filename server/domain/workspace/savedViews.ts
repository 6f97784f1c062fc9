import { and, asc, eq, or } from 'drizzle-orm';
import type { z } from 'zod';
import { ConversationListQuery, type SavedViewCreate } from '../../../common/schemas.ts';
import { savedViews } from '../../db/schema.ts';
import { AppError, forbidden, notFound } from '../../errors.ts';
import { isAgent, isSupervisor } from '../auth/policy.ts';
import { type Ctx, recordEvent } from '../context.ts';

function me(ctx: Ctx) {
  if (!isAgent(ctx.actor)) throw forbidden('Saved views belong to agents');
  return ctx.actor;
}

/** The agent's own views and every shared one. */
export async function savedViewLister(ctx: Ctx) {
  const agent = me(ctx);
  const rows = await ctx.db.select().from(savedViews).where(or(eq(savedViews.agentId, agent.id), eq(savedViews.shared, true))).orderBy(asc(savedViews.name));
  return rows.map((r) => ({ ...r, mine: r.agentId === agent.id }));
}

/** Saves filters as a view; only supervisors and admins share one with everybody. The query must be a valid list query. */
export async function savedViewCreator(ctx: Ctx, input: z.output<typeof SavedViewCreate>) {
  const agent = me(ctx);
  if (input.shared && !isSupervisor(agent)) throw forbidden('Only supervisors and admins share views');
  const { cursor: _c, limit: _l, ...query } = input.query;
  const check = ConversationListQuery.safeParse(query);
  if (!check.success) throw new AppError('validation_failed', `The view's filters are not valid: ${check.error.issues[0]?.message}`);
  const [row] = await ctx.db.insert(savedViews).values({ agentId: agent.id, name: input.name, query, shared: input.shared }).returning();
  await recordEvent(ctx, { type: 'saved_views.create', subjectType: 'saved_view', subjectId: row!.id, data: { name: input.name, shared: input.shared } });
  return { ...row!, mine: true };
}

export async function savedViewDeleter(ctx: Ctx, id: string) {
  const agent = me(ctx);
  const [row] = await ctx.db.select().from(savedViews).where(eq(savedViews.id, id));
  if (!row || (row.agentId !== agent.id && !row.shared)) throw notFound('Saved view');
  if (row.agentId !== agent.id && !isSupervisor(agent)) throw forbidden('Only supervisors and admins remove shared views');
  await ctx.db.delete(savedViews).where(and(eq(savedViews.id, id)));
  await recordEvent(ctx, { type: 'saved_views.delete', subjectType: 'saved_view', subjectId: id, data: { name: row.name } });
}
