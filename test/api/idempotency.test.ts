import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq, sql } from 'drizzle-orm';
import { ConversationCreate } from '../../common/schemas.ts';
import { conversations, events, messages } from '../../server/db/schema.ts';
import { transact } from '../../server/domain/context.ts';
import { conversationCreator } from '../../server/domain/conversations/conversationCreator.ts';
import { DB_KINDS } from '../helpers/db.ts';
import { createTestApp, loginAgent, loginContact, makeAgent, makeContact, type Session, type TestApp } from '../helpers/app.ts';
import { API, expectError, rows } from './helpers.ts';

let keys = 0;
const newKey = () => `key-${Date.now().toString(36)}-${keys++}`;

describe.each(DB_KINDS)('idempotency keys on %s', (kind) => {
  let t: TestApp;
  let a: Session;
  let b: Session;
  let contactA: string;
  let admin: Session;

  beforeAll(async () => {
    t = await createTestApp(kind);
    const ca = await makeContact(t);
    contactA = ca.id;
    a = await loginContact(t, ca.email!);
    b = await loginContact(t, (await makeContact(t)).email!);
    admin = await loginAgent(t, (await makeAgent(t, { role: 'admin' })).email);
  });
  afterAll(async () => {
    await t.close();
  });

  const db = () => t.services.database.db;
  async function ticket(session: Session = a) {
    const res = await session.request('POST', `${API}/conversations`, { subject: 'Idempotency', body: 'first' });
    expect(res.statusCode, res.body).toBe(201);
    return res.json().id as string;
  }

  it('stores a message once when it is sent twice with the same key', async () => {
    const id = await ticket();
    const key = newKey();
    const first = await a.request('POST', `${API}/conversations/${id}/messages`, { body: 'Is it there yet?', idempotencyKey: key });
    const second = await a.request('POST', `${API}/conversations/${id}/messages`, { body: 'Is it there yet?', idempotencyKey: key });
    expect(first.statusCode, first.body).toBe(201);
    expect(second.statusCode, second.body).toBe(200);
    expect(second.json()).toEqual(first.json());

    const stored = await db().select().from(messages).where(and(eq(messages.conversationId, id), eq(messages.idempotencyKey, key)));
    expect(stored).toHaveLength(1);
    expect(stored[0]!.id).toBe(first.json().id);
    const [conversation] = await db().select().from(conversations).where(eq(conversations.id, id));
    expect(conversation!.lastSeq).toBe(2);
    expect(await db().select().from(events).where(and(eq(events.type, 'messages.create'), eq(events.subjectId, first.json().id)))).toHaveLength(1);

    // A new key is a new message.
    const third = await a.request('POST', `${API}/conversations/${id}/messages`, { body: 'Is it there yet?', idempotencyKey: newKey() });
    expect(third.statusCode).toBe(201);
    expect(third.json().seq).toBe(3);
  });

  it('scopes message keys to their conversation', async () => {
    const [one, two] = [await ticket(), await ticket()];
    const key = newKey();
    const x = await a.request('POST', `${API}/conversations/${one}/messages`, { body: 'same key', idempotencyKey: key });
    const y = await a.request('POST', `${API}/conversations/${two}/messages`, { body: 'same key', idempotencyKey: key });
    expect([x.statusCode, y.statusCode]).toEqual([201, 201]);
    expect(x.json().id).not.toBe(y.json().id);
  });

  it('stores one message when the same key arrives concurrently', async () => {
    const id = await ticket();
    const key = newKey();
    const answers = await Promise.all(Array.from({ length: 6 }, () => admin.request('POST', `${API}/conversations/${id}/messages`, { body: 'double click', idempotencyKey: key })));
    expect(answers.map((r) => r.statusCode).sort()).toEqual([200, 200, 200, 200, 200, 201]);
    expect(new Set(answers.map((r) => r.json().id)).size).toBe(1);
    expect(await db().select().from(messages).where(eq(messages.conversationId, id))).toHaveLength(2);
  });

  it('opens one conversation when it is created twice with the same key', async () => {
    const key = newKey();
    const body = { subject: 'Retry me', body: 'network flaky', idempotencyKey: key };
    const first = await a.request('POST', `${API}/conversations`, body);
    const second = await a.request('POST', `${API}/conversations`, body);
    expect(first.statusCode, first.body).toBe(201);
    expect(second.statusCode, second.body).toBe(200);
    expect(second.json().id).toBe(first.json().id);
    expect(second.json().number).toBe(first.json().number);

    const stored = await db().select().from(conversations).where(eq(conversations.idempotencyKey, key));
    expect(stored).toHaveLength(1);
    expect(await db().select().from(messages).where(eq(messages.conversationId, first.json().id))).toHaveLength(1);
    expect(await db().select().from(events).where(and(eq(events.type, 'conversations.create'), eq(events.subjectId, first.json().id)))).toHaveLength(1);
  });

  it("answers 409 to a customer who reuses someone else's key, and reveals nothing", async () => {
    const key = newKey();
    const mine = await a.request('POST', `${API}/conversations`, { subject: 'Secret subject 4411', body: 'mine', idempotencyKey: key });
    expect(mine.statusCode).toBe(201);
    const theirs = await b.request('POST', `${API}/conversations`, { subject: 'Other', body: 'theirs', idempotencyKey: key });
    expectError(theirs, 409, 'conflict');
    expect(theirs.body).not.toContain('4411');
    expect(theirs.body).not.toContain(mine.json().id);

    const stored = await db().select().from(conversations).where(eq(conversations.idempotencyKey, key));
    expect(stored.map((c) => c.contactId)).toEqual([contactA]);
    const listB = await b.request('GET', `${API}/conversations?limit=200`);
    expect(listB.json().items.map((c: { id: string }) => c.id)).not.toContain(mine.json().id);
  });

  // Regression test (server/domain/conversations/conversationCreator.ts): this once failed; kept so it never comes back.
  // the key is looked up before the insert
  // without any lock, so a retry that arrives while the first request is still in its transaction
  // finds nothing, inserts, waits on the conversations_idempotency_key unique index and, once the
  // first commits, fails with 23505 → 409 "That already exists" instead of answering 200 with the
  // conversation (as POST …/messages does: it locks the conversation row first). Only PostgreSQL can
  // run the two transactions at once; PGlite has one connection. Repro: hold a transaction that has
  // created the conversation, send the same request, commit. Fix: take
  // `pg_advisory_xact_lock(hashtext(idempotencyKey))` before the lookup, or insert with
  // `on conflict (idempotency_key) where idempotency_key is not null do nothing` and re-read the winner.
  if (kind === 'postgres') {
    it('answers a retry that races the first request with the same conversation, not 409', async () => {
      await ticket(); // the web-form inbox exists before the race
      const key = newKey();
      const input = ConversationCreate.parse({ subject: 'Racing', body: 'twice', idempotencyKey: key });
      let retry: ReturnType<Session['request']> | undefined;
      const original = await transact(t.services, { type: 'contact', id: contactA }, async (ctx) => {
        const created = await conversationCreator(ctx, input);
        retry = a.request('POST', `${API}/conversations`, { subject: 'Racing', body: 'twice', idempotencyKey: key });
        // Wait until the retry is blocked behind this transaction.
        for (let i = 0; i < 100; i++) {
          const [row] = await rows<{ n: number }>(t, sql`select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`);
          if (row!.n > 0) break;
          await new Promise((r) => setTimeout(r, 30));
        }
        return created.conversation;
      });
      const res = await retry!;
      expect(await db().select().from(conversations).where(eq(conversations.idempotencyKey, key))).toHaveLength(1);
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json().id).toBe(original.id);
    });
  }
});
