import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { eq } from 'drizzle-orm';
import { inboundDeliveries, inboxes } from '../../server/db/schema.ts';
import { inboundReceiver } from '../../server/domain/channels/inboundReceiver.ts';
import { SYSTEM, transact } from '../../server/domain/context.ts';
import { blobPath } from '../../server/domain/files/blobStore.ts';
import type { TestApp } from '../helpers/app.ts';

/**
 * A mail received into an existing conversation (threaded by its notification root), with its raw
 * original stored as the inbound slice stores it: for tests that need a message with an original.
 * Returns the message's id.
 */
export async function inboundMailFixture(t: TestApp, inboxId: string, conversationId: string): Promise<string> {
  const db = t.services.database.db;
  const [inbox] = await db.select().from(inboxes).where(eq(inboxes.id, inboxId));
  const raw = Buffer.from(`Message-ID: <fixture-${conversationId}@mail.example>\r\nFrom: someone@example.com\r\nSubject: Re: Fixture\r\n\r\nA reply by mail.\r\n`);
  const sha = createHash('sha256').update(raw).digest('hex');
  const path = blobPath(t.services.env.dataDir, sha);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, raw);
  const [delivery] = await db.insert(inboundDeliveries).values({ inboxId, source: 'smtp', dedupeKey: sha, blobSha256: sha, size: raw.length }).returning();
  const host = new URL(t.services.env.publicUrl).hostname;
  const result = await transact(t.services, SYSTEM, (ctx) =>
    inboundReceiver(
      ctx,
      inbox!,
      {
        externalId: `fixture-${conversationId}@mail.example`,
        from: { externalId: 'someone@example.com', email: 'someone@example.com' },
        to: [],
        cc: [],
        subject: 'Re: Fixture',
        text: 'A reply by mail.',
        attachments: [],
        thread: { inReplyTo: [`conversation-${conversationId}@${host}`], references: [] },
        autoSubmitted: false,
        headers: {},
      },
      delivery!.id,
    ),
  );
  if (result.outcome !== 'continued' || result.conversationId !== conversationId) throw new Error(`fixture mail did not thread: ${JSON.stringify(result)}`);
  await db.update(inboundDeliveries).set({ status: 'processed', outcome: result.outcome, conversationId, messageId: result.messageId }).where(eq(inboundDeliveries.id, delivery!.id));
  return result.messageId!;
}
