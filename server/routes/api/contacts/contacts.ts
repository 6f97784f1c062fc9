import { z } from 'zod';
import { ContactCreate, ContactOut, ContactUpdate } from '../../../../common/schemas.ts';
import { contactCreator, contactGetter, contactLister, contactUpdater } from '../../../domain/contacts/contacts.ts';
import { presentContact } from '../present.ts';
import { type Api, type RouteOptions, IdParams, Items, errors, run } from '../run.ts';

const tags = ['contacts'];
const ListQuery = z.object({ q: z.string().trim().max(200).optional(), limit: z.coerce.number().int().min(1).max(200).default(50) });

export async function contactRoutes(app: Api, { services }: RouteOptions) {
  app.get('/contacts', { schema: { tags, summary: 'Search contacts by email, name, UID or phone (staff)', querystring: ListQuery, response: { 200: Items(ContactOut), ...errors(400, 401, 403) } } }, async (req) => ({
    items: (await run(services, req, (ctx) => contactLister(ctx, req.query))).map(presentContact),
  }));
  app.get('/contacts/:id', { schema: { tags, summary: 'One contact with identities on every channel', params: IdParams, response: { 200: ContactOut, ...errors(401, 404) } } }, async (req) =>
    presentContact(await run(services, req, (ctx) => contactGetter(ctx, req.params.id))),
  );
  app.post('/contacts', { schema: { tags, summary: 'Add a contact (staff)', body: ContactCreate, response: { 201: ContactOut, ...errors(400, 401, 403, 409) } } }, async (req, reply) =>
    reply.code(201).send(presentContact(await run(services, req, (ctx) => contactCreator(ctx, req.body)))),
  );
  app.patch('/contacts/:id', { schema: { tags, summary: 'Change a contact (staff)', params: IdParams, body: ContactUpdate, response: { 200: ContactOut, ...errors(400, 401, 403, 404, 409) } } }, async (req) =>
    presentContact(await run(services, req, (ctx) => contactUpdater(ctx, req.params.id, req.body))),
  );
}
