import type { ChannelAdapter } from '../types.ts';
import { sendEmail } from './sender.ts';
import { parseMail } from './parser.ts';
import { checkEmail } from './checker.ts';

/** Email: mail in over SMTP or IMAP, replies out over SMTP with headers that thread in every client. */
export const emailAdapter: ChannelAdapter = {
  kind: 'email',
  secretSettings: ['imap.password', 'smtpUrl'],
  send: sendEmail,
  parse: async (input) => (input.source === 'webhook' ? [] : [await parseMail(input.raw)]),
  check: checkEmail,
};
