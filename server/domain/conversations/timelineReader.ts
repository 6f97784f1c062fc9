import { and, asc, eq, gt, inArray } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { q, rawRows } from '../../db/raw.ts';
import { attachments, events, messages } from '../../db/schema.ts';
import { isStaff } from '../auth/policy.ts';
import type { Ctx } from '../context.ts';
import { conversationGetter } from './conversationReader.ts';

/** Names for author / actor ids (agents, contacts, API tokens), in one query. */
export async function actorNames(db: Db, refs: { type: string; id: string | null }[]): Promise<Map<string, string>> {
  const ids = (type: string) => [...new Set(refs.filter((r) => r.type === type && r.id).map((r) => r.id!))];
  const names = new Map<string, string>();
  const [a, c, t] = [ids('agent'), ids('contact'), ids('token')];
  if (!a.length && !c.length && !t.length) return names;
  const rows = await rawRows<{ id: string; name: string }>(
    db,
    q`select id, name from agents where id = any(${a}::uuid[])
      union all select id, coalesce(nullif(name, ''), email, '') from contacts where id = any(${c}::uuid[])
      union all select id, 'API: ' || name from api_tokens where id = any(${t}::uuid[])`,
  );
  for (const r of rows) names.set(r.id, r.name);
  return names;
}

/** The name shown for one message's author, as GET …/messages shows it (null for the system or an author since deleted). */
export async function messageAuthorNamer(db: Db, message: { authorType: string; authorId: string | null }): Promise<string | null> {
  if (!message.authorId) return null;
  return (await actorNames(db, [{ type: message.authorType, id: message.authorId }])).get(message.authorId) ?? null;
}

/** Messages after a seq (catch-up), with author names and attachments. Customers never see private notes. */
export async function messageLister(ctx: Ctx, conversationId: string, query: { afterSeq: number; limit: number }) {
  await conversationGetter(ctx, conversationId);
  const filters = [eq(messages.conversationId, conversationId), gt(messages.seq, query.afterSeq)];
  if (!isStaff(ctx.actor)) filters.push(eq(messages.visibility, 'public'));
  const rows = await ctx.db.select().from(messages).where(and(...filters)).orderBy(asc(messages.seq)).limit(query.limit);
  const names = await actorNames(ctx.db, rows.map((r) => ({ type: r.authorType, id: r.authorId })));
  const files = rows.length ? await ctx.db.select().from(attachments).where(inArray(attachments.messageId, rows.map((r) => r.id))) : [];
  return rows.map((r) => ({
    ...r,
    authorName: r.authorId ? (names.get(r.authorId) ?? null) : null,
    attachments: files.filter((f) => f.messageId === r.id),
  }));
}

/** Event types a customer may see in their own ticket's history. */
const CUSTOMER_EVENTS = new Set(['conversations.create', 'conversations.update']);

/** The conversation's history of changes (who, what, when, before → after). */
export async function conversationEventLister(ctx: Ctx, conversationId: string) {
  await conversationGetter(ctx, conversationId);
  const rows = await ctx.db.select().from(events).where(eq(events.conversationId, conversationId)).orderBy(asc(events.id)).limit(2000);
  const visible = isStaff(ctx.actor) ? rows : rows.filter((r) => CUSTOMER_EVENTS.has(r.type));
  const names = await actorNames(ctx.db, visible.map((r) => ({ type: r.actorType, id: r.actorId })));
  return visible.map((r) => ({ ...r, actorName: r.actorId ? (names.get(r.actorId) ?? null) : null, ip: isStaff(ctx.actor) ? r.ip : null }));
}
