import { eq, getTableColumns } from 'drizzle-orm';
import type PgBoss from 'pg-boss';
import type { ContentType, DeliveryStatus, Visibility } from '../../../common/enums.ts';
import { columnList, q, rawRows, type RawSql, sqlText, tableRow } from '../../db/raw.ts';
import { attachments, conversations, events, messages } from '../../db/schema.ts';
import { AppError, forbidden } from '../../errors.ts';
import { canSeeConversation, canWorkConversation, isStaff, requireActor } from '../auth/policy.ts';
import { type Actor, type Ctx, type Services, enqueue, eventRecorded, jobsStatement, transactOn } from '../context.ts';
import { DURABLE_EVENTS, QUEUES } from '../../jobs/boss.ts';
import { adapterOf } from '../../channels/registry.ts';
import { attachmentLinker } from '../files/attachments.ts';
import { slaCheckJobs, slaPlanner } from '../sla/slaScheduler.ts';
import { conversationGetter, type ConversationRow, type ConversationView } from './conversationReader.ts';

export interface MessageInput {
  body: string;
  /** private = an internal note; only staff write them. */
  visibility?: Visibility;
  contentType?: ContentType;
  /** Set by channels: the provider's id; a re-delivery returns the stored message. */
  externalId?: string;
  /** Set by clients: a resend with the same key returns the stored message. */
  idempotencyKey?: string;
  /** Inbox the message came through; defaults to the conversation's. */
  inboxId?: string;
  meta?: Record<string, unknown>;
  /** Uploaded attachments to send with this message. */
  attachmentIds?: string[];
  /** Channels deliver customer messages on the customer's behalf. */
  onBehalfOfContact?: boolean;
  /** An outgoing message a provider must deliver starts queued (the delivery job moves it on). */
  deliveryStatus?: DeliveryStatus;
  /** Email replies: to every participant (all, the default) or to the requester only. */
  recipients?: 'all' | 'requester';
  /** Sent by a machine (an auto-reply): recorded, but it neither reopens the conversation nor moves its SLA clocks. */
  automatic?: boolean;
  /** On the customer's behalf: the contact the channel knows as the sender (a CC'd participant), when not the requester. */
  authorContactId?: string;
}

export type MessageRow = typeof messages.$inferSelect;
export type MessageWithFiles = MessageRow & { attachments: (typeof attachments.$inferSelect)[] };

/**
 * Adds a message: customer messages are inbound, staff replies outbound, notes private.
 * The conversation row is locked first, so seq has no gaps; the insert itself catches a
 * duplicate (nothing is written) and the stored message is returned with { created: false }.
 */
export async function messageCreator(ctx: Ctx, conversationId: string, input: MessageInput): Promise<{ message: MessageWithFiles; created: boolean; conversation: ConversationView }> {
  // Outside a transaction (single): the plain message of a running chat is one statement,
  // guarded against any change since it was read; anything else takes the locked way.
  if (!ctx.inTransaction) {
    return (await plainMessage(ctx, conversationId, input)) ?? transactOn(ctx, (tx) => messageCreator(tx, conversationId, input));
  }
  const conversation = await conversationGetter(ctx, conversationId, { lock: true });
  return messageAdder(ctx, conversation, input, false);
}

/**
 * The common case without BEGIN, lock and COMMIT: take the conversation as this process last
 * wrote it (or read it now), and when the message changes nothing but its position and SLA due
 * times (no status change, no files, no durable follow-up) write it, with its SLA check jobs, in
 * one statement that fails unless the conversation still stands as taken. Null: not such a
 * message, or something changed meanwhile — the caller takes the locked way.
 */
async function plainMessage(ctx: Ctx, conversationId: string, input: MessageInput) {
  if (input.attachmentIds?.length) return null;
  const actor = requireActor(ctx.actor);
  const known = rememberedConversation(ctx.services, conversationId);
  // Access is checked on the remembered state too; the statement's guard makes sure it still holds.
  if (known && canSeeConversation(actor, known)) {
    const result = await guardedMessage(ctx, known, input);
    if (result) return result;
  }
  return guardedMessage(ctx, await conversationGetter(ctx, conversationId), input);
}

async function guardedMessage(ctx: Ctx, conversation: ConversationView, input: MessageInput) {
  try {
    return await messageAdder(ctx, conversation, input, true);
  } catch (err) {
    forgetConversation(ctx.services, conversation.id);
    if (err instanceof NotPlain) return null;
    // The guard fired (division by zero): the conversation changed since it was read.
    if (sqlState(err) === '22012') return null;
    throw err;
  }
}

/*
 * A chat's messages come one after another to the same process, and reading the conversation
 * back before each costs a round trip and a query as dear as the write. So each process
 * remembers the conversations it has just written a plain message to, as they stand after it.
 * Nothing depends on the memory being current: the write's guard compares the fields that decide
 * what a message does (position, status, priority, category, team, assignee) and takes the read
 * way when any changed. An entry is dropped when another change to its conversation is heard on
 * the bus, and is never used after a minute (the contact's name it carries for pushes may change).
 */
const REMEMBER_MS = 60_000;
const REMEMBER_MAX = 20_000;
interface Remembered {
  view: ConversationView;
  at: number;
  /** The event of the write that left the conversation so: hearing it back is no change. */
  eventId: number;
}
const memories = new WeakMap<Services, Map<string, Remembered>>();

function memoryOf(services: Services): Map<string, Remembered> {
  let memory = memories.get(services);
  if (memory) return memory;
  const created = new Map<string, Remembered>();
  memories.set(services, created);
  services.bus.subscribe((event) => {
    const entry = event.conversationId ? created.get(event.conversationId) : undefined;
    if (entry && entry.eventId !== event.id) created.delete(event.conversationId!);
  });
  return (memory = created);
}

function rememberedConversation(services: Services, id: string): ConversationView | null {
  const entry = memoryOf(services).get(id);
  if (!entry || Date.now() - entry.at > REMEMBER_MS) return null;
  return entry.view;
}

function rememberConversation(services: Services, view: ConversationView, eventId: number) {
  const memory = memoryOf(services);
  memory.delete(view.id);
  if (memory.size >= REMEMBER_MAX) memory.delete(memory.keys().next().value!);
  memory.set(view.id, { view, at: Date.now(), eventId });
}

function forgetConversation(services: Services, id: string) {
  memories.get(services)?.delete(id);
}

/** PostgreSQL's error code, whether the driver's error comes bare or wrapped by drizzle. */
function sqlState(err: unknown): string | undefined {
  for (let e = err as { code?: unknown; cause?: unknown } | undefined, i = 0; e && i < 4; e = e.cause as typeof e, i++) {
    if (typeof e.code === 'string') return e.code;
  }
  return undefined;
}

/** Thrown by messageAdder in its guarded mode when the message needs the locked way. */
class NotPlain extends Error {}

// The SLA due times a message may move (the customer's first unanswered message starts the
// next-response clock) are worked out from priority, category and team: the guard checks those too.
const PLAIN_FIELDS = new Set(['lastSeq', 'lastMessageAt', 'updatedAt', 'firstResponseDueAt', 'nextResponseDueAt', 'resolutionDueAt', 'slaPolicyId']);

async function messageAdder(
  ctx: Ctx,
  conversation: ConversationView,
  input: MessageInput,
  guarded: boolean,
): Promise<{ message: MessageWithFiles; created: boolean; conversation: ConversationView }> {
  const conversationId = conversation.id;
  const actor = ctx.actor;
  const fromCustomer = actor.type === 'contact' || Boolean(input.onBehalfOfContact);
  const visibility = input.visibility ?? 'public';
  if (input.onBehalfOfContact && !isStaff(actor)) throw forbidden();
  if (visibility === 'private' && (fromCustomer || !isStaff(actor))) throw forbidden('Only agents write private notes');
  if (!fromCustomer && !canWorkConversation(actor, conversation)) throw forbidden();
  if (conversation.status === 'closed' && fromCustomer) {
    // A resend of a message stored before the conversation closed (its ack was lost) still gets it back.
    const stored = await duplicateOf(ctx, conversation.id, input.inboxId ?? conversation.inboxId, input);
    if (stored && stored.authorType === 'contact' && stored.authorId === conversation.contactId) {
      const files = await ctx.db.select().from(attachments).where(eq(attachments.messageId, stored.id));
      return { message: { ...stored, attachments: files }, created: false, conversation };
    }
    throw new AppError('conflict', 'This conversation is closed; please open a new ticket');
  }

  const inboxId = input.inboxId ?? conversation.inboxId;

  const now = ctx.services.clock();
  const seq = conversation.lastSeq + 1;
  const set: Partial<ConversationRow> = { lastSeq: seq, lastMessageAt: now, updatedAt: now };
  let statusChange: { before: string; after: string } | null = null;
  if (fromCustomer && !input.automatic && ['pending', 'solved'].includes(conversation.status)) {
    // A customer's reply puts the ball back in our court.
    statusChange = { before: conversation.status, after: 'open' };
  } else if (!fromCustomer && visibility === 'public' && actor.type !== 'system') {
    // Only a person (or an integration) answers; a system line does not stop the SLA clock.
    if (!conversation.firstResponseAt) set.firstResponseAt = now;
    if (conversation.status === 'new') statusChange = { before: 'new', after: 'open' };
  }
  if (statusChange) Object.assign(set, { status: statusChange.after, solvedAt: null });
  // Public messages move SLA clocks: their due times go into the same UPDATE, their checks into the same statement.
  let checks: PgBoss.JobInsert[] = [];
  if (visibility === 'public' && !input.automatic && (fromCustomer || actor.type !== 'system')) {
    const plan = await slaPlanner(ctx, { ...conversation, ...set } as ConversationRow, fromCustomer ? 'customer_message' : 'agent_reply');
    Object.assign(set, plan.set);
    checks = slaCheckJobs(conversationId, plan.checks);
  }

  // A person's (or an integration's) public reply in a conversation whose channel has a provider to
  // send through starts queued, its delivery job in this transaction; the web channels need none.
  const delivers =
    !fromCustomer && visibility === 'public' && (actor.type === 'agent' || actor.type === 'token') && (input.contentType ?? 'text') === 'text' &&
    inboxId === conversation.inboxId && Boolean(adapterOf(conversation.channel)?.send);
  const deliveryStatus = input.deliveryStatus ?? (delivers ? 'queued' : null);
  let meta = input.meta ?? {};
  if (delivers && conversation.channel === 'email') {
    meta = { ...meta, email: { ...(meta.email as object | undefined), recipients: input.recipients ?? 'all' } };
  }

  const messageData = {
    seq,
    direction: fromCustomer ? 'in' : 'out',
    visibility,
    contentType: input.contentType ?? 'text',
    attachments: input.attachmentIds?.length ?? 0,
    // Only notes that name someone need the (durable) notifier.
    ...(visibility === 'private' && /(^|[\s(])@\S/u.test(input.body) ? { mentions: true } : {}),
  };
  // A delivery job is a second statement: such a message takes the transactional way.
  if (guarded && (statusChange || deliveryStatus === 'queued' || Object.keys(set).some((k) => !PLAIN_FIELDS.has(k)) || DURABLE_EVENTS['messages.create']!({ data: messageData } as never))) {
    throw new NotPlain();
  }
  const statusData = statusChange
    ? { before: { status: statusChange.before }, after: { status: statusChange.after }, reason: fromCustomer ? 'customer_reply' : 'agent_reply' }
    : null;
  const written = await messageWriter(ctx, conversationId, set, {
    inboxId,
    seq,
    direction: messageData.direction as MessageRow['direction'],
    visibility,
    contentType: messageData.contentType,
    body: input.body,
    authorType: fromCustomer ? 'contact' : actor.type,
    authorId: fromCustomer ? ((input.onBehalfOfContact && input.authorContactId) || conversation.contactId) : actor.id,
    externalId: input.externalId ?? null,
    idempotencyKey: input.idempotencyKey ?? null,
    meta,
    createdAt: now,
    deliveryStatus,
    deliveryError: null,
    deliveryUpdatedAt: deliveryStatus ? now : null,
  }, messageData, statusData, await jobsStatement(ctx.services, checks), guarded ? { lastSeq: conversation.lastSeq, status: conversation.status, priority: conversation.priority, categoryId: conversation.categoryId, teamId: conversation.teamId, assigneeId: conversation.assigneeId } : null);
  if (!written) {
    // The provider id or client key is taken (a re-delivery or a resend; the insert found it, so
    // the usual case costs no lookup): answer with the stored message.
    const duplicate = await duplicateOf(ctx, conversationId, inboxId, input);
    if (!duplicate) {
      // Unlocked, another message took this position first: take the locked way.
      if (guarded) throw new NotPlain();
      throw new AppError('conflict', 'The message could not be stored; try again');
    }
    const sameAuthor = duplicate.authorType === (fromCustomer ? 'contact' : actor.type) && duplicate.authorId === (fromCustomer ? conversation.contactId : actor.id);
    if (input.idempotencyKey && !input.externalId && (!sameAuthor || duplicate.visibility !== visibility)) {
      throw new AppError('conflict', 'This idempotency key was already used for another message');
    }
    const files = await ctx.db.select().from(attachments).where(eq(attachments.messageId, duplicate.id));
    return { message: { ...duplicate, attachments: files }, created: false, conversation };
  }
  const message = written.message;
  const files = await attachmentLinker(ctx, conversationId, message.id, input.attachmentIds ?? []);
  if (deliveryStatus === 'queued') await enqueue(ctx, QUEUES.messageDeliver, { messageId: message.id });
  const recorded = [];
  for (const row of written.events) recorded.push(await eventRecorded(ctx, row));
  // Pushes carry the message and where the conversation stands, so no process reads them back.
  const pushed = recorded.find((e) => e.type === 'messages.create');
  const updated = { ...conversation, ...set } as ConversationView;
  // Another sender than the requester: the push reads their name.
  const authorName = input.authorContactId && input.authorContactId !== conversation.contactId ? undefined : authorNameOf(actor, fromCustomer, conversation);
  if (pushed && authorName !== undefined) {
    pushed.push = {
      message: { ...message, attachments: files, authorName },
      conversation: { status: updated.status, lastSeq: updated.lastSeq, teamId: updated.teamId, assigneeId: updated.assigneeId },
    };
  }
  if (guarded && pushed) rememberConversation(ctx.services, updated, pushed.id);
  return { message: { ...message, attachments: files }, created: true, conversation: updated };
}

/** A message stored earlier under the same provider id (per inbox) or client key (per conversation). */
async function duplicateOf(ctx: Ctx, conversationId: string, inboxId: string, input: MessageInput): Promise<MessageRow | null> {
  if (!input.externalId && !input.idempotencyKey) return null;
  const [row] = input.externalId
    ? await rawRows<Record<string, unknown>>(ctx.db, q`select ${columnList(messages)} from messages where inbox_id = ${inboxId}::uuid and external_id = ${input.externalId}::text limit 1`)
    : await rawRows<Record<string, unknown>>(ctx.db, q`select ${columnList(messages)} from messages where conversation_id = ${conversationId}::uuid and idempotency_key = ${input.idempotencyKey}::text limit 1`);
  return row ? tableRow(messages, row) : null;
}

/**
 * How pushes name the author, as GET …/messages does: agents by name, customers by name or email,
 * the system not at all. Undefined for a token (its name is not at hand): the push reads it.
 */
function authorNameOf(actor: Actor, fromCustomer: boolean, conversation: ConversationView): string | null | undefined {
  if (fromCustomer) return conversation.contact.name || conversation.contact.email;
  if (actor.type === 'agent') return actor.name;
  if (actor.type === 'token') return undefined;
  return null;
}

const CONVERSATION_COLUMNS = getTableColumns(conversations);

type Expected = { lastSeq: number; status: string; priority: string; categoryId: string | null; teamId: string | null; assigneeId: string | null };

/** The conversation still stands as read: same position, status, SLA inputs and access (team, assignee). */
const asRead = (e: Expected) =>
  q`last_seq = ${e.lastSeq}::int and status = ${e.status}::text and priority = ${e.priority}::text
    and category_id is not distinct from ${e.categoryId}::uuid and team_id is not distinct from ${e.teamId}::uuid
    and assignee_id is not distinct from ${e.assigneeId}::uuid`;

/** `"col" = $n::type, …` for the conversation fields a message changes. */
function setList(set: Partial<ConversationRow>): RawSql {
  const parts: RawSql[] = [];
  for (const [key, value] of Object.entries(set)) {
    const column = CONVERSATION_COLUMNS[key as keyof typeof CONVERSATION_COLUMNS];
    if (!column) throw new Error(`unknown conversation field ${key}`);
    const driverValue = value == null ? null : value instanceof Date ? value.toISOString() : typeof value === 'object' ? JSON.stringify(value) : value;
    parts.push(q`${sqlText(`"${column.name}"`)} = ${driverValue}::${sqlText(column.getSQLType())}`);
  }
  return parts.reduce((all, part, i) => (i === 0 ? part : q`${all}, ${part}`));
}

/**
 * The one statement of a new message (the conversation row is already locked): the message, the
 * conversation's new position, status and SLA clocks, the history events in recordEvent's order
 * and the SLA check jobs. Nothing is written when the provider id or client key is already taken
 * (returns null).
 */
async function messageWriter(
  ctx: Ctx,
  conversationId: string,
  set: Partial<ConversationRow>,
  m: Omit<MessageRow, 'id' | 'conversationId'>,
  messageData: Record<string, unknown>,
  statusData: Record<string, unknown> | null,
  jobs: RawSql | null,
  /** Unlocked mode: the conversation as read; the statement fails (22012) unless it still stands so. */
  expect: Expected | null,
): Promise<{ message: MessageRow; events: (typeof events.$inferSelect)[] } | null> {
  const [out] = await rawRows<{ message: Record<string, unknown>; events: Record<string, unknown>[] }>(
    ctx.db,
    q`with ${
      // Unlocked mode takes the conversation row first, as the locked way does: writers that took
      // it in the other order (message, then row) would deadlock with a locked writer of the same seq.
      expect
        ? q`locked as (select id from conversations where id = ${conversationId}::uuid and ${asRead(expect)} for update),`
        : q``
    }
    message as (
      insert into messages (conversation_id, inbox_id, seq, direction, visibility, content_type, body, author_type, author_id, external_id, idempotency_key, meta, created_at,
        delivery_status, delivery_updated_at)
      select ${conversationId}::uuid, ${m.inboxId}::uuid, ${m.seq}::int, ${m.direction}::text, ${m.visibility}::text, ${m.contentType}::text, ${m.body}::text,
        ${m.authorType}::text, ${m.authorId}::uuid, ${m.externalId}::text, ${m.idempotencyKey}::text, ${JSON.stringify(m.meta)}::jsonb, ${m.createdAt.toISOString()}::timestamptz,
        ${m.deliveryStatus}::text, ${m.deliveryUpdatedAt?.toISOString() ?? null}::timestamptz
      ${expect ? q`where exists (select 1 from locked)` : q``}
      on conflict do nothing
      returning *),
    conversation as (
      update conversations set ${setList(set)} where id = ${conversationId}::uuid and exists (select 1 from message)${
        expect ? q` and ${asRead(expect)}` : q``
      } returning id),
    history as (
      insert into events (type, actor_type, actor_id, subject_type, subject_id, conversation_id, data, ip)
      select type, ${ctx.actor.type}::text, ${ctx.actor.id}::uuid, subject_type, subject_id, ${conversationId}::uuid, data, ${ctx.ip ?? null}::text
      from (
        select 1 as n, 'messages.create' as type, 'message' as subject_type, m.id::text as subject_id, ${JSON.stringify(messageData)}::jsonb as data from message m
        union all
        select 2, 'conversations.update', 'conversation', ${conversationId}::text, ${statusData ? JSON.stringify(statusData) : null}::jsonb
        from message where ${statusData !== null}::boolean
        order by n
      ) e
      returning *)${jobs ? q`,
    jobs as (${jobs})` : q``}
    select row_to_json(message) as message, (select json_agg(h order by h.id) from history h) as events${
      // A message written while the conversation row no longer matched would leave it behind: divide by zero to undo the statement.
      expect ? q`, 1 / (select count(*)::int from conversation) as guard` : q``
    }
    from message`,
  );
  if (!out) return null;
  return { message: tableRow(messages, out.message), events: out.events.map((e) => tableRow(events, e)) };
}
