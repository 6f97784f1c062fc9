import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { articleTranslations, articles, helpCategories, helpSections } from '../../db/schema.ts';
import { AppError } from '../../errors.ts';
import type { Ctx } from '../context.ts';
import { articleCreator, articleUpdater, helpCategorySaver, helpSectionSaver, translationSaver } from './articles.ts';
import { type ArticleFile, parseArticleFile, serializeArticleFile } from './frontMatter.ts';

/** structure.json: categories with their sections, names by locale. */
export interface HelpStructure {
  categories: {
    slug: string;
    name: Record<string, string>;
    description?: Record<string, string>;
    sections: { slug: string; name: Record<string, string> }[];
  }[];
}

/**
 * Imports a folder: `structure.json` (optional) and `articles/*.md` (or `*.md` at the top) with
 * front matter. Existing articles (by slug) are updated; each changed text becomes a new version.
 */
export async function articleImporter(ctx: Ctx, dir: string): Promise<{ articles: number; translations: number }> {
  if (!existsSync(dir)) throw new AppError('not_found', `No folder ${dir}`);
  const structureFile = join(dir, 'structure.json');
  if (existsSync(structureFile)) {
    const structure = JSON.parse(readFileSync(structureFile, 'utf8')) as HelpStructure;
    for (const [i, c] of structure.categories.entries()) {
      const category = await helpCategorySaver(ctx, { slug: c.slug, name: c.name, description: c.description ?? {}, position: i });
      for (const [j, s] of c.sections.entries()) await helpSectionSaver(ctx, { categoryId: category.id, slug: s.slug, name: s.name, position: j });
    }
  }
  const articleDir = existsSync(join(dir, 'articles')) ? join(dir, 'articles') : dir;
  const files = readdirSync(articleDir).filter((f) => f.endsWith('.md')).sort();
  const parsed: ArticleFile[] = [];
  for (const f of files) {
    try {
      parsed.push(parseArticleFile(readFileSync(join(articleDir, f), 'utf8')));
    } catch (err) {
      throw new AppError('validation_failed', `${f}: ${(err as Error).message}`);
    }
  }
  const categoryIds = new Map((await ctx.db.select().from(helpCategories)).map((c) => [c.slug, c.id]));
  const sectionIds = new Map((await ctx.db.select().from(helpSections)).map((s) => [s.slug, s.id]));
  const seen = new Set<string>();
  for (const [position, file] of parsed.entries()) {
    if (file.category && !categoryIds.has(file.category)) throw new AppError('validation_failed', `${file.slug}.${file.locale}: unknown category ${file.category}`);
    if (file.section && !sectionIds.has(file.section)) throw new AppError('validation_failed', `${file.slug}.${file.locale}: unknown section ${file.section}`);
    const meta = {
      slug: file.slug,
      type: file.type,
      categoryId: file.category ? categoryIds.get(file.category)! : null,
      sectionId: file.section ? sectionIds.get(file.section)! : null,
      tags: [] as string[],
      position: file.position ?? position,
      publishedAt: file.published ? new Date(file.published) : null,
    };
    if (meta.publishedAt && Number.isNaN(meta.publishedAt.getTime())) throw new AppError('validation_failed', `${file.slug}: bad published date`);
    const [existing] = await ctx.db.select().from(articles).where(eq(articles.slug, file.slug));
    const article = existing ? (seen.has(file.slug) ? existing : await articleUpdater(ctx, existing.id, meta)) : await articleCreator(ctx, meta);
    seen.add(file.slug);
    await translationSaver(ctx, article.id, file.locale, { title: file.title, body: file.body, published: !file.draft, tags: file.tags });
  }
  return { articles: seen.size, translations: parsed.length };
}

/** Writes every article translation as `<dir>/articles/<slug>.<locale>.md`, plus structure.json. */
export async function articleExporter(ctx: Ctx, dir: string): Promise<{ files: number }> {
  mkdirSync(join(dir, 'articles'), { recursive: true });
  const categories = await ctx.db.select().from(helpCategories).orderBy(helpCategories.position);
  const sections = await ctx.db.select().from(helpSections).orderBy(helpSections.position);
  const structure: HelpStructure = {
    categories: categories.map((c) => ({
      slug: c.slug,
      name: c.name,
      description: c.description,
      sections: sections.filter((s) => s.categoryId === c.id).map((s) => ({ slug: s.slug, name: s.name })),
    })),
  };
  writeFileSync(join(dir, 'structure.json'), `${JSON.stringify(structure, null, 2)}\n`);
  const categorySlug = new Map(categories.map((c) => [c.id, c.slug]));
  const sectionSlug = new Map(sections.map((s) => [s.id, s.slug]));
  const rows = await ctx.db.select({ a: articles, t: articleTranslations }).from(articleTranslations).innerJoin(articles, eq(articles.id, articleTranslations.articleId));
  for (const { a, t } of rows) {
    const file: ArticleFile = {
      slug: a.slug,
      locale: t.locale,
      type: a.type,
      title: t.title,
      category: a.categoryId ? categorySlug.get(a.categoryId) : undefined,
      section: a.sectionId ? sectionSlug.get(a.sectionId) : undefined,
      // Shared tags are written into each language's list, so nothing is lost on the way out.
      tags: [...new Set([...t.tags, ...a.tags])],
      published: a.publishedAt?.toISOString(),
      draft: !t.published,
      position: a.position,
      body: t.body,
    };
    writeFileSync(join(dir, 'articles', `${a.slug}.${t.locale}.md`), serializeArticleFile(file));
  }
  return { files: rows.length };
}
