import { readFileSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { SMTPServer, type SMTPServerAddress, type SMTPServerSession } from 'smtp-server';
import { emailAddressBook, normalAddress } from '../../domain/channels/emailAddressBook.ts';
import { inboundStorer } from '../../domain/channels/inboundStorer.ts';
import { type Services, SYSTEM, transact } from '../../domain/context.ts';
import { rawBlobStorer } from '../../domain/files/rawBlobStorer.ts';

/** Connections one address may hold at once: enough for a mail server's parallel deliveries, not for a flood. */
const CONNECTIONS_PER_IP = 20;
/** Connections in all. */
const MAX_CLIENTS = 500;

export interface SmtpListener {
  /** The port it listens on (SMTP_PORT, or the one the system chose for 0). */
  port: number;
  /** Stops taking connections and waits (a few seconds at most) for deliveries in progress. */
  close(): Promise<void>;
}

/** Socket errors that only mean the client went away. */
const CLIENT_HANGUPS = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ERR_STREAM_PREMATURE_CLOSE']);

/** An SMTP reply as smtp-server sends it for an error passed to a callback. */
const reply = (code: number, message: string) => Object.assign(new Error(message), { responseCode: code });

const TRY_LATER = () => reply(451, '4.3.0 Temporary failure storing the message, try again later');

/**
 * The built-in SMTP listener (DESIGN.md: mail to an email inbox's address). It accepts mail only
 * for the addresses of enabled email inboxes (550 for anything else: no open relay), refuses mail
 * over MAX_EMAIL_BYTES (552), streams each message to disk as it arrives and answers 250 only once
 * the inbound_deliveries rows (one per recipient inbox) and their jobs have committed; while the
 * database cannot store, 451 so the sender tries again. Parsing happens later, in a job.
 */
export async function startSmtpListener(services: Services, options: { port: number; host: string; onError: (err: unknown) => void }): Promise<SmtpListener> {
  const { env } = services;
  const maxBytes = env.MAX_EMAIL_BYTES;
  if (Boolean(env.SMTP_TLS_CERT) !== Boolean(env.SMTP_TLS_KEY)) throw new Error('SMTP_TLS_CERT and SMTP_TLS_KEY must be set together (PEM files of the certificate and its key)');
  let tls: { cert: Buffer; key: Buffer } | null = null;
  if (env.SMTP_TLS_CERT && env.SMTP_TLS_KEY) {
    try {
      tls = { cert: readFileSync(env.SMTP_TLS_CERT), key: readFileSync(env.SMTP_TLS_KEY) };
    } catch (err) {
      throw new Error(`SMTP_TLS_CERT / SMTP_TLS_KEY cannot be read: ${(err as Error).message}`);
    }
  }
  const perIp = new Map<string, number>();
  const counted = new Set<string>();
  /** Recipient inboxes of the transaction in progress, by session: RCPT decides, DATA stores for them. */
  const recipients = new Map<string, Map<string, string[]>>();

  const server = new SMTPServer({
    ...(tls ? { cert: tls.cert, key: tls.key } : { hideSTARTTLS: true }),
    // Mail for us needs no login; submission (AUTH) is not what this port is for.
    disabledCommands: tls ? ['AUTH'] : ['AUTH', 'STARTTLS'],
    authOptional: true,
    size: maxBytes,
    maxClients: MAX_CLIENTS,
    banner: 'Switchboard',
    // Reverse DNS of every client costs a lookup per connection and decides nothing here.
    disableReverseLookup: true,
    // smtp-server's own log would print envelopes; ours records no content.
    logger: false,
    closeTimeout: 5_000,
    onConnect(session, callback) {
      const ip = session.remoteAddress;
      const count = (perIp.get(ip) ?? 0) + 1;
      if (count > CONNECTIONS_PER_IP) return callback(reply(421, '4.7.0 Too many connections from your address, try again later'));
      perIp.set(ip, count);
      counted.add(session.id);
      callback();
    },
    onClose(session) {
      recipients.delete(session.id);
      if (!counted.delete(session.id)) return;
      const left = (perIp.get(session.remoteAddress) ?? 1) - 1;
      if (left > 0) perIp.set(session.remoteAddress, left);
      else perIp.delete(session.remoteAddress);
    },
    onMailFrom(_address, session, callback) {
      recipients.set(session.id, new Map());
      callback();
    },
    onRcptTo(address: SMTPServerAddress, session: SMTPServerSession, callback) {
      const wanted = normalAddress(address.address);
      emailAddressBook(services).then(
        (book) => {
          const inboxIds = book.get(wanted);
          if (!inboxIds?.length) return callback(reply(550, `5.1.1 <${wanted}>: no such mailbox here`));
          let byAddress = recipients.get(session.id);
          if (!byAddress) recipients.set(session.id, (byAddress = new Map()));
          byAddress.set(wanted, inboxIds);
          callback();
        },
        (err) => {
          options.onError(err);
          callback(reply(451, '4.3.0 Temporary failure, try again later'));
        },
      );
    },
    onData(stream, session, callback) {
      received(stream, session).then(
        (ids) => callback(null, `2.0.0 OK: stored as ${ids.join(' ')}`),
        (err: unknown) => {
          if ((err as { responseCode?: number }).responseCode) return callback(err as Error);
          options.onError(err);
          callback(TRY_LATER());
        },
      );
    },
  });

  /** Streams the message to disk, then commits one delivery per recipient inbox in one transaction. */
  async function received(stream: Readable & { sizeExceeded?: boolean }, session: SMTPServerSession): Promise<string[]> {
    const blob = await rawBlobStorer(env.dataDir, stream, { maxBytes });
    if (blob.exceeded || stream.sizeExceeded) throw reply(552, `5.3.4 Message exceeds the maximum size of ${maxBytes} bytes`);
    const byAddress = recipients.get(session.id) ?? new Map<string, string[]>();
    const inboxIds = [...new Set([...byAddress.values()].flat())];
    if (!inboxIds.length) throw reply(503, '5.5.1 No valid recipients');
    const envelope = {
      mailFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
      rcptTo: [...byAddress.keys()],
      remoteAddress: session.remoteAddress,
      helo: session.hostNameAppearsAs,
      tls: Boolean(session.secure),
    };
    const stored = await transact(services, SYSTEM, async (ctx) => {
      const ids: string[] = [];
      for (const inboxId of inboxIds) ids.push((await inboundStorer(ctx, { inboxId, source: 'smtp', dedupeKey: blob.sha256, blob, envelope })).deliveryId);
      return ids;
    });
    return stored;
  }

  await new Promise<void>((resolve, reject) => {
    const failed = (err: NodeJS.ErrnoException) =>
      reject(
        err.code === 'EADDRINUSE'
          ? new Error(`SMTP_PORT ${options.port} is already in use on ${options.host}: another program (or another Switchboard) listens there; stop it or set SMTP_PORT to a free port`)
          : err,
      );
    server.once('error', failed);
    server.listen(options.port, options.host, () => {
      server.off('error', failed);
      resolve();
    });
  });
  // A client's broken connection is reported here; it must never take the process down, and a
  // client hanging up is ordinary traffic, not an error to log.
  server.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code && CLIENT_HANGUPS.has(err.code)) return;
    options.onError(err);
  });
  const address = server.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  return { port, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
