import { and, eq } from 'drizzle-orm';
import { inboxes } from '../../db/schema.ts';
import { cached } from '../cache.ts';
import type { Services } from '../context.ts';

/** Normal form of an address for matching: trimmed, lower-case (what inbox settings store). */
export const normalAddress = (address: string) => address.trim().toLowerCase();

/**
 * The addresses we receive mail for: each enabled email inbox's settings.address → its inbox ids.
 * Read once per process and dropped on every `inboxes.*` event (any process's, over the bus), so
 * the SMTP listener asks the database nothing per RCPT and still refuses a disabled inbox at once.
 */
export function emailAddressBook(services: Services): Promise<Map<string, string[]>> {
  return cached(services, 'email:addresses', ['inboxes.'], 60_000, async () => {
    const rows = await services.database.db
      .select({ id: inboxes.id, settings: inboxes.settings })
      .from(inboxes)
      .where(and(eq(inboxes.kind, 'email'), eq(inboxes.enabled, true)));
    const book = new Map<string, string[]>();
    for (const row of rows) {
      const address = row.settings.address;
      if (typeof address !== 'string' || !address.includes('@')) continue;
      const key = normalAddress(address);
      book.set(key, [...(book.get(key) ?? []), row.id]);
    }
    return book;
  });
}
