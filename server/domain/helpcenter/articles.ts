import { and, asc, desc, eq, inArray, isNotNull, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { articleTranslations, articleVersions, articles, helpCategories, helpSections } from '../../db/schema.ts';
import { AppError, notFound } from '../../errors.ts';
import { requireSupervisor } from '../auth/policy.ts';
import { type Ctx, recordEvent } from '../context.ts';

export type ArticleType = 'article' | 'faq' | 'announcement';

/** Help center editors: supervisors and admins. */
const editor = (ctx: Ctx) => requireSupervisor(ctx.actor);

export interface ArticleMeta {
  slug: string;
  type: ArticleType;
  categoryId: string | null;
  sectionId: string | null;
  tags: string[];
  position: number;
  publishedAt: Date | null;
}

async function checkPlacement(db: Db, meta: Partial<ArticleMeta>) {
  if (meta.sectionId) {
    const [section] = await db.select().from(helpSections).where(eq(helpSections.id, meta.sectionId));
    if (!section) throw notFound('Section');
    if (meta.categoryId && meta.categoryId !== section.categoryId) throw new AppError('validation_failed', 'The section is not in that category');
    meta.categoryId = section.categoryId;
  } else if (meta.categoryId) {
    const [category] = await db.select({ id: helpCategories.id }).from(helpCategories).where(eq(helpCategories.id, meta.categoryId));
    if (!category) throw notFound('Category');
  }
}

export async function articleCreator(ctx: Ctx, meta: ArticleMeta) {
  editor(ctx);
  const [dup] = await ctx.db.select({ id: articles.id }).from(articles).where(eq(articles.slug, meta.slug));
  if (dup) throw new AppError('conflict', `An article with slug ${meta.slug} already exists`);
  await checkPlacement(ctx.db, meta);
  const [row] = await ctx.db.insert(articles).values(meta).returning();
  await recordEvent(ctx, { type: 'articles.create', subjectType: 'article', subjectId: row!.id, data: { slug: meta.slug, type: meta.type } });
  return row!;
}

export async function articleUpdater(ctx: Ctx, id: string, patch: Partial<ArticleMeta>) {
  editor(ctx);
  const [before] = await ctx.db.select().from(articles).where(eq(articles.id, id));
  if (!before) throw notFound('Article');
  if (patch.slug && patch.slug !== before.slug) {
    const [dup] = await ctx.db.select({ id: articles.id }).from(articles).where(eq(articles.slug, patch.slug));
    if (dup) throw new AppError('conflict', `An article with slug ${patch.slug} already exists`);
  }
  await checkPlacement(ctx.db, { categoryId: patch.categoryId ?? before.categoryId, ...patch });
  const [row] = await ctx.db.update(articles).set({ ...patch, updatedAt: ctx.services.clock() }).where(eq(articles.id, id)).returning();
  await recordEvent(ctx, { type: 'articles.update', subjectType: 'article', subjectId: id, data: { changed: Object.keys(patch) } });
  return row!;
}

export async function articleDeleter(ctx: Ctx, id: string) {
  editor(ctx);
  const [row] = await ctx.db.delete(articles).where(eq(articles.id, id)).returning();
  if (!row) throw notFound('Article');
  await recordEvent(ctx, { type: 'articles.delete', subjectType: 'article', subjectId: id, data: { slug: row.slug } });
}

/**
 * Saves one language of an article. Every save that changes the text is a new version
 * (kept for history and restore); publishing is part of the same save.
 */
export async function translationSaver(ctx: Ctx, articleId: string, locale: string, input: { title: string; body: string; published: boolean; tags?: string[] }) {
  editor(ctx);
  const [article] = await ctx.db.select({ id: articles.id }).from(articles).where(eq(articles.id, articleId));
  if (!article) throw notFound('Article');
  const [current] = await ctx.db
    .select()
    .from(articleTranslations)
    .where(and(eq(articleTranslations.articleId, articleId), eq(articleTranslations.locale, locale)))
    .for('update');
  const editorId = ctx.actor.type === 'agent' ? ctx.actor.id : null;
  const now = ctx.services.clock();
  let translation;
  if (!current) {
    [translation] = await ctx.db.insert(articleTranslations).values({ articleId, locale, ...input, version: 1, updatedById: editorId, updatedAt: now }).returning();
    await ctx.db.insert(articleVersions).values({ translationId: translation!.id, version: 1, title: input.title, body: input.body, createdById: editorId });
  } else {
    const changed = current.title !== input.title || current.body !== input.body;
    // Tags are not versioned text; they change in place.
    const version = changed ? current.version + 1 : current.version;
    [translation] = await ctx.db
      .update(articleTranslations)
      .set({ ...input, version, updatedById: editorId, updatedAt: now })
      .where(eq(articleTranslations.id, current.id))
      .returning();
    if (changed) await ctx.db.insert(articleVersions).values({ translationId: current.id, version, title: input.title, body: input.body, createdById: editorId });
  }
  await ctx.db.update(articles).set({ updatedAt: now }).where(eq(articles.id, articleId));
  await recordEvent(ctx, {
    type: 'articles.translation_save',
    subjectType: 'article',
    subjectId: articleId,
    data: { locale, version: translation!.version, published: input.published, wasPublished: current?.published ?? false },
  });
  return translation!;
}

export async function versionLister(ctx: Ctx, articleId: string, locale: string) {
  editor(ctx);
  const [t] = await ctx.db.select().from(articleTranslations).where(and(eq(articleTranslations.articleId, articleId), eq(articleTranslations.locale, locale)));
  if (!t) throw notFound('Translation');
  return ctx.db.select().from(articleVersions).where(eq(articleVersions.translationId, t.id)).orderBy(desc(articleVersions.version));
}

/** Restoring an old version saves it again as the newest one: history only grows. */
export async function versionRestorer(ctx: Ctx, articleId: string, locale: string, version: number) {
  editor(ctx);
  const [t] = await ctx.db.select().from(articleTranslations).where(and(eq(articleTranslations.articleId, articleId), eq(articleTranslations.locale, locale)));
  if (!t) throw notFound('Translation');
  const [old] = await ctx.db.select().from(articleVersions).where(and(eq(articleVersions.translationId, t.id), eq(articleVersions.version, version)));
  if (!old) throw notFound('Version');
  return translationSaver(ctx, articleId, locale, { title: old.title, body: old.body, published: t.published, tags: t.tags });
}

/** For editors: every article with its translations (drafts included). */
export async function articleAdminLister(ctx: Ctx) {
  editor(ctx);
  const rows = await ctx.db.select().from(articles).orderBy(asc(articles.position), asc(articles.slug));
  const translations = rows.length ? await ctx.db.select().from(articleTranslations).where(inArray(articleTranslations.articleId, rows.map((r) => r.id))) : [];
  return rows.map((a) => ({ ...a, translations: translations.filter((t) => t.articleId === a.id) }));
}

// ── Reading (public: published translations only) ──

export interface PublicArticle {
  article: typeof articles.$inferSelect;
  translation: typeof articleTranslations.$inferSelect;
  /** The language asked for was missing, so another is shown. */
  fallback: boolean;
  /** Languages it is published in. */
  locales: string[];
  category: typeof helpCategories.$inferSelect | null;
  section: typeof helpSections.$inferSelect | null;
}

/** A published article in the wanted language, or in another one (marked as a fallback). */
export async function publicArticleReader(db: Db, slug: string, locale: string): Promise<PublicArticle> {
  const [article] = await db.select().from(articles).where(eq(articles.slug, slug));
  if (!article) throw notFound('Article');
  const translations = await db.select().from(articleTranslations).where(and(eq(articleTranslations.articleId, article.id), eq(articleTranslations.published, true)));
  const translation = translations.find((t) => t.locale === locale) ?? translations.find((t) => t.locale === 'en') ?? translations[0];
  if (!translation) throw notFound('Article');
  const category = article.categoryId ? ((await db.select().from(helpCategories).where(eq(helpCategories.id, article.categoryId)))[0] ?? null) : null;
  const section = article.sectionId ? ((await db.select().from(helpSections).where(eq(helpSections.id, article.sectionId)))[0] ?? null) : null;
  return { article, translation, fallback: translation.locale !== locale, locales: translations.map((t) => t.locale), category, section };
}

/** Published articles with their title in the wanted language (falling back), filtered. */
export async function publicArticleLister(db: Db, locale: string, filter: { sectionId?: string; categoryId?: string; type?: ArticleType; ids?: string[]; limit?: number; newestFirst?: boolean }) {
  const conditions = [
    filter.sectionId ? eq(articles.sectionId, filter.sectionId) : undefined,
    filter.categoryId ? eq(articles.categoryId, filter.categoryId) : undefined,
    filter.type ? eq(articles.type, filter.type) : undefined,
    filter.ids ? inArray(articles.id, filter.ids.length ? filter.ids : ['00000000-0000-0000-0000-000000000000']) : undefined,
    filter.newestFirst ? isNotNull(articles.publishedAt) : undefined,
  ];
  const rows = await db
    .select({ a: articles, t: articleTranslations })
    .from(articles)
    .innerJoin(articleTranslations, and(eq(articleTranslations.articleId, articles.id), eq(articleTranslations.published, true)))
    .where(and(...conditions))
    .orderBy(filter.newestFirst ? desc(articles.publishedAt) : asc(articles.position), asc(articles.slug));
  const byArticle = new Map<string, { article: typeof articles.$inferSelect; title: string; locale: string }>();
  for (const { a, t } of rows) {
    const seen = byArticle.get(a.id);
    if (!seen || t.locale === locale || (seen.locale !== locale && t.locale === 'en')) byArticle.set(a.id, { article: a, title: t.title, locale: t.locale });
  }
  return [...byArticle.values()].slice(0, filter.limit ?? 1000);
}

/** Categories with their sections, for navigation. */
export async function helpTreeReader(db: Db) {
  const categories = await db.select().from(helpCategories).orderBy(asc(helpCategories.position), asc(helpCategories.slug));
  const sections = await db.select().from(helpSections).orderBy(asc(helpSections.position), asc(helpSections.slug));
  const counts = await db
    .select({ sectionId: articles.sectionId, n: sql<number>`count(distinct ${articles.id})::int` })
    .from(articles)
    .innerJoin(articleTranslations, and(eq(articleTranslations.articleId, articles.id), eq(articleTranslations.published, true)))
    .groupBy(articles.sectionId);
  const count = new Map(counts.map((c) => [c.sectionId, c.n]));
  return categories.map((c) => ({ ...c, sections: sections.filter((s) => s.categoryId === c.id).map((s) => ({ ...s, articles: count.get(s.id) ?? 0 })) }));
}

export async function helpCategorySaver(ctx: Ctx, input: { id?: string; slug: string; name: Record<string, string>; description: Record<string, string>; position: number }) {
  editor(ctx);
  const { id, ...values } = input;
  const [row] = id
    ? await ctx.db.update(helpCategories).set(values).where(eq(helpCategories.id, id)).returning()
    : await ctx.db.insert(helpCategories).values(values).onConflictDoUpdate({ target: helpCategories.slug, set: values }).returning();
  if (!row) throw notFound('Category');
  await recordEvent(ctx, { type: 'help_categories.save', subjectType: 'help_category', subjectId: row.id, data: { slug: row.slug } });
  return row;
}

export async function helpSectionSaver(ctx: Ctx, input: { id?: string; categoryId: string; slug: string; name: Record<string, string>; position: number }) {
  editor(ctx);
  const [category] = await ctx.db.select({ id: helpCategories.id }).from(helpCategories).where(eq(helpCategories.id, input.categoryId));
  if (!category) throw notFound('Category');
  const { id, ...values } = input;
  const [row] = id
    ? await ctx.db.update(helpSections).set(values).where(eq(helpSections.id, id)).returning()
    : await ctx.db.insert(helpSections).values(values).onConflictDoUpdate({ target: helpSections.slug, set: values }).returning();
  if (!row) throw notFound('Section');
  await recordEvent(ctx, { type: 'help_sections.save', subjectType: 'help_section', subjectId: row.id, data: { slug: row.slug } });
  return row;
}
