import { asc, eq } from 'drizzle-orm';
import type { z } from 'zod';
import type { TeamCreate, TeamUpdate } from '../../../common/schemas.ts';
import type { Db } from '../../db/client.ts';
import { type BusinessCalendar, teamMembers, teams } from '../../db/schema.ts';
import { validateCalendar } from '../sla/businessTime.ts';
import { AppError, notFound } from '../../errors.ts';
import { requireAdmin, requireStaff } from '../auth/policy.ts';
import { type Ctx, diff, recordEvent } from '../context.ts';

export type TeamWithMembers = typeof teams.$inferSelect & { memberIds: string[]; supervisorIds: string[] };

async function withMembers(db: Db, rows: (typeof teams.$inferSelect)[]): Promise<TeamWithMembers[]> {
  const members = rows.length ? await db.select().from(teamMembers) : [];
  return rows.map((t) => {
    const mine = members.filter((m) => m.teamId === t.id);
    return { ...t, memberIds: mine.map((m) => m.agentId), supervisorIds: mine.filter((m) => m.isSupervisor).map((m) => m.agentId) };
  });
}

export async function teamLister(ctx: Ctx) {
  requireStaff(ctx.actor);
  return withMembers(ctx.db, await ctx.db.select().from(teams).orderBy(asc(teams.slug)));
}

export async function teamGetter(ctx: Ctx, id: string) {
  requireStaff(ctx.actor);
  const [row] = await ctx.db.select().from(teams).where(eq(teams.id, id));
  if (!row) throw notFound('Team');
  return (await withMembers(ctx.db, [row]))[0]!;
}

async function setMembers(db: Db, teamId: string, memberIds: string[], supervisorIds: string[]) {
  await db.delete(teamMembers).where(eq(teamMembers.teamId, teamId));
  // Supervisors are members too.
  const all = [...new Set([...memberIds, ...supervisorIds])];
  if (all.length) await db.insert(teamMembers).values(all.map((agentId) => ({ teamId, agentId, isSupervisor: supervisorIds.includes(agentId) })));
}

function checkCalendar(calendar: BusinessCalendar | null | undefined) {
  const problem = calendar ? validateCalendar(calendar) : null;
  if (problem) throw new AppError('validation_failed', `Business hours: ${problem}`);
}

export async function teamCreator(ctx: Ctx, input: Omit<z.output<typeof TeamCreate>, 'calendar'> & { calendar?: BusinessCalendar | null }) {
  requireAdmin(ctx.actor);
  const [dup] = await ctx.db.select({ id: teams.id }).from(teams).where(eq(teams.slug, input.slug));
  if (dup) throw new AppError('conflict', `A team with slug ${input.slug} already exists`);
  checkCalendar(input.calendar);
  const [row] = await ctx.db.insert(teams).values({ slug: input.slug, name: input.name, description: input.description, calendar: input.calendar ?? null }).returning();
  await setMembers(ctx.db, row!.id, input.memberIds, input.supervisorIds);
  await recordEvent(ctx, { type: 'teams.create', subjectType: 'team', subjectId: row!.id, data: { ...input } });
  return teamGetter(ctx, row!.id);
}

export async function teamUpdater(ctx: Ctx, id: string, patch: Omit<z.output<typeof TeamUpdate>, 'calendar'> & { calendar?: BusinessCalendar | null }) {
  requireAdmin(ctx.actor);
  const before = await teamGetter(ctx, id);
  if (patch.slug && patch.slug !== before.slug) {
    const [dup] = await ctx.db.select({ id: teams.id }).from(teams).where(eq(teams.slug, patch.slug));
    if (dup) throw new AppError('conflict', `A team with slug ${patch.slug} already exists`);
  }
  checkCalendar(patch.calendar);
  const { memberIds, supervisorIds, ...fields } = patch;
  if (Object.keys(fields).length) await ctx.db.update(teams).set(fields).where(eq(teams.id, id));
  if (memberIds || supervisorIds) await setMembers(ctx.db, id, memberIds ?? before.memberIds, supervisorIds ?? before.supervisorIds);
  const change = diff(before as unknown as Record<string, unknown>, patch as Record<string, unknown>);
  if (Object.keys(change.after).length) await recordEvent(ctx, { type: 'teams.update', subjectType: 'team', subjectId: id, data: change });
  return teamGetter(ctx, id);
}
