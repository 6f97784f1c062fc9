import type { articles, helpCategories, helpSections } from '../../../db/schema.ts';
import { type Html, html } from './html.ts';
import { formatDate, localName, type PageLocale, strings } from './i18n.ts';
import { pageUrl, searchForm } from './layout.ts';

type Category = typeof helpCategories.$inferSelect & { sections: (typeof helpSections.$inferSelect & { articles: number })[] };
export interface Listed {
  article: typeof articles.$inferSelect;
  title: string;
  locale: string;
}

/** A link to an article, marked with its language when it is not the page's. */
export function articleLink(item: Listed, locale: PageLocale): Html {
  return html`<a href="${pageUrl(`/help/articles/${encodeURIComponent(item.article.slug)}`, locale)}"${item.locale !== locale ? html` lang="${item.locale}"` : ''}>${item.title}</a>`;
}

export function scamNotice(locale: PageLocale): Html {
  const s = strings(locale);
  return html`<p class="notice" role="note"><strong>${s.scamTitle}</strong>${s.scamText} <a href="${pageUrl('/verify', locale)}">${s.verifyAsk} →</a></p>`;
}

export function contactCards(locale: PageLocale): Html {
  const s = strings(locale);
  return html`<div class="cta">
<a class="card" href="/tickets/new"><strong>${s.submitTicket} →</strong><p>${s.submitTicketHint}</p></a>
<a class="card" href="/tickets"><strong>${s.myTickets} →</strong><p>${s.myTicketsHint}</p></a>
<a class="card" href="${pageUrl('/contact', locale)}"><strong>${s.liveChat} · ${s.contactNav} →</strong><p>${s.liveChatHint}</p></a>
</div>`;
}

export function homeContent(locale: PageLocale, data: { tree: Category[]; faq: Listed[]; announcements: Listed[] }): Html {
  const s = strings(locale);
  const count = (n: number) => (locale === 'zh-CN' ? `${n} ${s.articles}` : `${n} ${n === 1 ? s.article : s.articles}`);
  return html`<section class="hero"><div class="wrap">
<h1>${s.heroTitle}</h1>
${searchForm(locale, '', true)}
</div></section>
<main><div class="wrap">
${scamNotice(locale)}
<h2>${s.categories}</h2>
<div class="grid">
${data.tree.map(
  (c) => html`<div class="card">
<h3><a href="${pageUrl(`/help/categories/${encodeURIComponent(c.slug)}`, locale)}">${localName(c.name, locale)}</a></h3>
${localName(c.description, locale) ? html`<p>${localName(c.description, locale)}</p>` : ''}
<ul>${c.sections
    .filter((sec) => sec.articles > 0)
    .map((sec) => html`<li><a href="${pageUrl(`/help/sections/${encodeURIComponent(sec.slug)}`, locale)}">${localName(sec.name, locale)}</a> <span class="muted">${count(sec.articles)}</span></li>`)}</ul>
</div>`,
)}
</div>
${
  data.faq.length
    ? html`<h2>${s.popularFaq}</h2>
<ul class="list">${data.faq.map((a) => html`<li>${articleLink(a, locale)}</li>`)}</ul>`
    : ''
}
${
  data.announcements.length
    ? html`<h2>${s.announcements}</h2>
<ul class="list">${data.announcements.map(
        (a) => html`<li>${articleLink(a, locale)}${a.article.publishedAt ? html`<time datetime="${a.article.publishedAt.toISOString()}">${formatDate(a.article.publishedAt, locale)}</time>` : ''}</li>`,
      )}</ul>`
    : ''
}
<h2>${s.stillNeedHelp}</h2>
${contactCards(locale)}
</div></main>`;
}
