import { and, eq, ilike, lt, or, sql, type SQL } from 'drizzle-orm';
import type { z } from 'zod';
import type { ConversationListQuery } from '../../../common/schemas.ts';
import type { Db } from '../../db/client.ts';
import { columnList, q, rawRows, sqlText, tableRow } from '../../db/raw.ts';
import { contacts, conversations, inboxes } from '../../db/schema.ts';
import { AppError, notFound } from '../../errors.ts';
import { canSeeConversation, conversationScope, requireActor, scoped } from '../auth/policy.ts';
import type { Ctx } from '../context.ts';

export type ConversationRow = typeof conversations.$inferSelect;
export type ConversationView = ConversationRow & {
  channel: (typeof inboxes.$inferSelect)['kind'];
  contact: { id: string; name: string; email: string | null };
};

/** A conversation with its channel and contact, as one row (prefixed names cannot clash with a conversation column). */
const VIEW = q`select ${columnList(conversations, 'conversations')}, inboxes.kind as view_channel, contacts.name as view_contact_name, contacts.email as view_contact_email
  from conversations
  join inboxes on inboxes.id = conversations.inbox_id
  join contacts on contacts.id = conversations.contact_id`;

type ViewRow = Record<string, unknown> & { view_channel: ConversationView['channel']; view_contact_name: string; view_contact_email: string | null };

const toView = (r: ViewRow): ConversationView => {
  const row = tableRow(conversations, r);
  return { ...row, channel: r.view_channel, contact: { id: row.contactId, name: r.view_contact_name, email: r.view_contact_email } };
};

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
  const [row] = await rawRows<ViewRow>(db, options.lock ? q`${VIEW} where conversations.id = ${id}::uuid for update of conversations` : q`${VIEW} where conversations.id = ${id}::uuid`);
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

/**
 * Lists conversations the actor may see, newest activity first, with the inbox views and filters.
 * Items come as ConversationOut JSON text (see CONVERSATION_JSON), ready to be sent.
 */
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
  // The limit is a validated integer written into the text: a parameter would leave the planner guessing.
  const limit = Math.trunc(query.limit) + 1;
  const rows = await rawRows<{ item: string; t: string; id: string }>(
    ctx.db,
    q`select row_to_json(page)::text as item, page."lastMessageAt" as t, page.id from (
        select ${CONVERSATION_JSON}
        from conversations
        join inboxes on inboxes.id = conversations.inbox_id
        join contacts on contacts.id = conversations.contact_id
        where ${scoped(conversationScope(actor), ...filters)}
        order by conversations.last_message_at desc, conversations.id desc
        limit ${sqlText(String(limit))}
      ) page`,
  );
  const page = rows.slice(0, query.limit);
  const last = page.at(-1);
  const nextCursor = rows.length > query.limit && last ? encodeCursor({ t: last.t, id: last.id }) : null;
  return { items: page.map((r) => r.item), nextCursor };
}

/** A timestamp as JavaScript's toISOString writes it (milliseconds, Z). */
const iso = (column: string) => sqlText(`to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`);

/**
 * A conversation as the API presents it (ConversationOut): the columns of a row that
 * row_to_json writes as one compact JSON object, so a page of fifty costs the server one string
 * per row instead of fifty objects mapped, presented and serialised. It must say exactly what
 * presentConversation (routes/api/present.ts) says; conversationReader.test.ts compares the two
 * on conversations in every state.
 */
const CONVERSATION_JSON = q`
  conversations.id as "id",
  conversations.number as "number",
  conversations.inbox_id as "inboxId",
  inboxes.kind as "channel",
  conversations.contact_id as "contactId",
  json_build_object('id', conversations.contact_id, 'name', contacts.name, 'email', contacts.email) as "contact",
  conversations.mode as "mode",
  conversations.status as "status",
  conversations.priority as "priority",
  conversations.category_id as "categoryId",
  conversations.team_id as "teamId",
  conversations.assignee_id as "assigneeId",
  conversations.language as "language",
  conversations.subject as "subject",
  case when jsonb_path_exists(conversations.fields, '$.* ? (@.type() != "string")')
    then (select coalesce(jsonb_object_agg(f.key, f.value), '{}'::jsonb) from jsonb_each(conversations.fields) f where jsonb_typeof(f.value) = 'string')
    else conversations.fields end as "fields",
  conversations.tags as "tags",
  ${iso('conversations.first_response_due_at')} as "firstResponseDueAt",
  ${iso('conversations.next_response_due_at')} as "nextResponseDueAt",
  ${iso('conversations.resolution_due_at')} as "resolutionDueAt",
  ${iso('conversations.first_response_at')} as "firstResponseAt",
  ${iso('conversations.last_message_at')} as "lastMessageAt",
  conversations.last_seq as "lastSeq",
  conversations.customer_read_seq as "customerReadSeq",
  conversations.agent_read_seq as "agentReadSeq",
  case when conversations.status = 'new' then ${iso('conversations.chat_offered_at')} end as "chatOfferedAt",
  case when coalesce(conversations.csat_score, 0) <> 0
    then json_build_object('score', conversations.csat_score, 'comment', conversations.csat_comment, 'ratedAt', ${iso('conversations.csat_at')}) end as "csat",
  conversations.merged_into_id as "mergedIntoId",
  ${iso('conversations.created_at')} as "createdAt",
  ${iso('conversations.updated_at')} as "updatedAt"`;
