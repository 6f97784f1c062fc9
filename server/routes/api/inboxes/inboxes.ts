import { z } from 'zod';
import { InboxCreate, InboxOut, InboxUpdate } from '../../../../common/schemas.ts';
import { read } from '../../../domain/context.ts';
import { inboxTester } from '../../../domain/directory/inboxTester.ts';
import { emailSetupReader } from '../../../domain/directory/emailSetupReader.ts';
import { actorOf } from '../../authenticate.ts';
import { isAdmin } from '../../../domain/auth/policy.ts';
import { inboxCreator, inboxGetter, inboxLister, inboxUpdater } from '../../../domain/directory/inboxes.ts';
import { presentInbox } from '../present.ts';
import { type Api, type RouteOptions, IdParams, Items, errors, run } from '../run.ts';

const tags = ['inboxes'];

const InboxTestOut = z
  .object({
    /** Every part of the check passed. */
    ok: z.boolean(),
    /** What was tried and how it went, one line per part (SMTP, IMAP); never a credential. */
    message: z.string(),
  })
  .meta({ id: 'InboxTest' });

const EmailSetupOut = z
  .object({
    /** Host name of this desk (from PUBLIC_URL): where MX records or forwarding point. */
    host: z.string(),
    /** Port of the built-in SMTP listener (SMTP_PORT). */
    smtpPort: z.number().int(),
    /** SMTP_OUTBOUND_URL is set: replies are sent; otherwise kept in the outbox unless an inbox has its own SMTP URL. */
    outboundConfigured: z.boolean(),
  })
  .meta({ id: 'EmailSetup' });

export async function inboxRoutes(app: Api, { services }: RouteOptions) {
  const admin = (req: { actor: Parameters<typeof isAdmin>[0] | null }) => Boolean(req.actor && isAdmin(req.actor));
  app.get('/inboxes', { schema: { tags, summary: 'Channel instances (settings for admins only)', response: { 200: Items(InboxOut), ...errors(401, 403) } } }, async (req) => ({
    items: (await run(services, req, (ctx) => inboxLister(ctx))).map((i) => presentInbox(i, admin(req))),
  }));
  app.get('/inboxes/email-setup', { schema: { tags, summary: 'Where mail for email inboxes is received (admin)', response: { 200: EmailSetupOut, ...errors(401, 403) } } }, async (req) =>
    run(services, req, (ctx) => emailSetupReader(ctx)),
  );
  app.get('/inboxes/:id', { schema: { tags, summary: 'One inbox', params: IdParams, response: { 200: InboxOut, ...errors(401, 403, 404) } } }, async (req) =>
    presentInbox(await run(services, req, (ctx) => inboxGetter(ctx, req.params.id)), admin(req)),
  );
  app.post('/inboxes', { schema: { tags, summary: 'Add a channel instance (admin)', body: InboxCreate, response: { 201: InboxOut, ...errors(400, 401, 403) } } }, async (req, reply) =>
    reply.code(201).send(presentInbox(await run(services, req, (ctx) => inboxCreator(ctx, req.body)), true)),
  );
  app.patch('/inboxes/:id', { schema: { tags, summary: 'Change a channel instance (admin)', params: IdParams, body: InboxUpdate, response: { 200: InboxOut, ...errors(400, 401, 403, 404) } } }, async (req) =>
    presentInbox(await run(services, req, (ctx) => inboxUpdater(ctx, req.params.id, req.body)), true),
  );
  // Not in a transaction: logging in to a mail server may take seconds (inboxTester audits afterwards).
  app.post('/inboxes/:id/test', { schema: { tags, summary: "Test a channel instance's connection with its stored credentials (admin)", params: IdParams, response: { 200: InboxTestOut, ...errors(400, 401, 403, 404) } } }, async (req) =>
    read(services, actorOf(req), (ctx) => inboxTester(ctx, req.params.id), req.ip),
  );
}
