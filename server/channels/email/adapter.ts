import type { ChannelAdapter } from '../types.ts';
import { checkEmail } from './checker.ts';

/** Email: mail in over SMTP or IMAP, replies out over SMTP with headers that thread in every client. */
export const emailAdapter: ChannelAdapter = {
  kind: 'email',
  secretSettings: ['imap.password', 'smtpUrl'],
  check: checkEmail,
};
