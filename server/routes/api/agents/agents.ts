import { AgentCreate, AgentOut, AgentUpdate } from '../../../../common/schemas.ts';
import { agentCreator, agentGetter, agentLister, agentUpdater } from '../../../domain/directory/agents.ts';
import { presentAgent } from '../present.ts';
import { type Api, type RouteOptions, IdParams, Items, errors, run } from '../run.ts';

const tags = ['agents'];

export async function agentRoutes(app: Api, { services }: RouteOptions) {
  app.get('/agents', { schema: { tags, summary: 'All agents (staff only)', response: { 200: Items(AgentOut), ...errors(401, 403) } } }, async (req) => ({
    items: (await run(services, req, (ctx) => agentLister(ctx))).map(presentAgent),
  }));
  app.get('/agents/:id', { schema: { tags, summary: 'One agent', params: IdParams, response: { 200: AgentOut, ...errors(401, 403, 404) } } }, async (req) =>
    presentAgent(await run(services, req, (ctx) => agentGetter(ctx, req.params.id))),
  );
  app.post('/agents', { schema: { tags, summary: 'Add an agent (admin)', body: AgentCreate, response: { 201: AgentOut, ...errors(400, 401, 403, 409) } } }, async (req, reply) =>
    reply.code(201).send(presentAgent(await run(services, req, (ctx) => agentCreator(ctx, req.body)))),
  );
  app.patch(
    '/agents/:id',
    { schema: { tags, summary: 'Change an agent (admin), or your own name, password, languages, presence and locale', params: IdParams, body: AgentUpdate, response: { 200: AgentOut, ...errors(400, 401, 403, 404, 409) } } },
    async (req) => presentAgent(await run(services, req, (ctx) => agentUpdater(ctx, req.params.id, req.body))),
  );
}
