import { it } from 'vitest';
import { sql } from 'drizzle-orm';
import { createTestApp, makeAgent, makeContact, loginAgent, loginContact, makeToken, bearer } from '../helpers/app.ts';

it('explore', async () => {
  const t = await createTestApp((process.env.KIND as any) ?? 'pglite');
  const db = t.services.database.db;
  for (const q of [sql`select ${'a\u0000'}::text`, sql`select ${JSON.stringify({ a: '\u0000' })}::jsonb`, sql`select 1 where 1 > ${99999999999}::int`]) {
    try { await db.execute(q); console.log('ok'); } catch (e: any) { console.log('code', e.code, e.cause?.code, e.cause?.message); }
  }
  const admin = await makeAgent(t, { role: 'admin' });
  const s = await loginAgent(t, admin.email);
  const show = (label: string, r: any) => console.log(label, r.statusCode, r.body.slice(0, 300));
  show('agents unknown team', await s.request('POST', '/api/v1/agents', { email: 'zz@zz.example', name: 'z', password: 'abcdefghijkl', teamIds: ['00000000-0000-4000-8000-000000000000'] }));
  const tok = await makeToken(t, 'admin');
  show('me token', await bearer(t, tok.token)('GET', '/api/v1/auth/me'));
  const c = await makeContact(t);
  const key = 'same-key-123456';
  const rs = await Promise.all(Array.from({ length: 5 }, () => bearer(t, tok.token)('POST', '/api/v1/conversations', { subject: 'x', body: 'y', contactId: c.id, idempotencyKey: key })));
  console.log('concurrent', JSON.stringify(rs.map((r) => r.statusCode + ' ' + (r.json().id ?? r.json().error?.code))));
  const conv = rs.find((r) => r.statusCode === 201)!.json();
  const ms = await Promise.all(Array.from({ length: 5 }, () => bearer(t, tok.token)('POST', `/api/v1/conversations/${conv.id}/messages`, { body: 'y', idempotencyKey: key })));
  console.log('concurrent msgs', JSON.stringify(ms.map((r) => r.statusCode + ' ' + (r.json().id ?? r.json().error?.code))));
  const agent = await makeAgent(t);
  const as = await loginAgent(t, agent.email);
  show('self name', await as.request('PATCH', `/api/v1/agents/${agent.id}`, { name: 'New', status: 'away' }));
  show('self role', await as.request('PATCH', `/api/v1/agents/${agent.id}`, { role: 'admin' }));
  show('self pw', await as.request('PATCH', `/api/v1/agents/${agent.id}`, { password: 'new password 123' }));
  show('me after pw', await as.request('GET', `/api/v1/auth/me`));
  show('code', await t.app.inject({ method: 'POST', url: '/api/v1/auth/customer/code', payload: { email: 'New@Example.com' } }));
  show('code2', await t.app.inject({ method: 'POST', url: '/api/v1/auth/customer/code', payload: { email: 'new@example.com' } }));
  show('outbox', await s.request('GET', '/api/v1/outbox'));
  show('events', await s.request('GET', '/api/v1/events?limit=3'));
  await t.close();
});
