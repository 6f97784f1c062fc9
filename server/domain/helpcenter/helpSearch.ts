import { and, eq } from 'drizzle-orm';
import { articleTranslations, articles, searchQueries, searchSynonyms } from '../../db/schema.ts';
import type { Database } from '../../db/client.ts';
import type { Services } from '../context.ts';
import { markdownToText } from './markdown.ts';
import { type SearchDoc, type SearchHit, SearchIndex } from './search/engine.ts';
import { hasCjk } from './search/tokenizer.ts';

export const HELP_LOCALES = ['en', 'zh-CN'] as const;

interface State {
  indexes: Map<string, SearchIndex>;
  synonyms: string[][];
  ready: Promise<void>;
}

/** One search state per open database: built from the published articles, kept current by events. */
const states = new WeakMap<Database, State>();

async function loadDocs(services: Services, articleId?: string): Promise<SearchDoc[]> {
  const rows = await services.database.db
    .select({ t: articleTranslations, a: articles })
    .from(articleTranslations)
    .innerJoin(articles, eq(articles.id, articleTranslations.articleId))
    .where(and(eq(articleTranslations.published, true), articleId ? eq(articles.id, articleId) : undefined));
  return rows.map(({ t, a }) => ({
    key: `${a.id}:${t.locale}`,
    articleId: a.id,
    slug: a.slug,
    locale: t.locale,
    title: t.title,
    tags: [...new Set([...a.tags, ...t.tags])],
    body: markdownToText(t.body),
    type: a.type,
    publishedAt: a.publishedAt,
  }));
}

async function loadSynonyms(services: Services): Promise<string[][]> {
  return (await services.database.db.select().from(searchSynonyms)).map((s) => s.terms);
}

/** The help center's search, for this database; built on first use. */
export function helpSearch(services: Services): State {
  let state = states.get(services.database);
  if (state) return state;
  const indexes = new Map(HELP_LOCALES.map((l) => [l as string, new SearchIndex()]));
  const created: State = { indexes, synonyms: [], ready: Promise.resolve() };
  created.ready = (async () => {
    for (const doc of await loadDocs(services)) indexes.get(doc.locale)?.add(doc);
    created.synonyms = await loadSynonyms(services);
  })();
  state = created;
  states.set(services.database, state);
  // Every process hears every change (Redis bus) and updates its own index.
  services.bus.subscribe(async (event) => {
    if (event.type.startsWith('articles.')) await helpReindex(services, event.subjectId);
    if (event.type.startsWith('search_synonyms.')) created.synonyms = await loadSynonyms(services);
  });
  return state;
}

/** Re-reads one article into the index (after an edit, publish or delete). */
export async function helpReindex(services: Services, articleId: string): Promise<void> {
  const state = helpSearch(services);
  await state.ready;
  for (const index of state.indexes.values()) for (const l of HELP_LOCALES) index.remove(`${articleId}:${l}`);
  for (const doc of await loadDocs(services, articleId)) state.indexes.get(doc.locale)?.add(doc);
}

/** The locale to search: the one asked for, else Chinese when the query has Chinese characters. */
export function searchLocale(query: string, asked?: string): string {
  if (asked && (HELP_LOCALES as readonly string[]).includes(asked)) return asked;
  return hasCjk(query) ? 'zh-CN' : 'en';
}

/** Ranked articles for a query; logged for analytics (top searches, searches with no result). */
export async function helpSearcher(
  services: Services,
  input: { q: string; locale?: string; limit?: number; source?: 'search' | 'suggest' | 'deflect'; log?: boolean },
): Promise<{ locale: string; hits: SearchHit[] }> {
  const state = helpSearch(services);
  await state.ready;
  const locale = searchLocale(input.q, input.locale);
  const hits = state.indexes.get(locale)!.search(input.q, { limit: input.limit ?? 10, synonyms: state.synonyms, now: services.clock() });
  if (input.log !== false && input.q.trim()) {
    await services.database.db
      .insert(searchQueries)
      .values({ query: input.q.trim().toLowerCase().slice(0, 200), locale, results: hits.length, source: input.source ?? 'search' })
      .catch(() => {});
  }
  return { locale, hits };
}

/** Word completions for the last word being typed. */
export async function helpCompletions(services: Services, prefix: string, locale: string): Promise<string[]> {
  const state = helpSearch(services);
  await state.ready;
  return state.indexes.get(locale)?.completions(prefix) ?? [];
}
