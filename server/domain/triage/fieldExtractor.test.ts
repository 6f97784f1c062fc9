import { describe, expect, it } from 'vitest';
import { fieldExtractor } from './fieldExtractor.ts';

const EVM_TX = `0x${'ab12'.repeat(16)}`;
const TRON_TX = '7c2f1e9a4b5d6c8e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f70';
// 88 base58 characters: the shape of a Solana signature.
const SOL_SIG = '5VERv8NMvzbJMEkV8xnrLkEaWRtSz9CosKDYjCJjBRnbJLgp8uirBgmQpjKhoR4tjF3ZpRzrFmBV6UjKdiSZkQUW';

describe('fieldExtractor', () => {
  it("reads the order id from the seed's subject, placeholder digits and all, and says it came from the subject", () => {
    expect(fieldExtractor('交易问题申诉 - 订单号 20261201xxxx', '请尽快处理')).toEqual({ fields: { orderId: '20261201xxxx' }, sources: { orderId: 'subject' } });
    expect(fieldExtractor('交易问题申诉 - 订单号20261201123', '').fields.orderId).toBe('20261201123');
    // "XXXX" is the seed's placeholder, not an order id: nothing is read.
    expect(fieldExtractor('交易问题申诉 - 订单号XXXX', '').fields.orderId).toBeUndefined();
  });

  it('reads labelled order ids, UIDs and the registered email in Chinese and English', () => {
    const zh = fieldExtractor('申诉', '我的用户ID：48211093,订单编号是 A-99812,注册邮箱 Wang.Fang@Example.com,谢谢');
    expect(zh.fields).toMatchObject({ uid: '48211093', orderId: 'A-99812', registeredEmail: 'wang.fang@example.com' });
    expect(zh.sources).toMatchObject({ uid: 'body', orderId: 'body', registeredEmail: 'body' });
    const en = fieldExtractor('Liquidated early', 'My long was liquidated. Order ID 8832019944. UID: 30917744. Registered email: j.smith@example.com');
    expect(en.fields).toMatchObject({ orderId: '8832019944', uid: '30917744', registeredEmail: 'j.smith@example.com' });
    expect(fieldExtractor('x', 'the order number is missing from the app').fields.orderId).toBeUndefined();
    expect(fieldExtractor('x', 'Order number is 77120034').fields.orderId).toBe('77120034');
    expect(fieldExtractor('x', '我的UID是12345678').fields.uid).toBe('12345678');
  });

  it('reads coin and network, from tickers and from words like 波场', () => {
    expect(fieldExtractor('USDT 提币 TRC20 多久到账', '')).toEqual({ fields: { coin: 'USDT', network: 'TRC20' }, sources: { coin: 'subject', network: 'subject' } });
    expect(fieldExtractor('充值没到', '我用波场网络充了 500 泰达币').fields).toMatchObject({ coin: 'USDT', network: 'TRC20' });
    expect(fieldExtractor('Withdrawal', 'I sent eth over Arbitrum').fields).toMatchObject({ coin: 'ETH', network: 'Arbitrum One' });
    expect(fieldExtractor('Deposit', 'sent via BNB Smart Chain (BEP-20)').fields.network).toBe('BEP20');
    // Ordinary English words that are also tickers are not coins.
    expect(fieldExtractor('Help', 'I have a ton of questions, sol, etc. and a link').fields.coin).toBeUndefined();
  });

  it('reads a transaction id and names its chain only as far as shape and words allow', () => {
    expect(fieldExtractor('Missing deposit', `tx ${EVM_TX}`).fields).toMatchObject({ txHash: EVM_TX, chain: 'Ethereum' });
    expect(fieldExtractor('Missing deposit', `USDT on Polygon, tx ${EVM_TX}`).fields).toMatchObject({ txHash: EVM_TX, chain: 'Polygon', network: 'Polygon' });
    expect(fieldExtractor('USDT 充值未到账 - TRC20', `交易哈希 ${TRON_TX}`)).toMatchObject({
      fields: { txHash: TRON_TX, chain: 'TRON', network: 'TRC20' },
      sources: { txHash: 'body', chain: 'body', network: 'subject' },
    });
    expect(fieldExtractor('BTC deposit', `TXID: ${TRON_TX}`).fields).toMatchObject({ txHash: TRON_TX, chain: 'Bitcoin' });
    // 64 hex with no word for the chain: the id is kept, the chain is not guessed.
    const bare = fieldExtractor('Deposit', `hash ${TRON_TX}`).fields;
    expect(bare.txHash).toBe(TRON_TX);
    expect(bare.chain).toBeUndefined();
    // The network the customer chose names the chain.
    expect(fieldExtractor('Deposit', `hash ${TRON_TX}`, { network: 'TRC20' }).fields.chain).toBe('TRON');
    expect(fieldExtractor('SOL deposit', `signature ${SOL_SIG}`).fields).toMatchObject({ txHash: SOL_SIG, chain: 'Solana' });
    // An address (0x + 40 hex) is not a transaction.
    expect(fieldExtractor('x', `to 0x${'ab'.repeat(20)}`).fields.txHash).toBeUndefined();
  });

  it('reads nothing from a message without facts', () => {
    expect(fieldExtractor('Hello', 'I cannot log in, please help')).toEqual({ fields: {}, sources: {} });
  });

  it('stays fast on hostile input: 1 MB bodies of hex, digits, base58, labels and near-miss emails', () => {
    const bodies = [
      'a'.repeat(1 << 20),
      '1'.repeat(1 << 20),
      'Z'.repeat(1 << 20),
      '订单号'.repeat(350_000),
      'order id '.repeat(120_000),
      `注册邮箱 ${'a'.repeat(60)}@${'b-'.repeat(500_000)}`,
      'UID: '.repeat(200_000) + '1'.repeat(20),
      `${'x.'.repeat(500_000)}@`,
    ];
    for (const body of bodies) {
      const started = performance.now();
      fieldExtractor(body.slice(0, 300), body);
      expect(performance.now() - started, body.slice(0, 20)).toBeLessThan(250);
    }
  });
});
