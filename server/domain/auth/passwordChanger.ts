import { eq } from 'drizzle-orm';
import { agents, contacts } from '../../db/schema.ts';
import { AppError } from '../../errors.ts';
import { type Actor, type Services, recordEvent, transact } from '../context.ts';
import { loginAttemptCounter, loginAttemptSucceeded } from './loginThrottle.ts';
import { hashPassword, verifyPassword } from './secrets.ts';
import { sessionsRevoker } from './sessions.ts';

export interface PasswordChange {
  /** Needed unless the customer has no password yet (signed in by email code). */
  currentPassword?: string;
  newPassword: string;
  /** The caller's own session (sha256 id): it stays signed in; every other session ends. */
  sessionId: string | null;
  ip?: string;
  now: Date;
}

/**
 * An agent or customer changes their own password. A stolen session must not be enough: the
 * current password is asked for (a customer who never had one — signed in by emailed code — may
 * set a first one without), and guesses at it count against the same limits as logins. Every
 * other session of the account ends and its sockets are cut.
 */
export async function passwordChanger(services: Services, actor: Actor, input: PasswordChange): Promise<void> {
  if (actor.type !== 'agent' && actor.type !== 'contact') throw new AppError('forbidden', 'Only a signed-in agent or customer has a password');
  const db = services.database.db;
  const [row] =
    actor.type === 'agent'
      ? await db.select({ email: agents.email, passwordHash: agents.passwordHash }).from(agents).where(eq(agents.id, actor.id)).limit(1)
      : await db.select({ email: contacts.email, passwordHash: contacts.passwordHash }).from(contacts).where(eq(contacts.id, actor.id)).limit(1);
  if (!row) throw new AppError('unauthenticated', 'Sign in first');

  if (row.passwordHash || actor.type === 'agent') {
    if (!input.currentPassword) throw new AppError('validation_failed', 'Enter your current password');
    // Counted outside the change's transaction (a failure must still count), before the check.
    const attempt = row.email ? await loginAttemptCounter(db, row.email.toLowerCase(), input.ip, input.now) : null;
    if (!(await verifyPassword(row.passwordHash, input.currentPassword))) throw new AppError('forbidden', 'Your current password is not right');
    if (attempt) await loginAttemptSucceeded(db, attempt, input.now);
  }
  const passwordHash = await hashPassword(input.newPassword);

  await transact(
    services,
    actor,
    async (ctx) => {
      if (actor.type === 'agent') {
        await ctx.db.update(agents).set({ passwordHash, updatedAt: new Date() }).where(eq(agents.id, actor.id));
        await recordEvent(ctx, { type: 'agents.update', subjectType: 'agent', subjectId: actor.id, data: { before: {}, after: {}, passwordChanged: true } });
      } else {
        await ctx.db.update(contacts).set({ passwordHash, updatedAt: new Date() }).where(eq(contacts.id, actor.id));
        await recordEvent(ctx, { type: 'contacts.update', subjectType: 'contact', subjectId: actor.id, data: { changed: ['password'], first: !row.passwordHash } });
      }
      await sessionsRevoker(ctx, { type: actor.type, id: actor.id }, { exceptSessionId: input.sessionId });
    },
    input.ip,
  );
}
