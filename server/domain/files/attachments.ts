import { and, eq, inArray, isNull } from 'drizzle-orm';
import { attachments, helpImages, messages } from '../../db/schema.ts';
import { AppError, notFound } from '../../errors.ts';
import { rmSync } from 'node:fs';
import { type Ctx, type Services, recordEvent } from '../context.ts';
import { conversationGetter } from '../conversations/conversationReader.ts';
import { attachmentFilename, blobPath, type StoredBlob } from './blobStore.ts';


/**
 * Records an uploaded file against a conversation the actor can see; it joins a message when one is
 * sent with its id. Its name comes from attachmentFilename: refused if it names a page or a program.
 */
export async function attachmentCreator(ctx: Ctx, conversationId: string, blob: StoredBlob, filename: string) {
  const conversation = await conversationGetter(ctx, conversationId);
  if (conversation.status === 'closed') throw new AppError('conflict', 'This conversation is closed');
  const [row] = await ctx.db
    .insert(attachments)
    .values({ conversationId, sha256: blob.sha256, size: blob.size, contentType: blob.contentType, filename: attachmentFilename(filename, blob.contentType) })
    .returning();
  await recordEvent(ctx, {
    type: 'attachments.create',
    subjectType: 'attachment',
    subjectId: row!.id,
    conversationId,
    data: { filename: row!.filename, contentType: row!.contentType, size: row!.size },
  });
  return row!;
}

/** Refuses an upload to a conversation the actor cannot see (or that is closed) before any file is read. */
export async function attachmentUploadCheck(ctx: Ctx, conversationId: string): Promise<void> {
  const conversation = await conversationGetter(ctx, conversationId);
  if (conversation.status === 'closed') throw new AppError('conflict', 'This conversation is closed');
}

/** Deletes stored blobs that no attachment row refers to (an upload that failed half-way). */
export async function blobOrphanRemover(services: Services, hashes: string[]): Promise<void> {
  for (const sha of new Set(hashes)) {
    const [used] = await services.database.db.select({ id: attachments.id }).from(attachments).where(eq(attachments.sha256, sha)).limit(1);
    const [image] = await services.database.db.select({ id: helpImages.id }).from(helpImages).where(eq(helpImages.sha256, sha)).limit(1);
    if (!used && !image) rmSync(blobPath(services.env.dataDir, sha), { force: true });
  }
}

/** Links uploaded attachments to a new message; each must belong to this conversation and be unattached. */
export async function attachmentLinker(ctx: Ctx, conversationId: string, messageId: string, ids: string[]) {
  if (!ids.length) return [];
  const unique = [...new Set(ids)];
  const linked = await ctx.db
    .update(attachments)
    .set({ messageId })
    .where(and(inArray(attachments.id, unique), eq(attachments.conversationId, conversationId), isNull(attachments.messageId)))
    .returning();
  if (linked.length !== unique.length) throw new AppError('validation_failed', 'An attachment id is unknown, from another conversation, or already sent');
  return linked;
}

/** An attachment, if the actor may see its conversation (and, for customers, its message is public). */
export async function attachmentGetter(ctx: Ctx, id: string) {
  const [row] = await ctx.db.select().from(attachments).where(eq(attachments.id, id)).limit(1);
  if (!row) throw notFound('Attachment');
  await conversationGetter(ctx, row.conversationId).catch(() => {
    throw notFound('Attachment');
  });
  if (ctx.actor.type === 'contact' && row.messageId) {
    const [message] = await ctx.db.select({ visibility: messages.visibility }).from(messages).where(eq(messages.id, row.messageId));
    if (message?.visibility === 'private') throw notFound('Attachment');
  }
  return row;
}
