import { randomUUID } from 'node:crypto';
import { asc, eq } from 'drizzle-orm';
import type { z } from 'zod';
import type { ChannelKind } from '../../../common/enums.ts';
import type { ConversationCreate } from '../../../common/schemas.ts';
import { stripBidi } from '../../../common/text.ts';
import { columnList, q, rawRows, type RawSql, tableRow } from '../../db/raw.ts';
import { attachments, categories, conversations, events, inboxes, messages } from '../../db/schema.ts';
import { DURABLE_EVENTS } from '../../jobs/boss.ts';
import { AppError, forbidden, notFound } from '../../errors.ts';
import { canSeeConversation, isStaff } from '../auth/policy.ts';
import { cached } from '../cache.ts';
import { type Ctx, eventRecorded, jobsStatement, transactOn } from '../context.ts';
import { defaultInbox, existingDefaultInbox } from '../directory/inboxes.ts';
import { slaCheckJobs, slaPlanner } from '../sla/slaScheduler.ts';
import { conversationTriager } from '../triage/conversationTriager.ts';
import { conversationGetter, type ConversationRow, type ConversationView } from './conversationReader.ts';
import type { MessageWithFiles } from './messageCreator.ts';

type Inbox = typeof inboxes.$inferSelect;
type Category = typeof categories.$inferSelect;

/** Inboxes and categories change rarely and are read on every ticket: one copy per process, dropped on change. */
const inboxById = (ctx: Ctx, id: string) =>
  cached(ctx.services, `inbox:${id}`, ['inboxes.'], 60_000, async (): Promise<Inbox | null> => (await ctx.db.select().from(inboxes).where(eq(inboxes.id, id)))[0] ?? null);
const categoryById = (ctx: Ctx, id: string) =>
  cached(ctx.services, `category:${id}`, ['categories.'], 60_000, async (): Promise<Category | null> => (await ctx.db.select().from(categories).where(eq(categories.id, id)))[0] ?? null);

/** A file already in the blob store, to attach to the first message. */
export interface FirstMessageFile {
  sha256: string;
  size: number;
  contentType: string;
  filename: string;
  contentId: string | null;
  inline: boolean;
}

/** What a channel adds to the first message: the provider's id, its meta and its files. The web path gives none. */
export interface FirstMessage {
  externalId?: string;
  meta?: Record<string, unknown>;
  files?: FirstMessageFile[];
}

/**
 * Opens a conversation with its first (customer) message. Customers open their own;
 * staff and integrations open one for a contact given by id or email.
 * The category's team and urgency fill in team and priority when not given.
 *
 * Everything is decided first (inbox, category, SLA policy and calendar come from the process
 * cache), then ONE statement writes the contact when new (with its email identity), the
 * conversation with its SLA due times, the first message, their history events and the SLA check
 * jobs. A statement is atomic on its own, so this also runs outside a transaction (single).
 */
export async function conversationCreator(
  ctx: Ctx,
  rawInput: z.output<typeof ConversationCreate>,
  first: FirstMessage = {},
): Promise<{ conversation: ConversationView; created: boolean; message?: MessageWithFiles }> {
  const actor = ctx.actor;
  // Whoever calls (API, chat, a channel), a subject or name never carries text-reversing controls.
  const input = { ...rawInput, subject: stripBidi(rawInput.subject), ...(rawInput.contact ? { contact: { ...rawInput.contact, name: stripBidi(rawInput.contact.name) } } : {}) };
  if (input.idempotencyKey) {
    const existing = await conversationByKey(ctx, input.idempotencyKey);
    if (existing) return existing;
  }

  let contact: { id: string } | { email: string; name: string };
  if (actor.type === 'contact') {
    if (input.contactId || input.contact) throw forbidden('Customers open conversations for themselves only');
    contact = { id: actor.id };
  } else if (isStaff(actor)) {
    if (input.contactId) contact = { id: input.contactId };
    else if (input.contact) contact = { email: input.contact.email.toLowerCase(), name: input.contact.name };
    else throw new AppError('validation_failed', 'Give contactId or contact.email');
  } else {
    throw forbidden();
  }

  let inbox: Inbox | null;
  if (input.inboxId) inbox = await inboxById(ctx, input.inboxId);
  else {
    const kind = actor.type === 'contact' ? 'webform' : 'api';
    inbox = await existingDefaultInbox(ctx.db, kind, ctx.services);
    // The first ticket of its kind creates the inbox too: a second statement, so a transaction.
    if (!inbox && !ctx.inTransaction) return transactOn(ctx, (tx) => conversationCreator(tx, input, first));
    inbox ??= await defaultInbox(ctx.db, kind, ctx.services);
  }
  if (!inbox) throw notFound('Inbox');
  if (!inbox.enabled) throw new AppError('conflict', `Inbox ${inbox.name} is disabled`);

  // Language, empty fields and category from the text when nobody gave them, before team, priority and SLA follow from them.
  const triage = await conversationTriager(ctx, input);
  const categoryId = input.categoryId ?? triage.categoryId;
  const category = categoryId ? await categoryById(ctx, categoryId) : undefined;
  if (input.categoryId && !category) throw notFound('Category');

  // The row as the insert and the first message leave it: a new ticket whose last message is the customer's.
  const now = ctx.services.clock();
  const row: ConversationRow = {
    id: randomUUID(),
    number: 0,
    inboxId: inbox.id,
    contactId: 'id' in contact ? contact.id : '',
    mode: input.mode,
    status: 'new',
    priority: input.priority ?? (category?.urgent ? 'urgent' : 'normal'),
    categoryId: category?.id ?? null,
    teamId: (isStaff(actor) ? input.teamId : undefined) ?? category?.teamId ?? null,
    assigneeId: null,
    language: triage.language,
    subject: input.subject,
    fields: { ...(input.fields as Record<string, string>), ...triage.fields },
    // Whoever opens it typed the fields given; triage fills the rest from the text (and says so).
    fieldSources: { ...Object.fromEntries(Object.keys(input.fields).map((k) => [k, actor.type === 'contact' ? 'customer' : 'agent'])), ...triage.sources },
    tags: input.tags,
    firstResponseDueAt: null,
    nextResponseDueAt: null,
    resolutionDueAt: null,
    slaPolicyId: null,
    firstResponseAt: null,
    lastMessageAt: now,
    lastSeq: 1,
    idempotencyKey: input.idempotencyKey ?? null,
    csatScore: null,
    csatComment: null,
    csatAt: null,
    mergedIntoId: null,
    solvedAt: null,
    slaPausedAt: null,
    slaPausedSeconds: 0,
    chatOfferedAt: null,
    customerReadSeq: 0,
    agentReadSeq: 0,
    createdAt: now,
    updatedAt: now,
  };
  // An agent cannot open a ticket in a team whose tickets they may not see (messageCreator's
  // read of the new conversation refused it before, so the answer stays the same).
  if (!canSeeConversation(actor, row)) throw notFound('Conversation');
  // The customer's first message starts the clocks, as messageCreator would for it.
  const sla = await slaPlanner(ctx, row, 'customer_message');
  Object.assign(row, sla.set);

  const history = {
    channel: inbox.kind,
    contact: 'email' in contact ? { email: contact.email } : null,
    message: { seq: row.lastSeq, direction: 'in', visibility: 'public', contentType: 'text', attachments: first.files?.length ?? 0 },
  };
  // A durable side effect is enqueued with its event's id, known only once the row is written:
  // that takes a second statement, so a transaction. None of these events has one today.
  if (!ctx.inTransaction && needsEventJobs(actor, row, history)) return transactOn(ctx, (tx) => conversationCreator(tx, input, first));

  const written = await conversationWriter(ctx, row, contact, input.body, first, history, await jobsStatement(ctx.services, slaCheckJobs(row.id, sla.checks))).catch(
    (err: { code?: string; cause?: { code?: string } }) => {
      if ((err.code ?? err.cause?.code) === '23503') throw notFound('Contact or team');
      throw err;
    },
  );
  if (!written) {
    // The same key won a race with this request (the insert waited for it to commit): answer with its conversation.
    const existing = input.idempotencyKey ? await conversationByKey(ctx, input.idempotencyKey) : null;
    if (existing) return existing;
    throw notFound('Contact or team');
  }
  const { conversation, message } = written;
  for (const row of written.events) {
    const event = await eventRecorded(ctx, row);
    // The push of the first message carries it (as messageCreator's do), so no process reads it back.
    if (event.type === 'messages.create') {
      event.push = {
        message: { ...message, authorName: conversation.contact.name || conversation.contact.email, attachments: written.files },
        conversation: { status: conversation.status, lastSeq: conversation.lastSeq, teamId: conversation.teamId, assigneeId: conversation.assigneeId },
      };
    }
  }
  return { conversation, created: true, message: { ...message, attachments: written.files } };
}

/** A conversation opened before with this idempotency key; someone else's key is a conflict, and says nothing more. */
async function conversationByKey(ctx: Ctx, key: string) {
  const [existing] = await ctx.db.select().from(conversations).where(eq(conversations.idempotencyKey, key)).limit(1);
  if (!existing) return null;
  if (!canSeeConversation(ctx.actor, existing)) throw new AppError('conflict', 'This idempotency key was already used');
  return { conversation: await conversationGetter(ctx, existing.id), created: false };
}

type History = { channel: string; contact: { email: string } | null; message: Record<string, unknown> };

/** Whether any event the writer records has a durable side effect (see DURABLE_EVENTS). */
function needsEventJobs(actor: Ctx['actor'], row: ConversationRow, history: History): boolean {
  const shape = (type: string, data: Record<string, unknown>) => DURABLE_EVENTS[type]?.({ type, actorId: actor.id, data }) ?? false;
  return (
    (history.contact !== null && shape('contacts.create', history.contact)) ||
    shape('conversations.create', { number: row.number, channel: history.channel, mode: row.mode, priority: row.priority, categoryId: row.categoryId, teamId: row.teamId }) ||
    shape('messages.create', history.message)
  );
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/**
 * The one statement (so one round trip, parsed and planned once per connection). Data-modifying
 * CTEs run in no set order, so the events go in by one INSERT whose rows are ordered as
 * recordEvent would have written them: contact, conversation, message. Returns null when nothing
 * was written: the contact does not exist, or the idempotency key was taken meanwhile.
 */
async function conversationWriter(
  ctx: Ctx,
  row: ConversationRow,
  contact: { id: string } | { email: string; name: string },
  body: string,
  first: FirstMessage,
  history: History,
  jobs: RawSql | null,
): Promise<{ conversation: ConversationView; message: typeof messages.$inferSelect; files: (typeof attachments.$inferSelect)[]; events: (typeof events.$inferSelect)[] } | null> {
  const contactCte =
    'id' in contact
      ? q`contact as (select id, name, email, false as inserted from contacts where id = ${contact.id}::uuid)`
      : // A concurrent request may create the same address first: the upsert then returns that row (xmax <> 0: not ours).
        q`found as (select id, name, email from contacts where email = ${contact.email}::text),
          created as (
            insert into contacts (email, name)
            select ${contact.email}::text, ${contact.name || contact.email.split('@')[0]!}::text where not exists (select 1 from found)
            on conflict (email) where email is not null do update set email = excluded.email
            returning id, name, email, (xmax = 0) as inserted),
          contact as (select id, name, email, false as inserted from found union all select id, name, email, inserted from created),
          identity as (
            insert into contact_identities (contact_id, channel, external_id)
            select id, 'email', email from contact where inserted
            on conflict do nothing)`;
  const [out] = await rawRows<{ conversation: Record<string, unknown>; contact_name: string; contact_email: string | null; contact_unverified_email: string | null; message: Record<string, unknown>; files: Record<string, unknown>[] | null; events: Record<string, unknown>[] }>(
    ctx.db,
    q`with ${contactCte},
    conversation as (
      insert into conversations (id, inbox_id, contact_id, mode, status, priority, category_id, team_id, language, subject, fields, field_sources, tags,
        first_response_due_at, next_response_due_at, resolution_due_at, sla_policy_id, sla_paused_at, sla_paused_seconds,
        last_message_at, last_seq, idempotency_key, created_at, updated_at)
      select ${row.id}::uuid, ${row.inboxId}::uuid, contact.id, ${row.mode}::text, ${row.status}::text, ${row.priority}::text, ${row.categoryId}::uuid, ${row.teamId}::uuid,
        ${row.language}::text, ${row.subject}::text, ${JSON.stringify(row.fields)}::jsonb, ${JSON.stringify(row.fieldSources)}::jsonb, ${JSON.stringify(row.tags)}::jsonb,
        ${iso(row.firstResponseDueAt)}::timestamptz, ${iso(row.nextResponseDueAt)}::timestamptz, ${iso(row.resolutionDueAt)}::timestamptz,
        ${row.slaPolicyId}::uuid, ${iso(row.slaPausedAt)}::timestamptz, ${row.slaPausedSeconds}::int,
        ${iso(row.lastMessageAt)}::timestamptz, ${row.lastSeq}::int, ${row.idempotencyKey}::text, ${iso(row.createdAt)}::timestamptz, ${iso(row.updatedAt)}::timestamptz
      from contact
      -- A retry racing the first request waits here for it to commit, then writes nothing.
      on conflict (idempotency_key) where idempotency_key is not null do nothing
      returning ${columnList(conversations)}),
    message as (
      insert into messages (conversation_id, inbox_id, seq, direction, visibility, content_type, body, author_type, author_id, external_id, meta, created_at)
      select id, inbox_id, last_seq, 'in', 'public', 'text', ${body}::text, 'contact', contact_id, ${first.externalId ?? null}::text, ${JSON.stringify(first.meta ?? {})}::jsonb, last_message_at
      from conversation
      returning ${columnList(messages)}),${
    first.files?.length
      ? q`
    files as (
      insert into attachments (conversation_id, message_id, sha256, filename, content_type, size, content_id, inline)
      select m.conversation_id, m.id, f.sha256, f.filename, f.content_type, f.size, f.content_id, f.inline
      from message m, jsonb_to_recordset(${JSON.stringify(first.files.map((f) => ({ sha256: f.sha256, filename: f.filename, content_type: f.contentType, size: f.size, content_id: f.contentId, inline: f.inline })))}::jsonb)
        as f(sha256 text, filename text, content_type text, size bigint, content_id text, inline boolean)
      returning ${columnList(attachments)}),`
      : q``
  }
    history as (
      insert into events (type, actor_type, actor_id, subject_type, subject_id, conversation_id, data, ip)
      select type, ${ctx.actor.type}::text, ${ctx.actor.id}::uuid, subject_type, subject_id, conversation_id, data, ${ctx.ip ?? null}::text
      from (
        select 1 as n, 'contacts.create' as type, 'contact' as subject_type, id::text as subject_id, null::uuid as conversation_id,
          ${JSON.stringify(history.contact)}::jsonb as data
        from contact where inserted
        union all
        select 2, 'conversations.create', 'conversation', c.id::text, c.id,
          jsonb_build_object('number', c.number, 'channel', ${history.channel}::text, 'mode', c.mode, 'priority', c.priority, 'categoryId', c.category_id, 'teamId', c.team_id)
        from conversation c
        union all
        select 3, 'messages.create', 'message', m.id::text, ${row.id}::uuid, ${JSON.stringify(history.message)}::jsonb
        from message m
        order by n
      ) e
      returning ${columnList(events)})${jobs ? q`,
    jobs as (${jobs})` : q``}
    select row_to_json(conversation) as conversation, contact.name as contact_name, contact.email as contact_email,
      -- A contact written by this statement is not visible here (it always has a verified email): null, as it should be.
      (select case when c.email is null then c.attributes->>'unverifiedEmail' end from contacts c where c.id = contact.id) as contact_unverified_email,
      (select row_to_json(message) from message) as message,${first.files?.length ? q`
      (select json_agg(files) from files) as files,` : q``}
      (select json_agg(h order by h.id) from history h) as events
    from conversation, contact`,
  );
  if (!out) return null;
  const conversation = tableRow(conversations, out.conversation);
  return {
    conversation: { ...conversation, channel: history.channel as ConversationView['channel'], contact: { id: conversation.contactId, name: out.contact_name, email: out.contact_email, unverifiedEmail: out.contact_unverified_email ?? null } },
    message: tableRow(messages, out.message),
    files: (out.files ?? []).map((f) => tableRow(attachments, f)),
    events: out.events.map((e) => tableRow(events, e)),
  };
}
