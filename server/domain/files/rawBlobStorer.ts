import { createHash, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { blobPath } from './blobStore.ts';

/** Raw bytes kept as evidence: their hash (the blob's name) and size; exceeded when more than maxBytes came. */
export interface RawBlob {
  sha256: string;
  size: number;
  /** More than maxBytes arrived: nothing was kept (the rest was read and dropped). */
  exceeded: boolean;
}

/** Makes a rename or a new file in a folder survive a crash (the folder's entry is on disk). */
async function syncFolder(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Keeps raw bytes (a mail exactly as received) in the content-addressed blob store, unlike
 * blobStorer without a type check: evidence is kept as it came. A stream is written chunk by
 * chunk (the sender waits while the disk catches up, so a 25 MB mail never sits in memory), and
 * everything is on disk (file and folder synced) before this returns: a row naming the blob may
 * commit right after, and a 250 that follows it survives a crash. Past maxBytes nothing more is
 * written and nothing is kept.
 */
export async function rawBlobStorer(dataDir: string, source: Readable | Buffer, options: { maxBytes?: number } = {}): Promise<RawBlob> {
  const maxBytes = options.maxBytes ?? Infinity;
  const tmpDir = join(dataDir, 'blobs', 'tmp');
  await mkdir(tmpDir, { recursive: true });
  const tmp = join(tmpDir, randomUUID());
  const hash = createHash('sha256');
  let size = 0;
  let exceeded = false;
  const file = await open(tmp, 'wx');
  try {
    try {
      const chunks: AsyncIterable<Buffer> | Buffer[] = Buffer.isBuffer(source) ? [source] : source;
      for await (const chunk of chunks) {
        size += chunk.length;
        if (size > maxBytes) exceeded = true;
        // Past the limit the rest is only read (the client must finish DATA to hear 552), never kept.
        if (exceeded) continue;
        hash.update(chunk);
        await file.write(chunk);
      }
      if (!exceeded) await file.sync();
    } finally {
      await file.close();
    }
    const sha256 = hash.digest('hex');
    if (exceeded) return { sha256, size, exceeded };
    const final = blobPath(dataDir, sha256);
    if (!existsSync(final)) {
      await mkdir(dirname(final), { recursive: true });
      await rename(tmp, final);
      await syncFolder(dirname(final));
    }
    return { sha256, size, exceeded };
  } finally {
    await rm(tmp, { force: true });
  }
}
