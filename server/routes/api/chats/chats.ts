import { z } from 'zod';
import { plainText } from '../../../../common/text.ts';
import { ConversationOut, Id, LiveQueueOut } from '../../../../common/schemas.ts';
import { sessionCreator } from '../../../domain/auth/sessions.ts';
import { type Actor, transact } from '../../../domain/context.ts';
import { chatQueueReader, liveQueueReader } from '../../../domain/routing/chatQueue.ts';
import { chatAccepter, chatEnder, chatHoursChecker, chatStarter, chatToTicket, chatTransferrer, visitorContactCreator } from '../../../domain/routing/chatSessions.ts';
import { deflectionFiler } from '../../../domain/helpcenter/analytics.ts';
import { languageDetector } from '../../../domain/triage/languageDetector.ts';
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

const TransferBody = z
  .object({ agentId: Id.optional(), teamId: Id.optional(), note: z.string().trim().max(5000).optional() })
  .refine((b) => b.agentId || b.teamId, { message: 'Give an agent or a team', path: ['agentId'] });

const ChatStartBody = z.object({
  categoryId: Id.optional(),
  /** The customer's choice (the chat page asks); left out, it is detected from the description. */
  language: z.enum(['en', 'zh-CN']).optional(),
  description: plainText().trim().min(1).max(5000),
  orderId: z.string().trim().max(128).optional(),
  /** Visitors who are not signed in: how to call them and where to send the transcript. */
  name: plainText().trim().max(120).optional(),
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
            const contact = await visitorContactCreator(ctx, { name: req.body.name ?? '', email: req.body.email, language: req.body.language ?? languageDetector(req.body.description) });
            actor = { type: 'contact', id: contact.id };
            session = await sessionCreator(ctx.db, { type: 'contact', id: contact.id }, { ip: req.ip, userAgent: req.headers['user-agent'], now });
          }
          const customerCtx = { ...ctx, actor };
          let conversation = await chatStarter(customerCtx, req.body);
          if (req.body.deflectionId) await deflectionFiler(ctx.db, req.body.deflectionId, conversation.id);
          // Outside the handling team's business hours the chat is a ticket at once, and the customer is told when chat opens.
          const opensAt = await chatHoursChecker(customerCtx, conversation);
          let queue = await chatQueueReader(customerCtx, conversation.id);
          if (opensAt) conversation = await chatToTicket(customerCtx, conversation.id, 'outside_hours', opensAt);
          else if (queue.state === 'waiting' && queue.agentsAvailable === 0) conversation = await chatToTicket(customerCtx, conversation.id, 'nobody_online');
          if (conversation.mode !== 'live') queue = { ...queue, state: 'ticket', position: null, estimatedWaitSeconds: null };
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

  app.get(
    '/chats/live',
    { schema: { tags, summary: 'The live queue (staff): waiting and offered chats, active chats, every agent\'s status and load', response: { 200: LiveQueueOut, ...errors(401, 403) } } },
    async (req) => {
      const q = await run(services, req, (ctx) => liveQueueReader(ctx));
      return {
        ...q,
        waiting: q.waiting.map((w) => ({ ...w, offeredAt: w.offeredAt?.toISOString() ?? null })),
        active: q.active.map((a) => ({ ...a, startedAt: a.startedAt.toISOString(), lastMessageAt: a.lastMessageAt.toISOString() })),
      };
    },
  );

  app.post(
    '/chats/:id/accept',
    {
      schema: {
        tags,
        summary: 'Accept a chat offered to you, or take a waiting one (manual-pick teams, supervisors)',
        description: 'An offer not accepted within the chatAcceptSeconds setting goes to someone else, and the agent is set away.',
        params: IdParams,
        response: { 200: ConversationOut, ...errors(401, 403, 404, 409) },
      },
    },
    async (req) => presentConversation(await run(services, req, (ctx) => chatAccepter(ctx, req.params.id))),
  );

  app.post(
    '/chats/:id/transfer',
    {
      schema: {
        tags,
        summary: 'Transfer a live chat to an online agent (who accepts it) or to a team\'s queue, with a private note',
        params: IdParams,
        body: TransferBody,
        response: { 200: ConversationOut, ...errors(400, 401, 403, 404, 409) },
      },
    },
    async (req) => presentConversation(await run(services, req, (ctx) => chatTransferrer(ctx, req.params.id, req.body))),
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
