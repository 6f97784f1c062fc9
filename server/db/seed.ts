import { eq, inArray } from 'drizzle-orm';
import type { Services } from '../domain/context.ts';
import { SYSTEM, transact } from '../domain/context.ts';
import { agentCreator } from '../domain/directory/agents.ts';
import { categoryCreator, skillCreator } from '../domain/directory/categories.ts';
import { inboxCreator } from '../domain/directory/inboxes.ts';
import { teamCreator, teamUpdater } from '../domain/directory/teams.ts';
import { conversationCreator } from '../domain/conversations/conversationCreator.ts';
import { conversationUpdater } from '../domain/conversations/conversationUpdater.ts';
import { messageCreator } from '../domain/conversations/messageCreator.ts';
import { flagRead, flagWrite } from '../domain/system/settings.ts';
import { slaPolicyCreator } from '../domain/sla/slaPolicies.ts';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { articleImporter } from '../domain/helpcenter/importExport.ts';
import { officialChannelCreator } from '../domain/trust/officialChannels.ts';
import { agents, type BusinessCalendar, inboxes, searchSynonyms } from './schema.ts';
import { LOCKS } from './client.ts';
import type { Actor } from '../domain/context.ts';

const HELP_CONTENT = fileURLToPath(new URL('../../content/helpcenter', import.meta.url));

/** Words customers use for the same thing. */
export const DEMO_SYNONYMS = [
  ['提现', '提币', '出金', 'withdraw', 'withdrawal'],
  ['充值', '充币', '入金', 'deposit', 'top up'],
  ['谷歌验证', '谷歌验证器', '二次验证', '双重验证', '2fa', 'google authenticator'],
  ['实名认证', '身份认证', '身份验证', 'kyc', 'identity verification'],
  ['爆仓', '强平', '强制平仓', 'liquidation', 'liquidated'],
  ['合约', '期货', 'futures', 'perpetual'],
  ['到账', '入账', 'credited', 'arrived'],
  ['手续费', '费率', 'fee', 'fees'],
  ['冻结', '锁定', 'freeze', 'frozen', 'locked'],
  ['丢了', '丢失', '遗失', '换手机', '重置', 'lost', 'reset'],
];

/** The demo logins, printed at start. Demo only: change or disable them before real use. */
export const DEMO_LOGINS = [
  { email: 'admin@switchboard.local', password: 'switchboard-admin', name: 'Ada Admin', role: 'admin' as const, languages: ['en', 'zh-CN'], teams: [], skills: [] },
  { email: 'li.wei@switchboard.local', password: 'switchboard-demo', name: '李伟 Li Wei', role: 'supervisor' as const, languages: ['zh-CN', 'en'], teams: ['account-security', 'deposits-withdrawals'], skills: ['account-security', 'deposits-withdrawals'] },
  { email: 'zhang.min@switchboard.local', password: 'switchboard-demo', name: '张敏 Zhang Min', role: 'agent' as const, languages: ['zh-CN', 'en'], teams: ['account-security'], skills: ['account-security', 'kyc'] },
  { email: 'chen.jing@switchboard.local', password: 'switchboard-demo', name: '陈静 Chen Jing', role: 'agent' as const, languages: ['zh-CN'], teams: ['deposits-withdrawals'], skills: ['deposits-withdrawals'] },
  { email: 'alex.morgan@switchboard.local', password: 'switchboard-demo', name: 'Alex Morgan', role: 'agent' as const, languages: ['en'], teams: ['trading', 'api'], skills: ['trading', 'futures', 'api'] },
  { email: 'sara.kim@switchboard.local', password: 'switchboard-demo', name: 'Sara Kim', role: 'agent' as const, languages: ['en', 'zh-CN'], teams: ['deposits-withdrawals', 'trading'], skills: ['deposits-withdrawals', 'kyc', 'trading'] },
];

/** The API team works office hours in Shanghai; the others run around the clock. */
const OFFICE_HOURS: BusinessCalendar = {
  timezone: 'Asia/Shanghai',
  week: { mon: [['09:00', '18:00']], tue: [['09:00', '18:00']], wed: [['09:00', '18:00']], thu: [['09:00', '18:00']], fri: [['09:00', '18:00']] },
  holidays: [],
};

const TEAMS = [
  { slug: 'account-security', name: { en: 'Account security', 'zh-CN': '账户安全' }, description: 'Compromised accounts, 2FA, login problems, freezes', calendar: null },
  { slug: 'deposits-withdrawals', name: { en: 'Deposits & withdrawals', 'zh-CN': '充值提现' }, description: 'Missing deposits, delayed withdrawals, wrong networks', calendar: null },
  { slug: 'trading', name: { en: 'Trading', 'zh-CN': '交易' }, description: 'Spot, margin and futures orders, liquidations, fees', calendar: null },
  { slug: 'api', name: { en: 'API', 'zh-CN': 'API' }, description: 'API keys, rate limits, WebSocket feeds', calendar: OFFICE_HOURS },
];

/** Targets by priority, in minutes; urgent (money at risk) counts around the clock. */
/** The demo exchange's official contact points, and one retired account (so /verify can say so). */
const OFFICIAL_CHANNELS: { kind: 'website' | 'email' | 'telegram' | 'x' | 'facebook' | 'phone'; value: string; note: string; active?: boolean }[] = [
  { kind: 'website', value: 'switchboard.example', note: 'Exchange and help center · 交易所与帮助中心' },
  { kind: 'email', value: '@switchboard.example', note: 'Every address at our domain · 本域名下的所有邮箱' },
  { kind: 'telegram', value: '@SwitchboardSupport', note: 'Support bot · 客服机器人' },
  { kind: 'x', value: '@SwitchboardHelp', note: 'Announcements and support · 公告与客服' },
  { kind: 'phone', value: '+65 6000 0000', note: 'Emergency line: stolen funds, account freeze · 紧急热线：资金被盗、冻结账户' },
  { kind: 'telegram', value: '@SwitchboardCN', note: 'Former Chinese group · 旧中文群', active: false },
];

const SLA_POLICIES = [
  { name: 'Urgent · 紧急', priority: 'urgent' as const, firstResponseMinutes: 15, nextResponseMinutes: 30, resolutionMinutes: 4 * 60, businessHours: false },
  { name: 'High · 高', priority: 'high' as const, firstResponseMinutes: 60, nextResponseMinutes: 120, resolutionMinutes: 24 * 60, businessHours: false },
  { name: 'Normal · 普通', priority: 'normal' as const, firstResponseMinutes: 4 * 60, nextResponseMinutes: 8 * 60, resolutionMinutes: 3 * 24 * 60, businessHours: true },
  { name: 'Low · 低', priority: 'low' as const, firstResponseMinutes: 24 * 60, nextResponseMinutes: 24 * 60, resolutionMinutes: 7 * 24 * 60, businessHours: true },
];

const SKILLS = [
  { slug: 'account-security', name: { en: 'Account security', 'zh-CN': '账户安全' } },
  { slug: 'deposits-withdrawals', name: { en: 'Deposits & withdrawals', 'zh-CN': '充值提现' } },
  { slug: 'trading', name: { en: 'Spot trading', 'zh-CN': '现货交易' } },
  { slug: 'futures', name: { en: 'Futures & derivatives', 'zh-CN': '合约衍生品' } },
  { slug: 'api', name: { en: 'API', 'zh-CN': 'API' } },
  { slug: 'kyc', name: { en: 'Identity verification (KYC)', 'zh-CN': '身份认证 (KYC)' } },
];

const CATEGORIES = [
  { slug: 'account-compromised', name: { en: 'Account compromised / funds stolen', 'zh-CN': '账户被盗 / 资金被盗' }, team: 'account-security', skill: 'account-security', urgent: true },
  { slug: 'login-2fa', name: { en: 'Login & 2FA', 'zh-CN': '登录与二次验证' }, team: 'account-security', skill: 'account-security', urgent: false },
  { slug: 'kyc', name: { en: 'Identity verification (KYC)', 'zh-CN': '身份认证' }, team: 'account-security', skill: 'kyc', urgent: false },
  { slug: 'deposit-missing', name: { en: 'Deposit not credited', 'zh-CN': '充值未到账' }, team: 'deposits-withdrawals', skill: 'deposits-withdrawals', urgent: false },
  { slug: 'withdrawal', name: { en: 'Withdrawal delayed or failed', 'zh-CN': '提币延迟或失败' }, team: 'deposits-withdrawals', skill: 'deposits-withdrawals', urgent: false },
  { slug: 'trading', name: { en: 'Spot trading & orders', 'zh-CN': '现货交易与订单' }, team: 'trading', skill: 'trading', urgent: false },
  { slug: 'futures', name: { en: 'Futures & liquidation', 'zh-CN': '合约与强平' }, team: 'trading', skill: 'futures', urgent: false },
  { slug: 'api', name: { en: 'API keys & integration', 'zh-CN': 'API 密钥与接入' }, team: 'api', skill: 'api', urgent: false },
  { slug: 'other', name: { en: 'Something else', 'zh-CN': '其他问题' }, team: null, skill: null, urgent: false },
];

interface DemoConversation {
  customer: { email: string; name: string };
  category: string;
  language: string;
  subject: string;
  body: string;
  fields?: Record<string, string>;
  assignee?: string;
  replies?: { from: 'agent' | 'customer' | 'note'; body: string }[];
  status?: 'open' | 'pending' | 'solved';
}

const CONVERSATIONS: DemoConversation[] = [
  {
    customer: { email: 'wang.fang@example.com', name: '王芳' },
    category: 'deposit-missing',
    language: 'zh-CN',
    subject: 'USDT 充值未到账 - TRC20',
    body: '你好,我两个小时前从另一个平台提了 500 USDT 到我的充值地址,用的是 TRC20 网络,区块浏览器显示已经确认,但是账户里还没有到账。请帮忙查一下。',
    fields: { coin: 'USDT', network: 'TRC20', txHash: '7c2f1e9a4b5d6c8e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f70', uid: '48211093' },
  },
  {
    customer: { email: 'j.smith@example.com', name: 'James Smith' },
    category: 'account-compromised',
    language: 'en',
    subject: 'Someone logged into my account and withdrew BTC',
    body: 'I got a login alert from an IP in another country and then a withdrawal of 0.8 BTC I did not make. Please freeze my account now!',
    fields: { uid: '30917744', coin: 'BTC' },
    assignee: 'zhang.min@switchboard.local',
    replies: [
      { from: 'note', body: 'Withdrawal went out 14:02 UTC to an address flagged by our risk team. Escalating to security on-call.' },
      { from: 'agent', body: 'Hi James, I have frozen withdrawals on your account. Please reset your password and 2FA from a trusted device; we are investigating the transaction.' },
    ],
  },
  {
    customer: { email: 'liu.yang@example.com', name: '刘洋' },
    category: 'withdrawal',
    language: 'zh-CN',
    subject: '提币一直显示处理中',
    body: '我昨天晚上提了 2 ETH 到我的钱包,到现在还显示"处理中",请问是什么原因?',
    fields: { coin: 'ETH', network: 'ERC20', uid: '55120376' },
    assignee: 'chen.jing@switchboard.local',
    replies: [
      { from: 'agent', body: '您好,您的提币触发了安全审核,我们已加急处理,预计 1 小时内完成。请留意到账通知。' },
      { from: 'customer', body: '好的,谢谢!' },
    ],
    status: 'pending',
  },
  {
    customer: { email: 'maria.garcia@example.com', name: 'María García' },
    category: 'futures',
    language: 'en',
    subject: 'Position liquidated before reaching my liquidation price',
    body: 'My BTC-USDT perpetual long was liquidated at 61,200 but the liquidation price shown was 60,850. Order ID 8832019944. Why?',
    fields: { orderId: '8832019944', coin: 'BTC' },
    assignee: 'alex.morgan@switchboard.local',
  },
  {
    customer: { email: 'dev@quantfund.example', name: 'Quant Fund Ops' },
    category: 'api',
    language: 'en',
    subject: 'API key returns 50113 invalid signature',
    body: 'Since this morning every private REST call returns error 50113. We did not change the key. Server time is synced.',
  },
  {
    customer: { email: 'zhao.lei@example.com', name: '赵磊' },
    category: 'kyc',
    language: 'zh-CN',
    subject: '身份认证一直审核失败',
    body: '我已经上传了三次身份证照片,每次都提示审核失败,但没有说明原因。',
    assignee: 'sara.kim@switchboard.local',
    replies: [{ from: 'agent', body: '您好,照片的四个角需要完整,并且不能有反光。请重新拍摄后上传,我们会优先审核。' }],
    status: 'solved',
  },
];

/** Seeds the demo desk once per database (a flag remembers), through the same domain code the API uses. */
export async function seedDemo(services: Services): Promise<boolean> {
  return services.database.exclusive(LOCKS.seed, async () => {
    if (await flagRead(services.database.db, 'demo.seeded')) return false;
    await transact(services, SYSTEM, async (ctx) => {
      const skillIds = new Map<string, string>();
      for (const s of SKILLS) skillIds.set(s.slug, (await skillCreator(ctx, s)).id);
      const teamIds = new Map<string, string>();
      for (const t of TEAMS) teamIds.set(t.slug, (await teamCreator(ctx, { ...t, memberIds: [], supervisorIds: [] })).id);
      const agentIds = new Map<string, string>();
      for (const a of DEMO_LOGINS) {
        const created = await agentCreator(ctx, {
          email: a.email,
          name: a.name,
          password: a.password,
          role: a.role,
          languages: a.languages,
          capacity: 4,
          locale: a.languages[0] === 'zh-CN' ? 'zh-CN' : 'en',
          teamIds: a.teams.map((t) => teamIds.get(t)!),
          skillIds: a.skills.map((s) => skillIds.get(s)!),
        });
        agentIds.set(a.email, created.id);
      }
      // Li Wei supervises the two teams he belongs to.
      const li = agentIds.get('li.wei@switchboard.local')!;
      for (const slug of ['account-security', 'deposits-withdrawals']) await teamUpdater(ctx, teamIds.get(slug)!, { supervisorIds: [li] });
      const categoryIds = new Map<string, string>();
      for (const [position, c] of CATEGORIES.entries()) {
        const created = await categoryCreator(ctx, {
          slug: c.slug,
          name: c.name,
          teamId: c.team ? teamIds.get(c.team)! : null,
          skillId: c.skill ? skillIds.get(c.skill)! : null,
          urgent: c.urgent,
          position,
        });
        categoryIds.set(c.slug, created.id);
      }
      for (const [position, p] of SLA_POLICIES.entries()) await slaPolicyCreator(ctx, { ...p, categoryId: null, position, enabled: true });
      const webform = await inboxCreator(ctx, { kind: 'webform', name: 'Web form · 工单表单', enabled: true, settings: {} });
      const webchat = await inboxCreator(ctx, { kind: 'webchat', name: 'Web chat · 在线客服', enabled: true, settings: {} });
      const api = await inboxCreator(ctx, { kind: 'api', name: 'API', enabled: true, settings: {} });
      // Mail to this address over the built-in SMTP listener (SMTP_PORT) opens tickets; replies stay
      // in the admin outbox until SMTP_OUTBOUND_URL (or the inbox's own SMTP URL) is set.
      await inboxCreator(ctx, {
        kind: 'email',
        name: 'Email · 邮件支持',
        enabled: true,
        settings: {
          address: 'support@switchboard.example',
          fromName: 'Switchboard Support · 客服',
          signature: { en: 'Switchboard Support — we never ask for your password, 2FA codes or seed phrase.', 'zh-CN': 'Switchboard 客服团队 —— 我们绝不会索要您的密码、二次验证码或助记词。' },
        },
      });
      // Customers' tickets, chats and integrations land in these when they name no inbox.
      await ctx.db.update(inboxes).set({ isDefault: true }).where(inArray(inboxes.id, [webform.id, webchat.id, api.id]));
      // What /verify answers as ours in the demo (an exchange publishes its real ones).
      for (const channel of OFFICIAL_CHANNELS) await officialChannelCreator(ctx, { ...channel, active: channel.active ?? true });

      for (const c of CONVERSATIONS) {
        const { conversation } = await conversationCreator(ctx, {
          contact: c.customer,
          inboxId: webform.id,
          subject: c.subject,
          body: c.body,
          mode: 'async',
          categoryId: categoryIds.get(c.category),
          language: c.language,
          fields: c.fields ?? {},
          tags: [],
        });
        if (!c.assignee) continue;
        const agentId = agentIds.get(c.assignee)!;
        const agent = (await ctx.db.select().from(agents).where(eq(agents.id, agentId)))[0]!;
        const asAgent: Actor = { type: 'agent', id: agentId, role: agent.role, teamIds: [], name: agent.name };
        const agentCtx = { ...ctx, actor: asAgent };
        await conversationUpdater(ctx, conversation.id, { assigneeId: agentId });
        for (const r of c.replies ?? []) {
          if (r.from === 'customer') await messageCreator({ ...ctx, actor: { type: 'contact', id: conversation.contactId } }, conversation.id, { body: r.body });
          else await messageCreator(agentCtx, conversation.id, { body: r.body, visibility: r.from === 'note' ? 'private' : 'public' });
        }
        if (c.status) await conversationUpdater(agentCtx, conversation.id, { status: c.status });
      }
      // The help center: our own articles in both languages, and the synonyms customers use.
      if (existsSync(HELP_CONTENT)) await articleImporter(ctx, HELP_CONTENT);
      await ctx.db.insert(searchSynonyms).values(DEMO_SYNONYMS.map((terms) => ({ terms })));
      await flagWrite(ctx.db, 'demo.seeded', new Date().toISOString());
    });
    return true;
  });
}
