import { and, asc, desc, eq, ilike, inArray, or } from 'drizzle-orm';
import type { z } from 'zod';
import type { ContactCreate, ContactUpdate } from '../../../common/schemas.ts';
import { stripBidi } from '../../../common/text.ts';
import type { Db } from '../../db/client.ts';
import { contactIdentities, contacts } from '../../db/schema.ts';
import { AppError, notFound } from '../../errors.ts';
import { requireStaff } from '../auth/policy.ts';
import { type Ctx, diff, recordEvent } from '../context.ts';

export type ContactRow = typeof contacts.$inferSelect;
export type ContactWithIdentities = ContactRow & { identities: { channel: string; externalId: string; displayName: string | null }[] };

export async function withIdentities(db: Db, rows: ContactRow[]): Promise<ContactWithIdentities[]> {
  if (!rows.length) return [];
  const ids = await db.select().from(contactIdentities).where(inArray(contactIdentities.contactId, rows.map((r) => r.id)));
  return rows.map((r) => ({
    ...r,
    identities: ids.filter((i) => i.contactId === r.id).map((i) => ({ channel: i.channel, externalId: i.externalId, displayName: i.displayName })),
  }));
}

/** Finds a contact by email or creates one, with an email identity. Used by every channel that knows an address. */
export async function contactByEmail(ctx: Ctx, email: string, name = ''): Promise<ContactRow> {
  const address = email.toLowerCase();
  const [found] = await ctx.db.select().from(contacts).where(eq(contacts.email, address)).limit(1);
  if (found) return found;
  const [row] = await ctx.db.insert(contacts).values({ email: address, name: stripBidi(name) || address.split('@')[0]! }).returning();
  await ctx.db.insert(contactIdentities).values({ contactId: row!.id, channel: 'email', externalId: address }).onConflictDoNothing();
  await recordEvent(ctx, { type: 'contacts.create', subjectType: 'contact', subjectId: row!.id, data: { email: address } });
  return row!;
}

export async function contactLister(ctx: Ctx, query: { q?: string; limit: number }) {
  requireStaff(ctx.actor);
  const q = query.q?.trim();
  const where = q
    ? or(ilike(contacts.email, `%${q}%`), ilike(contacts.name, `%${q}%`), eq(contacts.uid, q), eq(contacts.phone, q))
    : undefined;
  const rows = await ctx.db.select().from(contacts).where(where).orderBy(desc(contacts.createdAt), asc(contacts.id)).limit(query.limit);
  return withIdentities(ctx.db, rows);
}

/** Staff read any contact; a customer reads only themselves. */
export async function contactGetter(ctx: Ctx, id: string) {
  if (ctx.actor.type === 'contact' ? ctx.actor.id !== id : !['agent', 'token', 'system'].includes(ctx.actor.type)) throw notFound('Contact');
  const [row] = await ctx.db.select().from(contacts).where(eq(contacts.id, id));
  if (!row) throw notFound('Contact');
  return (await withIdentities(ctx.db, [row]))[0]!;
}

/** A UID names one account at the exchange: a second contact with it is refused (blank means none). */
async function uidChecked(ctx: Ctx, uid: string | undefined, self?: string): Promise<string | null | undefined> {
  if (uid === undefined) return undefined;
  if (!uid) return null;
  const [dup] = await ctx.db.select({ id: contacts.id }).from(contacts).where(eq(contacts.uid, uid));
  if (dup && dup.id !== self) throw new AppError('conflict', `Another contact already has UID ${uid} (${dup.id})`);
  return uid;
}

export async function contactCreator(ctx: Ctx, input: z.output<typeof ContactCreate>) {
  requireStaff(ctx.actor);
  if (input.email) {
    const [dup] = await ctx.db.select({ id: contacts.id }).from(contacts).where(eq(contacts.email, input.email));
    if (dup) throw new AppError('conflict', `A contact with email ${input.email} already exists (${dup.id})`);
  }
  const uid = await uidChecked(ctx, input.uid);
  const [row] = await ctx.db.insert(contacts).values({ ...input, email: input.email ?? null, uid }).returning();
  if (input.email) await ctx.db.insert(contactIdentities).values({ contactId: row!.id, channel: 'email', externalId: input.email }).onConflictDoNothing();
  await recordEvent(ctx, { type: 'contacts.create', subjectType: 'contact', subjectId: row!.id, data: { ...input } });
  return contactGetter(ctx, row!.id);
}

export async function contactUpdater(ctx: Ctx, id: string, patch: z.output<typeof ContactUpdate>) {
  requireStaff(ctx.actor);
  const before = await contactGetter(ctx, id);
  if (patch.email && patch.email !== before.email) {
    const [dup] = await ctx.db.select({ id: contacts.id }).from(contacts).where(and(eq(contacts.email, patch.email)));
    if (dup) throw new AppError('conflict', `A contact with email ${patch.email} already exists`);
  }
  const uid = await uidChecked(ctx, patch.uid, id);
  const applied = { ...patch, ...(uid !== undefined ? { uid } : {}) };
  await ctx.db.update(contacts).set({ ...applied, updatedAt: new Date() }).where(eq(contacts.id, id));
  const change = diff(before as unknown as Record<string, unknown>, applied as Record<string, unknown>);
  if (Object.keys(change.after).length) await recordEvent(ctx, { type: 'contacts.update', subjectType: 'contact', subjectId: id, data: change });
  return contactGetter(ctx, id);
}
