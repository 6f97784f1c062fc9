import { SMTPServer } from 'smtp-server';
import { parseMail } from '../server/channels/email/parser.ts';

/**
 * bench:email's baseline: smtp-server and the same parser Switchboard uses, storing nothing.
 * Whatever Switchboard adds (the recipient check, the raw mail on disk, the delivery row and its
 * job, threading, the ticket) is the difference between the two figures.
 */
const server = new SMTPServer({
  authOptional: true,
  disabledCommands: ['AUTH', 'STARTTLS'],
  logger: false,
  size: 30 * 1024 * 1024,
  maxClients: 200,
  onData(stream, _session, callback) {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => {
      parseMail(Buffer.concat(chunks)).then(
        () => callback(),
        (err: Error) => callback(err),
      );
    });
  },
});
server.listen(0, '127.0.0.1', () => {
  const address = server.server.address();
  console.log(`email baseline listening on port ${typeof address === 'object' && address ? address.port : 0}`);
});
