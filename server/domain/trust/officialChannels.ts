import { and, asc, eq } from 'drizzle-orm';
import type { z } from 'zod';
import type { OfficialChannelCreate, OfficialChannelUpdate } from '../../../common/schemas.ts';
import { officialChannels } from '../../db/schema.ts';
import { AppError, notFound } from '../../errors.ts';
import { requireAdmin, requireStaff } from '../auth/policy.ts';
import { type Ctx, diff, recordEvent } from '../context.ts';
import { canonicalChannel } from './channelValues.ts';

export type OfficialChannelRow = typeof officialChannels.$inferSelect;

/** Every official channel, active ones first (staff: agents answer "is this really you?" too). */
export async function officialChannelLister(ctx: Ctx): Promise<OfficialChannelRow[]> {
  requireStaff(ctx.actor);
  return ctx.db.select().from(officialChannels).orderBy(asc(officialChannels.kind), asc(officialChannels.label));
}

async function channelGetter(ctx: Ctx, id: string): Promise<OfficialChannelRow> {
  const [row] = await ctx.db.select().from(officialChannels).where(eq(officialChannels.id, id));
  if (!row) throw notFound('Official channel');
  return row;
}

/** The canonical value of what the admin typed, or a 400 saying what the kind expects. */
function canonical(kind: OfficialChannelRow['kind'], value: string) {
  const c = canonicalChannel(kind, value);
  if (c instanceof Error) throw new AppError('validation_failed', c.message);
  return c;
}

async function refuseDuplicate(ctx: Ctx, kind: OfficialChannelRow['kind'], value: string, self?: string) {
  const [dup] = await ctx.db.select().from(officialChannels).where(and(eq(officialChannels.kind, kind), eq(officialChannels.value, value)));
  if (dup && dup.id !== self) throw new AppError('conflict', `${dup.label} is already listed`);
}

export async function officialChannelCreator(ctx: Ctx, input: z.output<typeof OfficialChannelCreate>): Promise<OfficialChannelRow> {
  requireAdmin(ctx.actor);
  const c = canonical(input.kind, input.value);
  await refuseDuplicate(ctx, input.kind, c.value);
  const [row] = await ctx.db.insert(officialChannels).values({ kind: input.kind, value: c.value, label: c.label, note: input.note, active: input.active }).returning();
  await recordEvent(ctx, { type: 'official_channels.create', subjectType: 'official_channel', subjectId: row!.id, data: { kind: row!.kind, label: row!.label, active: row!.active } });
  return row!;
}

export async function officialChannelUpdater(ctx: Ctx, id: string, patch: z.output<typeof OfficialChannelUpdate>): Promise<OfficialChannelRow> {
  requireAdmin(ctx.actor);
  const before = await channelGetter(ctx, id);
  const kind = patch.kind ?? before.kind;
  const c = patch.value !== undefined || patch.kind !== undefined ? canonical(kind, patch.value ?? before.label) : null;
  if (c) await refuseDuplicate(ctx, kind, c.value, id);
  const set = { ...(patch.kind ? { kind } : {}), ...(c ? { value: c.value, label: c.label } : {}), ...(patch.note !== undefined ? { note: patch.note } : {}), ...(patch.active !== undefined ? { active: patch.active } : {}) };
  // An empty PATCH changes nothing and answers the record as it is (an UPDATE needs something to set).
  if (!Object.keys(set).length) return before;
  const [row] = await ctx.db.update(officialChannels).set(set).where(eq(officialChannels.id, id)).returning();
  const change = diff(before as unknown as Record<string, unknown>, set as Record<string, unknown>);
  if (Object.keys(change.after).length) await recordEvent(ctx, { type: 'official_channels.update', subjectType: 'official_channel', subjectId: id, data: change });
  return row!;
}

export async function officialChannelRemover(ctx: Ctx, id: string): Promise<void> {
  requireAdmin(ctx.actor);
  const before = await channelGetter(ctx, id);
  await ctx.db.delete(officialChannels).where(eq(officialChannels.id, id));
  await recordEvent(ctx, { type: 'official_channels.delete', subjectType: 'official_channel', subjectId: id, data: { kind: before.kind, label: before.label } });
}
