import type { PublicArticle } from '../../../domain/helpcenter/articles.ts';
import { type Html, html, raw } from './html.ts';
import { formatDate, LANGUAGE_NAMES, localName, type PageLocale, strings } from './i18n.ts';
import { articleLink, contactCards, type Listed } from './home.ts';
import { breadcrumbs, categoryHref, sectionHref, typeBadge } from './browse.ts';
import { pageUrl } from './layout.ts';

export interface ArticleView {
  a: PublicArticle;
  /** Sanitised HTML from renderMarkdown. */
  bodyHtml: string;
  related: Listed[];
  /** The reader just answered "was this helpful?". */
  thanked: boolean;
}

function feedback(locale: PageLocale, slug: string, shownLocale: string, thanked: boolean): Html {
  const s = strings(locale);
  if (thanked) return html`<section class="feedback" id="feedback" role="status"><p class="thanks" data-feedback="thanks">${s.thanks}</p></section>`;
  return html`<section class="feedback" id="feedback">
<form method="post" action="/help/articles/${encodeURIComponent(slug)}/feedback">
<input type="hidden" name="locale" value="${shownLocale}">
<input type="hidden" name="lang" value="${locale}">
<div class="row"><strong>${s.wasHelpful}</strong>
<button type="submit" name="helpful" value="yes">${s.yes}</button>
<button type="submit" name="helpful" value="no">${s.no}</button></div>
<details><summary>${s.commentLabel}</summary>
<textarea name="comment" rows="3" maxlength="2000" aria-label="${s.commentLabel}"></textarea>
<span class="muted">${s.commentHint}</span></details>
</form>
</section>`;
}

export function articleContent(locale: PageLocale, view: ArticleView): Html {
  const s = strings(locale);
  const { article, translation, category, section, fallback } = view.a;
  const trail = [
    ...(category ? [{ label: localName(category.name, locale), href: categoryHref(category, locale) }] : []),
    ...(section ? [{ label: localName(section.name, locale), href: sectionHref(section, locale) }] : []),
  ];
  const shown = translation.locale as PageLocale;
  const dated = article.type === 'announcement' && article.publishedAt;
  return html`<main><div class="wrap">
${breadcrumbs(locale, trail)}
${
  fallback
    ? html`<p class="info" role="note" data-fallback>${s.fallbackNote}${
        locale !== 'en' ? html`<br><span class="muted" lang="en">This article is not yet available in ${LANGUAGE_NAMES[locale]}; showing ${LANGUAGE_NAMES[shown] ?? shown}.</span>` : ''
      }</p>`
    : ''
}
<article class="body"${fallback ? html` lang="${shown}"` : ''}>
<h1>${translation.title}${article.type !== 'article' ? typeBadge(article.type, locale) : ''}</h1>
<p class="muted">${
    dated
      ? html`${s.published} <time datetime="${article.publishedAt!.toISOString()}">${formatDate(article.publishedAt!, locale)}</time> · `
      : ''
  }${s.updated} <time datetime="${translation.updatedAt.toISOString()}">${formatDate(translation.updatedAt, locale)}</time></p>
${raw(view.bodyHtml)}
</article>
${feedback(locale, article.slug, translation.locale, view.thanked)}
${view.related.length ? html`<h2>${s.related}</h2><ul class="list" data-related>${view.related.map((r) => html`<li>${articleLink(r, locale)}</li>`)}</ul>` : ''}
<h2>${view.thanked ? s.thanksMore : s.stillNeedHelp}</h2>
${contactCards(locale)}
</div></main>`;
}

export const articleHref = (slug: string, locale: string) => pageUrl(`/help/articles/${encodeURIComponent(slug)}`, locale);
