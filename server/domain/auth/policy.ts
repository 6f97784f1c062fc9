import { and, eq, inArray, isNull, or, sql, type SQL } from 'drizzle-orm';
import { conversations } from '../../db/schema.ts';
import { AppError, forbidden } from '../../errors.ts';
import type { Actor } from '../context.ts';

/**
 * Who may do what — the one place authorisation is decided. Routes and socket handlers
 * call these; nothing else compares roles.
 */

export const isAgent = (a: Actor): a is Extract<Actor, { type: 'agent' }> => a.type === 'agent';
export const isStaff = (a: Actor) => a.type === 'agent' || a.type === 'token' || a.type === 'system';
export const isAdmin = (a: Actor) => a.type === 'system' || ((a.type === 'agent' || a.type === 'token') && a.role === 'admin');
export const isSupervisor = (a: Actor) => isAdmin(a) || (a.type === 'agent' && a.role === 'supervisor');

/** Fails unless someone is signed in. */
export function requireActor(actor: Actor | null): Actor {
  if (!actor) throw new AppError('unauthenticated', 'Sign in first');
  return actor;
}

export function requireStaff(actor: Actor | null): Actor {
  const a = requireActor(actor);
  if (!isStaff(a)) throw forbidden('Only support staff can do this');
  return a;
}

export function requireSupervisor(actor: Actor | null): Actor {
  const a = requireActor(actor);
  if (!isSupervisor(a)) throw forbidden('Only supervisors and admins can do this');
  return a;
}

export function requireAdmin(actor: Actor | null): Actor {
  const a = requireActor(actor);
  if (!isAdmin(a)) throw forbidden('Only admins can do this');
  return a;
}

type ConversationAccess = { contactId: string; teamId: string | null; assigneeId: string | null };

/** Staff limited to their teams: agents with role agent, and API tokens with role agent (scoped to the token's teams). */
export const isTeamScoped = (a: Actor): a is Extract<Actor, { type: 'agent' | 'token' }> => (a.type === 'agent' || a.type === 'token') && a.role === 'agent';

/**
 * Conversations: customers see their own; agents (and agent-role tokens) those in their teams or
 * not yet in any team, agents also those assigned to them; supervisors, admins and admin tokens
 * see all.
 */
export function canSeeConversation(actor: Actor, c: ConversationAccess): boolean {
  if (actor.type === 'contact') return c.contactId === actor.id;
  if (isTeamScoped(actor)) {
    return (actor.type === 'agent' && c.assigneeId === actor.id) || c.teamId === null || actor.teamIds.includes(c.teamId);
  }
  return true;
}

/** The same rule as a WHERE clause, for lists and search. */
export function conversationScope(actor: Actor): SQL | undefined {
  if (actor.type === 'contact') return eq(conversations.contactId, actor.id);
  if (isTeamScoped(actor)) {
    const clauses = [isNull(conversations.teamId)];
    if (actor.type === 'agent') clauses.push(eq(conversations.assigneeId, actor.id));
    if (actor.teamIds.length) clauses.push(inArray(conversations.teamId, actor.teamIds));
    return or(...clauses);
  }
  return undefined;
}

/** Staff who can see a conversation may work on it; a customer may only write to their own. */
export function canWorkConversation(actor: Actor, c: ConversationAccess): boolean {
  return isStaff(actor) && canSeeConversation(actor, c);
}

/** Combines an optional scope with other filters. */
export const scoped = (scope: SQL | undefined, ...filters: (SQL | undefined)[]) => and(scope ?? sql`true`, ...filters);
