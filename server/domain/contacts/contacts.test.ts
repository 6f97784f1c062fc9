import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { contacts } from '../../db/schema.ts';
import { DB_KINDS } from '../../../test/helpers/db.ts';
import { createTestApp, loginAgent, makeAgent, type Session, type TestApp } from '../../../test/helpers/app.ts';
import { API, expectError } from '../../../test/api/helpers.ts';

/** A UID names one account at the exchange: two contacts never share one. */
describe.each(DB_KINDS)('contact UIDs on %s', (kind) => {
  let t: TestApp;
  let admin: Session;
  beforeAll(async () => {
    t = await createTestApp(kind);
    admin = await loginAgent(t, (await makeAgent(t, { role: 'admin' })).email);
  });
  afterAll(async () => t.close());

  it('refuses a second contact with the same UID, on create and on change, and lets a contact keep or clear its own', async () => {
    const first = await admin.request('POST', `${API}/contacts`, { name: 'Wang Fang', uid: ' 10293847 ' });
    expect(first.statusCode, first.body).toBe(201);
    expect(first.json().uid).toBe('10293847');

    const again = await admin.request('POST', `${API}/contacts`, { name: 'Someone else', uid: '10293847' });
    expectError(again, 409, 'conflict');
    expect(again.json().error.message).toContain('10293847');

    const second = await admin.request('POST', `${API}/contacts`, { name: 'Li Na', uid: '55501234' });
    expect(second.statusCode).toBe(201);
    expectError(await admin.request('PATCH', `${API}/contacts/${second.json().id}`, { uid: '10293847' }), 409, 'conflict');
    // Nothing was half-written by the refused change.
    const [row] = await t.services.database.db.select().from(contacts).where(eq(contacts.id, second.json().id));
    expect(row!.uid).toBe('55501234');

    // Saving a contact with its own UID is no conflict; a blank UID clears it, and blanks never clash.
    expect((await admin.request('PATCH', `${API}/contacts/${first.json().id}`, { uid: '10293847', name: 'Wang Fang (VIP)' })).statusCode).toBe(200);
    const cleared = await admin.request('PATCH', `${API}/contacts/${second.json().id}`, { uid: '' });
    expect(cleared.json().uid).toBeNull();
    expect((await admin.request('POST', `${API}/contacts`, { name: 'No UID', uid: '' })).json().uid).toBeNull();
    // The UID is free again.
    expect((await admin.request('POST', `${API}/contacts`, { name: 'Li Na again', uid: '55501234' })).statusCode).toBe(201);
  });
});
