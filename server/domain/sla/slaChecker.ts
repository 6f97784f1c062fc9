import { eq } from 'drizzle-orm';
import { PRIORITIES, type Priority } from '../../../common/enums.ts';
import { conversations } from '../../db/schema.ts';
import { type Ctx, recordEvent } from '../context.ts';
import { SLA_FIELDS, type SlaKind } from './slaScheduler.ts';

/** One step up; urgent stays urgent. */
export const escalated = (p: Priority): Priority => PRIORITIES[Math.min(PRIORITIES.indexOf(p) + 1, PRIORITIES.length - 1)]!;

/**
 * Runs when a due time arrives (a durable job). If that due time still stands and was not
 * met, the SLA is breached: the breach is recorded (supervisors are notified from that event)
 * and the priority goes up one step. A superseded or met target does nothing.
 */
export async function slaChecker(ctx: Ctx, job: { conversationId: string; kind: SlaKind; dueAt: string }): Promise<'breached' | 'superseded' | 'early'> {
  const [c] = await ctx.db.select().from(conversations).where(eq(conversations.id, job.conversationId)).for('update');
  if (!c) return 'superseded';
  const due = c[SLA_FIELDS[job.kind]];
  if (!due || due.toISOString() !== job.dueAt) return 'superseded';
  if (ctx.services.clock() < due) return 'early';
  if (c.status === 'solved' || c.status === 'closed') return 'superseded';

  await recordEvent(ctx, {
    type: 'conversations.sla_breach',
    subjectType: 'conversation',
    subjectId: c.id,
    conversationId: c.id,
    data: { kind: job.kind, dueAt: job.dueAt, teamId: c.teamId, priority: c.priority },
  });
  const priority = escalated(c.priority);
  if (priority !== c.priority) {
    await ctx.db.update(conversations).set({ priority, updatedAt: ctx.services.clock() }).where(eq(conversations.id, c.id));
    await recordEvent(ctx, {
      type: 'conversations.update',
      subjectType: 'conversation',
      subjectId: c.id,
      conversationId: c.id,
      data: { before: { priority: c.priority }, after: { priority }, reason: 'sla_breach' },
    });
  }
  return 'breached';
}
