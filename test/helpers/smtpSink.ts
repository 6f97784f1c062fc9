import type { AddressInfo } from 'node:net';
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

/** One mail the sink accepted: the raw bytes, the SMTP envelope, and the mail as a client parses it. */
export interface SunkMail {
  raw: Buffer;
  envelope: { from: string | null; to: string[] };
  parsed: ParsedMail;
}

/** A local SMTP server on 127.0.0.1 that records what it is sent, or refuses with a chosen answer. */
export interface SmtpSink {
  url: string;
  mails: SunkMail[];
  /** Set to answer the DATA command with this code and text (451 greylisting, 550 no such user …); null accepts. */
  refuse: { code: number; text: string } | null;
  /** Attempts refused so far. */
  refused: number;
  close(): Promise<void>;
}

export async function startSmtpSink(): Promise<SmtpSink> {
  const sink: SmtpSink = { url: '', mails: [], refuse: null, refused: 0, close: async () => {} };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        if (sink.refuse) {
          sink.refused++;
          return callback(Object.assign(new Error(sink.refuse.text), { responseCode: sink.refuse.code }));
        }
        const raw = Buffer.concat(chunks);
        const envelope = { from: session.envelope.mailFrom ? session.envelope.mailFrom.address : null, to: session.envelope.rcptTo.map((r) => r.address) };
        simpleParser(raw).then(
          (parsed) => {
            sink.mails.push({ raw, envelope, parsed });
            callback();
          },
          (err: Error) => callback(err),
        );
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  sink.url = `smtp://127.0.0.1:${port}`;
  sink.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return sink;
}
