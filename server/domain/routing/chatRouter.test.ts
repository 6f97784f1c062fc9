import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { openDatabase } from '../../db/client.ts';
import { conversations } from '../../db/schema.ts';
import { DB_KINDS } from '../../../test/helpers/db.ts';
import { asSystem, createTestApp, makeAgent, makeContact, type TestApp } from '../../../test/helpers/app.ts';
import { transact } from '../context.ts';
import { conversationCreator } from '../conversations/conversationCreator.ts';
import { agentUpdater } from '../directory/agents.ts';
import { categoryCreator, skillCreator } from '../directory/categories.ts';
import { teamCreator } from '../directory/teams.ts';
import { chatRouter } from './chatRouter.ts';

describe.each(DB_KINDS)('chat routing against the database on %s', (kind) => {
  let t: TestApp;
  let categoryId: string;
  let skillId: string;
  let teamId: string;

  beforeEach(async () => {
    t = await createTestApp(kind);
    skillId = (await asSystem(t, (ctx) => skillCreator(ctx, { slug: 'deposits', name: { en: 'Deposits' } }))).id;
    teamId = (await asSystem(t, (ctx) => teamCreator(ctx, { slug: 'deposits', name: { en: 'Deposits' }, description: '', memberIds: [], supervisorIds: [] }))).id;
    categoryId = (await asSystem(t, (ctx) => categoryCreator(ctx, { slug: 'deposit-missing', name: { en: 'Deposit' }, teamId, skillId, urgent: false, position: 0 }))).id;
  });
  afterEach(async () => t.close());

  const agent = async (status: 'online' | 'offline', capacity: number, languages = ['zh-CN']) => {
    const a = await makeAgent(t, { teamIds: [teamId] });
    return asSystem(t, (ctx) => agentUpdater(ctx, a.id, { status, capacity, languages, skillIds: [skillId] }));
  };
  const chat = async (language = 'zh-CN') => {
    const contact = await makeContact(t);
    const { conversation } = await transact(t.services, { type: 'contact', id: contact.id }, (ctx) =>
      conversationCreator(ctx, { subject: '充值没到账', body: '等了两小时', mode: 'live', categoryId, language, fields: {}, tags: [] }),
    );
    return conversation.id;
  };
  const assigneeOf = async (id: string) => (await t.services.database.db.select().from(conversations).where(eq(conversations.id, id)))[0]!;

  it('assigns waiting chats to qualified online agents up to their capacity, and the backlog when an agent comes online', async () => {
    const a = await agent('online', 1);
    const off = await agent('offline', 5);
    const english = await chat('en');
    const first = await chat();
    const second = await chat();
    const assigned = await chatRouter(t.services);
    expect(assigned).toEqual([{ chatId: first, agentId: a.id }]);
    expect(await assigneeOf(first)).toMatchObject({ assigneeId: a.id, status: 'new' });
    // Offered, not accepted yet: the offer still takes one of the agent's slots.
    expect((await assigneeOf(second)).assigneeId).toBeNull();
    expect((await assigneeOf(english)).assigneeId).toBeNull();

    // The offline agent comes online: the oldest chat they can take goes to them at once.
    await asSystem(t, (ctx) => agentUpdater(ctx, off.id, { status: 'online' }));
    expect(await chatRouter(t.services)).toEqual([{ chatId: second, agentId: off.id }]);
    // Nobody speaks English: that chat keeps waiting.
    expect((await assigneeOf(english)).assigneeId).toBeNull();
  });

});

// Only PostgreSQL has several connections: there two routers can truly run at once.
describe.runIf(DB_KINDS.includes('postgres'))('chat routing under concurrent routers on postgres', () => {
  let t: TestApp;
  let categoryId: string;
  let skillId: string;
  let teamId: string;

  beforeEach(async () => {
    t = await createTestApp('postgres');
    skillId = (await asSystem(t, (ctx) => skillCreator(ctx, { slug: 'deposits', name: { en: 'Deposits' } }))).id;
    teamId = (await asSystem(t, (ctx) => teamCreator(ctx, { slug: 'deposits', name: { en: 'Deposits' }, description: '', memberIds: [], supervisorIds: [] }))).id;
    categoryId = (await asSystem(t, (ctx) => categoryCreator(ctx, { slug: 'deposit-missing', name: { en: 'Deposit' }, teamId, skillId, urgent: false, position: 0 }))).id;
  });
  afterEach(async () => t.close());

  const agent = async (status: 'online' | 'offline', capacity: number, languages = ['zh-CN']) => {
    const a = await makeAgent(t, { teamIds: [teamId] });
    return asSystem(t, (ctx) => agentUpdater(ctx, a.id, { status, capacity, languages, skillIds: [skillId] }));
  };
  const chat = async (language = 'zh-CN') => {
    const contact = await makeContact(t);
    const { conversation } = await transact(t.services, { type: 'contact', id: contact.id }, (ctx) =>
      conversationCreator(ctx, { subject: '充值没到账', body: '等了两小时', mode: 'live', categoryId, language, fields: {}, tags: [] }),
    );
    return conversation.id;
  };

  it('never gives one chat to two agents when routers in several processes run at once', async () => {
    const agents = await Promise.all([agent('online', 2), agent('online', 2), agent('online', 2)]);
    const chats: string[] = [];
    for (let i = 0; i < 10; i++) chats.push(await chat());
    // Two "processes": separate pools on the same database.
    const second = await openDatabase({ databaseUrl: t.db.url!, poolSize: 5 });
    try {
      const results = await Promise.all([chatRouter(t.services), chatRouter({ ...t.services, database: second }), chatRouter(t.services)]);
      const all = results.flat();
      expect(all).toHaveLength(6);
      expect(new Set(all.map((a) => a.chatId)).size).toBe(6);
      const rows = await t.services.database.db.select().from(conversations);
      for (const a of agents) expect(rows.filter((r) => r.assigneeId === a.id)).toHaveLength(2);
      expect(rows.filter((r) => chats.includes(r.id) && r.assigneeId === null)).toHaveLength(4);
    } finally {
      await second.close();
    }
  });
});
