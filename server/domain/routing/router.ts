/**
 * Live-chat routing, as pure functions over plain data so every rule can be tested without a
 * database or a clock. The live system loads agents and the queue, calls these, and writes the
 * assignments in a transaction that re-checks capacity (so two processes never give one chat to
 * two agents).
 */

export type Presence = 'online' | 'away' | 'offline';

export interface RoutableAgent {
  id: string;
  status: Presence;
  /** Skill ids (one per category the agent handles). */
  skillIds: string[];
  /** Languages spoken (en, zh-CN …). */
  languages: string[];
  teamIds: string[];
  /** Most chats at once. */
  capacity: number;
  /** Chats the agent holds now. */
  activeChats: number;
  /** When the agent last received a chat (ms); round robin among equals goes to the longest idle. */
  lastAssignedAt: number;
}

export interface WaitingChat {
  id: string;
  /** Skill the chat's category needs (null: anyone). */
  skillId: string | null;
  language: string;
  /** The category's team (null: any team). */
  teamId: string | null;
  /** Money at risk (account compromised, funds stolen): ahead of everyone else. */
  urgent: boolean;
  /** VIP tier, 0 = none; higher tiers go first among equals in urgency. */
  vipTier: number;
  enqueuedAt: number;
  /** The agent who last helped this customer, if any. */
  lastAgentId: string | null;
}

export interface RoutingConfig {
  /** After this long in the queue, agents of the fallback team may take the chat too. */
  overflowAfterMs: number;
  /** Team that takes overflow (null: none). */
  fallbackTeamId: string | null;
  /** Teams whose agents pick chats themselves: never auto-assigned. */
  manualTeamIds: string[];
}

/** Language match: exact, or the same base language (zh-CN ~ zh). */
export const speaks = (agent: RoutableAgent, language: string) =>
  agent.languages.some((l) => l === language || l.split('-')[0] === language.split('-')[0]);

/** Can this agent take this chat now? Online, a free slot, the skill, the language and the team (or overflow). */
export function qualified(agent: RoutableAgent, chat: WaitingChat, now: number, config: RoutingConfig): boolean {
  if (agent.status !== 'online' || agent.activeChats >= agent.capacity) return false;
  if (chat.skillId && !agent.skillIds.includes(chat.skillId)) return false;
  if (!speaks(agent, chat.language)) return false;
  if (!chat.teamId) return true;
  if (config.manualTeamIds.includes(chat.teamId)) return false;
  if (agent.teamIds.includes(chat.teamId)) return true;
  const overflowing = now - chat.enqueuedAt >= config.overflowAfterMs && config.fallbackTeamId !== null;
  return overflowing && agent.teamIds.includes(config.fallbackTeamId!);
}

/**
 * The agent for a chat: the customer's last agent if they are free and qualified; otherwise the
 * least loaded qualified agent (by share of capacity in use), round robin among equals.
 */
export function pickAgent(chat: WaitingChat, agents: RoutableAgent[], now: number, config: RoutingConfig): RoutableAgent | null {
  const able = agents.filter((a) => qualified(a, chat, now, config));
  if (!able.length) return null;
  const returning = chat.lastAgentId ? able.find((a) => a.id === chat.lastAgentId) : undefined;
  if (returning) return returning;
  return able.reduce((best, a) => {
    const load = a.activeChats / a.capacity;
    const bestLoad = best.activeChats / best.capacity;
    if (load !== bestLoad) return load < bestLoad ? a : best;
    if (a.lastAssignedAt !== best.lastAssignedAt) return a.lastAssignedAt < best.lastAssignedAt ? a : best;
    return a.id < best.id ? a : best;
  });
}

/** Queue order: urgent first, then higher VIP tiers, then whoever has waited longest. */
export function queueOrder(a: WaitingChat, b: WaitingChat): number {
  if (a.urgent !== b.urgent) return a.urgent ? -1 : 1;
  if (a.vipTier !== b.vipTier) return b.vipTier - a.vipTier;
  return a.enqueuedAt - b.enqueuedAt || (a.id < b.id ? -1 : 1);
}

export interface Assignment {
  chatId: string;
  agentId: string;
}

/**
 * Assigns as much of the queue as the agents can take, in queue order — called when a chat
 * arrives, when an agent frees a slot or comes online, and on a timer (for overflow). Returns
 * the assignments; the inputs are not changed.
 */
export function routeQueue(queue: WaitingChat[], agents: RoutableAgent[], now: number, config: RoutingConfig): Assignment[] {
  const state = agents.map((a) => ({ ...a }));
  const out: Assignment[] = [];
  for (const chat of [...queue].sort(queueOrder)) {
    const agent = pickAgent(chat, state, now, config);
    if (!agent) continue;
    agent.activeChats++;
    agent.lastAssignedAt = now;
    out.push({ chatId: chat.id, agentId: agent.id });
  }
  return out;
}

/** 1-based place of a chat in the queue among the chats that compete for the same agents. */
export function queuePosition(chat: WaitingChat, queue: WaitingChat[], agents: RoutableAgent[], now: number, config: RoutingConfig): number {
  const pool = agents.filter((a) => a.status === 'online' && couldEverTake(a, chat, now, config));
  const competing = queue.filter((other) => other.id === chat.id || pool.some((a) => couldEverTake(a, other, now, config)));
  return [...competing].sort(queueOrder).findIndex((c) => c.id === chat.id) + 1;
}

/** Qualified apart from current load. */
function couldEverTake(agent: RoutableAgent, chat: WaitingChat, now: number, config: RoutingConfig) {
  return qualified({ ...agent, status: 'online', activeChats: 0, capacity: Math.max(1, agent.capacity) }, chat, now, config);
}

/**
 * Estimated wait in ms for the chat at `position` (1 = next).
 *
 *   wait ≈ position × AHT / slots
 *
 * where slots is the total capacity of the online agents able to take the chat and AHT the
 * recent average handling time: the slots together finish about `slots / AHT` chats per unit of
 * time, and `position` chats must finish (counting this one's turn) before a slot is ours. It
 * is the mean of a queue served by `slots` parallel servers once all are busy; with free slots
 * the chat is assigned at once. Null when nobody online can take it (offer a ticket instead).
 */
export function estimateWaitMs(position: number, slots: number, averageHandlingMs: number): number | null {
  if (slots <= 0) return null;
  if (position <= 0) return 0;
  return Math.round((position * averageHandlingMs) / slots);
}

/**
 * The quietest hours of the day from recent load (chats started per hour of day, averaged over
 * past weeks), as hint for customers who can wait: the `count` hours with the least traffic,
 * in order of the clock.
 */
export function quietHours(chatsPerHour: number[], count = 3): number[] {
  if (chatsPerHour.length !== 24) throw new Error('need 24 hourly figures');
  return chatsPerHour
    .map((n, hour) => ({ n, hour }))
    .sort((a, b) => a.n - b.n || a.hour - b.hour)
    .slice(0, count)
    .map((x) => x.hour)
    .sort((a, b) => a - b);
}
