import { InboxCreate, InboxOut, InboxUpdate } from '../../../../common/schemas.ts';
import { isAdmin } from '../../../domain/auth/policy.ts';
import { inboxCreator, inboxGetter, inboxLister, inboxUpdater } from '../../../domain/directory/inboxes.ts';
import { presentInbox } from '../present.ts';
import { type Api, type RouteOptions, IdParams, Items, errors, run } from '../run.ts';

const tags = ['inboxes'];

export async function inboxRoutes(app: Api, { services }: RouteOptions) {
  const admin = (req: { actor: Parameters<typeof isAdmin>[0] | null }) => Boolean(req.actor && isAdmin(req.actor));
  app.get('/inboxes', { schema: { tags, summary: 'Channel instances (settings for admins only)', response: { 200: Items(InboxOut), ...errors(401, 403) } } }, async (req) => ({
    items: (await run(services, req, (ctx) => inboxLister(ctx))).map((i) => presentInbox(i, admin(req))),
  }));
  app.get('/inboxes/:id', { schema: { tags, summary: 'One inbox', params: IdParams, response: { 200: InboxOut, ...errors(401, 403, 404) } } }, async (req) =>
    presentInbox(await run(services, req, (ctx) => inboxGetter(ctx, req.params.id)), admin(req)),
  );
  app.post('/inboxes', { schema: { tags, summary: 'Add a channel instance (admin)', body: InboxCreate, response: { 201: InboxOut, ...errors(400, 401, 403) } } }, async (req, reply) =>
    reply.code(201).send(presentInbox(await run(services, req, (ctx) => inboxCreator(ctx, req.body)), true)),
  );
  app.patch('/inboxes/:id', { schema: { tags, summary: 'Change a channel instance (admin)', params: IdParams, body: InboxUpdate, response: { 200: InboxOut, ...errors(400, 401, 403, 404) } } }, async (req) =>
    presentInbox(await run(services, req, (ctx) => inboxUpdater(ctx, req.params.id, req.body)), true),
  );
}
