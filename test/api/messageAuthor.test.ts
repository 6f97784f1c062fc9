import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DB_KINDS } from '../helpers/db.ts';
import { bearer, createTestApp, loginAgent, loginContact, makeAgent, makeContact, makeToken, type Session, type TestApp } from '../helpers/app.ts';
import { API, tempDataDir } from './helpers.ts';

/** What POST …/messages answers names the author as GET …/messages (and the push) do, whoever wrote it. */
describe.each(DB_KINDS)('the author of a message written over HTTP, on %s', (kind) => {
  let t: TestApp;
  let customer: Session;
  let agent: Session;
  let conversationId: string;
  const dataDir = tempDataDir();

  beforeAll(async () => {
    t = await createTestApp(kind, { DATA_DIR: dataDir });
    const contact = await makeContact(t);
    customer = await loginContact(t, contact.email!);
    agent = await loginAgent(t, (await makeAgent(t, { role: 'admin', name: 'Ada Author' })).email);
    const created = await customer.request('POST', `${API}/conversations`, { subject: 'Who wrote this', body: 'first' });
    expect(created.statusCode, created.body).toBe(201);
    conversationId = created.json().id;
  });
  afterAll(async () => {
    await t.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('names the customer, the agent and an API token in the answer exactly as the list does', async () => {
    const token = await makeToken(t, 'admin');
    const byCustomer = await customer.request('POST', `${API}/conversations/${conversationId}/messages`, { body: 'from the customer' });
    const byAgent = await agent.request('POST', `${API}/conversations/${conversationId}/messages`, { body: 'from the agent' });
    const byToken = await bearer(t, token.token)('POST', `${API}/conversations/${conversationId}/messages`, { body: 'from the integration' });
    for (const res of [byCustomer, byAgent, byToken]) expect(res.statusCode, res.body).toBe(201);
    const listed = (await agent.request('GET', `${API}/conversations/${conversationId}/messages`)).json().items as { id: string; authorName: string | null }[];
    const nameOf = (id: string) => listed.find((m) => m.id === id)?.authorName;
    for (const res of [byCustomer, byAgent, byToken]) {
      const message = res.json() as { id: string; authorName: string | null };
      expect(message.authorName).toBeTruthy();
      expect(message.authorName).toBe(nameOf(message.id));
    }
    expect(byAgent.json().authorName).toBe('Ada Author');
  });
});
