import { describe, expect, it } from 'vitest';
import { classifyMachineMail, type MachineMailInput } from './machineMail.ts';

const input = (over: Partial<MachineMailInput> & { head?: Record<string, string> }): MachineMailInput => ({
  headers: Object.entries(over.head ?? {}).map(([key, value]) => ({ key, value })),
  fromAddress: over.fromAddress ?? 'customer@example.com',
  fromName: over.fromName,
  subject: over.subject ?? 'Withdrawal pending',
  text: over.text ?? 'Hello',
  reportParts: over.reportParts ?? [],
  toAddresses: over.toAddresses ?? ['support@exchange.example'],
});

const dsn = (recipients: string) => ({
  type: 'message/delivery-status',
  text: `Reporting-MTA: dns; mx.example.net\nArrival-Date: Tue, 1 Dec 2026 15:00:00 +0000\n\n${recipients}`,
});

describe('classifyMachineMail: bounce reports', () => {
  it('reads the failed recipient of a multi-recipient DSN, its status, the folded diagnostic and our Message-ID', () => {
    const verdict = classifyMachineMail(input({
      head: { 'content-type': 'multipart/report; report-type=delivery-status; boundary=x' },
      fromAddress: 'mailer-daemon@mx.example.net',
      reportParts: [
        dsn('Final-Recipient: rfc822; ok@example.org\nAction: delivered\nStatus: 2.0.0\n\n' +
          'Final-Recipient: rfc822; Gone@Example.org\nOriginal-Recipient: rfc822;gone@example.org\nAction: failed\nStatus: 5.1.1\n' +
          'Diagnostic-Code: smtp; 550 5.1.1 <gone@example.org>: Recipient address\n rejected: User unknown'),
        { type: 'text/rfc822-headers', text: 'From: support@exchange.example\nMessage-ID: <reply-42@exchange.example>\nSubject: Re: x\n' },
      ],
    }));
    expect(verdict).toEqual({
      autoSubmitted: 'bounce',
      bounce: {
        originalMessageId: 'reply-42@exchange.example',
        recipient: 'gone@example.org',
        status: '5.1.1',
        reason: '550 5.1.1 <gone@example.org>: Recipient address rejected: User unknown',
        permanent: true,
      },
    });
  });

  it('calls a delayed DSN temporary', () => {
    const verdict = classifyMachineMail(input({
      head: { 'content-type': 'multipart/report; report-type="delivery-status"' },
      fromAddress: 'postmaster@example.net',
      subject: 'Delivery Status Notification (Delay)',
      reportParts: [dsn('Final-Recipient: rfc822; slow@example.org\nAction: delayed\nStatus: 4.4.7\n')],
    }));
    expect(verdict.bounce).toMatchObject({ recipient: 'slow@example.org', status: '4.4.7', permanent: false });
  });

  it('reads Exim\'s X-Failed-Recipients and the Message-ID quoted in the text', () => {
    const verdict = classifyMachineMail(input({
      head: { 'x-failed-recipients': 'nobody@example.org', 'return-path': '<>' },
      fromAddress: 'mailer-daemon@e1.example.org',
      subject: 'Mail delivery failed: returning message to sender',
      text: 'This message was created automatically by mail delivery software.\n\n  nobody@example.org\n    SMTP error: 550 5.1.1 unknown\n\n------ This is a copy of the message ------\n\nMessage-Id: <ours@exchange.example>\nFrom: support@exchange.example\n',
    }));
    expect(verdict.bounce).toMatchObject({ originalMessageId: 'ours@exchange.example', recipient: 'nobody@example.org', status: '5.1.1', permanent: true });
  });

  it('never names our own address or a quoted Message-ID as the failed recipient', () => {
    const verdict = classifyMachineMail(input({
      fromAddress: 'postmaster@example.org',
      subject: 'Undeliverable: Re: x',
      text: 'Message-ID: <id-1@exchange.example>\nFrom: support@exchange.example\n\nDelivery has failed to: lost@example.org (mailbox unavailable)',
    }));
    expect(verdict.bounce?.recipient).toBe('lost@example.org');
  });

  it('treats ARF feedback as machine mail without a delivery failure', () => {
    expect(classifyMachineMail(input({ head: { 'content-type': 'multipart/report; report-type=feedback-report' } }))).toEqual({ autoSubmitted: 'bounce' });
  });

  it('treats a read receipt as automatic, not a bounce', () => {
    expect(classifyMachineMail(input({ head: { 'content-type': 'multipart/report; report-type=disposition-notification' } }))).toEqual({ autoSubmitted: 'auto_reply' });
  });
});

describe('classifyMachineMail: weak signals need a second one', () => {
  it.each([
    ['a customer pasting a bounce', { text: 'I got this: Your message could not be delivered to bob@x.com. User unknown' }, false],
    ['the same from a no-reply sender', { fromAddress: 'no-reply@isp.example', text: 'Your message could not be delivered to bob@x.com. User unknown' }, 'bounce'],
    ['a bounce subject with the returned mail attached', { subject: 'Returned mail: see transcript', reportParts: [{ type: 'message/rfc822', text: 'Message-ID: <m@exchange.example>\n\nhi' }] }, 'bounce'],
    ['a forwarded bounce with the returned mail attached', { subject: 'Fwd: Returned mail: see transcript', reportParts: [{ type: 'message/rfc822', text: 'Message-ID: <m@x>\n\nhi' }] }, false],
    ['a customer forwarding a mail as an attachment', { subject: 'Phishing mail I received', reportParts: [{ type: 'message/rfc822', text: 'Message-ID: <m@x>\n\nhi' }] }, false],
    ['mail from postmaster', { fromAddress: 'postmaster@example.org', subject: 'hello' }, 'bounce'],
    ['mail with "Mail Delivery Subsystem" as the only name', { fromAddress: '', fromName: 'Mail Delivery Subsystem' }, 'bounce'],
  ] as const)('%s', (_name, over, kind) => {
    expect(classifyMachineMail(input(over as Partial<MachineMailInput>)).autoSubmitted).toBe(kind);
  });
});
