import { and, eq } from 'drizzle-orm';
import { agents, contacts, notifications } from '../../db/schema.ts';
import { type Services, SYSTEM, recordEvent, transact } from '../context.ts';
import { emailQueuer } from '../system/emailQueuer.ts';
import type { LoginAttempt } from './loginThrottle.ts';

/**
 * Failed sign-ins just locked an account (from many sources) or one source (for this account):
 * the owner hears of it — an agent in the workspace and by email, a customer by email — and the
 * audit log keeps it. Called once per lock (the attempt that started it), so an attack does not
 * flood anyone. Never says which passwords were tried.
 */
export async function loginAlarmRaiser(services: Services, email: string, ip: string | undefined, started: NonNullable<LoginAttempt['started']>): Promise<void> {
  const scope = started.kind === 'account' ? 'account' : 'source';
  const until = started.until.toISOString();
  const what =
    scope === 'account'
      ? `Sign-ins to your account failed many times from several places. Password-only sign-in is paused until ${until} (UTC).`
      : `Sign-ins to your account failed several times from ${ip ?? 'an unknown address'}. That address is paused until ${until} (UTC).`;
  const whatZh =
    scope === 'account'
      ? `您的账户在多个地点多次登录失败，在 ${until}（UTC）之前暂停仅凭密码登录。`
      : `来自 ${ip ?? '未知地址'} 的登录多次失败，该地址在 ${until}（UTC）之前被暂停。`;
  const advice =
    'If this was not you, someone may be guessing your password: make sure it is long and unique, and turn on two-factor authentication.\n' +
    '如果不是您本人操作，可能有人在猜测您的密码：请使用足够长且独特的密码，并开启双重验证。';
  await transact(services, SYSTEM, async (ctx) => {
    const [agent] = await ctx.db.select({ id: agents.id, email: agents.email }).from(agents).where(and(eq(agents.email, email), eq(agents.disabled, false))).limit(1);
    if (agent) {
      const data = { scope, ip: scope === 'source' ? (ip ?? null) : null, until, locks: started.locks };
      const event = await recordEvent(ctx, { type: 'agents.login_locked', subjectType: 'agent', subjectId: agent.id, data });
      const [row] = await ctx.db.insert(notifications).values({ agentId: agent.id, type: 'login_locked', conversationId: null, eventId: String(event.id), data }).onConflictDoNothing().returning();
      // Recorded so the socket processor pushes it to the agent's room at once.
      if (row) await recordEvent(ctx, { type: 'notifications.create', subjectType: 'agent', subjectId: agent.id, data: { notificationId: row.id, type: 'login_locked', ...data } });
      await emailQueuer(ctx, { to: agent.email, subject: 'Failed sign-ins to your Switchboard account / 账户登录失败提醒', text: `${what}\n${whatZh}\n\n${advice}` });
      return;
    }
    // A customer: by email only, and only for an account lock (a source lock is theirs to wait out).
    if (scope !== 'account') return;
    const [contact] = await ctx.db.select({ id: contacts.id }).from(contacts).where(eq(contacts.email, email)).limit(1);
    if (!contact) return;
    await recordEvent(ctx, { type: 'contacts.login_locked', subjectType: 'contact', subjectId: contact.id, data: { scope, until } });
    await emailQueuer(ctx, {
      to: email,
      subject: 'Failed sign-ins to your account / 账户登录失败提醒',
      text: `${what}\n${whatZh}\nYou can still sign in with a code sent to this address. 您仍可使用发送到此邮箱的验证码登录。\n\n${advice}`,
    });
  });
}
