import { describe, expect, it } from 'vitest';
import { canonicalChannel, covers, hostOf, type Reading, readingsOf } from './channelValues.ts';

const entry = (kind: Reading['kind'], raw: string): Reading => {
  const c = canonicalChannel(kind, raw);
  if (c instanceof Error) throw c;
  return { kind, value: c.value };
};
/** Whether any reading of what a customer typed is covered by the entry. */
const official = (e: Reading, typed: string) => readingsOf(typed).some((r) => covers(e, r));

describe('official channel values', () => {
  it('writes entries down canonically, keeping the capitals only for display', () => {
    expect(canonicalChannel('website', 'https://WWW.Exchange.com/zh-CN/support')).toEqual({ value: 'exchange.com', label: 'exchange.com' });
    expect(canonicalChannel('email', 'Support@Exchange.com')).toEqual({ value: 'support@exchange.com', label: 'support@exchange.com' });
    expect(canonicalChannel('email', '@exchange.com')).toEqual({ value: '@exchange.com', label: '*@exchange.com' });
    expect(canonicalChannel('email', '*@Exchange.com')).toEqual({ value: '@exchange.com', label: '*@exchange.com' });
    expect(canonicalChannel('telegram', 'https://t.me/ExchangeSupport')).toEqual({ value: 'exchangesupport', label: '@ExchangeSupport' });
    expect(canonicalChannel('x', '@ExchangeHelp')).toEqual({ value: 'exchangehelp', label: '@ExchangeHelp' });
    expect(canonicalChannel('facebook', 'https://www.facebook.com/profile.php?id=100064')).toEqual({ value: '100064', label: '100064' });
    expect(canonicalChannel('phone', '+65 6000  0000')).toEqual({ value: '6560000000', label: '+65 6000 0000' });
  });

  it('refuses entries that do not fit their kind, with a reason', () => {
    for (const [kind, raw] of [
      ['website', 'not a domain'],
      ['website', 'https://t.me/ExchangeSupport'],
      ['website', '127.0.0.1'],
      ['email', 'support@'],
      ['telegram', 'https://x.com/ExchangeHelp'],
      ['telegram', 'two words'],
      ['phone', '12'],
    ] as const) {
      expect(canonicalChannel(kind, raw), `${kind} ${raw}`).toBeInstanceOf(Error);
    }
  });

  it('reads what a customer pastes as what it most looks like', () => {
    expect(readingsOf('mailto:Support@Exchange.com')).toEqual([{ kind: 'email', value: 'support@exchange.com' }]);
    expect(readingsOf('https://t.me/ExchangeSupport?start=1')).toEqual([{ kind: 'telegram', value: 'exchangesupport' }]);
    expect(readingsOf('twitter.com/ExchangeHelp')).toEqual([{ kind: 'x', value: 'exchangehelp' }]);
    expect(readingsOf('+65 6000-0000')).toEqual([{ kind: 'phone', value: '6560000000' }]);
    expect(readingsOf('https://help.exchange.com/login.')).toEqual([{ kind: 'website', value: 'help.exchange.com' }]);
    expect(readingsOf('@ExchangeSupport').map((r) => r.kind)).toEqual(['telegram', 'x', 'facebook']);
    expect(readingsOf('a sentence with spaces')).toEqual([]);
  });

  it('matches the real thing and its subdomains and domain addresses, never a look-alike', () => {
    const site = entry('website', 'exchange.com');
    expect(official(site, 'https://www.exchange.com/account')).toBe(true);
    expect(official(site, 'help.exchange.com')).toBe(true);
    for (const fake of ['examp1e.com', 'exchange.com.security-check.io', 'my-exchange.com', 'exchange.co', 'https://xn--exchnge-jua.com', 'https://ехchange.com']) {
      expect(official(site, fake), fake).toBe(false);
    }
    const domain = entry('email', '@exchange.com');
    expect(official(domain, 'no-reply@exchange.com')).toBe(true);
    expect(official(domain, 'support@exchange-support.com')).toBe(false);
    expect(official(domain, 'exchange.com@gmail.com')).toBe(false);
    const bot = entry('telegram', '@ExchangeSupport');
    expect(official(bot, 't.me/exchangesupport')).toBe(true);
    expect(official(bot, '@ExchangeSupport')).toBe(true);
    expect(official(bot, '@ExchangeSupp0rt')).toBe(false);
    expect(official(bot, '@ExchangeSupport_')).toBe(false);
    expect(official(entry('x', '@ExchangeSupport'), 't.me/ExchangeSupport')).toBe(false);
    const line = entry('phone', '+65 6000 0000');
    expect(official(line, '+65 (6000) 0000')).toBe(true);
    expect(official(line, '+65 6000 0001')).toBe(false);
  });

  it('knows a host from anything else', () => {
    expect(hostOf('EXCHANGE.com.')).toBe('exchange.com');
    expect(hostOf('javascript:alert(1)')).toBeNull();
    expect(hostOf('localhost')).toBeNull();
    expect(hostOf('https://例子.测试')).toMatch(/^xn--/);
  });
});
