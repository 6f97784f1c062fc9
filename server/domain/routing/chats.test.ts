import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import type { LightMyRequestResponse } from 'fastify';
import { outboxEmails } from '../../db/schema.ts';
import { DB_KINDS } from '../../../test/helpers/db.ts';
import { asSystem, createTestApp, loginContact, makeAgent, makeContact, type TestApp } from '../../../test/helpers/app.ts';
import { agentUpdater } from '../directory/agents.ts';
import { chatRouter } from './chatRouter.ts';

/** A visitor's browser: keeps the cookies the server sets. */
function visitor(t: TestApp) {
  let cookie = '';
  let csrf = '';
  const remember = (res: LightMyRequestResponse) => {
    const set = res.cookies as { name: string; value: string }[];
    if (set.length) {
      cookie = set.map((c) => `${c.name}=${c.value}`).join('; ');
      csrf = set.find((c) => c.name === 'sb_csrf')?.value ?? csrf;
    }
    return res;
  };
  return {
    request: async (method: string, url: string, payload?: unknown) =>
      remember(await t.app.inject({ method: method as 'GET', url, payload: payload as object, headers: cookie ? { cookie, 'x-csrf-token': csrf } : {} })),
  };
}

describe.each(DB_KINDS)('live chat sessions on %s', (kind) => {
  let t: TestApp;
  beforeEach(async () => {
    t = await createTestApp(kind);
  });
  afterEach(async () => t.close());

  it('turns a chat into a ticket at once when nobody is online, telling the visitor how they will hear back', async () => {
    const v = visitor(t);
    const res = await v.request('POST', '/api/v1/chats', { description: 'My deposit is missing', email: 'visitor@example.com', name: 'Vic' });
    expect(res.statusCode, res.body).toBe(201);
    const { conversation, queue } = res.json();
    expect(queue).toMatchObject({ state: 'ticket', agentsAvailable: 0, estimatedWaitSeconds: null });
    expect(conversation.mode).toBe('async');
    const messages = (await v.request('GET', `/api/v1/conversations/${conversation.id}/messages`)).json().items;
    expect(messages.map((m: { body: string }) => m.body)).toEqual(['My deposit is missing', `No agent is available right now. Your chat is now ticket #${conversation.number}. We sent a confirmation link to visitor@example.com: once you confirm your address, our answer reaches you by email and in My tickets.`]);
    // The typed address gets the link only (test/api/unverified.test.ts follows it).
    const mails = await t.services.database.db.select().from(outboxEmails).where(eq(outboxEmails.conversationId, conversation.id));
    expect(mails.map((m) => m.subject)).toEqual([`Confirm your email address to follow ticket #${conversation.number}`]);
    // The system line does not count as our first response.
    expect((await v.request('GET', `/api/v1/conversations/${conversation.id}`)).json().firstResponseAt).toBeNull();
  });

  it('shows position and estimated wait while queued, then the assignment', async () => {
    const a = await makeAgent(t);
    await asSystem(t, (ctx) => agentUpdater(ctx, a.id, { status: 'online', capacity: 3, languages: ['en'] }));
    const v = visitor(t);
    const { conversation, queue } = (await v.request('POST', '/api/v1/chats', { description: 'Withdrawal stuck', name: 'Ann' })).json();
    expect(conversation.mode).toBe('live');
    // Default handling time 6 min over 3 slots: the first in line waits about 2 min.
    expect(queue).toMatchObject({ state: 'waiting', position: 1, agentsAvailable: 1, estimatedWaitSeconds: 120 });
    expect(await chatRouter(t.services)).toEqual([{ chatId: conversation.id, agentId: a.id }]);
    expect((await v.request('GET', `/api/v1/chats/${conversation.id}/queue`)).json()).toMatchObject({ state: 'assigned', position: null });

    // The customer ends it and asks for the transcript (no email: nothing to send).
    expect((await v.request('POST', `/api/v1/chats/${conversation.id}/end`, { transcript: true })).statusCode).toBe(204);
    expect((await v.request('GET', `/api/v1/chats/${conversation.id}/queue`)).json().state).toBe('closed');
  });

  it('never hands a visitor an existing customer’s account because they typed its email', async () => {
    const owner = await makeContact(t);
    const ownerSession = await loginContact(t, owner.email!);
    const ticket = (await ownerSession.request('POST', '/api/v1/conversations', { subject: 'Private', body: 'my API keys' })).json();
    const v = visitor(t);
    const started = (await v.request('POST', '/api/v1/chats', { description: 'hi', email: owner.email })).json();
    expect(started.conversation.contactId).not.toBe(owner.id);
    expect((await v.request('GET', `/api/v1/conversations/${ticket.id}`)).statusCode).toBe(404);
    expect((await v.request('GET', '/api/v1/conversations')).json().items.map((c: { id: string }) => c.id)).toEqual([started.conversation.id]);
  });

  it('lets the customer leave a ticket instead of waiting, and emails the transcript (once the typed address is confirmed) when the chat ends', async () => {
    const a = await makeAgent(t);
    await asSystem(t, (ctx) => agentUpdater(ctx, a.id, { status: 'online', languages: ['en', 'zh-CN'] }));
    const v = visitor(t);
    const { conversation } = (await v.request('POST', '/api/v1/chats', { description: 'KYC stuck', email: 'k@example.com' })).json();
    await v.request('POST', `/api/v1/conversations/${conversation.id}/messages`, { body: 'Still there?' });
    const ticket = await v.request('POST', `/api/v1/chats/${conversation.id}/ticket`);
    expect(ticket.json()).toMatchObject({ id: conversation.id, mode: 'async' });
    // A ticket is no longer routed as a chat.
    expect(await chatRouter(t.services)).toEqual([]);

    const v2 = visitor(t);
    const chat = (await v2.request('POST', '/api/v1/chats', { description: '提币延迟', email: 'z@example.com', language: 'zh-CN' })).json().conversation;
    await v2.request('POST', `/api/v1/chats/${chat.id}/end`, { transcript: true });
    const [link] = await t.services.database.db.select().from(outboxEmails).where(eq(outboxEmails.conversationId, chat.id));
    expect(link).toMatchObject({ to: 'z@example.com', subject: `请确认您的邮箱地址以查看工单 #${chat.number}` });
    expect(link!.text).not.toContain('提币延迟');
    const token = /token=([\w-]+)/.exec(link!.text)![1];
    expect((await t.app.inject({ method: 'POST', url: '/api/v1/tickets/confirm', payload: { token } })).statusCode).toBe(200);
    const mail = (await t.services.database.db.select().from(outboxEmails).where(eq(outboxEmails.conversationId, chat.id))).find((m) => m.subject.startsWith('在线客服对话记录'));
    expect(mail).toMatchObject({ to: 'z@example.com', subject: `在线客服对话记录 #${chat.number}` });
    expect(mail!.text).toContain('您: 提币延迟');
  });
});
