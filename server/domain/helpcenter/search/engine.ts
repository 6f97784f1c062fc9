import { hasCjk, normalize, type Token, tokenize } from './tokenizer.ts';

/** One searchable article translation. */
export interface SearchDoc {
  /** `<articleId>:<locale>` */
  key: string;
  articleId: string;
  slug: string;
  locale: string;
  title: string;
  tags: string[];
  /** Plain text of the body (markdown stripped). */
  body: string;
  type: 'article' | 'faq' | 'announcement';
  publishedAt: Date | null;
}

export interface SearchHit {
  articleId: string;
  slug: string;
  locale: string;
  title: string;
  type: SearchDoc['type'];
  score: number;
  /** A passage around the best match, HTML-escaped, matches in <mark>. */
  snippetHtml: string;
}

const FIELDS = ['title', 'tags', 'body'] as const;
type Field = (typeof FIELDS)[number];
/** Field boosts: a word in the title says more than one in the text. */
const BOOST: Record<Field, number> = { title: 3, tags: 2, body: 1 };
const K1 = 1.2;
const B = 0.75;

interface Posting {
  doc: number;
  tf: Record<Field, number>;
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** Edit distance ≤ max, or Infinity; bounded so a long word costs little. */
function withinDistance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return Infinity;
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let best = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
      // Transposition (withdarw → withdraw) counts as one edit.
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, (prev[j - 2] ?? v) + 1);
      cur[j] = v;
      best = Math.min(best, v);
    }
    if (best > max) return Infinity;
    prev = cur;
  }
  return prev[b.length]! <= max ? prev[b.length]! : Infinity;
}

/**
 * An in-memory inverted index for one locale, scored BM25F (title and tags boosted), with
 * typo tolerance for Latin words (a deletion index finds vocabulary within one or two edits),
 * synonym expansion and a recency lift for announcements.
 */
export class SearchIndex {
  private docs: SearchDoc[] = [];
  private alive: boolean[] = [];
  private byKey = new Map<string, number>();
  private lengths: Record<Field, number[]> = { title: [], tags: [], body: [] };
  private totals: Record<Field, number> = { title: 0, tags: 0, body: 0 };
  private postings = new Map<string, Posting[]>();
  /** For typo tolerance: each Latin term's one-character deletions → the terms. */
  private deletes = new Map<string, Set<string>>();
  private liveCount = 0;
  /** Sorted vocabulary of whole words for prefix suggestions (rebuilt lazily). */
  private sortedVocab: string[] | null = null;
  /**
   * Per term, its postings as typed arrays with each document's BM25F share precomputed —
   * built on first use after a change, so a query is a few tight loops over numbers.
   */
  private frozen = new Map<string, { docs: Int32Array; impact: Float32Array }>();
  private version = 0;
  private frozenVersion = -1;
  /** Reused score buffers (one slot per document ever added). */
  private scoreBuf = new Float32Array(0);
  private coverBuf = new Float32Array(0);

  get size() {
    return this.liveCount;
  }

  add(doc: SearchDoc): void {
    this.remove(doc.key);
    const index = this.docs.length;
    this.docs.push(doc);
    this.alive.push(true);
    this.byKey.set(doc.key, index);
    this.liveCount++;
    this.sortedVocab = null;
    this.version++;
    const fieldText: Record<Field, string> = { title: doc.title, tags: doc.tags.join(' '), body: doc.body };
    const tfs = new Map<string, Record<Field, number>>();
    for (const field of FIELDS) {
      const tokens = tokenize(fieldText[field]);
      const length = tokens.reduce((sum, t) => sum + t.weight, 0);
      this.lengths[field][index] = length;
      this.totals[field] += length;
      for (const t of tokens) {
        let tf = tfs.get(t.term);
        if (!tf) tfs.set(t.term, (tf = { title: 0, tags: 0, body: 0 }));
        tf[field] += 1;
      }
    }
    for (const [term, tf] of tfs) {
      let list = this.postings.get(term);
      if (!list) {
        this.postings.set(term, (list = []));
        this.indexDeletes(term);
      }
      list.push({ doc: index, tf });
    }
  }

  remove(key: string): void {
    const index = this.byKey.get(key);
    if (index === undefined) return;
    // Postings of removed documents stay until the next rebuild and are skipped when scoring.
    this.alive[index] = false;
    this.byKey.delete(key);
    this.liveCount--;
    this.version++;
    for (const field of FIELDS) this.totals[field] -= this.lengths[field][index] ?? 0;
  }

  private indexDeletes(term: string) {
    if (term.startsWith('~') || term.length < 4 || /\d/.test(term) || hasCjk(term)) return;
    for (const variant of this.deletionsOf(term)) {
      let set = this.deletes.get(variant);
      if (!set) this.deletes.set(variant, (set = new Set()));
      set.add(term);
    }
  }

  private deletionsOf(term: string): string[] {
    const out = [term];
    for (let i = 0; i < term.length; i++) out.push(term.slice(0, i) + term.slice(i + 1));
    return out;
  }

  /** Vocabulary terms one or two edits from a word the index does not know (two for long words). */
  private corrections(term: string): string[] {
    const max = term.length >= 8 ? 2 : 1;
    const candidates = new Set<string>();
    for (const variant of this.deletionsOf(term)) for (const c of this.deletes.get(variant) ?? []) candidates.add(c);
    if (max === 2) for (const d of this.deletionsOf(term).slice(1)) for (const variant of this.deletionsOf(d).slice(1)) for (const c of this.deletes.get(variant) ?? []) candidates.add(c);
    return [...candidates].filter((c) => c !== term && withinDistance(term, c, max) !== Infinity);
  }

  private idf(df: number): number {
    return Math.log(1 + (this.liveCount - df + 0.5) / (df + 0.5));
  }

  /** Expands a query into weighted terms: synonyms, and spelling corrections for unknown Latin words. */
  private queryTerms(query: string, synonyms: string[][]): Map<string, { weight: number; surface: string }> {
    const terms = new Map<string, { weight: number; surface: string }>();
    const put = (t: Token, factor = 1) => {
      const weight = t.weight * factor;
      const seen = terms.get(t.term);
      if (!seen || seen.weight < weight) terms.set(t.term, { weight, surface: t.surface });
    };
    const base = tokenize(query, { forQuery: true });
    for (const t of base) put(t);
    const normalized = normalize(query);
    for (const group of synonyms) {
      if (!group.some((word) => normalized.includes(normalize(word)))) continue;
      for (const word of group) for (const t of tokenize(word, { forQuery: true })) put(t, 0.8);
    }
    for (const t of base) {
      if (t.term.startsWith('~') || /\d/.test(t.term) || hasCjk(t.term) || t.term.length < 4) continue;
      const df = this.postings.get(t.term)?.length ?? 0;
      if (df > 0) continue;
      for (const c of this.corrections(t.term)) put({ term: c, weight: t.weight, surface: t.surface }, 0.7);
    }
    return terms;
  }

  private freeze(term: string, avg: Record<Field, number>) {
    if (this.frozenVersion !== this.version) {
      this.frozen.clear();
      this.frozenVersion = this.version;
    }
    const seen = this.frozen.get(term);
    if (seen) return seen;
    const list = this.postings.get(term) ?? [];
    const docs = new Int32Array(list.length);
    const impact = new Float32Array(list.length);
    let n = 0;
    for (const p of list) {
      if (!this.alive[p.doc]) continue;
      let tf = 0;
      for (const f of FIELDS) {
        if (!p.tf[f]) continue;
        tf += (BOOST[f] * p.tf[f]) / (1 - B + (B * (this.lengths[f][p.doc] ?? 0)) / avg[f]);
      }
      docs[n] = p.doc;
      impact[n] = (tf * (K1 + 1)) / (tf + K1);
      n++;
    }
    const frozen = { docs: docs.subarray(0, n), impact: impact.subarray(0, n) };
    this.frozen.set(term, frozen);
    return frozen;
  }

  search(query: string, options: { limit?: number; synonyms?: string[][]; now?: Date; types?: SearchDoc['type'][] } = {}): SearchHit[] {
    const limit = options.limit ?? 10;
    const terms = this.queryTerms(query, options.synonyms ?? []);
    if (!terms.size || !this.liveCount) return [];
    const avg = Object.fromEntries(FIELDS.map((f) => [f, this.totals[f] / this.liveCount || 1])) as Record<Field, number>;
    if (this.scoreBuf.length < this.docs.length) {
      this.scoreBuf = new Float32Array(this.docs.length * 2);
      this.coverBuf = new Float32Array(this.docs.length * 2);
    }
    const scores = this.scoreBuf;
    const cover = this.coverBuf;
    const touched: number[] = [];
    let wordTerms = 0;
    for (const [term, { weight }] of terms) {
      const isWord = !term.startsWith('~');
      if (isWord) wordTerms += weight;
      const list = this.postings.get(term);
      if (!list?.length) continue;
      const { docs, impact } = this.freeze(term, avg);
      const w = weight * this.idf(docs.length);
      for (let i = 0; i < docs.length; i++) {
        const d = docs[i]!;
        if (scores[d] === 0 && cover[d] === 0) touched.push(d);
        scores[d] = scores[d]! + w * impact[i]!;
        if (isWord) cover[d] = cover[d]! + weight;
      }
    }
    const now = (options.now ?? new Date()).getTime();
    // Keep the best `limit` in a small sorted list rather than sorting every match.
    const best: { doc: number; score: number }[] = [];
    for (const doc of touched) {
      const raw = scores[doc]!;
      const matchedWeight = cover[doc]!;
      scores[doc] = 0;
      cover[doc] = 0;
      const d = this.docs[doc]!;
      if (options.types && !options.types.includes(d.type)) continue;
      // Documents that match more of the query's words rank above ones that match a single word often.
      const coverage = wordTerms ? Math.min(1, matchedWeight / wordTerms) : 1;
      let score = raw * (0.5 + 0.5 * coverage);
      if (d.type === 'announcement' && d.publishedAt) score *= 1 + 0.5 * Math.exp(-(now - d.publishedAt.getTime()) / (45 * 86_400_000));
      if (best.length === limit && score <= best[limit - 1]!.score) continue;
      let at = best.length;
      while (at > 0 && best[at - 1]!.score < score) at--;
      best.splice(at, 0, { doc, score });
      if (best.length > limit) best.pop();
    }
    const surfaces = [...terms.values()].map((t) => t.surface).filter((s) => s.length >= (hasCjk(s) ? 1 : 2));
    return best.map(({ doc, score }) => {
      const d = this.docs[doc]!;
      return { articleId: d.articleId, slug: d.slug, locale: d.locale, title: d.title, type: d.type, score, snippetHtml: snippet(d.body, surfaces) };
    });
  }

  /** Whole words of the vocabulary that start with a prefix, most frequent first (search-as-you-type). */
  completions(prefix: string, limit = 5): string[] {
    const p = normalize(prefix);
    if (!p) return [];
    this.sortedVocab ??= [...this.postings.keys()].filter((t) => !t.startsWith('~')).sort();
    const vocab = this.sortedVocab;
    let lo = 0;
    let hi = vocab.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (vocab[mid]! < p) lo = mid + 1;
      else hi = mid;
    }
    const out: string[] = [];
    for (let i = lo; i < vocab.length && vocab[i]!.startsWith(p) && out.length < 200; i++) out.push(vocab[i]!);
    return out.sort((a, b) => (this.postings.get(b)?.length ?? 0) - (this.postings.get(a)?.length ?? 0)).slice(0, limit);
  }
}

/** ~160 characters around the densest cluster of matches, escaped, with <mark>. */
export function snippet(text: string, surfaces: string[], width = 160): string {
  const lower = normalize(text);
  const positions: { at: number; len: number }[] = [];
  for (const s of new Set(surfaces.map(normalize))) {
    let from = 0;
    for (;;) {
      const at = lower.indexOf(s, from);
      if (at < 0 || positions.length > 200) break;
      positions.push({ at, len: s.length });
      from = at + s.length;
    }
  }
  positions.sort((a, b) => a.at - b.at);
  let start = 0;
  let best = -1;
  for (const p of positions) {
    const count = positions.filter((q) => q.at >= p.at && q.at < p.at + width).length;
    if (count > best) {
      best = count;
      start = Math.max(0, p.at - 30);
    }
  }
  const end = Math.min(text.length, start + width);
  const inWindow = positions.filter((p) => p.at >= start && p.at + p.len <= end);
  let html = '';
  let cursor = start;
  for (const p of inWindow) {
    if (p.at < cursor) continue;
    html += escapeHtml(text.slice(cursor, p.at)) + '<mark>' + escapeHtml(text.slice(p.at, p.at + p.len)) + '</mark>';
    cursor = p.at + p.len;
  }
  html += escapeHtml(text.slice(cursor, end));
  return (start > 0 ? '…' : '') + html.trim() + (end < text.length ? '…' : '');
}
