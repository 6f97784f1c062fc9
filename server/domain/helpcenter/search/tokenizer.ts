import { createRequire } from 'node:module';
import { Jieba } from '@node-rs/jieba';
import { stem } from './stemmer.ts';

const require = createRequire(import.meta.url);

/**
 * Words of the exchange trade that jieba's general dictionary splits (提币 → 提|币, 到账 → 到|账).
 * High frequencies make the segmenter keep them whole.
 */
const TRADE_WORDS = [
  '提币', '充币', '提现', '充值', '到账', '入金', '出金', '谷歌验证', '谷歌验证器', '二次验证', '双重验证', '身份验证', '实名认证', '身份认证',
  '资金密码', '防钓鱼码', '爆仓', '强平', '强制平仓', '资金费率', '逐仓', '全仓', '止盈', '止损', '限价单', '市价单', '挂单', '吃单', '手续费',
  '合约', '永续合约', '交割合约', '杠杆', '保证金', '助记词', '私钥', '冷钱包', '热钱包', '链上', '区块浏览器', '交易哈希', '哈希值', '主网', '公链',
  '白名单', '冻结', '解冻', '申诉', '法币', '币币', '现货', '划转', '标签', '备注', '地址簿', '子账户', '反洗钱', '钓鱼网站', '客服', '工单',
];

let segmenter: Jieba | null = null;
function jieba(): Jieba {
  if (!segmenter) {
    const { dict } = require('@node-rs/jieba/dict') as { dict: Buffer };
    segmenter = Jieba.withDict(dict);
    segmenter.loadDict(Buffer.from(TRADE_WORDS.map((w) => `${w} 200000 n`).join('\n')));
  }
  return segmenter;
}

const CJK = /[\u3400-\u9fff\uf900-\ufaff]/;
const RUNS = /[\u3400-\u9fff\uf900-\ufaff]+|[a-z0-9]+(?:[._-][a-z0-9]+)*/g;

/** English words that carry no meaning in a query. Chinese function words are dropped by length and a short list. */
const STOP = new Set(
  'a an the and or of to in on at for is are was were be been it its my me i you your we our how what why when where can could do does did not no with from by this that if as about after before there have has had will would should please help'.split(' '),
);
const ZH_STOP = new Set(['的', '了', '吗', '呢', '吧', '啊', '我', '你', '是', '在', '怎么', '怎么办', '如何', '为什么', '什么', '一下', '请问', '可以', '能', '要', '有', '没有', '还', '就', '都', '和', '与', '或']);

export interface Token {
  /** The indexed term. */
  term: string;
  /** Weight of the match: dictionary words 1, character-bigram fallbacks less. */
  weight: number;
  /** The text as typed (for highlighting). */
  surface: string;
}

/** Full-width letters and digits become ASCII; case is folded. */
export const normalize = (text: string) => text.normalize('NFKC').toLowerCase();

/**
 * Splits text into search terms. Chinese has no spaces: it is segmented with a dictionary, and
 * character bigrams are added so words the dictionary does not know still match. Latin words
 * are stemmed; a token like "trc20" or "usdt" stays whole.
 */
export function tokenize(text: string, options: { forQuery?: boolean } = {}): Token[] {
  const out: Token[] = [];
  for (const match of normalize(text).matchAll(RUNS)) {
    const run = match[0];
    if (CJK.test(run)) {
      for (const word of jieba().cut(run, false)) {
        if (ZH_STOP.has(word) && options.forQuery) continue;
        if (word.length >= 2 || !ZH_STOP.has(word)) out.push({ term: word, weight: 1, surface: word });
      }
      for (let i = 0; i + 1 < run.length; i++) out.push({ term: `~${run.slice(i, i + 2)}`, weight: 0.5, surface: run.slice(i, i + 2) });
    } else {
      for (const part of run.split(/[._-]/)) {
        if (!part || STOP.has(part)) continue;
        out.push({ term: /\d/.test(part) ? part : stem(part), weight: 1, surface: part });
      }
      if (/[._-]/.test(run)) out.push({ term: run, weight: 1, surface: run });
    }
  }
  return out;
}

export const hasCjk = (text: string) => CJK.test(text);
