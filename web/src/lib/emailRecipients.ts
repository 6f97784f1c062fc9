import type { MessageOut } from '../../../common/schemas.ts';

/** Who an email reply goes to: the requester alone, or everyone on the thread. */
export interface EmailRecipients {
  /** The requester's address (the conversation's contact). */
  requester: string | null;
  /** Reply to all: the requester first, then the others on the latest mail, without our own address. */
  all: string[];
}

/**
 * The addresses a reply reaches, as a mail client's "reply all" would pick them: the sender, To and
 * Cc of the latest email from the customer's side, plus the requester, minus the inbox's own address
 * (and any address our replies were sent from). Compared case-insensitively; first spelling kept.
 */
export function emailRecipients(requester: string | null, messages: MessageOut[], ownAddresses: (string | null | undefined)[]): EmailRecipients {
  const own = new Set(ownAddresses.filter((a): a is string => Boolean(a)).map((a) => a.toLowerCase()));
  for (const m of messages) if (m.direction === 'out' && m.email?.from.email) own.add(m.email.from.email.toLowerCase());
  const latest = [...messages].reverse().find((m) => m.direction === 'in' && m.visibility === 'public' && m.email);
  const seen = new Set<string>();
  const all: string[] = [];
  const add = (address: string | null | undefined) => {
    const key = address?.trim().toLowerCase();
    if (!address || !key || own.has(key) || seen.has(key)) return;
    seen.add(key);
    all.push(address.trim());
  };
  add(requester ?? latest?.email?.from.email);
  if (latest?.email) {
    add(latest.email.from.email);
    for (const p of latest.email.to) add(p.email);
    for (const p of latest.email.cc) add(p.email);
  }
  return { requester: requester ?? latest?.email?.from.email ?? null, all };
}
