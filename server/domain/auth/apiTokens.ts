import { desc, eq, and, inArray, isNull, or } from 'drizzle-orm';
import type { TokenRole } from '../../../common/enums.ts';
import type { Db } from '../../db/client.ts';
import { apiTokens, teams } from '../../db/schema.ts';
import { AppError, notFound } from '../../errors.ts';
import { type Ctx, recordEvent } from '../context.ts';
import { requireAdmin } from './policy.ts';
import { randomToken, sha256 } from './secrets.ts';

/** Tokens look like `sb_<random>` so secret scanners can recognise a leaked one. */
const PREFIX = 'sb_';

/**
 * An admin (or the CLI) creates a token; the plain token is returned this once only. An agent-role
 * token is scoped to teams like an agent (it sees their conversations and those without a team);
 * an admin token sees everything, so it takes no teams.
 */
export async function apiTokenCreator(ctx: Ctx, input: { name: string; role: TokenRole; teamIds?: string[] }) {
  requireAdmin(ctx.actor);
  const teamIds = [...new Set(input.teamIds ?? [])];
  if (input.role === 'admin' && teamIds.length) throw new AppError('validation_failed', 'An admin token sees every team; give teams only to an agent token');
  if (teamIds.length) {
    const found = await ctx.db.select({ id: teams.id }).from(teams).where(inArray(teams.id, teamIds));
    if (found.length !== teamIds.length) throw new AppError('validation_failed', 'Unknown team in teamIds');
  }
  const token = PREFIX + randomToken(30);
  const [row] = await ctx.db
    .insert(apiTokens)
    .values({
      name: input.name,
      role: input.role,
      teamIds,
      tokenHash: sha256(token),
      prefix: token.slice(0, PREFIX.length + 6),
      createdById: ctx.actor.type === 'agent' ? ctx.actor.id : null,
    })
    .returning();
  await recordEvent(ctx, { type: 'api_tokens.create', subjectType: 'api_token', subjectId: row!.id, data: { name: input.name, role: input.role, teamIds } });
  return { ...row!, token };
}

/** Teams named by slug or id (the CLI's --team), as ids; an unknown one is a clear error. */
export async function teamRefsResolver(ctx: Ctx, refs: string[]): Promise<string[]> {
  const ids: string[] = [];
  for (const ref of refs) {
    const byId = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(ref);
    const [team] = await ctx.db.select({ id: teams.id }).from(teams).where(byId ? or(eq(teams.id, ref), eq(teams.slug, ref)) : eq(teams.slug, ref)).limit(1);
    if (!team) throw new AppError('validation_failed', `No team ${ref}`);
    ids.push(team.id);
  }
  return ids;
}

export async function apiTokenLister(ctx: Ctx) {
  requireAdmin(ctx.actor);
  return ctx.db.select().from(apiTokens).orderBy(desc(apiTokens.createdAt));
}

export async function apiTokenRevoker(ctx: Ctx, id: string) {
  requireAdmin(ctx.actor);
  const [row] = await ctx.db.update(apiTokens).set({ revokedAt: new Date() }).where(and(eq(apiTokens.id, id), isNull(apiTokens.revokedAt))).returning();
  if (!row) throw notFound('Active token');
  await recordEvent(ctx, { type: 'api_tokens.revoke', subjectType: 'api_token', subjectId: id, data: { name: row.name } });
}

/** The token behind a Bearer header, or null. Marks it used at most once a minute. */
export async function apiTokenResolver(db: Db, token: string, now: Date) {
  if (!token.startsWith(PREFIX)) return null;
  const [row] = await db.select().from(apiTokens).where(eq(apiTokens.tokenHash, sha256(token))).limit(1);
  if (!row || row.revokedAt) return null;
  if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() > 60_000) {
    await db.update(apiTokens).set({ lastUsedAt: now }).where(eq(apiTokens.id, row.id));
  }
  return row;
}
