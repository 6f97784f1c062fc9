import type { SearchHit } from '../../../domain/helpcenter/search/engine.ts';
import { type Html, html, raw } from './html.ts';
import { fill, type PageLocale, strings } from './i18n.ts';
import { contactCards } from './home.ts';
import { typeBadge } from './browse.ts';
import { pageUrl, searchForm } from './layout.ts';

export function searchContent(locale: PageLocale, q: string, hits: SearchHit[], otherLanguage: boolean): Html {
  const s = strings(locale);
  if (!q) {
    return html`<main><div class="wrap"><h1>${s.searchLabel}</h1>${searchForm(locale, '', true)}<p class="muted">${s.emptyQuery}</p></div></main>`;
  }
  return html`<main><div class="wrap">
<h1>${fill(s.resultsFor, { q })}</h1>
${
  hits.length
    ? html`<p class="muted">${hits.length === 1 ? s.resultsOne : fill(s.resultsCount, { n: hits.length })}</p>
${otherLanguage ? html`<p class="info" role="note">${s.otherLanguageResults}</p>` : ''}
<ol class="list" data-results>${hits.map(
        (h) => html`<li class="hit"><a href="${pageUrl(`/help/articles/${encodeURIComponent(h.slug)}`, locale)}"${h.locale !== locale ? html` lang="${h.locale}"` : ''}>${h.title}</a>${typeBadge(h.type, locale)}
<p${h.locale !== locale ? html` lang="${h.locale}"` : ''}>${raw(h.snippetHtml)}</p></li>`,
      )}</ol>`
    : html`<div class="card" data-empty><p><strong>${fill(s.noResults, { q })}</strong></p><p>${s.noResultsHint}</p></div>`
}
<h2>${s.stillNeedHelp}</h2>
${contactCards(locale)}
</div></main>`;
}

export function notFoundContent(locale: PageLocale): Html {
  const s = strings(locale);
  return html`<main><div class="wrap">
<h1>${s.notFoundTitle}</h1>
<p>${s.notFoundText}</p>
${searchForm(locale, '', true)}
<p><a href="${pageUrl('/', locale)}">← ${s.home}</a></p>
</div></main>`;
}
