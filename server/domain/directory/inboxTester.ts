import { adapterOf } from '../../channels/registry.ts';
import { AppError } from '../../errors.ts';
import { requireAdmin } from '../auth/policy.ts';
import { type Ctx, recordEvent, transact } from '../context.ts';
import { inboxGetter, openInboxSettings } from './inboxes.ts';

/** What an admin learns from "Test connection". */
export interface InboxTestResult {
  /** Every part of the check passed. */
  ok: boolean;
  /** What was tried and how it went, one line per part; never a credential. */
  message: string;
}

/**
 * The admin's "Test connection": the inbox's adapter logs in to its provider with the stored
 * credentials. Call it with a context outside a transaction (the check may take seconds and must
 * not hold a database connection); the attempt and its outcome go into the audit log afterwards.
 */
export async function inboxTester(ctx: Ctx, id: string): Promise<InboxTestResult> {
  requireAdmin(ctx.actor);
  const inbox = await inboxGetter(ctx, id);
  const check = adapterOf(inbox.kind)?.check;
  if (!check) throw new AppError('bad_request', `A ${inbox.kind} inbox has no connection to test`);
  const env = ctx.services.env;
  const result = await check(openInboxSettings(ctx.services, inbox), { publicUrl: env.publicUrl, smtpOutboundUrl: env.SMTP_OUTBOUND_URL });
  await transact(ctx.services, ctx.actor, (tx) => recordEvent(tx, { type: 'inboxes.test', subjectType: 'inbox', subjectId: id, data: { ok: result.ok } }), ctx.ip);
  return { ok: result.ok, message: result.message };
}
