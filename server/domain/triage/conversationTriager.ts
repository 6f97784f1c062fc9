import { categories, searchSynonyms } from '../../db/schema.ts';
import type { FieldSource } from '../../db/schema/conversations.ts';
import { cached } from '../cache.ts';
import type { Ctx } from '../context.ts';
import { CONFIDENT, type CategoryModel, categoryModel, categorySuggester } from './categorySuggester.ts';
import { fieldExtractor } from './fieldExtractor.ts';
import { languageDetector } from './languageDetector.ts';

/** What a new conversation says about itself, before triage. */
export interface TriageInput {
  subject: string;
  body: string;
  /** Chosen by the customer, agent or integration; undefined: nobody chose (email, API without one). */
  language?: string;
  /** Chosen by whoever opened it; undefined: triage may suggest one. */
  categoryId?: string;
  /** What the opener typed: never overwritten. */
  fields: Record<string, string | undefined>;
}

/** What triage decided; the creator writes it with the conversation. */
export interface Triage {
  /** The chosen language, else the detected one. */
  language: string;
  /** A confidently suggested category (only when none was chosen). */
  categoryId?: string;
  /** Fields read from the text, only those the opener left empty. */
  fields: Record<string, string>;
  /** Where each thing triage filled came from: its fields, and 'language' / 'category' when it chose them. */
  sources: Record<string, FieldSource>;
}

/**
 * The categories' words, once per process (see categorySuggester.ts), rebuilt when a category or
 * a synonym group changes. Two small reads a minute at most; none on the path of a ticket.
 */
const modelOf = (ctx: Ctx) =>
  cached(ctx.services, 'triage:categoryModel', ['categories.', 'search_synonyms.'], 60_000, async (): Promise<CategoryModel> => {
    const rows = await ctx.db.select({ id: categories.id, slug: categories.slug, name: categories.name }).from(categories);
    const synonyms = await ctx.db.select({ terms: searchSynonyms.terms }).from(searchSynonyms);
    return categoryModel(rows, synonyms.map((s) => s.terms));
  });

/**
 * Triage for every channel, run by conversationCreator before team, priority and SLA are decided:
 * the language when nobody chose one (a Chinese mail must reach Chinese-speaking agents), empty
 * structured fields from the subject and body, and a category when the text points clearly at one
 * and nobody picked any. Whatever a person chose or typed wins.
 */
export async function conversationTriager(ctx: Ctx, input: TriageInput): Promise<Triage> {
  const sources: Record<string, FieldSource> = {};
  let language = input.language;
  if (!language) {
    language = languageDetector(`${input.subject}\n${input.body}`);
    sources.language = 'body';
  }

  const fields: Record<string, string> = {};
  const found = fieldExtractor(input.subject, input.body, { network: input.fields.network || undefined });
  for (const [key, value] of Object.entries(found.fields)) {
    if (input.fields[key]) continue;
    fields[key] = value;
    sources[key] = found.sources[key as keyof typeof found.sources]!;
  }

  let categoryId: string | undefined;
  if (!input.categoryId) {
    const suggestion = categorySuggester(await modelOf(ctx), input.subject, input.body);
    if (suggestion && suggestion.confidence >= CONFIDENT) {
      categoryId = suggestion.categoryId;
      sources.category = suggestion.source;
    }
  }
  return { language, categoryId, fields, sources };
}
