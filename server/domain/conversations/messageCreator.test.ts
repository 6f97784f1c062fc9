import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { conversations, events, messages, slaPolicies } from '../../db/schema.ts';
import { DB_KINDS } from '../../../test/helpers/db.ts';
import { asSystem, createTestApp, makeAgent, makeContact, type TestApp } from '../../../test/helpers/app.ts';
import { single, transact } from '../context.ts';
import { conversationCreator } from './conversationCreator.ts';
import { messageCreator } from './messageCreator.ts';

describe.each(DB_KINDS)('messageCreator on %s', (kind) => {
  let t: TestApp;
  beforeEach(async () => {
    t = await createTestApp(kind);
  });
  afterEach(async () => {
    await t.close();
  });

  async function openTicket() {
    const contact = await makeContact(t);
    const { conversation } = await transact(t.services, { type: 'contact', id: contact.id }, (ctx) =>
      conversationCreator(ctx, { subject: 'USDT 充值未到账', body: '我的充值还没到', mode: 'async', language: 'zh-CN', fields: { coin: 'USDT' }, tags: [] }),
    );
    return { contact, conversation };
  }

  it('stores one message for the same idempotency key sent twice', async () => {
    const { contact, conversation } = await openTicket();
    const customer = { type: 'contact' as const, id: contact.id };
    const first = await transact(t.services, customer, (ctx) => messageCreator(ctx, conversation.id, { body: 'hello', idempotencyKey: 'key-12345678' }));
    const again = await transact(t.services, customer, (ctx) => messageCreator(ctx, conversation.id, { body: 'hello', idempotencyKey: 'key-12345678' }));
    expect(first.created).toBe(true);
    expect(again.created).toBe(false);
    expect(again.message.id).toBe(first.message.id);
    const rows = await t.services.database.db.select().from(messages).where(eq(messages.conversationId, conversation.id));
    expect(rows.map((r) => r.seq)).toEqual([1, 2]);
  });

  it('gives a resend its stored message back after the conversation closed, and refuses new messages there', async () => {
    const { contact, conversation } = await openTicket();
    const customer = { type: 'contact' as const, id: contact.id };
    const first = await transact(t.services, customer, (ctx) => messageCreator(ctx, conversation.id, { body: 'sent before closing', idempotencyKey: 'key-closing-1' }));
    await t.services.database.db.update(conversations).set({ status: 'closed' }).where(eq(conversations.id, conversation.id));
    // The ack was lost; the app resends with the same key.
    const resent = await single(t.services, customer, (ctx) => messageCreator(ctx, conversation.id, { body: 'sent before closing', idempotencyKey: 'key-closing-1' }));
    expect(resent).toMatchObject({ created: false, message: { id: first.message.id, seq: 2 } });
    await expect(transact(t.services, customer, (ctx) => messageCreator(ctx, conversation.id, { body: 'a new one', idempotencyKey: 'key-closing-2' }))).rejects.toMatchObject({ code: 'conflict' });
    // Someone else's key never unlocks a closed conversation.
    const stranger = await makeContact(t);
    await expect(transact(t.services, { type: 'contact', id: stranger.id }, (ctx) => messageCreator(ctx, conversation.id, { body: 'x', idempotencyKey: 'key-closing-1' }))).rejects.toMatchObject({ code: 'not_found' });
    const rows = await t.services.database.db.select({ seq: messages.seq }).from(messages).where(eq(messages.conversationId, conversation.id));
    expect(rows.map((r) => r.seq).sort()).toEqual([1, 2]);
  });

  it('stores a re-delivered channel message (same externalId) once', async () => {
    const { conversation } = await openTicket();
    const deliver = () => asSystem(t, (ctx) => messageCreator(ctx, conversation.id, { body: 'from telegram', externalId: 'tg-42', onBehalfOfContact: true }));
    const a = await deliver();
    const b = await deliver();
    expect(b.created).toBe(false);
    expect(b.message.id).toBe(a.message.id);
    expect(a.message.direction).toBe('in');
  });

  it('hands out gap-free seq numbers under concurrent writers', async () => {
    const { contact, conversation } = await openTicket();
    const customer = { type: 'contact' as const, id: contact.id };
    await Promise.all(Array.from({ length: 12 }, (_, i) => transact(t.services, customer, (ctx) => messageCreator(ctx, conversation.id, { body: `m${i}` }))));
    const rows = await t.services.database.db.select({ seq: messages.seq }).from(messages).where(eq(messages.conversationId, conversation.id));
    expect(rows.map((r) => r.seq).sort((a, b) => a - b)).toEqual(Array.from({ length: 13 }, (_, i) => i + 1));
  });

  it('outside a transaction, plain messages are one guarded statement each: concurrent writers still get gap-free seq and one event each', async () => {
    const { contact, conversation } = await openTicket();
    const customer = { type: 'contact' as const, id: contact.id };
    const results = await Promise.all(
      Array.from({ length: 16 }, (_, i) => single(t.services, customer, (ctx) => messageCreator(ctx, conversation.id, { body: `fast ${i}`, idempotencyKey: `fast-key-${i}-abcdef` }))),
    );
    expect(results.every((r) => r.created)).toBe(true);
    const rows = await t.services.database.db.select({ seq: messages.seq, body: messages.body }).from(messages).where(eq(messages.conversationId, conversation.id));
    expect(rows.map((r) => r.seq).sort((a, b) => a - b)).toEqual(Array.from({ length: 17 }, (_, i) => i + 1));
    const [row] = await t.services.database.db.select({ lastSeq: conversations.lastSeq }).from(conversations).where(eq(conversations.id, conversation.id));
    expect(row!.lastSeq).toBe(17);
    const history = await t.services.database.db.select().from(events).where(and(eq(events.conversationId, conversation.id), eq(events.type, 'messages.create')));
    expect(history).toHaveLength(17);
    // A resend outside a transaction finds the stored message.
    const again = await single(t.services, customer, (ctx) => messageCreator(ctx, conversation.id, { body: 'fast 3', idempotencyKey: 'fast-key-3-abcdef' }));
    expect(again.created).toBe(false);
    expect(again.message.id).toBe(results[3]!.message.id);
  });

  it('outside a transaction, the first unanswered customer message starts the next-response clock; later ones keep it', async () => {
    await t.services.database.db.insert(slaPolicies).values({ name: 'Chat', firstResponseMinutes: 5, nextResponseMinutes: 10, resolutionMinutes: 600, businessHours: false });
    const { contact, conversation } = await openTicket();
    const agent = await makeAgent(t, { role: 'admin' });
    const actor = { type: 'agent' as const, id: agent.id, role: 'admin' as const, teamIds: [], name: agent.name };
    await single(t.services, actor, (ctx) => messageCreator(ctx, conversation.id, { body: 'Looking into it' }));
    const customer = { type: 'contact' as const, id: contact.id };
    const started = Date.now();
    const first = await single(t.services, customer, (ctx) => messageCreator(ctx, conversation.id, { body: 'Thanks, waiting' }));
    const due = (await t.services.database.db.select({ due: conversations.nextResponseDueAt }).from(conversations).where(eq(conversations.id, conversation.id)))[0]!.due!;
    expect(first.conversation.nextResponseDueAt?.getTime()).toBe(due.getTime());
    expect(due.getTime()).toBeGreaterThanOrEqual(started + 10 * 60_000 - 1000);
    expect(due.getTime()).toBeLessThanOrEqual(Date.now() + 10 * 60_000 + 1000);
    await single(t.services, customer, (ctx) => messageCreator(ctx, conversation.id, { body: 'Still waiting' }));
    const again = (await t.services.database.db.select({ due: conversations.nextResponseDueAt, lastSeq: conversations.lastSeq }).from(conversations).where(eq(conversations.id, conversation.id)))[0]!;
    expect(again).toEqual({ due, lastSeq: 4 });
  });

  it('outside a transaction, a message that changes the conversation (reopen) takes the locked way and records the change', async () => {
    const { contact, conversation } = await openTicket();
    const agent = await makeAgent(t, { role: 'admin' });
    const actor = { type: 'agent' as const, id: agent.id, role: 'admin' as const, teamIds: [], name: agent.name };
    const { conversationUpdater } = await import('./conversationUpdater.ts');
    await transact(t.services, actor, (ctx) => conversationUpdater(ctx, conversation.id, { status: 'pending' }));
    const { conversation: after } = await single(t.services, { type: 'contact', id: contact.id }, (ctx) => messageCreator(ctx, conversation.id, { body: 'here is the tx hash' }));
    expect(after.status).toBe('open');
    const [row] = await t.services.database.db.select({ status: conversations.status, lastSeq: conversations.lastSeq }).from(conversations).where(eq(conversations.id, conversation.id));
    expect(row).toEqual({ status: 'open', lastSeq: 2 });
    const history = await t.services.database.db.select().from(events).where(and(eq(events.conversationId, conversation.id), eq(events.type, 'conversations.update')));
    expect(history.at(-1)!.data).toEqual({ before: { status: 'pending' }, after: { status: 'open' }, reason: 'customer_reply' });
  });

  it('outside a transaction, a conversation remembered from the last message but changed behind the process’s back is read again', async () => {
    const { contact, conversation } = await openTicket();
    const customer = { type: 'contact' as const, id: contact.id };
    const db = t.services.database.db;
    // The first plain message leaves the conversation remembered as open, at seq 2.
    await single(t.services, customer, (ctx) => messageCreator(ctx, conversation.id, { body: 'first' }));
    // Another process sets it pending and its event has not arrived (no event here at all).
    await db.update(conversations).set({ status: 'pending' }).where(eq(conversations.id, conversation.id));
    const { conversation: after } = await single(t.services, customer, (ctx) => messageCreator(ctx, conversation.id, { body: 'second' }));
    // Written against the real state: the customer's reply reopened it, with the change recorded.
    expect(after.status).toBe('open');
    const [row] = await db.select({ status: conversations.status, lastSeq: conversations.lastSeq }).from(conversations).where(eq(conversations.id, conversation.id));
    expect(row).toEqual({ status: 'open', lastSeq: 3 });
    const history = await db.select().from(events).where(and(eq(events.conversationId, conversation.id), eq(events.type, 'conversations.update')));
    expect(history.at(-1)!.data).toEqual({ before: { status: 'pending' }, after: { status: 'open' }, reason: 'customer_reply' });
    // A reassignment behind its back is caught too: the next message still lands once, in order.
    await single(t.services, customer, (ctx) => messageCreator(ctx, conversation.id, { body: 'remembered again' }));
    const agent = await makeAgent(t);
    await db.update(conversations).set({ assigneeId: agent.id }).where(eq(conversations.id, conversation.id));
    const third = await single(t.services, customer, (ctx) => messageCreator(ctx, conversation.id, { body: 'third' }));
    expect(third.conversation.assigneeId).toBe(agent.id);
    const rows = await db.select({ seq: messages.seq, body: messages.body }).from(messages).where(eq(messages.conversationId, conversation.id));
    expect(rows.sort((a, b) => a.seq - b.seq).map((r) => r.body)).toEqual(['我的充值还没到', 'first', 'second', 'remembered again', 'third']);
  });

  it('outside a transaction, a remembered conversation is not used for someone who may not see it', async () => {
    const { contact, conversation } = await openTicket();
    await single(t.services, { type: 'contact', id: contact.id }, (ctx) => messageCreator(ctx, conversation.id, { body: 'mine' }));
    const stranger = await makeContact(t);
    await expect(single(t.services, { type: 'contact', id: stranger.id }, (ctx) => messageCreator(ctx, conversation.id, { body: 'not mine' }))).rejects.toMatchObject({ code: 'not_found' });
  });

  it('outside a transaction, a message racing a status change is not written against the old state', async () => {
    const { contact, conversation } = await openTicket();
    const agent = await makeAgent(t, { role: 'admin' });
    const actor = { type: 'agent' as const, id: agent.id, role: 'admin' as const, teamIds: [], name: agent.name };
    const { conversationUpdater } = await import('./conversationUpdater.ts');
    // The agent solves the ticket between the customer's read and write: simulate by solving it
    // while the customer's statement is built (the clock is read after the conversation).
    const realClock = t.services.clock;
    let solved = false;
    t.services.clock = () => {
      if (!solved) {
        solved = true;
        void transact(t.services, actor, (ctx) => conversationUpdater(ctx, conversation.id, { status: 'solved' }));
      }
      return realClock();
    };
    try {
      await single(t.services, { type: 'contact', id: contact.id }, (ctx) => messageCreator(ctx, conversation.id, { body: 'one more thing' }));
    } finally {
      t.services.clock = realClock;
    }
    await new Promise((r) => setTimeout(r, 200));
    const [row] = await t.services.database.db.select({ status: conversations.status, lastSeq: conversations.lastSeq }).from(conversations).where(eq(conversations.id, conversation.id));
    const rows = await t.services.database.db.select({ seq: messages.seq }).from(messages).where(eq(messages.conversationId, conversation.id));
    // Whichever came first, the message is stored once at seq 2 and the conversation's position matches it.
    expect(rows.map((r) => r.seq).sort()).toEqual([1, 2]);
    expect(row!.lastSeq).toBe(2);
    // In history order: a message stored after the solve must have reopened it (never solved with
    // an unanswered customer message); one stored before it leaves the agent's solve standing.
    const history = await t.services.database.db.select().from(events).where(eq(events.conversationId, conversation.id));
    const ordered = history.sort((x, y) => x.id - y.id);
    const solvedAt = ordered.findIndex((e) => e.type === 'conversations.update' && (e.data as { after: { status: string } }).after.status === 'solved');
    const messageAt = ordered.findIndex((e) => e.type === 'messages.create' && (e.data as { seq: number }).seq === 2);
    expect(solvedAt).toBeGreaterThan(-1);
    expect(messageAt).toBeGreaterThan(-1);
    if (messageAt > solvedAt) {
      expect(row!.status).toBe('open');
      expect(ordered.slice(messageAt).some((e) => e.type === 'conversations.update' && (e.data as { reason?: string }).reason === 'customer_reply')).toBe(true);
    } else {
      expect(row!.status).toBe('solved');
    }
  });

  it('writes a messages.create event in the same transaction, and nothing when the transaction fails', async () => {
    const { contact, conversation } = await openTicket();
    const customer = { type: 'contact' as const, id: contact.id };
    const before = await t.services.database.db.select().from(events).where(eq(events.conversationId, conversation.id));
    await expect(
      transact(t.services, customer, async (ctx) => {
        await messageCreator(ctx, conversation.id, { body: 'will roll back' });
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    const afterFail = await t.services.database.db.select().from(events).where(eq(events.conversationId, conversation.id));
    expect(afterFail).toHaveLength(before.length);
    const { message } = await transact(t.services, customer, (ctx) => messageCreator(ctx, conversation.id, { body: 'kept' }));
    const after = await t.services.database.db.select().from(events).where(eq(events.conversationId, conversation.id));
    expect(after.filter((e) => e.type === 'messages.create' && e.subjectId === message.id)).toHaveLength(1);
    expect(t.published.some((e) => e.subjectId === message.id)).toBe(true);
    expect(t.published.some((e) => e.data.seq === 99)).toBe(false);
  });

  it('refuses private notes from customers and lets agents write them', async () => {
    const { contact, conversation } = await openTicket();
    await expect(
      transact(t.services, { type: 'contact', id: contact.id }, (ctx) => messageCreator(ctx, conversation.id, { body: 'x', visibility: 'private' })),
    ).rejects.toMatchObject({ code: 'forbidden' });
    const agent = await makeAgent(t, { role: 'supervisor' });
    const note = await transact(t.services, { type: 'agent', id: agent.id, role: 'supervisor', teamIds: [], name: agent.name }, (ctx) =>
      messageCreator(ctx, conversation.id, { body: 'internal', visibility: 'private' }),
    );
    expect(note.message).toMatchObject({ direction: 'out', visibility: 'private', authorType: 'agent', authorId: agent.id });
  });

  it('reopens a solved ticket when the customer replies, and records the change', async () => {
    const { contact, conversation } = await openTicket();
    const agent = await makeAgent(t, { role: 'admin' });
    const actor = { type: 'agent' as const, id: agent.id, role: 'admin' as const, teamIds: [], name: agent.name };
    const { conversationUpdater } = await import('./conversationUpdater.ts');
    await transact(t.services, actor, (ctx) => conversationUpdater(ctx, conversation.id, { status: 'solved' }));
    const { conversation: after } = await transact(t.services, { type: 'contact', id: contact.id }, (ctx) => messageCreator(ctx, conversation.id, { body: 'still broken' }));
    expect(after.status).toBe('open');
    const history = await t.services.database.db.select().from(events).where(eq(events.conversationId, conversation.id));
    expect(history.filter((e) => e.type === 'conversations.update').map((e) => e.data)).toEqual([
      { before: { status: 'new' }, after: { status: 'solved' } },
      { before: { status: 'solved' }, after: { status: 'open' }, reason: 'customer_reply' },
    ]);
  });
});
