import { and, asc, eq, ne, sql } from 'drizzle-orm';
import type { z } from 'zod';
import type { ChannelKind } from '../../../common/enums.ts';
import type { InboxCreate, InboxUpdate } from '../../../common/schemas.ts';
import type { Db } from '../../db/client.ts';
import { inboxes } from '../../db/schema.ts';
import { AppError, notFound } from '../../errors.ts';
import { requireAdmin, requireStaff } from '../auth/policy.ts';
import { cached } from '../cache.ts';
import { secretSettingsOf } from '../../channels/registry.ts';
import { type Ctx, type Services, diff, recordEvent } from '../context.ts';
import { openSettings, sealSettings, secretKeyOf } from '../system/secretBox.ts';
import { inboxSettingsChecker } from './inboxSettingsChecker.ts';

export async function inboxLister(ctx: Ctx) {
  requireStaff(ctx.actor);
  return ctx.db.select().from(inboxes).orderBy(asc(inboxes.createdAt));
}

export async function inboxGetter(ctx: Ctx, id: string) {
  requireStaff(ctx.actor);
  const [row] = await ctx.db.select().from(inboxes).where(eq(inboxes.id, id));
  if (!row) throw notFound('Inbox');
  return row;
}

/** An inbox's settings with its credentials decrypted, for the channel's adapter (never for presenting). */
export function openInboxSettings(services: Services, inbox: Pick<typeof inboxes.$inferSelect, 'kind' | 'settings'>): Record<string, unknown> {
  return openSettings(secretKeyOf(services.env), secretSettingsOf(inbox.kind), inbox.settings);
}

/** Two email inboxes with one address would split its mail between them: the address is unique among them. */
async function requireFreeAddress(ctx: Ctx, kind: ChannelKind, settings: Record<string, unknown>, exceptId?: string) {
  if (kind !== 'email' || typeof settings.address !== 'string') return;
  const sameAddress = and(eq(inboxes.kind, 'email'), sql`${inboxes.settings}->>'address' = ${settings.address}`, exceptId ? ne(inboxes.id, exceptId) : undefined);
  const [taken] = await ctx.db.select({ name: inboxes.name }).from(inboxes).where(sameAddress).limit(1);
  if (taken) throw new AppError('conflict', `The email inbox "${taken.name}" already uses ${settings.address}`);
}

/** Sealed settings to store; `imap: null` removes the mailbox with its password (sealing would keep the old one). */
function sealedSettings(ctx: Ctx, kind: ChannelKind, next: Record<string, unknown>, previous?: Record<string, unknown>) {
  const sealed = sealSettings(secretKeyOf(ctx.services.env), secretSettingsOf(kind), next, previous);
  if (next.imap === null) delete sealed.imap;
  return sealed;
}

export async function inboxCreator(ctx: Ctx, input: z.output<typeof InboxCreate>) {
  requireAdmin(ctx.actor);
  const checked = inboxSettingsChecker(input.kind, input.settings);
  await requireFreeAddress(ctx, input.kind, checked);
  const settings = sealedSettings(ctx, input.kind, checked);
  const [row] = await ctx.db.insert(inboxes).values({ ...input, settings }).returning();
  // Settings hold credentials: the history records that they changed, not their values.
  await recordEvent(ctx, { type: 'inboxes.create', subjectType: 'inbox', subjectId: row!.id, data: { kind: input.kind, name: input.name } });
  return row!;
}

export async function inboxUpdater(ctx: Ctx, id: string, patch: z.output<typeof InboxUpdate>) {
  requireAdmin(ctx.actor);
  const before = await inboxGetter(ctx, id);
  // An empty PATCH changes nothing and answers the record as it is (an UPDATE needs something to set).
  if (Object.values(patch).every((v) => v === undefined)) return before;
  // Credentials the form leaves out keep their stored (sealed) values: the API never shows them.
  if (patch.settings) {
    const checked = inboxSettingsChecker(before.kind, patch.settings);
    await requireFreeAddress(ctx, before.kind, checked, id);
    patch = { ...patch, settings: sealedSettings(ctx, before.kind, checked, before.settings) };
  }
  const [row] = await ctx.db.update(inboxes).set(patch).where(eq(inboxes.id, id)).returning();
  const { settings, ...visible } = patch;
  const change = diff(before as unknown as Record<string, unknown>, visible as Record<string, unknown>);
  const settingsChanged = settings !== undefined && JSON.stringify(settings) !== JSON.stringify(before.settings);
  if (Object.keys(change.after).length || settingsChanged) {
    await recordEvent(ctx, { type: 'inboxes.update', subjectType: 'inbox', subjectId: id, data: { ...change, ...(settingsChanged ? { settingsChanged: true } : {}) } });
  }
  return row!;
}

/** The default inbox of a kind, if it exists yet (cached once it does). */
export function existingDefaultInbox(db: Db, kind: ChannelKind, services?: Services): Promise<typeof inboxes.$inferSelect | null> {
  const find = async () => (await db.select().from(inboxes).where(and(eq(inboxes.kind, kind), eq(inboxes.isDefault, true))))[0] ?? null;
  // Only an inbox that already exists is cached: one created here could still be rolled back.
  return services ? cached(services, `inbox:default:${kind}`, ['inboxes.'], 60_000, find) : find();
}

/**
 * The default inbox of a kind (the API inbox for integrations, the web form for customers).
 * Created on first use so every conversation always has an inbox; first tickets arriving
 * together create one between them (the unique index on default inboxes decides).
 */
export async function defaultInbox(db: Db, kind: ChannelKind, services?: Services): Promise<typeof inboxes.$inferSelect> {
  const found = await existingDefaultInbox(db, kind, services);
  if (found) return found;
  const names: Partial<Record<ChannelKind, string>> = { api: 'API', webform: 'Web form', webchat: 'Web chat' };
  const [created] = await db
    .insert(inboxes)
    .values({ kind, name: names[kind] ?? kind, isDefault: true })
    .onConflictDoNothing({ target: inboxes.kind, where: sql`${inboxes.isDefault}` })
    .returning();
  return created ?? (await existingDefaultInbox(db, kind))!;
}
