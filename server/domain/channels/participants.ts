import { asc, eq } from 'drizzle-orm';
import { conversationParticipants } from '../../db/schema.ts';
import { q, rawRows } from '../../db/raw.ts';
import { notFound } from '../../errors.ts';
import { isStaff } from '../auth/policy.ts';
import { type Ctx, recordEvent } from '../context.ts';
import { conversationGetter } from '../conversations/conversationReader.ts';

/**
 * People copied on a conversation join it (email Cc, and To besides us): they get "reply all" and
 * may continue the thread by its ticket number. Our own addresses and the requester never join.
 * Returns the addresses that joined now.
 */
export async function participantAdder(ctx: Ctx, conversationId: string, parties: { email?: string; name?: string }[], exclude: Set<string>): Promise<string[]> {
  const seen = new Set<string>();
  const rows: { email: string; name: string }[] = [];
  for (const party of parties) {
    const email = party.email?.trim().toLowerCase();
    if (!email || !email.includes('@') || exclude.has(email) || seen.has(email)) continue;
    seen.add(email);
    rows.push({ email, name: (party.name ?? '').slice(0, 200) });
  }
  if (!rows.length) return [];
  const added = await rawRows<{ email: string }>(
    ctx.db,
    q`insert into conversation_participants (conversation_id, email, name)
      select ${conversationId}::uuid, p.email, p.name from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as p(email text, name text)
      on conflict do nothing
      returning email`,
  );
  if (added.length) {
    await recordEvent(ctx, { type: 'conversations.participants', subjectType: 'conversation', subjectId: conversationId, conversationId, data: { added: added.map((a) => a.email) } });
  }
  return added.map((a) => a.email);
}

/** Whether an address is copied on a conversation. */
export async function isParticipant(ctx: Ctx, conversationId: string, email: string): Promise<boolean> {
  const [row] = await rawRows(ctx.db, q`select 1 from conversation_participants where conversation_id = ${conversationId}::uuid and email = ${email.toLowerCase()}::text`);
  return Boolean(row);
}

/** The people copied on a conversation, for staff who can see it (customers: 404, as for anything not theirs to see). */
export async function participantLister(ctx: Ctx, conversationId: string) {
  if (!isStaff(ctx.actor)) throw notFound('Conversation');
  await conversationGetter(ctx, conversationId);
  return ctx.db.select().from(conversationParticipants).where(eq(conversationParticipants.conversationId, conversationId)).orderBy(asc(conversationParticipants.createdAt), asc(conversationParticipants.email));
}
