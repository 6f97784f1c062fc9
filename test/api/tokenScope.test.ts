import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DB_KINDS } from '../helpers/db.ts';
import { apiTokenCreator, teamRefsResolver } from '../../server/domain/auth/apiTokens.ts';
import { asSystem, bearer, createTestApp, loginAgent, makeAgent, makeContact, makeTeam, makeToken, type Session, type TestApp } from '../helpers/app.ts';
import { API, expectError } from './helpers.ts';

/**
 * Issue 11, item 9: an "agent" API token saw every team's conversations and private notes. It now
 * sees what an agent of its teams sees (their conversations and those without a team); admin
 * tokens see everything, as before.
 */

type Call = ReturnType<typeof bearer>;
const ids = (res: { json(): unknown }) => (res.json() as { items: { id: string }[] }).items.map((c) => c.id);

describe.each(DB_KINDS)('API token scope on %s', (kind) => {
  let t: TestApp;
  let admin: Session;
  let adminToken: Call;
  let mine: { id: string; slug: string };
  let other: { id: string; slug: string };
  let inMine: string;
  let inOther: string;
  let noTeam: string;

  beforeAll(async () => {
    t = await createTestApp(kind);
    admin = await loginAgent(t, (await makeAgent(t, { role: 'admin' })).email);
    adminToken = bearer(t, (await makeToken(t, 'admin')).token);
    mine = await makeTeam(t);
    other = await makeTeam(t);
    const customer = await makeContact(t);
    const open = async (subject: string, teamId?: string) => {
      const res = await adminToken('POST', `${API}/conversations`, { subject, body: 'text', contactId: customer.id, ...(teamId ? { teamId } : {}) });
      expect(res.statusCode, res.body).toBe(201);
      return res.json().id as string;
    };
    inMine = await open('in my team', mine.id);
    inOther = await open('in the other team', other.id);
    noTeam = await open('no team yet');
    expect((await adminToken('POST', `${API}/conversations/${inOther}/notes`, { body: 'Private: VIP withdrawal limit raised' })).statusCode).toBe(201);
  });
  afterAll(async () => {
    await t.close();
  });

  it('an agent token of one team sees that team and unteamed conversations, never another team’s or its notes', async () => {
    const call = bearer(t, (await makeToken(t, 'agent', [mine.id])).token);
    const listed = ids(await call('GET', `${API}/conversations?view=all`));
    expect(listed).toEqual(expect.arrayContaining([inMine, noTeam]));
    expect(listed).not.toContain(inOther);
    expect(ids(await call('GET', `${API}/conversations?q=other`))).not.toContain(inOther);

    const url = `${API}/conversations/${inOther}`;
    expectError(await call('GET', url), 404, 'not_found');
    expectError(await call('GET', `${url}/messages`), 404, 'not_found');
    expectError(await call('GET', `${url}/events`), 404, 'not_found');
    expectError(await call('POST', `${url}/notes`, { body: 'let me in' }), 404, 'not_found');
    expectError(await call('POST', `${url}/messages`, { body: 'let me in' }), 404, 'not_found');
    expectError(await call('PATCH', url, { priority: 'urgent' }), 404, 'not_found');

    // Its own team's work goes on.
    expect((await call('GET', `${API}/conversations/${inMine}/messages`)).statusCode).toBe(200);
    expect((await call('POST', `${API}/conversations/${inMine}/notes`, { body: 'checked by the CRM' })).statusCode).toBe(201);
    // Admin-only things stay closed.
    expectError(await call('GET', `${API}/tokens`), 403, 'forbidden');
  });

  it('an agent token without teams sees only conversations that have no team yet', async () => {
    const call = bearer(t, (await makeToken(t, 'agent')).token);
    const listed = ids(await call('GET', `${API}/conversations?view=all`));
    expect(listed).toContain(noTeam);
    expect(listed).not.toContain(inMine);
    expect(listed).not.toContain(inOther);
  });

  it('an admin token still sees every conversation', async () => {
    const listed = ids(await adminToken('GET', `${API}/conversations?view=all`));
    expect(listed).toEqual(expect.arrayContaining([inMine, inOther, noTeam]));
    expect((await adminToken('GET', `${API}/conversations/${inOther}/messages`)).statusCode).toBe(200);
  });

  it('creates agent tokens with teams through the API, and refuses teams on admin tokens or unknown teams', async () => {
    const created = await admin.request('POST', `${API}/tokens`, { name: 'crm', role: 'agent', teamIds: [mine.id] });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json()).toMatchObject({ role: 'agent', teamIds: [mine.id] });
    const listed = (await admin.request('GET', `${API}/tokens`)).json().items.find((x: { id: string }) => x.id === created.json().id);
    expect(listed.teamIds).toEqual([mine.id]);
    expect(ids(await bearer(t, created.json().token)('GET', `${API}/conversations?view=all`))).not.toContain(inOther);

    expectError(await admin.request('POST', `${API}/tokens`, { name: 'bad', role: 'admin', teamIds: [mine.id] }), 400, 'validation_failed');
    expectError(await admin.request('POST', `${API}/tokens`, { name: 'bad', role: 'agent', teamIds: [crypto.randomUUID()] }), 400, 'validation_failed');
    expectError(await admin.request('POST', `${API}/tokens`, { name: 'bad', role: 'agent', teamIds: ['not-a-uuid'] }), 400, 'validation_failed');
  });

  it('documents what each token role sees in the API description', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: `${API}/openapi.json` })).json();
    const body = JSON.stringify(doc.paths[`${API}/tokens`].post.requestBody);
    expect(body).toContain('teamIds');
    expect(body).toMatch(/agent sees what an agent of teamIds sees/);
  });
});

describe.each(DB_KINDS)('tokens scoped by team slug (as the CLI names them) on %s', (kind) => {
  it('resolves --team slugs to ids, and refuses an unknown one', async () => {
    const t = await createTestApp(kind);
    try {
      const team = await makeTeam(t);
      const ids = await asSystem(t, (ctx) => teamRefsResolver(ctx, [team.slug, team.id]));
      expect(ids).toEqual([team.id, team.id]);
      const token = await asSystem(t, (ctx) => apiTokenCreator(ctx, { name: 'cli', role: 'agent', teamIds: ids }));
      expect(token.teamIds).toEqual([team.id]);
      await expect(asSystem(t, (ctx) => teamRefsResolver(ctx, ['no-such-team']))).rejects.toMatchObject({ code: 'validation_failed' });
    } finally {
      await t.close();
    }
  });
});
