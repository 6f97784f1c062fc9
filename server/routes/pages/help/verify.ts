import type { OfficialChannelKind } from '../../../../common/enums.ts';
import type { VerifyOut } from '../../../../common/schemas.ts';
import { type Html, html } from './html.ts';
import { type PageLocale, strings } from './i18n.ts';
import { pageUrl } from './layout.ts';

export interface ListedChannel {
  kind: OfficialChannelKind;
  label: string;
  note: string;
}

const fill = (text: string, values: Record<string, string>) => text.split(/(\{\w+\})/).map((part) => (/^\{\w+\}$/.test(part) ? html`<strong>${values[part.slice(1, -1)] ?? ''}</strong>` : part));

/** Kind names in the page's language ("website:Websites|email:Email|…"). */
function kindNames(locale: PageLocale): Record<OfficialChannelKind, string> {
  return Object.fromEntries(strings(locale).verifyKinds.split('|').map((pair) => pair.split(':') as [string, string])) as Record<OfficialChannelKind, string>;
}

/** The answer to what the customer typed: official (which channel), retired, not ours, or unreadable. */
function verdict(locale: PageLocale, result: VerifyOut): Html {
  const s = strings(locale);
  const names = kindNames(locale);
  if (result.official) {
    return html`<section class="verdict ok" data-verdict="official" aria-live="polite"><h2>✓ ${s.verifyOfficial}</h2>
<p>${fill(s.verifyOfficialText, { q: result.query })}</p>
<ul>${result.matches.map((m) => html`<li>${names[m.kind]}: ${m.label}${m.note ? html` — ${m.note}` : ''}</li>`)}</ul></section>`;
  }
  if (result.readAs === 'unknown') return html`<section class="verdict unsure" data-verdict="unknown" aria-live="polite"><p>${s.verifyUnreadable}</p></section>`;
  return html`<section class="verdict bad" data-verdict="${result.retired ? 'retired' : 'not-official'}" aria-live="polite"><h2>✗ ${s.verifyNotOfficial}</h2>
<p>${fill(result.retired ? s.verifyRetired : s.verifyNotOfficialText, { q: result.query })}</p>
${result.readAs === 'phone' ? html`<p class="muted">${s.verifyPhoneHint}</p>` : ''}
<p><a href="/tickets/new">${s.verifyReport} →</a></p></section>`;
}

/** /verify: the check form, its answer, and the list of official channels to compare against. */
export function verifyContent(locale: PageLocale, q: string, result: VerifyOut | null, channels: ListedChannel[]): Html {
  const s = strings(locale);
  const names = kindNames(locale);
  const byKind = (Object.keys(names) as OfficialChannelKind[]).map((kind) => [kind, channels.filter((c) => c.kind === kind)] as const).filter(([, list]) => list.length);
  return html`<main><div class="wrap">
<h1>${s.verifyTitle}</h1>
<p>${s.verifyIntro}</p>
<form class="verify" method="get" action="/verify" role="search">
<input type="hidden" name="lang" value="${locale}">
<label for="verify-q">${s.verifyLabel}</label>
<input id="verify-q" name="q" value="${q}" maxlength="300" placeholder="${s.verifyPlaceholder}" autocomplete="off" autocapitalize="off" spellcheck="false" required>
<button type="submit">${s.verifyButton}</button>
</form>
${result ? verdict(locale, result) : ''}
<section class="card official"><h2>${s.verifyListTitle}</h2>
${byKind.length
  ? html`<dl>${byKind.map(([kind, list]) => html`<dt>${names[kind]}</dt><dd>${list.map((c, i) => html`${i ? ' · ' : ''}<span>${c.label}</span>`)}</dd>`)}</dl>`
  : html`<p>${s.verifyListEmpty}</p>`}
</section>
<p><a href="${pageUrl('/contact', locale)}">${s.contactNav} →</a></p>
</div></main>`;
}
