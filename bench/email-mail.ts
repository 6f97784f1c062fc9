import MailComposer from 'nodemailer/lib/mail-composer/index.js';

/**
 * The bench's mail: a typical ~20 KB multipart message (plain + HTML + a small log file), half of
 * them Chinese, each with its own Message-ID and one of a few hundred senders.
 */
const ZH = '您好，我在两个小时前从贵平台提取了 500 USDT（TRC20 网络），交易哈希已经显示成功，但是钱包一直没有到账。订单号 2026120100123，UID 88001234。请尽快帮我核实，谢谢！\n';
const EN = 'Hello, two hours ago I withdrew 500 USDT over the TRC20 network. The transaction hash shows success but the funds have not arrived in my wallet. Order 2026120100123, UID 88001234. Please check as soon as possible, thank you!\n';

export function benchMail(i: number, to: string, extraBytes = 0): Promise<Buffer> {
  const zh = i % 2 === 0;
  const text = (zh ? ZH : EN).repeat(zh ? 22 : 14);
  const html = `<html><body><p>${text.replace(/\n/g, '</p><p>')}</p></body></html>`;
  const log = `time,event\n${Array.from({ length: 120 }, (_, k) => `2026-12-01T10:${String(k % 60).padStart(2, '0')}:00Z,withdrawal status polled ${k}`).join('\n')}\n`;
  const attachments = [{ filename: zh ? '提币记录.txt' : 'withdrawal-log.txt', content: log, contentType: 'text/plain' }];
  if (extraBytes) attachments.push({ filename: 'big.txt', content: 'x'.repeat(extraBytes), contentType: 'text/plain' });
  const mail = new MailComposer({
    from: `Customer ${i % 300} <customer${i % 300}@example.com>`,
    to,
    subject: zh ? `提币未到账 #${i}` : `Withdrawal not received #${i}`,
    messageId: `<bench-${Date.now().toString(36)}-${i}@example.com>`,
    text,
    html,
    attachments,
  });
  return mail.compile().build();
}
