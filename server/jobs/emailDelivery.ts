import { eq } from 'drizzle-orm';
import nodemailer from 'nodemailer';
import type PgBoss from 'pg-boss';
import { outboxEmails } from '../db/schema.ts';
import type { Services } from '../domain/context.ts';
import { QUEUES } from './boss.ts';

/** Sends queued outbox mail over SMTP_OUTBOUND_URL; pg-boss retries with backoff on failure. */
export async function startEmailDelivery(services: Services, boss: PgBoss): Promise<void> {
  const url = services.env.SMTP_OUTBOUND_URL;
  if (!url) return;
  const transport = nodemailer.createTransport(url);
  const from = new URL(services.env.publicUrl).hostname;
  await boss.work<{ emailId: string }>(QUEUES.emailDelivery, async (jobs) => {
    for (const job of jobs) {
      const { db } = services.database;
      const [mail] = await db.select().from(outboxEmails).where(eq(outboxEmails.id, job.data.emailId));
      if (!mail || mail.status === 'sent') continue;
      try {
        await transport.sendMail({
          from: `Switchboard Support <support@${from}>`,
          to: mail.to,
          subject: mail.subject,
          text: mail.text,
          headers: mail.headers,
          messageId: `<${mail.id}@${from}>`,
        });
        await db.update(outboxEmails).set({ status: 'sent', sentAt: new Date(), error: null }).where(eq(outboxEmails.id, mail.id));
      } catch (err) {
        await db.update(outboxEmails).set({ status: 'failed', error: String((err as Error).message).slice(0, 500) }).where(eq(outboxEmails.id, mail.id));
        throw err;
      }
    }
  });
}
