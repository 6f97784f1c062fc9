import { and, eq, inArray, isNotNull, isNull, lt, sql } from 'drizzle-orm';
import { agentSkills, agents, categories, contacts, conversations, teamMembers } from '../../db/schema.ts';
import { type Ctx, SYSTEM, type Services, recordEvent, transact } from '../context.ts';
import { conversationUpdater } from '../conversations/conversationUpdater.ts';
import { settingsReader } from '../system/settings.ts';
import { type Assignment, type RoutableAgent, type WaitingChat, routeQueue } from './router.ts';

/** Routing runs one at a time across every process (a transaction-scoped advisory lock). */
const ROUTING_LOCK = 7_301_010;
/** Conversation states that take one of an agent's chat slots. */
const BUSY = ['new', 'open', 'pending', 'on_hold'] as const;

/** Live chats waiting for an agent, with what routing needs to know about each. */
export async function waitingChats(ctx: Ctx): Promise<WaitingChat[]> {
  const rows = await ctx.db
    .select({
      id: conversations.id,
      language: conversations.language,
      teamId: conversations.teamId,
      createdAt: conversations.createdAt,
      contactId: conversations.contactId,
      skillId: categories.skillId,
      urgent: categories.urgent,
      vipTier: contacts.vipTier,
      // The agent of the customer's most recent earlier chat, for "returning customer".
      lastAgentId: sql<string | null>`(select c2.assignee_id from conversations c2
        where c2.contact_id = "conversations"."contact_id" and c2.id <> "conversations"."id" and c2.assignee_id is not null
        order by c2.created_at desc limit 1)`,
    })
    .from(conversations)
    .innerJoin(contacts, eq(contacts.id, conversations.contactId))
    .leftJoin(categories, eq(categories.id, conversations.categoryId))
    .where(and(eq(conversations.mode, 'live'), eq(conversations.status, 'new'), isNull(conversations.assigneeId)));
  return rows.map((r) => ({
    id: r.id,
    skillId: r.skillId ?? null,
    language: r.language,
    teamId: r.teamId,
    urgent: r.urgent ?? false,
    vipTier: Number(r.vipTier) || 0,
    enqueuedAt: r.createdAt.getTime(),
    lastAgentId: r.lastAgentId,
  }));
}

/** Online agents with their skills, teams and current live-chat load. */
export async function routableAgents(ctx: Ctx): Promise<RoutableAgent[]> {
  const online = await ctx.db.select().from(agents).where(and(eq(agents.status, 'online'), eq(agents.disabled, false)));
  if (!online.length) return [];
  const ids = online.map((a) => a.id);
  const [skills, teams, load] = await Promise.all([
    ctx.db.select().from(agentSkills).where(inArray(agentSkills.agentId, ids)),
    ctx.db.select().from(teamMembers).where(inArray(teamMembers.agentId, ids)),
    ctx.db
      .select({ agentId: conversations.assigneeId, n: sql<number>`count(*)::int` })
      .from(conversations)
      .where(and(eq(conversations.mode, 'live'), inArray(conversations.status, [...BUSY]), inArray(conversations.assigneeId, ids)))
      .groupBy(conversations.assigneeId),
  ]);
  const active = new Map(load.map((l) => [l.agentId, l.n]));
  return online.map((a) => ({
    id: a.id,
    status: a.status,
    skillIds: skills.filter((s) => s.agentId === a.id).map((s) => s.skillId),
    languages: a.languages,
    teamIds: teams.filter((t) => t.agentId === a.id).map((t) => t.teamId),
    capacity: a.capacity,
    activeChats: active.get(a.id) ?? 0,
    lastAssignedAt: a.lastChatAssignedAt?.getTime() ?? 0,
  }));
}

/**
 * Offers that ran out: the chat goes back to the queue (keeping its place) and the agent, who
 * is evidently not at the desk, is set away so routing stops offering them chats.
 */
async function expiredOfferWithdrawer(ctx: Ctx, acceptSeconds: number, now: Date): Promise<string[]> {
  const expired = await ctx.db
    .select({ id: conversations.id, assigneeId: conversations.assigneeId })
    .from(conversations)
    .where(
      and(
        eq(conversations.mode, 'live'),
        eq(conversations.status, 'new'),
        isNotNull(conversations.assigneeId),
        lt(conversations.chatOfferedAt, new Date(now.getTime() - acceptSeconds * 1000)),
      ),
    );
  const setAway = new Set<string>();
  for (const chat of expired) {
    await ctx.db.update(conversations).set({ assigneeId: null, chatOfferedAt: null, updatedAt: now }).where(eq(conversations.id, chat.id));
    await recordEvent(ctx, {
      type: 'conversations.assign',
      subjectType: 'conversation',
      subjectId: chat.id,
      conversationId: chat.id,
      data: { before: { assigneeId: chat.assigneeId }, after: { assigneeId: null }, reason: 'offer_expired' },
    });
    setAway.add(chat.assigneeId!);
  }
  for (const agentId of setAway) {
    const [row] = await ctx.db
      .update(agents)
      .set({ status: 'away', updatedAt: now })
      .where(and(eq(agents.id, agentId), eq(agents.status, 'online')))
      .returning({ id: agents.id });
    if (row) await recordEvent(ctx, { type: 'agents.status', subjectType: 'agent', subjectId: agentId, data: { before: { status: 'online' }, after: { status: 'away' }, reason: 'missed_chat' } });
  }
  return expired.map((e) => e.id);
}

/**
 * Offers waiting live chats to qualified online agents (see router.ts for the rules); an
 * offered chat takes one of the agent's slots until they accept it or the offer runs out.
 * Safe to call from any process at any time: one routing pass runs at a time, and it reads
 * the current state inside its transaction, so a chat never goes to two agents and no agent
 * goes over capacity.
 */
export async function chatRouter(services: Services): Promise<Assignment[]> {
  return transact(services, SYSTEM, async (ctx) => {
    await ctx.db.execute(sql`select pg_advisory_xact_lock(${ROUTING_LOCK})`);
    const settings = await settingsReader(ctx.db);
    const now = services.clock();
    await expiredOfferWithdrawer(ctx, settings.chatAcceptSeconds, now);
    const queue = await waitingChats(ctx);
    if (!queue.length) return [];
    const assignments = routeQueue(queue, await routableAgents(ctx), now.getTime(), {
      overflowAfterMs: settings.chatOverflowMinutes * 60_000,
      fallbackTeamId: settings.chatFallbackTeamId,
      manualTeamIds: settings.chatManualTeamIds,
    });
    for (const a of assignments) {
      await conversationUpdater(ctx, a.chatId, { assigneeId: a.agentId });
      await ctx.db.update(conversations).set({ chatOfferedAt: now }).where(eq(conversations.id, a.chatId));
      await ctx.db.update(agents).set({ lastChatAssignedAt: now }).where(eq(agents.id, a.agentId));
    }
    return assignments;
  });
}

/** Events after which a waiting chat may have become assignable. */
export const ROUTING_TRIGGERS = (type: string, data: Record<string, unknown>) =>
  (type === 'conversations.create' && data.mode === 'live') ||
  type === 'agents.status' ||
  type === 'agents.update' ||
  type === 'teams.update' ||
  type === 'settings.update' ||
  (type === 'conversations.update' && 'status' in ((data.after as object | undefined) ?? {})) ||
  type === 'conversations.assign';

/**
 * Runs routing in this process after every event that can make a chat assignable (debounced so
 * a burst is one pass), and every 10 s for chats that reach their overflow time and offers
 * that run out. Routing derives
 * everything from the database, so a pass that a crash skips is made up by the next one.
 */
export function startChatRouting(services: Services, onError: (err: unknown) => void): () => void {
  let timer: NodeJS.Timeout | null = null;
  let running = false;
  let again = false;
  const run = async () => {
    timer = null;
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      await chatRouter(services);
    } catch (err) {
      onError(err);
    } finally {
      running = false;
      if (again) {
        again = false;
        schedule();
      }
    }
  };
  const schedule = () => {
    timer ??= setTimeout(run, 50);
  };
  const unsubscribe = services.bus.subscribe((event) => {
    if (ROUTING_TRIGGERS(event.type, event.data)) schedule();
  });
  const interval = setInterval(schedule, 10_000);
  return () => {
    unsubscribe();
    clearInterval(interval);
    if (timer) clearTimeout(timer);
  };
}
