import { and, eq, sql } from 'drizzle-orm';
import { mailboxCursors } from '../../db/schema.ts';
import type { Services } from '../context.ts';

/**
 * One IMAP poller per inbox across every process: the poller holding mailbox_cursors' lease
 * (lease_owner, until lease_until) is the only one that fetches and advances the cursor. The lease
 * is renewed while it runs and taken over by another process once it has expired (a crash).
 */

/** Where the holder of a lease starts: the UIDVALIDITY and last UID already stored. */
export interface MailboxCursor {
  uidValidity: number | null;
  lastUid: number;
}

/** The poller no longer holds the lease (it expired and another process took it): it stops, storing nothing more. */
export class LeaseLost extends Error {
  constructor() {
    super('the mailbox lease is held by another process');
    this.name = 'LeaseLost';
  }
}

const until = (leaseMs: number) => sql`now() + ${`${Math.round(leaseMs)} milliseconds`}::interval`;

/** Takes (or renews) the lease for owner when it is free, expired or already owner's; null while someone else holds it. */
export async function mailboxLeaseTaker(services: Services, inboxId: string, owner: string, leaseMs: number): Promise<MailboxCursor | null> {
  const [row] = await services.database.db
    .insert(mailboxCursors)
    .values({ inboxId, leaseOwner: owner, leaseUntil: until(leaseMs) })
    .onConflictDoUpdate({
      target: mailboxCursors.inboxId,
      set: { leaseOwner: owner, leaseUntil: until(leaseMs) },
      setWhere: sql`${mailboxCursors.leaseOwner} is null or ${mailboxCursors.leaseOwner} = ${owner} or ${mailboxCursors.leaseUntil} is null or ${mailboxCursors.leaseUntil} < now()`,
    })
    .returning({ uidValidity: mailboxCursors.uidValidity, lastUid: mailboxCursors.lastUid });
  return row ?? null;
}

/** Gives the lease up (a poller stopping), so another process need not wait for it to expire. */
export async function mailboxLeaseReleaser(services: Services, inboxId: string, owner: string): Promise<void> {
  await services.database.db
    .update(mailboxCursors)
    .set({ leaseOwner: null, leaseUntil: null })
    .where(and(eq(mailboxCursors.inboxId, inboxId), eq(mailboxCursors.leaseOwner, owner)));
}

/** Records the last connection or login error for the admin (null: the connection works again). Never holds a secret. */
export async function mailboxErrorRecorder(services: Services, inboxId: string, message: string | null): Promise<void> {
  await services.database.db
    .insert(mailboxCursors)
    .values({ inboxId, lastError: message })
    .onConflictDoUpdate({ target: mailboxCursors.inboxId, set: { lastError: message, ...(message === null ? { polledAt: sql`now()` } : {}) } });
}

/**
 * The mailbox's UIDVALIDITY changed (it was recreated or restored): its UIDs start again, so the
 * cursor does too. Already stored mail is not stored again: mailboxMessageStorer recognises it by
 * its bytes. Only the lease holder may do this.
 */
export async function mailboxValidityChanger(services: Services, inboxId: string, owner: string, uidValidity: number): Promise<void> {
  const changed = await services.database.db
    .update(mailboxCursors)
    .set({ uidValidity, lastUid: 0 })
    .where(and(eq(mailboxCursors.inboxId, inboxId), eq(mailboxCursors.leaseOwner, owner)))
    .returning({ inboxId: mailboxCursors.inboxId });
  if (!changed.length) throw new LeaseLost();
}
