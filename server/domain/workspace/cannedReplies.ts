import { asc, eq } from 'drizzle-orm';
import type { z } from 'zod';
import type { CannedReplyCreate, CannedReplyUpdate, MacroCreate, MacroUpdate } from '../../../common/schemas.ts';
import { cannedReplies, macros } from '../../db/schema.ts';
import { notFound } from '../../errors.ts';
import { requireStaff, requireSupervisor } from '../auth/policy.ts';
import { type Ctx, recordEvent } from '../context.ts';

/** Canned replies and macros are shared by the desk: everyone reads them, supervisors and admins keep them. */

export async function cannedReplyLister(ctx: Ctx) {
  requireStaff(ctx.actor);
  return ctx.db.select().from(cannedReplies).orderBy(asc(cannedReplies.title));
}

export async function cannedReplyCreator(ctx: Ctx, input: z.output<typeof CannedReplyCreate>) {
  requireSupervisor(ctx.actor);
  const [row] = await ctx.db.insert(cannedReplies).values(input).returning();
  await recordEvent(ctx, { type: 'canned_replies.create', subjectType: 'canned_reply', subjectId: row!.id, data: { title: input.title } });
  return row!;
}

export async function cannedReplyUpdater(ctx: Ctx, id: string, patch: z.output<typeof CannedReplyUpdate>) {
  requireSupervisor(ctx.actor);
  const [row] = await ctx.db.update(cannedReplies).set({ ...patch, updatedAt: new Date() }).where(eq(cannedReplies.id, id)).returning();
  if (!row) throw notFound('Canned reply');
  await recordEvent(ctx, { type: 'canned_replies.update', subjectType: 'canned_reply', subjectId: id, data: { changed: Object.keys(patch) } });
  return row;
}

export async function cannedReplyDeleter(ctx: Ctx, id: string) {
  requireSupervisor(ctx.actor);
  const [row] = await ctx.db.delete(cannedReplies).where(eq(cannedReplies.id, id)).returning();
  if (!row) throw notFound('Canned reply');
  await recordEvent(ctx, { type: 'canned_replies.delete', subjectType: 'canned_reply', subjectId: id, data: { title: row.title } });
}

export async function macroLister(ctx: Ctx) {
  requireStaff(ctx.actor);
  return ctx.db.select().from(macros).orderBy(asc(macros.name));
}

export async function macroGetter(ctx: Ctx, id: string) {
  requireStaff(ctx.actor);
  const [row] = await ctx.db.select().from(macros).where(eq(macros.id, id));
  if (!row) throw notFound('Macro');
  return row;
}

export async function macroCreator(ctx: Ctx, input: z.output<typeof MacroCreate>) {
  requireSupervisor(ctx.actor);
  const [row] = await ctx.db.insert(macros).values(input).returning();
  await recordEvent(ctx, { type: 'macros.create', subjectType: 'macro', subjectId: row!.id, data: { name: input.name } });
  return row!;
}

export async function macroUpdater(ctx: Ctx, id: string, patch: z.output<typeof MacroUpdate>) {
  requireSupervisor(ctx.actor);
  const [row] = await ctx.db.update(macros).set({ ...patch, updatedAt: new Date() }).where(eq(macros.id, id)).returning();
  if (!row) throw notFound('Macro');
  await recordEvent(ctx, { type: 'macros.update', subjectType: 'macro', subjectId: id, data: { changed: Object.keys(patch) } });
  return row;
}

export async function macroDeleter(ctx: Ctx, id: string) {
  requireSupervisor(ctx.actor);
  const [row] = await ctx.db.delete(macros).where(eq(macros.id, id)).returning();
  if (!row) throw notFound('Macro');
  await recordEvent(ctx, { type: 'macros.delete', subjectType: 'macro', subjectId: id, data: { name: row.name } });
}
