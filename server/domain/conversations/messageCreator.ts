import { and, eq } from 'drizzle-orm';
import type { ContentType, Visibility } from '../../../common/enums.ts';
import { attachments, conversations, messages } from '../../db/schema.ts';
import { AppError, forbidden } from '../../errors.ts';
import { canWorkConversation, isStaff } from '../auth/policy.ts';
import { type Ctx, recordEvent } from '../context.ts';
import { attachmentLinker } from '../files/attachments.ts';
import { slaScheduler } from '../sla/slaScheduler.ts';
import { conversationGetter, type ConversationView } from './conversationReader.ts';

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
}

export type MessageRow = typeof messages.$inferSelect;
export type MessageWithFiles = MessageRow & { attachments: (typeof attachments.$inferSelect)[] };

/**
 * Adds a message: customer messages are inbound, staff replies outbound, notes private.
 * The conversation row is locked first, so seq has no gaps and duplicates are caught
 * before a number is handed out. Returns { message, created:false } for a duplicate.
 */
export async function messageCreator(ctx: Ctx, conversationId: string, input: MessageInput): Promise<{ message: MessageWithFiles; created: boolean; conversation: ConversationView }> {
  const conversation = await conversationGetter(ctx, conversationId, { lock: true });
  const actor = ctx.actor;
  const fromCustomer = actor.type === 'contact' || Boolean(input.onBehalfOfContact);
  const visibility = input.visibility ?? 'public';
  if (input.onBehalfOfContact && !isStaff(actor)) throw forbidden();
  if (visibility === 'private' && (fromCustomer || !isStaff(actor))) throw forbidden('Only agents write private notes');
  if (!fromCustomer && !canWorkConversation(actor, conversation)) throw forbidden();
  if (conversation.status === 'closed' && fromCustomer) {
    throw new AppError('conflict', 'This conversation is closed; please open a new ticket');
  }

  const inboxId = input.inboxId ?? conversation.inboxId;
  const duplicate = input.externalId
    ? await ctx.db.select().from(messages).where(and(eq(messages.inboxId, inboxId), eq(messages.externalId, input.externalId))).limit(1)
    : input.idempotencyKey
      ? await ctx.db.select().from(messages).where(and(eq(messages.conversationId, conversationId), eq(messages.idempotencyKey, input.idempotencyKey))).limit(1)
      : [];
  if (duplicate[0]) {
    const sameAuthor = duplicate[0].authorType === (fromCustomer ? 'contact' : actor.type) && duplicate[0].authorId === (fromCustomer ? conversation.contactId : actor.id);
    if (input.idempotencyKey && !input.externalId && (!sameAuthor || duplicate[0].visibility !== visibility)) {
      throw new AppError('conflict', 'This idempotency key was already used for another message');
    }
    const files = await ctx.db.select().from(attachments).where(eq(attachments.messageId, duplicate[0].id));
    return { message: { ...duplicate[0], attachments: files }, created: false, conversation };
  }

  const now = ctx.services.clock();
  const seq = conversation.lastSeq + 1;
  const [message] = await ctx.db
    .insert(messages)
    .values({
      conversationId,
      inboxId,
      seq,
      direction: fromCustomer ? 'in' : 'out',
      visibility,
      contentType: input.contentType ?? 'text',
      body: input.body,
      authorType: fromCustomer ? 'contact' : actor.type,
      authorId: fromCustomer ? conversation.contactId : actor.id,
      externalId: input.externalId ?? null,
      idempotencyKey: input.idempotencyKey ?? null,
      meta: input.meta ?? {},
      createdAt: now,
    })
    .returning();

  const files = await attachmentLinker(ctx, conversationId, message!.id, input.attachmentIds ?? []);

  const set: Partial<typeof conversations.$inferInsert> = { lastSeq: seq, lastMessageAt: now, updatedAt: now };
  let statusChange: { before: string; after: string } | null = null;
  if (fromCustomer && ['pending', 'solved'].includes(conversation.status)) {
    // A customer's reply puts the ball back in our court.
    statusChange = { before: conversation.status, after: 'open' };
  } else if (!fromCustomer && visibility === 'public' && actor.type !== 'system') {
    // Only a person (or an integration) answers; a system line does not stop the SLA clock.
    if (!conversation.firstResponseAt) set.firstResponseAt = now;
    if (conversation.status === 'new') statusChange = { before: 'new', after: 'open' };
  }
  if (statusChange) Object.assign(set, { status: statusChange.after, solvedAt: null });
  // Public messages move SLA clocks; the scheduler writes its due times and these changes in one UPDATE.
  if (visibility === 'public' && (fromCustomer || actor.type !== 'system')) {
    await slaScheduler(ctx, conversationId, fromCustomer ? 'customer_message' : 'agent_reply', { row: conversation, pending: set });
  } else {
    await ctx.db.update(conversations).set(set).where(eq(conversations.id, conversationId));
  }

  await recordEvent(ctx, {
    type: 'messages.create',
    subjectType: 'message',
    subjectId: message!.id,
    conversationId,
    data: {
      seq,
      direction: message!.direction,
      visibility,
      contentType: message!.contentType,
      attachments: input.attachmentIds?.length ?? 0,
      // Only notes that name someone need the (durable) notifier.
      ...(visibility === 'private' && /(^|[\s(])@\S/u.test(input.body) ? { mentions: true } : {}),
    },
  });
  if (statusChange) {
    await recordEvent(ctx, {
      type: 'conversations.update',
      subjectType: 'conversation',
      subjectId: conversationId,
      conversationId,
      data: { before: { status: statusChange.before }, after: { status: statusChange.after }, reason: fromCustomer ? 'customer_reply' : 'agent_reply' },
    });
  }
  return { message: { ...message!, attachments: files }, created: true, conversation: { ...conversation, ...set } as ConversationView };
}
