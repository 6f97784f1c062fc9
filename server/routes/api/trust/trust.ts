import { z } from 'zod';
import { OfficialChannelCreate, OfficialChannelOut, OfficialChannelUpdate, VerifyLookupQuery, VerifyLookupReport, VerifyOut, VerifyQuery } from '../../../../common/schemas.ts';
import { SYSTEM, read } from '../../../domain/context.ts';
import { channelVerifier, verifyLookupReporter } from '../../../domain/trust/channelVerifier.ts';
import { type OfficialChannelRow, officialChannelCreator, officialChannelLister, officialChannelRemover, officialChannelUpdater } from '../../../domain/trust/officialChannels.ts';
import { type Api, type RouteOptions, IdParams, Items, errors, run } from '../run.ts';

const tags = ['trust'];

const present = (r: OfficialChannelRow) => ({ id: r.id, kind: r.kind, value: r.value, label: r.label, note: r.note, active: r.active, createdAt: r.createdAt.toISOString() });

/** The registry of official channels (admins keep it) and the public check customers run against it. */
export async function trustRoutes(app: Api, { services }: RouteOptions) {
  app.get(
    '/verify',
    {
      // Anyone may ask; a bound per address keeps it from being used to enumerate at speed.
      config: { public: true, rateLimit: { max: 60, timeWindow: '1 minute' } },
      schema: {
        tags,
        summary: 'Is this really the exchange? Checks a link, domain, email address, account (@handle or profile link) or phone number against the official channels',
        querystring: VerifyQuery,
        response: { 200: VerifyOut, ...errors(400, 429) },
      },
    },
    async (req) => read(services, SYSTEM, (ctx) => channelVerifier(ctx, req.query.q), req.ip),
  );

  app.get(
    '/official-channels/lookups',
    { schema: { tags, summary: 'What customers checked on /verify lately, and what came up that is not ours (staff)', querystring: VerifyLookupQuery, response: { 200: VerifyLookupReport, ...errors(400, 401, 403) } } },
    async (req) => run(services, req, (ctx) => verifyLookupReporter(ctx, req.query.days)),
  );

  app.get('/official-channels', { schema: { tags, summary: 'The official channels (staff)', response: { 200: Items(OfficialChannelOut), ...errors(401, 403) } } }, async (req) => ({
    items: (await run(services, req, (ctx) => officialChannelLister(ctx))).map(present),
  }));
  app.post(
    '/official-channels',
    { schema: { tags, summary: 'List an official channel (admin)', description: 'The value is written down canonically for its kind; 400 says what the kind expects.', body: OfficialChannelCreate, response: { 201: OfficialChannelOut, ...errors(400, 401, 403, 409) } } },
    async (req, reply) => reply.code(201).send(present(await run(services, req, (ctx) => officialChannelCreator(ctx, req.body)))),
  );
  app.patch(
    '/official-channels/:id',
    { schema: { tags, summary: 'Change an official channel, or retire it with active: false (admin)', params: IdParams, body: OfficialChannelUpdate, response: { 200: OfficialChannelOut, ...errors(400, 401, 403, 404, 409) } } },
    async (req) => present(await run(services, req, (ctx) => officialChannelUpdater(ctx, req.params.id, req.body))),
  );
  app.delete(
    '/official-channels/:id',
    { schema: { tags, summary: 'Remove an official channel (admin); retiring it keeps /verify saying it is no longer ours', params: IdParams, response: { 204: z.null(), ...errors(401, 403, 404) } } },
    async (req, reply) => {
      await run(services, req, (ctx) => officialChannelRemover(ctx, req.params.id));
      return reply.code(204).send(null);
    },
  );
}
