import { and, eq, ilike, lt, or, sql, type SQL } from 'drizzle-orm';
import type { z } from 'zod';
import type { ConversationListQuery } from '../../../common/schemas.ts';
import type { Db } from '../../db/client.ts';
import { columnList, q, rawRows, sqlText, tableRow } from '../../db/raw.ts';
import { contacts, conversations, inboxes } from '../../db/schema.ts';
import { AppError, notFound } from '../../errors.ts';
import { canSeeConversation, conversationScope, requireActor, scoped } from '../auth/policy.ts';
import type { Ctx, Services } from '../context.ts';

export type ConversationRow = typeof conversations.$inferSelect;
export type ConversationView = ConversationRow & {
  channel: (typeof inboxes.$inferSelect)['kind'];
  /** email: the customer's verified address; unverifiedEmail: an address typed into an anonymous form, not yet confirmed. */
  contact: { id: string; name: string; email: string | null; unverifiedEmail: string | null };
};

/**
 * The address a requester only claimed (typed into an anonymous form and not confirmed by the
 * emailed link or a code login): such a contact has no email of its own, the claim is kept aside.
 */
export const UNVERIFIED_EMAIL = sqlText(`case when contacts.email is null then contacts.attributes->>'unverifiedEmail' end`);

/** A conversation with its channel and contact, as one row (prefixed names cannot clash with a conversation column). */
const VIEW = q`select ${columnList(conversations, 'conversations')}, inboxes.kind as view_channel, contacts.name as view_contact_name, contacts.email as view_contact_email,
  ${UNVERIFIED_EMAIL} as view_contact_unverified_email
  from conversations
  join inboxes on inboxes.id = conversations.inbox_id
  join contacts on contacts.id = conversations.contact_id`;

type ViewRow = Record<string, unknown> & {
  view_channel: ConversationView['channel'];
  view_contact_name: string;
  view_contact_email: string | null;
  view_contact_unverified_email: string | null;
};

const toView = (r: ViewRow): ConversationView => {
  const row = tableRow(conversations, r);
  return { ...row, channel: r.view_channel, contact: { id: row.contactId, name: r.view_contact_name, email: r.view_contact_email, unverifiedEmail: r.view_contact_unverified_email ?? null } };
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
  const rows = await rawRows<{ id: string; v: string; t: string }>(
    ctx.db,
    q`select conversations.id, ${ROW_VERSION} as v, ${sqlText(isoText('conversations.last_message_at'))} as t
      from conversations
      join inboxes on inboxes.id = conversations.inbox_id
      join contacts on contacts.id = conversations.contact_id
      where ${scoped(conversationScope(actor), ...filters)}
      order by conversations.last_message_at desc, conversations.id desc
      limit ${sqlText(String(limit))}`,
  );
  const page = rows.slice(0, query.limit);
  const last = page.at(-1);
  const nextCursor = rows.length > query.limit && last ? encodeCursor({ t: last.t, id: last.id }) : null;
  return { items: await presentedItems(ctx, page), nextCursor };
}

/*
 * Presenting a conversation costs PostgreSQL four times what finding it does, and between two
 * loads of an inbox view (every agent's list refetches on each change) nearly every row is the
 * same. So each process keeps the JSON of the row versions it has presented: the list query
 * returns ids and versions only, and a second query presents just the rows not yet seen.
 * A version is the xmin of the three rows the JSON is made of (conversation, contact, inbox):
 * PostgreSQL gives every committed update a new one, so a stale entry can never match and
 * nothing has to be invalidated, in this process or any other. Inside a write transaction
 * its own uncommitted updates share one xmin, so there the cache is neither read nor filled.
 */
const ROW_VERSION = sqlText(`conversations.xmin::text || '.' || contacts.xmin::text || '.' || inboxes.xmin::text`);
/** About 1 kB each: a bounded few MB, oldest first out. */
const PRESENTED_MAX = 10_000;
const presentedStores = new WeakMap<Services, Map<string, string>>();

async function presentedItems(ctx: Ctx, page: { id: string; v: string }[]): Promise<string[]> {
  let store = presentedStores.get(ctx.services);
  if (!store) presentedStores.set(ctx.services, (store = new Map()));
  const items = new Map<string, string>();
  const missing: string[] = [];
  for (const r of page) {
    const hit = ctx.inTransaction ? undefined : store.get(`${r.id} ${r.v}`);
    if (hit === undefined) missing.push(r.id);
    else items.set(r.id, hit);
  }
  if (missing.length) {
    const rows = await rawRows<{ id: string; v: string; item: string }>(
      ctx.db,
      q`select conversations.id, ${ROW_VERSION} as v, ${CONVERSATION_JSON} as item
        from conversations
        join inboxes on inboxes.id = conversations.inbox_id
        join contacts on contacts.id = conversations.contact_id
        where conversations.id = any(${missing}::uuid[])`,
    );
    for (const r of rows) {
      // Changed since the first query: the newer version is shown, and kept under its own version.
      items.set(r.id, r.item);
      if (ctx.inTransaction) continue;
      if (store.size >= PRESENTED_MAX) store.delete(store.keys().next().value!);
      store.set(`${r.id} ${r.v}`, r.item);
    }
  }
  // A row deleted between the two queries is left out.
  return page.map((r) => items.get(r.id)).filter((item): item is string => item !== undefined);
}

/*
 * A conversation as the API presents it (ConversationOut), written by the database as JSON text,
 * so a page of fifty costs the server one string per row instead of fifty objects mapped,
 * presented and serialised. Concatenating the pieces costs PostgreSQL a little less than
 * row_to_json or json_build_object (~6% of the page) and comes out compact. Each helper is an SQL
 * expression whose value is JSON text (never SQL NULL: one NULL would blank the whole object).
 * It must say exactly what presentConversation (routes/api/present.ts) says;
 * conversationReader.test.ts compares the two on conversations in every state.
 */
/** A timestamp as JavaScript's toISOString writes it (milliseconds, Z), as SQL text. */
const isoText = (column: string) => `to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
const json = {
  /** Any text, escaped. */
  text: (column: string) => `coalesce(to_json(${column})::text, 'null')`,
  /** A uuid needs no escaping. */
  uuid: (column: string) => `coalesce('"' || ${column} || '"', 'null')`,
  /** A NOT NULL number. */
  number: (column: string) => `${column}::text`,
  time: (column: string) => `coalesce('"' || ${isoText(column)} || '"', 'null')`,
  /** A NOT NULL jsonb column: its text is JSON already. */
  jsonb: (expression: string) => `(${expression})::text`,
  object: (members: [string, string][]) => `'{' || ${members.map(([key, value], i) => `'${i ? ',' : ''}"${key}":' || ${value}`).join(' || ')} || '}'`,
};

const CONVERSATION_JSON = sqlText(
  json.object([
    ['id', json.uuid('conversations.id')],
    ['number', json.number('conversations.number')],
    ['inboxId', json.uuid('conversations.inbox_id')],
    ['channel', json.text('inboxes.kind')],
    ['contactId', json.uuid('conversations.contact_id')],
    [
      'contact',
      json.object([
        ['id', json.uuid('conversations.contact_id')],
        ['name', json.text('contacts.name')],
        ['email', json.text('contacts.email')],
        ['unverifiedEmail', json.text(`(case when contacts.email is null then contacts.attributes->>'unverifiedEmail' end)`)],
      ]),
    ],
    // False while the requester's address is only claimed (see UNVERIFIED_EMAIL).
    ['requesterVerified', `case when contacts.email is null and contacts.attributes->>'unverifiedEmail' is not null then 'false' else 'true' end`],
    ['mode', json.text('conversations.mode')],
    ['status', json.text('conversations.status')],
    ['priority', json.text('conversations.priority')],
    ['categoryId', json.uuid('conversations.category_id')],
    ['teamId', json.uuid('conversations.team_id')],
    ['assigneeId', json.uuid('conversations.assignee_id')],
    ['language', json.text('conversations.language')],
    ['subject', json.text('conversations.subject')],
    // Only string values are presented (the API never writes others).
    [
      'fields',
      json.jsonb(`case when jsonb_path_exists(conversations.fields, '$.* ? (@.type() != "string")')
        then (select coalesce(jsonb_object_agg(f.key, f.value), '{}'::jsonb) from jsonb_each(conversations.fields) f where jsonb_typeof(f.value) = 'string')
        else conversations.fields end`),
    ],
    ['fieldSources', json.jsonb('conversations.field_sources')],
    ['tags', json.jsonb('conversations.tags')],
    ['firstResponseDueAt', json.time('conversations.first_response_due_at')],
    ['nextResponseDueAt', json.time('conversations.next_response_due_at')],
    ['resolutionDueAt', json.time('conversations.resolution_due_at')],
    ['firstResponseAt', json.time('conversations.first_response_at')],
    ['lastMessageAt', json.time('conversations.last_message_at')],
    ['lastSeq', json.number('conversations.last_seq')],
    ['customerReadSeq', json.number('conversations.customer_read_seq')],
    ['agentReadSeq', json.number('conversations.agent_read_seq')],
    // An offer only stands while the chat is new.
    ['chatOfferedAt', `case when conversations.status = 'new' then ${json.time('conversations.chat_offered_at')} else 'null' end`],
    [
      'csat',
      `case when coalesce(conversations.csat_score, 0) <> 0 then ${json.object([
        ['score', json.number('conversations.csat_score')],
        ['comment', json.text('conversations.csat_comment')],
        ['ratedAt', json.time('conversations.csat_at')],
      ])} else 'null' end`,
    ],
    ['mergedIntoId', json.uuid('conversations.merged_into_id')],
    ['createdAt', json.time('conversations.created_at')],
    ['updatedAt', json.time('conversations.updated_at')],
  ]),
);
