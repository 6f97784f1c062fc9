import { desc, lt } from 'drizzle-orm';
import { z } from 'zod';
import { EventOut, Page, SettingsOut, SettingsUpdate } from '../../../../common/schemas.ts';
import { outboxEmails } from '../../../db/schema.ts';
import { requireAdmin, requireSupervisor } from '../../../domain/auth/policy.ts';
import { auditReader } from '../../../domain/system/auditReader.ts';
import { settingsReader, settingsUpdater } from '../../../domain/system/settings.ts';
import type { Ctx } from '../../../domain/context.ts';
import { presentEvent } from '../present.ts';
import { type Api, type RouteOptions, errors, run } from '../run.ts';

const OutboxOut = z.object({
  id: z.uuid(),
  to: z.string(),
  subject: z.string(),
  text: z.string(),
  status: z.string(),
  error: z.string().nullable(),
  conversationId: z.string().nullable(),
  createdAt: z.string(),
  sentAt: z.string().nullable(),
});

/** Admins read the outbox: with no SMTP configured, this is where mail is. */
async function outboxReader(ctx: Ctx, query: { limit: number; before?: string }) {
  requireAdmin(ctx.actor);
  const rows = await ctx.db
    .select()
    .from(outboxEmails)
    .where(query.before ? lt(outboxEmails.createdAt, new Date(query.before)) : undefined)
    .orderBy(desc(outboxEmails.createdAt))
    .limit(query.limit + 1);
  const page = rows.slice(0, query.limit);
  return { items: page, nextCursor: rows.length > query.limit ? page.at(-1)!.createdAt.toISOString() : null };
}

export async function systemRoutes(app: Api, { services }: RouteOptions) {
  app.get('/settings', { schema: { tags: ['settings'], summary: 'Desk settings (admins; supervisors read only)', response: { 200: SettingsOut, ...errors(401, 403) } } }, async (req) =>
    run(services, req, async (ctx) => {
      // Supervisors see the admin area read-only; nothing in the settings is secret.
      requireSupervisor(ctx.actor);
      return settingsReader(ctx.db);
    }),
  );
  app.patch('/settings', { schema: { tags: ['settings'], summary: 'Change desk settings (admin)', body: SettingsUpdate, response: { 200: SettingsOut, ...errors(400, 401, 403, 404) } } }, async (req) =>
    run(services, req, (ctx) => settingsUpdater(ctx, req.body)),
  );
  app.get(
    '/events',
    {
      schema: {
        tags: ['audit'],
        summary: 'Audit log: every change, newest first (admin)',
        querystring: z.object({ limit: z.coerce.number().int().min(1).max(500).default(100), cursor: z.coerce.number().int().positive().optional() }),
        response: { 200: Page(EventOut), ...errors(400, 401, 403) },
      },
    },
    async (req) => {
      const page = await run(services, req, (ctx) => auditReader(ctx, { limit: req.query.limit, before: req.query.cursor }));
      return { items: page.items.map(presentEvent), nextCursor: page.nextCursor };
    },
  );
  app.get(
    '/outbox',
    {
      schema: {
        tags: ['audit'],
        summary: 'Outgoing email, newest first (admin)',
        querystring: z.object({ limit: z.coerce.number().int().min(1).max(200).default(50), cursor: z.iso.datetime().optional() }),
        response: { 200: Page(OutboxOut), ...errors(400, 401, 403) },
      },
    },
    async (req) => {
      const page = await run(services, req, (ctx) => outboxReader(ctx, { limit: req.query.limit, before: req.query.cursor }));
      return {
        items: page.items.map((m) => ({
          id: m.id,
          to: m.to,
          subject: m.subject,
          text: m.text,
          status: m.status,
          error: m.error,
          conversationId: m.conversationId,
          createdAt: m.createdAt.toISOString(),
          sentAt: m.sentAt?.toISOString() ?? null,
        })),
        nextCursor: page.nextCursor,
      };
    },
  );
}
