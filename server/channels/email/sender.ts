import { bareSubject } from './subject.ts';
import nodemailer from 'nodemailer';
import type Mail from 'nodemailer/lib/mailer/index.js';
import type SMTPTransport from 'nodemailer/lib/smtp-transport/index.js';
import type { AdapterEnv, ChannelSettings, OutboundMessage, SendResult } from '../types.ts';

/** Mail clients keep References to the last few ids (RFC 5322 allows trimming): the root and the latest 19. */
const MAX_REFERENCES = 20;

/**
 * Asks Exchange/Outlook (and servers that follow it) not to send out-of-office or other automatic
 * replies to this mail: they would only land in the ticket as noise. Not "All": that also asks to
 * suppress non-delivery reports, and a bounce is how a failed reply gets marked failed.
 * Auto-Submitted is NOT set: an agent's reply is written by a person (RFC 3834 reserves the header
 * for machine-generated mail, and some servers drop or quarantine auto-submitted mail to people).
 */
const AUTO_RESPONSE_SUPPRESS = 'OOF, AutoReply';

/** A composed mail, as sent or (without a transport) kept in the admin outbox. */
export interface ComposedEmail {
  from: { name: string; address: string };
  to: { name: string; address: string }[];
  cc: { name: string; address: string }[];
  subject: string;
  /** Message-ID without brackets. */
  messageId: string;
  inReplyTo?: string;
  /** Without brackets, oldest first. */
  references: string[];
  text: string;
  html: string;
  headers: Record<string, string>;
  attachments: { filename: string; contentType: string; content: Buffer }[];
}

/** "Re: <subject> [#<number>]": the token lets a reply find its ticket even when the headers are lost. */
export function replySubject(subject: string, number: number): string {
  const bare = bareSubject(subject);
  return `Re: ${bare ? `${bare} ` : ''}[#${number}]`;
}

/** The thread's ids as References: no duplicates, our own id left out, the root and the latest kept. */
export function referenceChain(ids: string[], own: string): string[] {
  const seen = new Set<string>();
  const chain = ids.filter((id) => id && id !== own && !seen.has(id) && (seen.add(id), true));
  return chain.length > MAX_REFERENCES ? [chain[0]!, ...chain.slice(-(MAX_REFERENCES - 1))] : chain;
}

const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

const URL_PATTERN = /\bhttps?:\/\/[^\s<>"'()\u3000-\u303f\uff00-\uffef]+[^\s<>"'().,;:!?\u3000-\u303f\uff00-\uffef]/giu;

/**
 * The agent's plain text as HTML: every character escaped, line breaks kept, and http(s) links made
 * clickable with their (escaped) text as the address. Nothing the agent typed becomes markup.
 */
export function textToHtml(text: string): string {
  let out = '';
  let last = 0;
  for (const match of text.matchAll(URL_PATTERN)) {
    const url = match[0];
    out += escapeHtml(text.slice(last, match.index));
    out += `<a href="${escapeHtml(url)}">${escapeHtml(url)}</a>`;
    last = match.index! + url.length;
  }
  out += escapeHtml(text.slice(last));
  return out.replace(/\r?\n/g, '<br>\n');
}

/** The address part after @, lower-cased: our Message-IDs are minted under the inbox's own domain. */
export function domainOf(address: string): string | null {
  const at = address.lastIndexOf('@');
  const domain = at > 0 ? address.slice(at + 1).trim().toLowerCase() : '';
  return /^[a-z0-9.-]+$/i.test(domain) ? domain : null;
}

const ANTI_PHISHING_LABEL = 'Anti-phishing code / 防钓鱼码';

/** Builds the mail for an outbound message; throws when the inbox has no usable address. */
export function composeEmail(message: OutboundMessage, settings: ChannelSettings): ComposedEmail {
  const address = String(settings.address ?? '').trim().toLowerCase();
  if (!domainOf(address)) throw new Error('The inbox has no valid address to send from');
  const { antiPhishingCode, signature, fromName } = message.extras;
  const body = message.text.replace(/\r\n/g, '\n').trimEnd();

  const textParts = [antiPhishingCode ? `${ANTI_PHISHING_LABEL}: ${antiPhishingCode}` : null, body, signature?.trim() ? `-- \n${signature.trim()}` : null];
  const htmlParts = [
    antiPhishingCode ? `<p style="color:#555;font-size:13px">${escapeHtml(ANTI_PHISHING_LABEL)}: <strong>${escapeHtml(antiPhishingCode)}</strong></p>` : null,
    `<div dir="auto">${textToHtml(body)}</div>`,
    signature?.trim() ? `<div dir="auto" style="color:#555">-- <br>\n${textToHtml(signature.trim())}</div>` : null,
  ];
  const party = (p: { email?: string; externalId: string; name?: string }) => ({ name: p.name ?? '', address: (p.email ?? p.externalId).toLowerCase() });

  return {
    from: { name: fromName ?? '', address },
    to: message.to.map(party),
    cc: message.cc.map(party),
    subject: replySubject(message.conversation.subject, message.conversation.number),
    messageId: message.thread.externalId,
    inReplyTo: message.thread.inReplyTo,
    references: referenceChain(message.thread.references, message.thread.externalId),
    text: `${textParts.filter((p) => p !== null).join('\n\n')}\n`,
    html: `<!doctype html><html><head><meta charset="utf-8"></head><body>\n${htmlParts.filter((p) => p !== null).join('\n')}\n</body></html>\n`,
    headers: { 'X-Auto-Response-Suppress': AUTO_RESPONSE_SUPPRESS },
    attachments: message.attachments,
  };
}

/** What nodemailer is given for a composed mail. */
export function mailOptions(mail: ComposedEmail): Mail.Options {
  const bracket = (id: string) => `<${id}>`;
  return {
    from: mail.from,
    to: mail.to,
    cc: mail.cc.length ? mail.cc : undefined,
    subject: mail.subject,
    messageId: bracket(mail.messageId),
    inReplyTo: mail.inReplyTo ? bracket(mail.inReplyTo) : undefined,
    references: mail.references.length ? mail.references.map(bracket) : undefined,
    text: mail.text,
    html: mail.html,
    headers: mail.headers,
    attachments: mail.attachments.map((a) => ({ filename: a.filename, contentType: a.contentType, content: a.content })),
  };
}

/** The transport an inbox sends through: its own SMTP URL, else the desk's; null when neither is set. */
export function emailTransportUrl(settings: ChannelSettings, env: AdapterEnv): string | null {
  const own = typeof settings.smtpUrl === 'string' ? settings.smtpUrl.trim() : '';
  return own || env.smtpOutboundUrl?.trim() || null;
}

/**
 * An SMTP error as a delivery failure: a 5xx answer is permanent (the address or the message is
 * refused), a 4xx answer or a connection problem temporary (try again later). The reason is the
 * server's own text; the transport URL (it may hold a password) is never part of it.
 */
export function smtpFailure(err: unknown): Extract<SendResult, { ok: false }> {
  const e = err as { responseCode?: number; response?: string; message?: string; code?: string };
  const reason = (e.response || e.message || String(err)).replace(/smtps?:\/\/[^\s]*/gi, 'smtp://…').slice(0, 1000);
  if (typeof e.responseCode === 'number') return { ok: false, reason, permanent: e.responseCode >= 500 };
  return { ok: false, reason, permanent: false };
}

/**
 * Sends one agent reply over SMTP: the inbox's own server or SMTP_OUTBOUND_URL. The message-id is
 * ours (`<message-uuid@inbox-domain>`), so the provider id returned is that id, without brackets.
 */
export async function sendEmail(message: OutboundMessage, settings: ChannelSettings, env: AdapterEnv): Promise<SendResult> {
  const url = emailTransportUrl(settings, env);
  if (!url) return { ok: false, reason: 'No outbound SMTP is configured', permanent: true };
  let mail: ComposedEmail;
  try {
    mail = composeEmail(message, settings);
  } catch (err) {
    return { ok: false, reason: (err as Error).message, permanent: true };
  }
  let transport: ReturnType<typeof nodemailer.createTransport>;
  try {
    if (!/^smtps?:\/\//i.test(url)) throw new Error('not an SMTP URL');
    // Bounded waits: a silent server must fail this attempt (and be retried), not hold the job for ten minutes.
    transport = nodemailer.createTransport({ url, connectionTimeout: 30_000, greetingTimeout: 30_000, socketTimeout: 60_000 } as SMTPTransport.Options);
  } catch {
    return { ok: false, reason: 'The SMTP URL is not valid', permanent: true };
  }
  try {
    await transport.sendMail(mailOptions(mail));
    return { ok: true, providerId: mail.messageId, at: new Date() };
  } catch (err) {
    return smtpFailure(err);
  } finally {
    transport.close();
  }
}
