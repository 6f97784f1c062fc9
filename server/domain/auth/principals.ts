import { eq } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { agents, contacts, teamMembers } from '../../db/schema.ts';
import type { Actor } from '../context.ts';

/** Loads a signed-in agent as an actor (with teams), or null if gone or disabled. */
export async function agentActorLoader(db: Db, agentId: string) {
  const [agent] = await db.select().from(agents).where(eq(agents.id, agentId)).limit(1);
  if (!agent || agent.disabled) return null;
  const teams = await db.select({ teamId: teamMembers.teamId }).from(teamMembers).where(eq(teamMembers.agentId, agentId));
  const actor: Actor = { type: 'agent', id: agent.id, role: agent.role, teamIds: teams.map((t) => t.teamId), name: agent.name };
  return { actor, agent };
}

/** Loads a signed-in customer as an actor, or null. */
export async function contactActorLoader(db: Db, contactId: string) {
  const [contact] = await db.select().from(contacts).where(eq(contacts.id, contactId)).limit(1);
  if (!contact) return null;
  const actor: Actor = { type: 'contact', id: contact.id };
  return { actor, contact };
}
