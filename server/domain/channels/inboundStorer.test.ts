import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blobPath } from '../files/blobStore.ts';
import { SYSTEM, transact } from '../context.ts';
import { DB_KINDS } from '../../../test/helpers/db.ts';
import { createInboundWorld, deliveriesOf, inboundJobsFor, makeEmailInbox, type InboundWorld } from '../../../test/channels/inboundHelpers.ts';
import { inboundStorer } from './inboundStorer.ts';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe.each(DB_KINDS)('inboundStorer on %s', (kind) => {
  let w: InboundWorld;
  let inboxId: string;
  beforeAll(async () => {
    w = await createInboundWorld(kind);
    inboxId = (await makeEmailInbox(w.services, { address: 'help@desk.test' })).id;
  });
  afterAll(() => w.close());

  it('keeps the raw bytes in the blob store, one row and one inbound.process job', async () => {
    const raw = Buffer.from('From: a@example.com\r\nSubject: 提币\r\n\r\nhello\r\n');
    const stored = await transact(w.services, SYSTEM, (ctx) =>
      inboundStorer(ctx, { inboxId, source: 'smtp', dedupeKey: sha(raw), raw, envelope: { mailFrom: 'a@example.com' } }),
    );
    expect(stored.created).toBe(true);
    const [row] = (await deliveriesOf(w.services, inboxId)).filter((r) => r.id === stored.deliveryId);
    expect(row).toMatchObject({ source: 'smtp', blob_sha256: sha(raw), status: 'received', envelope: { mailFrom: 'a@example.com' } });
    expect(Number(row!.size)).toBe(raw.length);
    expect(readFileSync(blobPath(w.dataDir, sha(raw))).equals(raw)).toBe(true);
    expect(await inboundJobsFor(w.services, stored.deliveryId)).toBe(1);
    // No temporary file is left behind.
    expect(readdirSync(join(w.dataDir, 'blobs', 'tmp'))).toEqual([]);
  });

  it('a second delivery with the same key returns the first and enqueues nothing', async () => {
    const raw = Buffer.from('Subject: twice\r\n\r\nsame bytes\r\n');
    const store = () => transact(w.services, SYSTEM, (ctx) => inboundStorer(ctx, { inboxId, source: 'smtp', dedupeKey: sha(raw), raw, envelope: {} }));
    const first = await store();
    const second = await store();
    expect(second).toEqual({ deliveryId: first.deliveryId, created: false });
    expect((await deliveriesOf(w.services, inboxId)).filter((r) => r.dedupe_key === sha(raw))).toHaveLength(1);
    expect(await inboundJobsFor(w.services, first.deliveryId)).toBe(1);
  });

  it('two deliveries racing with the same key store one row', async () => {
    const raw = Buffer.from('Subject: race\r\n\r\nrace\r\n');
    const store = () => transact(w.services, SYSTEM, (ctx) => inboundStorer(ctx, { inboxId, source: 'smtp', dedupeKey: `race:${sha(raw)}`, raw, envelope: {} }));
    const results = await Promise.all([store(), store(), store()]);
    expect(new Set(results.map((r) => r.deliveryId)).size).toBe(1);
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(await inboundJobsFor(w.services, results[0]!.deliveryId)).toBe(1);
  });

  it('a webhook payload is stored without a blob', async () => {
    const stored = await transact(w.services, SYSTEM, (ctx) => inboundStorer(ctx, { inboxId, source: 'webhook', dedupeKey: 'update:42', payload: { update_id: 42 }, envelope: {} }));
    const [row] = (await deliveriesOf(w.services, inboxId)).filter((r) => r.id === stored.deliveryId);
    expect(row).toMatchObject({ payload: { update_id: 42 }, blob_sha256: null });
  });

  it('nothing is stored when the transaction rolls back (the job neither)', async () => {
    const raw = Buffer.from('Subject: rolled back\r\n\r\nx\r\n');
    let id = '';
    await expect(
      transact(w.services, SYSTEM, async (ctx) => {
        id = (await inboundStorer(ctx, { inboxId, source: 'smtp', dedupeKey: sha(raw), raw, envelope: {} })).deliveryId;
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect((await deliveriesOf(w.services, inboxId)).filter((r) => r.id === id)).toHaveLength(0);
    expect(await inboundJobsFor(w.services, id)).toBe(0);
    // The blob was made durable first (content-addressed, harmless if orphaned).
    expect(existsSync(blobPath(w.dataDir, sha(raw)))).toBe(true);
  });
});
