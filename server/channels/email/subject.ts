/**
 * Reply and forward prefixes as mail clients write them, in the languages our customers' clients
 * use, and the `[#10234]` ticket token our replies carry in the subject.
 */

// Each word is one client's reply or forward marker (case-insensitive): English, German (AW, WG),
// Nordic (SV, VS, VB, FS), Dutch (Antw, Doorst), Italian (R, RIF, I), French (TR, RE), Spanish and
// Portuguese (RV, RES, ENC), Polish (Odp, PD), Turkish (YNT, İLT), Greek (ΑΠ, ΣΧΕΤ, ΠΡΘ), Chinese
// (回复 回覆 答复 答覆 转发 轉發 转寄 轉寄), Japanese (返信 転送), Korean (회신 답장 전달).
const prefixWords = [
  'fwd', 'fw', 're', 'aw', 'wg', 'sv', 'vs', 'vb', 'fs', 'antw', 'doorst', 'rif', 'r', 'i', 'tr',
  'rv', 'res', 'enc', 'odp', 'pd', 'ynt', 'i̇lt', 'ilt', 'απ', 'σχετ', 'πρθ',
  '回复', '回覆', '答复', '答覆', '转发', '轉發', '转寄', '轉寄', '返信', '転送', '회신', '답장', '전달',
];

// One prefix at the very start: the word, an optional count (Re[2], Re(2), Re^2), optional spaces,
// then an ASCII or full-width colon. Anchored and without nested repetition, so a failed attempt
// costs at most one pass over the spaces it looked at, and stripping is linear in the subject.
const onePrefix = new RegExp(`^(?:${prefixWords.join('|')})(?:\\[\\d{1,4}\\]|\\(\\d{1,4}\\)|\\^\\d{1,4})?[ \\t]*[:：]`, 'iu');

/** The subject without its leading reply/forward prefixes ("RE: 回复：Fwd: x" → "x"); a ticket token stays. */
export function stripSubjectPrefixes(subject: string): string {
  let rest = subject.trimStart();
  for (;;) {
    const match = onePrefix.exec(rest);
    if (!match) return rest.trimEnd();
    rest = rest.slice(match[0].length).trimStart();
  }
}

// The forward words among the prefixes (a forwarded mail's quoted part is its content, not history).
const forwardPrefix = /^(?:fwd?|wg|vb|fs|doorst|i|tr|rv|enc|pd|i̇lt|ilt|πρθ|转发|轉發|转寄|轉寄|転送|전달)(?:\[\d{1,4}\]|\(\d{1,4}\))?[ \t]*[:：]/iu;

/** Whether the subject's first prefix is a forward (Fwd:, FW:, 转发：…) rather than a reply. */
export function isForwardSubject(subject: string): boolean {
  return forwardPrefix.test(subject.trimStart());
}

// `[#` then 4 to 12 digits then `]`; a longer or shorter run is not ours (order ids, years).
const ticketToken = /\[#(\d{4,12})\]/;

/** The ticket number in a `[#10234]` token anywhere in the subject, if there is one. */
export function ticketNumberIn(subject: string): number | undefined {
  const match = ticketToken.exec(subject);
  return match ? Number(match[1]) : undefined;
}

/**
 * The subject as a ticket keeps it: no reply/forward prefixes and no ticket token, wherever the
 * client put them ("RE: [#10234] Re: x" → "x"), so neither a new ticket nor our reply says "Re: Re:".
 */
export function bareSubject(subject: string): string {
  let rest = subject;
  for (let i = 0; i < 5; i++) {
    const next = stripSubjectPrefixes(rest.replace(/\s*\[#\d{1,12}\]\s*/g, ' '));
    if (next === rest) break;
    rest = next;
  }
  return rest.trim();
}
