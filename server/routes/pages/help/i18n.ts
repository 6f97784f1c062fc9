import type { FastifyReply, FastifyRequest } from 'fastify';

export const PAGE_LOCALES = ['en', 'zh-CN'] as const;
export type PageLocale = (typeof PAGE_LOCALES)[number];
export const LANG_COOKIE = 'sb_lang';

const isLocale = (v: unknown): v is PageLocale => v === 'en' || v === 'zh-CN';

/**
 * The reader's language: `?lang=` (remembered in a cookie), else the cookie, else the browser's
 * Accept-Language (any Chinese → zh-CN), else English.
 */
export function pageLocale(req: FastifyRequest, reply: FastifyReply): PageLocale {
  const asked = (req.query as Record<string, unknown> | undefined)?.lang;
  if (isLocale(asked)) {
    if (req.cookies[LANG_COOKIE] !== asked) reply.setCookie(LANG_COOKIE, asked, { path: '/', maxAge: 365 * 86_400, sameSite: 'lax', httpOnly: false });
    return asked;
  }
  const cookie = req.cookies[LANG_COOKIE];
  if (isLocale(cookie)) return cookie;
  for (const part of String(req.headers['accept-language'] ?? '').split(',')) {
    const tag = part.split(';')[0]!.trim().toLowerCase();
    if (tag.startsWith('zh')) return 'zh-CN';
    if (tag.startsWith('en')) return 'en';
  }
  return 'en';
}

/** A name object from the database ({"en": …, "zh-CN": …}) in the wanted language, or the best other one. */
export function localName(names: Record<string, string> | null | undefined, locale: string): string {
  if (!names) return '';
  return names[locale] || names.en || Object.values(names)[0] || '';
}

export function formatDate(date: Date, locale: PageLocale): string {
  return new Intl.DateTimeFormat(locale === 'zh-CN' ? 'zh-CN' : 'en-US', { year: 'numeric', month: 'long', day: 'numeric', timeZone: 'UTC' }).format(date);
}

const en = {
  siteName: 'Switchboard Support',
  helpCenter: 'Help center',
  heroTitle: 'How can we help?',
  searchPlaceholder: 'Search for answers, e.g. “lost authenticator”',
  searchButton: 'Search',
  searchLabel: 'Search the help center',
  categories: 'Browse by topic',
  popularFaq: 'Frequently asked questions',
  announcements: 'Latest announcements',
  allAnnouncements: 'All announcements',
  submitTicket: 'Submit a ticket',
  submitTicketHint: 'Could not find an answer? Our team replies by email and in My tickets.',
  myTickets: 'My tickets',
  myTicketsHint: 'Follow and reply to the requests you have sent.',
  agentWorkspace: 'Agent workspace',
  apiDocs: 'API',
  scamTitle: 'Stay safe',
  scamText: 'Support staff will never ask for your password, 2FA codes, API secret keys or seed phrase, and never ask you to transfer funds. Anyone who does is a scammer.',
  home: 'Home',
  articles: 'articles',
  article: 'article',
  noArticles: 'No articles here yet.',
  other: 'Other',
  updated: 'Updated',
  published: 'Published',
  fallbackNote: 'This article is not yet available in English; showing 简体中文.',
  wasHelpful: 'Was this article helpful?',
  yes: 'Yes',
  no: 'No',
  commentLabel: 'Tell us more (optional)',
  commentHint: 'Please do not include passwords, codes or other secrets.',
  thanks: 'Thank you for your feedback!',
  thanksMore: 'Still need help?',
  related: 'Related articles',
  stillNeedHelp: 'Still need help?',
  contactUs: 'Submit a ticket',
  resultsFor: 'Results for “{q}”',
  resultsCount: '{n} results',
  resultsOne: '1 result',
  noResults: 'No articles match “{q}”.',
  noResultsHint: 'Try fewer or different words, or check the spelling. You can also submit a ticket and our team will help.',
  emptyQuery: 'Type a few words to search the help center.',
  otherLanguageResults: 'No results in English; showing results in 简体中文.',
  notFoundTitle: 'Page not found',
  notFoundText: 'The page you are looking for does not exist or has moved. Try searching:',
  typeArticle: 'Article',
  typeFaq: 'FAQ',
  typeAnnouncement: 'Announcement',
  language: 'Language',
  suggestions: 'Suggestions',
  breadcrumbs: 'Breadcrumbs',
  verifyNav: 'Verify',
  verifyTitle: 'Is it really us?',
  verifyIntro: 'Scammers pose as our support on Telegram, X, by email, by phone and with look-alike websites. Paste the link, address, account or number that contacted you to check it.',
  verifyLabel: 'Website, email address, @account, profile link or phone number',
  verifyPlaceholder: 'e.g. t.me/ExchangeSupport or +65 6000 0000',
  verifyButton: 'Check',
  verifyOfficial: 'Official',
  verifyOfficialText: '{q} is one of our official channels.',
  verifyNotOfficial: 'Not one of ours',
  verifyNotOfficialText: '{q} is not an official channel. Do not send it money, passwords, 2FA codes or your seed phrase, and do not click its links.',
  verifyRetired: '{q} was ours once but is no longer in use: treat anyone writing from it as a stranger.',
  verifyReport: 'Tell us about it',
  verifyUnreadable: 'We could not read that as a website, address, account or phone number. Paste it as it reached you.',
  verifyPhoneHint: 'Phone numbers are compared with their country code.',
  verifyListTitle: 'Our official channels',
  verifyListEmpty: 'The desk has not listed its channels yet; when in doubt, contact us through this site.',
  verifyKinds: 'website:Websites|email:Email|telegram:Telegram|x:X (Twitter)|facebook:Facebook|phone:Phone',
  verifyAsk: 'Not sure? Check it',
  contactTitle: 'Contact us',
  contactIntro: 'Every way to reach our support team, and whether it is available right now.',
  contactNav: 'Contact us',
  liveChat: 'Live chat',
  liveChatHint: 'Describe the problem and chat with an agent in real time; screenshots welcome.',
  chatOpen: 'Available now',
  chatWait: 'Available · about {n} min wait',
  chatBusy: 'Busy · {q} waiting, about {n} min',
  chatOffline: 'No agent online right now — your chat becomes a ticket and we reply by email.',
  agentsOnline: '{n} agents online',
  agentOnline: '1 agent online',
  startChat: 'Start a chat',
  helpCenterHint: 'Answers to common questions, day and night.',
  ticketsAvailable: 'Always open',
  alwaysOpen: 'Always available',
  channelDisabled: 'Temporarily unavailable',
  emailChannel: 'Email',
  telegramChannel: 'Telegram',
  xChannel: 'X (Twitter)',
  metaChannel: 'Facebook Messenger',
  phoneChannel: 'Phone',
  statusLabel: 'Status',
};
export type Strings = typeof en;

const zhCN: Strings = {
  siteName: 'Switchboard 客服中心',
  helpCenter: '帮助中心',
  heroTitle: '有什么可以帮您？',
  searchPlaceholder: '搜索问题，例如“谷歌验证器丢失”',
  searchButton: '搜索',
  searchLabel: '搜索帮助中心',
  categories: '按主题浏览',
  popularFaq: '常见问题',
  announcements: '最新公告',
  allAnnouncements: '全部公告',
  submitTicket: '提交工单',
  submitTicketHint: '没有找到答案？客服团队会通过邮件和“我的工单”回复您。',
  myTickets: '我的工单',
  myTicketsHint: '查看并回复您提交过的请求。',
  agentWorkspace: '客服工作台',
  apiDocs: 'API',
  scamTitle: '谨防诈骗',
  scamText: '官方客服绝不会索要您的密码、二次验证码、API 密钥或助记词，也绝不会要求您转账。任何这样做的人都是骗子。',
  home: '首页',
  articles: '篇文章',
  article: '篇文章',
  noArticles: '这里还没有文章。',
  other: '其他',
  updated: '更新于',
  published: '发布于',
  fallbackNote: '本文暂无简体中文版本，以下显示英文原文。',
  wasHelpful: '这篇文章对您有帮助吗？',
  yes: '是',
  no: '否',
  commentLabel: '补充说明（可选）',
  commentHint: '请勿填写密码、验证码或其他敏感信息。',
  thanks: '感谢您的反馈！',
  thanksMore: '仍需帮助？',
  related: '相关文章',
  stillNeedHelp: '仍需帮助？',
  contactUs: '提交工单',
  resultsFor: '“{q}”的搜索结果',
  resultsCount: '共 {n} 条结果',
  resultsOne: '共 1 条结果',
  noResults: '没有找到与“{q}”相关的文章。',
  noResultsHint: '请尝试更少或不同的关键词，或检查拼写。您也可以提交工单，客服会为您处理。',
  emptyQuery: '输入关键词搜索帮助中心。',
  otherLanguageResults: '没有简体中文结果，以下显示英文结果。',
  notFoundTitle: '页面不存在',
  notFoundText: '您访问的页面不存在或已移动。试试搜索：',
  typeArticle: '文章',
  typeFaq: '常见问题',
  typeAnnouncement: '公告',
  language: '语言',
  suggestions: '搜索建议',
  breadcrumbs: '当前位置',
  verifyNav: '官方验证',
  verifyTitle: '真的是我们吗？',
  verifyIntro: '骗子会在 Telegram、X、邮件、电话中冒充我们的客服，或使用仿冒网站。把联系您的链接、邮箱、账号或电话号码粘贴到这里核实。',
  verifyLabel: '网址、邮箱地址、@账号、主页链接或电话号码',
  verifyPlaceholder: '例如 t.me/ExchangeSupport 或 +65 6000 0000',
  verifyButton: '核实',
  verifyOfficial: '官方渠道',
  verifyOfficialText: '{q} 是我们的官方渠道。',
  verifyNotOfficial: '不是我们的渠道',
  verifyNotOfficialText: '{q} 不是官方渠道。请勿向其转账，勿提供密码、二次验证码或助记词，也不要点击其中的链接。',
  verifyRetired: '{q} 曾是我们的渠道，但已停用：请把从这里联系您的人当作陌生人。',
  verifyReport: '向我们举报',
  verifyUnreadable: '无法识别为网址、邮箱、账号或电话号码。请按您收到的原样粘贴。',
  verifyPhoneHint: '电话号码需包含国家/地区代码进行比对。',
  verifyListTitle: '我们的官方渠道',
  verifyListEmpty: '客服团队尚未公布渠道列表；如有疑问，请通过本网站联系我们。',
  verifyKinds: 'website:官方网站|email:邮箱|telegram:Telegram|x:X（推特）|facebook:Facebook|phone:电话',
  verifyAsk: '不确定？马上核实',
  contactTitle: '联系我们',
  contactIntro: '联系客服团队的全部方式，以及它们现在是否可用。',
  contactNav: '联系我们',
  liveChat: '在线客服',
  liveChatHint: '先描述问题，再与客服实时对话；可以发送截图。',
  chatOpen: '现在可用',
  chatWait: '可用 · 预计等待约 {n} 分钟',
  chatBusy: '繁忙 · {q} 人排队，预计约 {n} 分钟',
  chatOffline: '目前没有客服在线——您的对话会转为工单，我们将通过邮件回复。',
  agentsOnline: '{n} 位客服在线',
  agentOnline: '1 位客服在线',
  startChat: '开始对话',
  helpCenterHint: '常见问题的解答，全天候可查。',
  ticketsAvailable: '随时可提交',
  alwaysOpen: '随时可用',
  channelDisabled: '暂时不可用',
  emailChannel: '电子邮件',
  telegramChannel: 'Telegram',
  xChannel: 'X（Twitter）',
  metaChannel: 'Facebook Messenger',
  phoneChannel: '电话',
  statusLabel: '状态',
};

const STRINGS: Record<PageLocale, Strings> = { en, 'zh-CN': zhCN };

export function strings(locale: PageLocale): Strings {
  return STRINGS[locale];
}

/** Fills `{name}` placeholders (the result is plain text; escape it when it goes into a page). */
export function fill(template: string, values: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (_, k: string) => String(values[k] ?? ''));
}

export const LANGUAGE_NAMES: Record<PageLocale, string> = { en: 'English', 'zh-CN': '简体中文' };
