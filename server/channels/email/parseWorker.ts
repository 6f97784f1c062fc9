import { parentPort } from 'node:worker_threads';
import { parseMail } from './parser.ts';

/** The worker thread's side of parseOffThread.ts: one raw mail in, one parsed message (or the error) out. */
parentPort!.on('message', async ({ id, raw }: { id: number; raw: Uint8Array }) => {
  try {
    const message = await parseMail(Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength));
    // Large attachments move to the main thread instead of being copied there (a copy of 10 MB
    // stalls it as the parse would have); only bytes that own their whole memory can move.
    const movable = new Set<ArrayBuffer>();
    for (const a of message.attachments) {
      const b = a.content.buffer as ArrayBuffer;
      if (a.content.byteOffset === 0 && a.content.byteLength === b.byteLength && b.byteLength > 64 * 1024) movable.add(b);
    }
    parentPort!.postMessage({ id, message }, [...movable]);
  } catch (err) {
    parentPort!.postMessage({ id, error: String((err as Error)?.message ?? err) });
  }
});
