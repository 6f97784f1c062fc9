import { eq, sql } from 'drizzle-orm';
import type { z } from 'zod';
import type { ConversationCreate } from '../../../common/schemas.ts';
import { categories, conversations, inboxes } from '../../db/schema.ts';
import { AppError, forbidden, notFound } from '../../errors.ts';
import { canSeeConversation, isStaff } from '../auth/policy.ts';
import { contactByEmail } from '../contacts/contacts.ts';
import { type Ctx, recordEvent } from '../context.ts';
import { defaultInbox } from '../directory/inboxes.ts';
import { conversationGetter, conversationLoader } from './conversationReader.ts';
import { messageCreator } from './messageCreator.ts';

/**
 * Opens a conversation with its first (customer) message. Customers open their own;
 * staff and integrations open one for a contact given by id or email.
 * The category's team and urgency fill in team and priority when not given.
 */
export async function conversationCreator(ctx: Ctx, input: z.output<typeof ConversationCreate>) {
  const actor = ctx.actor;
  if (input.idempotencyKey) {
    // A retry racing the first attempt waits here for it to commit, then finds its conversation.
    await ctx.db.execute(sql`select pg_advisory_xact_lock(hashtext(${`conversation-create:${input.idempotencyKey}`}))`);
    const [existing] = await ctx.db.select().from(conversations).where(eq(conversations.idempotencyKey, input.idempotencyKey)).limit(1);
    if (existing) {
      if (!canSeeConversation(actor, existing)) throw new AppError('conflict', 'This idempotency key was already used');
      return { conversation: await conversationGetter(ctx, existing.id), created: false };
    }
  }

  let contactId: string;
  if (actor.type === 'contact') {
    if (input.contactId || input.contact) throw forbidden('Customers open conversations for themselves only');
    contactId = actor.id;
  } else if (isStaff(actor)) {
    if (input.contactId) contactId = input.contactId;
    else if (input.contact) contactId = (await contactByEmail(ctx, input.contact.email, input.contact.name)).id;
    else throw new AppError('validation_failed', 'Give contactId or contact.email');
  } else {
    throw forbidden();
  }

  const inbox = input.inboxId
    ? (await ctx.db.select().from(inboxes).where(eq(inboxes.id, input.inboxId)))[0]
    : await defaultInbox(ctx.db, actor.type === 'contact' ? 'webform' : 'api', ctx.services);
  if (!inbox) throw notFound('Inbox');
  if (!inbox.enabled) throw new AppError('conflict', `Inbox ${inbox.name} is disabled`);

  const category = input.categoryId ? (await ctx.db.select().from(categories).where(eq(categories.id, input.categoryId)))[0] : undefined;
  if (input.categoryId && !category) throw notFound('Category');

  const now = ctx.services.clock();
  const [row] = await ctx.db
    .insert(conversations)
    .values({
      inboxId: inbox.id,
      contactId,
      mode: input.mode,
      priority: input.priority ?? (category?.urgent ? 'urgent' : 'normal'),
      categoryId: category?.id ?? null,
      teamId: (isStaff(actor) ? input.teamId : undefined) ?? category?.teamId ?? null,
      language: input.language,
      subject: input.subject,
      fields: input.fields as Record<string, string>,
      tags: input.tags,
      idempotencyKey: input.idempotencyKey ?? null,
      lastMessageAt: now,
      createdAt: now,
      updatedAt: now,
    })
    .returning()
    .catch((err: { code?: string; cause?: { code?: string } }) => {
      if ((err.code ?? err.cause?.code) === '23503') throw notFound('Contact or team');
      throw err;
    });
  await recordEvent(ctx, {
    type: 'conversations.create',
    subjectType: 'conversation',
    subjectId: row!.id,
    conversationId: row!.id,
    data: { number: row!.number, channel: inbox.kind, mode: row!.mode, priority: row!.priority, categoryId: row!.categoryId, teamId: row!.teamId },
  });
  await messageCreator(ctx, row!.id, { body: input.body, onBehalfOfContact: actor.type !== 'contact' });
  return { conversation: (await conversationLoader(ctx.db, row!.id))!, created: true };
}
