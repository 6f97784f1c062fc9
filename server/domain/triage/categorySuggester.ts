import { tokenize } from '../helpcenter/search/tokenizer.ts';
import type { TextSource } from './fieldExtractor.ts';
import { toSimplified } from './simplified.ts';

/** How much of a body is read: what a ticket is about is said at its top, and the cost stays flat. */
const SCAN = 2000;
/** A word in the subject says more than one in the body (it is the customer's own summary). */
const SUBJECT_FACTOR = 1.5;
/** Character bigrams (Chinese words the segmenter cut differently) and synonyms count less than the category's own words. */
const BIGRAM_FACTOR = 0.6;
const SYNONYM_FACTOR = 0.8;
/** At or above this, the suggestion is applied (see categorySuggester for the scale). */
export const CONFIDENT = 0.6;

/**
 * Words in category names that say nothing about which category a message is ("something else",
 * "failed", "account", 问题): every kind of ticket uses them.
 */
const GENERIC = [
  'something', 'else', 'other', 'problem', 'issue', 'question', 'fail', 'failed', 'delay', 'delayed', 'account', 'help', 'support', 'order',
  '问题', '其他', '其它', '失败', '延迟', '账户', '账号', '帐户', '帳戶', '帮助', '订单',
];

/** What the suggester knows about one category: its weighted words. */
interface CategoryTerms {
  id: string;
  terms: Map<string, number>;
}

/** The words of every category, built once per process from their names and the help center's synonyms. */
export interface CategoryModel {
  categories: CategoryTerms[];
}

export interface CategorySuggestion {
  categoryId: string;
  /** 0–1: how far the best category is ahead of the next, times how much evidence it has. */
  confidence: number;
  /** Where the words that chose it were: the subject when any of them was there. */
  source: TextSource;
}

const genericTerms = () => new Set(GENERIC.flatMap((w) => tokenize(w).map((t) => t.term)));

/**
 * Builds the model from the categories' names (every locale) and slugs, each word widened by the
 * help center's synonym groups (提现 ~ 提币 ~ withdraw), so a customer's own word finds the category.
 * A word shared by several categories is split between them; generic words are dropped.
 */
export function categoryModel(categories: { id: string; slug: string; name: Record<string, string> }[], synonyms: string[][]): CategoryModel {
  const generic = genericTerms();
  // Of a synonym that is several words ("top up"), only the words that mean something alone.
  const groups = synonyms.map((g) => g.flatMap((w) => tokenize(toSimplified(w), { forQuery: true }).filter((t) => !t.term.startsWith('~') && (!/\s/.test(w.trim()) || t.term.length >= 4))));
  const built = categories.map((c) => {
    const terms = new Map<string, number>();
    const put = (term: string, weight: number) => {
      if (generic.has(term) || term.replace('~', '').length < 2 || (/^[a-z0-9]+$/.test(term) && term.length < 3)) return;
      if ((terms.get(term) ?? 0) < weight) terms.set(term, weight);
    };
    for (const text of [...Object.values(c.name), c.slug.replace(/[-_]/g, ' ')]) {
      const tokens = tokenize(toSimplified(text), { forQuery: true });
      const words = tokens.filter((t) => !t.term.startsWith('~')).map((t) => t.term);
      for (const t of tokens) {
        // A bigram across two words of the name (资金被盗 → 金被) means nothing: only those inside one word are kept.
        if (t.term.startsWith('~')) {
          if (words.some((w) => w.length > 1 && w.includes(t.term.slice(1)))) put(t.term, BIGRAM_FACTOR);
        } else put(t.term, 1);
      }
    }
    for (const group of groups) {
      if (!group.some((t) => terms.get(t.term) === 1)) continue;
      for (const t of group) put(t.term, SYNONYM_FACTOR);
    }
    return { id: c.id, terms };
  });
  // A word in several categories points to none of them in particular.
  const df = new Map<string, number>();
  for (const c of built) for (const term of c.terms.keys()) df.set(term, (df.get(term) ?? 0) + 1);
  for (const c of built) for (const [term, w] of c.terms) c.terms.set(term, w / df.get(term)!);
  return { categories: built };
}

/**
 * The category a message is most likely about, or null when no category's words are in it.
 * Each distinct word counts once (a subject word SUBJECT_FACTOR times). Confidence is the best
 * score's lead over the runner-up (as a share of the best) times its strength (two plain words
 * make full strength), so one stray word or a tie between two categories stays below CONFIDENT.
 */
export function categorySuggester(model: CategoryModel, subject: string, body: string): CategorySuggestion | null {
  if (!model.categories.length) return null;
  const seen = new Map<string, number>();
  for (const t of tokenize(toSimplified(body.slice(0, SCAN)))) if (!seen.has(t.term)) seen.set(t.term, 1);
  const inSubject = new Set<string>();
  for (const t of tokenize(toSimplified(subject.slice(0, 300)))) {
    seen.set(t.term, SUBJECT_FACTOR);
    inSubject.add(t.term);
  }
  let best: { c: CategoryTerms; score: number; fromSubject: boolean } | null = null;
  let second = 0;
  for (const c of model.categories) {
    let score = 0;
    let fromSubject = false;
    for (const [term, factor] of seen) {
      const w = c.terms.get(term);
      if (!w) continue;
      score += w * factor;
      fromSubject ||= inSubject.has(term);
    }
    if (!best || score > best.score) {
      second = best?.score ?? 0;
      best = { c, score, fromSubject };
    } else if (score > second) second = score;
  }
  if (!best || best.score <= 0) return null;
  const confidence = ((best.score - second) / best.score) * Math.min(1, best.score / 2);
  return { categoryId: best.c.id, confidence: Math.round(confidence * 100) / 100, source: best.fromSubject ? 'subject' : 'body' };
}
