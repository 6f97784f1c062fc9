import { forbidden } from '../../errors.ts';
import { canWorkConversation } from '../auth/policy.ts';
import type { Ctx } from '../context.ts';
import { conversationGetter } from '../conversations/conversationReader.ts';
import { conversationUpdater } from '../conversations/conversationUpdater.ts';
import { messageCreator } from '../conversations/messageCreator.ts';
import { macroGetter } from './cannedReplies.ts';
import { templateRenderer } from './templateRenderer.ts';

/** Applies a macro in one transaction: its reply (or note) with variables filled, then its field changes. */
export async function macroApplier(ctx: Ctx, conversationId: string, macroId: string) {
  const macro = await macroGetter(ctx, macroId);
  const conversation = await conversationGetter(ctx, conversationId);
  if (!canWorkConversation(ctx.actor, conversation)) throw forbidden();
  if (macro.reply.trim()) {
    const body = await templateRenderer(ctx, conversationId, macro.reply);
    await messageCreator(ctx, conversationId, { body, visibility: macro.replyVisibility });
  }
  const a = macro.actions;
  const current = await conversationGetter(ctx, conversationId);
  const tags = new Set(current.tags);
  for (const t of a.addTags ?? []) tags.add(t);
  for (const t of a.removeTags ?? []) tags.delete(t);
  return conversationUpdater(ctx, conversationId, {
    ...(a.status ? { status: a.status } : {}),
    ...(a.priority ? { priority: a.priority } : {}),
    ...(a.addTags?.length || a.removeTags?.length ? { tags: [...tags] } : {}),
    ...(a.assignToMe && ctx.actor.type === 'agent' ? { assigneeId: ctx.actor.id } : {}),
  });
}
