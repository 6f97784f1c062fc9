import { z } from 'zod';
import { SlaPolicyCreate, SlaPolicyOut, SlaPolicyUpdate } from '../../../../common/schemas.ts';
import { slaPolicyCreator, slaPolicyDeleter, slaPolicyLister, slaPolicyUpdater } from '../../../domain/sla/slaPolicies.ts';
import type { slaPolicies } from '../../../db/schema.ts';
import { type Api, type RouteOptions, IdParams, Items, errors, run } from '../run.ts';

const tags = ['sla'];
const present = (p: typeof slaPolicies.$inferSelect) => ({
  id: p.id,
  name: p.name,
  priority: p.priority,
  categoryId: p.categoryId,
  firstResponseMinutes: p.firstResponseMinutes,
  nextResponseMinutes: p.nextResponseMinutes,
  resolutionMinutes: p.resolutionMinutes,
  businessHours: p.businessHours,
  position: p.position,
  enabled: p.enabled,
});

export async function slaRoutes(app: Api, { services }: RouteOptions) {
  app.get('/sla-policies', { schema: { tags, summary: 'SLA policies, in the order they are matched (staff)', response: { 200: Items(SlaPolicyOut), ...errors(401, 403) } } }, async (req) => ({
    items: (await run(services, req, (ctx) => slaPolicyLister(ctx))).map(present),
  }));
  app.post('/sla-policies', { schema: { tags, summary: 'Create an SLA policy (admin)', body: SlaPolicyCreate, response: { 201: SlaPolicyOut, ...errors(400, 401, 403, 404) } } }, async (req, reply) =>
    reply.code(201).send(present(await run(services, req, (ctx) => slaPolicyCreator(ctx, req.body)))),
  );
  app.patch('/sla-policies/:id', { schema: { tags, summary: 'Change an SLA policy (admin)', params: IdParams, body: SlaPolicyUpdate, response: { 200: SlaPolicyOut, ...errors(400, 401, 403, 404) } } }, async (req) =>
    present(await run(services, req, (ctx) => slaPolicyUpdater(ctx, req.params.id, req.body))),
  );
  app.delete('/sla-policies/:id', { schema: { tags, summary: 'Delete an SLA policy (admin)', params: IdParams, response: { 204: z.null(), ...errors(401, 403, 404) } } }, async (req, reply) => {
    await run(services, req, (ctx) => slaPolicyDeleter(ctx, req.params.id));
    return reply.code(204).send(null);
  });
}
