import { describe, expect, it } from 'vitest';
import { isForwardSubject, stripSubjectPrefixes, ticketNumberIn } from './subject.ts';

describe('stripSubjectPrefixes', () => {
  it.each([
    ['Re: 提币未到账', '提币未到账'],
    ['RE: RE: Withdrawal pending', 'Withdrawal pending'],
    ['Re[2]: Withdrawal', 'Withdrawal'],
    ['Re(3): Withdrawal', 'Withdrawal'],
    ['Re^2: Withdrawal', 'Withdrawal'],
    ['Fwd: FW: Fw: deposit', 'deposit'],
    ['AW: WG: Auszahlung', 'Auszahlung'],
    ['SV: VS: VB: FS: uttag', 'uttag'],
    ['R: RIF: I: prelievo', 'prelievo'],
    ['TR: Re : retrait', 'retrait'],
    ['Antw: Doorst: opname', 'opname'],
    ['RV: RES: ENC: saque', 'saque'],
    ['Odp: PD: wypłata', 'wypłata'],
    ['ΑΠ: ΣΧΕΤ: ανάληψη', 'ανάληψη'],
    ['回复: 提币未到账', '提币未到账'],
    ['回复：提币未到账', '提币未到账'],
    ['回覆：提幣未到賬', '提幣未到賬'],
    ['答复: 回复: RE: 提币', '提币'],
    ['答覆：轉寄：提幣', '提幣'],
    ['转发：转发: 账户冻结', '账户冻结'],
    ['轉發: 账户', '账户'],
    ['返信: 転送: 出金', '出金'],
    ['전달: 회신: 답장: 출금', '출금'],
    ['  re:fwd:  spaced  ', 'spaced'],
    ['RE: [#10234] 提币未到账', '[#10234] 提币未到账'],
    // not prefixes: words that merely start like one, or a prefix word without its colon
    ['Regarding: my account', 'Regarding: my account'],
    ['Review of my KYC', 'Review of my KYC'],
    ['Re my withdrawal', 'Re my withdrawal'],
    ['回复我的问题', '回复我的问题'],
    ['Transfer: 100 USDT', 'Transfer: 100 USDT'],
    ['', ''],
  ])('%j → %j', (subject, stripped) => {
    expect(stripSubjectPrefixes(subject)).toBe(stripped);
  });

  it('strips thousands of repeated prefixes in linear time', () => {
    const subject = 'Re: 回复：AW: '.repeat(20_000) + 'end';
    const started = performance.now();
    expect(stripSubjectPrefixes(subject)).toBe('end');
    expect(performance.now() - started).toBeLessThan(500);
  });

  it('gives up quickly on a hostile subject that almost looks like a prefix', () => {
    const subject = 'Re' + ' '.repeat(200_000) + 'x:' + 'Re['.repeat(50_000);
    const started = performance.now();
    expect(stripSubjectPrefixes(subject)).toBe(subject.trimEnd());
    expect(performance.now() - started).toBeLessThan(500);
  });
});

describe('isForwardSubject', () => {
  it.each([
    ['Fwd: x', true], ['FW: x', true], ['转发：x', true], ['轉寄: x', true], ['WG: x', true], ['TR: x', true], ['Fwd[2]: x', true],
    ['Re: Fwd: x', false], ['回复：转发：x', false], ['Forward planning', false], ['x', false],
  ])('%j → %j', (subject, forward) => {
    expect(isForwardSubject(subject)).toBe(forward);
  });
});

describe('ticketNumberIn', () => {
  it.each([
    ['[#10234] Withdrawal', 10234],
    ['RE: 回复：[#10234] 提币未到账', 10234],
    ['Withdrawal pending [#1234]', 1234],
    ['[#123456789012] x', 123456789012],
    ['[#123] too short', undefined],
    ['[#1234567890123] too long', undefined],
    ['#10234 without brackets', undefined],
    ['[# 10234] spaced', undefined],
    ['订单号 20261201 [#abc]', undefined],
    ['[#10234][#20000]', 10234],
  ])('%j → %j', (subject, number) => {
    expect(ticketNumberIn(subject)).toBe(number);
  });

  it('is fast on a very long subject of near-tokens', () => {
    const subject = '[#123'.repeat(100_000);
    const started = performance.now();
    expect(ticketNumberIn(subject)).toBeUndefined();
    expect(performance.now() - started).toBeLessThan(500);
  });
});
