import { and, eq } from 'drizzle-orm';
import { inboundDeliveries } from '../../db/schema.ts';
import { QUEUES } from '../../jobs/boss.ts';
import { type Ctx, enqueue, transactOn } from '../context.ts';
import { rawBlobStorer } from '../files/rawBlobStorer.ts';

/** One inbound delivery as a transport received it (see inbound_deliveries). */
export interface InboundDeliveryInput {
  /** The inbox it arrived at. */
  inboxId: string;
  /** Which transport took it. */
  source: 'smtp' | 'imap' | 'webhook';
  /** What makes a re-delivery the same: SMTP the raw sha256, IMAP `imap:<uidvalidity>:<uid>`, a webhook its provider id. */
  dedupeKey: string;
  /** Raw bytes (a mail), kept in the blob store. */
  raw?: Buffer;
  /** Raw bytes a transport already streamed into the blob store (rawBlobStorer), instead of raw. */
  blob?: { sha256: string; size: number };
  /** A webhook's parsed body. */
  payload?: unknown;
  /** Transport facts (mail from, rcpt to, remote address, helo; IMAP uid …); never the content. */
  envelope: Record<string, unknown>;
}

/**
 * Stores an inbound delivery durably before the channel is acknowledged: the raw bytes on disk
 * (synced) first, then the row and its inbound.process job in the caller's transaction, so the job
 * exists exactly when the row does. A re-delivery with the same (inbox, key) stores nothing and
 * returns the first one (created false, no second job).
 */
export async function inboundStorer(ctx: Ctx, input: InboundDeliveryInput): Promise<{ deliveryId: string; created: boolean }> {
  if (!ctx.inTransaction) return transactOn(ctx, (tx) => inboundStorer(tx, input));
  const existing = async () =>
    (await ctx.db
      .select({ id: inboundDeliveries.id })
      .from(inboundDeliveries)
      .where(and(eq(inboundDeliveries.inboxId, input.inboxId), eq(inboundDeliveries.dedupeKey, input.dedupeKey))))[0];
  // Most re-deliveries are seen here, before any bytes are written again.
  // No look first: the insert's conflict says whether this is a re-delivery (one round trip fewer per mail).
  const blob = input.blob ?? (input.raw ? await rawBlobStorer(ctx.services.env.dataDir, input.raw) : null);
  const [row] = await ctx.db
    .insert(inboundDeliveries)
    .values({
      inboxId: input.inboxId,
      source: input.source,
      dedupeKey: input.dedupeKey,
      blobSha256: blob?.sha256 ?? null,
      size: blob?.size ?? null,
      payload: input.payload ?? null,
      envelope: input.envelope,
    })
    // A delivery racing this one with the same key: PostgreSQL waits for it, and it wins.
    .onConflictDoNothing({ target: [inboundDeliveries.inboxId, inboundDeliveries.dedupeKey] })
    .returning({ id: inboundDeliveries.id });
  if (!row) return { deliveryId: (await existing())!.id, created: false };
  await enqueue(ctx, QUEUES.inboundProcess, { deliveryId: row.id });
  return { deliveryId: row.id, created: true };
}
