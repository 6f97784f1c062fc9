import { readFile } from 'node:fs/promises';
import { eq } from 'drizzle-orm';
import type PgBoss from 'pg-boss';
import { requireAdapter } from '../channels/registry.ts';
import type { InboundMessage, RawInbound } from '../channels/types.ts';
import { inboundDeliveries, inboxes } from '../db/schema.ts';
import { inboundReceiver, type InboundResult, storableText } from '../domain/channels/inboundReceiver.ts';
import { cached } from '../domain/cache.ts';
import { type Services, SYSTEM, transact } from '../domain/context.ts';
import { openInboxSettings } from '../domain/directory/inboxes.ts';
import { blobPath } from '../domain/files/blobStore.ts';
import { QUEUES, wakeableWork } from './boss.ts';

/**
 * Processes one stored inbound delivery: its raw input is parsed by the inbox's channel adapter
 * and each message placed by inboundReceiver; the delivery is marked processed with the outcome
 * in the same transaction. A parser that cannot read the input makes it 'unparseable' (kept, never
 * retried: the same bytes would fail the same way); any other error marks it failed with the error
 * and is thrown, so pg-boss retries with backoff. A processed delivery is never processed twice.
 */
export async function inboundProcessor(services: Services, deliveryId: string): Promise<void> {
  const { db } = services.database;
  const [delivery] = await db.select().from(inboundDeliveries).where(eq(inboundDeliveries.id, deliveryId));
  if (!delivery || delivery.status === 'processed') return;
  try {
    // Inboxes change rarely: one copy per process, dropped when one changes (as conversationCreator does).
    const inbox = await cached(services, `inbox:${delivery.inboxId}`, ['inboxes.'], 60_000, async () => (await db.select().from(inboxes).where(eq(inboxes.id, delivery.inboxId)))[0] ?? null);
    if (!inbox) throw new Error(`inbox ${delivery.inboxId} is gone`);
    const adapter = requireAdapter(inbox.kind);
    // Without a parser (not written yet) the delivery waits for one: an error, retried, not 'unparseable'.
    if (!adapter.parse) throw new Error(`channel ${inbox.kind} cannot parse inbound input`);
    const input: RawInbound =
      delivery.source === 'webhook'
        ? { source: 'webhook', body: delivery.payload, headers: (delivery.envelope.headers ?? {}) as Record<string, string> }
        : { source: delivery.source, raw: await readFile(blobPath(services.env.dataDir, delivery.blobSha256 ?? '')) };
    let parsed: InboundMessage[];
    try {
      parsed = await adapter.parse(input, openInboxSettings(services, inbox));
    } catch (err) {
      await finish(services, deliveryId, { outcome: 'unparseable' }, errorText(err));
      return;
    }
    if (!parsed.length) return void (await finish(services, deliveryId, { outcome: 'unparseable' }, 'nothing could be read from it'));
    await transact(services, SYSTEM, async (ctx) => {
      // A webhook may carry several messages: the delivery records the first one's fate.
      let first: InboundResult | null = null;
      for (const message of parsed) {
        const result = await inboundReceiver(ctx, inbox, message, deliveryId);
        first ??= result;
      }
      await ctx.db
        .update(inboundDeliveries)
        .set({ status: 'processed', outcome: first!.outcome, conversationId: first!.conversationId ?? null, messageId: first!.messageId ?? null, error: null, processedAt: ctx.services.clock() })
        .where(eq(inboundDeliveries.id, deliveryId));
    });
  } catch (err) {
    const error = errorText(err);
    await db.update(inboundDeliveries).set({ status: 'failed', error }).where(eq(inboundDeliveries.id, deliveryId));
    // pg-boss keeps what is thrown in the job's output: the reason, never a driver error carrying the query and the mail in its parameters.
    throw new Error(`inbound delivery ${deliveryId}: ${error}`);
  }
}

/** An error's reason, fit for a text column: a database error's own message rather than drizzle's query dump, no NUL, bounded. */
function errorText(err: unknown): string {
  const e = err as { message?: unknown; cause?: { message?: unknown } } | null;
  const text = typeof e?.cause?.message === 'string' ? e.cause.message : typeof e?.message === 'string' ? e.message : String(err);
  return storableText(text.slice(0, 1000));
}

/** Marks a delivery processed with an outcome that placed nothing (its raw input stays). */
async function finish(services: Services, deliveryId: string, result: InboundResult, error: string | null) {
  await services.database.db
    .update(inboundDeliveries)
    .set({ status: 'processed', outcome: result.outcome, error, processedAt: services.clock() })
    .where(eq(inboundDeliveries.id, deliveryId));
}

/** The worker of QUEUES.inboundProcess (data {deliveryId}); pg-boss retries a failed one with backoff. */
export async function startInboundProcessor(services: Services, boss: PgBoss): Promise<void> {
  // PostgreSQL places several mails at once (each in its own transaction: the receiver locks what
  // it must, e.g. one Message-ID or one conversation); PGlite has one connection, so one at a time.
  const parallel = services.database.kind === 'postgres' ? 6 : 1;
  await wakeableWork<{ deliveryId: string }>(boss, QUEUES.inboundProcess, { batchSize: 24, pollingIntervalSeconds: 0.5 }, async (jobs) => {
    // One delivery's failure does not hold up the others; the batch is retried, and what was processed is skipped then.
    let failure: unknown = null;
    let next = 0;
    const lane = async () => {
      while (next < jobs.length) await inboundProcessor(services, jobs[next++]!.data.deliveryId).catch((err) => void (failure ??= err));
    };
    await Promise.all(Array.from({ length: Math.min(parallel, jobs.length) }, lane));
    if (failure) throw failure;
  });
}
