import { eq } from 'drizzle-orm';
import { inboxes } from '../../db/schema.ts';
import { cached } from '../cache.ts';
import type { Ctx } from '../context.ts';

/**
 * Every address mail leaves us from: the email inboxes' public addresses (enabled or not: a
 * disabled inbox's old mail still circulates) and the notification sender (support@ the public
 * host, see jobs/emailDelivery.ts). Mail from one of them is our own coming back (a loop), and
 * none of them is ever a participant of a conversation.
 */
export function ownAddresses(ctx: Ctx): Promise<Set<string>> {
  return cached(ctx.services, 'inboxes:own-addresses', ['inboxes.'], 60_000, async () => {
    const rows = await ctx.db.select({ settings: inboxes.settings }).from(inboxes).where(eq(inboxes.kind, 'email'));
    const own = new Set(rows.map((r) => (typeof r.settings.address === 'string' ? r.settings.address.toLowerCase() : '')).filter(Boolean));
    own.add(`support@${ourHost(ctx)}`);
    return own;
  });
}

/** The host our own Message-IDs end in (`<outbox-id@host>`, `<conversation-id@host>`). */
export const ourHost = (ctx: Ctx) => new URL(ctx.services.env.publicUrl).hostname.toLowerCase();

/** Hosts our Message-IDs may name: the public host and the domains of the email inboxes' addresses. */
export async function ourHosts(ctx: Ctx): Promise<Set<string>> {
  const hosts = new Set([ourHost(ctx)]);
  for (const address of await ownAddresses(ctx)) hosts.add(address.slice(address.lastIndexOf('@') + 1));
  return hosts;
}
