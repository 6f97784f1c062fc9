import { describe, expect, it } from 'vitest';
import { languageDetector } from './languageDetector.ts';

describe('languageDetector', () => {
  it('calls short mixed Chinese with tickers and networks Chinese (tinyld alone says Danish)', () => {
    expect(languageDetector('USDT 提币 TRC20 多久到账')).toBe('zh-CN');
    expect(languageDetector('交易问题申诉 - 订单号 20261201xxxx')).toBe('zh-CN');
  });

  it('maps Traditional Chinese to the desk locale zh-CN', () => {
    expect(languageDetector('提幣一直沒到賬,請幫忙查詢')).toBe('zh-CN');
  });

  it('keeps English English, even with a Chinese name in the signature', () => {
    expect(languageDetector('My withdrawal has not arrived')).toBe('en');
    expect(
      languageDetector(
        'Hello, I withdrew 500 USDT to my wallet two hours ago and it still shows pending. Could you check what is going on with it? Thanks, 王芳',
      ),
    ).toBe('en');
  });

  it('calls a Chinese mail with an English disclaimer Chinese when the Chinese carries the message', () => {
    expect(languageDetector('你好,我的账户被冻结了,无法提币,请尽快帮我解冻。\n--\nSent from my iPhone. This email is confidential.')).toBe('zh-CN');
  });

  it('falls back to English for languages the desk does not support (Japanese uses Han too)', () => {
    expect(languageDetector('出金が届きません。確認してください')).toBe('en');
    expect(languageDetector('Mein Konto wurde gesperrt und ich kann nichts abheben')).toBe('en');
    expect(languageDetector('')).toBe('en');
  });

  it('names another language the desk supports through tinyld, and still never calls Chinese anything else', () => {
    const desk = ['en', 'zh-CN', 'fr'];
    expect(languageDetector('Bonjour, mon retrait est bloqué depuis hier soir, pouvez-vous vérifier ?', desk)).toBe('fr');
    expect(languageDetector('Mein Konto wurde gesperrt und ich kann nichts abheben', desk)).toBe('en');
    expect(languageDetector('USDT 提币 TRC20 多久到账', desk)).toBe('zh-CN');
    expect(languageDetector('My withdrawal has not arrived yet, please check', desk)).toBe('en');
  });

  it('reads only the start of a huge text', () => {
    const started = performance.now();
    expect(languageDetector('我的提币没有到账。'.repeat(100_000))).toBe('zh-CN');
    expect(performance.now() - started).toBeLessThan(200);
  });
});
