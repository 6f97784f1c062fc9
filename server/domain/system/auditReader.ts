import { desc, lt } from 'drizzle-orm';
import { events } from '../../db/schema.ts';
import { requireAdmin } from '../auth/policy.ts';
import type { Ctx } from '../context.ts';
import { actorNames } from '../conversations/timelineReader.ts';

/** The audit log for admins: every event, newest first, paged by id. */
export async function auditReader(ctx: Ctx, query: { limit: number; before?: number }) {
  requireAdmin(ctx.actor);
  const rows = await ctx.db
    .select()
    .from(events)
    .where(query.before ? lt(events.id, query.before) : undefined)
    .orderBy(desc(events.id))
    .limit(query.limit + 1);
  const page = rows.slice(0, query.limit);
  const names = await actorNames(ctx.db, page.map((r) => ({ type: r.actorType, id: r.actorId })));
  return {
    items: page.map((r) => ({ ...r, actorName: r.actorId ? (names.get(r.actorId) ?? null) : null })),
    nextCursor: rows.length > query.limit ? String(page.at(-1)!.id) : null,
  };
}
