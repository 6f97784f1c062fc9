/**
 * The article file format for import and export: a front-matter block of `key: value` lines
 * (lists as `[a, b]`) and a markdown body. Values that need it are quoted with JSON rules, so
 * any title round-trips.
 */
export interface ArticleFile {
  slug: string;
  locale: string;
  type: 'article' | 'faq' | 'announcement';
  title: string;
  category?: string;
  section?: string;
  tags: string[];
  published?: string;
  draft?: boolean;
  position?: number;
  body: string;
}

const needsQuotes = (v: string) => v === '' || /^[\s"'[{]|[:#]\s|\s$|^(true|false|null|\d+)$/.test(v) || v.includes('\n');
const quote = (v: string) => (needsQuotes(v) ? JSON.stringify(v) : v);

function parseValue(raw: string): string | string[] | boolean | number {
  const v = raw.trim();
  if (v.startsWith('[') && v.endsWith(']')) {
    const inner = v.slice(1, -1).trim();
    if (!inner) return [];
    const items: string[] = [];
    // Items are plain or JSON-quoted strings separated by commas.
    const re = /\s*("(?:[^"\\]|\\.)*"|[^,]+)\s*(?:,|$)/g;
    for (const m of inner.matchAll(re)) items.push(m[1]!.startsWith('"') ? JSON.parse(m[1]!) : m[1]!.trim());
    return items.filter((i) => i !== '');
  }
  if (v.startsWith('"')) return JSON.parse(v) as string;
  if (v === 'true' || v === 'false') return v === 'true';
  if (/^-?\d+$/.test(v)) return Number(v);
  return v;
}

export function parseArticleFile(text: string): ArticleFile {
  const normalized = text.replace(/^\uFEFF/, '').replace(/\r\n/g, '\n');
  const m = /^---\n([\s\S]*?)\n---\n?([\s\S]*)$/.exec(normalized);
  if (!m) throw new Error('missing front matter (--- … ---)');
  const meta: Record<string, unknown> = {};
  for (const line of m[1]!.split('\n')) {
    if (!line.trim() || line.trim().startsWith('#')) continue;
    const at = line.indexOf(':');
    if (at < 0) throw new Error(`front matter line without a key: ${line}`);
    meta[line.slice(0, at).trim()] = parseValue(line.slice(at + 1));
  }
  for (const key of ['slug', 'locale', 'title'] as const) if (typeof meta[key] !== 'string' || !meta[key]) throw new Error(`front matter needs ${key}`);
  const type = (meta.type ?? 'article') as ArticleFile['type'];
  if (!['article', 'faq', 'announcement'].includes(type)) throw new Error(`unknown type ${String(meta.type)}`);
  return {
    slug: String(meta.slug),
    locale: String(meta.locale),
    type,
    title: String(meta.title),
    category: meta.category ? String(meta.category) : undefined,
    section: meta.section ? String(meta.section) : undefined,
    tags: Array.isArray(meta.tags) ? meta.tags.map(String) : meta.tags ? [String(meta.tags)] : [],
    published: meta.published ? String(meta.published) : undefined,
    draft: meta.draft === true,
    position: typeof meta.position === 'number' ? meta.position : undefined,
    body: m[2]!.replace(/\n+$/, '') + '\n',
  };
}

export function serializeArticleFile(a: ArticleFile): string {
  const lines = [
    `slug: ${quote(a.slug)}`,
    `locale: ${quote(a.locale)}`,
    `type: ${a.type}`,
    `title: ${quote(a.title)}`,
    ...(a.category ? [`category: ${quote(a.category)}`] : []),
    ...(a.section ? [`section: ${quote(a.section)}`] : []),
    `tags: [${a.tags.map((t) => (/[,\[\]"]/.test(t) || t.trim() !== t ? JSON.stringify(t) : t)).join(', ')}]`,
    ...(a.published ? [`published: ${a.published}`] : []),
    ...(a.draft ? ['draft: true'] : []),
    ...(a.position !== undefined ? [`position: ${a.position}`] : []),
  ];
  return `---\n${lines.join('\n')}\n---\n${a.body.replace(/\n+$/, '')}\n`;
}
