import { randomUUID } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { ImapFlow } from 'imapflow';
import { inboxes } from '../db/schema.ts';
import { LeaseLost, mailboxErrorRecorder, mailboxLeaseReleaser, mailboxLeaseTaker, mailboxValidityChanger, type MailboxCursor } from '../domain/channels/mailboxLease.ts';
import { mailboxMessageStorer } from '../domain/channels/mailboxMessageStorer.ts';
import { type Services, SYSTEM, transact } from '../domain/context.ts';
import { openInboxSettings } from '../domain/directory/inboxes.ts';

/** An email inbox's IMAP account (settings.imap, password opened). */
interface ImapConfig {
  host: string;
  port: number;
  secure: boolean;
  user: string;
  password: string;
  /** How often a mailbox without IDLE is polled. */
  pollSeconds: number;
  /** The mailbox read; INBOX unless set. */
  mailbox: string;
}

export interface ImapPollerOptions {
  /** This process's lease owner id (a random one by default). */
  owner?: string;
  /** How long a lease lasts unless renewed (renewed every third of it). */
  leaseMs?: number;
  /** First retry delay after an error; doubles up to maxBackoffMs. */
  backoffMs?: number;
  maxBackoffMs?: number;
  /** How idle the connection is before IDLE starts (imapflow's autoIdleDelay). */
  idleDelayMs?: number;
}

/** Even with IDLE the mailbox is searched this often, in case a notification was missed. */
const SAFETY_POLL_MS = 5 * 60_000;
/** Inboxes are read again this often, in case an inbox event was missed (bus down). */
const RECONCILE_MS = 60_000;

function imapConfigOf(settings: Record<string, unknown>): ImapConfig | null {
  const imap = settings.imap as Record<string, unknown> | undefined;
  if (!imap || typeof imap.host !== 'string' || !imap.host || typeof imap.user !== 'string' || typeof imap.password !== 'string') return null;
  const secure = imap.secure === undefined ? Number(imap.port) === 993 : Boolean(imap.secure);
  const pollSeconds = Number(imap.pollSeconds);
  return {
    host: imap.host,
    port: Number(imap.port) || (secure ? 993 : 143),
    secure,
    user: imap.user,
    password: imap.password,
    pollSeconds: Number.isFinite(pollSeconds) && pollSeconds >= 5 ? pollSeconds : 60,
    mailbox: typeof imap.mailbox === 'string' && imap.mailbox ? imap.mailbox : 'INBOX',
  };
}

/** What an admin may read about a failure: the server's words, never the password. */
function describeError(err: unknown, password: string): string {
  const e = err as { authenticationFailed?: boolean; responseText?: string; code?: string; message?: string };
  const text = e.authenticationFailed
    ? `Login failed${e.responseText ? `: ${e.responseText}` : ''}`
    : `${e.code && !String(e.message).includes(e.code) ? `${e.code}: ` : ''}${e.responseText || e.message || String(err)}`;
  return (password ? text.split(password).join('***') : text).slice(0, 500);
}

/** One inbox's poller: holds the lease, keeps one IMAP connection, stores new mail, retries with backoff. */
class MailboxPoller {
  private stopped = false;
  private kicked = false;
  private wakeUp: (() => void) | null = null;
  private client: ImapFlow | null = null;
  private failures = 0;
  readonly done: Promise<void>;

  constructor(
    private readonly services: Services,
    private readonly inboxId: string,
    private readonly config: ImapConfig,
    private readonly owner: string,
    private readonly options: Required<Omit<ImapPollerOptions, 'owner'>>,
    private readonly maxBytes: number,
    private readonly onError: (err: unknown) => void,
  ) {
    this.done = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.kick();
    this.client?.close();
    await this.done;
  }

  private kick() {
    this.kicked = true;
    this.wakeUp?.();
  }

  /** Sleeps ms, or less when kicked (new mail, connection closed, stop). */
  private wait(ms: number): Promise<void> {
    if (this.kicked || this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = () => {
        this.wakeUp = null;
        done();
      };
    });
  }

  private async run(): Promise<void> {
    const { leaseMs, backoffMs, maxBackoffMs } = this.options;
    while (!this.stopped) {
      try {
        const cursor = await mailboxLeaseTaker(this.services, this.inboxId, this.owner, leaseMs);
        if (!cursor) {
          // Another process polls this inbox; try again around the time its lease would lapse.
          await this.wait(leaseMs / 2);
          this.kicked = false;
          continue;
        }
        await this.session(cursor);
        this.failures = 0;
      } catch (err) {
        if (this.stopped) break;
        if (err instanceof LeaseLost) continue;
        this.failures++;
        await mailboxErrorRecorder(this.services, this.inboxId, describeError(err, this.config.password)).catch(this.onError);
        await this.wait(Math.min(maxBackoffMs, backoffMs * 2 ** (this.failures - 1)));
        this.kicked = false;
      }
    }
    await mailboxLeaseReleaser(this.services, this.inboxId, this.owner).catch(() => {});
  }

  /** One connection: catch up, then wait for IDLE news or the poll interval, renewing the lease. */
  private async session(start: MailboxCursor): Promise<void> {
    const { config } = this;
    const client = new ImapFlow({
      host: config.host,
      port: config.port,
      secure: config.secure,
      auth: { user: config.user, pass: config.password },
      logger: false,
      autoIdleDelay: this.options.idleDelayMs,
      // Servers end an IDLE after 30 minutes (RFC 2177): start it again well before.
      maxIdleTime: 5 * 60_000,
      connectionTimeout: 30_000,
      greetingTimeout: 15_000,
    });
    this.client = client;
    // Failures surface as rejected commands or 'close'; an unheard 'error' would end the process.
    client.on('error', () => {});
    client.on('exists', () => this.kick());
    client.on('close', () => this.kick());
    let cursor = { ...start };
    try {
      await client.connect();
      if (this.stopped) return;
      await client.mailboxOpen(config.mailbox);
      await mailboxErrorRecorder(this.services, this.inboxId, null);
      const idle = client.capabilities.has('IDLE');
      let nextSearch = 0;
      while (!this.stopped) {
        if (!client.usable) throw new Error('The IMAP server closed the connection');
        if (!(await mailboxLeaseTaker(this.services, this.inboxId, this.owner, this.options.leaseMs))) return;
        if (this.kicked || Date.now() >= nextSearch) {
          this.kicked = false;
          cursor = await this.catchUp(client, cursor);
          nextSearch = Date.now() + (idle ? SAFETY_POLL_MS : config.pollSeconds * 1000);
        }
        await this.wait(Math.max(0, Math.min(this.options.leaseMs / 3, nextSearch - Date.now())));
      }
    } finally {
      this.client = null;
      if (client.usable) await client.logout().catch(() => {});
      client.close();
    }
  }

  /** Stores every message after the cursor, in UID order, each with its cursor move. */
  private async catchUp(client: ImapFlow, cursor: MailboxCursor): Promise<MailboxCursor> {
    const mailbox = client.mailbox;
    if (!mailbox) throw new Error('No mailbox is open');
    const uidValidity = Number(mailbox.uidValidity);
    if (cursor.uidValidity !== uidValidity) {
      await mailboxValidityChanger(this.services, this.inboxId, this.owner, uidValidity);
      cursor = { uidValidity, lastUid: 0 };
    }
    const found = (await client.search({ uid: `${cursor.lastUid + 1}:*` }, { uid: true })) || [];
    // "n:*" names the last message even when its UID is below n: only newer UIDs count.
    const uids = found.filter((uid) => uid > cursor.lastUid).sort((a, b) => a - b);
    if (!uids.length) return cursor;
    const sizes = new Map<number, number>();
    for await (const m of client.fetch(uids.join(','), { uid: true, size: true }, { uid: true })) sizes.set(m.uid, m.size ?? 0);
    for (const uid of uids) {
      if (this.stopped) break;
      const tooBig = (sizes.get(uid) ?? 0) > this.maxBytes;
      let raw: Buffer | null = null;
      if (!tooBig) {
        const message = await client.fetchOne(String(uid), { uid: true, source: true }, { uid: true });
        // Expunged meanwhile: nothing to store, and the cursor need not stop before it.
        if (!message || !message.source) continue;
        raw = message.source;
      }
      await transact(this.services, SYSTEM, (ctx) =>
        mailboxMessageStorer(ctx, {
          inboxId: this.inboxId,
          owner: this.owner,
          leaseMs: this.options.leaseMs,
          uidValidity,
          uid,
          raw,
          envelope: { mailbox: this.config.mailbox, uidValidity, uid, host: this.config.host },
        }),
      );
      if (tooBig) await mailboxErrorRecorder(this.services, this.inboxId, `Message UID ${uid} (${sizes.get(uid)} bytes) is over MAX_EMAIL_BYTES and was skipped`);
      cursor = { uidValidity, lastUid: uid };
    }
    return cursor;
  }
}

export interface ImapPollers {
  stop(): Promise<void>;
}

/**
 * Polls every enabled email inbox that has an IMAP account (settings.imap): one poller per inbox
 * across all processes (a lease), IDLE where the server offers it and polling otherwise. Follows
 * inbox creation, changes and disabling through `inboxes.*` events. Errors (a wrong password, a
 * server down) are recorded on the inbox's cursor and retried with backoff; they never end the process.
 */
export function startImapPollers(services: Services, onError: (err: unknown) => void, options: ImapPollerOptions = {}): ImapPollers {
  const owner = options.owner ?? `${process.pid}:${randomUUID()}`;
  const settings = {
    leaseMs: options.leaseMs ?? 60_000,
    backoffMs: options.backoffMs ?? 5_000,
    maxBackoffMs: options.maxBackoffMs ?? 5 * 60_000,
    idleDelayMs: options.idleDelayMs ?? 1_000,
  };
  const running = new Map<string, { key: string; poller: MailboxPoller }>();
  let stopped = false;
  let chain: Promise<void> = Promise.resolve();

  async function reconcile() {
    if (stopped) return;
    const rows = await services.database.db
      .select({ id: inboxes.id, kind: inboxes.kind, settings: inboxes.settings })
      .from(inboxes)
      .where(and(eq(inboxes.kind, 'email'), eq(inboxes.enabled, true)));
    const wanted = new Map<string, { key: string; config: ImapConfig }>();
    for (const row of rows) {
      try {
        const config = imapConfigOf(openInboxSettings(services, row));
        // The sealed settings change whenever the account does (a new password included).
        if (config) wanted.set(row.id, { key: JSON.stringify(row.settings.imap), config });
      } catch (err) {
        onError(err);
      }
    }
    for (const [id, entry] of running) {
      if (wanted.get(id)?.key === entry.key && !stopped) continue;
      running.delete(id);
      await entry.poller.stop();
    }
    if (stopped) return;
    for (const [id, { key, config }] of wanted) {
      if (running.has(id)) continue;
      running.set(id, { key, poller: new MailboxPoller(services, id, config, owner, settings, services.env.MAX_EMAIL_BYTES, onError) });
    }
  }
  const schedule = () => {
    chain = chain.then(reconcile).catch(onError);
  };
  const unsubscribe = services.bus.subscribe((event) => {
    if (event.type.startsWith('inboxes.')) schedule();
  });
  const unresync = services.bus.onResync(schedule);
  const timer = setInterval(schedule, RECONCILE_MS);
  timer.unref();
  schedule();

  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      unsubscribe();
      unresync();
      await chain;
      await Promise.all([...running.values()].map((r) => r.poller.stop()));
      running.clear();
    },
  };
}
