import { desc, eq, and, isNull } from 'drizzle-orm';
import type { TokenRole } from '../../../common/enums.ts';
import type { Db } from '../../db/client.ts';
import { apiTokens } from '../../db/schema.ts';
import { notFound } from '../../errors.ts';
import { type Ctx, recordEvent } from '../context.ts';
import { requireAdmin } from './policy.ts';
import { randomToken, sha256 } from './secrets.ts';

/** Tokens look like `sb_<random>` so secret scanners can recognise a leaked one. */
const PREFIX = 'sb_';

/** An admin (or the CLI) creates a token; the plain token is returned this once only. */
export async function apiTokenCreator(ctx: Ctx, input: { name: string; role: TokenRole }) {
  requireAdmin(ctx.actor);
  const token = PREFIX + randomToken(30);
  const [row] = await ctx.db
    .insert(apiTokens)
    .values({
      name: input.name,
      role: input.role,
      tokenHash: sha256(token),
      prefix: token.slice(0, PREFIX.length + 6),
      createdById: ctx.actor.type === 'agent' ? ctx.actor.id : null,
    })
    .returning();
  await recordEvent(ctx, { type: 'api_tokens.create', subjectType: 'api_token', subjectId: row!.id, data: { name: input.name, role: input.role } });
  return { ...row!, token };
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
