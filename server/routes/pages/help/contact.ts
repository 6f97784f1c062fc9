import type { ChannelKind } from '../../../../common/enums.ts';
import type { ChatAvailability } from '../../../domain/routing/chatQueue.ts';
import { scamNotice } from './home.ts';
import { type Html, html } from './html.ts';
import { type PageLocale, strings } from './i18n.ts';
import { pageUrl } from './layout.ts';

export interface ContactChannel {
  kind: ChannelKind;
  name: string;
  enabled: boolean;
  settings: Record<string, unknown>;
}

/** Inbox settings that are public by nature (an address, a handle); everything else may be a secret. */
const PUBLIC_SETTINGS = ['address', 'username', 'handle', 'number', 'pageName'] as const;

const fill = (text: string, values: Record<string, string | number>) => text.replace(/\{(\w+)\}/g, (_, k: string) => String(values[k] ?? ''));

function chatStatus(locale: PageLocale, chat: ChatAvailability): { tone: 'on' | 'busy' | 'off'; text: string; detail: string } {
  const s = strings(locale);
  if (!chat.agentsOnline) return { tone: 'off', text: s.chatOffline, detail: '' };
  const minutes = Math.max(1, Math.round((chat.estimatedWaitSeconds ?? 0) / 60));
  const detail = chat.agentsOnline === 1 ? s.agentOnline : fill(s.agentsOnline, { n: chat.agentsOnline });
  if (!chat.estimatedWaitSeconds) return { tone: 'on', text: s.chatOpen, detail };
  if (chat.waiting > 0 && minutes >= 5) return { tone: 'busy', text: fill(s.chatBusy, { q: chat.waiting, n: minutes }), detail };
  return { tone: 'on', text: fill(s.chatWait, { n: minutes }), detail };
}

const CHANNEL_LABEL: Partial<Record<ChannelKind, keyof ReturnType<typeof strings>>> = {
  email: 'emailChannel',
  telegram: 'telegramChannel',
  x: 'xChannel',
  meta: 'metaChannel',
  phone: 'phoneChannel',
};

function channelHref(kind: ChannelKind, value: string): string | null {
  if (kind === 'email' && /^[^\s@<>"]+@[^\s@<>"]+$/.test(value)) return `mailto:${value}`;
  if (kind === 'telegram' && /^@?[A-Za-z0-9_]{3,64}$/.test(value)) return `https://t.me/${value.replace(/^@/, '')}`;
  if (kind === 'x' && /^@?[A-Za-z0-9_]{1,30}$/.test(value)) return `https://x.com/${value.replace(/^@/, '')}`;
  if (kind === 'phone' && /^\+?[0-9 ()-]{5,30}$/.test(value)) return `tel:${value.replace(/[^0-9+]/g, '')}`;
  return null;
}

/** /contact: every channel with its live status — chat staffing and wait, and the channels configured by the desk. */
export function contactContent(locale: PageLocale, data: { chat: ChatAvailability; channels: ContactChannel[] }): Html {
  const s = strings(locale);
  const chatInbox = data.channels.find((c) => c.kind === 'webchat');
  const chat = chatStatus(locale, data.chat);
  const chatEnabled = chatInbox?.enabled !== false;
  const others = data.channels.filter((c) => CHANNEL_LABEL[c.kind]);
  const status = (tone: 'on' | 'busy' | 'off', text: string) => html`<p class="status" data-status="${tone}"><span class="dot ${tone}" aria-hidden="true"></span>${text}</p>`;
  return html`<main><div class="wrap">
<h1>${s.contactTitle}</h1>
<p>${s.contactIntro}</p>
${scamNotice(locale)}
<div class="grid contact">
<div class="card" data-channel="webchat">
<h3>${s.liveChat}</h3>
<p>${s.liveChatHint}</p>
${chatEnabled ? status(chat.tone, chat.text) : status('off', s.channelDisabled)}
${chatEnabled && chat.detail ? html`<p class="muted">${chat.detail}</p>` : ''}
${chatEnabled ? html`<p><a class="button" href="${`/chat?lang=${locale}`}">${s.startChat} →</a></p>` : ''}
</div>
<div class="card" data-channel="webform">
<h3>${s.submitTicket}</h3>
<p>${s.submitTicketHint}</p>
${status('on', s.ticketsAvailable)}
<p><a href="/tickets/new">${s.submitTicket} →</a> · <a href="/tickets">${s.myTickets}</a></p>
</div>
<div class="card" data-channel="helpcenter">
<h3>${s.helpCenter}</h3>
<p>${s.helpCenterHint}</p>
${status('on', s.alwaysOpen)}
<p><a href="${pageUrl('/', locale)}">${s.helpCenter} →</a></p>
</div>
${others.map((c) => {
  const value = PUBLIC_SETTINGS.map((k) => c.settings[k]).find((v): v is string => typeof v === 'string' && v.length > 0 && v.length < 200);
  const href = value ? channelHref(c.kind, value) : null;
  return html`<div class="card" data-channel="${c.kind}">
<h3>${s[CHANNEL_LABEL[c.kind]!]}</h3>
<p>${c.name}</p>
${c.enabled ? status('on', s.alwaysOpen) : status('off', s.channelDisabled)}
${value ? html`<p>${href ? html`<a href="${href}" rel="noopener">${value}</a>` : value}</p>` : ''}
</div>`;
})}
</div>
</div></main>`;
}
