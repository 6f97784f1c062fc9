import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { eq } from 'drizzle-orm';
import { helpCategories, helpSections, inboxes } from '../../../db/schema.ts';
import { SYSTEM, type Services, read } from '../../../domain/context.ts';
import { chatAvailability } from '../../../domain/routing/chatQueue.ts';
import { articleFeedbackRecorder, articleViewRecorder, deflectionOpener } from '../../../domain/helpcenter/analytics.ts';
import { helpTreeReader, publicArticleLister, publicArticleReader } from '../../../domain/helpcenter/articles.ts';
import { helpSearcher } from '../../../domain/helpcenter/helpSearch.ts';
import { renderMarkdown } from '../../../domain/helpcenter/markdown.ts';
import { hasCjk } from '../../../domain/helpcenter/search/tokenizer.ts';
import { channelVerifier, knownChannels } from '../../../domain/trust/channelVerifier.ts';
import { AppError } from '../../../errors.ts';
import { articleContent, articleHref } from './article.ts';
import { categoryContent, sectionContent } from './browse.ts';
import { contactContent } from './contact.ts';
import { verifyContent } from './verify.ts';
import { homeContent, type Listed } from './home.ts';
import type { Html } from './html.ts';
import { localName, pageLocale, type PageLocale, strings } from './i18n.ts';
import { layout, type PageMeta } from './layout.ts';
import { notFoundContent, searchContent } from './search.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const SLUG = /^[a-z0-9][a-z0-9-]{0,120}$/;
/** Results scoring below this share of the best one are not shown. */
const RELEVANT = 0.2;
const pageRate = { rateLimit: { max: 600, timeWindow: '1 minute' } };

type Query = Record<string, string | undefined>;

/**
 * The public help center as server-rendered HTML: readable without JavaScript, indexable, small
 * on a phone. One inline script (search suggestions) and one inline style, both allowed by nonce.
 */
export async function helpPages(app: FastifyInstance, { services }: { services: Services }) {
  const { db } = services.database;

  // The feedback form posts application/x-www-form-urlencoded; only these routes accept it.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 16 * 1024 }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });

  function send(reply: FastifyReply, meta: Omit<PageMeta, 'nonce' | 'publicUrl'>, content: Html, status = 200) {
    const nonce = randomBytes(16).toString('base64');
    return reply
      .code(status)
      .type('text/html; charset=utf-8')
      .header('content-security-policy', `default-src 'self'; script-src 'nonce-${nonce}'; style-src 'nonce-${nonce}'; img-src 'self' https: data:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'; object-src 'none'`)
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'strict-origin-when-cross-origin')
      .header('vary', 'Cookie, Accept-Language')
      .header('cache-control', 'no-cache')
      .send(layout({ ...meta, nonce, publicUrl: services.env.publicUrl }, content));
  }

  function notFoundPage(reply: FastifyReply, locale: PageLocale) {
    return send(reply, { locale, title: strings(locale).notFoundTitle, path: '/' }, notFoundContent(locale), 404);
  }

  /** Runs a page; a missing article, category or section becomes the HTML 404 page. */
  async function page(req: FastifyRequest, reply: FastifyReply, fn: (locale: PageLocale) => Promise<unknown>) {
    const locale = pageLocale(req, reply);
    try {
      return await fn(locale);
    } catch (err) {
      if (err instanceof AppError && err.code === 'not_found') return notFoundPage(reply, locale);
      throw err;
    }
  }

  app.get('/', { schema: { hide: true }, config: pageRate }, (req, reply) =>
    page(req, reply, async (locale) => {
      const [tree, faq, announcements] = await Promise.all([
        helpTreeReader(db),
        publicArticleLister(db, locale, { type: 'faq', limit: 8 }),
        publicArticleLister(db, locale, { type: 'announcement', limit: 5, newestFirst: true }),
      ]);
      const s = strings(locale);
      return send(reply, { locale, title: '', path: '/', description: s.heroTitle, bigSearch: true }, homeContent(locale, { tree, faq, announcements }));
    }),
  );

  app.get<{ Params: { slug: string } }>('/help/categories/:slug', { schema: { hide: true }, config: pageRate }, (req, reply) =>
    page(req, reply, async (locale) => {
      if (!SLUG.test(req.params.slug)) throw new AppError('not_found', 'Category not found');
      const [category] = await db.select().from(helpCategories).where(eq(helpCategories.slug, req.params.slug));
      if (!category) throw new AppError('not_found', 'Category not found');
      const sections = (await helpTreeReader(db)).find((c) => c.id === category.id)?.sections ?? [];
      const items = await publicArticleLister(db, locale, { categoryId: category.id });
      return send(
        reply,
        { locale, title: localName(category.name, locale), path: `/help/categories/${encodeURIComponent(category.slug)}`, description: localName(category.description, locale) },
        categoryContent(locale, category, sections, items),
      );
    }),
  );

  app.get<{ Params: { slug: string } }>('/help/sections/:slug', { schema: { hide: true }, config: pageRate }, (req, reply) =>
    page(req, reply, async (locale) => {
      if (!SLUG.test(req.params.slug)) throw new AppError('not_found', 'Section not found');
      const [section] = await db.select().from(helpSections).where(eq(helpSections.slug, req.params.slug));
      if (!section) throw new AppError('not_found', 'Section not found');
      const [category] = await db.select().from(helpCategories).where(eq(helpCategories.id, section.categoryId));
      const items = await publicArticleLister(db, locale, { sectionId: section.id });
      return send(reply, { locale, title: localName(section.name, locale), path: `/help/sections/${encodeURIComponent(section.slug)}` }, sectionContent(locale, category ?? null, section, items));
    }),
  );

  app.get<{ Params: { slug: string }; Querystring: Query }>('/help/articles/:slug', { schema: { hide: true }, config: pageRate }, (req, reply) =>
    page(req, reply, async (locale) => {
      if (!SLUG.test(req.params.slug)) throw new AppError('not_found', 'Article not found');
      const a = await publicArticleReader(db, req.params.slug, locale);
      await articleViewRecorder(db, a.article.id, a.translation.locale, services.clock());
      const deflection = req.query.deflection;
      if (deflection && UUID.test(deflection)) await deflectionOpener(db, deflection, a.article.id);
      const related = await relatedArticles(a.article.id, a.article.sectionId, a.translation.title, locale);
      const bodyHtml = renderMarkdown(a.translation.body);
      const text = bodyHtml.replace(/<[^>]+>/g, ' ').replace(/&[a-z#0-9]+;/gi, ' ').replace(/\s+/g, ' ').trim();
      return send(
        reply,
        { locale, title: a.translation.title, path: `/help/articles/${encodeURIComponent(a.article.slug)}`, alternates: a.locales, description: text.slice(0, 160) },
        articleContent(locale, { a, bodyHtml, related, thanked: req.query.feedback === 'thanks' }),
      );
    }),
  );

  app.post<{ Params: { slug: string }; Body: Query }>(
    '/help/articles/:slug/feedback',
    { schema: { hide: true }, config: { rateLimit: { max: 30, timeWindow: '1 minute' } } },
    (req, reply) =>
      page(req, reply, async (locale) => {
        const body = (req.body && typeof req.body === 'object' ? req.body : {}) as Query;
        if (!SLUG.test(req.params.slug)) throw new AppError('not_found', 'Article not found');
        const back = (lang: string) => `${articleHref(req.params.slug, lang)}`;
        const lang = body.lang === 'zh-CN' || body.lang === 'en' ? body.lang : locale;
        if (body.helpful !== 'yes' && body.helpful !== 'no') return reply.redirect(`${back(lang)}#feedback`, 303);
        await articleFeedbackRecorder(db, {
          slug: req.params.slug,
          locale: body.locale === 'zh-CN' || body.locale === 'en' ? body.locale : lang,
          helpful: body.helpful === 'yes',
          comment: body.comment?.slice(0, 2000),
        });
        return reply.redirect(`${back(lang)}&feedback=thanks#feedback`, 303);
      }),
  );

  app.get<{ Querystring: Query }>('/help/search', { schema: { hide: true }, config: pageRate }, (req, reply) =>
    page(req, reply, async (locale) => {
      const q = (req.query.q ?? '').trim().slice(0, 200);
      let hits: Awaited<ReturnType<typeof helpSearcher>>['hits'] = [];
      let otherLanguage = false;
      if (q) {
        // Chinese characters search the Chinese articles whatever the page language; otherwise the page's.
        const searchIn = hasCjk(q) ? 'zh-CN' : locale;
        hits = (await helpSearcher(services, { q, locale: searchIn, limit: 20 })).hits;
        if (!hits.length && !hasCjk(q)) {
          const other = locale === 'en' ? 'zh-CN' : 'en';
          hits = (await helpSearcher(services, { q, locale: other, limit: 20, log: false })).hits;
          otherLanguage = hits.length > 0;
        }
      }
      // The long tail of one-character matches helps no one reading on a phone.
      const top = hits[0]?.score ?? 0;
      hits = hits.filter((h) => h.score >= top * RELEVANT);
      const s = strings(locale);
      return send(reply, { locale, title: q ? `${s.searchButton}: ${q}` : s.searchLabel, path: '/help/search', query: q ? { q } : {}, q }, searchContent(locale, q, hits, otherLanguage));
    }),
  );

  // Anything else under /help is the help center's own 404 page, with a search box.
  app.get('/contact', { schema: { hide: true }, config: pageRate }, (req, reply) =>
    page(req, reply, async (locale) => {
      const [chat, channels] = await Promise.all([
        read(services, SYSTEM, (ctx) => chatAvailability(ctx)),
        db.select({ kind: inboxes.kind, name: inboxes.name, enabled: inboxes.enabled, settings: inboxes.settings }).from(inboxes).orderBy(inboxes.createdAt),
      ]);
      const s = strings(locale);
      return send(reply, { locale, title: s.contactTitle, path: '/contact', description: s.contactIntro }, contactContent(locale, { chat, channels }));
    }),
  );

  app.get<{ Querystring: Query }>('/verify', { schema: { hide: true }, config: pageRate }, (req, reply) =>
    page(req, reply, async (locale) => {
      const q = (typeof req.query.q === 'string' ? req.query.q : '').trim().slice(0, 300);
      const { result, known } = await read(services, SYSTEM, async (ctx) => ({ result: q ? await channelVerifier(ctx, q) : null, known: await knownChannels(ctx) }));
      const seen = new Set<string>();
      const listed = known.filter((k) => k.active && !seen.has(`${k.kind} ${k.value}`) && seen.add(`${k.kind} ${k.value}`));
      const s = strings(locale);
      // A checked value is the customer's own business: the page with it is not for search engines.
      if (q) reply.header('x-robots-tag', 'noindex');
      return send(reply, { locale, title: s.verifyTitle, path: '/verify', query: q ? { q } : {}, description: s.verifyIntro }, verifyContent(locale, q, result, listed));
    }),
  );

  app.get('/help', { schema: { hide: true } }, (req, reply) => reply.redirect(`/?${new URLSearchParams(req.query as Record<string, string>).toString()}`, 302));
  app.get('/help/*', { schema: { hide: true }, config: pageRate }, (req, reply) => page(req, reply, async (locale) => notFoundPage(reply, locale)));

  /** Same section first, then what search finds for the title; never the article itself. */
  async function relatedArticles(articleId: string, sectionId: string | null, title: string, locale: PageLocale): Promise<Listed[]> {
    const out: Listed[] = [];
    if (sectionId) for (const item of await publicArticleLister(db, locale, { sectionId, limit: 6 })) if (item.article.id !== articleId) out.push(item);
    if (out.length < 5) {
      const { hits } = await helpSearcher(services, { q: title, locale, limit: 8, log: false });
      const ids = hits.map((h) => h.articleId).filter((id) => id !== articleId && !out.some((o) => o.article.id === id));
      if (ids.length) {
        const found = await publicArticleLister(db, locale, { ids });
        for (const id of ids) {
          const item = found.find((f) => f.article.id === id);
          if (item) out.push(item);
        }
      }
    }
    return out.slice(0, 5);
  }
}
