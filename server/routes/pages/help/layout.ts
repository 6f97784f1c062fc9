import { type Html, html, raw } from './html.ts';
import { LANGUAGE_NAMES, PAGE_LOCALES, type PageLocale, strings } from './i18n.ts';

export interface PageMeta {
  locale: PageLocale;
  title: string;
  /** The path of this page without `lang` (for the language switch and hreflang links). */
  path: string;
  /** Other query parameters to keep when switching language (e.g. the search). */
  query?: Record<string, string>;
  /** Absolute base URL for canonical and alternate links. */
  publicUrl: string;
  /** Languages this page exists in (all by default); hreflang links are given for these. */
  alternates?: readonly string[];
  description?: string;
  /** Per-response nonce for the inline script and style (Content-Security-Policy). */
  nonce: string;
  /** The search box's current text. */
  q?: string;
  /** Hide the header search box (the home page has a big one). */
  bigSearch?: boolean;
}

export function pageUrl(path: string, locale: string, query: Record<string, string> = {}): string {
  const params = new URLSearchParams({ ...query, lang: locale });
  return `${path}?${params.toString()}`;
}

/** The search form; works as a plain GET form, enhanced by the suggest script. */
export function searchForm(locale: PageLocale, q = '', big = false): Html {
  const s = strings(locale);
  return html`<form class="search${big ? ' search-big' : ''}" action="/help/search" method="get" role="search">
<input type="hidden" name="lang" value="${locale}">
<input type="search" name="q" value="${q}" placeholder="${big ? s.searchPlaceholder : s.searchLabel}" aria-label="${s.searchLabel}" autocomplete="off" maxlength="200" data-suggest>
<button type="submit">${s.searchButton}</button>
</form>`;
}

// Search-as-you-type: progressive enhancement, no framework. Titles are set with textContent.
const SUGGEST_JS = `(function(){var L=document.documentElement.lang;document.querySelectorAll('input[data-suggest]').forEach(function(i){var f=i.form,u=document.createElement('ul'),t,c,n=-1;u.className='sug';u.setAttribute('role','listbox');u.hidden=true;f.appendChild(u);i.setAttribute('aria-autocomplete','list');
function sh(x){u.hidden=!x}function mv(d){var a=u.querySelectorAll('a');if(!a.length)return;n=(n+d+a.length)%a.length;a[n].focus()}
i.addEventListener('input',function(){clearTimeout(t);var q=i.value.trim();if(!q){sh(0);return}t=setTimeout(function(){if(c)c.abort();c=new AbortController();fetch('/api/v1/help/suggest?q='+encodeURIComponent(q)+'&locale='+encodeURIComponent(L),{signal:c.signal}).then(function(r){return r.json()}).then(function(d){u.textContent='';n=-1;(d.items||[]).forEach(function(it){var li=document.createElement('li'),a=document.createElement('a');a.href=it.url;a.textContent=it.title;li.appendChild(a);u.appendChild(li)});sh(u.children.length)}).catch(function(){})},150)});
f.addEventListener('keydown',function(e){if(e.key==='ArrowDown'){e.preventDefault();mv(1)}else if(e.key==='ArrowUp'){e.preventDefault();mv(-1)}else if(e.key==='Escape'){sh(0);i.focus()}});
document.addEventListener('click',function(e){if(!f.contains(e.target))sh(0)})})})();`;

const CSS = `
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;display:flex;flex-direction:column;min-height:100vh;font:16px/1.6 -apple-system,BlinkMacSystemFont,"Segoe UI",Roboto,"Helvetica Neue",Arial,"PingFang SC","Hiragino Sans GB","Microsoft YaHei","Noto Sans CJK SC",sans-serif;color:#1a1b1e;background:#f8f9fa}
a{color:#1864ab;text-decoration:none}a:hover{text-decoration:underline}
.wrap{max-width:1040px;margin:0 auto;padding:0 16px}
header.top{background:#fff;border-bottom:1px solid #e9ecef}
header.top .wrap{display:flex;flex-wrap:wrap;align-items:center;gap:8px 16px;padding-top:10px;padding-bottom:10px}
.brand{font-weight:700;font-size:18px;color:#1a1b1e;margin-right:auto;white-space:nowrap}
.brand span{color:#868e96;font-weight:400;font-size:14px;margin-left:6px}
nav.links{display:flex;gap:14px;font-size:14px;align-items:center;flex-wrap:wrap}
.lang a{padding:2px 8px;border:1px solid #dee2e6;border-radius:999px;font-size:13px;color:#495057}
.lang a[aria-current]{background:#1864ab;color:#fff;border-color:#1864ab}
header.top form.search{flex:1 1 100%;order:3}
.search{position:relative;display:flex;gap:6px}
.search input{flex:1;min-width:0;font:inherit;padding:8px 12px;border:1px solid #ced4da;border-radius:8px;background:#fff}
.search input:focus{outline:2px solid #74c0fc;border-color:#339af0}
.search button{font:inherit;padding:8px 16px;border:0;border-radius:8px;background:#1864ab;color:#fff;cursor:pointer}
.search-big input,.search-big button{padding:12px 16px;font-size:17px}
.sug{position:absolute;z-index:10;left:0;right:0;top:100%;margin:4px 0 0;padding:4px 0;list-style:none;background:#fff;border:1px solid #dee2e6;border-radius:8px;box-shadow:0 6px 20px rgba(0,0,0,.12)}
.sug a{display:block;padding:8px 12px;color:#1a1b1e}.sug a:hover,.sug a:focus{background:#e7f5ff;text-decoration:none;outline:0}
.hero{background:linear-gradient(135deg,#1864ab,#1c7ed6);color:#fff;padding:32px 0 36px}
.hero h1{margin:0 0 14px;font-size:26px}
main{flex:1;padding:20px 0 40px}
h1{font-size:24px;line-height:1.3;margin:8px 0 12px}
h2{font-size:19px;margin:28px 0 12px}
.notice{background:#fff4e6;border:1px solid #ffd8a8;color:#7c3a00;border-radius:8px;padding:10px 14px;font-size:14px;margin:16px 0}
.notice strong{margin-right:6px}
.info{background:#e7f5ff;border:1px solid #a5d8ff;border-radius:8px;padding:10px 14px;font-size:14px;margin:12px 0}
.grid{display:grid;grid-template-columns:1fr;gap:12px}
.card{background:#fff;border:1px solid #e9ecef;border-radius:10px;padding:16px 18px}
.card h3{margin:0 0 4px;font-size:17px}
.card p{margin:0 0 8px;color:#495057;font-size:14px}
.card ul{margin:0;padding:0;list-style:none;font-size:14px}
.card li{padding:2px 0}
.muted{color:#868e96;font-size:13px}
ol.list,ul.list{list-style:none;margin:0;padding:0;background:#fff;border:1px solid #e9ecef;border-radius:10px}
.list>li{padding:12px 16px;border-top:1px solid #f1f3f5}.list>li:first-child{border-top:0}
.list time{display:block;color:#868e96;font-size:13px}
.crumbs{font-size:14px;color:#868e96;margin:4px 0 0}.crumbs ol{list-style:none;margin:0;padding:0;display:flex;flex-wrap:wrap;gap:4px}
.crumbs li+li:before{content:"›";margin-right:4px}
article.body{background:#fff;border:1px solid #e9ecef;border-radius:10px;padding:16px 18px;overflow-wrap:anywhere}
article.body img{max-width:100%;height:auto}
article.body pre{overflow-x:auto;background:#f1f3f5;padding:10px;border-radius:6px}
article.body code{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:.92em}
article.body table{border-collapse:collapse;display:block;overflow-x:auto}
article.body th,article.body td{border:1px solid #dee2e6;padding:6px 10px}
article.body blockquote{margin:0;padding:4px 14px;border-left:4px solid #a5d8ff;background:#f8f9fa}
.badge{display:inline-block;font-size:12px;line-height:1.6;padding:0 8px;border-radius:999px;background:#e7f5ff;color:#1864ab;vertical-align:middle;margin-left:6px;white-space:nowrap}
.badge.faq{background:#ebfbee;color:#2b8a3e}.badge.announcement{background:#fff4e6;color:#d9480f}
.hit p{margin:4px 0 0;color:#495057;font-size:14px}
mark{background:#fff3bf;color:inherit;padding:0 1px;border-radius:2px}
.feedback{margin:20px 0;background:#fff;border:1px solid #e9ecef;border-radius:10px;padding:14px 18px}
.feedback .row{display:flex;gap:8px;align-items:center;flex-wrap:wrap}
.feedback button{font:inherit;padding:6px 20px;border:1px solid #ced4da;border-radius:8px;background:#fff;cursor:pointer}
.feedback button:hover{border-color:#1864ab;color:#1864ab}
.feedback textarea{width:100%;font:inherit;padding:8px;border:1px solid #ced4da;border-radius:8px;margin-top:6px}
.feedback details{margin:8px 0 0;font-size:14px}
.thanks{color:#2b8a3e;font-weight:600}
.cta{display:grid;grid-template-columns:1fr;gap:12px;margin-top:8px}
.cta a.card{display:block;color:inherit}.cta a.card:hover{border-color:#74c0fc;text-decoration:none}
.cta strong{color:#1864ab}
.status{display:flex;align-items:center;font-weight:600;color:#1a1b1e!important}
.dot{display:inline-block;width:9px;height:9px;border-radius:50%;margin-right:8px;flex:none}
.dot.on{background:#2f9e44}.dot.busy{background:#f59f00}.dot.off{background:#adb5bd}
.muted{color:#868e96!important}
form.verify{display:flex;flex-wrap:wrap;gap:8px;margin:16px 0}form.verify label{flex:1 0 100%;font-weight:600;font-size:14px}
form.verify input{flex:1 1 240px;font:inherit;padding:8px 12px;border:1px solid #ced4da;border-radius:8px}form.verify button{font:inherit;font-weight:600;padding:8px 18px;border:0;border-radius:8px;background:#1864ab;color:#fff;cursor:pointer}
.verdict{border-radius:10px;padding:14px 16px;margin:16px 0;border:1px solid}.verdict h2{margin:0 0 6px;font-size:19px}.verdict p{margin:4px 0}
.verdict.ok{background:#ebfbee;border-color:#8ce99a;color:#1b4d24}.verdict.bad{background:#fff5f5;border-color:#ffa8a8;color:#7d1a1a}.verdict.unsure{background:#f8f9fa;border-color:#dee2e6}
.official h2{margin:0 0 12px;font-size:18px}.official dl{display:grid;grid-template-columns:minmax(90px,max-content) 1fr;gap:6px 16px;margin:0;font-size:14px}.official dt{color:#868e96}.official dd{margin:0;overflow-wrap:anywhere}
a.button{display:inline-block;background:#1864ab;color:#fff;padding:6px 14px;border-radius:8px;font-weight:600}a.button:hover{background:#1c7ed6;text-decoration:none}
footer{border-top:1px solid #e9ecef;background:#fff;font-size:13px;color:#868e96;padding:16px 0 24px}
footer .wrap{display:flex;flex-wrap:wrap;gap:8px 16px;justify-content:space-between}
@media(min-width:700px){header.top form.search{flex:0 1 340px;order:0}.grid{grid-template-columns:repeat(2,1fr)}.cta{grid-template-columns:1fr 1fr}.hero{padding:48px 0 52px}.hero h1{font-size:32px}h1{font-size:28px}article.body{padding:24px 32px}}
@media(min-width:980px){.grid{grid-template-columns:repeat(3,1fr)}}
`
  .replace(/\n/g, '')
  .trim();

/** The frame of every help center page. */
export function layout(meta: PageMeta, content: Html): string {
  const s = strings(meta.locale);
  const alternates = meta.alternates ?? PAGE_LOCALES;
  const abs = (locale: string) => `${meta.publicUrl}${pageUrl(meta.path, locale, meta.query)}`;
  const title = meta.title ? `${meta.title} · ${s.siteName}` : `${s.helpCenter} · ${s.siteName}`;
  return `<!doctype html>${html`<html lang="${meta.locale}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>${title}</title>
${meta.description ? html`<meta name="description" content="${meta.description}">` : ''}
<link rel="canonical" href="${abs(alternates.includes(meta.locale) ? meta.locale : (alternates[0] ?? meta.locale))}">
${alternates.map((l) => html`<link rel="alternate" hreflang="${l}" href="${abs(l)}">\n`)}<link rel="alternate" hreflang="x-default" href="${abs(alternates.includes('en') ? 'en' : alternates[0]!)}">
<style nonce="${meta.nonce}">${raw(CSS)}</style>
</head>
<body>
<header class="top"><div class="wrap">
<a class="brand" href="${pageUrl('/', meta.locale)}">${s.siteName}<span>${s.helpCenter}</span></a>
${meta.bigSearch ? '' : searchForm(meta.locale, meta.q)}
<nav class="links">
<a href="${pageUrl('/contact', meta.locale)}">${s.contactNav}</a>
<a href="${pageUrl('/verify', meta.locale)}">${s.verifyNav}</a>
<a href="/tickets/new">${s.submitTicket}</a>
<a href="/tickets">${s.myTickets}</a>
<span class="lang" aria-label="${s.language}">${PAGE_LOCALES.map(
    (l) => html` <a href="${pageUrl(meta.path, l, meta.query)}" hreflang="${l}" lang="${l}"${raw(l === meta.locale ? ' aria-current="true"' : '')}>${LANGUAGE_NAMES[l]}</a>`,
  )}</span>
</nav>
</div></header>
${content}
<footer><div class="wrap">
<span>${s.scamText}</span>
<span><a href="/agent">${s.agentWorkspace}</a> · <a href="/api/docs">${s.apiDocs}</a></span>
</div></footer>
<script nonce="${meta.nonce}">${raw(SUGGEST_JS)}</script>
</body>
</html>`}`;
}
