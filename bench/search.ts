import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import MiniSearch from 'minisearch';
import { DEMO_SYNONYMS } from '../server/db/seed.ts';
import { parseArticleFile } from '../server/domain/helpcenter/frontMatter.ts';
import { markdownToText } from '../server/domain/helpcenter/markdown.ts';
import { type SearchDoc, SearchIndex } from '../server/domain/helpcenter/search/engine.ts';
import { hasCjk } from '../server/domain/helpcenter/search/tokenizer.ts';

/**
 * bench:search — quality (recall@5, MRR@10) of our engine beside MiniSearch and PostgreSQL
 * full-text search ('simple' configuration) on the demo articles and the labelled queries in
 * bench/search/queries.json; then latency on the demo corpus and on a generated corpus of
 * BENCH_SEARCH_DOCS articles (default 100,000).
 */
const ROOT = join(import.meta.dirname, '..');
const GENERATED = Number(process.env.BENCH_SEARCH_DOCS ?? 100_000);

interface Query {
  q: string;
  locale: string;
  relevant: string[];
}

const docs: SearchDoc[] = readdirSync(join(ROOT, 'content/helpcenter/articles'))
  .filter((f) => f.endsWith('.md'))
  .map((f) => parseArticleFile(readFileSync(join(ROOT, 'content/helpcenter/articles', f), 'utf8')))
  .map((a) => ({
    key: `${a.slug}:${a.locale}`,
    articleId: a.slug,
    slug: a.slug,
    locale: a.locale,
    title: a.title,
    tags: a.tags,
    body: markdownToText(a.body),
    type: a.type,
    publishedAt: a.published ? new Date(a.published) : null,
  }));
const queries = JSON.parse(readFileSync(join(ROOT, 'bench/search/queries.json'), 'utf8')) as Query[];
const LOCALES = ['en', 'zh-CN'];

type Engine = (q: string, locale: string) => Promise<string[]> | string[];

// ── Our engine ──
function buildOurs(corpus: SearchDoc[]) {
  const indexes = new Map(LOCALES.map((l) => [l, new SearchIndex()]));
  for (const d of corpus) indexes.get(d.locale)!.add(d);
  return indexes;
}
const ours = buildOurs(docs);
const oursEngine: Engine = (q, locale) => ours.get(locale)!.search(q, { limit: 10, synonyms: DEMO_SYNONYMS }).map((h) => h.slug);

// ── MiniSearch, with the options its documentation recommends for search boxes ──
function buildMini(corpus: SearchDoc[]) {
  const indexes = new Map<string, MiniSearch>();
  for (const l of LOCALES) {
    const ms = new MiniSearch({ fields: ['title', 'tags', 'body'], storeFields: ['slug'], idField: 'key', searchOptions: { boost: { title: 3, tags: 2 }, fuzzy: 0.2, prefix: true } });
    ms.addAll(corpus.filter((d) => d.locale === l).map((d) => ({ ...d, tags: d.tags.join(' ') })));
    indexes.set(l, ms);
  }
  return indexes;
}
const mini = buildMini(docs);
const miniEngine: Engine = (q, locale) => mini.get(locale)!.search(q).slice(0, 10).map((r) => r.slug as string);

// ── PostgreSQL full-text search, 'simple' configuration, any-word match ranked by ts_rank_cd ──
const pg = await PGlite.create();
await pg.exec(`create table docs (slug text, locale text, tsv tsvector);`);
for (const d of docs) {
  await pg.query(
    `insert into docs values ($1, $2, setweight(to_tsvector('simple', $3), 'A') || setweight(to_tsvector('simple', $4), 'B') || to_tsvector('simple', $5))`,
    [d.slug, d.locale, d.title, d.tags.join(' '), d.body],
  );
}
await pg.exec(`create index on docs using gin (tsv);`);
const pgEngine: Engine = async (q, locale) => {
  const { rows } = await pg.query<{ slug: string }>(
    `with words as (select array_to_string(tsvector_to_array(to_tsvector('simple', $1)), ' | ') as w)
     select slug from docs, words where locale = $2 and w <> '' and tsv @@ to_tsquery('simple', w)
     order by ts_rank_cd(tsv, to_tsquery('simple', w)) desc limit 10`,
    [q, locale],
  );
  return rows.map((r) => r.slug);
};

async function quality(engine: Engine) {
  let recall = 0;
  let mrr = 0;
  const byLanguage: Record<string, { n: number; mrr: number }> = {};
  for (const q of queries) {
    const results = await engine(q.q, q.locale);
    const top5 = results.slice(0, 5);
    recall += q.relevant.filter((r) => top5.includes(r)).length / q.relevant.length;
    const rank = results.slice(0, 10).findIndex((s) => q.relevant.includes(s));
    const rr = rank >= 0 ? 1 / (rank + 1) : 0;
    mrr += rr;
    const kind = q.locale === 'en' ? (hasCjk(q.q) ? 'mixed' : 'en') : /[a-z]/i.test(q.q) ? 'mixed' : 'zh';
    byLanguage[kind] ??= { n: 0, mrr: 0 };
    byLanguage[kind].n++;
    byLanguage[kind].mrr += rr;
  }
  return {
    recallAt5: +(recall / queries.length).toFixed(3),
    mrrAt10: +(mrr / queries.length).toFixed(3),
    mrrByKind: Object.fromEntries(Object.entries(byLanguage).map(([k, v]) => [k, +(v.mrr / v.n).toFixed(3)])),
  };
}

const pct = (sorted: number[], p: number) => +sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!.toFixed(3);
async function latency(engine: Engine, rounds: number) {
  // One unmeasured round first: the index prepares each term's postings on first use, once.
  for (const q of queries) await engine(q.q, q.locale);
  const times: number[] = [];
  for (let r = 0; r < rounds; r++) {
    for (const q of queries) {
      const t0 = performance.now();
      await engine(q.q, q.locale);
      times.push(performance.now() - t0);
    }
  }
  times.sort((a, b) => a - b);
  return { queries: times.length, p50: pct(times, 50), p95: pct(times, 95), p99: pct(times, 99) };
}

/** A large corpus made from the demo articles' own sentences, shuffled into new articles. */
function generate(n: number): SearchDoc[] {
  let seed = 42;
  const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  const sentences = new Map(LOCALES.map((l) => [l, docs.filter((d) => d.locale === l).flatMap((d) => d.body.split(/(?<=[.!?。!?])\s*/)).filter((s) => s.length > 8)]));
  const titles = new Map(LOCALES.map((l) => [l, docs.filter((d) => d.locale === l).map((d) => d.title)]));
  const out: SearchDoc[] = [];
  for (let i = 0; i < n; i++) {
    const locale = LOCALES[i % 2]!;
    const pool = sentences.get(locale)!;
    const tpool = titles.get(locale)!;
    const body = Array.from({ length: 4 + Math.floor(rand() * 6) }, () => pool[Math.floor(rand() * pool.length)]).join(locale === 'en' ? ' ' : '');
    const title = `${tpool[Math.floor(rand() * tpool.length)]} ${i}`;
    out.push({ key: `gen-${i}:${locale}`, articleId: `gen-${i}`, slug: `gen-${i}`, locale, title, tags: [], body, type: 'article', publishedAt: null });
  }
  return out;
}

console.log(`bench:search — ${docs.length} article translations, ${queries.length} labelled queries\n`);
const results: Record<string, unknown> = { at: new Date().toISOString(), articles: docs.length, queries: queries.length };
const engines: [string, Engine][] = [
  ['switchboard', oursEngine],
  ['minisearch', miniEngine],
  ['postgres-fts-simple', pgEngine],
];
const qualityRows: Record<string, unknown> = {};
for (const [name, engine] of engines) {
  const q = await quality(engine);
  qualityRows[name] = q;
  console.log(`${name.padEnd(22)} recall@5 ${q.recallAt5.toFixed(3)}   MRR@10 ${q.mrrAt10.toFixed(3)}   by kind ${JSON.stringify(q.mrrByKind)}`);
}
results.quality = qualityRows;
console.log('\nlatency on the demo corpus (ms per query):');
const demoLatency: Record<string, unknown> = {};
for (const [name, engine] of engines) {
  const l = await latency(engine, name === 'postgres-fts-simple' ? 3 : 10);
  demoLatency[name] = l;
  console.log(`${name.padEnd(22)} p50 ${l.p50}   p95 ${l.p95}   p99 ${l.p99}`);
}
results.latencyDemo = demoLatency;

console.log(`\ngenerating ${GENERATED.toLocaleString()} articles …`);
const big = generate(GENERATED);
let t0 = performance.now();
const bigOurs = buildOurs(big.concat(docs));
const buildOursMs = Math.round(performance.now() - t0);
t0 = performance.now();
const bigMini = buildMini(big.concat(docs));
const buildMiniMs = Math.round(performance.now() - t0);
const bigLatency = {
  switchboard: { buildMs: buildOursMs, ...(await latency((q, l) => bigOurs.get(l)!.search(q, { limit: 10, synonyms: DEMO_SYNONYMS }).map((h) => h.slug), 2)) },
  minisearch: { buildMs: buildMiniMs, ...(await latency((q, l) => bigMini.get(l)!.search(q).slice(0, 10).map((r) => r.slug as string), 1)) },
};
results.latencyGenerated = { documents: big.length + docs.length, ...bigLatency };
console.log(`latency at ${(big.length + docs.length).toLocaleString()} articles (ms per query):`);
for (const [name, l] of Object.entries(bigLatency)) console.log(`${name.padEnd(22)} p50 ${l.p50}   p95 ${l.p95}   p99 ${l.p99}   (index built in ${l.buildMs} ms)`);
console.log('\ntargets (issue #4): MRR@10 >= 0.85 and above both baselines; p95 <= 20 ms at 100,000 articles');

mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
const file = join(ROOT, 'bench/results', `search-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
writeFileSync(file, JSON.stringify(results, null, 2));
console.log(`written to ${file}`);
await pg.close();
