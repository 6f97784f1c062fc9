/**
 * An email's HTML body made safe to show inside the agent's page. The server sanitised it already;
 * this is the second wall, because the page holds the agent's session. The HTML is parsed into an
 * inert document (DOMParser: no script runs, no image loads) and copied node by node into NEW
 * elements of the page, keeping only allow-listed tags, attributes, URL schemes and CSS properties.
 * Nothing is serialised and parsed again, so no markup can change meaning on the way (mutation XSS).
 *
 * - `cid:` images become the URL of the matching inline attachment (same origin: the agent's
 *   cookie reaches it, and the page CSP allows 'self' images); remote images are not loaded
 *   (tracking pixels would tell the sender who read the mail, from where).
 * - Links open in a new tab without a referrer or opener.
 * - Styles cannot position anything over the page (no position, no url(), no transforms).
 * - The quoted earlier reply (Gmail, Outlook, Apple Mail, Yahoo, Thunderbird markers) is marked
 *   data-sb-quote so the timeline can fold it.
 */

/** Elements dropped with everything inside them. */
const DROP = new Set([
  'script', 'style', 'title', 'head', 'meta', 'link', 'base', 'iframe', 'frame', 'frameset', 'object', 'embed', 'applet',
  'svg', 'math', 'template', 'noscript', 'form', 'input', 'button', 'select', 'option', 'textarea', 'video', 'audio',
  'source', 'track', 'canvas', 'map', 'area', 'portal', 'dialog', 'slot',
]);

/** Elements kept (as new elements of the same name). Anything else is unwrapped: its content stays. */
const KEEP = new Set([
  'a', 'abbr', 'b', 'bdi', 'bdo', 'blockquote', 'br', 'caption', 'center', 'cite', 'code', 'col', 'colgroup', 'dd', 'del',
  'dfn', 'div', 'dl', 'dt', 'em', 'font', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'hr', 'i', 'img', 'ins', 'kbd', 'li', 'mark',
  'ol', 'p', 'pre', 'q', 's', 'samp', 'small', 'span', 'strike', 'strong', 'sub', 'sup', 'table', 'tbody', 'td', 'tfoot',
  'th', 'thead', 'tr', 'tt', 'u', 'ul', 'wbr',
]);

/** Presentational attributes kept on any kept element. */
const ATTRS = new Set(['title', 'dir', 'lang', 'align', 'valign', 'width', 'height', 'colspan', 'rowspan', 'bgcolor', 'color', 'face', 'size', 'border', 'cellpadding', 'cellspacing', 'start', 'type', 'alt']);

/** CSS properties kept (prefixes: margin-top … border-left-color). Nothing that can move or cover the page. */
const CSS = /^(color|background-color|font|font-(family|size|style|weight|variant)|text-(align|decoration|decoration-line|transform|indent)|line-height|letter-spacing|word-spacing|white-space|word-break|overflow-wrap|vertical-align|direction|list-style-type|margin(-(top|right|bottom|left))?|padding(-(top|right|bottom|left))?|border(-(top|right|bottom|left))?(-(width|style|color))?|border-collapse|border-spacing|border-radius|width|max-width|min-width|height|max-height|min-height|display|table-layout|float|clear)$/;

/** CSS values that could load something, escape the box, or cover the screen (viewport units). */
const BAD_CSS_VALUE = /url\s*\(|expression\s*\(|image-set|var\s*\(|@import|\\|javascript:|fixed|sticky|absolute|\d\s*(d|s|l)?(vw|vh|vmin|vmax|vi|vb)\b/i;

/** Images shown from the message itself only. */
const DATA_IMAGE = /^data:image\/(png|gif|jpe?g|webp);base64,[a-z0-9+/=\s]+$/i;

/** Quote containers as mail clients write them. */
const QUOTE_SELECTOR = [
  '.gmail_quote',
  '.gmail_extra',
  '.yahoo_quoted',
  '.protonmail_quote',
  '.moz-cite-prefix',
  'blockquote[type="cite"]',
  '#divRplyFwdMsg',
  '#appendonsend',
  '.OutlookMessageHeader',
  '[id^="reply-intro"]',
  '#mail-editor-reference-message-container',
  '#isReplyContent',
  '#original-content',
].join(',');

/** What the sanitiser kept and why something is missing. */
export interface SafeEmailHtml {
  /** The body as nodes of the page's document. */
  fragment: DocumentFragment;
  /** Some of it is the quoted earlier reply (marked data-sb-quote). */
  hasQuote: boolean;
  /** Remote images that were not loaded. */
  blockedImages: number;
  /** Content-IDs the body shows in place (those attachments need not be listed again). */
  usedContentIds: Set<string>;
}

/** A Content-ID as written in `cid:` URLs and headers, compared without brackets and case. */
export const normalizeContentId = (cid: string) => decodeURIComponentSafe(cid).replace(/^<|>$/g, '').trim().toLowerCase();

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function safeHref(href: string): string | null {
  const value = href.trim();
  if (/^mailto:/i.test(value)) return value;
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : null;
  } catch {
    return null;
  }
}

/** Marks the quoted reply: the markers' elements, and for Outlook everything after its separator. */
function markQuotes(body: HTMLElement): boolean {
  const found = Array.from(body.querySelectorAll(QUOTE_SELECTOR));
  for (const el of found) {
    el.setAttribute('data-sb-quote', '');
    if (el.id === 'divRplyFwdMsg' || el.id === 'appendonsend') {
      // Outlook puts the quoted mail after the separator, as siblings.
      for (let next = el.nextElementSibling; next; next = next.nextElementSibling) next.setAttribute('data-sb-quote', '');
    }
  }
  return found.length > 0;
}

/**
 * The safe copy of an email's HTML for `target` (the page's document). `cidUrl` maps a Content-ID
 * (normalised) to the inline attachment's URL.
 */
export function sanitizeEmailHtml(html: string, cidUrl: (contentId: string) => string | undefined, target: Document = document): SafeEmailHtml {
  const parsed = new DOMParser().parseFromString(html, 'text/html');
  const hasQuote = markQuotes(parsed.body);
  let blockedImages = 0;
  const usedContentIds = new Set<string>();

  const copy = (node: Node, into: Node) => {
    if (node.nodeType === Node.TEXT_NODE) {
      into.appendChild(target.createTextNode(node.nodeValue ?? ''));
      return;
    }
    if (node.nodeType !== Node.ELEMENT_NODE) return;
    const el = node as Element;
    const tag = el.localName;
    // Only HTML elements: an element in another namespace (svg, math) is dropped whatever its name.
    if (el.namespaceURI !== 'http://www.w3.org/1999/xhtml' || DROP.has(tag)) return;
    if (!KEEP.has(tag)) {
      if (el.hasAttribute('data-sb-quote')) {
        // An unwrapped quote container still needs a box to fold.
        const box = target.createElement('div');
        box.setAttribute('data-sb-quote', '');
        for (const child of Array.from(el.childNodes)) copy(child, box);
        into.appendChild(box);
      } else {
        for (const child of Array.from(el.childNodes)) copy(child, into);
      }
      return;
    }
    if (tag === 'img') {
      const src = el.getAttribute('src') ?? '';
      let url: string | undefined;
      if (/^cid:/i.test(src)) {
        const cid = normalizeContentId(src.slice(4));
        url = cidUrl(cid);
        if (url) usedContentIds.add(cid);
      } else if (DATA_IMAGE.test(src)) {
        url = src;
      } else if (src) {
        blockedImages += 1;
      }
      if (!url) {
        const alt = el.getAttribute('alt');
        if (alt) into.appendChild(target.createTextNode(`[${alt}]`));
        return;
      }
      const img = target.createElement('img');
      img.setAttribute('src', url);
      img.setAttribute('alt', el.getAttribute('alt') ?? '');
      img.setAttribute('loading', 'lazy');
      img.setAttribute('referrerpolicy', 'no-referrer');
      for (const name of ['width', 'height', 'title', 'align']) {
        const v = el.getAttribute(name);
        if (v && /^[\w%. -]{1,20}$/.test(v)) img.setAttribute(name, v);
      }
      copyStyle(el, img);
      into.appendChild(img);
      return;
    }
    const out = target.createElement(tag);
    for (const attr of Array.from(el.attributes)) {
      const name = attr.name.toLowerCase();
      if (ATTRS.has(name) && attr.value.length <= 200 && !/[<>"]|javascript:|url\s*\(/i.test(attr.value)) out.setAttribute(name, attr.value);
    }
    if (tag === 'a') {
      const href = safeHref(el.getAttribute('href') ?? '');
      if (href) {
        out.setAttribute('href', href);
        out.setAttribute('target', '_blank');
        out.setAttribute('rel', 'noopener noreferrer nofollow');
      }
    }
    if (el.hasAttribute('data-sb-quote')) out.setAttribute('data-sb-quote', '');
    copyStyle(el, out);
    for (const child of Array.from(el.childNodes)) copy(child, out);
    into.appendChild(out);
  };

  const fragment = target.createDocumentFragment();
  for (const child of Array.from(parsed.body.childNodes)) copy(child, fragment);
  return { fragment, hasQuote, blockedImages, usedContentIds };
}

/** Copies the allowed declarations of an inline style, as parsed by the browser's own CSS parser. */
function copyStyle(from: Element, to: HTMLElement) {
  const style = (from as HTMLElement).style;
  if (!style || !style.length) return;
  for (let i = 0; i < style.length; i++) {
    const name = style.item(i);
    const value = style.getPropertyValue(name);
    if (!CSS.test(name) || BAD_CSS_VALUE.test(value)) continue;
    to.style.setProperty(name, value, style.getPropertyPriority(name));
  }
}
