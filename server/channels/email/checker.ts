import { ImapFlow } from 'imapflow';
import nodemailer from 'nodemailer';
import type { AdapterEnv, ChannelSettings } from '../types.ts';

/** How long each half of the check may take: an admin is waiting for the answer. */
const TIMEOUT_MS = 10_000;

/** One half of the check: what it tried and how it went. */
interface Step {
  ok: boolean;
  message: string;
}

/** The credentials in a settings object, so that no message repeats one (servers echo odd things). */
function secretsOf(settings: ChannelSettings, smtpUrl: string | undefined): string[] {
  const out: string[] = [];
  const imap = settings.imap as { password?: unknown } | undefined;
  if (typeof imap?.password === 'string' && imap.password) out.push(imap.password);
  if (smtpUrl) {
    out.push(smtpUrl);
    try {
      const url = new URL(smtpUrl);
      if (url.password) out.push(url.password, decodeURIComponent(url.password));
    } catch {
      // Not a URL: the whole string is already listed.
    }
  }
  // Longest first, so a URL is removed before the password inside it.
  return out.filter((s) => s.length >= 3).sort((a, b) => b.length - a.length);
}

const redact = (text: string, secrets: string[]) => secrets.reduce((t, s) => t.split(s).join('•••'), text);

/** The server's own words when it gave some (a 535 line, an IMAP NO), else the error's. */
function reasonOf(err: unknown): string {
  const e = err as { response?: unknown; responseText?: unknown; code?: unknown; message?: unknown };
  if (typeof e?.responseText === 'string' && e.responseText) return e.responseText;
  if (typeof e?.response === 'string' && e.response) return e.response;
  const message = typeof e?.message === 'string' ? e.message : String(err);
  return typeof e?.code === 'string' && !message.includes(e.code) ? `${message} (${e.code})` : message;
}

/** Where the SMTP URL points, for messages (host and port only). */
function smtpTarget(smtpUrl: string): string {
  try {
    const url = new URL(smtpUrl);
    return `${url.hostname}${url.port ? `:${url.port}` : ''}`;
  } catch {
    return 'the SMTP URL';
  }
}

/** Connects and logs in to the outbound SMTP server (nodemailer's verify: EHLO, STARTTLS, AUTH). */
async function checkSmtp(smtpUrl: string): Promise<Step> {
  const target = smtpTarget(smtpUrl);
  let transport: ReturnType<typeof nodemailer.createTransport>;
  try {
    transport = nodemailer.createTransport({ url: smtpUrl, connectionTimeout: TIMEOUT_MS, greetingTimeout: TIMEOUT_MS, socketTimeout: TIMEOUT_MS } as Parameters<typeof nodemailer.createTransport>[0]);
  } catch (err) {
    return { ok: false, message: `SMTP: the URL cannot be used (${reasonOf(err)})` };
  }
  try {
    await transport.verify();
    return { ok: true, message: `SMTP: connected to ${target} and logged in` };
  } catch (err) {
    const auth = (err as { code?: string }).code === 'EAUTH';
    return { ok: false, message: `SMTP: ${auth ? 'login refused by' : 'could not connect to'} ${target}: ${reasonOf(err)}` };
  } finally {
    transport.close();
  }
}

/** Logs in to the IMAP mailbox the inbox polls, then logs out. */
async function checkImap(imap: Record<string, unknown>): Promise<Step> {
  const host = String(imap.host ?? '');
  const port = Number(imap.port ?? (imap.secure === false ? 143 : 993));
  const target = `${host}:${port}`;
  if (!host) return { ok: false, message: 'IMAP: no host is set' };
  const client = new ImapFlow({
    host,
    port,
    secure: imap.secure !== false,
    auth: { user: String(imap.user ?? ''), pass: String(imap.password ?? '') },
    logger: false,
    connectionTimeout: TIMEOUT_MS,
    greetingTimeout: TIMEOUT_MS,
    socketTimeout: TIMEOUT_MS,
  });
  // A socket error after connect() settled must not become an unhandled 'error' event.
  client.on('error', () => {});
  try {
    await client.connect();
    await client.logout().catch(() => {});
    return { ok: true, message: `IMAP: logged in to ${target}` };
  } catch (err) {
    client.close();
    const auth = Boolean((err as { authenticationFailed?: boolean }).authenticationFailed);
    return { ok: false, message: `IMAP: ${auth ? 'login refused by' : 'could not connect to'} ${target}: ${reasonOf(err)}` };
  }
}

/**
 * The admin's "Test connection" for an email inbox: outbound SMTP (the inbox's own URL, else
 * SMTP_OUTBOUND_URL) and, when set, the IMAP mailbox. Both run together; the answer says what
 * worked and what failed, without repeating a credential.
 */
export async function checkEmail(settings: ChannelSettings, env: AdapterEnv): Promise<{ ok: boolean; message: string }> {
  const own = typeof settings.smtpUrl === 'string' && settings.smtpUrl ? settings.smtpUrl : undefined;
  const smtpUrl = own ?? env.smtpOutboundUrl;
  const imap = settings.imap && typeof settings.imap === 'object' && (settings.imap as { host?: unknown }).host ? (settings.imap as Record<string, unknown>) : null;
  const steps = await Promise.all([
    smtpUrl
      ? checkSmtp(smtpUrl)
      : Promise.resolve<Step>({ ok: true, message: 'SMTP: no outbound server is set (neither this inbox nor SMTP_OUTBOUND_URL): replies are kept in the outbox' }),
    imap ? checkImap(imap) : null,
  ]);
  const done = steps.filter((s): s is Step => s !== null);
  const secrets = secretsOf(settings, smtpUrl);
  return { ok: done.every((s) => s.ok), message: redact(done.map((s) => s.message).join('\n'), secrets) };
}
