import { and, desc, eq, gte, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { articleFeedback, articleTranslations, articleViews, articles, deflections, searchQueries } from '../../db/schema.ts';
import { notFound } from '../../errors.ts';
import { requireSupervisor } from '../auth/policy.ts';
import type { Ctx } from '../context.ts';

/** Counts a view of an article (one row per article, language and day). */
export async function articleViewRecorder(db: Db, articleId: string, locale: string, now: Date): Promise<void> {
  const day = now.toISOString().slice(0, 10);
  await db
    .insert(articleViews)
    .values({ articleId, locale, day, views: 1 })
    .onConflictDoUpdate({ target: [articleViews.articleId, articleViews.locale, articleViews.day], set: { views: sql`${articleViews.views} + 1` } });
}

/** "Was this helpful?" — anyone may answer; the comment is optional. */
export async function articleFeedbackRecorder(db: Db, input: { slug: string; locale: string; helpful: boolean; comment?: string }) {
  const [article] = await db.select({ id: articles.id }).from(articles).where(eq(articles.slug, input.slug));
  if (!article) throw notFound('Article');
  await db.insert(articleFeedback).values({ articleId: article.id, locale: input.locale, helpful: input.helpful, comment: input.comment?.trim() || null });
}

/**
 * Remembers which articles were suggested to a customer drafting a ticket or a chat. A draft
 * that is still being typed keeps its one record (its suggestions accumulate), so refreshing
 * suggestions does not inflate the count.
 */
export async function deflectionRecorder(db: Db, source: 'ticket_form' | 'chat', articleIds: string[], previousId?: string): Promise<string> {
  if (previousId) {
    const [row] = await db
      .update(deflections)
      .set({ suggested: sql`(select coalesce(jsonb_agg(distinct v), '[]'::jsonb) from jsonb_array_elements(${deflections.suggested} || ${JSON.stringify(articleIds)}::jsonb) v)` })
      .where(and(eq(deflections.id, previousId), sql`${deflections.conversationId} is null`))
      .returning({ id: deflections.id });
    if (row) return row.id;
  }
  const [row] = await db.insert(deflections).values({ source, suggested: articleIds }).returning({ id: deflections.id });
  return row!.id;
}

/** The customer opened a suggested article. */
export async function deflectionOpener(db: Db, id: string, articleId: string): Promise<void> {
  await db
    .update(deflections)
    .set({ openedArticleId: articleId })
    .where(and(eq(deflections.id, id), sql`${deflections.openedArticleId} is null`, sql`${deflections.suggested} @> ${JSON.stringify([articleId])}::jsonb`));
}

/** The customer filed the ticket (or started the chat) after all: not deflected. */
export async function deflectionFiler(db: Db, id: string, conversationId: string): Promise<void> {
  await db.update(deflections).set({ conversationId }).where(eq(deflections.id, id));
}

/** Help center figures for the last N days. */
export async function helpAnalyticsReader(ctx: Ctx, days: number) {
  requireSupervisor(ctx.actor);
  const since = new Date(ctx.services.clock().getTime() - days * 86_400_000);
  const topSearches = await ctx.db
    .select({ query: searchQueries.query, locale: searchQueries.locale, count: sql<number>`count(*)::int`, avgResults: sql<number>`avg(${searchQueries.results})::float` })
    .from(searchQueries)
    .where(and(gte(searchQueries.createdAt, since), eq(searchQueries.source, 'search')))
    .groupBy(searchQueries.query, searchQueries.locale)
    .orderBy(desc(sql`count(*)`))
    .limit(20);
  const noResults = await ctx.db
    .select({ query: searchQueries.query, locale: searchQueries.locale, count: sql<number>`count(*)::int` })
    .from(searchQueries)
    .where(and(gte(searchQueries.createdAt, since), eq(searchQueries.results, 0)))
    .groupBy(searchQueries.query, searchQueries.locale)
    .orderBy(desc(sql`count(*)`))
    .limit(20);
  const [deflection] = (await ctx.db
    .select({
      suggested: sql<number>`count(*)::int`,
      opened: sql<number>`count(*) filter (where ${deflections.openedArticleId} is not null)::int`,
      deflected: sql<number>`count(*) filter (where ${deflections.openedArticleId} is not null and ${deflections.conversationId} is null)::int`,
      filed: sql<number>`count(*) filter (where ${deflections.conversationId} is not null)::int`,
    })
    .from(deflections)
    .where(gte(deflections.createdAt, since))) as [{ suggested: number; opened: number; deflected: number; filed: number }];
  // Correlated subqueries name the outer column in full: drizzle writes select-list columns unqualified.
  const articlesStats = await ctx.db
    .select({
      articleId: articles.id,
      slug: articles.slug,
      title: sql<string>`(select title from ${articleTranslations} t where t.article_id = "articles"."id" order by (t.locale = 'en') desc limit 1)`,
      views: sql<number>`coalesce((select sum(views) from ${articleViews} v where v.article_id = "articles"."id" and v.day >= ${since.toISOString().slice(0, 10)}), 0)::int`,
      helpful: sql<number>`(select count(*) from ${articleFeedback} f where f.article_id = "articles"."id" and f.helpful and f.created_at >= ${since.toISOString()}::timestamptz)::int`,
      notHelpful: sql<number>`(select count(*) from ${articleFeedback} f where f.article_id = "articles"."id" and not f.helpful and f.created_at >= ${since.toISOString()}::timestamptz)::int`,
    })
    .from(articles)
    .orderBy(desc(sql`4`))
    .limit(50);
  return {
    days,
    topSearches,
    noResults,
    deflection: { ...deflection, rate: deflection.suggested ? deflection.deflected / deflection.suggested : 0 },
    articles: articlesStats,
  };
}
