import type { ChannelAdapter } from '../types.ts';
import { sendEmail } from './sender.ts';
import { parseMailOffThread } from './parseOffThread.ts';
import { checkEmail } from './checker.ts';

/** Email: mail in over SMTP or IMAP, replies out over SMTP with headers that thread in every client. */
export const emailAdapter: ChannelAdapter = {
  kind: 'email',
  secretSettings: ['imap.password', 'smtpUrl'],
  send: sendEmail,
  parse: async (input) => (input.source === 'webhook' ? [] : [await parseMailOffThread(input.raw)]),
  check: checkEmail,
};
