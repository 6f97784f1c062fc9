import { describe, expect, it } from 'vitest';
import type { OutboundMessage } from '../types.ts';
import { bareSubject } from './subject.ts';
import { composeEmail, referenceChain, replySubject, smtpFailure, textToHtml } from './sender.ts';

const message = (over: Partial<OutboundMessage> = {}): OutboundMessage => ({
  messageId: 'm1',
  conversation: { id: 'c1', number: 10234, subject: 'Deposit missing', language: 'en' },
  to: [{ externalId: 'a@example.com', email: 'a@example.com', name: 'A' }],
  cc: [],
  text: 'Hi',
  attachments: [],
  thread: { externalId: 'm1@help.example.com', references: [] },
  extras: {},
  ...over,
});

describe('the email sender', () => {
  it('says Re: once and carries the ticket token once, whatever prefixes the subject had', () => {
    expect(replySubject('Deposit missing', 7)).toBe('Re: Deposit missing [#7]');
    expect(replySubject('RE: Re: 回复：Deposit missing [#7]', 7)).toBe('Re: Deposit missing [#7]');
    expect(replySubject('AW: Fwd: 答复: 交易问题申诉 - 订单号XXXX', 8)).toBe('Re: 交易问题申诉 - 订单号XXXX [#8]');
    expect(bareSubject('Re:')).toBe('');
    expect(replySubject('Re:', 9)).toBe('Re: [#9]');
    // A word that merely starts like a prefix stays.
    expect(bareSubject('Review of my account')).toBe('Review of my account');
  });

  it('keeps References short as mail clients do: no duplicates, not our own id, the root and the latest', () => {
    const ids = Array.from({ length: 30 }, (_, i) => `id${i}@x`);
    const chain = referenceChain([...ids, 'id3@x', 'own@x'], 'own@x');
    expect(chain).toHaveLength(20);
    expect(chain[0]).toBe('id0@x');
    expect(chain.at(-1)).toBe('id29@x');
    expect(new Set(chain).size).toBe(20);
  });

  it('escapes everything the agent typed in the HTML part, linking only http(s) addresses', () => {
    expect(textToHtml('<script>alert(1)</script>\n"x" & \'y\'')).toBe('&lt;script&gt;alert(1)&lt;/script&gt;<br>\n&quot;x&quot; &amp; &#39;y&#39;');
    expect(textToHtml('go to https://a.example/x?y=1&z="2" now.')).toBe('go to <a href="https://a.example/x?y=1&amp;z=">https://a.example/x?y=1&amp;z=</a>&quot;2&quot; now.');
    expect(textToHtml('javascript:alert(1) and data:text/html,<b>')).not.toContain('<a');
    expect(textToHtml('见 https://a.example/安全。谢谢')).toBe('见 <a href="https://a.example/安全">https://a.example/安全</a>。谢谢');
  });

  it('puts the anti-phishing code first and the signature after the sig separator, in both parts', () => {
    const mail = composeEmail(message({ text: 'Line 1\r\nLine 2', extras: { antiPhishingCode: 'OTTER<1>', signature: 'Team <Support>', fromName: 'Help' } }), { address: 'Support@Help.Example.com' });
    expect(mail.text).toBe('Anti-phishing code / 防钓鱼码: OTTER<1>\n\nLine 1\nLine 2\n\n-- \nTeam <Support>\n');
    expect(mail.html).toContain('<strong>OTTER&lt;1&gt;</strong>');
    expect(mail.html).toContain('Team &lt;Support&gt;');
    expect(mail.from).toEqual({ name: 'Help', address: 'support@help.example.com' });
    expect(mail.headers).toEqual({ 'X-Auto-Response-Suppress': 'OOF, AutoReply' });
    expect(() => composeEmail(message(), { address: 'not an address' })).toThrow(/no valid address/);
  });

  it('treats 5xx as permanent and 4xx or a broken connection as temporary, never showing the transport URL', () => {
    expect(smtpFailure(Object.assign(new Error('x'), { responseCode: 550, response: '550 5.1.1 No such user' }))).toEqual({ ok: false, reason: '550 5.1.1 No such user', permanent: true });
    expect(smtpFailure(Object.assign(new Error('x'), { responseCode: 451, response: '451 4.7.1 Try later' }))).toMatchObject({ permanent: false });
    expect(smtpFailure(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ESOCKET' }))).toMatchObject({ permanent: false, reason: 'connect ECONNREFUSED 127.0.0.1:1' });
    expect(smtpFailure(new Error('failed for smtp://user:secret@host:25')).reason).not.toContain('secret');
  });
});
