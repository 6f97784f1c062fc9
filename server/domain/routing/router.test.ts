import { describe, expect, it } from 'vitest';
import { estimateWaitMs, pickAgent, queueOrder, queuePosition, quietHours, qualified, routeQueue, type RoutableAgent, type RoutingConfig, type WaitingChat } from './router.ts';

const config: RoutingConfig = { overflowAfterMs: 5 * 60_000, fallbackTeamId: 'team-general', manualTeamIds: [] };
const agent = (id: string, over: Partial<RoutableAgent> = {}): RoutableAgent => ({
  id,
  status: 'online',
  skillIds: ['deposits'],
  languages: ['zh-CN', 'en'],
  teamIds: ['team-deposits'],
  capacity: 3,
  activeChats: 0,
  lastAssignedAt: 0,
  ...over,
});
const chat = (id: string, over: Partial<WaitingChat> = {}): WaitingChat => ({
  id,
  skillId: 'deposits',
  language: 'zh-CN',
  teamId: 'team-deposits',
  urgent: false,
  vipTier: 0,
  enqueuedAt: 1_000,
  lastAgentId: null,
  ...over,
});
const NOW = 10_000;

describe('who may take a chat', () => {
  it('never gives new chats to offline or away agents, or to full ones', () => {
    expect(qualified(agent('a', { status: 'offline' }), chat('c'), NOW, config)).toBe(false);
    expect(qualified(agent('a', { status: 'away' }), chat('c'), NOW, config)).toBe(false);
    expect(qualified(agent('a', { activeChats: 3, capacity: 3 }), chat('c'), NOW, config)).toBe(false);
    expect(qualified(agent('a', { capacity: 0 }), chat('c'), NOW, config)).toBe(false);
    expect(qualified(agent('a'), chat('c'), NOW, config)).toBe(true);
  });

  it('needs the skill and the language (zh-CN matches zh)', () => {
    expect(qualified(agent('a', { skillIds: ['trading'] }), chat('c'), NOW, config)).toBe(false);
    expect(qualified(agent('a', { languages: ['en'] }), chat('c'), NOW, config)).toBe(false);
    expect(qualified(agent('a', { languages: ['zh'] }), chat('c', { language: 'zh-CN' }), NOW, config)).toBe(true);
    expect(qualified(agent('a', { skillIds: [] }), chat('c', { skillId: null }), NOW, config)).toBe(true);
  });

  it('keeps a chat in its team until it has waited long enough to overflow to the fallback team', () => {
    const outsider = agent('f', { teamIds: ['team-general'] });
    expect(qualified(outsider, chat('c', { enqueuedAt: NOW - 60_000 }), NOW, config)).toBe(false);
    expect(qualified(outsider, chat('c', { enqueuedAt: NOW - 5 * 60_000 }), NOW, config)).toBe(true);
    expect(qualified(outsider, chat('c', { enqueuedAt: 0 }), NOW, { ...config, fallbackTeamId: null })).toBe(false);
  });

  it('never auto-assigns chats of a team in manual pick mode', () => {
    expect(qualified(agent('a'), chat('c'), NOW, { ...config, manualTeamIds: ['team-deposits'] })).toBe(false);
  });
});

describe('picking an agent', () => {
  it('gives a returning customer their last agent when free, even if others are less loaded', () => {
    const agents = [agent('a', { activeChats: 0 }), agent('b', { activeChats: 2 })];
    expect(pickAgent(chat('c', { lastAgentId: 'b' }), agents, NOW, config)?.id).toBe('b');
    expect(pickAgent(chat('c', { lastAgentId: 'b' }), [agent('a'), agent('b', { activeChats: 3 })], NOW, config)?.id).toBe('a');
  });

  it('takes the least loaded by share of capacity, then round robin (longest since last chat)', () => {
    const agents = [agent('a', { activeChats: 2, capacity: 4 }), agent('b', { activeChats: 1, capacity: 1 }), agent('c', { activeChats: 1, capacity: 3 })];
    expect(pickAgent(chat('x'), agents, NOW, config)?.id).toBe('c');
    const equals = [agent('a', { lastAssignedAt: 500 }), agent('b', { lastAssignedAt: 100 }), agent('c', { lastAssignedAt: 900 })];
    expect(pickAgent(chat('x'), equals, NOW, config)?.id).toBe('b');
  });

  it('returns nobody when nobody qualified is online', () => {
    expect(pickAgent(chat('x'), [agent('a', { status: 'away' }), agent('b', { languages: ['en'] })], NOW, config)).toBeNull();
  });
});

describe('the queue', () => {
  it('orders urgent before VIP before waiting time', () => {
    const q = [chat('old', { enqueuedAt: 1 }), chat('vip', { vipTier: 2, enqueuedAt: 5 }), chat('urgent', { urgent: true, enqueuedAt: 9 }), chat('vip1', { vipTier: 1, enqueuedAt: 2 })];
    expect([...q].sort(queueOrder).map((c) => c.id)).toEqual(['urgent', 'vip', 'vip1', 'old']);
  });

  it('assigns the backlog in order when capacity frees up, never beyond capacity, spreading the load', () => {
    const queue = [chat('1', { enqueuedAt: 1 }), chat('2', { enqueuedAt: 2 }), chat('3', { enqueuedAt: 3 }), chat('4', { enqueuedAt: 4 }), chat('urgent', { urgent: true, enqueuedAt: 9 })];
    const agents = [agent('a', { capacity: 2 }), agent('b', { capacity: 1, lastAssignedAt: 5 })];
    const out = routeQueue(queue, agents, NOW, config);
    expect(out).toEqual([
      { chatId: 'urgent', agentId: 'a' },
      { chatId: '1', agentId: 'b' },
      { chatId: '2', agentId: 'a' },
    ]);
    // Every chat to one agent only, and no agent over capacity.
    expect(new Set(out.map((o) => o.chatId)).size).toBe(out.length);
    // The inputs are untouched.
    expect(agents[0]!.activeChats).toBe(0);
  });

  it('picks up the oldest chat an agent can take as soon as they come online', () => {
    const queue = [chat('en-only', { language: 'en', enqueuedAt: 1 }), chat('zh', { enqueuedAt: 2 }), chat('zh2', { enqueuedAt: 3 })];
    const zhAgent = agent('z', { languages: ['zh-CN'], capacity: 1 });
    expect(routeQueue(queue, [{ ...zhAgent, status: 'offline' }], NOW, config)).toEqual([]);
    expect(routeQueue(queue, [zhAgent], NOW, config)).toEqual([{ chatId: 'zh', agentId: 'z' }]);
  });

  it('counts the position only among chats competing for the same agents', () => {
    const queue = [chat('trading', { skillId: 'trading', teamId: 'team-trading', enqueuedAt: 1 }), chat('a', { enqueuedAt: 2 }), chat('b', { enqueuedAt: 3 })];
    const agents = [agent('x', { activeChats: 3 })];
    expect(queuePosition(queue[2]!, queue, agents, NOW, config)).toBe(2);
  });
});

describe('estimated wait', () => {
  it('follows position × AHT / slots, and is null when nobody can take the chat', () => {
    expect(estimateWaitMs(1, 4, 240_000)).toBe(60_000);
    expect(estimateWaitMs(8, 4, 240_000)).toBe(480_000);
    expect(estimateWaitMs(3, 0, 240_000)).toBeNull();
  });

  it('matches a simulation of agents working through a queue', () => {
    // Slots busy with chats of exponential length (mean AHT), a queue of 40 chats: compare the
    // time each queued chat waits with the estimate given at the start.
    let seed = 7;
    const rand = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    const exp = (mean: number) => -Math.log(1 - rand()) * mean;
    const slots = 6;
    const aht = 300_000;
    const runs = 400;
    const positions = [1, 5, 10, 20, 40];
    const totals = new Map(positions.map((p) => [p, 0]));
    for (let r = 0; r < runs; r++) {
      // Each slot is partway through a chat (memoryless: remaining time is also exponential).
      const free = Array.from({ length: slots }, () => exp(aht));
      for (let p = 1; p <= 40; p++) {
        free.sort((a, b) => a - b);
        const start = free[0]!;
        if (totals.has(p)) totals.set(p, totals.get(p)! + start);
        free[0] = start + exp(aht);
      }
    }
    for (const p of positions) {
      const simulated = totals.get(p)! / runs;
      const estimate = estimateWaitMs(p, slots, aht)!;
      expect(Math.abs(simulated - estimate) / estimate).toBeLessThan(0.15);
    }
  });
});

describe('quiet hours', () => {
  it('names the least busy hours of the day, in clock order', () => {
    const load = [5, 3, 1, 1, 2, 4, 8, 15, 30, 40, 42, 38, 30, 33, 36, 35, 30, 28, 25, 22, 20, 15, 10, 7];
    expect(quietHours(load)).toEqual([2, 3, 4]);
    expect(() => quietHours([1, 2])).toThrow();
  });
});
