/**
 * Structured fields read out of a ticket's subject and body (email and API tickets have no form).
 *
 * Every pattern here runs on text a stranger wrote, so none may backtrack without bound: labels are
 * literal alternatives, every quantifier has an upper limit, and values are read with sticky (y)
 * patterns right after a label, never searched for from every position. Only the first SCAN
 * characters of a body are read: the facts of a ticket are at its top, and a 1 MB mail must cost no
 * more than a short one.
 */

/** Where a field was found. */
export type TextSource = 'subject' | 'body';

/** The fields this extractor fills (keys of ConversationFields). */
export type ExtractedField = 'orderId' | 'txHash' | 'chain' | 'uid' | 'coin' | 'network' | 'registeredEmail';

export interface Extracted {
  fields: Partial<Record<ExtractedField, string>>;
  sources: Partial<Record<ExtractedField, TextSource>>;
}

const SCAN = 64 * 1024;

// Label, then at most a few separators and an optional "is"/"是", then the value right there.
const SEP = String.raw`[\s:：#=＃\-－—]{0,4}(?:is\s{1,3}|是|为|為)?[\s:：#=＃]{0,3}`;

const ORDER_LABEL = new RegExp(String.raw`订单号码|订单编号|订单号|订单\s{0,2}id|訂單號碼|訂單編號|訂單號|委托单号|委託單號|order\s{0,2}(?:id|no\.?|number|#)`, 'gi');
/** An order id has a digit in it (so "order number is missing" reads nothing); a placeholder like 20261201xxxx is kept as typed. */
const ORDER_VALUE = new RegExp(SEP + String.raw`([A-Za-z0-9][A-Za-z0-9_-]{3,63})(?![A-Za-z0-9_-])`, 'y');

const UID_LABEL = new RegExp(String.raw`(?<![A-Za-z])uid|user\s{0,2}id|用户\s{0,2}id|用戶\s{0,2}id|账户\s{0,2}id|账号\s{0,2}id|帳戶\s{0,2}id|用户编号`, 'gi');
const UID_VALUE = new RegExp(SEP + String.raw`(\d{5,20})(?!\d)`, 'y');

const EMAIL_LABEL = new RegExp(String.raw`注册邮箱|註冊郵箱|账户邮箱|账号邮箱|登录邮箱|registered\s{1,3}e-?mail|account\s{1,3}e-?mail|login\s{1,3}e-?mail`, 'gi');
// The domain part is dot-separated labels, each bounded, so no two quantifiers compete for the same dots.
const EMAIL_VALUE = new RegExp(SEP + String.raw`(?:address\s{0,3}[:：]?\s{0,3})?([A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){1,8})`, 'y');

/**
 * Transaction ids by shape. What a shape alone cannot tell:
 * - 0x + 64 hex is an EVM transaction (Ethereum, BSC, Polygon, Arbitrum … look the same), so the
 *   chain comes from the network the text names, else Ethereum. (Aptos hashes share the shape.)
 * - 64 hex without 0x is a Bitcoin-family or TRON transaction (also XRP, Litecoin …): the chain is
 *   named only when the text says TRON/TRC20/波场 or Bitcoin/BTC; otherwise it is left empty.
 * - 86–88 base58 characters is a Solana signature (no other common chain uses that length).
 * 0x + 40 hex is an address, not a transaction, and is not taken.
 */
const TX = /(?<![0-9A-Za-z])(?:0x[0-9a-fA-F]{64}|[0-9a-fA-F]{64}|[1-9A-HJ-NP-Za-km-z]{86,88})(?![0-9A-Za-z])/g;

/** Coins by ticker; the ambiguous English words (TON, LINK, NEAR, DOT, OP, SOL …) only in capitals. */
const COINS = ['USDT', 'USDC', 'BTC', 'ETH', 'TRX', 'BNB', 'XRP', 'DOGE', 'LTC', 'BCH', 'SHIB', 'OKB', 'MATIC', 'AVAX', 'XLM', 'WBTC'];
const CAPITAL_COINS = ['SOL', 'TON', 'ADA', 'DOT', 'LINK', 'NEAR', 'OP', 'ARB', 'SUI', 'UNI', 'ETC', 'POL', 'DAI', 'FIL', 'ATOM', 'APT', 'PEPE'];
const COIN_NAMES: [string, string][] = [
  ['比特币', 'BTC'], ['比特幣', 'BTC'], ['以太坊', 'ETH'], ['以太币', 'ETH'], ['以太幣', 'ETH'], ['泰达币', 'USDT'], ['泰達幣', 'USDT'],
  ['狗狗币', 'DOGE'], ['莱特币', 'LTC'], ['瑞波币', 'XRP'], ['波场币', 'TRX'], ['Bitcoin', 'BTC'], ['Ethereum', 'ETH'], ['Tether', 'USDT'],
];
const COIN = new RegExp(
  String.raw`(?<![A-Za-z0-9])(?:(${COINS.join('|')})|(${CAPITAL_COINS.join('|')}))(?![A-Za-z0-9])|(${COIN_NAMES.map(([w]) => w).join('|')})`,
  'gi',
);

/** Network words → the network's name as the desk writes it. */
const NETWORK_WORDS: [RegExp, string][] = [
  [/(?<![A-Za-z0-9])trc[\s-]?20(?![0-9])|(?<![A-Za-z])tron(?![A-Za-z])|波场|波場/i, 'TRC20'],
  [/(?<![A-Za-z0-9])erc[\s-]?20(?![0-9])/i, 'ERC20'],
  [/(?<![A-Za-z0-9])bep[\s-]?20(?![0-9])|(?<![A-Za-z])bsc(?![A-Za-z])|bnb\s{1,2}smart\s{1,2}chain|币安智能链|幣安智能鏈/i, 'BEP20'],
  [/(?<![A-Za-z])polygon(?![A-Za-z])/i, 'Polygon'],
  [/(?<![A-Za-z])arbitrum(?![A-Za-z])/i, 'Arbitrum One'],
  [/(?<![A-Za-z])optimism(?![A-Za-z])/i, 'Optimism'],
  [/(?<![A-Za-z])solana(?![A-Za-z])|(?<![A-Za-z])spl(?![A-Za-z])|索拉纳/i, 'Solana'],
  [/(?<![A-Za-z])avalanche(?![A-Za-z])|avax[\s-]?c[\s-]?chain/i, 'Avalanche C-Chain'],
];
/** The chain of an 0x transaction on each EVM network. */
const EVM_CHAIN: Record<string, string> = { ERC20: 'Ethereum', BEP20: 'BSC', Polygon: 'Polygon', 'Arbitrum One': 'Arbitrum', Optimism: 'Optimism', 'Avalanche C-Chain': 'Avalanche' };
const BITCOIN_WORDS = /(?<![A-Za-z])(?:btc|bitcoin)(?![A-Za-z])|比特币|比特幣/i;

/** The value after the first label that has one. */
function labelled(text: string, label: RegExp, value: RegExp): string | undefined {
  label.lastIndex = 0;
  for (let m = label.exec(text), tries = 0; m && tries < 50; m = label.exec(text), tries++) {
    value.lastIndex = m.index + m[0].length;
    const v = value.exec(text);
    if (v && (value !== ORDER_VALUE || /\d/.test(v[1]!))) return v[1];
  }
  return undefined;
}

function firstCoin(text: string): string | undefined {
  COIN.lastIndex = 0;
  for (let m = COIN.exec(text); m; m = COIN.exec(text)) {
    if (m[1]) return m[1].toUpperCase();
    if (m[2] && m[2] === m[2].toUpperCase()) return m[2];
    if (m[3]) return COIN_NAMES.find(([w]) => w.toLowerCase() === m![3]!.toLowerCase())![1];
  }
  return undefined;
}

function firstNetwork(text: string): string | undefined {
  let best: { at: number; name: string } | undefined;
  for (const [pattern, name] of NETWORK_WORDS) {
    const m = pattern.exec(text);
    if (m && (!best || m.index < best.at)) best = { at: m.index, name };
  }
  return best?.name;
}

function firstTx(text: string): string | undefined {
  TX.lastIndex = 0;
  return TX.exec(text)?.[0];
}

/**
 * The chain of a transaction id, from its shape and what the text says (see TX above);
 * undefined when the shape and the words do not settle it.
 */
function chainOf(tx: string, network: string | undefined, text: string): string | undefined {
  if (tx.startsWith('0x')) return (network && EVM_CHAIN[network]) ?? 'Ethereum';
  if (tx.length > 64) return 'Solana';
  if (network === 'TRC20') return 'TRON';
  if (!network && BITCOIN_WORDS.test(text)) return 'Bitcoin';
  return undefined;
}

/**
 * Reads order id, transaction id (with its chain when it can be told), UID, coin, network and the
 * registered email from a subject and body; each field found says whether it came from the subject
 * (read first: it is the customer's own summary) or the body. `known` is what the customer already
 * gave (their network names a transaction's chain).
 */
export function fieldExtractor(subject: string, body: string, known: { network?: string } = {}): Extracted {
  const texts: [TextSource, string][] = [
    ['subject', subject.slice(0, 1000)],
    ['body', body.slice(0, SCAN)],
  ];
  const out: Extracted = { fields: {}, sources: {} };
  const put = (key: ExtractedField, value: string | undefined, source: TextSource) => {
    if (value === undefined || out.fields[key] !== undefined) return;
    out.fields[key] = value;
    out.sources[key] = source;
  };
  for (const [source, text] of texts) {
    if (!text) continue;
    put('orderId', labelled(text, ORDER_LABEL, ORDER_VALUE), source);
    put('uid', labelled(text, UID_LABEL, UID_VALUE), source);
    const email = labelled(text, EMAIL_LABEL, EMAIL_VALUE)?.toLowerCase();
    // Longer than any deliverable address (RFC 5321): not an address, whatever it looks like.
    put('registeredEmail', email && email.length <= 254 ? email : undefined, source);
    put('coin', firstCoin(text), source);
    put('network', firstNetwork(text), source);
    put('txHash', firstTx(text), source);
  }
  if (out.fields.txHash) {
    const all = texts.map(([, t]) => t).join('\n');
    put('chain', chainOf(out.fields.txHash, known.network ?? out.fields.network, all), out.sources.txHash!);
  }
  return out;
}
