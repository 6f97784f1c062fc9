import { asc, eq } from 'drizzle-orm';
import type { z } from 'zod';
import type { CategoryCreate, CategoryUpdate, SkillCreate } from '../../../common/schemas.ts';
import { categories, skills } from '../../db/schema.ts';
import { AppError, notFound } from '../../errors.ts';
import { requireAdmin, requireStaff } from '../auth/policy.ts';
import { type Ctx, diff, recordEvent } from '../context.ts';

/** Categories are public: the ticket form and the pre-chat form list them. */
export async function categoryLister(ctx: Ctx) {
  return ctx.db.select().from(categories).orderBy(asc(categories.position), asc(categories.slug));
}

export async function categoryCreator(ctx: Ctx, input: z.output<typeof CategoryCreate>) {
  requireAdmin(ctx.actor);
  const [dup] = await ctx.db.select({ id: categories.id }).from(categories).where(eq(categories.slug, input.slug));
  if (dup) throw new AppError('conflict', `A category with slug ${input.slug} already exists`);
  const [row] = await ctx.db.insert(categories).values(input).returning();
  await recordEvent(ctx, { type: 'categories.create', subjectType: 'category', subjectId: row!.id, data: { ...input } });
  return row!;
}

export async function categoryUpdater(ctx: Ctx, id: string, patch: z.output<typeof CategoryUpdate>) {
  requireAdmin(ctx.actor);
  const [before] = await ctx.db.select().from(categories).where(eq(categories.id, id));
  if (!before) throw notFound('Category');
  if (patch.slug && patch.slug !== before.slug) {
    const [dup] = await ctx.db.select({ id: categories.id }).from(categories).where(eq(categories.slug, patch.slug));
    if (dup) throw new AppError('conflict', `A category with slug ${patch.slug} already exists`);
  }
  // An empty PATCH changes nothing and answers the record as it is (an UPDATE needs something to set).
  if (Object.values(patch).every((v) => v === undefined)) return before;
  const [row] = await ctx.db.update(categories).set(patch).where(eq(categories.id, id)).returning();
  const change = diff(before as unknown as Record<string, unknown>, patch as Record<string, unknown>);
  if (Object.keys(change.after).length) await recordEvent(ctx, { type: 'categories.update', subjectType: 'category', subjectId: id, data: change });
  return row!;
}

export async function skillLister(ctx: Ctx) {
  requireStaff(ctx.actor);
  return ctx.db.select().from(skills).orderBy(asc(skills.slug));
}

export async function skillCreator(ctx: Ctx, input: z.output<typeof SkillCreate>) {
  requireAdmin(ctx.actor);
  const [dup] = await ctx.db.select({ id: skills.id }).from(skills).where(eq(skills.slug, input.slug));
  if (dup) throw new AppError('conflict', `A skill with slug ${input.slug} already exists`);
  const [row] = await ctx.db.insert(skills).values(input).returning();
  await recordEvent(ctx, { type: 'skills.create', subjectType: 'skill', subjectId: row!.id, data: { ...input } });
  return row!;
}
