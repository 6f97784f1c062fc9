import { randomUUID } from 'node:crypto';

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
