import { z } from 'zod';
import { notificationLister, notificationReader } from '../../../domain/notifications/agentNotifier.ts';
import { type Api, type RouteOptions, errors, run } from '../run.ts';

const NotificationOut = z
  .object({
    id: z.uuid(),
    type: z.enum(['assigned', 'mentioned', 'sla_breach', 'chat_missed', 'login_locked']),
    conversationId: z.string().nullable(),
    data: z.record(z.string(), z.unknown()),
    readAt: z.string().nullable(),
    createdAt: z.string(),
  })
  .meta({ id: 'Notification' });

export async function notificationRoutes(app: Api, { services }: RouteOptions) {
  app.get(
    '/notifications',
    {
      schema: {
        tags: ['notifications'],
        summary: "The signed-in agent's notifications (assignments, @mentions, SLA breaches)",
        querystring: z.object({ unread: z.enum(['true', 'false']).default('false'), limit: z.coerce.number().int().min(1).max(200).default(50) }),
        response: { 200: z.object({ items: z.array(NotificationOut), unread: z.number().int() }), ...errors(400, 401, 403) },
      },
    },
    async (req) => {
      const page = await run(services, req, (ctx) => notificationLister(ctx, { unreadOnly: req.query.unread === 'true', limit: req.query.limit }));
      return { unread: page.unread, items: page.items.map((n) => ({ ...n, readAt: n.readAt?.toISOString() ?? null, createdAt: n.createdAt.toISOString() })) };
    },
  );
  app.post(
    '/notifications/read',
    {
      schema: {
        tags: ['notifications'],
        summary: 'Mark notifications read (ids, or all)',
        body: z.union([z.object({ ids: z.array(z.uuid()).min(1).max(500) }).strict(), z.object({ all: z.literal(true) }).strict()]),
        response: { 204: z.null(), ...errors(400, 401, 403) },
      },
    },
    async (req, reply) => {
      await run(services, req, (ctx) => notificationReader(ctx, 'all' in req.body ? 'all' : req.body.ids));
      return reply.code(204).send(null);
    },
  );
}
