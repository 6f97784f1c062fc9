import { and, desc, eq, ilike, lt, or, sql, type SQL } from 'drizzle-orm';
import type { z } from 'zod';
import type { ConversationListQuery } from '../../../common/schemas.ts';
import type { Db } from '../../db/client.ts';
import { contacts, conversations, inboxes } from '../../db/schema.ts';
import { AppError, notFound } from '../../errors.ts';
import { canSeeConversation, conversationScope, requireActor, scoped } from '../auth/policy.ts';
import type { Ctx } from '../context.ts';

export type ConversationRow = typeof conversations.$inferSelect;
export type ConversationView = ConversationRow & {
  channel: (typeof inboxes.$inferSelect)['kind'];
  contact: { id: string; name: string; email: string | null };
};

const columns = {
  conversation: conversations,
  channel: inboxes.kind,
  contactName: contacts.name,
  contactEmail: contacts.email,
};

const toView = (r: { conversation: ConversationRow; channel: ConversationView['channel']; contactName: string; contactEmail: string | null }): ConversationView => ({
  ...r.conversation,
  channel: r.channel,
  contact: { id: r.conversation.contactId, name: r.contactName, email: r.contactEmail },
});

const joined = (db: Db) =>
  db.select(columns).from(conversations).innerJoin(inboxes, eq(inboxes.id, conversations.inboxId)).innerJoin(contacts, eq(contacts.id, conversations.contactId));

/**
 * One conversation, if the actor may see it. Someone who may not gets not_found,
 * so ids cannot be probed for existence.
 */
export async function conversationGetter(ctx: Ctx, id: string, options: { lock?: boolean } = {}): Promise<ConversationView> {
  const actor = requireActor(ctx.actor);
  const view = await conversationLoader(ctx.db, id, options);
  if (!view || !canSeeConversation(actor, view)) throw notFound('Conversation');
  return view;
}

/** Loads without an access check — for domain code that has already decided access. */
export async function conversationLoader(db: Db, id: string, options: { lock?: boolean } = {}): Promise<ConversationView | null> {
  const query = joined(db).where(eq(conversations.id, id)).limit(1);
  const [row] = options.lock ? await query.for('update', { of: conversations }) : await query;
  return row ? toView(row) : null;
}

interface Cursor {
  t: string;
  id: string;
}
const encodeCursor = (c: Cursor) => Buffer.from(JSON.stringify(c)).toString('base64url');
function decodeCursor(raw: string): Cursor {
  try {
    const c = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
    if (typeof c?.t === 'string' && typeof c?.id === 'string' && !Number.isNaN(Date.parse(c.t))) return c;
  } catch {
    // Falls through to the error below.
  }
  throw new AppError('bad_request', 'Invalid cursor');
}

/** Lists conversations the actor may see, newest activity first, with the inbox views and filters. */
export async function conversationLister(ctx: Ctx, query: z.output<typeof ConversationListQuery>) {
  const actor = requireActor(ctx.actor);
  const filters: (SQL | undefined)[] = [];
  const me = actor.type === 'agent' ? actor : null;
  if (query.view === 'mine') filters.push(me ? eq(conversations.assigneeId, me.id) : sql`false`);
  if (query.view === 'unassigned') filters.push(sql`${conversations.assigneeId} is null`);
  if (query.view === 'teams') {
    filters.push(me?.teamIds.length ? sql`${conversations.teamId} in ${me.teamIds}` : sql`false`);
  }
  if (query.status?.length) filters.push(sql`${conversations.status} in ${query.status}`);
  if (query.priority) filters.push(eq(conversations.priority, query.priority));
  if (query.assigneeId) filters.push(eq(conversations.assigneeId, query.assigneeId));
  if (query.teamId) filters.push(eq(conversations.teamId, query.teamId));
  if (query.categoryId) filters.push(eq(conversations.categoryId, query.categoryId));
  if (query.inboxId) filters.push(eq(conversations.inboxId, query.inboxId));
  if (query.contactId) filters.push(eq(conversations.contactId, query.contactId));
  if (query.channel) filters.push(eq(inboxes.kind, query.channel));
  if (query.mode) filters.push(eq(conversations.mode, query.mode));
  if (query.tag) filters.push(sql`${conversations.tags} @> ${JSON.stringify([query.tag])}::jsonb`);
  if (query.sla) {
    const now = ctx.services.clock();
    const horizon = query.sla === 'breached' ? now : new Date(now.getTime() + 3_600_000);
    const dueBy = (col: typeof conversations.firstResponseDueAt) => sql`${col} <= ${horizon}`;
    const clause = or(dueBy(conversations.firstResponseDueAt), dueBy(conversations.nextResponseDueAt), dueBy(conversations.resolutionDueAt));
    filters.push(query.sla === 'breached' ? clause : and(clause, sql`not (${or(sql`${conversations.firstResponseDueAt} <= ${now}`, sql`${conversations.nextResponseDueAt} <= ${now}`, sql`${conversations.resolutionDueAt} <= ${now}`)})`));
  }
  if (query.q) {
    const q = query.q;
    const number = /^#?(\d{1,15})$/.exec(q)?.[1];
    const like = `%${q.replace(/[\\%_]/g, (m) => `\\${m}`)}%`;
    filters.push(
      or(
        number ? eq(conversations.number, Number(number)) : undefined,
        ilike(conversations.subject, like),
        ilike(contacts.email, like),
        eq(sql`${conversations.fields}->>'orderId'`, q),
        eq(sql`${conversations.fields}->>'txHash'`, q),
        eq(sql`${conversations.fields}->>'uid'`, q),
        eq(contacts.uid, q),
        // Words in the messages too (customers only search what they can read: public messages).
        actor.type === 'contact'
          ? sql`exists (select 1 from messages m where m.conversation_id = ${conversations.id} and m.visibility = 'public' and m.body ilike ${like})`
          : sql`exists (select 1 from messages m where m.conversation_id = ${conversations.id} and m.body ilike ${like})`,
      ),
    );
  }
  if (query.cursor) {
    const c = decodeCursor(query.cursor);
    const t = new Date(c.t);
    filters.push(or(lt(conversations.lastMessageAt, t), and(eq(conversations.lastMessageAt, t), lt(conversations.id, c.id))));
  }
  const rows = await joined(ctx.db)
    .where(scoped(conversationScope(actor), ...filters))
    .orderBy(desc(conversations.lastMessageAt), desc(conversations.id))
    .limit(query.limit + 1);
  const page = rows.slice(0, query.limit).map(toView);
  const last = page.at(-1);
  const nextCursor = rows.length > query.limit && last ? encodeCursor({ t: last.lastMessageAt.toISOString(), id: last.id }) : null;
  return { items: page, nextCursor };
}
