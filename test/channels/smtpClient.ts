import { connect, type Socket } from 'node:net';

/**
 * A bare SMTP client for what nodemailer hides: the EHLO answer, and a DATA left half-sent
 * (the server restarts while the client is mid-message).
 */
export class RawSmtp {
  private buffer = '';
  private waiting: ((reply: string) => void) | null = null;
  closed = false;
  private constructor(readonly socket: Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => {
      this.buffer += d;
      this.flush();
    });
    socket.on('close', () => {
      this.closed = true;
      this.waiting?.('CLOSED');
      this.waiting = null;
    });
    socket.on('error', () => {});
  }

  static async open(port: number): Promise<{ client: RawSmtp; greeting: string }> {
    const socket = connect(port, '127.0.0.1');
    const client = new RawSmtp(socket);
    const greeting = await client.reply();
    return { client, greeting };
  }

  /** A complete reply (the last line has a space after its code), or CLOSED. */
  private flush() {
    if (!this.waiting) return;
    const lines = this.buffer.split('\r\n');
    for (let i = 0; i < lines.length - 1; i++) {
      if (/^\d{3} /.test(lines[i]!)) {
        const reply = lines.slice(0, i + 1).join('\n');
        this.buffer = lines.slice(i + 1).join('\r\n');
        const w = this.waiting;
        this.waiting = null;
        w(reply);
        return;
      }
    }
  }

  reply(): Promise<string> {
    if (this.closed) return Promise.resolve('CLOSED');
    return new Promise((resolve) => {
      this.waiting = resolve;
      this.flush();
    });
  }

  async command(line: string): Promise<string> {
    this.socket.write(`${line}\r\n`);
    return this.reply();
  }

  write(data: string | Buffer) {
    this.socket.write(data);
  }

  close() {
    this.socket.destroy();
  }
}
