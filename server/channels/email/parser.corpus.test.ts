import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseMail } from './parser.ts';

// The real-world corpus lives beside the checkout (CI has ../shared); see its README.
const corpus = fileURLToPath(new URL('../../../../shared/mail-corpus', import.meta.url));
const present = existsSync(join(corpus, 'README.md'));
if (!present && process.env.CI === 'true') {
  throw new Error(`mail corpus missing at ${corpus}: CI must have ../shared/mail-corpus beside the checkout`);
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return filesUnder(path);
    return /\.(eml|raw)$/.test(name) ? [path] : [];
  });
}
const named = (dir: string) => (present ? filesUnder(join(corpus, dir)).map((path) => [relative(corpus, path), path] as const) : []);
const read = (name: string) => parseMail(readFileSync(join(corpus, name)));

// enmime's MIME samples are ordinary mail, except these (with why).
const enmimeMachineMail: Record<string, string> = {
  'enmime/testdata/mail/multipart-wo-boundary.raw': 'a real DSN (multipart/report from Mailer-Daemon, "Delivery Status Notification (Failure)") whose boundary is missing',
};

describe.skipIf(!present)('parseMail on the real-world corpus', () => {
  it('has the corpus the README describes', () => {
    expect(named('sisimai/bounces').length).toBeGreaterThanOrEqual(70);
    expect(named('sisimai/autoreplies').length).toBeGreaterThanOrEqual(3);
    expect(named('sisimai/not-bounces').length).toBeGreaterThanOrEqual(2);
    expect(named('enmime/testdata').length).toBeGreaterThanOrEqual(80);
    expect(named('enmime/dsn/testdata').length).toBeGreaterThanOrEqual(5);
  });

  it.each([...named('sisimai'), ...named('enmime')])('%s parses into a complete message', async (_name, path) => {
    const message = await parseMail(readFileSync(path));
    expect(message.externalId).toMatch(/\S/);
    expect(message.externalId).not.toMatch(/[<>\s]/);
    expect(typeof message.text).toBe('string');
    expect(Array.isArray(message.attachments)).toBe(true);
    for (const attachment of message.attachments) {
      expect(attachment.filename).toMatch(/\S/);
      expect(Buffer.isBuffer(attachment.content)).toBe(true);
    }
    for (const id of [...message.thread.inReplyTo, ...message.thread.references]) expect(id).not.toMatch(/[<>\s]/);
  });

  it.each(named('sisimai/bounces'))('%s is a bounce, never ordinary mail', async (name, path) => {
    const message = await parseMail(readFileSync(path));
    expect(message.autoSubmitted).toBe('bounce');
    if (name.endsWith('arf-01.eml')) {
      // A feedback (abuse) report: machine mail about our message, but no delivery failure to record.
      expect(message.bounce).toBeUndefined();
    } else {
      expect(message.bounce?.reason).toMatch(/\S/);
    }
  });

  it.each(named('enmime/dsn/testdata'))('%s is a bounce', async (_name, path) => {
    expect((await parseMail(readFileSync(path))).autoSubmitted).toBe('bounce');
  });

  it.each(named('sisimai/autoreplies'))('%s is an auto-reply', async (_name, path) => {
    const message = await parseMail(readFileSync(path));
    expect(message.autoSubmitted).toBe('auto_reply');
    expect(message.bounce).toBeUndefined();
  });

  it.each(named('sisimai/not-bounces'))('%s is ordinary mail', async (_name, path) => {
    const message = await parseMail(readFileSync(path));
    expect(message.autoSubmitted).toBe(false);
    expect(message.bounce).toBeUndefined();
  });

  it.each(named('enmime/testdata').filter(([name]) => !(name in enmimeMachineMail)))('%s (a MIME oddity) is ordinary mail', async (_name, path) => {
    expect((await parseMail(readFileSync(path))).autoSubmitted).toBe(false);
  });

  it.each(Object.keys(enmimeMachineMail))('%s is machine mail (see the list for why)', async (name) => {
    expect((await read(name)).autoSubmitted).toBe('bounce');
  });

  it.each([
    // A standard DSN with the returned message attached.
    ['sisimai/bounces/rfc3464-01.eml', 'E1C50F1B-1C83-4820-BC36-AC6FBFBE8568@example.org', 'userunknown@bouncehammer.jp', '5.1.1'],
    ['sisimai/bounces/lhost-amazonses-01.eml', '000001321defbd2a-788e31c8-2be1-422f-a8d4-cf7765cc9ed7-000000@email.amazonses.com', 'shironeko@example.co.jp', '5.0.0'],
    ['sisimai/bounces/lhost-office365-01.eml', 'FFFFFFFF.EEEEEEEE@example.ed.jp', 'kijitora@example.com', '5.1.10'],
    ['sisimai/bounces/lhost-outlook-01.eml', 'BLU436-SMTP6645ECA6E7FEFFE86D040BBA770@phx.gbl', 'kijitora@example.jp', '5.2.2'],
    // Plain-text bounces that quote the original headers in the body.
    ['sisimai/bounces/lhost-exim-01.eml', 'E1P1ce6-000Egt-GZ@e1.example.org', undefined, '5.7.0'],
    ['sisimai/bounces/lhost-qmail-01.eml', '000000000.9999999999999.JavaMail.postmaster@mailhub', 'kijitora@example.ne.jp', undefined],
    ['sisimai/bounces/lhost-gmail-01.eml', 'D992C2C3-F175-4C4D-97E2-53A90E4E5BF5@gmail.com', 'userunknown@example.jp', '5.1.1'],
    // Not multipart/report: a Japanese ISP's notice with the original as message/rfc822.
    ['sisimai/bounces/lhost-kddi-01.eml', '2013000000000000@example.jp', 'kijitora@x0000000000000.dion.ne.jp', undefined],
    // Broken structure: the rfc822-headers part's boundary is misspelt, the headers land in the DSN part.
    ['sisimai/bounces/rhost-google-01.eml', '201305110000000000000.r4B003v000000@mail4.example.co.jp', 'shironeko@example.ne.jp', '5.2.1'],
    // Broken structure: the returned message has no part headers of its own.
    ['sisimai/bounces/lhost-x1-01.eml', '000000000000000000000000000000000000@example.jp', 'kijitora@example.co.jp', undefined],
  ])('%s names our message %s, recipient %s, status %s', async (name, messageId, recipient, status) => {
    const { bounce } = await read(name);
    expect(bounce?.originalMessageId).toBe(messageId);
    if (recipient) expect(bounce?.recipient).toBe(recipient);
    if (status) expect(bounce?.status).toBe(status);
    expect(bounce?.permanent).toBe(true);
  });

  it('tells a delay from a failure', async () => {
    const delayed = await read('enmime/dsn/testdata/delayed_dsn.raw');
    expect(delayed.bounce).toMatchObject({ recipient: 'thomas@de-montfort.ac.uk', status: '4.0.0', permanent: false });
    const temporary = await read('sisimai/bounces/rhost-cloudflare-01.eml');
    expect(temporary.bounce).toMatchObject({ status: '4.3.0', permanent: false });
    const failed = await read('enmime/dsn/testdata/dsn_with_multipart_alternative.raw');
    expect(failed.bounce).toMatchObject({ recipient: 'non-existing@example.com', status: '5.1.10', permanent: true });
    expect(failed.bounce?.reason).toContain('RecipientNotFound');
  });

  it('keeps what cannot be decoded as text', async () => {
    const unknownCharset = await read('enmime/testdata/low-quality/unk-charset-part.raw');
    expect(unknownCharset.text.length).toBeGreaterThan(0);
    const brokenBase64 = await read('enmime/testdata/low-quality/malformed-base64-attach.raw');
    expect(brokenBase64.attachments.length + brokenBase64.text.length).toBeGreaterThan(0);
    // Labelled US-ASCII, written in Big5 / UTF-8: read by their bytes (charsetSniffing.ts).
    const big5 = await read('enmime/testdata/parts/chardet-success-big-5.raw');
    expect(big5.text).toContain('北齊  顏之推');
    expect(big5.text).not.toContain('\ufffd');
    const utf8 = await read('enmime/testdata/low-quality/incorrect-charset.raw');
    expect(utf8.text).toContain('∮ E⋅da = Q');
    // Labelled US-ASCII but Latin-1: no UTF-8 or Chinese reading convinces, so the Latin one stays.
    expect((await read('enmime/testdata/parts/chardet-success-iso-8859-1.raw')).text).toContain('Drachenköpfe');
  });
});
