import { asc, eq } from 'drizzle-orm';
import type { z } from 'zod';
import type { SlaPolicyCreate, SlaPolicyUpdate } from '../../../common/schemas.ts';
import { categories, slaPolicies } from '../../db/schema.ts';
import { notFound } from '../../errors.ts';
import { requireAdmin, requireStaff } from '../auth/policy.ts';
import { type Ctx, diff, recordEvent } from '../context.ts';

export async function slaPolicyLister(ctx: Ctx) {
  requireStaff(ctx.actor);
  return ctx.db.select().from(slaPolicies).orderBy(asc(slaPolicies.position), asc(slaPolicies.createdAt));
}

async function checkCategory(ctx: Ctx, categoryId: string | null | undefined) {
  if (!categoryId) return;
  const [c] = await ctx.db.select({ id: categories.id }).from(categories).where(eq(categories.id, categoryId));
  if (!c) throw notFound('Category');
}

/** Admins define SLA policies; they apply to conversations created or changed from then on. */
export async function slaPolicyCreator(ctx: Ctx, input: z.output<typeof SlaPolicyCreate>) {
  requireAdmin(ctx.actor);
  await checkCategory(ctx, input.categoryId);
  const [row] = await ctx.db.insert(slaPolicies).values(input).returning();
  await recordEvent(ctx, { type: 'sla_policies.create', subjectType: 'sla_policy', subjectId: row!.id, data: { ...input } });
  return row!;
}

export async function slaPolicyUpdater(ctx: Ctx, id: string, patch: z.output<typeof SlaPolicyUpdate>) {
  requireAdmin(ctx.actor);
  const [before] = await ctx.db.select().from(slaPolicies).where(eq(slaPolicies.id, id));
  if (!before) throw notFound('SLA policy');
  // An empty PATCH changes nothing and answers the policy as it is (an UPDATE needs something to set).
  if (Object.values(patch).every((v) => v === undefined)) return before;
  await checkCategory(ctx, patch.categoryId);
  const [row] = await ctx.db.update(slaPolicies).set(patch).where(eq(slaPolicies.id, id)).returning();
  const change = diff(before as unknown as Record<string, unknown>, patch as Record<string, unknown>);
  if (Object.keys(change.after).length) await recordEvent(ctx, { type: 'sla_policies.update', subjectType: 'sla_policy', subjectId: id, data: change });
  return row!;
}

export async function slaPolicyDeleter(ctx: Ctx, id: string) {
  requireAdmin(ctx.actor);
  const [row] = await ctx.db.delete(slaPolicies).where(eq(slaPolicies.id, id)).returning();
  if (!row) throw notFound('SLA policy');
  await recordEvent(ctx, { type: 'sla_policies.delete', subjectType: 'sla_policy', subjectId: id, data: { name: row.name } });
}
