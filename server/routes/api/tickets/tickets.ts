import { z } from 'zod';
import { plainText } from '../../../../common/text.ts';
import { ConversationFields, Id, RatingCreate } from '../../../../common/schemas.ts';
import { SYSTEM, type Actor, transact } from '../../../domain/context.ts';
import { conversationCreator } from '../../../domain/conversations/conversationCreator.ts';
import { conversationCounter } from '../../../domain/conversations/conversationCounter.ts';
import { languageDetector } from '../../../domain/triage/languageDetector.ts';
import { ratingGiver } from '../../../domain/conversations/ratingGiver.ts';
import { defaultInbox } from '../../../domain/directory/inboxes.ts';
import { deflectionFiler } from '../../../domain/helpcenter/analytics.ts';
import { blobStorer, type StoredBlob } from '../../../domain/files/blobStore.ts';
import { attachmentCreator, attachmentLinker, blobOrphanRemover } from '../../../domain/files/attachments.ts';
import { messages } from '../../../db/schema.ts';
import { and, eq } from 'drizzle-orm';
import { AppError } from '../../../errors.ts';
import { sessionCreator } from '../../../domain/auth/sessions.ts';
import { addressConfirmer, confirmationRequester, unverifiedContactCreator } from '../../../domain/contacts/addressConfirmer.ts';
import { setSessionCookies } from '../auth/auth.ts';
import { type Api, type RouteOptions, IdParams, errors, run } from '../run.ts';
import { BinaryFile } from '../openapi.ts';

const MAX_FILES = 10;

/** The web form's fields (multipart or JSON). Anonymous visitors give their email. */
const TicketForm = z.object({
  email: z.email().max(254).optional(),
  name: plainText().trim().max(200).default(''),
  subject: plainText().trim().min(1).max(300),
  body: z.string().trim().min(1).max(50_000),
  categoryId: Id.optional(),
  /** The customer's language (the web form sends the page's); left out, it is detected from subject and body. */
  language: z.string().min(2).max(10).optional(),
  uid: z.string().trim().max(64).optional(),
  orderId: z.string().trim().max(128).optional(),
  txHash: z.string().trim().max(128).optional(),
  coin: z.string().trim().max(20).optional(),
  network: z.string().trim().max(40).optional(),
  /** From POST /help/deflect: the suggestions did not answer, a ticket is filed after all. */
  deflectionId: Id.optional(),
});

export async function ticketRoutes(app: Api, { services }: RouteOptions) {
  const maxBytes = services.env.MAX_UPLOAD_BYTES;

  app.post(
    '/tickets',
    {
      config: { public: true, rateLimit: { max: 30, timeWindow: '1 minute' } },
      schema: {
        tags: ['tickets'],
        summary: 'File a ticket from the web form or an integration (multipart with files, or JSON)',
        description:
          'Anonymous visitors give email (and name); signed-in customers file for themselves; staff and tokens give the customer email. ' +
          'An anonymous ticket stays apart from any account until its address is confirmed: the address gets only a confirmation link ' +
          '(POST /tickets/confirm), at most 3 per address and 10 per IP an hour (confirmationSent says whether one went out). ' +
          'Multipart fields: email, name, subject, body, categoryId, language, uid, orderId, txHash, coin, network, and files. Returns {id, number}.',
        consumes: ['multipart/form-data', 'application/json'],
        // Documentation only: the handler reads either form itself and checks it with TicketForm.
        bodyContent: {
          'multipart/form-data': TicketForm.extend({ files: z.array(BinaryFile).max(MAX_FILES).optional().describe('Screenshots and files (repeat the field)') }),
          'application/json': TicketForm,
        },
        response: {
          201: z.object({
            id: Id,
            number: z.number().int(),
            /** Anonymous filings only: whether a confirmation link was emailed (false when this address or IP had too many this hour). */
            confirmationSent: z.boolean().optional(),
          }),
          ...errors(400, 403, 404, 409, 413, 429),
        },
      },
    },
    async (req, reply) => {
      const fields: Record<string, string> = {};
      const stored: { blob: StoredBlob; filename: string }[] = [];
      try {
        if (req.isMultipart()) {
          for await (const part of req.parts({ limits: { fileSize: maxBytes, files: MAX_FILES } })) {
            if (part.type === 'field') {
              if (typeof part.value === 'string') fields[part.fieldname] = part.value;
              continue;
            }
            if (!part.filename) {
              part.file.resume();
              continue;
            }
            let blob: StoredBlob;
            try {
              blob = await blobStorer(services.env.dataDir, part.file);
            } catch (err) {
              if ((err as { code?: string }).code === 'FST_REQ_FILE_TOO_LARGE' || part.file.truncated) throw new AppError('payload_too_large', `${part.filename} is larger than the upload limit`);
              throw err;
            }
            if (part.file.truncated) throw new AppError('payload_too_large', `${part.filename} is larger than the upload limit`);
            stored.push({ blob, filename: part.filename });
          }
        } else {
          Object.assign(fields, (req.body ?? {}) as Record<string, string>);
        }
        const parsed = TicketForm.safeParse(fields);
        if (!parsed.success) {
          const issue = parsed.error.issues[0]!;
          throw new AppError('validation_failed', `Invalid body: /${issue.path.join('/')} ${issue.message}`, { issues: parsed.error.issues.map((i) => ({ path: `/${i.path.join('/')}`, message: i.message })) });
        }
        const form = parsed.data;
        const actor: Actor = req.actor ?? SYSTEM;
        const isCustomer = actor.type === 'contact';
        if (!isCustomer && !form.email) throw new AppError('validation_failed', 'Give your email address so we can answer you');
        const ticketFields = ConversationFields.parse(Object.fromEntries(['uid', 'orderId', 'txHash', 'coin', 'network'].filter((k) => (form as any)[k]).map((k) => [k, (form as any)[k]])));

        // Nobody signed in: the typed address is only a claim (see domain/contacts/addressConfirmer.ts).
        const anonymous = !req.actor;
        const { conversation, confirmationSent } = await transact(
          services,
          actor,
          async (ctx) => {
            // The web form's inbox, unless an integration files it.
            const inbox = await defaultInbox(ctx.db, actor.type === 'token' ? 'api' : 'webform', services);
            const requester = anonymous ? await unverifiedContactCreator(ctx, { email: form.email!, name: form.name, language: form.language ?? languageDetector(`${form.subject}\n${form.body}`) }) : null;
            const { conversation } = await conversationCreator(ctx, {
              inboxId: inbox.id,
              subject: form.subject,
              body: form.body,
              mode: 'async',
              language: form.language,
              categoryId: form.categoryId,
              fields: ticketFields,
              tags: [],
              ...(isCustomer ? {} : requester ? { contactId: requester.id } : { contact: { email: form.email!, name: form.name } }),
            });
            if (stored.length) {
              // The files travel with the first message, as the customer sent them together.
              const ids = [];
              for (const s of stored) ids.push((await attachmentCreator({ ...ctx, actor: SYSTEM }, conversation.id, s.blob, s.filename)).id);
              const [first] = await ctx.db.select({ id: messages.id }).from(messages).where(and(eq(messages.conversationId, conversation.id), eq(messages.seq, 1)));
              await attachmentLinker(ctx, conversation.id, first!.id, ids);
            }
            if (form.deflectionId) await deflectionFiler(ctx.db, form.deflectionId, conversation.id);
            // A chat visitor's session is signed in, but only as the address they typed: it needs the link as well.
            const claimed = anonymous ? form.email! : conversation.contact.unverifiedEmail;
            const confirmationSent = claimed ? await confirmationRequester(ctx, { conversation, email: claimed }) : undefined;
            return { conversation, confirmationSent };
          },
          req.ip,
        );
        return reply.code(201).send({ id: conversation.id, number: conversation.number, ...(confirmationSent === undefined ? {} : { confirmationSent }) });
      } catch (err) {
        await blobOrphanRemover(services, stored.map((s) => s.blob.sha256));
        throw err;
      }
    },
  );

  app.post(
    '/tickets/confirm',
    {
      config: { public: true, rateLimit: { max: 20, timeWindow: '1 minute' } },
      schema: {
        tags: ['tickets'],
        summary: 'Confirm an email address with the token from the emailed link; the ticket joins that customer, who is signed in',
        description:
          'A ticket filed without signing in stays apart from any account until its address is confirmed. The token works once and expires. ' +
          'A customer session is started (cookies), unless an agent is signed in in this browser.',
        body: z.object({ token: z.string().min(16).max(200) }),
        response: { 200: z.object({ id: Id, number: z.number().int() }), ...errors(400, 404, 429) },
      },
    },
    async (req, reply) => {
      const now = services.clock();
      const result = await transact(services, SYSTEM, (ctx) => addressConfirmer(ctx, req.body.token), req.ip);
      if (!result.conversation) throw new AppError('not_found', 'Conversation not found');
      if (req.actor?.type !== 'agent') {
        const session = await sessionCreator(services.database.db, { type: 'contact', id: result.contact.id }, { ip: req.ip, userAgent: req.headers['user-agent'], now });
        setSessionCookies(reply, services, session);
      }
      return { id: result.conversation.id, number: result.conversation.number };
    },
  );

  app.post(
    '/conversations/:id/rating',
    {
      schema: {
        tags: ['tickets'],
        summary: 'The customer rates a solved conversation (CSAT 1–5 with a comment)',
        params: IdParams,
        body: RatingCreate,
        response: { 200: z.object({ score: z.number().int(), comment: z.string().nullable(), ratedAt: z.string() }), ...errors(400, 401, 403, 404, 409) },
      },
    },
    async (req) => run(services, req, (ctx) => ratingGiver(ctx, req.params.id, req.body)),
  );

  app.get(
    '/conversations/counts',
    {
      schema: {
        tags: ['conversations'],
        summary: 'Open work per inbox view (mine, unassigned, my teams, all)',
        response: { 200: z.object({ mine: z.number().int(), unassigned: z.number().int(), teams: z.number().int(), all: z.number().int() }), ...errors(401, 403) },
      },
    },
    async (req) => run(services, req, (ctx) => conversationCounter(ctx)),
  );
}

