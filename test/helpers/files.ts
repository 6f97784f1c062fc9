import { randomUUID } from 'node:crypto';
import { deflateSync } from 'node:zlib';

/** A real 1×1 PNG, for upload tests. */
export const TINY_PNG = Buffer.from(
  '89504E470D0A1A0A0000000D4948445200000001000000010806000000' + '1F15C4890000000D49444154789C6360000002000154A24F5D0000000049454E44AE426082',
  'hex',
);

export interface FilePart {
  name: string;
  content: string | Buffer;
  /** The browser's claim; the server sniffs the bytes anyway. */
  type?: string;
  /** Form field name (default "file"). */
  field?: string;
}

/** A multipart/form-data body with text fields and files, as a browser sends it. */
export function multipartBody(fields: Record<string, string>, files: FilePart[]) {
  const boundary = `----switchboard-test-${randomUUID()}`;
  const parts: Buffer[] = [];
  for (const [k, v] of Object.entries(fields)) parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`));
  for (const f of files) {
    parts.push(
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${f.field ?? 'file'}"; filename="${f.name}"\r\nContent-Type: ${f.type ?? 'application/octet-stream'}\r\n\r\n`),
      Buffer.from(f.content),
      Buffer.from('\r\n'),
    );
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(parts), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}
/** A small, valid RGB PNG: a diagonal gradient with a dark "error" bar, like a cropped screenshot. */
export function screenshotPng(width = 120, height = 80): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // truecolour
  const rows: Buffer[] = [];
  for (let y = 0; y < height; y++) {
    const row = Buffer.alloc(1 + width * 3);
    for (let x = 0; x < width; x++) {
      const bar = y > 30 && y < 50 && x > 10 && x < 110;
      row[1 + x * 3] = bar ? 200 : 60 + x;
      row[2 + x * 3] = bar ? 40 : 90 + y;
      row[3 + x * 3] = bar ? 40 : 220;
    }
    rows.push(row);
  }
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', header), chunk('IDAT', deflateSync(Buffer.concat(rows))), chunk('IEND', Buffer.alloc(0))]);
}
