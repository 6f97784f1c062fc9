import { eq, inArray, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { settings, teams } from '../../db/schema.ts';
import { type Ctx, diff, recordEvent } from '../context.ts';
import { requireAdmin } from '../auth/policy.ts';
import { notFound } from '../../errors.ts';

/** Desk-wide settings and their defaults. */
export interface DeskSettings {
  /** Every agent must use TOTP two-factor. */
  requireTotp: boolean;
  /** Solved tickets close (no more reopening by reply) after this many days. */
  autoCloseDays: number;
  /** Live chats waiting longer than this may go to the fallback team. */
  chatOverflowMinutes: number;
  /** Team that takes overflowing chats (null: none). */
  chatFallbackTeamId: string | null;
  /** Teams whose agents pick chats themselves instead of being assigned. */
  chatManualTeamIds: string[];
  /** An offered chat not accepted within this goes to someone else, and the agent is set away. */
  chatAcceptSeconds: number;
  /** A chat whose customer has been disconnected this long becomes a ticket. */
  chatAbandonSeconds: number;
  /** Sites (origins) whose pages may embed the chat widget's frame; empty: any site may. */
  widgetAllowedOrigins: string[];
  /** A mail answering a closed ticket reopens it, or opens a follow-up ticket that links it. */
  emailClosedReply: 'reopen' | 'followup';
}

const DEFAULTS: DeskSettings = { requireTotp: false, autoCloseDays: 4, chatOverflowMinutes: 5, chatFallbackTeamId: null, chatManualTeamIds: [], chatAcceptSeconds: 60, chatAbandonSeconds: 120, widgetAllowedOrigins: [], emailClosedReply: 'reopen' };
const KEYS: Record<keyof DeskSettings, string> = {
  requireTotp: 'security.require_totp',
  autoCloseDays: 'tickets.auto_close_days',
  chatOverflowMinutes: 'chat.overflow_minutes',
  chatFallbackTeamId: 'chat.fallback_team_id',
  chatManualTeamIds: 'chat.manual_team_ids',
  chatAcceptSeconds: 'chat.accept_seconds',
  chatAbandonSeconds: 'chat.abandon_seconds',
  widgetAllowedOrigins: 'widget.allowed_origins',
  emailClosedReply: 'email.closed_reply',
};

/** Reads all settings (defaults filled in). */
export async function settingsReader(db: Db): Promise<DeskSettings> {
  const rows = await db.select().from(settings);
  const byKey = new Map(rows.map((r) => [r.key, r.value]));
  const out = { ...DEFAULTS };
  for (const [name, key] of Object.entries(KEYS) as [keyof DeskSettings, string][]) {
    if (byKey.has(key)) (out as any)[name] = byKey.get(key);
  }
  return out;
}

/** An admin changes settings; the change is audited. */
export async function settingsUpdater(ctx: Ctx, patch: Partial<DeskSettings>): Promise<DeskSettings> {
  requireAdmin(ctx.actor);
  const before = await settingsReader(ctx.db);
  // Settings that name teams must name teams that exist: routing would send chats nowhere.
  const teamIds = [...new Set([...(patch.chatFallbackTeamId ? [patch.chatFallbackTeamId] : []), ...(patch.chatManualTeamIds ?? [])])];
  if (teamIds.length) {
    const found = await ctx.db.select({ id: teams.id }).from(teams).where(inArray(teams.id, teamIds));
    if (found.length !== teamIds.length) throw notFound('Team');
  }
  for (const [name, value] of Object.entries(patch) as [keyof DeskSettings, unknown][]) {
    if (value === undefined) continue;
    // null is "none", which is the default: the row goes (the value column cannot hold SQL NULL).
    if (value === null) {
      await ctx.db.delete(settings).where(eq(settings.key, KEYS[name]));
      continue;
    }
    await ctx.db
      .insert(settings)
      .values({ key: KEYS[name], value })
      .onConflictDoUpdate({ target: settings.key, set: { value: sql`excluded.value`, updatedAt: sql`now()` } });
  }
  const change = diff(before as unknown as Record<string, unknown>, patch);
  if (Object.keys(change.after).length) await recordEvent(ctx, { type: 'settings.update', subjectType: 'settings', subjectId: 'desk', data: change });
  return { ...before, ...patch };
}

/** Internal flags (demo seeded …) that are not user settings. */
export async function flagRead(db: Db, key: string): Promise<unknown> {
  const [row] = await db.select().from(settings).where(eq(settings.key, key));
  return row?.value;
}

export async function flagWrite(db: Db, key: string, value: unknown): Promise<void> {
  await db.insert(settings).values({ key, value }).onConflictDoUpdate({ target: settings.key, set: { value: sql`excluded.value`, updatedAt: sql`now()` } });
}
