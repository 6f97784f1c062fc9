import { Readable } from 'node:stream';
import type { InboundAttachment } from '../../channels/types.ts';
import { AppError } from '../../errors.ts';
import type { FirstMessageFile } from '../conversations/conversationCreator.ts';
import type { Services } from '../context.ts';
import { attachmentFilename, blobStorer } from '../files/blobStore.ts';

/** A file the blob store would not take, noted on the message instead. */
export interface SkippedFile {
  filename: string;
  reason: string;
}

/**
 * Puts an inbound message's files into the blob store, through the same checks as uploads
 * (type sniffed from the bytes, size limit, a safe name). A file refused there is skipped and
 * noted, never failing the whole message: the raw original keeps it anyway.
 */
export async function inboundFileStorer(services: Services, files: InboundAttachment[]): Promise<{ stored: FirstMessageFile[]; skipped: SkippedFile[] }> {
  const stored: FirstMessageFile[] = [];
  const skipped: SkippedFile[] = [];
  const maxBytes = services.env.MAX_UPLOAD_BYTES;
  for (const file of files) {
    const filename = (file.filename || 'attachment').slice(0, 200);
    if (file.content.length > maxBytes) {
      skipped.push({ filename, reason: `larger than ${Math.floor(maxBytes / 1024 / 1024)} MB` });
      continue;
    }
    try {
      const blob = await blobStorer(services.env.dataDir, Readable.from(slices(file.content)));
      stored.push({
        ...blob,
        // A name that would run or render (.html, .exe …) is not refused here: it gets the extension its bytes have.
        filename: attachmentFilename(filename, blob.contentType, { refuse: false }),
        contentId: file.contentId ?? null,
        inline: file.inline,
      });
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      skipped.push({ filename, reason: err.message });
    }
  }
  return { stored, skipped };
}

/**
 * A file's bytes in 256 KB slices: the blob store hashes and writes chunk by chunk, and a 10 MB
 * attachment in one chunk would be hashed in one go, holding up every other request meanwhile.
 */
function* slices(content: Buffer): Generator<Buffer> {
  for (let at = 0; at < content.length; at += 256 * 1024) yield content.subarray(at, at + 256 * 1024);
  if (!content.length) yield content;
}
