import type { AutoSubmitted, BounceReport } from '../types.ts';
import { stripSubjectPrefixes } from './subject.ts';

/**
 * Mail written by a machine: bounces and delivery-status notifications (which mark our outgoing
 * message failed), auto-replies such as out-of-office notices, and list traffic. None of them may
 * open a ticket or be answered (that is how mail loops start). A customer who pastes or forwards
 * a bounce is still a customer: weak signals (a subject, a phrase) count only together with a
 * machine sender or a returned message.
 */

/** What classifyMachineMail reads of a parsed message. */
export interface MachineMailInput {
  /** Top-level headers in order, keys lower-case, values unfolded. */
  headers: { key: string; value: string }[];
  /** Sender address, lower-case ('' when the From header has none). */
  fromAddress: string;
  /** Sender display name. */
  fromName?: string;
  /** Decoded subject. */
  subject: string;
  /** Decoded plain text of the body (derived from the HTML when there is no text part). */
  text: string;
  /** The machine-readable parts of a report, decoded as text: message/delivery-status, message/rfc822, text/rfc822-headers, message/feedback-report. */
  reportParts: { type: string; text: string }[];
  /** Addresses the mail was sent to (us): never the failed recipient of a bounce. */
  toAddresses?: string[];
  /** The undecoded body after the top-level headers, for original headers an MTA quoted in a part it mislabelled. */
  rawBody?: string;
}

/** The verdict: ordinary mail (false) or which kind of machine mail, with the bounce report when it is one. */
export interface MachineMailVerdict {
  /** false for a person's mail; otherwise which machine wrote it. */
  autoSubmitted: AutoSubmitted;
  /** What failed, for a delivery-status notification (absent for ARF complaints and other machine mail). */
  bounce?: BounceReport;
}

const deliveryStatusTypes = new Set(['message/delivery-status', 'message/global-delivery-status']);
const feedbackTypes = new Set(['message/feedback-report']);
const returnedTypes = new Set(['message/rfc822', 'text/rfc822-headers', 'message/global', 'message/global-headers']);

// Local parts that only mail systems send from.
const daemonSender = /^(?:mailer[-_.]?daemon|post[-_.]?master|mail[-_.]delivery[-_.](?:system|subsystem)|mdaemon)$/i;
// Senders that are machines but also send other notices (so they need a second signal).
const machineSender = /^(?:no[-_.]?reply|do[-_.]?not[-_.]?reply|bounces?|sysadmin|mailer)(?:[-_.+].*)?$/i;
// Subjects bounces start with, across MTAs and languages.
const bounceSubject = new RegExp(
  '^(?:undeliver|undelivered mail|returned mail|mail delivery (?:failed|failure|system)|delivery (?:status notification|failure|failed|has failed|notification|report)|' +
    'failure notice|mail system error|non[- ]?delivery|message delivery failure|delayed mail|warning: (?:could not send|message)|' +
    'there was an error sending your mail|系统退信|退信|投递失败|邮件投递失败|未送达|無法傳遞|メールエラー|配信エラー|' +
    'unzustellbar|nicht zustellbar|non remis|non recapitabile|no se puede entregar)',
  'i',
);
// Phrases in a bounce's human-readable part.
const bouncePhrase = /could not be delivered|undeliverable|delivery to the following recipients? failed|permanent (?:error|failure)|user unknown|no such user|mailbox (?:is )?(?:full|unavailable)|message was not delivered|delivery has failed|address rejected|退信|投递失败|無法傳遞/i;
// Out-of-office and auto-reply subjects (after reply prefixes), English, Chinese, and the common European ones.
const autoReplySubject = new RegExp(
  '^[\\[【(（]?\\s*(?:auto(?:matic)?[- ]?(?:reply|response|answer)|autoreply|auto:|out of (?:the )?office|away from (?:the )?office|' +
    '自动回复|自動回覆|自動回复|自动答复|自動答覆|不在办公室|不在辦公室|休假(?:中|通知|自动回复)?|外出(?:中)?|' +
    'abwesenheitsnotiz|automatische antwort|réponse automatique|respuesta automática|risposta automatica)' +
    '(?=$|[\\]】)）:：\\s,.!-])',
  'i',
);

function header(input: MachineMailInput, name: string): string | undefined {
  return input.headers.find((h) => h.key === name)?.value;
}

/** Parses "Key: value" fields (with folded continuation lines) of one block of a report. */
function fieldsOf(block: string): Map<string, string> {
  const fields = new Map<string, string>();
  let last: string | undefined;
  for (const line of block.split('\n')) {
    if (/^[ \t]/.test(line) && last) {
      fields.set(last, `${fields.get(last)} ${line.trim()}`);
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    last = line.slice(0, colon).trim().toLowerCase();
    if (!fields.has(last)) fields.set(last, line.slice(colon + 1).trim());
  }
  return fields;
}

/** The header section of a returned message (or of text/rfc822-headers). */
function headerSection(text: string): string {
  const normalised = text.replace(/\r\n?/g, '\n');
  const end = normalised.search(/\n[ \t]*\n/);
  return end < 0 ? normalised : normalised.slice(0, end);
}

// Values are cut before the address patterns run: a hostile report cannot make them scan long lines repeatedly.
const MAX_VALUE = 1000;

function bareId(value: string | undefined): string | undefined {
  const cut = value?.slice(0, MAX_VALUE);
  const match = cut ? /<([^<>\s]+)>/.exec(cut) ?? /([^\s<>@]+@[^\s<>@]+)/.exec(cut) : null;
  return match?.[1];
}

function addressIn(value: string | undefined): string | undefined {
  if (!value) return undefined;
  // "rfc822; user@example.com" or "<user@example.com>"
  const match = /([^\s<>;:"@]+@[^\s<>;:"@]+)/.exec(value.slice(0, MAX_VALUE));
  return match?.[1]?.toLowerCase().replace(/[.,]+$/, '');
}

// Lines of quoted headers, whose addresses are the sender's or ids, never the failed recipient.
const quotedHeaderLine = /^[ \t>]*(?:message-id|in-reply-to|references|from|return-path|reply-to|sender|received|date|subject|x-[\w-]+)\s*:/i;
const failureWords = /unknown|fail|reject|not (?:be )?deliver|no such|invalid|does not exist|disabled|full|unable|error|refused|denied|550|554|553|552/i;

/** The failed address a bounce's text names: on a line that says it failed, else the first address not ours. */
function failedRecipientIn(text: string, ours: string[]): string | undefined {
  let first: string | undefined;
  let inQuotedHeaders = false;
  for (const line of text.split('\n').slice(0, 400)) {
    if (quotedHeaderLine.test(line)) { inQuotedHeaders = true; continue; }
    if (inQuotedHeaders && /^[ \t]/.test(line)) continue; // folded header continuation
    inQuotedHeaders = false;
    if (line.length > 300 || !line.includes('@')) continue;
    // '@' is outside both classes, so no attempt runs past the next '@': linear in the line.
    for (const match of line.matchAll(/([^\s<>;:"'()[\]@]+@[^\s<>;:"'()[\]@]+\.[a-z]{2,})/gi)) {
      const address = match[1]!.toLowerCase().replace(/[.,]+$/, '');
      if (ours.includes(address)) continue;
      if (failureWords.test(line)) return address;
      first ??= address;
    }
  }
  return first;
}

/** Reads what a bounce says: from the DSN part when there is one, else from the returned headers and the text. */
function bounceReportOf(input: MachineMailInput): BounceReport {
  const report: BounceReport = { reason: '', permanent: true };
  let action: string | undefined;
  const status = input.reportParts.find((p) => deliveryStatusTypes.has(p.type));
  if (status) {
    const blocks = status.text.replace(/\r\n?/g, '\n').split(/\n[ \t]*\n/).map(fieldsOf);
    const recipients = blocks.filter((b) => b.has('final-recipient') || b.has('original-recipient') || b.has('action'));
    const chosen = recipients.find((b) => /failed/i.test(b.get('action') ?? '')) ?? recipients[0];
    if (chosen) {
      report.recipient = addressIn(chosen.get('final-recipient')) ?? addressIn(chosen.get('original-recipient'));
      report.status = /\b([245]\.\d{1,3}\.\d{1,3})\b/.exec(chosen.get('status') ?? '')?.[1];
      action = chosen.get('action')?.toLowerCase();
      const diagnostic = chosen.get('diagnostic-code') ?? chosen.get('x-diagnostic-code');
      if (diagnostic) report.reason = diagnostic.replace(/^[\w-]+;\s*/, '');
    }
    for (const block of blocks) {
      const id = bareId(block.get('x-original-message-id') ?? block.get('original-message-id'));
      if (id) { report.originalMessageId = id; break; }
    }
  }
  if (!report.originalMessageId) {
    for (const part of input.reportParts.filter((p) => returnedTypes.has(p.type))) {
      const id = bareId(fieldsOf(headerSection(part.text)).get('message-id'));
      if (id) { report.originalMessageId = id; break; }
    }
  }
  const head = input.text.slice(0, 64 * 1024);
  if (!report.originalMessageId) {
    // Many MTAs quote the original headers in the text or a mislabelled part instead of attaching them.
    const places = [...input.reportParts.filter((p) => deliveryStatusTypes.has(p.type)).map((p) => p.text), head, input.rawBody?.slice(0, 256 * 1024) ?? ''];
    for (const place of places) {
      report.originalMessageId = bareId(/^[ \t>]*Message-ID:[ \t]*(<[^<>\s]+>|[^\s<>]+@[^\s<>]+)/im.exec(place)?.[1]);
      if (report.originalMessageId) break;
    }
  }
  if (!report.recipient) {
    report.recipient = addressIn(header(input, 'x-failed-recipients')) ?? failedRecipientIn(head, input.toAddresses ?? []);
  }
  if (!report.status) {
    report.status = /\b([45]\.\d{1,3}\.\d{1,3})\b/.exec(head)?.[1];
  }
  if (!report.reason) {
    const lines = head.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('>'));
    report.reason = lines.slice(0, 6).join(' ').slice(0, 500) || input.subject || 'delivery failed';
  }
  report.reason = report.reason.replace(/\s+/g, ' ').trim().slice(0, 1000);
  const delayed = action === 'delayed' || action === 'relayed' || action === 'delivered' || action === 'expanded' ||
    (!action && /delay|warning|延迟/i.test(input.subject) && !/fail/i.test(input.subject));
  report.permanent = report.status ? report.status.startsWith('5') && !delayed : !delayed;
  return report;
}

/** Says whether a parsed mail was written by a machine and, for a bounce, what failed. */
export function classifyMachineMail(input: MachineMailInput): MachineMailVerdict {
  const contentType = (header(input, 'content-type') ?? '').toLowerCase();
  const localPart = input.fromAddress.includes('@') ? input.fromAddress.slice(0, input.fromAddress.lastIndexOf('@')) : input.fromAddress || (input.fromName ?? '');
  const returnPath = header(input, 'return-path')?.trim().replace(/^<|>$/g, '').trim().toLowerCase();
  const nullSender = returnPath === '' || returnPath === 'mailer-daemon';
  const subject = input.subject.trim();

  // Reports: a DSN part, or multipart/report (delivery-status, ARF feedback, read receipts).
  const isReport = /^multipart\/report\b/.test(contentType);
  const reportType = /report-type\s*=\s*"?([\w-]+)/.exec(contentType)?.[1];
  if (input.reportParts.some((p) => deliveryStatusTypes.has(p.type)) || reportType === 'delivery-status') {
    return { autoSubmitted: 'bounce', bounce: bounceReportOf(input) };
  }
  // An ARF complaint is about our mail but is no delivery failure: never ordinary mail, nothing to mark failed.
  if (input.reportParts.some((p) => feedbackTypes.has(p.type)) || reportType === 'feedback-report') return { autoSubmitted: 'bounce' };
  // A read receipt (disposition-notification) is automatic too.
  if (reportType === 'disposition-notification') return { autoSubmitted: 'auto_reply' };
  if (isReport) return { autoSubmitted: 'bounce', bounce: bounceReportOf(input) };

  const fromDaemon = daemonSender.test(localPart) || /^mail delivery (?:system|subsystem)$/i.test(input.fromName ?? '');
  const machine = nullSender || machineSender.test(localPart);
  const hasReturned = input.reportParts.some((p) => returnedTypes.has(p.type));
  const looksBounced = bounceSubject.test(subject) || bouncePhrase.test(input.text.slice(0, 16 * 1024));
  // A forwarded bounce starts with "Fwd:", so a returned message counts only with a bounce's own subject.
  if (fromDaemon || (machine && looksBounced) || (hasReturned && bounceSubject.test(subject))) {
    return { autoSubmitted: 'bounce', bounce: bounceReportOf(input) };
  }

  const autoSubmittedHeader = header(input, 'auto-submitted')?.trim().toLowerCase();
  const precedence = header(input, 'precedence')?.trim().toLowerCase();
  if (precedence === 'list' || (precedence === 'bulk' && (header(input, 'list-id') || header(input, 'list-unsubscribe')))) return { autoSubmitted: 'list' };
  if (autoSubmittedHeader && autoSubmittedHeader !== 'no') return { autoSubmitted: 'auto_reply' };
  if (precedence === 'bulk' || precedence === 'junk' || precedence === 'auto_reply') return { autoSubmitted: 'auto_reply' };
  const autoreply = header(input, 'x-autoreply') ?? header(input, 'x-autorespond') ?? header(input, 'x-autoresponder');
  if (autoreply !== undefined && !/^\s*no\s*$/i.test(autoreply)) return { autoSubmitted: 'auto_reply' };
  const suppress = header(input, 'x-auto-response-suppress');
  if (suppress && /\b(?:oof|all)\b/i.test(suppress)) return { autoSubmitted: 'auto_reply' };
  if (autoReplySubject.test(stripSubjectPrefixes(subject)) || autoReplySubject.test(subject)) return { autoSubmitted: 'auto_reply' };
  // Return-Path <> is what RFC 3834 asks of every automatic message.
  if (nullSender) return { autoSubmitted: 'auto_reply' };
  return { autoSubmitted: false };
}
