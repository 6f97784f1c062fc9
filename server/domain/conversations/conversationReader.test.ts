import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq, sql } from 'drizzle-orm';
import { contacts, conversations } from '../../db/schema.ts';
import { DB_KINDS } from '../../../test/helpers/db.ts';
import { createTestApp, loginAgent, loginContact, makeAgent, makeContact, makeTeam, type Session, type TestApp } from '../../../test/helpers/app.ts';
import { API } from '../../../test/api/helpers.ts';

type Item = { id: string } & Record<string, unknown>;

/**
 * The inbox list is presented by the database (CONVERSATION_JSON) while a single conversation is
 * presented by presentConversation: both must say exactly the same, for conversations in every state.
 */
describe.each(DB_KINDS)('conversation list on %s', (kind) => {
  let t: TestApp;
  let admin: Session;
  let customer: Session;
  const ids: string[] = [];

  beforeAll(async () => {
    t = await createTestApp(kind);
    const a = await makeAgent(t, { role: 'admin', name: 'Ada "Admin" \\ Lovelace' });
    admin = await loginAgent(t, a.email);
    const c = await makeContact(t);
    customer = await loginContact(t, c.email!);
    const team = await makeTeam(t);
    const category = (await admin.request('POST', `${API}/categories`, { slug: 'deposits', name: { en: 'Deposits' }, teamId: team.id, urgent: true })).json();
    const db = t.services.database.db;
    const open = async (session: Session, body: Record<string, unknown>) => {
      const res = await session.request('POST', `${API}/conversations`, body);
      expect(res.statusCode, res.body).toBe(201);
      ids.push(res.json().id);
      return res.json().id as string;
    };

    // A plain ticket, one with a category (team, urgent), fields, tags and text that needs escaping.
    await open(customer, { subject: 'Plain', body: 'hello' });
    const rich = await open(customer, {
      subject: 'Quotes " and \\ and 换行\n and \u0001 control',
      body: 'x',
      categoryId: category.id,
      fields: { txHash: '0xabc', orderId: '8832019944', coin: 'USDT' },
      tags: ['vip', 'zh "quoted"'],
      language: 'zh-CN',
    });
    // Assigned, answered (first response) and waiting on the customer (clock paused).
    await admin.request('PATCH', `${API}/conversations/${rich}`, { assigneeId: a.id });
    await admin.request('POST', `${API}/conversations/${rich}/messages`, { body: 'On it' });
    await admin.request('PATCH', `${API}/conversations/${rich}`, { status: 'pending' });
    // Solved and rated by the customer.
    const rated = await open(customer, { subject: 'Rated', body: 'x' });
    await admin.request('PATCH', `${API}/conversations/${rated}`, { status: 'solved' });
    const rating = await customer.request('POST', `${API}/conversations/${rated}/rating`, { score: 4, comment: 'Quick "help"' });
    expect(rating.statusCode, rating.body).toBe(200);
    // A contact without a name or email, a chat still on offer, another no longer new, a merged one.
    const [anonymous] = await db.insert(contacts).values({ name: '' }).returning();
    const token = await open(admin, { subject: 'For a nameless contact', body: 'x', contactId: anonymous!.id, mode: 'live' });
    const offeredAt = new Date('2026-11-24T02:00:00.123Z');
    await db.update(conversations).set({ chatOfferedAt: offeredAt }).where(eq(conversations.id, token));
    const openChat = await open(admin, { subject: 'Open chat', body: 'x', contactId: anonymous!.id, mode: 'live' });
    await db.update(conversations).set({ chatOfferedAt: offeredAt, status: 'open', mergedIntoId: rated }).where(eq(conversations.id, openChat));
    // Values no API writes: a non-string field (never presented), microseconds (cut to milliseconds, as Date does).
    const odd = await open(customer, { subject: 'Odd', body: 'x', fields: { coin: 'BTC' } });
    await db.execute(sql`update conversations set fields = '{"coin": "BTC", "amount": 5, "nested": {"a": 1}, "flag": null}'::jsonb,
      updated_at = '2026-11-24 02:00:00.123987+00' where id = ${odd}`);
  });
  afterAll(async () => t.close());

  it('presents every conversation exactly as GET /conversations/:id does', async () => {
    const res = await admin.request('GET', `${API}/conversations?limit=200`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const page = res.json() as { items: Item[]; nextCursor: string | null };
    expect(page.nextCursor).toBeNull();
    expect(page.items.map((i) => i.id).sort()).toEqual([...ids].sort());
    for (const item of page.items) {
      const one = await admin.request('GET', `${API}/conversations/${item.id}`);
      expect(item, String(item.subject)).toEqual(one.json());
    }
    const odd = page.items.find((i) => i.subject === 'Odd')!;
    expect(odd.fields).toEqual({ coin: 'BTC' });
    expect(odd.updatedAt).toBe('2026-11-24T02:00:00.123Z');
    expect(page.items.find((i) => i.subject === 'Rated')!.csat).toMatchObject({ score: 4, comment: 'Quick "help"' });
  });

  it('pages newest activity first, and the pages add up to the whole list', async () => {
    const all = ((await admin.request('GET', `${API}/conversations?limit=200`)).json() as { items: Item[] }).items;
    const times = all.map((i) => String(i.lastMessageAt));
    expect([...times].sort().reverse()).toEqual(times);
    const seen: Item[] = [];
    let cursor: string | null = null;
    do {
      const res = await admin.request('GET', `${API}/conversations?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      const page = res.json() as { items: Item[]; nextCursor: string | null };
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(all);
  });

  it('shows every change at once, though each process remembers the rows it has presented', async () => {
    const list = async () => ((await admin.request('GET', `${API}/conversations?limit=200`)).json() as { items: Item[] }).items;
    const before = await list();
    expect(await list()).toEqual(before);
    const plain = before.find((i) => i.subject === 'Plain')!;
    const contact = plain.contact as { id: string; name: string };
    // A change to the conversation, and one to its contact alone (the conversation row is untouched).
    expect((await admin.request('PATCH', `${API}/conversations/${plain.id}`, { priority: 'high' })).statusCode).toBe(200);
    const renamed = await admin.request('PATCH', `${API}/contacts/${contact.id}`, { name: 'Renamed Customer' });
    expect(renamed.statusCode, renamed.body).toBe(200);
    const after = await list();
    for (const item of after.filter((i) => (i.contact as { id: string }).id === contact.id)) {
      expect((item.contact as { name: string }).name).toBe('Renamed Customer');
      expect(item).toEqual((await admin.request('GET', `${API}/conversations/${item.id}`)).json());
    }
    expect(after.find((i) => i.id === plain.id)!.priority).toBe('high');
    // Rows that did not change are presented as before.
    const untouched = (i: Item) => (i.contact as { id: string }).id !== contact.id;
    expect(after.filter(untouched)).toEqual(before.filter(untouched));
  });

  it('lists for a customer only their own, presented the same way', async () => {
    const page = (await customer.request('GET', `${API}/conversations?limit=200`)).json() as { items: Item[] };
    expect(page.items.map((i) => i.subject).sort()).toEqual(['Odd', 'Plain', 'Quotes " and \\ and 换行\n and \u0001 control', 'Rated'].sort());
    for (const item of page.items) expect(item).toEqual((await customer.request('GET', `${API}/conversations/${item.id}`)).json());
  });

  it('filters by status, text and fields', async () => {
    const subjects = async (query: string) => ((await admin.request('GET', `${API}/conversations?limit=200&${query}`)).json() as { items: Item[] }).items.map((i) => i.subject).sort();
    expect(await subjects('status=pending,solved')).toEqual(['Quotes " and \\ and 换行\n and \u0001 control', 'Rated']);
    expect(await subjects('q=0xabc')).toEqual(['Quotes " and \\ and 换行\n and \u0001 control']);
    expect(await subjects('q=Odd')).toEqual(['Odd']);
    expect(await subjects('mode=live')).toEqual(['For a nameless contact', 'Open chat']);
    expect(await subjects('tag=vip')).toEqual(['Quotes " and \\ and 换行\n and \u0001 control']);
  });
});
