import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../db/client.ts';
import { blobPath } from '../../domain/files/blobStore.ts';
import { DB_KINDS } from '../../../test/helpers/db.ts';
import { RawSmtp } from '../../../test/channels/smtpClient.ts';
import { createInboundWorld, deliveriesOf, inboundJobsFor, makeEmailInbox, updateInbox, type InboundWorld } from '../../../test/channels/inboundHelpers.ts';
import { type SmtpListener, startSmtpListener } from './smtpListener.ts';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
let n = 0;
/** A small mail with CRLF line ends (what goes over the wire is what is stored). */
const mail = (subject = `Withdrawal pending ${++n}`, body = '我两个小时前提了 500 USDT，还没到账。') =>
  Buffer.from(`From: Customer <c${n}@example.com>\r\nTo: help@desk.test\r\nSubject: ${subject}\r\nMessage-ID: <m${n}.${Date.now()}@example.com>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n${body}\r\n`);

const MAX = 64 * 1024;

describe.each(DB_KINDS)('SMTP listener on %s', (kind) => {
  let w: InboundWorld;
  let smtp: SmtpListener;
  let help: string;
  let sales: string;
  let disabled: string;
  const errors: unknown[] = [];

  const send = (to: string | string[], raw: Buffer, from = 'customer@example.com') =>
    nodemailer
      .createTransport({ host: '127.0.0.1', port: smtp.port, secure: false, ignoreTLS: true, name: 'client.example.com' })
      .sendMail({ envelope: { from, to }, raw });
  const failure = (p: Promise<unknown>) => p.then(() => ({ responseCode: 250 }) as { responseCode: number; response?: string }, (e) => e as { responseCode: number; response?: string });

  beforeAll(async () => {
    w = await createInboundWorld(kind, { MAX_EMAIL_BYTES: String(MAX) });
    help = (await makeEmailInbox(w.services, { address: 'help@desk.test' })).id;
    sales = (await makeEmailInbox(w.services, { address: 'sales@desk.test' })).id;
    disabled = (await makeEmailInbox(w.services, { address: 'old@desk.test' }, { enabled: false })).id;
    smtp = await startSmtpListener(w.services, { port: 0, host: '127.0.0.1', onError: (e) => errors.push(e) });
  });
  afterAll(async () => {
    await smtp?.close();
    await w.close();
  });

  it('announces SIZE, offers no AUTH and no STARTTLS without a certificate', async () => {
    const { client, greeting } = await RawSmtp.open(smtp.port);
    expect(greeting).toMatch(/^220 /);
    const ehlo = await client.command('EHLO client.example.com');
    expect(ehlo).toContain(`SIZE ${MAX}`);
    expect(ehlo).not.toMatch(/AUTH|STARTTLS/);
    client.close();
  });

  it('stores a mail for one of our addresses before answering 250: one row, the same bytes, one job', async () => {
    const raw = mail();
    const res = await send('Help@Desk.TEST', raw);
    expect(res.response).toMatch(/^250 /);
    const rows = (await deliveriesOf(w.services, help)).filter((r) => r.dedupe_key === sha(raw));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ source: 'smtp', blob_sha256: sha(raw), status: 'received' });
    expect(rows[0]!.envelope).toMatchObject({ mailFrom: 'customer@example.com', rcptTo: ['help@desk.test'], helo: 'client.example.com' });
    expect(rows[0]!.envelope.remoteAddress).toMatch(/127\.0\.0\.1/);
    expect(readFileSync(blobPath(w.dataDir, sha(raw))).equals(raw)).toBe(true);
    expect(await inboundJobsFor(w.services, rows[0]!.id)).toBe(1);
  });

  it('refuses an address that is not ours with 550 and stores nothing (no open relay)', async () => {
    const before = (await deliveriesOf(w.services, help)).length;
    const err = await failure(send('victim@elsewhere.example', mail()));
    expect(err.responseCode).toBe(550);
    const mixed = await failure(send(['nobody@desk.test'], mail()));
    expect(mixed.responseCode).toBe(550);
    expect((await deliveriesOf(w.services, help)).length).toBe(before);
  });

  it('refuses the address of a disabled inbox with 550, and follows enabling and disabling at once', async () => {
    expect((await failure(send('old@desk.test', mail()))).responseCode).toBe(550);
    await updateInbox(w.services, disabled, { enabled: true });
    const raw = mail();
    expect((await send('old@desk.test', raw)).response).toMatch(/^250 /);
    await updateInbox(w.services, disabled, { enabled: false });
    expect((await failure(send('old@desk.test', mail()))).responseCode).toBe(550);
    expect(await deliveriesOf(w.services, disabled)).toHaveLength(1);
    // A new inbox is reachable as soon as it is created.
    const fresh = (await makeEmailInbox(w.services, { address: 'new@desk.test' })).id;
    expect((await send('new@desk.test', mail())).response).toMatch(/^250 /);
    expect(await deliveriesOf(w.services, fresh)).toHaveLength(1);
  });

  it('refuses mail over MAX_EMAIL_BYTES with 552 and keeps nothing', async () => {
    const before = (await deliveriesOf(w.services, help)).length;
    const big = mail('big', 'x'.repeat(76) + '\r\n'.repeat(1) + ('y'.repeat(76) + '\r\n').repeat(Math.ceil(MAX / 78) + 10));
    const err = await failure(send('help@desk.test', big));
    expect(err.responseCode).toBe(552);
    expect((await deliveriesOf(w.services, help)).length).toBe(before);
    // A declared size over the limit is refused at MAIL FROM already.
    const { client } = await RawSmtp.open(smtp.port);
    await client.command('EHLO client.example.com');
    expect(await client.command(`MAIL FROM:<a@example.com> SIZE=${MAX + 1}`)).toMatch(/^552 /);
    client.close();
  });

  it('the same bytes twice are stored once', async () => {
    const raw = mail();
    await send('help@desk.test', raw);
    await send('help@desk.test', raw);
    expect((await deliveriesOf(w.services, help)).filter((r) => r.dedupe_key === sha(raw))).toHaveLength(1);
  });

  it('a mail to two of our inboxes is one row in each', async () => {
    const raw = mail();
    expect((await send(['help@desk.test', 'sales@desk.test', 'HELP@desk.test'], raw)).response).toMatch(/^250 /);
    expect((await deliveriesOf(w.services, help)).filter((r) => r.dedupe_key === sha(raw))).toHaveLength(1);
    expect((await deliveriesOf(w.services, sales)).filter((r) => r.dedupe_key === sha(raw))).toHaveLength(1);
  });

  it('answers 451 while the database is unavailable, never 250; a resend after it is back is stored once', async () => {
    const real = w.services.database;
    const down = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    const broken = Object.create(real.db);
    broken.transaction = () => Promise.reject(down);
    w.services.database = { ...real, db: broken } as Database;
    const raw = mail();
    try {
      const err = await failure(send('help@desk.test', raw));
      expect(err.responseCode).toBe(451);
    } finally {
      w.services.database = real;
    }
    expect((await deliveriesOf(w.services, help)).filter((r) => r.dedupe_key === sha(raw))).toHaveLength(0);
    expect((await send('help@desk.test', raw)).response).toMatch(/^250 /);
    expect((await send('help@desk.test', raw)).response).toMatch(/^250 /);
    expect((await deliveriesOf(w.services, help)).filter((r) => r.dedupe_key === sha(raw))).toHaveLength(1);
  });

  it('a client that drops mid-DATA gets no 250 and nothing is stored', async () => {
    const before = (await deliveriesOf(w.services, help)).length;
    const { client } = await RawSmtp.open(smtp.port);
    await client.command('EHLO client.example.com');
    await client.command('MAIL FROM:<a@example.com>');
    await client.command('RCPT TO:<help@desk.test>');
    expect(await client.command('DATA')).toMatch(/^354 /);
    client.write('Subject: cut\r\n\r\nhalf a mes');
    client.close();
    await new Promise((r) => setTimeout(r, 300));
    expect((await deliveriesOf(w.services, help)).length).toBe(before);
  });
});

describe('SMTP listener start-up and TLS', () => {
  let w: InboundWorld;
  beforeAll(async () => {
    w = await createInboundWorld('pglite');
    await makeEmailInbox(w.services, { address: 'help@desk.test' });
  });
  afterAll(() => w.close());

  it('a port already in use stops start-up with a clear error', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as { port: number }).port;
    try {
      await expect(startSmtpListener(w.services, { port, host: '127.0.0.1', onError: () => {} })).rejects.toThrow(new RegExp(`SMTP_PORT ${port} is already in use`));
    } finally {
      blocker.close();
    }
  });

  it('one address may hold 20 connections at once; the next is turned away with 421', async () => {
    const smtp = await startSmtpListener(w.services, { port: 0, host: '127.0.0.1', onError: () => {} });
    const open: RawSmtp[] = [];
    try {
      for (let i = 0; i < 20; i++) {
        const { client, greeting } = await RawSmtp.open(smtp.port);
        expect(greeting).toMatch(/^220 /);
        open.push(client);
      }
      const { client, greeting } = await RawSmtp.open(smtp.port);
      open.push(client);
      expect(greeting).toMatch(/^421 /);
      // Once one leaves, a new connection is welcome again.
      open.shift()!.close();
      await new Promise((r) => setTimeout(r, 200));
      const again = await RawSmtp.open(smtp.port);
      open.push(again.client);
      expect(again.greeting).toMatch(/^220 /);
    } finally {
      for (const c of open) c.close();
      await smtp.close();
    }
  });

  it('offers STARTTLS when a certificate is configured, and takes mail over it', async () => {
    const cert = join(w.dataDir, 'cert.pem');
    const key = join(w.dataDir, 'key.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=localhost'], { stdio: 'ignore' });
    const services = { ...w.services, env: { ...w.services.env, SMTP_TLS_CERT: cert, SMTP_TLS_KEY: key } };
    const smtp = await startSmtpListener(services, { port: 0, host: '127.0.0.1', onError: () => {} });
    try {
      const { client } = await RawSmtp.open(smtp.port);
      expect(await client.command('EHLO client.example.com')).toContain('STARTTLS');
      client.close();
      const res = await nodemailer
        .createTransport({ host: '127.0.0.1', port: smtp.port, secure: false, requireTLS: true, tls: { rejectUnauthorized: false } })
        .sendMail({ envelope: { from: 'a@example.com', to: 'help@desk.test' }, raw: mail() });
      expect(res.response).toMatch(/^250 /);
    } finally {
      await smtp.close();
    }
  });
});
