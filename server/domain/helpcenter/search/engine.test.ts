import { describe, expect, it } from 'vitest';
import { SearchIndex, snippet } from './engine.ts';
import { stem } from './stemmer.ts';
import { tokenize } from './tokenizer.ts';

const terms = (text: string) => tokenize(text, { forQuery: true }).filter((t) => !t.term.startsWith('~')).map((t) => t.term);

describe('Chinese and English tokens', () => {
  it('segments typical exchange phrases into whole words, with bigrams as a fallback', () => {
    expect(terms('USDT提币TRC20没到账')).toEqual(['usdt', '提币', 'trc20', '没', '到账']);
    expect(terms('合约爆仓了能找回吗')).toEqual(expect.arrayContaining(['合约', '爆仓', '找回']));
    expect(terms('如何重置资金密码')).toEqual(['重置', '资金密码']);
    const all = tokenize('防钓鱼码').map((t) => t.term);
    expect(all).toContain('防钓鱼码');
    expect(all).toContain('~钓鱼');
  });

  // Regression (found by test/api/openapi-properties.test.ts): GET /help/search?q=constructor answered 500,
  // because the stemmer's word table is a plain object and found Object.prototype.constructor.
  it('treats the names of Object.prototype members as ordinary words', () => {
    for (const word of ['constructor', 'toString', 'valueOf', 'hasOwnProperty', '__proto__', 'isPrototypeOf']) {
      expect(typeof stem(word.toLowerCase()), word).toBe('string');
      const index = new SearchIndex();
      index.add({ key: 'a:x', articleId: 'a', slug: 'a', locale: 'x', title: `The ${word} page`, tags: [], body: word, type: 'article', publishedAt: null });
      expect(index.search(word).map((h) => h.slug), word).toEqual(['a']);
    }
  });

  it('stems English so word forms meet, and folds full-width characters', () => {
    expect(new Set(['withdraw', 'withdrawal', 'withdrawals', 'withdrawing', 'withdrawn'].map(stem)).size).toBe(1);
    expect(stem('deposits')).toBe(stem('deposited'));
    expect(terms('ＵＳＤＴ　Ｄｅｐｏｓｉｔｓ')).toEqual(['usdt', stem('deposit')]);
  });
});

describe('SearchIndex', () => {
  const index = new SearchIndex();
  const add = (slug: string, title: string, body: string, tags: string[] = [], type: 'article' | 'faq' | 'announcement' = 'article', publishedAt: Date | null = null) =>
    index.add({ key: `${slug}:x`, articleId: slug, slug, locale: 'x', title, tags, body, type, publishedAt });
  add('reset-2fa', '如何重置谷歌验证器', '手机丢失或更换后,可以通过身份验证重置二次验证。', ['2FA', '谷歌验证']);
  add('withdrawal-delay', 'Why is my withdrawal delayed?', 'Withdrawals may wait for network confirmations or a security review.', ['withdraw']);
  add('deposit-missing', '充值未到账怎么办', '请核对充值地址与网络,提供交易哈希 TxID。', ['充值', '到账']);
  add('old-maintenance', 'Scheduled wallet maintenance', 'Deposits and withdrawals of ETH pause during maintenance.', [], 'announcement', new Date('2026-01-01'));
  add('new-maintenance', 'Scheduled wallet maintenance', 'Deposits and withdrawals of ETH pause during maintenance.', [], 'announcement', new Date('2026-11-20'));

  const top = (q: string, synonyms: string[][] = []) => index.search(q, { synonyms, now: new Date('2026-11-24') })[0]?.slug;

  it('finds Chinese articles from colloquial queries without spaces', () => {
    expect(top('谷歌验证器丢了怎么办')).toBe('reset-2fa');
    expect(top('充值没到账')).toBe('deposit-missing');
  });

  it('matches a word the dictionary splits differently through character bigrams', () => {
    // "验证器" alone: the title has 谷歌验证器 as one word, the bigrams still meet.
    expect(top('验证器')).toBe('reset-2fa');
  });

  it('tolerates typos in English words', () => {
    expect(top('withdrawl delayed')).toBe('withdrawal-delay');
    expect(top('withdarwal')).toBe('withdrawal-delay');
  });

  it('expands synonyms editors define', () => {
    expect(top('提现延迟')).toBeUndefined();
    expect(top('提现延迟', [['提现', '提币', 'withdrawal'], ['延迟', 'delayed']])).toBe('withdrawal-delay');
  });

  it('lifts recent announcements over old ones with the same words', () => {
    expect(top('wallet maintenance')).toBe('new-maintenance');
  });

  it('forgets removed documents', () => {
    index.remove('deposit-missing:x');
    expect(top('充值没到账')).not.toBe('deposit-missing');
    expect(index.size).toBe(4);
  });

  it('completes the word being typed from the vocabulary', () => {
    expect(index.completions('withd')).toContain(stem('withdrawals'));
  });
});

describe('snippets', () => {
  it('escapes the text and marks the matches', () => {
    expect(snippet('Never share <b>codes</b> & seed phrases', ['seed'])).toBe('Never share &lt;b&gt;codes&lt;/b&gt; &amp; <mark>seed</mark> phrases');
  });
});
