/**
 * Which MIME parser the email channel uses: mailparser (simpleParser) or postal-mime.
 * Measures messages per second (and our whole parseMail on top of postal-mime, for reference) over the real-world corpus (../shared/mail-corpus) and checks
 * what each decodes right on Chinese and European charsets, with and without our GB18030 relabel
 * (server/channels/email/charsets.ts). Prints a table, writes bench/results/email-parsers.json.
 *
 *   npm run bench:email-parsers            (ROUNDS=20 by default)
 */
import { readdirSync, readFileSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import iconv from 'iconv-lite';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { simpleParser } from 'mailparser';
import PostalMime from 'postal-mime';
import { relabelChineseCharsets } from '../server/channels/email/charsets.ts';
import { parseMail } from '../server/channels/email/parser.ts';

const corpusDir = fileURLToPath(new URL('../../shared/mail-corpus', import.meta.url));
const rounds = Number(process.env.ROUNDS ?? 20);

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return filesUnder(path);
    return /\.(eml|raw)$/.test(name) ? [path] : [];
  });
}

type Parse = (raw: Buffer) => Promise<{ subject?: string; text?: string }>;
const parsers: Record<string, Parse> = {
  mailparser: async (raw) => {
    const m = await simpleParser(raw, { skipImageLinks: true, skipTextToHtml: true, skipTextLinks: true });
    return { subject: m.subject, text: m.text };
  },
  'postal-mime': async (raw) => {
    const m = await PostalMime.parse(raw);
    return { subject: m.subject, text: m.text };
  },
  // What the channel really runs: postal-mime plus relabelling, sniffing, sanitising, classifying and quote folding.
  parseMail: async (raw) => {
    const m = await parseMail(raw);
    return { subject: m.subject, text: [m.text, m.quoted].filter(Boolean).join('\n') };
  },
};

/** A one-part message whose body and subject are in the given charset, as a sender would write it. */
function charsetCase(label: string, encodeAs: string, text: string, transfer: 'base64' | 'quoted-printable'): Buffer {
  const bytes = iconv.encode(text, encodeAs);
  const body = transfer === 'base64' ? bytes.toString('base64') : qp(bytes);
  const subject = `=?${label}?B?${bytes.toString('base64')}?=`;
  return Buffer.from(
    `From: a@example.com\r\nTo: b@example.com\r\nSubject: ${subject}\r\nMIME-Version: 1.0\r\n` +
      `Content-Type: text/plain; charset="${label}"\r\nContent-Transfer-Encoding: ${transfer}\r\n\r\n${body}\r\n`,
    'latin1',
  );
}

function qp(bytes: Buffer): string {
  let out = '';
  for (const b of bytes) out += b >= 33 && b <= 126 && b !== 61 ? String.fromCharCode(b) : `=${b.toString(16).toUpperCase().padStart(2, '0')}`;
  return out.replace(/(.{72})/g, '$1=\r\n');
}

/** A typical support mail: ~20 KB multipart/alternative, Chinese text and HTML, a small attachment; or a large one. */
function typicalMail(attachmentBytes: number): Buffer {
  const para = '您好，我在贵平台的USDT提币（TRC20）已经超过24小时没有到账，订单号 20261201-88231，请帮忙查询。Thanks for checking. ';
  const text = para.repeat(40);
  const html = `<html><body>${`<p>${para}</p>`.repeat(40)}</body></html>`;
  const attachment = Buffer.alloc(attachmentBytes, 7).toString('base64').replace(/(.{76})/g, '$1\r\n');
  return Buffer.from(
    'From: =?UTF-8?B?5byg5LiJ?= <zhang@example.com>\r\nTo: support@example.com\r\nSubject: =?UTF-8?B?5o+Q5biB5pyq5Yiw6LSm?=\r\n' +
      'Message-ID: <typical@example.com>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="m"\r\n\r\n' +
      '--m\r\nContent-Type: multipart/alternative; boundary="a"\r\n\r\n' +
      `--a\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n${Buffer.from(text).toString('base64').replace(/(.{76})/g, '$1\r\n')}\r\n` +
      `--a\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n${Buffer.from(html).toString('base64').replace(/(.{76})/g, '$1\r\n')}\r\n--a--\r\n` +
      `--m\r\nContent-Type: application/pdf; name="a.pdf"\r\nContent-Disposition: attachment; filename="a.pdf"\r\nContent-Transfer-Encoding: base64\r\n\r\n${attachment}\r\n--m--\r\n`,
  );
}

const cases = [
  { name: 'GB2312 label, GB2312 text', raw: charsetCase('gb2312', 'gb2312', '您好，我的提币一直没有到账', 'base64'), want: '您好，我的提币一直没有到账' },
  { name: 'GB2312 label, GBK chars (镕)', raw: charsetCase('GB2312', 'gbk', '朱镕基的提現問題', 'quoted-printable'), want: '朱镕基的提現問題' },
  { name: 'GB2312 label, GB18030 4-byte (𠀀) and 䶮', raw: charsetCase('gb2312', 'gb18030', '用户名𠀀与䶮', 'base64'), want: '用户名𠀀与䶮' },
  { name: 'GBK label', raw: charsetCase('GBK', 'gbk', '账户被冻结了怎么办', 'quoted-printable'), want: '账户被冻结了怎么办' },
  { name: 'GB18030 label, 4-byte', raw: charsetCase('GB18030', 'gb18030', '钱包地址𠀀𪚥', 'base64'), want: '钱包地址𠀀𪚥' },
  { name: 'Big5', raw: charsetCase('big5', 'big5', '提幣一直沒到賬', 'base64'), want: '提幣一直沒到賬' },
  { name: 'ISO-8859-1', raw: charsetCase('iso-8859-1', 'latin1', 'Grüße, Éric', 'quoted-printable'), want: 'Grüße, Éric' },
  { name: 'ISO-8859-2', raw: charsetCase('ISO-8859-2', 'iso-8859-2', 'Zażółć gęślą', 'quoted-printable'), want: 'Zażółć gęślą' },
];

async function main() {
  const corpus = filesUnder(corpusDir).map((path) => readFileSync(path));
  if (corpus.length === 0) throw new Error(`no corpus under ${corpusDir}`);
  const results: Record<string, unknown> = { corpusMessages: corpus.length, rounds, at: new Date().toISOString(), parsers: {} };
  for (const [name, parse] of Object.entries(parsers)) {
    let errors = 0;
    for (const raw of corpus) await parse(raw).catch(() => errors++); // warm-up, counts rejections
    const started = process.hrtime.bigint();
    for (let r = 0; r < rounds; r++) for (const raw of corpus) await parse(raw).catch(() => undefined);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const msgsPerSecond = Math.round((corpus.length * rounds) / seconds);
    const typical = typicalMail(2_000);
    const typicalStart = process.hrtime.bigint();
    const typicalCount = rounds * 50;
    for (let i = 0; i < typicalCount; i++) await parse(typical);
    const typicalPerSecond = Math.round(typicalCount / (Number(process.hrtime.bigint() - typicalStart) / 1e9));
    // A 10 MB message: how long it takes and the longest the event loop is held while it runs.
    const large = typicalMail(10 * 1024 * 1024);
    const delay = monitorEventLoopDelay({ resolution: 5 });
    delay.enable();
    const largeStart = process.hrtime.bigint();
    await parse(large);
    const largeMs = Math.round(Number(process.hrtime.bigint() - largeStart) / 1e6);
    await new Promise((resolve) => setTimeout(resolve, 30)); // lets the monitor record the last stall
    delay.disable();
    const largeMaxBlockMs = Math.round(delay.max / 1e6);
    const charsets: Record<string, { plain: boolean; relabelled: boolean }> = {};
    for (const c of cases) {
      const plain = await parse(c.raw).catch(() => undefined);
      const relabelled = await parse(relabelChineseCharsets(c.raw)).catch(() => undefined);
      charsets[c.name] = {
        plain: plain?.text?.trim() === c.want && plain?.subject === c.want,
        relabelled: relabelled?.text?.trim() === c.want && relabelled?.subject === c.want,
      };
    }
    (results.parsers as Record<string, unknown>)[name] = { msgsPerSecond, rejected: errors, typicalBytes: typical.length, typicalPerSecond, largeBytes: large.length, largeMs, largeMaxBlockMs, charsets };
    console.log(`${name.padEnd(12)} corpus ${String(msgsPerSecond).padStart(6)} msgs/s  rejected ${errors}/${corpus.length}`);
    console.log(`${''.padEnd(12)} typical ${Math.round(typical.length / 1024)} KB ${String(typicalPerSecond).padStart(5)} msgs/s; ${Math.round(large.length / 1048576)} MB message ${largeMs} ms, event loop held up to ${largeMaxBlockMs} ms`);
    for (const [k, v] of Object.entries(charsets)) console.log(`   ${k.padEnd(42)} as sent: ${v.plain ? 'ok ' : 'BAD'}  relabelled: ${v.relabelled ? 'ok' : 'BAD'}`);
  }
  mkdirSync(fileURLToPath(new URL('./results', import.meta.url)), { recursive: true });
  writeFileSync(fileURLToPath(new URL('./results/email-parsers.json', import.meta.url)), JSON.stringify(results, null, 2) + '\n');
}

await main();
