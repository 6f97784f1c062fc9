import { bigserial, boolean, date, index, integer, jsonb, pgTable, primaryKey, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';
import { agents } from './agents.ts';
import { createdAt, ts } from './_columns.ts';

/** Top level of the help center (账户与安全, 充值提现 …). */
export const helpCategories = pgTable(
  'help_categories',
  {
    /** Stable id. */
    id: uuid('id').primaryKey().defaultRandom(),
    /** URL name. */
    slug: text('slug').notNull(),
    /** Names by locale. */
    name: jsonb('name').$type<Record<string, string>>().notNull(),
    /** Short descriptions by locale. */
    description: jsonb('description').$type<Record<string, string>>().notNull().default(sql`'{}'::jsonb`),
    /** Order on the home page. */
    position: integer('position').notNull().default(0),
  },
  (t) => [uniqueIndex('help_categories_slug_key').on(t.slug)],
);

/** Second level, inside a category. */
export const helpSections = pgTable(
  'help_sections',
  {
    /** Stable id. */
    id: uuid('id').primaryKey().defaultRandom(),
    /** The category. */
    categoryId: uuid('category_id').notNull().references(() => helpCategories.id, { onDelete: 'cascade' }),
    /** URL name, unique across the help center. */
    slug: text('slug').notNull(),
    /** Names by locale. */
    name: jsonb('name').$type<Record<string, string>>().notNull(),
    /** Order inside the category. */
    position: integer('position').notNull().default(0),
  },
  (t) => [uniqueIndex('help_sections_slug_key').on(t.slug)],
);

/** An article (or FAQ entry, or announcement); its words live in translations. */
export const articles = pgTable(
  'articles',
  {
    /** Stable id. */
    id: uuid('id').primaryKey().defaultRandom(),
    /** URL name, the same in every language. */
    slug: text('slug').notNull(),
    /** article, faq or announcement. */
    type: text('type').$type<'article' | 'faq' | 'announcement'>().notNull().default('article'),
    /** Category it is filed under. */
    categoryId: uuid('category_id').references(() => helpCategories.id, { onDelete: 'set null' }),
    /** Section it is filed under. */
    sectionId: uuid('section_id').references(() => helpSections.id, { onDelete: 'set null' }),
    /** Tags shared by every language (each translation has its own too). */
    tags: jsonb('tags').$type<string[]>().notNull().default(sql`'[]'::jsonb`),
    /** Order inside the section. */
    position: integer('position').notNull().default(0),
    /** Shown date (announcements sort and rank by it). */
    publishedAt: ts('published_at'),
    createdAt: createdAt(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [uniqueIndex('articles_slug_key').on(t.slug), index('articles_section_idx').on(t.sectionId, t.position)],
);

/** One language of an article: markdown text, draft or published. */
export const articleTranslations = pgTable(
  'article_translations',
  {
    /** Stable id. */
    id: uuid('id').primaryKey().defaultRandom(),
    /** The article. */
    articleId: uuid('article_id').notNull().references(() => articles.id, { onDelete: 'cascade' }),
    /** en or zh-CN. */
    locale: text('locale').notNull(),
    /** Title. */
    title: text('title').notNull(),
    /** Markdown. */
    body: text('body').notNull(),
    /** Tags in this language (谷歌验证 for Chinese readers, 2FA for both). */
    tags: jsonb('tags').$type<string[]>().notNull().default(sql`'[]'::jsonb`),
    /** Only published translations are shown and searched. */
    published: boolean('published').notNull().default(false),
    /** Current version number (article_versions keeps every one). */
    version: integer('version').notNull().default(1),
    /** Last editor. */
    updatedById: uuid('updated_by_id').references(() => agents.id, { onDelete: 'set null' }),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [uniqueIndex('article_translations_article_locale_key').on(t.articleId, t.locale)],
);

/** Every saved version of a translation, for history and restore. */
export const articleVersions = pgTable(
  'article_versions',
  {
    /** Stable id. */
    id: uuid('id').primaryKey().defaultRandom(),
    /** The translation. */
    translationId: uuid('translation_id').notNull().references(() => articleTranslations.id, { onDelete: 'cascade' }),
    /** 1, 2, 3 … */
    version: integer('version').notNull(),
    /** Title then. */
    title: text('title').notNull(),
    /** Markdown then. */
    body: text('body').notNull(),
    /** Who saved it. */
    createdById: uuid('created_by_id').references(() => agents.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('article_versions_translation_version_key').on(t.translationId, t.version)],
);

/** "Was this helpful?" answers. */
export const articleFeedback = pgTable(
  'article_feedback',
  {
    /** Stable id. */
    id: uuid('id').primaryKey().defaultRandom(),
    /** The article. */
    articleId: uuid('article_id').notNull().references(() => articles.id, { onDelete: 'cascade' }),
    /** Language read. */
    locale: text('locale').notNull(),
    /** Yes or no. */
    helpful: boolean('helpful').notNull(),
    /** Optional comment. */
    comment: text('comment'),
    createdAt: createdAt(),
  },
  (t) => [index('article_feedback_article_idx').on(t.articleId)],
);

/** Article views per day (one counter row per article, locale and day). */
export const articleViews = pgTable(
  'article_views',
  {
    /** The article. */
    articleId: uuid('article_id').notNull().references(() => articles.id, { onDelete: 'cascade' }),
    /** Language read. */
    locale: text('locale').notNull(),
    /** UTC day. */
    day: date('day').notNull(),
    /** Views that day. */
    views: integer('views').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.articleId, t.locale, t.day] })],
);

/** Every search, for top queries and queries with no result. */
export const searchQueries = pgTable(
  'search_queries',
  {
    /** Monotonic id. */
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    /** The query as typed (trimmed, lower-cased). */
    query: text('query').notNull(),
    /** Locale searched. */
    locale: text('locale').notNull(),
    /** Number of results. */
    results: integer('results').notNull(),
    /** search, suggest or deflect. */
    source: text('source').notNull().default('search'),
    createdAt: createdAt(),
  },
  (t) => [index('search_queries_created_idx').on(t.createdAt)],
);

/**
 * Articles suggested while a customer drafted a ticket or chat. Opened and no ticket filed
 * afterwards means the help center answered: that is a deflection.
 */
export const deflections = pgTable(
  'deflections',
  {
    /** Given to the client with the suggestions. */
    id: uuid('id').primaryKey().defaultRandom(),
    /** ticket_form or chat. */
    source: text('source').notNull(),
    /** Article ids suggested. */
    suggested: jsonb('suggested').$type<string[]>().notNull(),
    /** First suggested article the customer opened. */
    openedArticleId: uuid('opened_article_id'),
    /** Conversation filed after all (not deflected). */
    conversationId: uuid('conversation_id'),
    createdAt: createdAt(),
  },
  (t) => [index('deflections_created_idx').on(t.createdAt)],
);

/** Words that mean the same to customers (提现 / 提币 / withdraw), editable by admins. */
export const searchSynonyms = pgTable('search_synonyms', {
  /** Stable id. */
  id: uuid('id').primaryKey().defaultRandom(),
  /** The group of equivalent words. */
  terms: jsonb('terms').$type<string[]>().notNull(),
  createdAt: createdAt(),
});

/** Images uploaded for articles; public, and only these blobs are served to everyone. */
export const helpImages = pgTable('help_images', {
  /** Stable id; the public URL uses it. */
  id: uuid('id').primaryKey().defaultRandom(),
  /** Blob name. */
  sha256: text('sha256').notNull(),
  /** Sniffed type (images only). */
  contentType: text('content_type').notNull(),
  /** Bytes. */
  size: integer('size').notNull(),
  createdAt: createdAt(),
});
