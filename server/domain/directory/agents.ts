import { and, asc, eq, inArray, ne, sql } from 'drizzle-orm';
import type { AgentCreate, AgentUpdate } from '../../../common/schemas.ts';
import type { Db } from '../../db/client.ts';
import { agentSkills, agents, teamMembers } from '../../db/schema.ts';
import { AppError, forbidden, notFound } from '../../errors.ts';
import { hashPassword } from '../auth/secrets.ts';
import { isAdmin, requireAdmin, requireStaff } from '../auth/policy.ts';
import { sessionsRevoker } from '../auth/sessions.ts';
import { type Ctx, diff, recordEvent } from '../context.ts';

export type AgentRow = typeof agents.$inferSelect;
export type AgentWithLinks = AgentRow & { teamIds: string[]; skillIds: string[] };

/** Agents with their teams and skills, in two extra queries rather than one per agent. */
export async function agentsWithLinks(db: Db, rows: AgentRow[]): Promise<AgentWithLinks[]> {
  if (!rows.length) return [];
  const ids = rows.map((r) => r.id);
  const [teams, skills] = await Promise.all([
    db.select().from(teamMembers).where(inArray(teamMembers.agentId, ids)),
    db.select().from(agentSkills).where(inArray(agentSkills.agentId, ids)),
  ]);
  return rows.map((r) => ({
    ...r,
    teamIds: teams.filter((t) => t.agentId === r.id).map((t) => t.teamId),
    skillIds: skills.filter((s) => s.agentId === r.id).map((s) => s.skillId),
  }));
}

export async function agentLister(ctx: Ctx): Promise<AgentWithLinks[]> {
  requireStaff(ctx.actor);
  return agentsWithLinks(ctx.db, await ctx.db.select().from(agents).orderBy(asc(agents.name)));
}

export async function agentGetter(ctx: Ctx, id: string): Promise<AgentWithLinks> {
  requireStaff(ctx.actor);
  const [row] = await ctx.db.select().from(agents).where(eq(agents.id, id));
  if (!row) throw notFound('Agent');
  return (await agentsWithLinks(ctx.db, [row]))[0]!;
}

/** An admin adds an agent (the CLI's create-admin acts as the system). */
export async function agentCreator(ctx: Ctx, input: Required<Omit<AgentCreate, 'skillIds' | 'teamIds'>> & { teamIds?: string[]; skillIds?: string[] }) {
  requireAdmin(ctx.actor);
  const email = input.email.toLowerCase();
  const [existing] = await ctx.db.select({ id: agents.id }).from(agents).where(eq(agents.email, email));
  if (existing) throw new AppError('conflict', `An agent with email ${email} already exists`);
  const [row] = await ctx.db
    .insert(agents)
    .values({
      email,
      name: input.name,
      passwordHash: await hashPassword(input.password),
      role: input.role,
      languages: input.languages,
      capacity: input.capacity,
      locale: input.locale,
    })
    .returning();
  await linkAgent(ctx.db, row!.id, input.teamIds, input.skillIds);
  await recordEvent(ctx, {
    type: 'agents.create',
    subjectType: 'agent',
    subjectId: row!.id,
    data: { email, name: input.name, role: input.role, teamIds: input.teamIds ?? [], skillIds: input.skillIds ?? [] },
  });
  return (await agentsWithLinks(ctx.db, [row!]))[0]!;
}

async function linkAgent(db: Db, agentId: string, teamIds?: string[], skillIds?: string[]) {
  if (teamIds) {
    const kept = await db.select().from(teamMembers).where(eq(teamMembers.agentId, agentId));
    const supervisorOf = new Set(kept.filter((k) => k.isSupervisor).map((k) => k.teamId));
    await db.delete(teamMembers).where(eq(teamMembers.agentId, agentId));
    if (teamIds.length) await db.insert(teamMembers).values([...new Set(teamIds)].map((teamId) => ({ teamId, agentId, isSupervisor: supervisorOf.has(teamId) })));
  }
  if (skillIds) {
    await db.delete(agentSkills).where(eq(agentSkills.agentId, agentId));
    if (skillIds.length) await db.insert(agentSkills).values([...new Set(skillIds)].map((skillId) => ({ skillId, agentId })));
  }
}

/** What an agent may change about themselves without an admin. */
const SELF_FIELDS = new Set(['name', 'password', 'languages', 'status', 'locale']);

/** Admins change any agent; agents change their own name, password, languages, presence and locale. */
export async function agentUpdater(ctx: Ctx, id: string, patch: AgentUpdate) {
  const actor = requireStaff(ctx.actor);
  const self = actor.type === 'agent' && actor.id === id;
  if (!isAdmin(actor)) {
    if (!self) throw forbidden('Only admins can change other agents');
    const extra = Object.keys(patch).filter((k) => !SELF_FIELDS.has(k));
    if (extra.length) throw forbidden(`Only admins can change ${extra.join(', ')}`);
  }
  // Your own password needs your current one (a stolen session must not be enough): /auth/password asks for it.
  if (self && patch.password) throw forbidden('Change your own password on the Security page (POST /auth/password): it asks for your current one');
  const before = await agentGetter(ctx, id);
  const demotes = (patch.role && patch.role !== 'admin') || patch.disabled === true;
  if (before.role === 'admin' && demotes) {
    const [{ n }] = (await ctx.db
      .select({ n: sql<number>`count(*)::int` })
      .from(agents)
      .where(and(eq(agents.role, 'admin'), eq(agents.disabled, false), ne(agents.id, id)))) as [{ n: number }];
    if (n === 0) throw new AppError('conflict', 'This is the last active admin; make someone else admin first');
  }
  const set: Partial<typeof agents.$inferInsert> = { updatedAt: new Date() };
  for (const key of ['name', 'role', 'languages', 'status', 'capacity', 'disabled', 'locale'] as const) {
    if (patch[key] !== undefined) (set as any)[key] = patch[key];
  }
  if (patch.password) set.passwordHash = await hashPassword(patch.password);
  if (patch.resetTotp) Object.assign(set, { totpEnabled: false, totpSecret: null });
  await ctx.db.update(agents).set(set).where(eq(agents.id, id));
  await linkAgent(ctx.db, id, patch.teamIds, patch.skillIds);
  if (patch.password || patch.disabled || patch.resetTotp) await sessionsRevoker(ctx, { type: 'agent', id });

  const { password: _p, resetTotp: _r, ...visible } = patch;
  const change = diff(before as unknown as Record<string, unknown>, visible as Record<string, unknown>);
  const flags = { ...(patch.password ? { passwordChanged: true } : {}), ...(patch.resetTotp ? { totpReset: true } : {}) };
  if (Object.keys(change.after).length || Object.keys(flags).length) {
    const type = Object.keys(change.after).length === 1 && 'status' in change.after ? 'agents.status' : 'agents.update';
    await recordEvent(ctx, { type, subjectType: 'agent', subjectId: id, data: { ...change, ...flags } });
  }
  return agentGetter(ctx, id);
}
