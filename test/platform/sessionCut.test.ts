import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io as connect, type Socket } from 'socket.io-client';
import { SOCKET_EVENTS } from '../../common/realtime.ts';
import { eq } from 'drizzle-orm';
import { sessions } from '../../server/db/schema.ts';
import { attachRealtime } from '../../server/realtime/socket.ts';
import { attachSessionCutter } from '../../server/realtime/sessionCutter.ts';
import { DB_KINDS, TEST_DATABASE_URL, createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { createTestApp, loginAgent, loginContact, makeAgent, makeContact, makeTeam, makeToken, type Session, type TestApp } from '../helpers/app.ts';
import { startServerProcess, type ServerProcess } from '../helpers/server.ts';
import { httpClient as client } from '../helpers/httpClient.ts';

/**
 * Issue 11, item 1: every session end cuts that session's live sockets at once, on every process —
 * otherwise a disabled agent keeps receiving private notes and can still send public replies.
 */

const API = '/api/v1';

/** Resolves with the reason once the socket is disconnected. */
const disconnected = (socket: Socket) => new Promise<string>((resolve) => (socket.connected ? socket.once('disconnect', (reason) => resolve(reason)) : resolve('already')));

/** True when the socket is still connected and answers (a join round trip). */
async function alive(socket: Socket, conversationId: string): Promise<boolean> {
  if (!socket.connected) return false;
  const ack = await socket.timeout(5_000).emitWithAck(SOCKET_EVENTS.conversationJoin, { conversationId }).catch(() => null);
  return Boolean(ack?.ok) && socket.connected;
}

describe.each(DB_KINDS)('session ends cut live sockets (one process) on %s', (kind) => {
  let t: TestApp;
  let url: string;
  let close: () => Promise<void>;
  let io: Awaited<ReturnType<typeof attachRealtime>>['io'];
  let admin: Session;
  let conversationId: string;
  const sockets: Socket[] = [];

  beforeAll(async () => {
    t = await createTestApp(kind);
    const realtime = await attachRealtime(t.app.server, t.services);
    close = realtime.close;
    io = realtime.io;
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const address = t.app.server.address();
    url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    admin = await loginAgent(t, (await makeAgent(t, { role: 'admin' })).email);
    const created = await admin.request('POST', `${API}/conversations`, { subject: 'Stolen funds', body: 'Please freeze', contact: { email: 'victim@example.com' } });
    expect(created.statusCode, created.body).toBe(201);
    conversationId = created.json().id;
  });
  afterAll(async () => {
    for (const s of sockets) s.disconnect();
    await close();
    await t.close();
  });

  const open = (options: { session?: Session; token?: string }) =>
    new Promise<Socket>((resolve, reject) => {
      const socket = connect(url, {
        transports: ['websocket'],
        extraHeaders: options.session ? { cookie: options.session.cookie } : {},
        auth: options.token ? { token: options.token } : {},
        reconnection: false,
      });
      sockets.push(socket);
      socket.once('connect', () => resolve(socket));
      socket.once('connect_error', reject);
    });

  it('cuts a disabled agent’s socket: no more private notes, no more replies', async () => {
    const agent = await makeAgent(t);
    const session = await loginAgent(t, agent.email);
    const socket = await open({ session });
    expect(await alive(socket, conversationId)).toBe(true);
    const notes: unknown[] = [];
    socket.on(SOCKET_EVENTS.message, (m) => notes.push(m));

    const gone = disconnected(socket);
    expect((await admin.request('PATCH', `${API}/agents/${agent.id}`, { disabled: true })).statusCode).toBe(200);
    expect(await gone).toBe('io server disconnect');

    expect((await admin.request('POST', `${API}/conversations/${conversationId}/notes`, { body: 'Private: account flagged' })).statusCode).toBe(201);
    expect(notes).toEqual([]);
    // And it cannot come back.
    await expect(open({ session })).rejects.toMatchObject({ message: 'Sign in first' });
  });

  it('cuts the sockets of a logged-out session only; the agent’s other session keeps its socket', async () => {
    const agent = await makeAgent(t);
    const [first, second] = [await loginAgent(t, agent.email), await loginAgent(t, agent.email)];
    const [s1, s2] = [await open({ session: first }), await open({ session: second })];
    const gone = disconnected(s1);
    expect((await first.request('POST', `${API}/auth/logout`)).statusCode).toBe(204);
    await gone;
    expect(await alive(s2, conversationId)).toBe(true);
  });

  it('cuts every socket of an agent whose password an admin reset, and on a 2FA reset', async () => {
    const agent = await makeAgent(t);
    const socket = await open({ session: await loginAgent(t, agent.email) });
    const gone = disconnected(socket);
    expect((await admin.request('PATCH', `${API}/agents/${agent.id}`, { password: 'a brand new password' })).statusCode).toBe(200);
    await gone;

    const again = await open({ session: await loginAgent(t, agent.email, 'a brand new password') });
    const goneAgain = disconnected(again);
    expect((await admin.request('PATCH', `${API}/agents/${agent.id}`, { resetTotp: true })).statusCode).toBe(200);
    await goneAgain;
  });

  it('cuts an API token’s socket when the token is revoked', async () => {
    const { id, token } = await makeToken(t, 'admin');
    const socket = await open({ token });
    expect(await alive(socket, conversationId)).toBe(true);
    const gone = disconnected(socket);
    expect((await admin.request('DELETE', `${API}/tokens/${id}`)).statusCode).toBe(204);
    await gone;
    await expect(open({ token })).rejects.toBeTruthy();
  });

  it('a password change cuts the sockets of the account’s other sessions and keeps this one’s', async () => {
    const customerRow = await makeContact(t);
    const [here, elsewhere] = [await loginContact(t, customerRow.email!), await loginContact(t, customerRow.email!)];
    const [mine, theirs] = [await open({ session: here }), await open({ session: elsewhere })];
    const gone = disconnected(theirs);
    const res = await here.request('POST', `${API}/auth/password`, { currentPassword: 'correct horse battery', newPassword: 'a much better passphrase' });
    expect(res.statusCode, res.body).toBe(200);
    await gone;
    // Still connected and answering (a round trip through the server).
    expect(mine.connected).toBe(true);
    expect(await mine.timeout(5_000).emitWithAck(SOCKET_EVENTS.typing, { conversationId, typing: false }).catch(() => null)).toBeTruthy();
    expect(mine.connected).toBe(true);
  });

  it('still cuts a socket whose session ended without a bus message (Redis was down), at the next sweep', async () => {
    const agent = await makeAgent(t);
    const session = await loginAgent(t, agent.email);
    const socket = await open({ session });
    const keep = await open({ session: await loginAgent(t, (await makeAgent(t)).email) });
    // Gone from the database behind the bus's back.
    await t.services.database.db.delete(sessions).where(eq(sessions.principalId, agent.id));
    expect(socket.connected).toBe(true);
    const gone = disconnected(socket);
    const cutter = attachSessionCutter(io, t.services);
    await cutter.sweep();
    cutter.stop();
    await gone;
    expect(await alive(keep, conversationId)).toBe(true);
  });

  it('an agent-role API token joins only its teams’ conversations over the socket (issue 11, item 9)', async () => {
    const team = await makeTeam(t);
    const created = await admin.request('POST', `${API}/conversations`, { subject: 'Team only', body: 'x', contact: { email: 'team-only@example.com' }, teamId: team.id });
    expect(created.statusCode, created.body).toBe(201);
    const outsider = await open({ token: (await makeToken(t, 'agent')).token });
    expect(await outsider.emitWithAck(SOCKET_EVENTS.conversationJoin, { conversationId: created.json().id })).toMatchObject({ ok: false, error: { code: 'not_found' } });
    const member = await open({ token: (await makeToken(t, 'agent', [team.id])).token });
    expect(await member.emitWithAck(SOCKET_EVENTS.conversationJoin, { conversationId: created.json().id })).toMatchObject({ ok: true });
  });

  it('leaves other people’s sockets alone', async () => {
    const agent = await makeAgent(t);
    const bystander = await open({ session: await loginAgent(t, agent.email) });
    const customerRow = await makeContact(t);
    const customer = await open({ session: await loginContact(t, customerRow.email!) });
    const other = await makeAgent(t);
    const otherSocket = await open({ session: await loginAgent(t, other.email) });
    const gone = disconnected(otherSocket);
    expect((await admin.request('PATCH', `${API}/agents/${other.id}`, { disabled: true })).statusCode).toBe(200);
    await gone;
    expect(await alive(bystander, conversationId)).toBe(true);
    expect(customer.connected).toBe(true);
  });
});

const REDIS = process.env.TEST_REDIS_URL;
const ROOT = join(import.meta.dirname, '..', '..');


function socketTo(base: string, options: { cookie?: string; token?: string }): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(base, { transports: ['websocket'], extraHeaders: options.cookie ? { cookie: options.cookie } : {}, auth: options.token ? { token: options.token } : {}, reconnection: false });
    s.once('connect', () => resolve(s));
    s.once('connect_error', reject);
  });
}

describe.runIf(TEST_DATABASE_URL && REDIS)('session ends cut live sockets on every process (two processes, Redis)', () => {
  let db: TestDatabase;
  let a: ServerProcess;
  let b: ServerProcess;
  let token = '';
  const sockets: Socket[] = [];
  const dataDir = mkdtempSync(join(tmpdir(), 'sb-cut-'));
  const env = () => ({ DATABASE_URL: db.url!, REDIS_URL: REDIS!, SEED_DEMO: '0', DATA_DIR: dataDir });

  beforeAll(async () => {
    db = await createTestDatabase('postgres');
    const made = spawnSync(process.execPath, [join(ROOT, 'bin/switchboard.js'), 'create-api-token', '--name', 'cut', '--role', 'admin'], { cwd: ROOT, env: { ...process.env, ...env() }, encoding: 'utf8' });
    token = /\n(sb_\S+)/.exec(made.stdout)?.[1] ?? '';
    expect(token, made.stderr).not.toBe('');
    [a, b] = await Promise.all([startServerProcess(env()), startServerProcess(env())]);
  }, 180_000);
  afterAll(async () => {
    for (const s of sockets) s.disconnect();
    await Promise.all([a?.stop(), b?.stop()]);
    await db?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('a disable, a logout and a token revoke on process A cut the sockets on process B', async () => {
    const auth = { authorization: `Bearer ${token}` };
    const adminA = client(a.url);
    const made = await adminA.request('POST', '/agents', { email: 'cut-me@example.com', name: 'Cut Me', password: 'correct horse battery' }, auth);
    expect(made.status).toBe(201);

    // Two sessions of the agent, each with a socket on process B.
    const browser1 = client(b.url);
    const browser2 = client(b.url);
    for (const br of [browser1, browser2]) expect((await br.request('POST', '/auth/login', { email: 'cut-me@example.com', password: 'correct horse battery' })).status).toBe(200);
    const s1 = await socketTo(b.url, { cookie: browser1.cookie });
    const s2 = await socketTo(b.url, { cookie: browser2.cookie });
    sockets.push(s1, s2);

    // Logout of session 1, sent to process A: only s1 is cut, on B.
    const csrf1 = /sb_csrf=([^;]+)/.exec(browser1.cookie)![1]!;
    const logout = await fetch(`${a.url}${API}/auth/logout`, { method: 'POST', headers: { cookie: browser1.cookie, 'x-csrf-token': csrf1 } });
    expect(logout.status).toBe(204);
    await disconnected(s1);
    expect(s2.connected).toBe(true);

    // Disabled through process A: s2 is cut on B.
    const gone = disconnected(s2);
    expect((await adminA.request('PATCH', `/agents/${made.json.id}`, { disabled: true }, auth)).status).toBe(200);
    expect(await gone).toBe('io server disconnect');

    // A token socket on B, revoked through A.
    const minted = await adminA.request('POST', '/tokens', { name: 'integration', role: 'admin' }, auth);
    expect(minted.status).toBe(201);
    const ts = await socketTo(b.url, { token: minted.json.token });
    sockets.push(ts);
    const tokenGone = disconnected(ts);
    expect((await adminA.request('DELETE', `/tokens/${minted.json.id}`, undefined, auth)).status).toBe(204);
    await tokenGone;
  }, 120_000);
});
