import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { emailAdapter } from './adapter.ts';
import { charsetSniffingInstalled } from './charsetSniffing.ts';
import { parseMail } from './parser.ts';
import { stripSubjectPrefixes } from './subject.ts';

// Hand-made fixtures (test/fixtures/mail/generate.ts writes them as each client sends mail).
const fixture = (name: string) => readFileSync(new URL(`../../../test/fixtures/mail/${name}`, import.meta.url));
const parse = (name: string) => parseMail(fixture(name));

describe('parseMail: Chinese charsets', () => {
  it('decodes a GB2312 B-encoded subject and sender name and a GB2312 base64 body', async () => {
    const message = await parse('gb2312-subject-b.eml');
    expect(message.subject).toBe('回复：提币未到账');
    expect(message.from).toEqual({ externalId: 'zhang.san@163.example', email: 'zhang.san@163.example', name: '张三' });
    expect(message.text).toBe('您好，我的USDT提币已经超过24小时没有到账。\n订单号：20261201-88231');
    expect(message.headers['content-type']).toBe('text/plain; charset="gb2312"'); // as sent, not as we relabelled it
  });

  it('decodes a GB2312 Q-encoded subject and a GBK quoted-printable body with GBK-only characters', async () => {
    const message = await parse('gbk-qp.eml');
    expect(message.subject).toBe('账户被冻结 朱镕基');
    expect(message.text).toBe('我叫王瑀堃，账户被冻结了，请帮忙解冻。朱镕基。');
  });

  it('decodes GB18030 four-byte and rare characters, also when the part claims GB2312', async () => {
    const message = await parse('gb18030-rare.eml');
    expect(message.subject).toBe('身份核实 䶮𠀀');
    // The first part is labelled GB18030, the second GB2312 with the same bytes: both decode exactly.
    expect(message.text).toBe('我的名字是李䶮，昵称𠀀，请核实身份。\n我的名字是李䶮，昵称𠀀，请核实身份。');
    expect(message.text).not.toContain('\ufffd');
  });

  it('decodes Big5 subject, name and body', async () => {
    const message = await parse('big5.eml');
    expect(message.subject).toBe('提幣一直沒到賬');
    expect(message.from.name).toBe('陳大文');
    expect(message.text).toBe('您好，我的提幣一直沒到賬，請幫忙查詢。謝謝！');
  });

  it('reads unlabelled GBK (no charset, 8bit) by its bytes', async () => {
    expect(charsetSniffingInstalled).toBe(true); // false means a postal-mime upgrade moved its internals
    expect((await parse('gbk-unlabelled.eml')).text).toBe('你好，我的提现申请已经三天了还没有处理，请尽快帮我查一下。');
  });

  it('reads Big5 mislabelled as UTF-8 by its bytes', async () => {
    expect((await parse('big5-labelled-utf8.eml')).text).toBe('您好，我的帳戶無法登入，請幫忙處理。謝謝！');
  });

  it('leaves a correctly labelled Latin part alone', async () => {
    const raw = Buffer.concat([Buffer.from('From: a@example.de\r\nContent-Type: text/plain; charset=iso-8859-1\r\n\r\n'), Buffer.from('Grüße aus Köln', 'latin1')]);
    expect((await parseMail(raw)).text).toBe('Grüße aus Köln');
  });

  it('decodes RFC 2231 file names (plain and continued) and Outlook\'s GB2312 encoded-word name', async () => {
    const message = await parse('filenames.eml');
    expect(message.attachments.map((a) => a.filename)).toEqual(['身份证明.pdf', '充值记录.pdf', '银行流水.pdf']);
    expect(message.attachments.every((a) => !a.inline && a.content.toString().startsWith('%PDF'))).toBe(true);
    expect(message.text).toBe('附件是我的身份证明。');
  });
});

describe('parseMail: HTML, inline images, attachments', () => {
  it('keeps the cid image inline, the PDF as a file, and sanitises the HTML', async () => {
    const message = await parse('html-inline.eml');
    expect(message.attachments).toEqual([
      expect.objectContaining({ filename: 'screenshot.png', contentType: 'image/png', contentId: 'shot-1@example.cn', inline: true }),
      expect.objectContaining({ filename: 'statement.pdf', contentType: 'application/pdf', inline: false }),
    ]);
    expect(message.attachments[0]!.content.subarray(1, 4).toString()).toBe('PNG');
    const html = message.html!;
    expect(html).toContain('<img src="cid:shot-1@example.cn" alt="screenshot" />');
    expect(html).toContain('<a href="https://exchange.example/help" target="_blank" rel="noopener noreferrer nofollow">帮助中心</a>');
    // The remote image is a link, not an image the agent's browser would fetch.
    expect(html).toContain('<a href="https://tracker.example/pixel.gif" target="_blank" rel="noopener noreferrer nofollow">[image: pixel]</a>');
    expect(html).not.toMatch(/<img[^>]+https?:/);
    for (const banned of ['<script', 'steal', 'onload', 'onerror', 'javascript:', '<iframe', '<style', 'evil.example']) expect(html).not.toContain(banned);
    expect(message.text).toBe('提币失败，截图如下：\n[image: screenshot]');
  });

  it('derives the text from the HTML when there is no text part, quotes folded', async () => {
    const message = await parse('reply-netease-163.eml');
    expect(message.text).toBe('TXID已经发给你们了，请查收。');
    expect(message.quoted).toBe('在 2026-12-01 15:00:00，"Exchange Support" <support@exchange.example> 写道：\n> 请提供充值的TXID。');
    expect(message.html).toContain('<blockquote><p>请提供充值的TXID。</p></blockquote>');
  });
});

describe('parseMail: replies from each client', () => {
  it.each([
    ['reply-outlook-zh.eml', '答复: [#10234] 提币未到账', 10234, '已经按要求提供了TXID：0xabc123。\n\n张三', '发件人: Exchange Support <support@exchange.example>'],
    ['reply-foxmail.eml', '回复：[#10235] 账户冻结', 10235, '身份证照片已上传，请尽快解冻。\n\nlisi', '发件人：Exchange Support'],
    ['reply-qq.eml', '回复：提币未到账', undefined, '好的，我再等等。', '------------------ 原始邮件 ------------------'],
    ['reply-netease-163.eml', 'Re:[#10236] 充值未到账', 10236, 'TXID已经发给你们了，请查收。', '在 2026-12-01 15:00:00，'],
    ['reply-gmail-zh.eml', 'Re: [#10237] 提币地址', 10237, '地址是 TXYZ123，网络是 TRC20。', 'Exchange Support <support@exchange.example> 于2026年12月1日周二 下午3:00写道：'],
    ['reply-gmail-en.eml', 'Re: [#10238] Withdrawal pending', 10238, 'The TXID is 0xdef456.', 'On Tue, Dec 1, 2026 at 3:00 PM Exchange Support Team of Example Exchange <\nsupport@exchange.example> wrote:'],
    ['reply-apple-mail.eml', 'Re: [#10239] KYC', 10239, 'Done, I uploaded my passport — thanks!\n\nDaniel', '> On Dec 1, 2026, at 15:00, Exchange Support <support@exchange.example> wrote:'],
  ])('%s: subject %j, ticket %j, new text only', async (name, subject, ticketNumber, text, quoteStart) => {
    const message = await parse(name);
    expect(message.subject).toBe(subject);
    expect(message.thread.ticketNumber).toBe(ticketNumber);
    expect(message.text).toBe(text);
    expect(message.quoted?.startsWith(quoteStart)).toBe(true);
    expect(message.thread.inReplyTo).toEqual(['agent-reply-1@exchange.example']);
    expect(message.thread.references).toEqual(['first@163.example', 'agent-reply-1@exchange.example']);
    expect(message.autoSubmitted).toBe(false);
  });

  it.each([
    ['reply-outlook-zh.eml', '[#10234] 提币未到账'],
    ['reply-foxmail.eml', '[#10235] 账户冻结'],
    ['reply-qq.eml', '提币未到账'],
    ['reply-netease-163.eml', '[#10236] 充值未到账'],
    ['gb2312-subject-b.eml', '提币未到账'],
  ])('%s: the subject without prefixes is %j', async (name, stripped) => {
    expect(stripSubjectPrefixes((await parse(name)).subject ?? '')).toBe(stripped);
  });

  it('folds nothing in a forwarded mail (Outlook FW: with a header block): the forwarded mail is the content', async () => {
    const body = 'Is this mail from you?\r\n\r\nFrom: Exchange <security@exchange-login.example>\r\nSent: Tuesday, December 1, 2026 3:00 PM\r\nTo: me@corp.example\r\nSubject: Verify your wallet\r\n\r\nClick here to verify';
    const forwarded = await parseMail(Buffer.from(`From: me@corp.example\r\nSubject: FW: Verify your wallet\r\n\r\n${body}\r\n`));
    expect(forwarded.text).toBe(body.replace(/\r\n/g, '\n'));
    expect(forwarded.quoted).toBeUndefined();
    const replied = await parseMail(Buffer.from(`From: me@corp.example\r\nSubject: RE: Verify your wallet\r\n\r\n${body}\r\n`));
    expect(replied.text).toBe('Is this mail from you?');
  });

  it('reads addresses lower-cased with their names, and the ids without brackets', async () => {
    const message = await parse('reply-gmail-en.eml');
    expect(message.externalId).toBe('CAF=gmail-en@mail.gmail.example');
    expect(message.from).toEqual({ externalId: 'alice.smith@gmail.example', email: 'alice.smith@gmail.example', name: 'Alice Smith' });
    expect(message.to).toEqual([{ externalId: 'support@exchange.example', email: 'support@exchange.example', name: 'Exchange Support' }]);
    expect(message.cc).toEqual([
      { externalId: 'bob@example.com', email: 'bob@example.com', name: 'Bob' },
      { externalId: 'carol@example.com', email: 'carol@example.com' },
    ]);
    expect(message.sentAt?.toISOString()).toBe('2026-12-01T07:00:00.000Z');
    expect(message.headers['message-id']).toBe('<CAF=gmail-en@mail.gmail.example>');
  });
});

describe('parseMail: machine mail and odd mail', () => {
  const mail = (head: string, body = 'hello') => Buffer.from(`From: Someone <someone@example.com>\r\nTo: support@exchange.example\r\n${head}\r\n\r\n${body}\r\n`);

  it.each([
    ['Auto-Submitted: auto-replied', 'auto_reply'],
    ['Auto-Submitted: auto-generated', 'auto_reply'],
    ['Auto-Submitted: no', false],
    ['Precedence: bulk', 'auto_reply'],
    ['Precedence: junk', 'auto_reply'],
    ['Precedence: list', 'list'],
    ['Precedence: bulk\r\nList-Id: <news.example.com>', 'list'],
    ['X-Autoreply: yes', 'auto_reply'],
    ['X-Autorespond: Out of office', 'auto_reply'],
    ['X-Auto-Response-Suppress: OOF', 'auto_reply'],
    ['X-Auto-Response-Suppress: All', 'auto_reply'],
    ['X-Auto-Response-Suppress: DR, RN', false],
    ['Subject: Out of Office: Re: withdrawal', 'auto_reply'],
    ['Subject: Automatic reply: [#10234] 提币', 'auto_reply'],
    ['Subject: Auto: away', 'auto_reply'],
    ['Subject: =?UTF-8?B?6Ieq5Yqo5Zue5aSNOiDmj5DluIE=?=', 'auto_reply'], // 自动回复: 提币
    ['Subject: =?UTF-8?B?5Zue5aSN77ya5LyR5YGH5Lit?=', 'auto_reply'], // 回复：休假中
    ['Subject: =?UTF-8?B?5LiN5Zyo5Yqe5YWs5a6k?=', 'auto_reply'], // 不在办公室
    ['Subject: =?UTF-8?B?5LyR5YGH5pyf6Ze05o+Q5biB5oCO5LmI5Yqe?=', false], // 休假期间提币怎么办: a customer's question
    ['Subject: Automatic withdrawals stopped', false],
    ['Return-Path: <>', 'auto_reply'],
    // A customer forwarding a bounce is a customer.
    ['Subject: Fwd: Undelivered Mail Returned to Sender', false],
    // Google Groups as the support address adds List-Id to every customer's mail: not list mail on its own.
    ['List-Id: <support.exchange.example>', false],
  ])('%s → %j', async (head, kind) => {
    expect((await parseMail(mail(head))).autoSubmitted).toBe(kind);
  });

  it('treats a plain bounce from MAILER-DAEMON as a bounce with its reason', async () => {
    const message = await parseMail(Buffer.from(
      'From: MAILER-DAEMON@mx.example.com\r\nTo: support@exchange.example\r\nSubject: failure notice\r\n\r\n' +
      'Sorry, we were unable to deliver your message to the following address.\r\n\r\n<gone@example.com>:\r\n550 5.1.1 User unknown\r\n\r\n' +
      '--- Below this line is a copy of the message.\r\n\r\nMessage-ID: <our-reply-1@exchange.example>\r\nFrom: support@exchange.example\r\n',
    ));
    expect(message.autoSubmitted).toBe('bounce');
    expect(message.bounce).toMatchObject({ originalMessageId: 'our-reply-1@exchange.example', recipient: 'gone@example.com', status: '5.1.1', permanent: true });
    expect(message.bounce?.reason).toMatch(/unable to deliver/);
  });

  it('gives mail without a Message-ID a stable synthetic id from its bytes', async () => {
    const raw = Buffer.from('From: a@example.com\r\nSubject: no id\r\n\r\nbody\r\n');
    const expected = `sha256-${createHash('sha256').update(raw).digest('hex')}@switchboard.invalid`;
    expect((await parseMail(raw)).externalId).toBe(expected);
    expect((await parseMail(Buffer.from(raw))).externalId).toBe(expected);
  });

  it('keeps a mail it cannot structure as text, never throwing', async () => {
    let nested = 'From: Nest <nest@example.com>\r\nSubject: =?utf-8?B?5rex?=\r\nContent-Type: multipart/mixed; boundary="b0"\r\n\r\n';
    for (let i = 0; i < 300; i++) nested += `--b${i}\r\nContent-Type: multipart/mixed; boundary="b${i + 1}"\r\n\r\n`;
    nested += '--b300\r\nContent-Type: text/plain\r\n\r\ndeep text 深\r\n';
    const message = await parseMail(Buffer.from(nested));
    expect(message.subject).toBe('深');
    expect(message.from.email).toBe('nest@example.com');
    expect(message.text).toContain('deep text 深');
    expect(message.autoSubmitted).toBe(false);
  });

  it('keeps an unknown charset and broken base64 as text', async () => {
    const message = await parseMail(Buffer.from(
      'From: a@example.com\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\nContent-Type: text/plain; charset=x-no-such-charset\r\n\r\nplain words\r\n' +
      '--x\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n5rWL6K+V!!!@@@\r\n--x--\r\n',
    ));
    expect(message.text).toContain('plain words');
    expect(message.text).toContain('测试');
  });

  it('never throws on arbitrary bytes or damaged fixtures', async () => {
    const samples = ['html-inline.eml', 'reply-qq.eml', 'filenames.eml'].map(fixture);
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: samples.length - 1 }), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 30 }), fc.nat(), async (which, edits, cut) => {
        const raw = Buffer.from(samples[which]!);
        for (const [at, byte] of edits) raw[at % raw.length] = byte;
        const message = await parseMail(raw.subarray(0, Math.max(1, cut % (raw.length + 1))));
        expect(typeof message.text).toBe('string');
        expect(message.externalId).toMatch(/\S/);
      }),
      { numRuns: 150 },
    );
    await fc.assert(fc.asyncProperty(fc.uint8Array({ maxLength: 2000 }), async (bytes) => {
      expect(typeof (await parseMail(Buffer.from(bytes))).text).toBe('string');
    }), { numRuns: 150 });
    for (const raw of [Buffer.alloc(0), Buffer.from('\r\n\r\n'), Buffer.from('no headers at all'), Buffer.from(`Subject: ${'x'.repeat(3_000_000)}\r\n\r\nbody`)]) {
      await expect(parseMail(raw)).resolves.toHaveProperty('text');
    }
  });
});

describe('parseMail: hostile mail stays linear', () => {
  const big = 1_000_000;
  // [case, raw, bound in ms]: the first four cost only our code (well under 0.5 s; the cubic address
  // pattern they caught took 4-5 s); the rest are dominated by postal-mime and sanitize-html.
  it.each([
    ['a bounce whose lines are full of @', `From: MAILER-DAEMON@x.example\r\nSubject: failure notice\r\n\r\n${('a@'.repeat(140) + '\r\n').repeat(2000)}`, 3_000],
    ['a bounce with one long line and no @', `From: MAILER-DAEMON@x.example\r\nSubject: failure notice\r\n\r\n${'a'.repeat(big)}\r\n`, 3_000],
    ['a bounce of Message-ID lines without ids', `From: MAILER-DAEMON@x.example\r\nSubject: failure notice\r\n\r\n${('Message-ID: ' + 'a'.repeat(200) + '\r\n').repeat(3000)}`, 3_000],
    ['a DSN with a huge recipient field', `From: MAILER-DAEMON@x.example\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=b\r\n\r\n--b\r\nContent-Type: message/delivery-status\r\n\r\nFinal-Recipient: rfc822; ${'x'.repeat(big)}\r\nAction: failed\r\n--b--\r\n`, 3_000],
    ['a From header without @', `From: ${'x'.repeat(200_000)}\r\nSubject: x\r\n\r\nbody`, 5_000],
    ['HTML of unclosed tags', `From: a@x.example\r\nContent-Type: text/html\r\n\r\n${'<p'.repeat(150_000)}`, 5_000],
    ['10k quoted lines', `From: a@x.example\r\n\r\nnew\r\n${'> quoted line\r\n'.repeat(10_000)}`, 8_000],
    ['a subject of a million prefixes', `From: a@x.example\r\nSubject: ${'Re: '.repeat(big / 4)}[#10234] x\r\n\r\nx`, 5_000],
  ])('%s', async (_name, raw, bound) => {
    const started = performance.now();
    const message = await parseMail(Buffer.from(raw));
    expect(typeof message.text).toBe('string');
    expect(performance.now() - started).toBeLessThan(bound);
  });
});

describe('emailAdapter.parse', () => {
  it('turns one raw mail from SMTP or IMAP into one message', async () => {
    const raw = fixture('big5.eml');
    for (const source of ['smtp', 'imap'] as const) {
      const messages = await emailAdapter.parse!({ source, raw }, {});
      expect(messages).toHaveLength(1);
      expect(messages[0]!.subject).toBe('提幣一直沒到賬');
    }
  });
});
