import { TeamCreate, TeamOut, TeamUpdate } from '../../../../common/schemas.ts';
import { teamCreator, teamGetter, teamLister, teamUpdater } from '../../../domain/directory/teams.ts';
import { presentTeam } from '../present.ts';
import { type Api, type RouteOptions, IdParams, Items, errors, run } from '../run.ts';

const tags = ['teams'];

export async function teamRoutes(app: Api, { services }: RouteOptions) {
  app.get('/teams', { schema: { tags, summary: 'All teams (staff only)', response: { 200: Items(TeamOut), ...errors(401, 403) } } }, async (req) => ({
    items: (await run(services, req, (ctx) => teamLister(ctx))).map(presentTeam),
  }));
  app.get('/teams/:id', { schema: { tags, summary: 'One team', params: IdParams, response: { 200: TeamOut, ...errors(401, 403, 404) } } }, async (req) =>
    presentTeam(await run(services, req, (ctx) => teamGetter(ctx, req.params.id))),
  );
  app.post('/teams', { schema: { tags, summary: 'Create a team (admin)', body: TeamCreate, response: { 201: TeamOut, ...errors(400, 401, 403, 409) } } }, async (req, reply) =>
    reply.code(201).send(presentTeam(await run(services, req, (ctx) => teamCreator(ctx, req.body)))),
  );
  app.patch('/teams/:id', { schema: { tags, summary: 'Change a team and its members (admin)', params: IdParams, body: TeamUpdate, response: { 200: TeamOut, ...errors(400, 401, 403, 404, 409) } } }, async (req) =>
    presentTeam(await run(services, req, (ctx) => teamUpdater(ctx, req.params.id, req.body))),
  );
}
