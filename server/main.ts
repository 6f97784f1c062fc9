import pino from 'pino';
import { type Database, migrateDatabase, openDatabase } from './db/client.ts';
import { DEMO_LOGINS, seedDemo } from './db/seed.ts';
import { buildApp } from './app.ts';
import type { Services } from './domain/context.ts';
import { flagRead } from './domain/system/settings.ts';
import type { Env } from './env.ts';
import { loggerOptions } from './logging.ts';
import { startBoss } from './jobs/boss.ts';
import { startEmailDelivery } from './jobs/emailDelivery.ts';
import { startEventProcessor } from './jobs/eventProcessor.ts';
import { startDeliveryWorker } from './jobs/deliveryWorker.ts';
import { startInboundProcessor } from './jobs/inboundProcessor.ts';
import { startTimers } from './jobs/timers.ts';
import { createLocalBus, createRedisBus } from './realtime/bus.ts';
import { attachRealtime } from './realtime/socket.ts';
import { startChatRouting } from './domain/routing/chatRouter.ts';

export { REDACT } from './logging.ts';

/** The logger for background work; the same redaction as the request log (see logging.ts). */
export function createLogger(env: Env) {
  return pino(loggerOptions(env.LOG_LEVEL));
}

/**
 * Opens and migrates the database, and seeds the demo the first time any command touches it
 * (unless SEED_DEMO=0). Every CLI command goes through here.
 */
export async function prepareDatabase(env: Env): Promise<{ database: Database; seededNow: boolean }> {
  const database = await openDatabase({ databaseUrl: env.DATABASE_URL, dataDir: env.DATABASE_URL ? undefined : env.dataDir });
  try {
    await migrateDatabase(database);
    const services = offlineServices(env, database);
    const seededNow = env.SEED_DEMO === '1' ? await seedDemo(services) : false;
    return { database, seededNow };
  } catch (err) {
    await database.close();
    throw err;
  }
}

/** Services for CLI commands: no queue workers, no other processes to tell. */
export function offlineServices(env: Env, database: Database): Services {
  return { env, database, bus: createLocalBus(), boss: null, clock: () => new Date() };
}

export interface RunningServer {
  url: string;
  services: Services;
  close(): Promise<void>;
}

/** Starts everything one process runs: HTTP + API, job workers, event bus. */
export async function startServer(env: Env): Promise<RunningServer> {
  const log = createLogger(env);
  const { database } = await prepareDatabase(env);
  const onError = (err: unknown) => log.error({ err }, 'background error');
  const bus = env.REDIS_URL ? await createRedisBus(env.REDIS_URL, onError) : createLocalBus(onError);
  const boss = await startBoss(database, env.DATABASE_URL, onError);
  const services: Services = { env, database, bus, boss, clock: () => new Date() };
  await startEmailDelivery(services, boss);
  await startEventProcessor(services, boss);
  await startTimers(services, boss);
  await startDeliveryWorker(services, boss);
  await startInboundProcessor(services, boss);

  const app = await buildApp(services, { logger: loggerOptions(env.LOG_LEVEL) });
  const realtime = await attachRealtime(app.server, services);
  // Socket.IO's long-polling answers come from engine.io, not Fastify's hooks: they get nosniff too.
  realtime.io.engine.on('headers', (headers: Record<string, string>) => void (headers['X-Content-Type-Options'] = 'nosniff'));
  const stopRouting = startChatRouting(services, onError);
  // Mail in. Loaded here, not at the top: the mail libraries cost every CLI command ~0.5 s to import.
  const { startSmtpListener } = await import('./channels/email/smtpListener.ts');
  const { startImapPollers } = await import('./jobs/imapPoller.ts');
  // The SMTP listener answers 250 only after the delivery committed (a port in use stops start-up).
  const smtp = await startSmtpListener(services, { port: env.SMTP_PORT, host: env.HOST, onError });
  services.smtpPort = smtp.port;
  console.log(`Switchboard SMTP listener on port ${smtp.port}`);
  // IMAP mailboxes of email inboxes: one poller per inbox across processes (a lease in mailbox_cursors).
  const imap = startImapPollers(services, onError);
  await app.listen({ port: env.PORT, host: env.HOST });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : env.PORT;
  const url = `http://localhost:${port}`;

  if (await flagRead(database.db, 'demo.seeded')) {
    // Printed plainly (not as a log line) so a person starting the demo can read it.
    const lines = DEMO_LOGINS.map((l) => `    ${l.role.padEnd(11)} ${l.email.padEnd(32)} ${l.password}`);
    console.log(`\nSwitchboard demo desk: ${url}/agent\n  Demo logins (demo only — change or remove them before real use):\n${lines.join('\n')}\n`);
  }
  console.log(`Switchboard listening on ${url} (database: ${database.kind}${env.REDIS_URL ? ', redis' : ''})`);

  let closing: Promise<void> | null = null;
  return {
    url,
    services,
    close: () =>
      (closing ??= (async () => {
        stopRouting();
        await smtp.close();
        await imap.stop();
        await realtime.close();
        await app.close();
        await boss.stop({ graceful: true, wait: true, timeout: 5_000 }).catch(() => {});
        await bus.close();
        await database.close();
      })()),
  };
}
