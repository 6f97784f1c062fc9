import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileTypeFromBuffer } from 'file-type';
import { stripBidi } from '../../../common/text.ts';
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

/**
 * The names each accepted type is served under; the first is added when a file's name does not
 * already end in one of them, so the name a person downloads always matches what the bytes are.
 */
export const TYPE_EXTENSIONS: Record<string, string[]> = {
  'image/png': ['png'],
  'image/jpeg': ['jpg', 'jpeg', 'jfif'],
  'image/gif': ['gif'],
  'image/webp': ['webp'],
  'image/heic': ['heic', 'heif'],
  'application/pdf': ['pdf'],
  'video/mp4': ['mp4', 'm4v'],
  'video/quicktime': ['mov'],
  'audio/mpeg': ['mp3'],
  'audio/wav': ['wav'],
  'audio/x-wav': ['wav'],
  'application/zip': ['zip'],
  'text/plain': ['txt', 'log', 'md', 'csv'],
};

/**
 * Names a browser or an operating system would render or run, whatever the bytes are: markup
 * (opens as a page on our origin once saved or if a type is guessed), scripts, installers,
 * shortcuts and executables. A file with such a name is refused even when its content is harmless
 * text, so nobody downloads "statement.hta" from the support desk.
 */
export const REFUSED_EXTENSIONS = new Set(
  (
    'html htm xhtml xht shtml mht mhtml svg svgz xml xsl xslt hta js mjs cjs jse vbs vbe wsf wsh ws ps1 psm1 psd1 bat cmd com exe msi msp mst scr ' +
    'cpl dll sys drv ocx pif lnk url scf reg inf desktop jar jnlp apk xapk aab ipa app dmg pkg deb rpm appimage run bin elf sh bash zsh csh ksh command ' +
    'php phtml phar asp aspx jsp cgi pl py rb swf xap application gadget msc iso img vhd vhdx chm hlp'
  ).split(' '),
);

const KNOWN_EXTENSIONS = new Set(Object.values(TYPE_EXTENSIONS).flat());

/** Display names: no path, no control or bidirectional-override characters, no trailing dots or spaces, bounded length. */
export const cleanFilename = (name: string) =>
  stripBidi(name.split(/[\\/]/).pop() ?? 'file')
    .replace(/[\x00-\x1F\x7F"]/g, '')
    .trim()
    .replace(/[. ]+$/, '')
    .slice(0, 200) || 'file';

/**
 * The name a file is kept and served under, decided by its sniffed type: a refused extension is
 * a 415 on upload (`refuse`), and otherwise the extension is made to match the content
 * ("screenshot.pdf" that is a PNG becomes "screenshot.png", "notes" that is text "notes.txt").
 */
export function attachmentFilename(raw: string, contentType: string, options: { refuse: boolean } = { refuse: true }): string {
  const name = cleanFilename(raw);
  const match = /^(.*)\.([A-Za-z0-9]{1,12})$/.exec(name);
  const ext = match?.[2]!.toLowerCase();
  if (ext && REFUSED_EXTENSIONS.has(ext) && options.refuse) {
    throw new AppError('unsupported_media_type', `Files named .${ext} are not accepted (pages, scripts and programs are refused); send images, PDFs, videos, audio, zip or text`);
  }
  const allowed = TYPE_EXTENSIONS[contentType] ?? ['bin'];
  if (ext && allowed.includes(ext)) return name;
  // A misleading known extension is replaced; anything else keeps its name and gets the real one added.
  const base = ext && KNOWN_EXTENSIONS.has(ext) ? match![1]! : name;
  return `${base || 'file'}.${allowed[0]}`;
}

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
