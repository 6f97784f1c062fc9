import { eq } from 'drizzle-orm';
import { conversations } from '../../db/schema.ts';
import { QUEUES } from '../../jobs/boss.ts';
import { type Ctx, enqueue, recordEvent } from '../context.ts';
import { settingsReader } from '../system/settings.ts';

/** When a conversation is solved, a durable job is set to close it after the configured days. */
export async function autoCloseScheduler(ctx: Ctx, conversationId: string, solvedAt: Date): Promise<void> {
  const { autoCloseDays } = await settingsReader(ctx.db);
  const at = new Date(solvedAt.getTime() + autoCloseDays * 86_400_000);
  await enqueue(ctx, QUEUES.autoClose, { conversationId, solvedAt: solvedAt.toISOString() }, { startAfter: at });
}

/** Closes a conversation that is still solved since the same moment (a reopen in between cancels it). */
export async function autoCloser(ctx: Ctx, job: { conversationId: string; solvedAt: string }): Promise<boolean> {
  const [c] = await ctx.db.select().from(conversations).where(eq(conversations.id, job.conversationId)).for('update');
  if (!c || c.status !== 'solved' || c.solvedAt?.toISOString() !== job.solvedAt) return false;
  const { autoCloseDays } = await settingsReader(ctx.db);
  if (ctx.services.clock().getTime() < c.solvedAt.getTime() + autoCloseDays * 86_400_000) return false;
  await ctx.db.update(conversations).set({ status: 'closed', updatedAt: ctx.services.clock() }).where(eq(conversations.id, c.id));
  await recordEvent(ctx, {
    type: 'conversations.update',
    subjectType: 'conversation',
    subjectId: c.id,
    conversationId: c.id,
    data: { before: { status: 'solved' }, after: { status: 'closed' }, reason: 'auto_close' },
  });
  return true;
}
