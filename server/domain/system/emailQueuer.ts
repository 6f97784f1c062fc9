import { eq } from 'drizzle-orm';
import { contacts, outboxEmails } from '../../db/schema.ts';
import { QUEUES } from '../../jobs/boss.ts';
import { type Ctx, enqueue } from '../context.ts';

export interface OutgoingEmail {
  to: string;
  subject: string;
  text: string;
  headers?: Record<string, string>;
  conversationId?: string | null;
  /** Same key twice sends once (a retried job). */
  dedupeKey?: string;
}

/**
 * Every email we send goes through here: kept in the outbox, then delivered by a durable job
 * when SMTP_OUTBOUND_URL is set. Mail to a known customer carries their anti-phishing code,
 * so they can tell our mail from a scammer's.
 */
export async function emailQueuer(ctx: Ctx, mail: OutgoingEmail) {
  const to = mail.to.toLowerCase();
  const [contact] = await ctx.db.select({ code: contacts.antiPhishingCode }).from(contacts).where(eq(contacts.email, to)).limit(1);
  const text = contact?.code ? `Anti-phishing code / 防钓鱼码: ${contact.code}\n\n${mail.text}` : mail.text;
  const smtp = Boolean(ctx.services.env.SMTP_OUTBOUND_URL);
  const [row] = await ctx.db
    .insert(outboxEmails)
    .values({
      to,
      subject: mail.subject,
      text,
      headers: mail.headers ?? {},
      status: smtp ? 'queued' : 'stored',
      conversationId: mail.conversationId ?? null,
      dedupeKey: mail.dedupeKey ?? null,
    })
    .onConflictDoNothing()
    .returning();
  if (!row) return null;
  if (smtp) await enqueue(ctx, QUEUES.emailDelivery, { emailId: row.id });
  return row;
}
