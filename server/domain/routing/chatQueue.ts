import { and, asc, eq, gte, inArray, isNotNull, sql } from 'drizzle-orm';
import type { AgentStatus } from '../../../common/enums.ts';
import { agents, categories, contacts, conversations, teamMembers } from '../../db/schema.ts';
import { forbidden } from '../../errors.ts';
import { isStaff } from '../auth/policy.ts';
import { cached } from '../cache.ts';
import type { Ctx } from '../context.ts';
import { conversationGetter } from '../conversations/conversationReader.ts';
import { settingsReader } from '../system/settings.ts';
import { estimateWaitMs, qualified, queuePosition, quietHours } from './router.ts';
import { routableAgents, waitingChats } from './chatRouter.ts';

/** When there is no recent history, a chat is assumed to take this long. */
const DEFAULT_HANDLING_MS = 6 * 60_000;

/** Average handling time of live chats solved in the last 7 days (assignment → solved). */
async function averageHandlingMs(ctx: Ctx): Promise<number> {
  return cached(ctx.services, 'chat:aht', [], 60_000, async () => {
    const since = new Date(ctx.services.clock().getTime() - 7 * 86_400_000);
    const [row] = await ctx.db
      .select({
        ms: sql<number | null>`avg(extract(epoch from (${conversations.solvedAt} - (select min(e.created_at) from events e where e.conversation_id = "conversations"."id" and e.type = 'conversations.assign'))) * 1000)::float`,
      })
      .from(conversations)
      .where(and(eq(conversations.mode, 'live'), isNotNull(conversations.solvedAt), gte(conversations.solvedAt, since)));
    const ms = row?.ms;
    return ms && ms > 0 ? ms : DEFAULT_HANDLING_MS;
  });
}

/** Live chats started per hour of the day (UTC) over the last 4 weeks. */
async function hourlyLoad(ctx: Ctx): Promise<number[]> {
  return cached(ctx.services, 'chat:hourly', [], 10 * 60_000, async () => {
    const since = new Date(ctx.services.clock().getTime() - 28 * 86_400_000);
    const rows = await ctx.db
      .select({ hour: sql<number>`extract(hour from ${conversations.createdAt} at time zone 'UTC')::int`, n: sql<number>`count(*)::int` })
      .from(conversations)
      .where(and(eq(conversations.mode, 'live'), gte(conversations.createdAt, since)))
      .groupBy(sql`1`);
    const load = Array.from({ length: 24 }, () => 0);
    for (const r of rows) load[r.hour] = r.n;
    return load;
  });
}

export interface QueueStatus {
  /** waiting, assigned (an agent has it), ticket (became one: answered by email) or closed. */
  state: 'waiting' | 'assigned' | 'ticket' | 'closed';
  /** 1 = next; null once assigned. */
  position: number | null;
  /** Estimate in seconds; null when nobody online can take the chat. */
  estimatedWaitSeconds: number | null;
  /** Online agents able to take this chat. */
  agentsAvailable: number;
  /** The quietest hours of the day (UTC), from real recent load; empty without history. */
  quietHoursUtc: number[];
}

/** Where a live chat stands in the queue, as its customer (or staff) sees it. */
export async function chatQueueReader(ctx: Ctx, conversationId: string): Promise<QueueStatus> {
  const conversation = await conversationGetter(ctx, conversationId);
  const load = await hourlyLoad(ctx);
  const quiet = load.some((n) => n > 0) ? quietHours(load) : [];
  if (conversation.mode !== 'live') return { state: 'ticket', position: null, estimatedWaitSeconds: null, agentsAvailable: 0, quietHoursUtc: quiet };
  if (conversation.status === 'solved' || conversation.status === 'closed') return { state: 'closed', position: null, estimatedWaitSeconds: null, agentsAvailable: 0, quietHoursUtc: quiet };
  if (conversation.assigneeId) return { state: 'assigned', position: null, estimatedWaitSeconds: 0, agentsAvailable: 1, quietHoursUtc: quiet };

  const queue = await waitingChats(ctx);
  const me = queue.find((c) => c.id === conversationId);
  if (!me) throw forbidden('This chat is not waiting');
  const agents = await routableAgents(ctx);
  const settings = await settingsReader(ctx.db);
  const config = { overflowAfterMs: settings.chatOverflowMinutes * 60_000, fallbackTeamId: settings.chatFallbackTeamId, manualTeamIds: settings.chatManualTeamIds };
  const now = ctx.services.clock().getTime();
  // Agents able to take it apart from being busy right now: their slots drain the queue.
  const able = agents.filter((a) => qualified({ ...a, activeChats: 0 }, me, now, config));
  const position = queuePosition(me, queue, agents, now, config);
  const slots = able.reduce((sum, a) => sum + a.capacity, 0);
  const wait = estimateWaitMs(position, slots, await averageHandlingMs(ctx));
  return { state: 'waiting', position, estimatedWaitSeconds: wait === null ? null : Math.round(wait / 1000), agentsAvailable: able.length, quietHoursUtc: quiet };
}

export interface LiveQueue {
  waiting: {
    id: string;
    number: number;
    subject: string;
    language: string;
    categoryId: string | null;
    teamId: string | null;
    priority: string;
    urgent: boolean;
    vipTier: number;
    waitingSeconds: number;
    /** Place in the queue (null while offered to an agent). */
    position: number | null;
    contactName: string;
    offeredTo: string | null;
    offeredAt: Date | null;
    /** Seconds left to accept the offer (by the server's clock, so countdowns need no synced clocks). */
    offerSecondsLeft: number | null;
  }[];
  active: { id: string; number: number; subject: string; contactName: string; assigneeId: string | null; status: string; startedAt: Date; lastMessageAt: Date }[];
  agents: { id: string; name: string; status: AgentStatus; capacity: number; activeChats: number; languages: string[]; teamIds: string[] }[];
  averageHandlingSeconds: number;
  /** How long an agent has to accept an offer (the chatAcceptSeconds setting), for countdowns. */
  acceptSeconds: number;
}

/** The supervisors' live view: every waiting and active chat, and every agent's load. */
export async function liveQueueReader(ctx: Ctx): Promise<LiveQueue> {
  if (!isStaff(ctx.actor)) throw forbidden();
  const now = ctx.services.clock().getTime();
  const settings = await settingsReader(ctx.db);
  const config = { overflowAfterMs: settings.chatOverflowMinutes * 60_000, fallbackTeamId: settings.chatFallbackTeamId, manualTeamIds: settings.chatManualTeamIds };
  const [live, staff, memberships, queue, routable] = await Promise.all([
    ctx.db
      .select({
        id: conversations.id,
        number: conversations.number,
        subject: conversations.subject,
        language: conversations.language,
        categoryId: conversations.categoryId,
        teamId: conversations.teamId,
        priority: conversations.priority,
        status: conversations.status,
        assigneeId: conversations.assigneeId,
        chatOfferedAt: conversations.chatOfferedAt,
        createdAt: conversations.createdAt,
        lastMessageAt: conversations.lastMessageAt,
        contactName: contacts.name,
        vipTier: contacts.vipTier,
        urgent: categories.urgent,
      })
      .from(conversations)
      .innerJoin(contacts, eq(contacts.id, conversations.contactId))
      .leftJoin(categories, eq(categories.id, conversations.categoryId))
      .where(and(eq(conversations.mode, 'live'), inArray(conversations.status, ['new', 'open', 'pending', 'on_hold'])))
      .orderBy(asc(conversations.createdAt)),
    ctx.db.select().from(agents).where(eq(agents.disabled, false)).orderBy(asc(agents.name)),
    ctx.db.select().from(teamMembers),
    waitingChats(ctx),
    routableAgents(ctx),
  ]);
  const load = new Map<string, number>();
  for (const c of live) if (c.assigneeId) load.set(c.assigneeId, (load.get(c.assigneeId) ?? 0) + 1);
  const byId = new Map(queue.map((q) => [q.id, q]));
  return {
    waiting: live
      .filter((c) => c.status === 'new')
      .map((c) => {
        const chat = byId.get(c.id);
        return {
          id: c.id,
          number: c.number,
          subject: c.subject,
          language: c.language,
          categoryId: c.categoryId,
          teamId: c.teamId,
          priority: c.priority,
          urgent: c.urgent ?? false,
          vipTier: Number(c.vipTier) || 0,
          waitingSeconds: Math.max(0, Math.round((now - c.createdAt.getTime()) / 1000)),
          position: chat && !c.assigneeId ? queuePosition(chat, queue, routable, now, config) : null,
          contactName: c.contactName,
          offeredTo: c.assigneeId,
          offeredAt: c.assigneeId ? c.chatOfferedAt : null,
          offerSecondsLeft:
            c.assigneeId && c.chatOfferedAt ? Math.max(0, Math.round(settings.chatAcceptSeconds - (now - c.chatOfferedAt.getTime()) / 1000)) : null,
        };
      }),
    active: live
      .filter((c) => c.status !== 'new')
      .map((c) => ({ id: c.id, number: c.number, subject: c.subject, contactName: c.contactName, assigneeId: c.assigneeId, status: c.status, startedAt: c.createdAt, lastMessageAt: c.lastMessageAt })),
    agents: staff
      .filter((a) => a.status !== 'offline' || load.has(a.id))
      .map((a) => ({
        id: a.id,
        name: a.name,
        status: a.status,
        capacity: a.capacity,
        activeChats: load.get(a.id) ?? 0,
        languages: a.languages,
        teamIds: memberships.filter((m) => m.agentId === a.id).map((m) => m.teamId),
      })),
    averageHandlingSeconds: Math.round((await averageHandlingMs(ctx)) / 1000),
    acceptSeconds: settings.chatAcceptSeconds,
  };
}

export interface ChatAvailability {
  agentsOnline: number;
  /** Chats waiting for an agent now. */
  waiting: number;
  /** For a chat started now (null: nobody online). */
  estimatedWaitSeconds: number | null;
}

/**
 * Whether live chat is staffed right now, for the public contact page. Cached a few seconds per
 * process: the page is public and must not cost a query per visitor.
 */
export async function chatAvailability(ctx: Ctx): Promise<ChatAvailability> {
  return cached(ctx.services, 'chat:availability', ['agents.status'], 5_000, async () => {
    const [staff] = await ctx.db
      .select({ n: sql<number>`count(*)::int`, slots: sql<number>`coalesce(sum(${agents.capacity}), 0)::int` })
      .from(agents)
      .where(and(eq(agents.status, 'online'), eq(agents.disabled, false)));
    const [queue] = await ctx.db
      .select({
        waiting: sql<number>`count(*) filter (where ${conversations.status} = 'new' and ${conversations.assigneeId} is null)::int`,
        busy: sql<number>`count(*) filter (where ${conversations.assigneeId} in (select id from agents where status = 'online'))::int`,
      })
      .from(conversations)
      .where(and(eq(conversations.mode, 'live'), inArray(conversations.status, ['new', 'open', 'pending', 'on_hold'])));
    const agentsOnline = staff?.n ?? 0;
    const waiting = queue?.waiting ?? 0;
    // Free slots take the first chats at once; the rest wait their turn.
    const position = waiting + 1 - Math.max(0, (staff?.slots ?? 0) - (queue?.busy ?? 0));
    const wait = agentsOnline ? estimateWaitMs(position, staff!.slots, await averageHandlingMs(ctx)) : null;
    return { agentsOnline, waiting, estimatedWaitSeconds: wait === null ? null : Math.round(wait / 1000) };
  });
}
