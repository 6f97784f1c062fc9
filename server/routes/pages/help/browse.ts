import type { helpCategories, helpSections } from '../../../db/schema.ts';
import { type Html, html } from './html.ts';
import { localName, type PageLocale, strings } from './i18n.ts';
import { articleLink, contactCards, type Listed } from './home.ts';
import { pageUrl } from './layout.ts';

type Category = typeof helpCategories.$inferSelect;
type Section = typeof helpSections.$inferSelect;

export function breadcrumbs(locale: PageLocale, trail: { label: string; href?: string }[]): Html {
  const s = strings(locale);
  return html`<nav class="crumbs" aria-label="${s.breadcrumbs}"><ol>
<li><a href="${pageUrl('/', locale)}">${s.home}</a></li>
${trail.map((t) => (t.href ? html`<li><a href="${t.href}">${t.label}</a></li>` : html`<li aria-current="page">${t.label}</li>`))}
</ol></nav>`;
}

export const categoryHref = (c: Category, locale: PageLocale) => pageUrl(`/help/categories/${encodeURIComponent(c.slug)}`, locale);
export const sectionHref = (sec: Section, locale: PageLocale) => pageUrl(`/help/sections/${encodeURIComponent(sec.slug)}`, locale);

function articleList(items: Listed[], locale: PageLocale): Html {
  const s = strings(locale);
  if (!items.length) return html`<p class="muted">${s.noArticles}</p>`;
  return html`<ul class="list">${items.map((a) => html`<li>${articleLink(a, locale)}${a.article.type !== 'article' ? typeBadge(a.article.type, locale) : ''}</li>`)}</ul>`;
}

export function typeBadge(type: string, locale: PageLocale): Html {
  const s = strings(locale);
  const label = type === 'faq' ? s.typeFaq : type === 'announcement' ? s.typeAnnouncement : s.typeArticle;
  return html`<span class="badge ${type}">${label}</span>`;
}

export function categoryContent(locale: PageLocale, category: Category, sections: Section[], items: Listed[]): Html {
  const s = strings(locale);
  const bySection = sections.map((sec) => ({ sec, items: items.filter((a) => a.article.sectionId === sec.id) })).filter((g) => g.items.length);
  const loose = items.filter((a) => !a.article.sectionId || !sections.some((sec) => sec.id === a.article.sectionId));
  return html`<main><div class="wrap">
${breadcrumbs(locale, [{ label: localName(category.name, locale) }])}
<h1>${localName(category.name, locale)}</h1>
${localName(category.description, locale) ? html`<p>${localName(category.description, locale)}</p>` : ''}
${bySection.map((g) => html`<h2><a href="${sectionHref(g.sec, locale)}">${localName(g.sec.name, locale)}</a></h2>${articleList(g.items, locale)}`)}
${loose.length ? html`<h2>${s.other}</h2>${articleList(loose, locale)}` : ''}
${!items.length ? html`<p class="muted">${s.noArticles}</p>` : ''}
<h2>${s.stillNeedHelp}</h2>
${contactCards(locale)}
</div></main>`;
}

export function sectionContent(locale: PageLocale, category: Category | null, section: Section, items: Listed[]): Html {
  const s = strings(locale);
  return html`<main><div class="wrap">
${breadcrumbs(locale, [...(category ? [{ label: localName(category.name, locale), href: categoryHref(category, locale) }] : []), { label: localName(section.name, locale) }])}
<h1>${localName(section.name, locale)}</h1>
${articleList(items, locale)}
<h2>${s.stillNeedHelp}</h2>
${contactCards(locale)}
</div></main>`;
}
