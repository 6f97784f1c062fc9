import { z } from 'zod';

import {
  ConversationCreate,
  ConversationListQuery,
  ConversationOut,
  ConversationUpdate,
  EventOut,
  MessageCreate,
  MessageListQuery,
  MessageOut,
  Page,
  ParticipantOut,
} from '../../../../common/schemas.ts';
import { conversationCreator } from '../../../domain/conversations/conversationCreator.ts';
import { conversationGetter, conversationLister } from '../../../domain/conversations/conversationReader.ts';
import { conversationUpdater } from '../../../domain/conversations/conversationUpdater.ts';
import { messageCreator } from '../../../domain/conversations/messageCreator.ts';
import { deliveryRetrier } from '../../../domain/channels/deliveryRetrier.ts';
import { conversationEventLister, messageAuthorNamer, messageLister } from '../../../domain/conversations/timelineReader.ts';
import { presentConversation, presentEvent, presentMessage } from '../present.ts';
import { createReadStream, existsSync } from 'node:fs';
import { participantLister } from '../../../domain/channels/participants.ts';
import { rawMessageReader } from '../../../domain/channels/rawMessageReader.ts';
import { transact } from '../../../domain/context.ts';
import { blobPath } from '../../../domain/files/blobStore.ts';
import { notFound } from '../../../errors.ts';
import { actorOf } from '../../authenticate.ts';
import { FileResponse } from '../openapi.ts';
import { type Api, type RouteOptions, IdParams, Items, errors, run, runSingle, sendJsonText } from '../run.ts';

const tags = ['conversations'];

export async function conversationRoutes(app: Api, { services }: RouteOptions) {
  app.get(
    '/conversations',
    { schema: { tags, summary: 'List conversations (tickets and chats) the caller may see', querystring: ConversationListQuery, response: { 200: Page(ConversationOut), ...errors(400, 401) } } },
    async (req, reply) => {
      const page = await run(services, req, (ctx) => conversationLister(ctx, req.query));
      // The items arrive as ConversationOut JSON text (the database presents them): the page is joined, not re-serialised.
      return sendJsonText(reply, `{"items":[${page.items.join(',')}],"nextCursor":${JSON.stringify(page.nextCursor)}}`);
    },
  );

  app.post(
    '/conversations',
    {
      schema: {
        tags,
        summary: 'Open a conversation with its first message',
        description: 'Customers open their own; staff and tokens give contactId or contact.email. The same idempotencyKey twice returns the first conversation (200 instead of 201).',
        body: ConversationCreate,
        response: { 201: ConversationOut, 200: ConversationOut, ...errors(400, 401, 403, 404, 409) },
      },
    },
    async (req, reply) => {
      const result = await runSingle(services, req, (ctx) => conversationCreator(ctx, req.body));
      return reply.code(result.created ? 201 : 200).send(presentConversation(result.conversation));
    },
  );

  app.get('/conversations/:id', { schema: { tags, summary: 'One conversation', params: IdParams, response: { 200: ConversationOut, ...errors(401, 404) } } }, async (req) =>
    presentConversation(await run(services, req, (ctx) => conversationGetter(ctx, req.params.id))),
  );

  app.patch(
    '/conversations/:id',
    { schema: { tags, summary: 'Change status, priority, assignee, team, category, subject, fields or tags', params: IdParams, body: ConversationUpdate, response: { 200: ConversationOut, ...errors(400, 401, 403, 404, 409) } } },
    async (req) => presentConversation(await run(services, req, (ctx) => conversationUpdater(ctx, req.params.id, req.body))),
  );

  app.get(
    '/conversations/:id/messages',
    { schema: { tags, summary: 'Messages after a seq (catch-up); customers never see private notes', params: IdParams, querystring: MessageListQuery, response: { 200: Items(MessageOut), ...errors(400, 401, 404) } } },
    async (req) => ({ items: (await run(services, req, (ctx) => messageLister(ctx, req.params.id, req.query))).map(presentMessage) }),
  );

  for (const [path, visibility, summary] of [
    ['messages', 'public', 'Reply (staff) or write (the customer); the same idempotencyKey twice stores one message'],
    ['notes', 'private', 'Add a private note, never shown to the customer'],
  ] as const) {
    app.post(
      `/conversations/:id/${path}`,
      { schema: { tags, summary, params: IdParams, body: MessageCreate, response: { 201: MessageOut, 200: MessageOut, ...errors(400, 401, 403, 404, 409) } } },
      async (req, reply) => {
        // One statement for a plain chat message; messageCreator opens a transaction when it needs one.
        const result = await runSingle(services, req, (ctx) => messageCreator(ctx, req.params.id, { ...req.body, visibility }));
        // Named as GET …/messages and the push name it, whoever wrote it (customer, agent or token).
        const authorName = req.actor?.type === 'agent' ? req.actor.name : await messageAuthorNamer(services.database.db, result.message);
        return reply.code(result.created ? 201 : 200).send(presentMessage({ ...result.message, authorName }));
      },
    );
  }

  app.post(
    '/conversations/:id/messages/:messageId/retry',
    {
      schema: {
        tags,
        summary: 'Send a failed outgoing message again (staff who can work the conversation)',
        description: 'Only a message whose delivery failed (409 otherwise); it goes back to queued and a new delivery job sends it.',
        params: IdParams.extend({ messageId: z.uuid() }),
        response: { 200: MessageOut, ...errors(400, 401, 403, 404, 409) },
      },
    },
    async (req) => {
      const message = await run(services, req, (ctx) => deliveryRetrier(ctx, req.params.id, req.params.messageId));
      return presentMessage({ ...message, authorName: await messageAuthorNamer(services.database.db, message) });
    },
  );

  app.get(
    '/conversations/:id/events',
    { schema: { tags, summary: 'History of the conversation: every change with who, when, before → after', params: IdParams, response: { 200: Items(EventOut), ...errors(401, 404) } } },
    async (req) => ({ items: (await run(services, req, (ctx) => conversationEventLister(ctx, req.params.id))).map(presentEvent) }),
  );

  app.get(
    '/conversations/:id/participants',
    { schema: { tags, summary: 'People copied on the conversation (email Cc); staff only', params: IdParams, response: { 200: Items(ParticipantOut), ...errors(401, 404) } } },
    async (req) => ({
      items: (await run(services, req, (ctx) => participantLister(ctx, req.params.id))).map((p) => ({ email: p.email, name: p.name, role: p.role, createdAt: p.createdAt.toISOString() })),
    }),
  );

  app.get(
    '/conversations/:id/messages/:messageId/raw',
    {
      schema: {
        tags,
        summary: 'Download the original of an inbound message (the raw mail, as received); staff only, recorded in the history',
        params: z.object({ id: z.uuid(), messageId: z.uuid() }),
        response: { 200: FileResponse('The message exactly as received', ['message/rfc822']), ...errors(401, 404) },
      },
    },
    async (req, reply) => {
      // A download of evidence is audited: a write (the event), so a transaction even for GET.
      const raw = await transact(services, actorOf(req), (ctx) => rawMessageReader(ctx, req.params.id, req.params.messageId), req.ip);
      const path = blobPath(services.env.dataDir, raw.sha256);
      if (!existsSync(path)) throw notFound('Original message');
      return reply
        .type('message/rfc822')
        .header('x-content-type-options', 'nosniff')
        .header('content-security-policy', "default-src 'none'; sandbox")
        .header('cache-control', 'private, no-store')
        .header('content-disposition', `attachment; filename="${raw.filename}"`)
        .send(createReadStream(path));
    },
  );
}

