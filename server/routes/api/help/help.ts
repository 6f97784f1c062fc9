import { z } from 'zod';
import { Id } from '../../../../common/schemas.ts';
import { requireSupervisor } from '../../../domain/auth/policy.ts';
import {
  articleAdminLister,
  articleCreator,
  articleDeleter,
  articleUpdater,
  helpCategorySaver,
  helpSectionSaver,
  helpTreeReader,
  publicArticleReader,
  translationSaver,
  versionLister,
  versionRestorer,
} from '../../../domain/helpcenter/articles.ts';
import { articleFeedbackRecorder, articleViewRecorder, deflectionOpener, deflectionRecorder, helpAnalyticsReader } from '../../../domain/helpcenter/analytics.ts';
import { helpCompletions, helpSearcher, searchLocale } from '../../../domain/helpcenter/helpSearch.ts';
import { renderMarkdown } from '../../../domain/helpcenter/markdown.ts';
import { createReadStream, existsSync } from 'node:fs';
import { eq } from 'drizzle-orm';
import { helpImages, searchSynonyms } from '../../../db/schema.ts';
import { blobPath, blobStorer } from '../../../domain/files/blobStore.ts';
import { blobOrphanRemover } from '../../../domain/files/attachments.ts';
import { AppError } from '../../../errors.ts';
import { recordEvent } from '../../../domain/context.ts';
import { type Api, type RouteOptions, IdParams, Items, errors, run } from '../run.ts';
import { BinaryFile, FileResponse } from '../openapi.ts';

const tags = ['help center'];
const Locale = z.enum(['en', 'zh-CN']);
const Names = z.record(z.string(), z.string().max(200));
const Hit = z.object({ id: Id, slug: z.string(), title: z.string(), type: z.string(), locale: z.string(), snippetHtml: z.string(), url: z.string() });
const hitUrl = (slug: string, locale: string) => `/help/articles/${encodeURIComponent(slug)}?lang=${locale}`;

const ArticleMetaIn = z.object({
  slug: z.string().regex(/^[a-z0-9][a-z0-9-]{0,100}$/),
  type: z.enum(['article', 'faq', 'announcement']).default('article'),
  categoryId: Id.nullable().default(null),
  sectionId: Id.nullable().default(null),
  tags: z.array(z.string().trim().min(1).max(40)).max(30).default([]),
  position: z.number().int().min(0).max(100_000).default(0),
  publishedAt: z.iso.datetime().nullable().default(null),
});
const ArticleMetaPatch = z
  .object({
    slug: z.string().regex(/^[a-z0-9][a-z0-9-]{0,100}$/),
    type: z.enum(['article', 'faq', 'announcement']),
    categoryId: Id.nullable(),
    sectionId: Id.nullable(),
    tags: z.array(z.string().trim().min(1).max(40)).max(30),
    position: z.number().int().min(0).max(100_000),
    publishedAt: z.iso.datetime().nullable(),
  })
  .partial()
  .strict();
const TranslationIn = z.object({
  title: z.string().trim().min(1).max(300),
  body: z.string().max(200_000),
  published: z.boolean().default(false),
  tags: z.array(z.string().trim().min(1).max(40)).max(30).optional(),
});

const AdminArticle = z.object({
  id: Id,
  slug: z.string(),
  type: z.string(),
  categoryId: Id.nullable(),
  sectionId: Id.nullable(),
  tags: z.array(z.string()),
  position: z.number().int(),
  publishedAt: z.string().nullable(),
  updatedAt: z.string(),
  translations: z.array(z.object({ locale: z.string(), title: z.string(), body: z.string(), tags: z.array(z.string()), published: z.boolean(), version: z.number().int(), updatedAt: z.string() })),
});

type ArticleRow = Awaited<ReturnType<typeof articleAdminLister>>[number];
const presentAdmin = (a: ArticleRow) => ({
  id: a.id,
  slug: a.slug,
  type: a.type,
  categoryId: a.categoryId,
  sectionId: a.sectionId,
  tags: a.tags,
  position: a.position,
  publishedAt: a.publishedAt?.toISOString() ?? null,
  updatedAt: a.updatedAt.toISOString(),
  translations: a.translations.map((t) => ({ locale: t.locale, title: t.title, body: t.body, tags: t.tags, published: t.published, version: t.version, updatedAt: t.updatedAt.toISOString() })),
});

export async function helpRoutes(app: Api, { services }: RouteOptions) {
  const { db } = services.database;
  const publicRoute = { public: true, rateLimit: { max: 300, timeWindow: '1 minute' } };

  app.get(
    '/help/search',
    {
      config: publicRoute,
      schema: {
        tags,
        summary: 'Search the help center (Chinese and English; synonyms, typos)',
        querystring: z.object({ q: z.string().trim().min(1).max(200), locale: Locale.optional(), limit: z.coerce.number().int().min(1).max(50).default(10) }),
        response: { 200: z.object({ locale: z.string(), items: z.array(Hit) }), ...errors(400) },
      },
    },
    async (req) => {
      const { locale, hits } = await helpSearcher(services, { q: req.query.q, locale: req.query.locale, limit: req.query.limit });
      return { locale, items: hits.map((h) => ({ id: h.articleId, slug: h.slug, title: h.title, type: h.type, locale: h.locale, snippetHtml: h.snippetHtml, url: hitUrl(h.slug, h.locale) })) };
    },
  );

  app.get(
    '/help/suggest',
    {
      config: publicRoute,
      schema: {
        tags,
        summary: 'Search-as-you-type: top article titles and completions of the last word',
        querystring: z.object({ q: z.string().max(200), locale: Locale.optional() }),
        response: { 200: z.object({ items: z.array(z.object({ slug: z.string(), title: z.string(), url: z.string() })), completions: z.array(z.string()) }), ...errors(400) },
      },
    },
    async (req) => {
      const q = req.query.q.trim();
      if (!q) return { items: [], completions: [] };
      const { locale, hits } = await helpSearcher(services, { q, locale: req.query.locale, limit: 6, source: 'suggest', log: false });
      const last = q.split(/\s+/).at(-1) ?? '';
      return { items: hits.map((h) => ({ slug: h.slug, title: h.title, url: hitUrl(h.slug, h.locale) })), completions: await helpCompletions(services, last, searchLocale(q, locale)) };
    },
  );

  app.post(
    '/help/deflect',
    {
      config: publicRoute,
      schema: {
        tags,
        summary: 'The best articles for the text of a draft ticket or chat; returns a deflectionId to report opens and filing',
        body: z.object({
          text: z.string().trim().min(1).max(5000),
          locale: Locale.optional(),
          source: z.enum(['ticket_form', 'chat']).default('ticket_form'),
          /** The id an earlier call returned for the same draft. */
          deflectionId: Id.optional(),
        }),
        response: { 200: z.object({ deflectionId: Id.nullable(), items: z.array(Hit) }), ...errors(400) },
      },
    },
    async (req) => {
      // A long draft: the index weighs its words by rarity, so the whole text can be the query.
      const { hits } = await helpSearcher(services, { q: req.body.text.slice(0, 600), locale: req.body.locale, limit: 5, source: 'deflect' });
      const deflectionId = hits.length ? await deflectionRecorder(db, req.body.source, hits.map((h) => h.articleId), req.body.deflectionId) : (req.body.deflectionId ?? null);
      return { deflectionId, items: hits.map((h) => ({ id: h.articleId, slug: h.slug, title: h.title, type: h.type, locale: h.locale, snippetHtml: h.snippetHtml, url: `${hitUrl(h.slug, h.locale)}&deflection=${deflectionId}` })) };
    },
  );

  app.post(
    '/help/deflections/:id/open',
    { config: publicRoute, schema: { tags, summary: 'A suggested article was opened', params: IdParams, body: z.object({ articleId: Id }), response: { 204: z.null(), ...errors(400) } } },
    async (req, reply) => {
      await deflectionOpener(db, req.params.id, req.body.articleId);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/help/articles/:slug',
    {
      config: publicRoute,
      schema: {
        tags,
        summary: 'A published article as HTML, in the language asked for (or another, marked as fallback)',
        params: z.object({ slug: z.string().max(120) }),
        querystring: z.object({ locale: Locale.default('en') }),
        response: {
          200: z.object({ id: Id, slug: z.string(), type: z.string(), locale: z.string(), fallback: z.boolean(), locales: z.array(z.string()), title: z.string(), html: z.string(), tags: z.array(z.string()), updatedAt: z.string() }),
          ...errors(404),
        },
      },
    },
    async (req) => {
      const a = await publicArticleReader(db, req.params.slug, req.query.locale);
      await articleViewRecorder(db, a.article.id, a.translation.locale, services.clock());
      return {
        id: a.article.id,
        slug: a.article.slug,
        type: a.article.type,
        locale: a.translation.locale,
        fallback: a.fallback,
        locales: a.locales,
        title: a.translation.title,
        html: renderMarkdown(a.translation.body),
        tags: [...new Set([...a.translation.tags, ...a.article.tags])],
        updatedAt: a.translation.updatedAt.toISOString(),
      };
    },
  );

  app.post(
    '/help/articles/:slug/feedback',
    {
      config: publicRoute,
      schema: {
        tags,
        summary: '"Was this helpful?"',
        params: z.object({ slug: z.string().max(120) }),
        body: z.object({ helpful: z.boolean(), comment: z.string().max(2000).optional(), locale: Locale.default('en') }),
        response: { 204: z.null(), ...errors(400, 404) },
      },
    },
    async (req, reply) => {
      await articleFeedbackRecorder(db, { slug: req.params.slug, ...req.body });
      return reply.code(204).send(null);
    },
  );

  app.get('/help/tree', { config: publicRoute, schema: { tags, summary: 'Categories and sections', response: { 200: z.object({ items: z.array(z.any()) }) } } }, async () => ({
    items: await helpTreeReader(db),
  }));

  // ── Editors (supervisors, admins) ──
  app.get('/help/admin/articles', { schema: { tags, summary: 'Every article with all translations, drafts included (editors)', response: { 200: Items(AdminArticle), ...errors(401, 403) } } }, async (req) => ({
    items: (await run(services, req, (ctx) => articleAdminLister(ctx))).map(presentAdmin),
  }));
  app.post('/help/admin/articles', { schema: { tags, summary: 'Create an article (editors)', body: ArticleMetaIn, response: { 201: z.object({ id: Id }), ...errors(400, 401, 403, 404, 409) } } }, async (req, reply) => {
    const row = await run(services, req, (ctx) => articleCreator(ctx, { ...req.body, publishedAt: req.body.publishedAt ? new Date(req.body.publishedAt) : null }));
    return reply.code(201).send({ id: row.id });
  });
  app.patch('/help/admin/articles/:id', { schema: { tags, summary: 'Change an article’s slug, type, placement, tags, order or date (editors)', params: IdParams, body: ArticleMetaPatch, response: { 200: z.object({ id: Id }), ...errors(400, 401, 403, 404, 409) } } }, async (req) => {
    const { publishedAt, ...rest } = req.body;
    const row = await run(services, req, (ctx) => articleUpdater(ctx, req.params.id, { ...rest, ...(publishedAt !== undefined ? { publishedAt: publishedAt ? new Date(publishedAt) : null } : {}) }));
    return { id: row.id };
  });
  app.delete('/help/admin/articles/:id', { schema: { tags, summary: 'Delete an article (editors)', params: IdParams, response: { 204: z.null(), ...errors(401, 403, 404) } } }, async (req, reply) => {
    await run(services, req, (ctx) => articleDeleter(ctx, req.params.id));
    return reply.code(204).send(null);
  });
  app.put(
    '/help/admin/articles/:id/translations/:locale',
    { schema: { tags, summary: 'Save one language (a new version when the text changed); published controls visibility', params: z.object({ id: Id, locale: Locale }), body: TranslationIn, response: { 200: z.object({ version: z.number().int(), published: z.boolean() }), ...errors(400, 401, 403, 404) } } },
    async (req) => {
      const t = await run(services, req, (ctx) => translationSaver(ctx, req.params.id, req.params.locale, req.body));
      return { version: t.version, published: t.published };
    },
  );
  app.get(
    '/help/admin/articles/:id/translations/:locale/versions',
    {
      schema: {
        tags,
        summary: 'Version history of one language',
        params: z.object({ id: Id, locale: Locale }),
        response: { 200: Items(z.object({ version: z.number().int(), title: z.string(), body: z.string(), createdById: z.string().nullable(), createdAt: z.string() })), ...errors(401, 403, 404) },
      },
    },
    async (req) => ({
      items: (await run(services, req, (ctx) => versionLister(ctx, req.params.id, req.params.locale))).map((v) => ({ version: v.version, title: v.title, body: v.body, createdById: v.createdById, createdAt: v.createdAt.toISOString() })),
    }),
  );
  app.post(
    '/help/admin/articles/:id/translations/:locale/versions/:version/restore',
    { schema: { tags, summary: 'Restore an old version (saved as the newest)', params: z.object({ id: Id, locale: Locale, version: z.coerce.number().int().min(1) }), response: { 200: z.object({ version: z.number().int() }), ...errors(401, 403, 404) } } },
    async (req) => ({ version: (await run(services, req, (ctx) => versionRestorer(ctx, req.params.id, req.params.locale, req.params.version))).version }),
  );
  app.post(
    '/help/admin/categories',
    { schema: { tags, summary: 'Create or update (by id or slug) a help center category', body: z.object({ id: Id.optional(), slug: z.string().regex(/^[a-z0-9][a-z0-9-]{0,60}$/), name: Names, description: Names.default({}), position: z.number().int().min(0).default(0) }), response: { 200: z.object({ id: Id }), ...errors(400, 401, 403, 404) } } },
    async (req) => ({ id: (await run(services, req, (ctx) => helpCategorySaver(ctx, req.body))).id }),
  );
  app.post(
    '/help/admin/sections',
    { schema: { tags, summary: 'Create or update (by id or slug) a section', body: z.object({ id: Id.optional(), categoryId: Id, slug: z.string().regex(/^[a-z0-9][a-z0-9-]{0,60}$/), name: Names, position: z.number().int().min(0).default(0) }), response: { 200: z.object({ id: Id }), ...errors(400, 401, 403, 404) } } },
    async (req) => ({ id: (await run(services, req, (ctx) => helpSectionSaver(ctx, req.body))).id }),
  );
  app.get('/help/admin/synonyms', { schema: { tags, summary: 'Synonym groups used by search (editors)', response: { 200: Items(z.object({ id: Id, terms: z.array(z.string()) })), ...errors(401, 403) } } }, async (req) => ({
    items: await run(services, req, async (ctx) => {
      requireSupervisor(ctx.actor);
      return (await ctx.db.select().from(searchSynonyms)).map((s) => ({ id: s.id, terms: s.terms }));
    }),
  }));
  app.put(
    '/help/admin/synonyms',
    { schema: { tags, summary: 'Replace the synonym groups (editors)', body: z.object({ groups: z.array(z.array(z.string().trim().min(1).max(40)).min(2).max(20)).max(500) }), response: { 200: z.object({ groups: z.number().int() }), ...errors(400, 401, 403) } } },
    async (req) => {
      await run(services, req, async (ctx) => {
        requireSupervisor(ctx.actor);
        await ctx.db.delete(searchSynonyms);
        if (req.body.groups.length) await ctx.db.insert(searchSynonyms).values(req.body.groups.map((terms) => ({ terms })));
        await recordEvent(ctx, { type: 'search_synonyms.replace', subjectType: 'search_synonyms', subjectId: 'all', data: { groups: req.body.groups.length } });
      });
      return { groups: req.body.groups.length };
    },
  );
  app.post(
    '/help/admin/images',
    {
      schema: {
        tags,
        summary: 'Upload an image for an article (multipart, field "file"); returns its public URL for markdown',
        consumes: ['multipart/form-data'],
        // Documentation only: the handler reads the file itself.
        bodyContent: { 'multipart/form-data': z.object({ file: BinaryFile.describe('A PNG, JPEG, GIF or WebP image') }) },
        response: { 201: z.object({ id: Id, url: z.string() }), ...errors(400, 401, 403, 413, 415) },
      },
    },
    async (req, reply) => {
      // Editors only, checked before the file is read.
      await run(services, req, async (ctx) => requireSupervisor(ctx.actor));
      if (!req.isMultipart()) throw new AppError('unsupported_media_type', 'Send the image as multipart/form-data');
      const part = await req.file({ limits: { fileSize: services.env.MAX_UPLOAD_BYTES } });
      if (!part) throw new AppError('validation_failed', 'No file in the upload');
      const blob = await blobStorer(services.env.dataDir, part.file).catch((err: { code?: string }) => {
        if (err.code === 'FST_REQ_FILE_TOO_LARGE') throw new AppError('payload_too_large', 'The image is larger than the upload limit');
        throw err;
      });
      if (part.file.truncated) throw new AppError('payload_too_large', 'The image is larger than the upload limit');
      if (!blob.contentType.startsWith('image/')) {
        await blobOrphanRemover(services, [blob.sha256]);
        throw new AppError('unsupported_media_type', 'Only images (PNG, JPEG, GIF, WebP) can go in articles');
      }
      const [row] = await db.insert(helpImages).values({ sha256: blob.sha256, contentType: blob.contentType, size: blob.size }).returning();
      return reply.code(201).send({ id: row!.id, url: `/api/v1/help/images/${row!.id}` });
    },
  );
  app.get(
    '/help/images/:id',
    { config: publicRoute, schema: { tags, summary: 'An article image (public)', params: IdParams, response: { 200: FileResponse('The image', ['image/png', 'image/jpeg', 'image/gif', 'image/webp']), ...errors(404) } } },
    async (req, reply) => {
      const [image] = await db.select().from(helpImages).where(eq(helpImages.id, req.params.id));
      const path = image ? blobPath(services.env.dataDir, image.sha256) : '';
      if (!image || !existsSync(path)) throw new AppError('not_found', 'Image not found');
      return reply
        .type(image.contentType)
        .header('x-content-type-options', 'nosniff')
        .header('cache-control', 'public, max-age=31536000, immutable')
        .send(createReadStream(path));
    },
  );

  app.get(
    '/help/admin/analytics',
    { schema: { tags, summary: 'Top searches, searches with no result, deflection rate, article views and helpfulness', querystring: z.object({ days: z.coerce.number().int().min(1).max(365).default(30) }), response: { 200: z.any(), ...errors(401, 403) } } },
    async (req) => run(services, req, (ctx) => helpAnalyticsReader(ctx, req.query.days)),
  );
}

