import { and, desc, eq, gt, isNull, lt, sql } from 'drizzle-orm';
import { contacts, emailCodes } from '../../db/schema.ts';
import { AppError } from '../../errors.ts';
import { type Ctx, recordEvent } from '../context.ts';
import { emailQueuer } from '../system/emailQueuer.ts';
import { pendingConversationsClaimer } from '../contacts/addressConfirmer.ts';
import type { Services } from '../context.ts';
import { loginAlarmRaiser } from './loginAlarmRaiser.ts';
import { accountLockedError, loginAttemptCounter, loginAttemptSucceeded } from './loginThrottle.ts';
import { sha256, sixDigits, verifyPassword } from './secrets.ts';

const CODE_MINUTES = 10;
const CODE_ATTEMPTS = 5;

/**
 * A customer signs in with email and password. Counted before the password is checked (see
 * loginThrottle). Customers have no second factor: while failures from many places lock the
 * account, the password alone is refused and the emailed code is the way in.
 */
export async function customerPasswordAuthenticator(services: Services, input: { email: string; password: string; ip?: string; now: Date }) {
  const db = services.database.db;
  const email = input.email.trim().toLowerCase();
  const attempt = await loginAttemptCounter(db, email, input.ip, input.now);
  const [contact] = await db.select().from(contacts).where(eq(contacts.email, email)).limit(1);
  const ok = await verifyPassword(contact?.passwordHash, input.password);
  if (attempt.accountLocked || !ok || !contact) {
    if (attempt.started) await loginAlarmRaiser(services, email, input.ip, attempt.started).catch(() => {});
    if (attempt.accountLocked) throw accountLockedError(attempt, input.now, 'You can still sign in with a code sent to your email.');
    throw new AppError('invalid_credentials', 'Wrong email or password');
  }
  await loginAttemptSucceeded(db, attempt, input.now);
  return contact;
}

/**
 * Emails a one-time code. Says the same whether or not the address is known, so the form
 * cannot be used to find out who is a customer.
 */
export async function customerCodeSender(ctx: Ctx, email: string, now: Date): Promise<void> {
  const to = email.trim().toLowerCase();
  const recent = await ctx.db
    .select({ createdAt: emailCodes.createdAt })
    .from(emailCodes)
    .where(and(eq(emailCodes.email, to), gt(emailCodes.createdAt, new Date(now.getTime() - 60_000))))
    .limit(1);
  if (recent.length) throw new AppError('rate_limited', 'A code was sent less than a minute ago; check your inbox');
  const code = sixDigits();
  await ctx.db.insert(emailCodes).values({ email: to, codeHash: sha256(`${to}:${code}`), expiresAt: new Date(now.getTime() + CODE_MINUTES * 60_000) });
  await emailQueuer(ctx, {
    to,
    subject: `Your Switchboard sign-in code: ${code}`,
    text:
      `Your sign-in code is ${code}. It expires in ${CODE_MINUTES} minutes.\n` +
      `您的登录验证码是 ${code},${CODE_MINUTES} 分钟内有效。\n\n` +
      'Support staff will never ask you for this code. 客服人员绝不会向您索要此验证码。',
  });
}

/**
 * Checks a code; a new address becomes a contact. Five wrong guesses kill the code: each guess is
 * counted by one conditional UPDATE before the code is compared, so concurrent guesses cannot get
 * past the limit, and a right code is consumed by one conditional UPDATE, so it signs in once.
 */
export async function customerCodeVerifier(ctx: Ctx, input: { email: string; code: string; now: Date }) {
  const email = input.email.trim().toLowerCase();
  const expired = { ok: false as const, reason: 'The code has expired; ask for a new one' };
  const [latest] = await ctx.db
    .select({ id: emailCodes.id })
    .from(emailCodes)
    .where(and(eq(emailCodes.email, email), isNull(emailCodes.consumedAt), gt(emailCodes.expiresAt, input.now)))
    .orderBy(desc(emailCodes.createdAt))
    .limit(1);
  if (!latest) return expired;
  const [counted] = await ctx.db
    .update(emailCodes)
    .set({ attempts: sql`${emailCodes.attempts} + 1` })
    .where(and(eq(emailCodes.id, latest.id), lt(emailCodes.attempts, CODE_ATTEMPTS), isNull(emailCodes.consumedAt)))
    .returning();
  if (!counted) return expired;
  if (counted.codeHash !== sha256(`${email}:${input.code}`)) return { ok: false as const, reason: 'Wrong code' };
  const [used] = await ctx.db
    .update(emailCodes)
    .set({ consumedAt: input.now })
    .where(and(eq(emailCodes.id, counted.id), isNull(emailCodes.consumedAt)))
    .returning({ id: emailCodes.id });
  if (!used) return expired;
  let [contact] = await ctx.db.select().from(contacts).where(eq(contacts.email, email)).limit(1);
  if (!contact) {
    [contact] = await ctx.db.insert(contacts).values({ email, name: email.split('@')[0] ?? '' }).returning();
    await recordEvent(ctx, { type: 'contacts.create', subjectType: 'contact', subjectId: contact!.id, data: { via: 'email_code' } });
  }
  // The code proves the address: tickets filed to it without signing in join this customer now.
  await pendingConversationsClaimer(ctx, email, contact!.id);
  return { ok: true as const, contact: contact! };
}

/** A signed-in customer sets their name and anti-phishing code (a password goes through passwordChanger). */
export async function customerProfileUpdater(ctx: Ctx, input: { antiPhishingCode?: string | null; name?: string }) {
  if (ctx.actor.type !== 'contact') throw new AppError('forbidden', 'Only customers have a customer profile');
  const set: Partial<typeof contacts.$inferInsert> = { updatedAt: new Date() };
  if (input.antiPhishingCode !== undefined) set.antiPhishingCode = input.antiPhishingCode;
  if (input.name !== undefined) set.name = input.name;
  const [contact] = await ctx.db.update(contacts).set(set).where(eq(contacts.id, ctx.actor.id)).returning();
  await recordEvent(ctx, {
    type: 'contacts.update',
    subjectType: 'contact',
    subjectId: ctx.actor.id,
    // Never the code itself in the history.
    data: { changed: Object.keys(input).filter((k) => (input as any)[k] !== undefined) },
  });
  return contact!;
}
