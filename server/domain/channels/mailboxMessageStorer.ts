import { createHash } from 'node:crypto';
import { and, eq, sql } from 'drizzle-orm';
import { inboundDeliveries, mailboxCursors } from '../../db/schema.ts';
import type { Ctx } from '../context.ts';
import { inboundStorer } from './inboundStorer.ts';
import { LeaseLost } from './mailboxLease.ts';

/** One message fetched from an IMAP mailbox. */
export interface FetchedMessage {
  inboxId: string;
  /** The poller's lease owner id: only the lease holder stores and advances the cursor. */
  owner: string;
  /** The lease is extended by this much with every message stored. */
  leaseMs: number;
  uidValidity: number;
  uid: number;
  /** The raw message; null skips it (too large) while the cursor still moves past it. */
  raw: Buffer | null;
  /** Transport facts kept with the delivery (mailbox, uid, server). */
  envelope: Record<string, unknown>;
}

/**
 * Stores one fetched message and moves the inbox's cursor past it in ONE transaction, so a
 * restart neither skips (the cursor never passes a message not stored) nor duplicates (a stored
 * message always has the cursor past it). The dedupe key is `imap:<uidvalidity>:<uid>`; besides, a
 * message whose exact bytes this inbox already stored is not stored again, which is what makes a
 * changed UIDVALIDITY (every UID new) safe to fetch from the beginning.
 */
export async function mailboxMessageStorer(ctx: Ctx, input: FetchedMessage): Promise<{ deliveryId: string | null; created: boolean }> {
  // Locks the cursor row: the lease holder is checked and the cursor moved under one lock.
  const [cursor] = await ctx.db.select().from(mailboxCursors).where(eq(mailboxCursors.inboxId, input.inboxId)).for('update');
  if (!cursor || cursor.leaseOwner !== input.owner) throw new LeaseLost();
  let result: { deliveryId: string | null; created: boolean } = { deliveryId: null, created: false };
  const behind = cursor.uidValidity === input.uidValidity && cursor.lastUid >= input.uid;
  if (input.raw && !behind) {
    const sha256 = createHash('sha256').update(input.raw).digest('hex');
    const [same] = await ctx.db
      .select({ id: inboundDeliveries.id })
      .from(inboundDeliveries)
      .where(and(eq(inboundDeliveries.inboxId, input.inboxId), eq(inboundDeliveries.blobSha256, sha256)))
      .limit(1);
    result = same
      ? { deliveryId: same.id, created: false }
      : await inboundStorer(ctx, { inboxId: input.inboxId, source: 'imap', dedupeKey: `imap:${input.uidValidity}:${input.uid}`, raw: input.raw, envelope: input.envelope });
  }
  if (!behind) {
    await ctx.db
      .update(mailboxCursors)
      .set({ uidValidity: input.uidValidity, lastUid: input.uid, leaseUntil: sql`now() + ${`${Math.round(input.leaseMs)} milliseconds`}::interval`, polledAt: sql`now()` })
      .where(eq(mailboxCursors.inboxId, input.inboxId));
  }
  return result;
}
