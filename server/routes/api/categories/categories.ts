import { CategoryCreate, CategoryOut, CategoryUpdate, SkillCreate, SkillOut } from '../../../../common/schemas.ts';
import { SYSTEM } from '../../../domain/context.ts';
import { categoryCreator, categoryLister, categoryUpdater, skillCreator, skillLister } from '../../../domain/directory/categories.ts';
import { presentCategory, presentSkill } from '../present.ts';
import { type Api, type RouteOptions, IdParams, Items, errors, run, runPublic } from '../run.ts';

export async function categoryRoutes(app: Api, { services }: RouteOptions) {
  app.get('/categories', { config: { public: true }, schema: { tags: ['categories'], summary: 'Categories (public: the ticket and pre-chat forms list them)', response: { 200: Items(CategoryOut) } } }, async (req) => ({
    // Public read of public data: runs as the system, which can read but the function changes nothing.
    items: (await runPublic(services, req, req.actor ?? SYSTEM, (ctx) => categoryLister(ctx))).map(presentCategory),
  }));
  app.post('/categories', { schema: { tags: ['categories'], summary: 'Create a category (admin)', body: CategoryCreate, response: { 201: CategoryOut, ...errors(400, 401, 403, 409) } } }, async (req, reply) =>
    reply.code(201).send(presentCategory(await run(services, req, (ctx) => categoryCreator(ctx, req.body)))),
  );
  app.patch(
    '/categories/:id',
    { schema: { tags: ['categories'], summary: 'Change a category (admin)', params: IdParams, body: CategoryUpdate, response: { 200: CategoryOut, ...errors(400, 401, 403, 404, 409) } } },
    async (req) => presentCategory(await run(services, req, (ctx) => categoryUpdater(ctx, req.params.id, req.body))),
  );
  app.get('/skills', { schema: { tags: ['skills'], summary: 'Skills used by routing (staff only)', response: { 200: Items(SkillOut), ...errors(401, 403) } } }, async (req) => ({
    items: (await run(services, req, (ctx) => skillLister(ctx))).map(presentSkill),
  }));
  app.post('/skills', { schema: { tags: ['skills'], summary: 'Create a skill (admin)', body: SkillCreate, response: { 201: SkillOut, ...errors(400, 401, 403, 409) } } }, async (req, reply) =>
    reply.code(201).send(presentSkill(await run(services, req, (ctx) => skillCreator(ctx, req.body)))),
  );
}
