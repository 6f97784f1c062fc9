import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileTypeFromBuffer } from 'file-type';
import { AppError } from '../../errors.ts';

/**
 * What customers and agents may upload: screenshots, documents and recordings. The type is
 * read from the bytes, never from the name or the browser's claim; anything else (HTML, SVG,
 * executables …) is refused so an upload can never run as a page or a program.
 */
export const ALLOWED_TYPES = new Set([
  'image/png',
  'image/jpeg',
  'image/gif',
  'image/webp',
  'image/heic',
  'application/pdf',
  'video/mp4',
  'video/quicktime',
  'audio/mpeg',
  'audio/wav',
  'audio/x-wav',
  'application/zip',
  'text/plain',
]);

export interface StoredBlob {
  sha256: string;
  size: number;
  contentType: string;
}

export const blobPath = (dataDir: string, sha256: string) => join(dataDir, 'blobs', sha256.slice(0, 2), sha256);

/** Plain text has no magic number: accept it when the sample is valid UTF-8 without control bytes. */
function looksLikeText(sample: Buffer): boolean {
  if (!sample.length) return false;
  const text = new TextDecoder('utf-8', { fatal: false }).decode(sample);
  if (text.includes('\uFFFD') && sample.length < 4096) return false;
  return !/[\x00-\x08\x0E-\x1F]/.test(text) && !/^\s*<(!doctype|html|svg|script|\?xml)/i.test(text);
}

/**
 * Streams an upload into the content-addressed store (DATA_DIR/blobs/ab/abcdef…), hashing and
 * counting as it goes; identical files are stored once. Refuses types we do not accept (415).
 */
export async function blobStorer(dataDir: string, stream: Readable): Promise<StoredBlob> {
  const tmpDir = join(dataDir, 'blobs', 'tmp');
  mkdirSync(tmpDir, { recursive: true });
  const tmp = join(tmpDir, randomUUID());
  const hash = createHash('sha256');
  const head: Buffer[] = [];
  let headLength = 0;
  let size = 0;
  try {
    await pipeline(
      stream,
      async function* (source: AsyncIterable<Buffer>) {
        for await (const chunk of source) {
          hash.update(chunk);
          size += chunk.length;
          if (headLength < 4100) {
            head.push(chunk);
            headLength += chunk.length;
          }
          yield chunk;
        }
      },
      createWriteStream(tmp),
    );
    if (size === 0) throw new AppError('validation_failed', 'The file is empty');
    const sample = Buffer.concat(head).subarray(0, 4100);
    const sniffed = await fileTypeFromBuffer(sample);
    const contentType = sniffed?.mime ?? (looksLikeText(sample) ? 'text/plain' : 'application/octet-stream');
    if (!ALLOWED_TYPES.has(contentType)) {
      throw new AppError('unsupported_media_type', `Files of type ${contentType} are not accepted; send images, PDFs, videos, audio, zip or text`);
    }
    const sha256 = hash.digest('hex');
    const final = blobPath(dataDir, sha256);
    if (!existsSync(final)) {
      mkdirSync(join(dataDir, 'blobs', sha256.slice(0, 2)), { recursive: true });
      renameSync(tmp, final);
    }
    return { sha256, size, contentType };
  } finally {
    rmSync(tmp, { force: true });
  }
}
