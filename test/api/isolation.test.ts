import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { conversations, messages } from '../../server/db/schema.ts';
import { DB_KINDS } from '../helpers/db.ts';
import { bearer, createTestApp, loginAgent, loginContact, makeAgent, makeContact, makeTeam, makeToken, type Session, type TestApp } from '../helpers/app.ts';
import { API, expectError, multipart, tempDataDir } from './helpers.ts';

type Call = (method: string, url: string, payload?: unknown) => ReturnType<Session['request']>;
const ids = (res: { json(): unknown }) => (res.json() as { items: { id: string }[] }).items.map((c) => c.id);

describe.each(DB_KINDS)('who sees which conversation, on %s', (kind) => {
  let t: TestApp;
  let a: Session;
  let b: Session;
  let contactA: { id: string; email: string | null };
  let admin: Session;
  let token: Call;
  let ticketA: { id: string; subject: string };
  const dataDir = tempDataDir();

  beforeAll(async () => {
    t = await createTestApp(kind, { DATA_DIR: dataDir });
    contactA = await makeContact(t);
    const contactB = await makeContact(t);
    a = await loginContact(t, contactA.email!);
    b = await loginContact(t, contactB.email!);
    admin = await loginAgent(t, (await makeAgent(t, { role: 'admin' })).email);
    token = bearer(t, (await makeToken(t, 'admin')).token);
    const created = await a.request('POST', `${API}/conversations`, { subject: 'A private matter 7731', body: 'My account number is 42' });
    expect(created.statusCode, created.body).toBe(201);
    ticketA = created.json();
    expect(ticketA).toMatchObject({ contactId: contactA.id, channel: 'webform', status: 'new' });
    const ticketB = await b.request('POST', `${API}/conversations`, { subject: 'B asks', body: 'Hello' });
    expect(ticketB.statusCode, ticketB.body).toBe(201);
  });
  afterAll(async () => {
    await t.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("gives another customer 404 on everything about a customer's conversation", async () => {
    const url = `${API}/conversations/${ticketA.id}`;
    expectError(await b.request('GET', url), 404, 'not_found');
    expectError(await b.request('GET', `${url}/messages`), 404, 'not_found');
    expectError(await b.request('GET', `${url}/events`), 404, 'not_found');
    expectError(await b.request('POST', `${url}/messages`, { body: 'let me in' }), 404, 'not_found');
    expectError(await b.request('POST', `${url}/notes`, { body: 'let me in' }), 404, 'not_found');
    expectError(await b.request('PATCH', url, { status: 'closed' }), 404, 'not_found');
    // The same answer as for an id that does not exist: ids cannot be probed.
    expect((await b.request('GET', url)).json()).toEqual((await b.request('GET', `${API}/conversations/${crypto.randomUUID()}`)).json());

    const stored = await t.services.database.db.select().from(messages).where(eq(messages.conversationId, ticketA.id));
    expect(stored.map((m) => m.body)).toEqual(['My account number is 42']);
    expect((await a.request('GET', url)).json()).toMatchObject({ id: ticketA.id, status: 'new' });
  });

  it("never lists another customer's conversation, whatever the filter", async () => {
    const mine = await a.request('GET', `${API}/conversations`);
    expect(ids(mine)).toEqual([ticketA.id]);
    for (const query of ['', `?contactId=${contactA.id}`, '?q=7731', '?q=private', `?q=${encodeURIComponent(contactA.email!)}`, '?view=all', '?status=new', '?limit=200']) {
      const res = await b.request('GET', `${API}/conversations${query}`);
      expect(res.statusCode, `${query}: ${res.body}`).toBe(200);
      expect(ids(res), query).not.toContain(ticketA.id);
      expect(res.body).not.toContain('7731');
    }
  });

  it('lets a customer open tickets for themselves only', async () => {
    const count = async () => (await t.services.database.db.select().from(conversations)).length;
    const before = await count();
    expectError(await b.request('POST', `${API}/conversations`, { subject: 's', body: 'b', contact: { email: contactA.email } }), 403, 'forbidden');
    expectError(await b.request('POST', `${API}/conversations`, { subject: 's', body: 'b', contactId: contactA.id }), 403, 'forbidden');
    expectError(await b.request('POST', `${API}/conversations`, { subject: 's', body: 'b', contact: { email: 'stranger@example.com' } }), 403, 'forbidden');
    expect(await count()).toBe(before);
  });

  it('never shows private notes to the customer', async () => {
    const url = `${API}/conversations/${ticketA.id}`;
    const note = await admin.request('POST', `${url}/notes`, { body: 'NOTE: customer looks like a fraud' });
    expect(note.statusCode, note.body).toBe(201);
    expect(note.json()).toMatchObject({ visibility: 'private', direction: 'out' });
    const reply = await admin.request('POST', `${url}/messages`, { body: 'We are looking into it' });
    expect(reply.statusCode, reply.body).toBe(201);

    const staffView = await admin.request('GET', `${url}/messages`);
    expect(staffView.json().items.map((m: { body: string }) => m.body)).toEqual(['My account number is 42', 'NOTE: customer looks like a fraud', 'We are looking into it']);

    for (const query of ['', '?afterSeq=1', '?afterSeq=0&limit=500']) {
      const res = await a.request('GET', `${url}/messages${query}`);
      expect(res.statusCode).toBe(200);
      expect(res.json().items.every((m: { visibility: string }) => m.visibility === 'public')).toBe(true);
      expect(res.body).not.toContain('fraud');
    }
    expect((await a.request('GET', `${url}/messages`)).json().items.map((m: { seq: number }) => m.seq)).toEqual([1, 3]);

    // The history shows customers status changes only, never who wrote notes or from which IP.
    const history = await a.request('GET', `${url}/events`);
    expect(history.statusCode).toBe(200);
    const events = history.json().items as { type: string; ip: string | null }[];
    expect(events.length).toBeGreaterThan(0);
    expect(new Set(events.map((e) => e.type))).toEqual(new Set(['conversations.create', 'conversations.update']));
    expect(events.every((e) => e.ip === null)).toBe(true);
    expect(history.body).not.toContain('fraud');

    // Nor can the customer write one.
    expectError(await a.request('POST', `${url}/notes`, { body: 'sneaky' }), 403, 'forbidden');
    const notes = await t.services.database.db.select().from(messages).where(and(eq(messages.conversationId, ticketA.id), eq(messages.visibility, 'private')));
    expect(notes).toHaveLength(1);
  });

  it("shows a file to the customer only when it is attached to a public message of their own", async () => {
    const url = `${API}/conversations/${ticketA.id}`;
    async function sendWithFile(path: 'notes' | 'messages', content: string) {
      const upload = multipart([{ name: `${path}.txt`, content }]);
      const uploaded = await admin.request('POST', `${url}/attachments`, upload.payload, upload.headers);
      expect(uploaded.statusCode, uploaded.body).toBe(201);
      const id = uploaded.json().items[0].id as string;
      const sent = await admin.request('POST', `${url}/${path}`, { body: `see ${path}`, attachmentIds: [id] });
      expect(sent.statusCode, sent.body).toBe(201);
      return id;
    }
    const onNote = await sendWithFile('notes', 'internal investigation file');
    const onReply = await sendWithFile('messages', 'your statement');

    expect((await admin.request('GET', `${API}/attachments/${onNote}`)).body).toBe('internal investigation file');
    expectError(await a.request('GET', `${API}/attachments/${onNote}`), 404, 'not_found');
    expect((await a.request('GET', `${API}/attachments/${onReply}`)).body).toBe('your statement');
    expectError(await b.request('GET', `${API}/attachments/${onReply}`), 404, 'not_found');
    expectError(await b.request('GET', `${API}/attachments/${onNote}`), 404, 'not_found');
    const listed = await a.request('GET', `${url}/messages`);
    expect(listed.body).not.toContain(onNote);
    expect(listed.body).toContain(onReply);
    // Nor may another customer attach files to the conversation.
    const upload = multipart([{ name: 'x.txt', content: 'from B' }]);
    expectError(await b.request('POST', `${url}/attachments`, upload.payload, upload.headers), 404, 'not_found');
  });

  describe('agents and teams', () => {
    let agent: Session;
    let agentId: string;
    let supervisor: Session;
    let inMyTeam: string;
    let inOtherTeam: string;
    let noTeam: string;
    let otherTeamButMine: string;

    beforeAll(async () => {
      const mine = await makeTeam(t);
      const other = await makeTeam(t);
      const me = await makeAgent(t, { role: 'agent', teamIds: [mine.id] });
      agentId = me.id;
      agent = await loginAgent(t, me.email);
      supervisor = await loginAgent(t, (await makeAgent(t, { role: 'supervisor' })).email);
      const customer = await makeContact(t);
      const open = async (subject: string, teamId?: string) => {
        const res = await token('POST', `${API}/conversations`, { subject, body: 'text', contactId: customer.id, ...(teamId ? { teamId } : {}) });
        expect(res.statusCode, res.body).toBe(201);
        expect(res.json().teamId).toBe(teamId ?? null);
        return res.json().id as string;
      };
      inMyTeam = await open('in my team', mine.id);
      inOtherTeam = await open('in the other team', other.id);
      noTeam = await open('no team yet');
      otherTeamButMine = await open('other team, assigned to me', other.id);
      const assigned = await token('PATCH', `${API}/conversations/${otherTeamButMine}`, { assigneeId: me.id });
      expect(assigned.statusCode, assigned.body).toBe(200);
    });

    it('shows an agent conversations of their teams, without a team, or assigned to them', async () => {
      for (const id of [inMyTeam, noTeam, otherTeamButMine]) {
        const res = await agent.request('GET', `${API}/conversations/${id}`);
        expect(res.statusCode, res.body).toBe(200);
        expect((await agent.request('GET', `${API}/conversations/${id}/messages`)).statusCode).toBe(200);
      }
      const list = ids(await agent.request('GET', `${API}/conversations?limit=200`));
      expect(list).toEqual(expect.arrayContaining([inMyTeam, noTeam, otherTeamButMine, ticketA.id]));
      expect(list).not.toContain(inOtherTeam);
      const mine = ids(await agent.request('GET', `${API}/conversations?view=mine`));
      expect(mine).toEqual([otherTeamButMine]);
    });

    it("gives an agent 404 on another team's conversation and lets them change nothing there", async () => {
      const url = `${API}/conversations/${inOtherTeam}`;
      expectError(await agent.request('GET', url), 404, 'not_found');
      expectError(await agent.request('GET', `${url}/messages`), 404, 'not_found');
      expectError(await agent.request('GET', `${url}/events`), 404, 'not_found');
      expectError(await agent.request('PATCH', url, { assigneeId: agentId }), 404, 'not_found');
      expectError(await agent.request('POST', `${url}/messages`, { body: 'hi' }), 404, 'not_found');
      expectError(await agent.request('POST', `${url}/notes`, { body: 'hi' }), 404, 'not_found');
      const [row] = await t.services.database.db.select().from(conversations).where(eq(conversations.id, inOtherTeam));
      expect(row).toMatchObject({ assigneeId: null, lastSeq: 1 });
      for (const query of [`?teamId=${row!.teamId}`, '?view=all', '?q=other', '?view=unassigned']) {
        expect(ids(await agent.request('GET', `${API}/conversations${query}`)), query).not.toContain(inOtherTeam);
      }
    });

    it('shows a supervisor every conversation', async () => {
      const res = await supervisor.request('GET', `${API}/conversations/${inOtherTeam}`);
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json().id).toBe(inOtherTeam);
      const list = ids(await supervisor.request('GET', `${API}/conversations?limit=200`));
      expect(list).toEqual(expect.arrayContaining([inMyTeam, inOtherTeam, noTeam, otherTeamButMine, ticketA.id]));
    });
  });
});
