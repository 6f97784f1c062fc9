import { eq } from 'drizzle-orm';
import type { z } from 'zod';
import type { ConversationUpdate } from '../../../common/schemas.ts';
import { agents, categories, conversations, teams } from '../../db/schema.ts';
import type { FieldSource } from '../../db/schema/conversations.ts';
import { AppError, forbidden, notFound } from '../../errors.ts';
import { canWorkConversation } from '../auth/policy.ts';
import { type Ctx, diff, recordEvent } from '../context.ts';
import { slaScheduler } from '../sla/slaScheduler.ts';
import { autoCloseScheduler } from './autoCloser.ts';
import { conversationGetter, conversationLoader } from './conversationReader.ts';

const ASSIGNMENT = ['assigneeId', 'teamId'] as const;

/**
 * Staff change status, priority, assignment, category, subject, fields and tags.
 * Assignment changes are recorded as conversations.assign (they notify people),
 * everything else as conversations.update — each with before → after.
 */
export async function conversationUpdater(ctx: Ctx, id: string, patch: z.output<typeof ConversationUpdate>) {
  const before = await conversationGetter(ctx, id, { lock: true });
  if (!canWorkConversation(ctx.actor, before)) throw forbidden('Only support staff can change a conversation');
  if (before.status === 'closed' && Object.keys(patch).some((k) => k !== 'tags')) {
    throw new AppError('conflict', 'Closed conversations cannot be changed; a new message opens a follow-up');
  }
  if (patch.assigneeId) {
    const [agent] = await ctx.db.select({ disabled: agents.disabled }).from(agents).where(eq(agents.id, patch.assigneeId));
    if (!agent) throw notFound('Assignee');
    if (agent.disabled) throw new AppError('conflict', 'That agent is disabled');
  }
  if (patch.teamId) {
    const [team] = await ctx.db.select({ id: teams.id }).from(teams).where(eq(teams.id, patch.teamId));
    if (!team) throw notFound('Team');
  }
  if (patch.categoryId) {
    const [category] = await ctx.db.select({ id: categories.id }).from(categories).where(eq(categories.id, patch.categoryId));
    if (!category) throw notFound('Category');
  }

  const now = ctx.services.clock();
  const change = diff(before as unknown as Record<string, unknown>, patch as Record<string, unknown>);
  if (!Object.keys(change.after).length) return before;

  const set: Partial<typeof conversations.$inferInsert> = { ...(change.after as object), updatedAt: now };
  const sources = sourcesAfterEdit(before, change.after);
  if (sources) set.fieldSources = sources;
  if (change.after.status === 'solved') set.solvedAt = now;
  else if (change.after.status) set.solvedAt = null;
  await ctx.db.update(conversations).set(set).where(eq(conversations.id, id));

  if (['priority', 'categoryId', 'teamId', 'status'].some((k) => k in change.after)) await slaScheduler(ctx, id, 'change');
  if (change.after.status === 'solved') await autoCloseScheduler(ctx, id, now);

  const assignment = pick(change, ASSIGNMENT);
  const rest = omit(change, ASSIGNMENT);
  if (assignment) await recordEvent(ctx, { type: 'conversations.assign', subjectType: 'conversation', subjectId: id, conversationId: id, data: assignment });
  if (rest) await recordEvent(ctx, { type: 'conversations.update', subjectType: 'conversation', subjectId: id, conversationId: id, data: rest });
  return (await conversationLoader(ctx.db, id))!;
}

type Change = { before: Record<string, unknown>; after: Record<string, unknown> };

/**
 * Where fields come from after staff edit them (null: unchanged): a changed field is the agent's,
 * a removed one has no source, and a category or language someone chose is no longer triage's
 * suggestion — so the "from the message" hint never stays on a value a person set.
 */
function sourcesAfterEdit(before: { fields: Record<string, unknown>; fieldSources: Record<string, FieldSource> }, after: Record<string, unknown>): Record<string, FieldSource> | null {
  if (!('fields' in after || 'categoryId' in after || 'language' in after)) return null;
  const sources = { ...before.fieldSources };
  if ('categoryId' in after) delete sources.category;
  if ('language' in after) delete sources.language;
  if ('fields' in after) {
    const fields = (after.fields ?? {}) as Record<string, unknown>;
    for (const key of Object.keys(before.fields)) if (!(key in fields)) delete sources[key];
    for (const [key, value] of Object.entries(fields)) if (before.fields[key] !== value) sources[key] = 'agent';
  }
  return sources;
}

function pick(change: Change, keys: readonly string[]): Change | null {
  const out: Change = { before: {}, after: {} };
  for (const k of keys) if (k in change.after) (out.before[k] = change.before[k]), (out.after[k] = change.after[k]);
  return Object.keys(out.after).length ? out : null;
}

function omit(change: Change, keys: readonly string[]): Change | null {
  const rest = Object.keys(change.after).filter((k) => !keys.includes(k));
  return pick(change, rest);
}
