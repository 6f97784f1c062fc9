import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { conversations, events } from '../../db/schema.ts';
import { DB_KINDS } from '../../../test/helpers/db.ts';
import { asSystem, bearer, createTestApp, makeAgent, makeContact, makeToken, type TestApp } from '../../../test/helpers/app.ts';
import { API } from '../../../test/api/helpers.ts';
import { transact } from '../context.ts';
import { conversationCreator } from '../conversations/conversationCreator.ts';
import { agentUpdater } from '../directory/agents.ts';
import { categoryCreator, skillCreator } from '../directory/categories.ts';
import { teamCreator } from '../directory/teams.ts';
import { chatRouter } from '../routing/chatRouter.ts';
import { slaPolicyCreator } from '../sla/slaPolicies.ts';
import { conversationTriager } from './conversationTriager.ts';

const TRON_TX = '7c2f1e9a4b5d6c8e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f70';

/**
 * Triage runs inside the one conversation-creation path, so every channel (web form, chat, API,
 * email) gets it: these open conversations the way those channels do and read what was written.
 */
describe.each(DB_KINDS)('conversation triage on %s', (kind) => {
  let t: TestApp;
  let token: ReturnType<typeof bearer>;
  let teamId: string;
  let otherTeamId: string;
  let skillId: string;
  let withdrawalId: string;
  let tradingId: string;
  let policyId: string;

  beforeAll(async () => {
    t = await createTestApp(kind);
    token = bearer(t, (await makeToken(t, 'admin')).token);
    skillId = (await asSystem(t, (ctx) => skillCreator(ctx, { slug: 'withdrawals', name: { en: 'Withdrawals' } }))).id;
    teamId = (await asSystem(t, (ctx) => teamCreator(ctx, { slug: 'withdrawals', name: { en: 'Withdrawals' }, description: '', memberIds: [], supervisorIds: [] }))).id;
    otherTeamId = (await asSystem(t, (ctx) => teamCreator(ctx, { slug: 'trading', name: { en: 'Trading' }, description: '', memberIds: [], supervisorIds: [] }))).id;
    withdrawalId = (
      await asSystem(t, (ctx) => categoryCreator(ctx, { slug: 'withdrawal', name: { en: 'Withdrawal delayed or failed', 'zh-CN': '提币延迟或失败' }, teamId, skillId, urgent: false, position: 0 }))
    ).id;
    tradingId = (
      await asSystem(t, (ctx) => categoryCreator(ctx, { slug: 'trading', name: { en: 'Spot trading & orders', 'zh-CN': '现货交易与订单' }, teamId: otherTeamId, skillId: null, urgent: false, position: 1 }))
    ).id;
    policyId = (
      await asSystem(t, (ctx) =>
        slaPolicyCreator(ctx, { name: 'Withdrawals', priority: null, categoryId: withdrawalId, firstResponseMinutes: 20, nextResponseMinutes: 40, resolutionMinutes: 600, businessHours: false, position: 0, enabled: true }),
      )
    ).id;
  });
  afterAll(async () => t.close());

  const row = async (id: string) => (await t.services.database.db.select().from(conversations).where(eq(conversations.id, id)))[0]!;

  it('gives a Chinese ticket opened without a language zh-CN, says it was detected, and lets an explicit language win', async () => {
    const res = await token('POST', `${API}/conversations`, { subject: '账户问题', body: '你好,我的账户登录不了,请帮忙看看。', contact: { email: 'detect@example.com' } });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({ language: 'zh-CN', fieldSources: { language: 'body' } });

    const english = await token('POST', `${API}/conversations`, { subject: 'Login', body: 'I cannot sign in to my account since yesterday.', contact: { email: 'detect@example.com' } });
    expect(english.json()).toMatchObject({ language: 'en' });

    const chosen = await token('POST', `${API}/conversations`, { subject: '账户问题', body: '你好,我的账户登录不了。', contact: { email: 'detect@example.com' }, language: 'en' });
    expect(chosen.json().language).toBe('en');
    expect(chosen.json().fieldSources).not.toHaveProperty('language');
  });

  it('routes a Chinese chat started without a language to an agent who speaks Chinese, not to the idle English-only one', async () => {
    const agentFor = async (languages: string[]) => {
      const a = await makeAgent(t, { teamIds: [teamId] });
      await asSystem(t, (ctx) => agentUpdater(ctx, a.id, { status: 'online', capacity: 3, languages, skillIds: [skillId] }));
      return a;
    };
    const english = await agentFor(['en']);
    const contact = await makeContact(t);
    const { conversation } = await transact(t.services, { type: 'contact', id: contact.id }, (ctx) =>
      conversationCreator(ctx, { subject: '提币没到账', body: '我提了 500 USDT,两个小时还没到', mode: 'live', categoryId: withdrawalId, fields: {}, tags: [] }),
    );
    expect(conversation.language).toBe('zh-CN');
    // Only the English-only agent is online: the chat waits rather than going to someone who cannot read it.
    expect(await chatRouter(t.services)).toEqual([]);
    const chinese = await agentFor(['zh-CN']);
    expect(await chatRouter(t.services)).toEqual([{ chatId: conversation.id, agentId: chinese.id }]);
    expect((await row(conversation.id)).assigneeId).not.toBe(english.id);
    await asSystem(t, (ctx) => agentUpdater(ctx, english.id, { status: 'offline' }));
    await asSystem(t, (ctx) => agentUpdater(ctx, chinese.id, { status: 'offline' }));
  });

  it("fills empty fields from the seed's subject and the body, says where each came from, and keeps what was typed", async () => {
    const res = await token('POST', `${API}/conversations`, {
      subject: '交易问题申诉 - 订单号 20261201xxxx',
      body: `我的UID:48211093,用波场网络转了 500 USDT,交易哈希 ${TRON_TX},注册邮箱 Wang@Example.com`,
      contact: { email: 'fields@example.com' },
      fields: { coin: 'BTC' },
    });
    expect(res.statusCode, res.body).toBe(201);
    const c = res.json();
    expect(c.fields).toEqual({ coin: 'BTC', orderId: '20261201xxxx', uid: '48211093', network: 'TRC20', txHash: TRON_TX, chain: 'TRON', registeredEmail: 'wang@example.com' });
    expect(c.fieldSources).toMatchObject({ coin: 'agent', orderId: 'subject', uid: 'body', network: 'body', txHash: 'body', chain: 'body', registeredEmail: 'body' });
    // Stored as presented (GET reads the row).
    expect((await token('GET', `${API}/conversations/${c.id}`)).json()).toMatchObject({ fields: c.fields, fieldSources: c.fieldSources });

    // A customer's own order id is never replaced by one read from the text.
    const contact = await makeContact(t);
    const { conversation } = await transact(t.services, { type: 'contact', id: contact.id }, (ctx) =>
      conversationCreator(ctx, { subject: '订单号 777888999 有问题', body: 'Order ID 123456789', mode: 'async', fields: { orderId: '555000111' }, tags: [] }),
    );
    expect(conversation.fields.orderId).toBe('555000111');
    expect(conversation.fieldSources.orderId).toBe('customer');
  });

  it('applies a confident category before team, priority and SLA are decided, and says it was suggested', async () => {
    const res = await token('POST', `${API}/conversations`, { subject: '提币一直显示处理中', body: '我昨天晚上提了 2 ETH 到我的钱包,到现在还显示处理中。', contact: { email: 'category@example.com' } });
    expect(res.statusCode, res.body).toBe(201);
    const c = res.json();
    expect(c).toMatchObject({ categoryId: withdrawalId, teamId, fieldSources: { category: 'subject' } });
    const stored = await row(c.id);
    expect(stored.slaPolicyId).toBe(policyId);
    expect(new Date(c.firstResponseDueAt).getTime() - new Date(c.createdAt).getTime()).toBe(20 * 60_000);
    // The history says the conversation opened in that category and team.
    const [created] = await t.services.database.db.select().from(events).where(eq(events.subjectId, c.id));
    expect(created!.data).toMatchObject({ categoryId: withdrawalId, teamId });

    // A category the customer picked wins over the text; an unclear text gets none.
    const picked = await token('POST', `${API}/conversations`, { subject: '提币一直显示处理中', body: '处理中', contact: { email: 'category@example.com' }, categoryId: tradingId });
    expect(picked.json()).toMatchObject({ categoryId: tradingId, teamId: otherTeamId });
    expect(picked.json().fieldSources).not.toHaveProperty('category');
    const unclear = await token('POST', `${API}/conversations`, { subject: 'Hello', body: 'Please call me back', contact: { email: 'category@example.com' } });
    expect(unclear.json()).toMatchObject({ categoryId: null, teamId: null, firstResponseDueAt: null });
    expect(unclear.json().fieldSources).not.toHaveProperty('category');
  });

  it("drops triage's hint once an agent changes what triage filled: the field is the agent's, the category and language chosen", async () => {
    const res = await token('POST', `${API}/conversations`, { subject: '提币一直显示处理中 订单号 20261201777', body: 'UID: 48211093', contact: { email: 'edit@example.com' } });
    const c = res.json();
    expect(c.fieldSources).toMatchObject({ orderId: 'subject', uid: 'body', category: 'subject', language: 'body' });
    const patched = await token('PATCH', `${API}/conversations/${c.id}`, { fields: { ...c.fields, orderId: '20261201778' }, categoryId: tradingId, language: 'en' });
    expect(patched.statusCode, patched.body).toBe(200);
    expect(patched.json().fieldSources).toEqual({ orderId: 'agent', uid: 'body' });
    // A field the agent removes loses its source too.
    const { uid: _uid, ...rest } = patched.json().fields;
    expect((await token('PATCH', `${API}/conversations/${c.id}`, { fields: rest })).json().fieldSources).toEqual({ orderId: 'agent' });
  });

  it('picks up a category created after the first ticket (the per-process words are dropped on change)', async () => {
    await transact(t.services, { type: 'system', id: null }, (ctx) => conversationTriager(ctx, { subject: 'x', body: 'y', fields: {} }));
    const api = await asSystem(t, (ctx) => categoryCreator(ctx, { slug: 'api', name: { en: 'API keys & integration', 'zh-CN': 'API 密钥与接入' }, teamId: null, skillId: null, urgent: false, position: 2 }));
    const triage = await transact(t.services, { type: 'system', id: null }, (ctx) =>
      conversationTriager(ctx, { subject: 'API key returns 50113 invalid signature', body: 'Every private REST call fails.', fields: {} }),
    );
    expect(triage).toMatchObject({ categoryId: api.id, language: 'en', sources: { category: 'subject', language: 'body' } });
  });

  it('costs well under a millisecond or two per ticket once warm (1000 triage calls)', async () => {
    const input = { subject: 'USDT 充值未到账 - TRC20', body: `你好,我两个小时前提了 500 USDT 到我的充值地址,用的是 TRC20 网络,交易哈希 ${TRON_TX},但是账户里还没有到账。`, fields: {} };
    await transact(t.services, { type: 'system', id: null }, async (ctx) => {
      await conversationTriager(ctx, input);
      const started = performance.now();
      for (let i = 0; i < 1000; i++) await conversationTriager(ctx, input);
      const perCall = (performance.now() - started) / 1000;
      console.log(`conversationTriager: ${perCall.toFixed(3)} ms per call (1000 calls, warm cache)`);
      expect(perCall).toBeLessThan(5);
    });
  });
});
