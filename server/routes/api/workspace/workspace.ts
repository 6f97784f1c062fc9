import { z } from 'zod';
import {
  BulkUpdate,
  CannedReplyCreate,
  CannedReplyOut,
  CannedReplyUpdate,
  ConversationOut,
  Id,
  MacroCreate,
  MacroOut,
  MacroUpdate,
  SavedViewCreate,
  SavedViewOut,
} from '../../../../common/schemas.ts';
import { transact } from '../../../domain/context.ts';
import { conversationMerger } from '../../../domain/conversations/conversationMerger.ts';
import { conversationSplitter } from '../../../domain/conversations/conversationSplitter.ts';
import { conversationUpdater } from '../../../domain/conversations/conversationUpdater.ts';
import { requireStaff } from '../../../domain/auth/policy.ts';
import {
  cannedReplyCreator,
  cannedReplyDeleter,
  cannedReplyLister,
  cannedReplyUpdater,
  macroCreator,
  macroDeleter,
  macroLister,
  macroUpdater,
} from '../../../domain/workspace/cannedReplies.ts';
import { macroApplier } from '../../../domain/workspace/macroApplier.ts';
import { savedViewCreator, savedViewDeleter, savedViewLister } from '../../../domain/workspace/savedViews.ts';
import { templateRenderer } from '../../../domain/workspace/templateRenderer.ts';
import { AppError } from '../../../errors.ts';
import type { macros } from '../../../db/schema.ts';
import { actorOf } from '../../authenticate.ts';
import { presentConversation } from '../present.ts';
import { type Api, type RouteOptions, IdParams, Items, errors, run } from '../run.ts';

const tags = ['workspace'];
const presentCanned = (c: { id: string; title: string; shortcut: string; body: string }) => ({ id: c.id, title: c.title, shortcut: c.shortcut, body: c.body });
const presentMacro = (m: typeof macros.$inferSelect) => ({
  id: m.id,
  name: m.name,
  reply: m.reply,
  replyVisibility: m.replyVisibility,
  actions: m.actions,
});
const presentView = (v: { id: string; name: string; query: Record<string, string>; shared: boolean; mine: boolean }) => ({ id: v.id, name: v.name, query: v.query, shared: v.shared, mine: v.mine });

export async function workspaceRoutes(app: Api, { services }: RouteOptions) {
  // Canned replies.
  app.get('/canned-replies', { schema: { tags, summary: 'Canned replies (staff)', response: { 200: Items(CannedReplyOut), ...errors(401, 403) } } }, async (req) => ({
    items: (await run(services, req, (ctx) => cannedReplyLister(ctx))).map(presentCanned),
  }));
  app.post('/canned-replies', { schema: { tags, summary: 'Add a canned reply (supervisor, admin)', body: CannedReplyCreate, response: { 201: CannedReplyOut, ...errors(400, 401, 403) } } }, async (req, reply) =>
    reply.code(201).send(presentCanned(await run(services, req, (ctx) => cannedReplyCreator(ctx, req.body)))),
  );
  app.patch('/canned-replies/:id', { schema: { tags, summary: 'Change a canned reply (supervisor, admin)', params: IdParams, body: CannedReplyUpdate, response: { 200: CannedReplyOut, ...errors(400, 401, 403, 404) } } }, async (req) =>
    presentCanned(await run(services, req, (ctx) => cannedReplyUpdater(ctx, req.params.id, req.body))),
  );
  app.delete('/canned-replies/:id', { schema: { tags, summary: 'Delete a canned reply (supervisor, admin)', params: IdParams, response: { 204: z.null(), ...errors(401, 403, 404) } } }, async (req, reply) => {
    await run(services, req, (ctx) => cannedReplyDeleter(ctx, req.params.id));
    return reply.code(204).send(null);
  });
  app.post(
    '/conversations/:id/render',
    {
      schema: {
        tags,
        summary: 'Fill {{variables}} of a template for this conversation (customer.name, customer.email, customer.uid, ticket.number, ticket.subject, ticket.status, agent.name, agent.first_name)',
        params: IdParams,
        body: z.object({ template: z.string().max(10_000) }),
        response: { 200: z.object({ text: z.string() }), ...errors(400, 401, 403, 404) },
      },
    },
    async (req) => ({ text: await run(services, req, (ctx) => (requireStaff(ctx.actor), templateRenderer(ctx, req.params.id, req.body.template))) }),
  );

  // Macros.
  app.get('/macros', { schema: { tags, summary: 'Macros (staff)', response: { 200: Items(MacroOut), ...errors(401, 403) } } }, async (req) => ({
    items: (await run(services, req, (ctx) => macroLister(ctx))).map(presentMacro),
  }));
  app.post('/macros', { schema: { tags, summary: 'Add a macro (supervisor, admin)', body: MacroCreate, response: { 201: MacroOut, ...errors(400, 401, 403) } } }, async (req, reply) =>
    reply.code(201).send(presentMacro(await run(services, req, (ctx) => macroCreator(ctx, req.body)))),
  );
  app.patch('/macros/:id', { schema: { tags, summary: 'Change a macro (supervisor, admin)', params: IdParams, body: MacroUpdate, response: { 200: MacroOut, ...errors(400, 401, 403, 404) } } }, async (req) =>
    presentMacro(await run(services, req, (ctx) => macroUpdater(ctx, req.params.id, req.body))),
  );
  app.delete('/macros/:id', { schema: { tags, summary: 'Delete a macro (supervisor, admin)', params: IdParams, response: { 204: z.null(), ...errors(401, 403, 404) } } }, async (req, reply) => {
    await run(services, req, (ctx) => macroDeleter(ctx, req.params.id));
    return reply.code(204).send(null);
  });
  app.post(
    '/conversations/:id/macros/:macroId',
    { schema: { tags, summary: 'Apply a macro: its reply and its field changes, in one step', params: z.object({ id: Id, macroId: Id }), response: { 200: ConversationOut, ...errors(401, 403, 404, 409) } } },
    async (req) => presentConversation(await run(services, req, (ctx) => macroApplier(ctx, req.params.id, req.params.macroId))),
  );

  // Saved views.
  app.get('/views', { schema: { tags, summary: "The agent's saved views and the shared ones", response: { 200: Items(SavedViewOut), ...errors(401, 403) } } }, async (req) => ({
    items: (await run(services, req, (ctx) => savedViewLister(ctx))).map(presentView),
  }));
  app.post('/views', { schema: { tags, summary: 'Save filters as a view (shared: supervisors and admins)', body: SavedViewCreate, response: { 201: SavedViewOut, ...errors(400, 401, 403) } } }, async (req, reply) =>
    reply.code(201).send(presentView(await run(services, req, (ctx) => savedViewCreator(ctx, req.body)))),
  );
  app.delete('/views/:id', { schema: { tags, summary: 'Remove a saved view', params: IdParams, response: { 204: z.null(), ...errors(401, 403, 404) } } }, async (req, reply) => {
    await run(services, req, (ctx) => savedViewDeleter(ctx, req.params.id));
    return reply.code(204).send(null);
  });

  // Bulk, merge, split.
  app.post(
    '/conversations/bulk',
    {
      schema: {
        tags,
        summary: 'Apply one change to many conversations; each succeeds or fails on its own',
        body: BulkUpdate,
        response: { 200: z.object({ updated: z.array(Id), failed: z.array(z.object({ id: Id, error: z.object({ code: z.string(), message: z.string() }) })) }), ...errors(400, 401, 403) },
      },
    },
    async (req) => {
      const actor = actorOf(req);
      requireStaff(actor);
      const updated: string[] = [];
      const failed: { id: string; error: { code: string; message: string } }[] = [];
      for (const id of new Set(req.body.ids)) {
        try {
          await transact(services, actor, (ctx) => conversationUpdater(ctx, id, req.body.patch), req.ip);
          updated.push(id);
        } catch (err) {
          if (!(err instanceof AppError)) throw err;
          failed.push({ id, error: { code: err.code, message: err.message } });
        }
      }
      return { updated, failed };
    },
  );
  app.post(
    '/conversations/:id/merge',
    { schema: { tags, summary: 'Merge this conversation into another of the same customer; returns the target', params: IdParams, body: z.object({ targetId: Id }), response: { 200: ConversationOut, ...errors(400, 401, 403, 404, 409) } } },
    async (req) => presentConversation(await run(services, req, (ctx) => conversationMerger(ctx, req.params.id, req.body.targetId))),
  );
  app.post(
    '/conversations/:id/split',
    { schema: { tags, summary: 'Start a new ticket from one customer message; returns the new conversation', params: IdParams, body: z.object({ messageId: Id }), response: { 201: ConversationOut, ...errors(400, 401, 403, 404, 409) } } },
    async (req, reply) => reply.code(201).send(presentConversation(await run(services, req, (ctx) => conversationSplitter(ctx, req.params.id, req.body.messageId)))),
  );
}
