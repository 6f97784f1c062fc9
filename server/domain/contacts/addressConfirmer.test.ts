import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { contacts, conversations, emailConfirmations, outboxEmails } from '../../db/schema.ts';
import { DB_KINDS } from '../../../test/helpers/db.ts';
import { asSystem, createTestApp, makeContact, type TestApp } from '../../../test/helpers/app.ts';
import { transact } from '../context.ts';
import { conversationCreator } from '../conversations/conversationCreator.ts';
import { mailSendLimiter } from '../system/mailSendLimiter.ts';
import { addressConfirmer, confirmationRequester, unverifiedContactCreator } from './addressConfirmer.ts';

/** The confirmation link and the mail limits on their own (the API flow is in test/api/unverified.test.ts). */
describe.each(DB_KINDS)('address confirmation on %s', (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(kind, { PUBLIC_URL: 'https://support.example.com' });
  });
  afterAll(async () => t.close());

  /** An anonymous filing as the ticket route makes it; returns the conversation and the token mailed. */
  async function filed(email: string) {
    return asSystem(t, async (ctx) => {
      const holder = await unverifiedContactCreator(ctx, { email, name: 'Someone', language: 'en' });
      const { conversation } = await conversationCreator(ctx, { contactId: holder.id, subject: 'Typed by a stranger', body: 'also typed', mode: 'async', language: 'en', fields: {}, tags: [] });
      expect(await confirmationRequester({ ...ctx, ip: '192.0.2.1' }, { conversation, email })).toBe(true);
      const [mail] = await ctx.db.select().from(outboxEmails).where(eq(outboxEmails.conversationId, conversation.id));
      return { conversation, holder, token: /token=([\w-]+)/.exec(mail!.text)![1]! };
    });
  }

  it('lets exactly one of two simultaneous uses of a link through', async () => {
    const { conversation, token } = await filed(`race.${Date.now()}@example.com`);
    const results = await Promise.allSettled([0, 1].map(() => transact(t.services, { type: 'system', id: null }, (ctx) => addressConfirmer(ctx, token))));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason.code)).toEqual(['not_found']);
    const [row] = await t.services.database.db.select().from(conversations).where(eq(conversations.id, conversation.id));
    const [owner] = await t.services.database.db.select().from(contacts).where(eq(contacts.id, row!.contactId));
    expect(owner!.email).toMatch(/^race\./);
  });

  it('leaves a conversation alone that an agent moved to someone else meanwhile', async () => {
    const { conversation, token } = await filed(`moved.${Date.now()}@example.com`);
    const other = await makeContact(t);
    await t.services.database.db.update(conversations).set({ contactId: other.id }).where(eq(conversations.id, conversation.id));
    await asSystem(t, (ctx) => addressConfirmer(ctx, token));
    const [row] = await t.services.database.db.select().from(conversations).where(eq(conversations.id, conversation.id));
    expect(row!.contactId).toBe(other.id);
    // The token is used up all the same.
    const [claim] = await t.services.database.db.select().from(emailConfirmations).where(eq(emailConfirmations.conversationId, conversation.id));
    expect(claim!.consumedAt).not.toBeNull();
  });

  it('counts a burst of mails to one key atomically', async () => {
    const key = `test:burst:${Date.now()}`;
    const answers = await Promise.all(Array.from({ length: 8 }, () => asSystem(t, (ctx) => mailSendLimiter(ctx, [{ key, max: 3 }]))));
    expect(answers.filter(Boolean)).toHaveLength(3);
  });
});

describe('the per-IP block', () => {
  it('counts an IPv6 /64 as one client and leaves IPv4 alone', async () => {
    const { ipBlock } = await import('./addressConfirmer.ts');
    expect(ipBlock('203.0.113.9')).toBe('203.0.113.9');
    expect(ipBlock('::ffff:203.0.113.9')).toBe('203.0.113.9');
    expect(ipBlock('2001:db8:0:1::5')).toBe('2001:db8:0:1::/64');
    expect(ipBlock('2001:0db8:0000:0001:aaaa:bbbb:cccc:dddd')).toBe('2001:db8:0:1::/64');
    expect(ipBlock('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(ipBlock('::1')).toBe('0:0:0:0::/64');
  });
});
