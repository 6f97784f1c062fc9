/**
 * Folds away the earlier conversation a reply quotes, so the timeline shows what the customer
 * wrote now; the fold is kept for "show quoted text". Line by line, every test on a line bounded
 * by its length (attribution and header lines longer than MAX_HEADER_LINE are never markers),
 * so the cost is linear in the text whatever it holds.
 */

/** The new content, and the quoted earlier reply when one was found. */
export interface SplitText {
  /** What the sender wrote now. */
  text: string;
  /** The quoted earlier message(s), folded away. */
  quoted?: string;
}

const MAX_HEADER_LINE = 500;

// Separator lines: Outlook "-----Original Message-----", QQ Mail "------------------ 原始邮件 ------------------",
// NetEase "---- 回复的原邮件 ----", Chinese Outlook "-----邮件原件-----", Apple/Gmail "Replied Message".
const separatorLine = /^\s*-{2,}\s*(?:original message|original|原始邮件|原始郵件|邮件原件|郵件原件|回复的原邮件|回覆的原郵件|replied message|message d'origine|ursprüngliche nachricht|原始信件)\s*-{2,}\s*$/i;
// Forward markers (Gmail, Apple Mail, their Chinese forms): what follows is the forwarded mail, shown, never folded.
const forwardLine = /^\s*(?:-{2,}\s*(?:forwarded message|转发的邮件|轉寄的郵件|轉發的郵件|已转发邮件)\s*-{2,}|begin forwarded message:|开始转发的邮件[:：]|開始轉寄的郵件[:：]|下面是被转发的邮件[:：])\s*$/i;
// Outlook's rule line before its header block.
const underscoreRule = /^_{10,}\s*$/;
// Lines of a quoted header block, as Outlook (every language), Foxmail, QQ Mail and NetEase write them.
const fromHeader = /^[\s>*]*(?:from|发件人|發件人|寄件者|寄件人|von|de|van|från|fra|da|od|差出人)[\s*]*[:：]/i;
const dateHeader = /^[\s>*]*(?:sent|date|发送时间|發送時間|时间|時間|日期|寄件日期|gesendet|datum|envoyé|enviado|verzonden|skickat|sendt|inviato|wysłano|送信日時)[\s*]*[:：]/i;
const toHeader = /^[\s>*]*(?:to|subject|收件人|收件者|主题|主題|主旨|an|betreff|à|objet|para|asunto|aan|onderwerp|till|ämne|til|emne|a|oggetto|do|temat|宛先|件名)[\s*]*[:：]/i;
// The end of a reply attribution: "On … wrote:", "在 … 写道：", "… 于2026年12月1日 … 写道：", and other client languages.
const attributionEnd = /(?:wrote|a écrit|schrieb|escribió|escreveu|scrisse|schreef|skrev|napisał(?:\(a\))?|kirjoitti|写道|寫道|が書きました)\s?[:：]$/i;
// An attribution names a date or an address; a sentence merely ending in "wrote:" does not fold the mail.
const attributionDetail = /\d|@/;

function isQuoteLine(line: string): boolean {
  return line.trimStart().startsWith('>');
}

function isBlank(line: string): boolean {
  return line.trim() === '';
}

/** A quoted header block (From + Sent/Date + To/Subject) starting at line i. */
function isHeaderBlock(lines: string[], i: number): boolean {
  const first = lines[i]!;
  if (first.length > MAX_HEADER_LINE || !fromHeader.test(first)) return false;
  let dated = false;
  let addressed = false;
  for (let j = i + 1; j < Math.min(lines.length, i + 7); j++) {
    const line = lines[j]!;
    if (line.length > MAX_HEADER_LINE) return false;
    if (dateHeader.test(line)) dated = true;
    else if (toHeader.test(line)) addressed = true;
    if (dated && addressed) return true;
  }
  return false;
}

/** How many lines an attribution starting at line i spans (1 or 2 when a client wrapped it), or 0. */
function attributionAt(lines: string[], i: number): number {
  const line = lines[i]!.trim();
  if (line.length === 0 || line.length > MAX_HEADER_LINE || isQuoteLine(line)) return 0;
  if (attributionEnd.test(line)) return attributionDetail.test(line) ? 1 : 0;
  const next = lines[i + 1]?.trim();
  if (next === undefined || next.length > MAX_HEADER_LINE || !/^(?:on|在|le|am|el|em|il|op|den|w|dnia)\s/i.test(line)) return 0;
  return attributionEnd.test(next) && attributionDetail.test(line + next) ? 2 : 0;
}

/** Where the quoted part begins (a line index), or -1 when nothing is quoted. */
function quoteStart(lines: string[]): number {
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.length <= MAX_HEADER_LINE && forwardLine.test(line)) return -1;
    if (line.length <= MAX_HEADER_LINE && separatorLine.test(line)) return i;
    if (line.length <= MAX_HEADER_LINE && underscoreRule.test(line) && i + 1 < lines.length && isHeaderBlock(lines, i + 1)) return i;
    if (isHeaderBlock(lines, i)) return i;
    const span = attributionAt(lines, i);
    if (span > 0) {
      // Top-posting (Gmail, Apple Mail, NetEase): everything below is the earlier mail. Bottom or
      // inline posting (the attribution, a ">" block, then new text): fold nothing here.
      let j = i + span;
      while (j < lines.length && (isBlank(lines[j]!) || isQuoteLine(lines[j]!))) j++;
      if (j === lines.length || !lines.slice(i + span, j).some(isQuoteLine)) return i;
      i = j - 1;
    }
  }
  // No attribution: a trailing run of ">" lines (and blanks) is the quote.
  let start = lines.length;
  while (start > 0 && (isBlank(lines[start - 1]!) || isQuoteLine(lines[start - 1]!))) start--;
  while (start < lines.length && isBlank(lines[start]!)) start++;
  return start < lines.length ? start : -1;
}

/** Splits a plain-text body into the new content and the quoted earlier reply; never folds the whole message. */
export function splitQuoted(text: string): SplitText {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  const start = quoteStart(lines);
  if (start <= 0) return { text };
  const fresh = lines.slice(0, start).join('\n').trimEnd();
  const quoted = lines.slice(start).join('\n').trimEnd();
  if (fresh.trim() === '' || quoted === '') return { text };
  return { text: fresh, quoted };
}
