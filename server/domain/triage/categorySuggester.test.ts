import { describe, expect, it } from 'vitest';
import { DEMO_SYNONYMS } from '../../db/seed.ts';
import { CONFIDENT, categoryModel, categorySuggester } from './categorySuggester.ts';

// The demo desk's categories (server/db/seed.ts), the ones an exchange's support starts with.
const CATEGORIES = [
  { id: 'account-compromised', slug: 'account-compromised', name: { en: 'Account compromised / funds stolen', 'zh-CN': '账户被盗 / 资金被盗' } },
  { id: 'login-2fa', slug: 'login-2fa', name: { en: 'Login & 2FA', 'zh-CN': '登录与二次验证' } },
  { id: 'kyc', slug: 'kyc', name: { en: 'Identity verification (KYC)', 'zh-CN': '身份认证' } },
  { id: 'deposit-missing', slug: 'deposit-missing', name: { en: 'Deposit not credited', 'zh-CN': '充值未到账' } },
  { id: 'withdrawal', slug: 'withdrawal', name: { en: 'Withdrawal delayed or failed', 'zh-CN': '提币延迟或失败' } },
  { id: 'trading', slug: 'trading', name: { en: 'Spot trading & orders', 'zh-CN': '现货交易与订单' } },
  { id: 'futures', slug: 'futures', name: { en: 'Futures & liquidation', 'zh-CN': '合约与强平' } },
  { id: 'api', slug: 'api', name: { en: 'API keys & integration', 'zh-CN': 'API 密钥与接入' } },
  { id: 'other', slug: 'other', name: { en: 'Something else', 'zh-CN': '其他问题' } },
];

const model = categoryModel(CATEGORIES, DEMO_SYNONYMS);
const applied = (subject: string, body: string) => {
  const s = categorySuggester(model, subject, body);
  return s && s.confidence >= CONFIDENT ? s.categoryId : null;
};

describe('categorySuggester', () => {
  it("files the demo's own tickets where the desk filed them, Chinese and English", () => {
    expect(applied('USDT 充值未到账 - TRC20', '你好,我两个小时前从另一个平台提了 500 USDT 到我的充值地址,用的是 TRC20 网络,区块浏览器显示已经确认,但是账户里还没有到账。')).toBe('deposit-missing');
    expect(applied('提币一直显示处理中', '我昨天晚上提了 2 ETH 到我的钱包,到现在还显示"处理中",请问是什么原因?')).toBe('withdrawal');
    expect(applied('Position liquidated before reaching my liquidation price', 'My BTC-USDT perpetual long was liquidated at 61,200. Order ID 8832019944. Why?')).toBe('futures');
    expect(applied('API key returns 50113 invalid signature', 'Since this morning every private REST call returns error 50113.')).toBe('api');
    expect(applied('身份认证一直审核失败', '我已经上传了三次身份证照片,每次都提示审核失败,但没有说明原因。')).toBe('kyc');
  });

  it("reads the seed's mail subject as a trading case, and Traditional Chinese through the bigrams", () => {
    expect(categorySuggester(model, '交易问题申诉 - 订单号 20261201xxxx', '')).toMatchObject({ categoryId: 'trading', source: 'subject' });
    expect(applied('交易问题申诉 - 订单号 20261201xxxx', '')).toBe('trading');
    expect(applied('提幣一直顯示處理中', '請幫忙查詢')).toBe('withdrawal');
    expect(applied('帳戶被盜', '我的資金被轉走了')).toBe('account-compromised');
  });

  it('finds the category through a synonym the name does not use, and says the word was in the body', () => {
    const s = categorySuggester(model, 'Hello', 'My google authenticator was reset when I changed phones and I cannot log in');
    expect(s).toMatchObject({ categoryId: 'login-2fa', source: 'body' });
    expect(s!.confidence).toBeGreaterThanOrEqual(CONFIDENT);
  });

  it('does not apply a category when the words point two ways or barely at all', () => {
    // 提币 (withdrawal) and 到账 (deposit credited) tie.
    expect(applied('USDT 提币 TRC20 多久到账', '')).toBeNull();
    expect(applied('Question', 'Please help, something is wrong with my account')).toBeNull();
    expect(categorySuggester(model, 'Hello', 'thanks')).toBeNull();
    // "Something else" and generic words never win a ticket.
    expect(applied('其他问题', '我有一个问题')).toBeNull();
  });

  it('costs little per ticket and nothing extra for a huge body', () => {
    const body = '我的提币没有到账,请帮忙查询一下原因。'.repeat(50_000);
    const started = performance.now();
    for (let i = 0; i < 100; i++) categorySuggester(model, '提币没到账', body);
    expect((performance.now() - started) / 100).toBeLessThan(20);
  });
});
