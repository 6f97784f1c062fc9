import sanitizeHtml from 'sanitize-html';

/**
 * Mail HTML as agents may see it. Decisions: no script, style sheet, form, frame or event handler;
 * links only to http(s) and mailto, opened in a new tab without referrer; inline images only as
 * `cid:` references to the message's own parts. A remote image is NOT loaded (it would tell the
 * sender when and from where an agent read the mail, and tracking pixels are common in phishing):
 * it becomes a link "[image: alt]" the agent can open on purpose. Inline CSS is kept only for a few
 * presentational properties whose values cannot name a URL.
 */

// Keywords, lengths, hex colours and rgb()/hsl() only: no url(), expression() or other functions.
const cssValue = [/^(?:[#a-z0-9.%\s,-]{1,64}|(?:rgba?|hsla?)\([\d\s.,%]{1,40}\))$/i];
const options: sanitizeHtml.IOptions = {
  allowedTags: [
    ...sanitizeHtml.defaults.allowedTags,
    'img', 'font', 'center', 'del', 'ins', 'strike', 'u', 's', 'sub', 'sup', 'small', 'big', 'hr',
  ],
  disallowedTagsMode: 'discard',
  // Real mail nests a few dozen levels; a hostile one nests thousands to make every later step slow.
  nestingLimit: 200,
  allowedAttributes: {
    a: ['href', 'title', 'target', 'rel'],
    img: ['src', 'alt', 'title', 'width', 'height'],
    font: ['color', 'size', 'face'],
    td: ['colspan', 'rowspan', 'align', 'valign', 'width'],
    th: ['colspan', 'rowspan', 'align', 'valign', 'width'],
    table: ['border', 'cellpadding', 'cellspacing', 'width'],
    ol: ['start', 'type'],
    '*': ['dir', 'lang', 'align', 'style'],
  },
  allowedStyles: {
    '*': {
      color: cssValue, 'background-color': cssValue, 'font-weight': cssValue, 'font-style': cssValue,
      'font-size': cssValue, 'text-decoration': cssValue, 'text-align': cssValue, 'font-family': [/^[\w\s,'"-]{1,128}$/],
    },
  },
  allowedSchemes: ['http', 'https', 'mailto'],
  allowedSchemesByTag: { img: ['cid'] },
  allowedSchemesAppliedToAttributes: ['href', 'src'],
  allowProtocolRelative: false,
  transformTags: {
    a: (tagName, attribs) => ({ tagName, attribs: { ...attribs, target: '_blank', rel: 'noopener noreferrer nofollow' } }),
    img: (tagName, attribs): sanitizeHtml.Tag => {
      const src = (attribs.src ?? '').trim();
      if (/^cid:/i.test(src)) return { tagName, attribs: { ...attribs, src } };
      if (/^https?:\/\//i.test(src)) {
        return { tagName: 'a', attribs: { href: src, target: '_blank', rel: 'noopener noreferrer nofollow' }, text: `[image: ${attribs.alt || src}]` };
      }
      // data:, file:, javascript: … and no src at all: nothing to show.
      return { tagName: 'span', attribs: {}, text: attribs.alt ? `[image: ${attribs.alt}]` : '' };
    },
  },
};

/** Mail HTML made safe to show an agent (see the module comment for what survives). */
export function sanitizeMailHtml(html: string): string {
  return sanitizeHtml(html, options);
}

// The block tags whose ends are line ends in the plain-text rendering, and blockquote for quote marks.
const blockTags = ['p', 'div', 'br', 'li', 'tr', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'table', 'ul', 'ol', 'pre', 'hr', 'dd', 'dt', 'address', 'center', 'blockquote'];
const QUOTE_IN = '\u0001q+\u0001';
const QUOTE_OUT = '\u0001q-\u0001';

/** Plain text of an HTML-only mail: one line per block (no empty lines), blockquotes as "> " lines (so quotes fold as in text mail). */
export function htmlToText(html: string): string {
  // sanitize-html's parser first: what comes out is only bare block tags (no attributes) and escaped
  // text, so the replacements below meet short, well-formed tags and stay linear on hostile input.
  const blocks = sanitizeHtml(html, { allowedTags: blockTags, allowedAttributes: {}, nestingLimit: 200 });
  const bare = blocks
    .replace(/<blockquote>/g, `\n${QUOTE_IN}\n`)
    .replace(/<\/blockquote>/g, `\n${QUOTE_OUT}\n`)
    .replace(/<[^<>]{1,12}>/g, '\n')
    .replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
  const out: string[] = [];
  let depth = 0;
  for (const raw of bare.split('\n')) {
    if (raw === QUOTE_IN) { depth++; continue; }
    if (raw === QUOTE_OUT) { depth = Math.max(0, depth - 1); continue; }
    const line = raw.replace(/[ \t\u00a0]+/g, ' ').trim();
    if (line === '') continue; // block boundaries already end lines; empty ones only spread the text
    // Deeper than a few levels reads the same; a hostile nesting must not multiply the text.
    out.push(depth > 0 ? `${'>'.repeat(Math.min(depth, 8))} ${line}` : line);
  }
  return out.join('\n');
}
