import { and, desc, eq, isNull, sql } from 'drizzle-orm';
import { agents, messages, notifications, teamMembers } from '../../db/schema.ts';
import { AppError } from '../../errors.ts';
import type { DomainEvent } from '../../realtime/bus.ts';
import { isAgent } from '../auth/policy.ts';
import { type Ctx, recordEvent } from '../context.ts';
import { conversationLoader } from '../conversations/conversationReader.ts';

/** `@zhang.min` or `@Alex` in a note: an email local part or a first name. */
const MENTION = /(?:^|[\s(])@([\p{L}\p{N}._-]{2,64})/gu;

export function mentionedHandles(body: string): string[] {
  return [...new Set([...body.matchAll(MENTION)].map((m) => m[1]!.toLowerCase().replace(/[._-]+$/, '')))];
}

async function notify(ctx: Ctx, agentId: string, type: 'assigned' | 'mentioned' | 'sla_breach' | 'chat_missed', event: DomainEvent, data: Record<string, unknown>) {
  const [row] = await ctx.db
    .insert(notifications)
    .values({ agentId, type, conversationId: event.conversationId, eventId: String(event.id), data })
    .onConflictDoNothing()
    .returning();
  // Recorded so the socket processor can push it to the agent's room at once.
  // The conversation rides in data (not the event's conversationId, which would put the notification in that conversation's history).
  if (row) await recordEvent(ctx, { type: 'notifications.create', subjectType: 'agent', subjectId: agentId, data: { notificationId: row.id, type, ...data, conversationId: row.conversationId } });
}

/** Tells agents in the workspace when a conversation is assigned to them or they are @mentioned in a note. */
export async function agentNotifier(ctx: Ctx, event: DomainEvent): Promise<void> {
  if (!event.conversationId) return;
  const conversation = await conversationLoader(ctx.db, event.conversationId);
  if (!conversation) return;
  const about = { number: conversation.number, subject: conversation.subject, by: event.actorId };

  if (event.type === 'conversations.assign') {
    const assigneeId = (event.data.after as { assigneeId?: string | null } | undefined)?.assigneeId;
    // A chat offer that ran out: the agent hears why they were set away.
    const missedBy = (event.data.before as { assigneeId?: string | null } | undefined)?.assigneeId;
    if (event.data.reason === 'offer_expired' && missedBy) await notify(ctx, missedBy, 'chat_missed', event, about);
    // Taking a ticket yourself needs no notification.
    if (assigneeId && assigneeId !== event.actorId) await notify(ctx, assigneeId, 'assigned', event, about);
    return;
  }
  if (event.type === 'conversations.sla_breach') {
    // The team's supervisors hear of a breach; a conversation without a team (or a team without supervisors) goes to the admins.
    const supervisors = conversation.teamId
      ? await ctx.db.select({ id: teamMembers.agentId }).from(teamMembers).where(and(eq(teamMembers.teamId, conversation.teamId), eq(teamMembers.isSupervisor, true)))
      : [];
    const recipients = supervisors.length ? supervisors : await ctx.db.select({ id: agents.id }).from(agents).where(and(eq(agents.role, 'admin'), eq(agents.disabled, false)));
    for (const r of recipients) await notify(ctx, r.id, 'sla_breach', event, { ...about, kind: event.data.kind, dueAt: event.data.dueAt });
    return;
  }
  if (event.type === 'messages.create' && event.data.visibility === 'private') {
    const [note] = await ctx.db.select({ body: messages.body }).from(messages).where(eq(messages.id, event.subjectId));
    const handles = mentionedHandles(note?.body ?? '');
    if (!handles.length) return;
    const staff = await ctx.db.select({ id: agents.id, email: agents.email, name: agents.name }).from(agents).where(eq(agents.disabled, false));
    for (const agent of staff) {
      const local = agent.email.split('@')[0]!.toLowerCase();
      const names = agent.name.toLowerCase().split(/\s+/);
      if (agent.id === event.actorId) continue;
      if (handles.some((h) => h === local || names.includes(h))) await notify(ctx, agent.id, 'mentioned', event, { ...about, excerpt: note!.body.slice(0, 200) });
    }
  }
}

/** The signed-in agent's notifications, newest first. */
export async function notificationLister(ctx: Ctx, query: { unreadOnly: boolean; limit: number }) {
  if (!isAgent(ctx.actor)) throw new AppError('forbidden', 'Notifications are for agents');
  const filters = [eq(notifications.agentId, ctx.actor.id)];
  if (query.unreadOnly) filters.push(isNull(notifications.readAt));
  const items = await ctx.db.select().from(notifications).where(and(...filters)).orderBy(desc(notifications.createdAt)).limit(query.limit);
  const [{ unread }] = (await ctx.db
    .select({ unread: sql<number>`count(*)::int` })
    .from(notifications)
    .where(and(eq(notifications.agentId, ctx.actor.id), isNull(notifications.readAt)))) as [{ unread: number }];
  return { items, unread };
}

/** Marks some (or all) of the agent's notifications read. */
export async function notificationReader(ctx: Ctx, ids: string[] | 'all') {
  if (!isAgent(ctx.actor)) throw new AppError('forbidden', 'Notifications are for agents');
  const mine = eq(notifications.agentId, ctx.actor.id);
  const now = ctx.services.clock();
  if (ids === 'all') await ctx.db.update(notifications).set({ readAt: now }).where(and(mine, isNull(notifications.readAt)));
  else if (ids.length) await ctx.db.update(notifications).set({ readAt: now }).where(and(mine, sql`${notifications.id} in ${ids}`));
}
