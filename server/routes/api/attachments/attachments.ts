import { createReadStream, existsSync } from 'node:fs';
import { z } from 'zod';
import { AttachmentOut } from '../../../../common/schemas.ts';
import { attachmentFilename, blobPath, blobStorer } from '../../../domain/files/blobStore.ts';
import { attachmentCreator, attachmentGetter, attachmentUploadCheck, blobOrphanRemover } from '../../../domain/files/attachments.ts';
import { AppError, notFound } from '../../../errors.ts';
import { type Api, type RouteOptions, IdParams, Items, errors, run } from '../run.ts';
import { BinaryFile, FileResponse } from '../openapi.ts';

const tags = ['attachments'];
const MAX_FILES = 10;

const presentAttachment = (a: { id: string; filename: string; contentType: string; size: number }) => ({
  id: a.id,
  filename: a.filename,
  contentType: a.contentType,
  size: a.size,
  url: `/api/v1/attachments/${a.id}`,
});

/** Types a browser may show inline (images and PDFs); everything else downloads. */
const INLINE = /^(image\/(png|jpeg|gif|webp)|application\/pdf)$/;

export async function attachmentRoutes(app: Api, { services }: RouteOptions) {
  const maxBytes = services.env.MAX_UPLOAD_BYTES;

  app.post(
    '/conversations/:id/attachments',
    {
      schema: {
        tags,
        summary: `Upload files (multipart/form-data, up to ${MAX_FILES}); send their ids with the next message`,
        description:
          'Each file at most MAX_UPLOAD_BYTES (default 20 MB). The type is detected from the content, and the stored name gets the extension of that type. ' +
          '415 for types we do not take and for page, script or program names (.html, .svg, .hta, .bat, .exe, .js …), whatever the content.',
        params: IdParams,
        consumes: ['multipart/form-data'],
        // Documentation only: the handler streams the files itself (every file part counts, whatever its field name).
        bodyContent: { 'multipart/form-data': z.object({ files: z.array(BinaryFile).min(1).max(MAX_FILES).describe('The files (repeat the field)') }) },
        response: { 201: Items(AttachmentOut), ...errors(400, 401, 404, 409, 413, 415) },
      },
    },
    async (req, reply) => {
      if (!req.isMultipart()) throw new AppError('unsupported_media_type', 'Send files as multipart/form-data');
      // Who may upload here is settled before a single byte is written to disk.
      await run(services, req, (ctx) => attachmentUploadCheck(ctx, req.params.id));
      // Every file is stored and checked before any row is written: one bad file means none are recorded.
      const stored: { blob: Awaited<ReturnType<typeof blobStorer>>; filename: string }[] = [];
      const tooLarge = (name: string) => new AppError('payload_too_large', `${name} is larger than ${(maxBytes / 1024 / 1024).toFixed(maxBytes < 1024 * 1024 ? 3 : 0)} MB`);
      let created;
      try {
        for await (const part of req.files({ limits: { fileSize: maxBytes, files: MAX_FILES } })) {
          if (stored.length >= MAX_FILES) throw new AppError('payload_too_large', `At most ${MAX_FILES} files at once`);
          let blob;
          try {
            blob = await blobStorer(services.env.dataDir, part.file);
          } catch (err) {
            if ((err as { code?: string }).code === 'FST_REQ_FILE_TOO_LARGE' || part.file.truncated) throw tooLarge(part.filename);
            throw err;
          }
          if (part.file.truncated) throw tooLarge(part.filename);
          stored.push({ blob, filename: part.filename });
        }
        created = await run(services, req, async (ctx) => {
          const rows = [];
          for (const s of stored) rows.push(await attachmentCreator(ctx, req.params.id, s.blob, s.filename));
          return rows;
        });
      } catch (err) {
        await blobOrphanRemover(services, stored.map((s) => s.blob.sha256));
        throw err;
      }
      if (!created.length) throw new AppError('validation_failed', 'No file in the upload');
      return reply.code(201).send({ items: created.map(presentAttachment) });
    },
  );

  app.get(
    '/attachments/:id',
    { schema: { tags, summary: 'Download a file (only for people who can see its conversation)', params: IdParams, response: { 200: FileResponse('The file, under the type sniffed from its bytes', ['*/*']), ...errors(401, 404) } } },
    async (req, reply) => {
      const attachment = await run(services, req, (ctx) => attachmentGetter(ctx, req.params.id));
      const path = blobPath(services.env.dataDir, attachment.sha256);
      if (!existsSync(path)) throw notFound('Attachment file');
      const disposition = INLINE.test(attachment.contentType) ? 'inline' : 'attachment';
      // Files stored before names were checked still download under a name that matches their bytes.
      const filename = attachmentFilename(attachment.filename, attachment.contentType, { refuse: false });
      return reply
        .type(attachment.contentType === 'text/plain' ? 'text/plain; charset=utf-8' : attachment.contentType)
        .header('content-length', String(attachment.size))
        .header('x-content-type-options', 'nosniff')
        .header('content-security-policy', "default-src 'none'; sandbox")
        .header('cache-control', 'private, max-age=3600')
        .header('content-disposition', `${disposition}; filename*=UTF-8''${encodeURIComponent(filename)}`)
        .send(createReadStream(path));
    },
  );
}
