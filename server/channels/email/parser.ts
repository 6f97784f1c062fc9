import { createHash } from 'node:crypto';
import PostalMime, { decodeWords } from 'postal-mime';
import type { Address, Email, Header } from 'postal-mime';
import type { InboundAttachment, InboundMessage, InboundParty } from '../types.ts';
import { relabelChineseCharsets } from './charsets.ts';
import './charsetSniffing.ts';
import { htmlToText, sanitizeMailHtml } from './html.ts';
import { classifyMachineMail, type MachineMailInput } from './machineMail.ts';
import { splitQuoted } from './quoted.ts';
import { isForwardSubject, ticketNumberIn } from './subject.ts';

/*
 * Why postal-mime rather than mailparser (`npm run bench:email-parsers`, results in
 * bench/results/email-parsers.json; runs on this 2-core machine, idle and while other suites ran):
 * - speed is a wash: the 165 corpus files at 1,600-1,900 msgs/s (mailparser) vs 1,800-2,400
 *   (postal-mime) idle, ~500 vs 500-950 loaded; a typical 20 KB Chinese multipart mail at
 *   900-1,300/s for both idle. mailparser parses a 14 MB message faster (170-570 ms vs 380-1,270 ms)
 *   but holds the event loop for 90-270 ms at a stretch; postal-mime never held it over 10 ms,
 *   which matters for the p99 of everything else sharing the process during a large ingest;
 * - charsets are a tie: both decode GB2312, GBK, GB18030, Big5 and ISO-8859-x alike, and both lose
 *   GB18030 four-byte characters in a GB2312-labelled part until charsets.ts relabels it;
 * - postal-mime gives what this file reads: the headers in order with raw values, a report's
 *   delivery-status and returned message as parts (mailparser folds them into the text), each part's
 *   Content-ID, no stream plumbing, and no html-to-text/linkify work we would throw away.
 */

/** Headers kept on the message for the record (the raw mail is kept whole elsewhere). */
const keptHeaders = [
  'message-id', 'date', 'auto-submitted', 'precedence', 'x-autoreply', 'x-autorespond', 'x-auto-response-suppress',
  'list-id', 'return-path', 'content-type',
];
const reportTypes = new Set([
  'message/delivery-status', 'message/global-delivery-status', 'message/feedback-report',
  'message/rfc822', 'message/global', 'text/rfc822-headers', 'message/global-headers',
]);
// Thread headers of a long thread can list hundreds of ids; the root and the latest ones matter.
const MAX_THREAD_IDS = 100;

const utf8 = new TextDecoder('utf-8');

function synthesiseId(raw: Buffer): string {
  return `sha256-${createHash('sha256').update(raw).digest('hex')}@switchboard.invalid`;
}

/** Message-IDs in a header value, without angle brackets; bare ids (no brackets) when a sender left them out. */
export function messageIdsIn(value: string | undefined): string[] {
  if (!value) return [];
  const bracketed = [...value.matchAll(/<([^<>\s]+)>/g)].map((m) => m[1]!);
  const ids = bracketed.length > 0 ? bracketed : value.split(/[\s,]+/).filter((token) => token.includes('@'));
  const unique = [...new Set(ids)];
  return unique.length > MAX_THREAD_IDS ? [unique[0]!, ...unique.slice(-(MAX_THREAD_IDS - 1))] : unique;
}

function party(address: string, name?: string): InboundParty {
  const email = address.trim().toLowerCase();
  const display = name?.trim();
  return { externalId: email, email, ...(display ? { name: display } : {}) };
}

function partiesOf(addresses: Address[] | undefined): InboundParty[] {
  const out: InboundParty[] = [];
  for (const entry of addresses ?? []) {
    for (const box of entry.group ?? [entry]) {
      if (box.address) out.push(party(box.address, box.name));
    }
  }
  return out;
}

/** The top-level header fields as sent (unfolded, undecoded), read from the original bytes: the parser saw relabelled charsets. */
function topHeaders(raw: Buffer): Header[] {
  const head = raw.subarray(0, 256 * 1024).toString('latin1');
  const end = head.search(/\r?\n\r?\n/);
  const fields: Header[] = [];
  for (const line of (end < 0 ? head : head.slice(0, end)).split(/\r?\n(?![ \t])/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const originalKey = line.slice(0, colon).trim();
    fields.push({ key: originalKey.toLowerCase(), originalKey, value: line.slice(colon + 1).replace(/\r?\n[ \t]+/g, ' ').trim() });
  }
  return fields;
}

function headerRecord(headers: Header[]): Record<string, string> {
  const record: Record<string, string> = {};
  for (const { key, value } of headers) {
    if (keptHeaders.includes(key) && !(key in record)) record[key] = value.slice(0, 1000);
  }
  return record;
}

function toBuffer(content: ArrayBuffer | Uint8Array | string): Buffer {
  if (typeof content === 'string') return Buffer.from(content, 'utf8');
  return content instanceof Uint8Array ? Buffer.from(content.buffer, content.byteOffset, content.byteLength) : Buffer.from(content);
}

function fallbackName(mimeType: string): string {
  if (mimeType === 'message/rfc822' || mimeType === 'message/global') return 'message.eml';
  if (mimeType === 'text/rfc822-headers') return 'headers.txt';
  if (mimeType.startsWith('message/')) return 'report.txt';
  const [type, sub] = mimeType.split('/');
  const ext = sub && /^[a-z0-9.+-]{1,20}$/.test(sub) ? sub.replace(/^(?:x-|vnd\.)/, '').split('+')[0] : 'bin';
  return `${type === 'image' ? 'image' : 'attachment'}.${ext}`;
}

function attachmentsOf(email: Email, html: string | undefined): InboundAttachment[] {
  const lowerHtml = html?.toLowerCase();
  return email.attachments.map((attachment) => {
    const contentId = attachment.contentId?.trim().replace(/^<|>$/g, '').trim() || undefined;
    // Shown in place only when the HTML really points at it; otherwise it would be invisible, so it is listed.
    const inline = Boolean(contentId && lowerHtml?.includes(`cid:${contentId.toLowerCase()}`));
    return {
      filename: attachment.filename?.trim() || fallbackName(attachment.mimeType),
      contentType: attachment.mimeType || 'application/octet-stream',
      content: toBuffer(attachment.content),
      ...(contentId ? { contentId } : {}),
      inline,
    };
  });
}

/** The undecoded body after the top-level headers (latin1: one character per byte), at most 256 KB. */
function rawBodyOf(raw: Buffer): string {
  const head = raw.subarray(0, 256 * 1024 + 64 * 1024).toString('latin1');
  const end = head.search(/\r?\n\r?\n/);
  return end < 0 ? '' : head.slice(end).slice(0, 256 * 1024);
}

function validDate(value: string | undefined): Date | undefined {
  if (!value) return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

function fromOf(email: Email): InboundParty {
  const from = email.from ?? email.sender;
  const box = from?.group ? from.group[0] : from;
  if (box?.address) return party(box.address, box.name);
  const returnPath = email.returnPath?.replace(/^<|>$/g, '').trim();
  // No usable From: the receive slice sees an empty id and treats the sender as unknown.
  return returnPath ? party(returnPath, box?.name) : { externalId: '', ...(box?.name ? { name: box.name } : {}) };
}

/** The whole mail as text when the MIME structure cannot be read at all: nothing is dropped. */
function unreadableMail(raw: Buffer): InboundMessage {
  const text = utf8.decode(raw).trimEnd();
  const headers = topHeaders(raw);
  const field = (name: string) => headers.find((h) => h.key === name)?.value;
  const fromAddress = /([^\s<>"@]+@[^\s<>"@]+)/.exec((field('from') ?? '').slice(0, 1000))?.[1]?.toLowerCase() ?? '';
  const rawSubject = field('subject');
  let subject = rawSubject;
  try {
    subject = rawSubject === undefined ? undefined : decodeWords(rawSubject);
  } catch {
    // kept as sent
  }
  const verdict = classifyMachineMail({ headers, fromAddress, subject: subject ?? '', text, reportParts: [] });
  return {
    externalId: messageIdsIn(field('message-id'))[0] ?? synthesiseId(raw),
    from: fromAddress ? party(fromAddress) : { externalId: '' },
    to: [],
    cc: [],
    ...(subject ? { subject } : {}),
    text,
    attachments: [],
    thread: { inReplyTo: messageIdsIn(field('in-reply-to')), references: messageIdsIn(field('references')), ticketNumber: ticketNumberIn(subject ?? '') },
    autoSubmitted: verdict.autoSubmitted,
    ...(verdict.bounce ? { bounce: verdict.bounce } : {}),
    sentAt: validDate(field('date')),
    headers: headerRecord(headers),
  };
}

/** A raw RFC 5322 mail → the normalised inbound message. Never throws on bad mail: what cannot be decoded is kept as text. */
export async function parseMail(raw: Buffer): Promise<InboundMessage> {
  let email: Email;
  try {
    // message/rfc822 parts stay attachments: a bounce's returned mail and a forwarded mail are evidence, kept whole.
    email = await PostalMime.parse(relabelChineseCharsets(raw), { rfc822Attachments: true, attachmentEncoding: 'arraybuffer' });
  } catch {
    return unreadableMail(raw);
  }
  try {
    const rawHtml = email.html?.trim() ? email.html : undefined;
    const fullText = (email.text?.trim() ? email.text : rawHtml ? htmlToText(rawHtml) : '').replace(/\r\n?/g, '\n').trimEnd();
    const html = rawHtml ? sanitizeMailHtml(rawHtml) : undefined;
    const from = fromOf(email);
    const subject = email.subject;
    const attachments = attachmentsOf(email, rawHtml);
    const reportParts = email.attachments
      .filter((a) => reportTypes.has(a.mimeType))
      // The report fields and the returned headers are at the start; a forwarded 10 MB mail need not be decoded whole.
      .map((a) => ({ type: a.mimeType, text: utf8.decode(toBuffer(a.content).subarray(0, 256 * 1024)) }));
    const machine: MachineMailInput = {
      headers: email.headers.map(({ key, value }) => ({ key, value })),
      fromAddress: from.email ?? '',
      fromName: from.name,
      subject: subject ?? '',
      text: fullText,
      reportParts,
      toAddresses: [...partiesOf(email.to), ...partiesOf(email.cc)].map((p) => p.externalId),
      rawBody: rawBodyOf(raw),
    };
    const verdict = classifyMachineMail(machine);
    // A forwarded mail's quoted part is what the customer wants us to read: nothing is folded.
    const { text, quoted } = isForwardSubject(subject ?? '') ? { text: fullText, quoted: undefined } : splitQuoted(fullText);
    const ticketNumber = ticketNumberIn(subject ?? '');
    const sentAt = validDate(email.date);
    return {
      externalId: messageIdsIn(email.messageId)[0] ?? synthesiseId(raw),
      from,
      to: partiesOf(email.to),
      cc: partiesOf(email.cc),
      ...(subject !== undefined ? { subject } : {}),
      text,
      ...(quoted ? { quoted } : {}),
      ...(html?.trim() ? { html } : {}),
      attachments,
      thread: {
        inReplyTo: messageIdsIn(email.inReplyTo),
        references: messageIdsIn(email.references),
        ...(ticketNumber !== undefined ? { ticketNumber } : {}),
      },
      autoSubmitted: verdict.autoSubmitted,
      ...(verdict.bounce ? { bounce: verdict.bounce } : {}),
      ...(sentAt ? { sentAt } : {}),
      headers: headerRecord(topHeaders(raw)),
    };
  } catch {
    return unreadableMail(raw);
  }
}
