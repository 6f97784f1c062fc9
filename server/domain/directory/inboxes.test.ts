import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { events, inboxes } from '../../db/schema.ts';
import { DB_KINDS } from '../../../test/helpers/db.ts';
import { createTestApp, loginAgent, makeAgent, type Session, type TestApp } from '../../../test/helpers/app.ts';
import { API, expectError } from '../../../test/api/helpers.ts';

/** A local SMTP server that accepts one login (or none at all), like a provider's submission port. */
async function smtpSink(accept: { user: string; pass: string } | null) {
  const server = new SMTPServer({
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    logger: false,
    onAuth(auth, _session, done) {
      if (accept && auth.username === accept.user && auth.password === accept.pass) return done(null, { user: auth.username });
      done(new Error('Authentication credentials invalid'));
    },
  });
  server.listen(0, '127.0.0.1');
  await once(server.server, 'listening');
  return { port: (server.server.address() as AddressInfo).port, close: () => new Promise<void>((r) => server.close(() => r())) };
}

/** Email inboxes as admins configure them: settings checked per kind, one inbox per address, and "Test connection". */
describe.each(DB_KINDS)('email inboxes on %s', (kind) => {
  let t: TestApp;
  let admin: Session;
  let agent: Session;

  beforeAll(async () => {
    t = await createTestApp(kind);
    admin = await loginAgent(t, (await makeAgent(t, { role: 'admin' })).email);
    agent = await loginAgent(t, (await makeAgent(t)).email);
  });
  afterAll(async () => t.close());

  it('needs a valid address, stores it lower-case, and checks the types of the known settings', async () => {
    const missing = await admin.request('POST', `${API}/inboxes`, { kind: 'email', name: 'Support', settings: {} });
    expectError(missing, 400, 'validation_failed');
    expect(missing.json().error.message).toContain('settings.address');
    expectError(await admin.request('POST', `${API}/inboxes`, { kind: 'email', name: 'Support', settings: { address: 'not an address' } }), 400, 'validation_failed');
    const port = await admin.request('POST', `${API}/inboxes`, { kind: 'email', name: 'Support', settings: { address: 'a@example.com', imap: { host: 'imap.example.com', port: '993' } } });
    expectError(port, 400, 'validation_failed');
    expect(port.json().error.message).toContain('settings.imap.port');
    expectError(await admin.request('POST', `${API}/inboxes`, { kind: 'email', name: 'S', settings: { address: 'a@example.com', imap: { port: 993 } } }), 400, 'validation_failed');
    const long = await admin.request('POST', `${API}/inboxes`, { kind: 'email', name: 'S', settings: { address: 'a@example.com', signature: { en: 'x'.repeat(5001) } } });
    expectError(long, 400, 'validation_failed');
    expect(long.json().error.message).toContain('settings.signature.en');
    expectError(await admin.request('POST', `${API}/inboxes`, { kind: 'email', name: 'S', settings: { address: 'a@example.com', fromName: 'n'.repeat(121) } }), 400, 'validation_failed');
    const url = await admin.request('POST', `${API}/inboxes`, { kind: 'email', name: 'S', settings: { address: 'a@example.com', smtpUrl: 'http://user:hunter2@mail.example.com' } });
    expectError(url, 400, 'validation_failed');
    // A message names the field, never what was typed into a credential.
    expect(url.body).not.toContain('hunter2');
    expect((await t.services.database.db.select().from(inboxes).where(eq(inboxes.kind, 'email'))).length).toBe(0);

    const ok = await admin.request('POST', `${API}/inboxes`, {
      kind: 'email',
      name: 'Support',
      settings: { address: ' Support@Example.COM ', fromName: 'Exchange Support', imap: { host: 'imap.example.com', port: 993, secure: true, user: 'support', password: 'imap-pw' }, signature: { en: 'Regards', 'zh-CN': '此致' }, futureKey: { kept: true } },
    });
    expect(ok.statusCode, ok.body).toBe(201);
    expect(ok.json().settings).toEqual({ address: 'support@example.com', fromName: 'Exchange Support', imap: { host: 'imap.example.com', port: 993, secure: true, user: 'support' }, signature: { en: 'Regards', 'zh-CN': '此致' }, futureKey: { kept: true } });
    expect(ok.json().secretsSet).toEqual(['imap.password']);
    expect(ok.body).not.toContain('imap-pw');
  });

  it('refuses a second email inbox with the same address (409), also by edit, and lets an inbox keep its own', async () => {
    const first = (await admin.request('POST', `${API}/inboxes`, { kind: 'email', name: 'Billing', settings: { address: 'billing@example.com' } })).json();
    const dup = await admin.request('POST', `${API}/inboxes`, { kind: 'email', name: 'Billing 2', settings: { address: 'BILLING@example.com' } });
    expectError(dup, 409, 'conflict');
    expect(dup.json().error.message).toContain('"Billing" already uses billing@example.com');
    const other = (await admin.request('POST', `${API}/inboxes`, { kind: 'email', name: 'Other', settings: { address: 'other@example.com' } })).json();
    expectError(await admin.request('PATCH', `${API}/inboxes/${other.id}`, { settings: { address: 'billing@example.com' } }), 409, 'conflict');
    const same = await admin.request('PATCH', `${API}/inboxes/${first.id}`, { name: 'Billing desk', settings: { address: 'billing@example.com', fromName: 'Billing' } });
    expect(same.statusCode, same.body).toBe(200);
    expect(same.json()).toMatchObject({ name: 'Billing desk', settings: { address: 'billing@example.com', fromName: 'Billing' } });
    expectError(await admin.request('PATCH', `${API}/inboxes/${first.id}`, { settings: { fromName: 'No address' } }), 400, 'validation_failed');
  });

  it('keeps a credential the edit leaves out, clears it with an empty string, and drops the mailbox with imap: null', async () => {
    const created = (await admin.request('POST', `${API}/inboxes`, { kind: 'email', name: 'Creds', settings: { address: 'creds@example.com', smtpUrl: 'smtp://u:p@127.0.0.1:1', imap: { host: 'h', port: 143, user: 'u', password: 'pw' } } })).json();
    expect(created.secretsSet.sort()).toEqual(['imap.password', 'smtpUrl']);
    const kept = await admin.request('PATCH', `${API}/inboxes/${created.id}`, { settings: { address: 'creds@example.com', imap: { host: 'h2', port: 143, user: 'u' } } });
    expect(kept.json().secretsSet.sort()).toEqual(['imap.password', 'smtpUrl']);
    const cleared = await admin.request('PATCH', `${API}/inboxes/${created.id}`, { settings: { address: 'creds@example.com', smtpUrl: '', imap: null } });
    expect(cleared.json().secretsSet).toEqual([]);
    expect(cleared.json().settings).toEqual({ address: 'creds@example.com' });
  });

  it('"Test connection" logs in to the outbound SMTP server and says why it could not', async () => {
    const good = await smtpSink({ user: 'desk', pass: 's3cret-pass' });
    const refusing = await smtpSink(null);
    try {
      const ok = (await admin.request('POST', `${API}/inboxes`, { kind: 'email', name: 'SMTP ok', settings: { address: 'smtp-ok@example.com', smtpUrl: `smtp://desk:s3cret-pass@127.0.0.1:${good.port}` } })).json();
      const res = await admin.request('POST', `${API}/inboxes/${ok.id}/test`);
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toEqual({ ok: true, message: `SMTP: connected to 127.0.0.1:${good.port} and logged in` });

      const bad = (await admin.request('POST', `${API}/inboxes`, { kind: 'email', name: 'SMTP bad', settings: { address: 'smtp-bad@example.com', smtpUrl: `smtp://desk:s3cret-pass@127.0.0.1:${refusing.port}` } })).json();
      const refused = await admin.request('POST', `${API}/inboxes/${bad.id}/test`);
      expect(refused.statusCode, refused.body).toBe(200);
      expect(refused.json().ok).toBe(false);
      expect(refused.json().message).toMatch(new RegExp(`^SMTP: login refused by 127.0.0.1:${refusing.port}: .*535`));
      expect(refused.body).not.toContain('s3cret-pass');

      // Nothing listens there: a connection failure, said as such.
      await refusing.close();
      const gone = await admin.request('POST', `${API}/inboxes/${bad.id}/test`);
      expect(gone.json()).toMatchObject({ ok: false, message: expect.stringMatching(/^SMTP: could not connect to 127\.0\.0\.1:\d+: .*ECONNREFUSED/) });

      // Tests are audited, with their outcome and no settings.
      const audit = await t.services.database.db.select().from(events).where(eq(events.subjectId, bad.id));
      expect(audit.filter((e) => e.type === 'inboxes.test').map((e) => e.data)).toEqual([{ ok: false }, { ok: false }]);
    } finally {
      await good.close();
    }
  });

  it('is for admins only, says where mail is received, and has nothing to test for kinds without a provider', async () => {
    const inbox = (await admin.request('POST', `${API}/inboxes`, { kind: 'email', name: 'Agents', settings: { address: 'agents@example.com' } })).json();
    expectError(await agent.request('POST', `${API}/inboxes/${inbox.id}/test`), 403, 'forbidden');
    expectError(await agent.request('GET', `${API}/inboxes/email-setup`), 403, 'forbidden');
    expect((await admin.request('GET', `${API}/inboxes/email-setup`)).json()).toEqual({ host: 'localhost', smtpPort: 2525, outboundConfigured: false });
    // No SMTP anywhere and no mailbox: nothing fails, and the admin learns replies stay in the outbox.
    expect((await admin.request('POST', `${API}/inboxes/${inbox.id}/test`)).json()).toMatchObject({ ok: true, message: expect.stringContaining('outbox') });
    const web = (await admin.request('POST', `${API}/inboxes`, { kind: 'webform', name: 'Form' })).json();
    expectError(await admin.request('POST', `${API}/inboxes/${web.id}/test`), 400, 'bad_request');
    expectError(await admin.request('POST', `${API}/inboxes/00000000-0000-4000-8000-000000000000/test`), 404, 'not_found');
  });
});
