import { requireAdmin } from '../auth/policy.ts';
import type { Ctx } from '../context.ts';

/** What an admin needs to point mail at this desk: the host, the SMTP listener's port, whether replies go out. */
export async function emailSetupReader(ctx: Ctx) {
  requireAdmin(ctx.actor);
  const env = ctx.services.env;
  return { host: new URL(env.publicUrl).hostname, smtpPort: ctx.services.smtpPort ?? env.SMTP_PORT, outboundConfigured: Boolean(env.SMTP_OUTBOUND_URL) };
}
