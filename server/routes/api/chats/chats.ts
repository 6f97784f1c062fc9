import { z } from 'zod';
import { ConversationOut, Id } from '../../../../common/schemas.ts';
import { sessionCreator } from '../../../domain/auth/sessions.ts';
import { type Actor, transact } from '../../../domain/context.ts';
import { chatQueueReader } from '../../../domain/routing/chatQueue.ts';
import { chatEnder, chatStarter, chatToTicket, visitorContactCreator } from '../../../domain/routing/chatSessions.ts';
import { deflectionFiler } from '../../../domain/helpcenter/analytics.ts';
import { AppError } from '../../../errors.ts';
import { setSessionCookies } from '../auth/auth.ts';
import { presentConversation } from '../present.ts';
import { type Api, type RouteOptions, IdParams, errors, run } from '../run.ts';

const tags = ['chat'];

const QueueOut = z
  .object({
    state: z.enum(['waiting', 'assigned', 'ticket', 'closed']),
    position: z.number().int().nullable(),
    estimatedWaitSeconds: z.number().int().nullable(),
    agentsAvailable: z.number().int(),
    quietHoursUtc: z.array(z.number().int()),
  })
  .meta({ id: 'ChatQueue' });

const ChatStartBody = z.object({
  categoryId: Id.optional(),
  language: z.enum(['en', 'zh-CN']).default('en'),
  description: z.string().trim().min(1).max(5000),
  orderId: z.string().trim().max(128).optional(),
  /** Visitors who are not signed in: how to call them and where to send the transcript. */
  name: z.string().trim().max(120).optional(),
  email: z.email().max(254).optional(),
  /** From POST /help/deflect: the suggested articles did not answer. */
  deflectionId: Id.optional(),
});

export async function chatRoutes(app: Api, { services }: RouteOptions) {
  app.post(
    '/chats',
    {
      config: { public: true, rateLimit: { max: 20, timeWindow: '1 minute' } },
      schema: {
        tags,
        summary: 'Start a live chat (pre-chat form); a visitor who is not signed in gets a session for this chat',
        description: 'When nobody online can take it, the chat becomes a ticket at once (mode "async") and the customer is told how they will hear back.',
        body: ChatStartBody,
        response: { 201: z.object({ conversation: ConversationOut, queue: QueueOut }), ...errors(400, 404, 429) },
      },
    },
    async (req, reply) => {
      const now = services.clock();
      let actor: Actor | null = req.actor?.type === 'contact' ? req.actor : null;
      if (req.actor && !actor) throw new AppError('forbidden', 'Agents do not start chats as customers');
      const result = await transact(
        services,
        actor ?? { type: 'system', id: null },
        async (ctx) => {
          let session = null;
          if (!actor) {
            const contact = await visitorContactCreator(ctx, { name: req.body.name ?? '', email: req.body.email, language: req.body.language });
            actor = { type: 'contact', id: contact.id };
            session = await sessionCreator(ctx.db, { type: 'contact', id: contact.id }, { ip: req.ip, userAgent: req.headers['user-agent'], now });
          }
          const customerCtx = { ...ctx, actor };
          let conversation = await chatStarter(customerCtx, req.body);
          if (req.body.deflectionId) await deflectionFiler(ctx.db, req.body.deflectionId, conversation.id);
          const queue = await chatQueueReader(customerCtx, conversation.id);
          if (queue.state === 'waiting' && queue.agentsAvailable === 0) conversation = await chatToTicket(customerCtx, conversation.id, 'nobody_online');
          return { conversation, queue, session };
        },
        req.ip,
      );
      if (result.session) setSessionCookies(reply, services, result.session);
      return reply.code(201).send({ conversation: presentConversation(result.conversation), queue: result.queue });
    },
  );

  app.get(
    '/chats/:id/queue',
    { schema: { tags, summary: 'Queue position, estimated wait and quieter hours of a waiting chat', params: IdParams, response: { 200: QueueOut, ...errors(401, 404, 409) } } },
    async (req) => run(services, req, (ctx) => chatQueueReader(ctx, req.params.id)),
  );

  app.post(
    '/chats/:id/ticket',
    { schema: { tags, summary: 'Leave a ticket instead of waiting (nothing typed is lost)', params: IdParams, response: { 200: ConversationOut, ...errors(401, 403, 404) } } },
    async (req) => presentConversation(await run(services, req, (ctx) => chatToTicket(ctx, req.params.id, 'customer_choice'))),
  );

  app.post(
    '/chats/:id/end',
    {
      schema: {
        tags,
        summary: 'End a chat (customer or agent); the customer may ask for the transcript by email',
        params: IdParams,
        body: z.object({ transcript: z.boolean().default(false) }),
        response: { 204: z.null(), ...errors(401, 403, 404, 409) },
      },
    },
    async (req, reply) => {
      await run(services, req, (ctx) => chatEnder(ctx, req.params.id, req.body));
      return reply.code(204).send(null);
    },
  );
}
