import { describe, expect, it } from 'vitest';
import { splitQuoted } from './quoted.ts';

const lines = (...l: string[]) => l.join('\n');

describe('splitQuoted', () => {
  it.each([
    [
      'Gmail (en), top-posted',
      lines('Still not received.', '', 'On Tue, Dec 1, 2026 at 3:00 PM Support <support@ex.com> wrote:', '', '> Please wait 24 hours.', '> Thanks'),
      'Still not received.',
      lines('On Tue, Dec 1, 2026 at 3:00 PM Support <support@ex.com> wrote:', '', '> Please wait 24 hours.', '> Thanks'),
    ],
    [
      'Gmail (en), attribution wrapped over two lines',
      lines('Thanks!', '', 'On Tue, Dec 1, 2026 at 3:00 PM Exchange Support <', 'support@ex.com> wrote:', '> old'),
      'Thanks!',
      lines('On Tue, Dec 1, 2026 at 3:00 PM Exchange Support <', 'support@ex.com> wrote:', '> old'),
    ],
    [
      'Gmail (zh), 于 … 写道：',
      lines('还是没有到账。', '', '客服 <support@ex.com> 于2026年12月1日周二 下午3:00写道：', '', '> 请耐心等待。'),
      '还是没有到账。',
      lines('客服 <support@ex.com> 于2026年12月1日周二 下午3:00写道：', '', '> 请耐心等待。'),
    ],
    [
      'NetEase / Gmail web zh, 在 … 写道：',
      lines('好的，谢谢', '在 2026-12-01 15:00:00，"客服" <support@ex.com> 写道：', '请提供TXID。'),
      '好的，谢谢',
      lines('在 2026-12-01 15:00:00，"客服" <support@ex.com> 写道：', '请提供TXID。'),
    ],
    [
      'Outlook (en) Original Message',
      lines('See attached.', '', '-----Original Message-----', 'From: Support', 'Sent: Tuesday', 'hello'),
      'See attached.',
      lines('-----Original Message-----', 'From: Support', 'Sent: Tuesday', 'hello'),
    ],
    [
      'Outlook (en) rule and header block',
      lines('Done.', '', '________________________________', 'From: Support <support@ex.com>', 'Sent: Tuesday, December 1, 2026 3:00 PM', 'To: me@ex.com', 'Subject: RE: x', '', 'old'),
      'Done.',
      lines('________________________________', 'From: Support <support@ex.com>', 'Sent: Tuesday, December 1, 2026 3:00 PM', 'To: me@ex.com', 'Subject: RE: x', '', 'old'),
    ],
    [
      'Outlook (zh) header block',
      lines('已经提交了。', '', '发件人: 客服 <support@ex.com>', '发送时间: 2026年12月1日 15:00', '收件人: me@ex.com', '主题: 回复: 提币', '', '旧内容'),
      '已经提交了。',
      lines('发件人: 客服 <support@ex.com>', '发送时间: 2026年12月1日 15:00', '收件人: me@ex.com', '主题: 回复: 提币', '', '旧内容'),
    ],
    [
      'Foxmail full-width colons',
      lines('收到', '', '发件人：“客服”<support@ex.com>', '发送时间：2026年12月1日(星期二) 下午3:00', '收件人：“我”<me@qq.com>', '主题：回复：提币', '旧'),
      '收到',
      lines('发件人：“客服”<support@ex.com>', '发送时间：2026年12月1日(星期二) 下午3:00', '收件人：“我”<me@qq.com>', '主题：回复：提币', '旧'),
    ],
    [
      'QQ Mail 原始邮件',
      lines('请尽快处理', '', '', '------------------ 原始邮件 ------------------', '发件人: "客服"<support@ex.com>;', '发送时间: 2026年12月1日(星期二) 下午3:00', '旧'),
      '请尽快处理',
      lines('------------------ 原始邮件 ------------------', '发件人: "客服"<support@ex.com>;', '发送时间: 2026年12月1日(星期二) 下午3:00', '旧'),
    ],
    [
      'QQ Mail Original with no-break spaces',
      lines('ok', '------------------\u00a0Original\u00a0------------------', 'From: x'),
      'ok',
      lines('------------------\u00a0Original\u00a0------------------', 'From: x'),
    ],
    [
      'Apple Mail',
      lines('Yes.', '', '> On Dec 1, 2026, at 15:00, Support <support@ex.com> wrote:', '> ', '> old'),
      'Yes.',
      lines('> On Dec 1, 2026, at 15:00, Support <support@ex.com> wrote:', '> ', '> old'),
    ],
    [
      'trailing > block without attribution',
      lines('new', '> old 1', '> old 2', ''),
      'new',
      lines('> old 1', '> old 2'),
    ],
  ])('%s', (_name, input, text, quoted) => {
    expect(splitQuoted(input)).toEqual({ text, quoted });
  });

  it.each([
    ['no quote at all', 'Hello,\nmy withdrawal is stuck.\n\nRegards'],
    ['everything quoted', '> a\n> b\n> c'],
    ['only an attribution and its quote', 'On Tue, Dec 1, 2026 Support <s@ex.com> wrote:\n> a'],
    ['inline answers between quotes are kept whole', 'On Tue, Dec 1, 2026 Support <s@ex.com> wrote:\n> question 1?\nanswer 1\n> question 2?\nanswer 2'],
    ['a sentence ending in wrote: without date or address', 'This is what your agent wrote:\nPlease wait.'],
    ['a "From:" line alone is not a header block', 'From: my phone\nI need help'],
    ['forwarded message stays (it is the content)', 'FYI\n\n---------- Forwarded message ---------\nFrom: bank\nhello'],
    ['a Gmail forward with its full header block', 'FYI\n\n---------- Forwarded message ---------\nFrom: Bank <no-reply@bank.example>\nDate: Tue, Dec 1, 2026 at 3:00 PM\nSubject: Transfer\nTo: <me@example.com>\n\nYour transfer of 1 BTC'],
    ['an Apple Mail forward', 'Look:\n\nBegin forwarded message:\n\nFrom: x@y.example\nSubject: hi\nDate: 1 December 2026\nTo: me\n\n> quoted inside'],
    ['a Chinese Gmail forward', '请看\n\n---------- 转发的邮件 ---------\n发件人： 银行 <no-reply@bank.example>\n日期： 2026年12月1日周二 下午3:00\n主题： 转账\n收件人： <me@example.com>\n\n转账成功'],
    ['empty', ''],
  ])('keeps %s', (_name, input) => {
    expect(splitQuoted(input)).toEqual({ text: input });
  });

  it('keeps bottom-posted text under a quote', () => {
    const input = lines('On Tue, Dec 1, 2026 Support <s@ex.com> wrote:', '> question?', '', 'my answer', '', '> sig');
    expect(splitQuoted(input)).toEqual({ text: lines('On Tue, Dec 1, 2026 Support <s@ex.com> wrote:', '> question?', '', 'my answer'), quoted: '> sig' });
  });

  it('normalises CRLF', () => {
    expect(splitQuoted('new\r\n\r\n> old\r\n')).toEqual({ text: 'new', quoted: '> old' });
  });

  it('handles 10k ">" lines, long lines and near-markers in linear time', () => {
    const hostile = [
      '>'.repeat(10_000).split('').join('\n'),
      '-'.repeat(100_000) + ' Original',
      ('From' + ' '.repeat(400) + '\n').repeat(5_000),
      ('On ' + '1'.repeat(450) + ' wrote\n').repeat(5_000),
      ('-- ' + '-'.repeat(490) + '\n').repeat(5_000),
      'x' + ' '.repeat(200_000) + 'y',
    ];
    for (const input of hostile) {
      const started = performance.now();
      splitQuoted('new text\n' + input);
      expect(performance.now() - started).toBeLessThan(500);
    }
    const tenK = Array.from({ length: 10_000 }, (_, i) => `> line ${i}`).join('\n');
    expect(splitQuoted(tenK)).toEqual({ text: tenK });
    expect(splitQuoted('answer\n' + tenK)).toEqual({ text: 'answer', quoted: tenK });
  });
});
