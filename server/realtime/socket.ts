import type { Server as HttpServer } from 'node:http';
import { createAdapter } from '@socket.io/redis-adapter';
import { Redis } from 'ioredis';
import { Server, type Socket } from 'socket.io';
import { z } from 'zod';
import { SOCKET_EVENTS, type SocketAck } from '../../common/realtime.ts';
import { apiTokenResolver } from '../domain/auth/apiTokens.ts';
import { isStaff } from '../domain/auth/policy.ts';
import { agentActorLoader, contactActorLoader } from '../domain/auth/principals.ts';
import { sessionFinder } from '../domain/auth/sessions.ts';
import { sha256 } from '../domain/auth/secrets.ts';
import { cached } from '../domain/cache.ts';
import { type Actor, type Services, SYSTEM, read, transact } from '../domain/context.ts';
import { chatToTicket } from '../domain/routing/chatSessions.ts';
import { settingsReader } from '../domain/system/settings.ts';
import { QUEUES } from '../jobs/boss.ts';
import { type ConversationView, conversationGetter, conversationLoader } from '../domain/conversations/conversationReader.ts';
import { actorNames } from '../domain/conversations/timelineReader.ts';
import { AppError } from '../errors.ts';
import { DATABASE_UNAVAILABLE, isDatabaseUnavailable } from '../db/client.ts';
import { presentEvent, presentMessage } from '../routes/api/present.ts';
import { SESSION_COOKIE } from '../routes/authenticate.ts';
import { type DomainEvent, FAIL_FAST_REDIS } from './bus.ts';
import { attachChatSignals } from './chatSignals.ts';
import { attachSessionCutter, rememberSocketAuth } from './sessionCutter.ts';
import { and, eq, inArray, sql } from 'drizzle-orm';
import { agents, apiTokens, attachments, contacts, conversations, messages } from '../db/schema.ts';

/** Rooms, named as STYLE.md says. */
export const rooms = {
  agent: (id: string) => `agent-${id}`,
  team: (id: string) => `team-${id}`,
  /** Staff who see every conversation (admins, supervisors, tokens). */
  allConversations: 'staff-all',
  /** Agents see conversations that have no team yet. */
  unteamed: 'staff-unteamed',
  conversationStaff: (id: string) => `conversation-${id}`,
  conversationCustomer: (id: string) => `conversation-${id}-customer`,
};

const JoinPayload = z.object({ conversationId: z.uuid() });
const TypingPayload = z.object({ conversationId: z.uuid(), typing: z.boolean() });

/** Tells everyone looking at a conversation who else is (viewing it, typing in it) — across processes with the Redis adapter. */
async function broadcastPresence(io: Server, conversationId: string): Promise<void> {
  const room = rooms.conversationStaff(conversationId);
  // While Redis is down the other processes cannot answer: this process's viewers are better than none.
  const sockets = await io
    .in(room)
    .fetchSockets()
    .catch(() => io.local.in(room).fetchSockets());
  const viewers = new Map<string, { id: string; name: string; typing: boolean }>();
  for (const s of sockets) {
    const actor = s.data.actor as Actor;
    if (actor.type !== 'agent') continue;
    const typing = Boolean((s.data.typing as string[] | undefined)?.includes(conversationId));
    const seen = viewers.get(actor.id);
    viewers.set(actor.id, { id: actor.id, name: actor.name, typing: typing || Boolean(seen?.typing) });
  }
  io.to(room).emit(SOCKET_EVENTS.presence, { conversationId, viewers: [...viewers.values()] });
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return decodeURIComponent(v.join('='));
  }
  return undefined;
}

/** Who is connecting: a session cookie (browser) or auth.token (apps and integrations). */
async function authenticateSocket(services: Services, socket: Socket): Promise<Actor> {
  const { db } = services.database;
  const now = services.clock();
  const startedAt = Date.now();
  const token = socket.handshake.auth?.token;
  if (typeof token === 'string' && token) {
    const row = await cached(services, `token:${sha256(token)}`, ['api_tokens.'], 30_000, () => apiTokenResolver(db, token, now));
    if (!row) throw new AppError('unauthenticated', 'Invalid or revoked API token');
    rememberSocketAuth(socket, { sessionId: null, principal: { type: 'token', id: row.id }, expiresAt: null, startedAt });
    return { type: 'token', id: row.id, role: row.role, teamIds: row.teamIds };
  }
  // A cookie rides along with any page's request, so a cross-site page must not be able to open our socket.
  const origin = socket.handshake.headers.origin;
  const host = socket.handshake.headers.host;
  if (origin && host && new URL(origin).host !== host && origin !== new URL(services.env.publicUrl).origin) {
    throw new AppError('forbidden', 'Cross-site socket refused');
  }
  const secret = cookieValue(socket.handshake.headers.cookie, SESSION_COOKIE);
  const session = secret ? await sessionFinder(db, secret, now) : null;
  if (!session || session.mfaPending) throw new AppError('unauthenticated', 'Sign in first');
  const loaded = session.principalType === 'agent' ? await agentActorLoader(db, session.principalId) : await contactActorLoader(db, session.principalId);
  if (!loaded) throw new AppError('unauthenticated', 'Sign in first');
  rememberSocketAuth(socket, { sessionId: session.id, principal: { type: session.principalType, id: session.principalId }, expiresAt: session.expiresAt, startedAt });
  return loaded.actor;
}

const fail = (err: unknown): SocketAck => {
  if (err instanceof AppError) return { ok: false, error: { code: err.code, message: err.message } };
  if (isDatabaseUnavailable(err)) return { ok: false, error: { code: 'unavailable', message: DATABASE_UNAVAILABLE } };
  if (err instanceof z.ZodError) return { ok: false, error: { code: 'validation_failed', message: err.issues[0]?.message ?? 'Invalid payload' } };
  return { ok: false, error: { code: 'internal', message: 'Something went wrong on our side' } };
};

/**
 * Real time over Socket.IO: authenticated connections, rooms per agent, team and conversation,
 * and a processor that turns committed domain events into pushes. Every process receives every
 * event from the bus, so each pushes only to its own sockets (io.local); the Redis adapter, when
 * configured, lets processes see each other's sockets.
 */
export async function attachRealtime(server: HttpServer, services: Services): Promise<{ io: Server; close(): Promise<void> }> {
  const io = new Server(server, { path: '/socket.io', serveClient: false, connectionStateRecovery: undefined });
  let redis: Redis[] = [];
  if (services.env.REDIS_URL) {
    // Fail fast while Redis is down (no offline queue to wait in; see FAIL_FAST_REDIS). The
    // subscriber keeps its queue: the adapter subscribes before the connection is up.
    const pub = new Redis(services.env.REDIS_URL, { ...FAIL_FAST_REDIS, lazyConnect: false });
    const sub = new Redis(services.env.REDIS_URL, { retryStrategy: FAIL_FAST_REDIS.retryStrategy, maxRetriesPerRequest: null });
    // The bus logs the outage once; these would repeat it every reconnect attempt (and without
    // a handler ioredis prints "missing 'error' handler").
    pub.on('error', () => {});
    sub.on('error', () => {});
    // The adapter publishes broadcasts without awaiting them: while Redis is down each would be
    // an unhandled rejection. The local part of a broadcast is sent all the same.
    const publish = pub.publish.bind(pub) as (...args: unknown[]) => Promise<number>;
    (pub as unknown as { publish: typeof publish }).publish = (...args) => {
      const sent = publish(...args);
      sent.catch(() => {});
      return sent;
    };
    redis = [pub, sub];
    io.adapter(createAdapter(pub, sub, { requestsTimeout: 2000 }));
  }
  // Pushes may have been missed (the bus was down): every client here joins again and catches up.
  const stopResync = services.bus.onResync(() => io.local.emit(SOCKET_EVENTS.resync, {}));

  io.use((socket, next) => {
    authenticateSocket(services, socket)
      .then((actor) => {
        socket.data.actor = actor;
        next();
      })
      .catch((err: unknown) => {
        // A database outage is not a reason to send someone to the sign-in page.
        const e = err instanceof AppError ? err : isDatabaseUnavailable(err) ? new AppError('unavailable', DATABASE_UNAVAILABLE) : new AppError('unauthenticated', 'Sign in first');
        next(Object.assign(new Error(e.message), { data: { code: e.code } }));
      });
  });

  // A session's end (logout, password change, disable, token revoked) cuts its sockets on every process.
  const cutter = attachSessionCutter(io, services);
  io.on('connection', (socket) => {
    cutter.watch(socket);
    const actor = socket.data.actor as Actor;
    if (actor.type === 'agent') {
      void socket.join(rooms.agent(actor.id));
      for (const t of actor.teamIds) void socket.join(rooms.team(t));
      void socket.join(actor.role === 'agent' ? rooms.unteamed : rooms.allConversations);
    } else if (actor.type === 'token' && actor.role === 'agent') {
      // An agent-role token hears what an agent of its teams hears (see teamScoped in policy.ts).
      for (const t of actor.teamIds) void socket.join(rooms.team(t));
      void socket.join(rooms.unteamed);
    } else if (isStaff(actor)) {
      void socket.join(rooms.allConversations);
    }

    socket.on(SOCKET_EVENTS.conversationJoin, async (payload: unknown, ack?: (a: SocketAck<{ lastSeq: number }>) => void) => {
      try {
        const { conversationId } = JoinPayload.parse(payload);
        const conversation = await read(services, actor, (ctx) => conversationGetter(ctx, conversationId));
        await socket.join(isStaff(actor) ? rooms.conversationStaff(conversationId) : rooms.conversationCustomer(conversationId));
        ack?.({ ok: true, lastSeq: conversation.lastSeq });
        if (isStaff(actor)) await broadcastPresence(io, conversationId);
      } catch (err) {
        ack?.(fail(err) as SocketAck<{ lastSeq: number }>);
      }
    });
    socket.on(SOCKET_EVENTS.conversationLeave, async (payload: unknown, ack?: (a: SocketAck) => void) => {
      const parsed = JoinPayload.safeParse(payload);
      if (!parsed.success) return ack?.(fail(parsed.error));
      await socket.leave(rooms.conversationStaff(parsed.data.conversationId));
      await socket.leave(rooms.conversationCustomer(parsed.data.conversationId));
      socket.data.typing = ((socket.data.typing as string[] | undefined) ?? []).filter((id) => id !== parsed.data.conversationId);
      ack?.({ ok: true });
      if (isStaff(actor)) await broadcastPresence(io, parsed.data.conversationId);
    });
    socket.on(SOCKET_EVENTS.typing, async (payload: unknown, ack?: (a: SocketAck) => void) => {
      const parsed = TypingPayload.safeParse(payload);
      if (!parsed.success) return ack?.(fail(parsed.error));
      const { conversationId, typing } = parsed.data;
      // Customers' typing is relayed by chatSignals; here staff typing feeds the collision warning.
      if (!isStaff(actor)) return ack?.(socket.rooms.has(rooms.conversationCustomer(conversationId)) ? { ok: true } : fail(new AppError('forbidden', 'Join the conversation first')));
      // Only someone who joined the room (access checked there) can announce typing in it.
      if (!socket.rooms.has(rooms.conversationStaff(conversationId))) return ack?.(fail(new AppError('forbidden', 'Join the conversation first')));
      const current = new Set((socket.data.typing as string[] | undefined) ?? []);
      if (typing) current.add(conversationId);
      else current.delete(conversationId);
      socket.data.typing = [...current];
      ack?.({ ok: true });
      await broadcastPresence(io, conversationId);
    });
    attachChatSignals(io, services, socket, rooms, fail);
    socket.on('disconnecting', () => {
      if (actor.type === 'contact') {
        const chats = [...socket.rooms].filter((r) => r.endsWith('-customer')).map((r) => r.slice('conversation-'.length, -'-customer'.length));
        if (chats.length) void abandonWatcher(services, chats).catch(() => {});
      }
      const left = [...socket.rooms].filter((r) => r.startsWith('conversation-') && !r.endsWith('-customer')).map((r) => r.slice('conversation-'.length));
      // After the socket has left its rooms, tell the others.
      setImmediate(() => {
        for (const id of left) void broadcastPresence(io, id).catch(() => {});
      });
    });
  });

  if (services.boss) {
    await services.boss.work<{ conversationId: string }>(QUEUES.chatAbandon, { batchSize: 10, pollingIntervalSeconds: 2 }, async (jobs) => {
      for (const job of jobs) await abandonedChatTicketer(io, services, job.data.conversationId);
    });
  }
  const updates = messageUpdateCoalescer(io);
  const unsubscribe = services.bus.subscribe((event) => push(io, services, event, updates));
  return {
    io,
    async close() {
      unsubscribe();
      stopResync();
      cutter.stop();
      updates.stop();
      await new Promise<void>((resolve) => io.close(() => resolve()));
      for (const r of redis) r.disconnect();
    },
  };
}

/**
 * A chat customer's socket went away (closed tab, lost network). If they have not come back to
 * the chat after the abandon time, it becomes a ticket — a durable job, so a restart does not
 * forget it.
 */
async function abandonWatcher(services: Services, conversationIds: string[]): Promise<void> {
  if (!services.boss) return;
  const live = await services.database.db
    .select({ id: conversations.id })
    .from(conversations)
    .where(and(inArray(conversations.id, conversationIds), eq(conversations.mode, 'live'), inArray(conversations.status, ['new', 'open', 'pending', 'on_hold'])));
  if (!live.length) return;
  const { chatAbandonSeconds } = await settingsReader(services.database.db);
  for (const c of live) await services.boss.send(QUEUES.chatAbandon, { conversationId: c.id }, { startAfter: chatAbandonSeconds });
}

/** The abandon time has passed: no customer socket in the chat on any process → ticket. */
async function abandonedChatTicketer(io: Server, services: Services, conversationId: string): Promise<void> {
  const conversation = await conversationLoader(services.database.db, conversationId);
  if (!conversation || conversation.mode !== 'live' || conversation.status === 'solved' || conversation.status === 'closed') return;
  const present = await io.in(rooms.conversationCustomer(conversationId)).fetchSockets();
  if (present.length) return;
  await transact(services, SYSTEM, (ctx) => chatToTicket(ctx, conversationId, 'customer_left'));
}

/** Events after which waiting customers' queue positions (and the staff's live queue view) may have moved. */
const QUEUE_EVENTS = new Set(['conversations.assign', 'conversations.create', 'conversations.update', 'agents.status', 'agents.update']);

/** Tells staff (their live queue view) and every customer waiting in this process's sockets to refetch. */
async function pushQueueChanged(io: Server, services: Services, event: DomainEvent): Promise<void> {
  if (event.type === 'conversations.create' && event.data.mode !== 'live') return;
  io.local.to([rooms.allConversations, rooms.unteamed]).emit(SOCKET_EVENTS.queueChanged, {});
  const waiting = await services.database.db
    .select({ id: conversations.id })
    .from(conversations)
    .where(and(eq(conversations.mode, 'live'), inArray(conversations.status, ['new', 'open'])));
  if (!waiting.length) return;
  io.local.to(waiting.map((w) => rooms.conversationCustomer(w.id))).emit(SOCKET_EVENTS.queueChanged, {});
}

/** A new message as pushed (author name, files) and the conversation's current routing state. */
async function pushedMessageLoader(services: Services, conversationId: string, seq: number, withFiles: boolean) {
  const { db } = services.database;
  const [row] = await db
    .select({
      message: messages,
      authorName: sql<string | null>`coalesce(${agents.name}, nullif(${contacts.name}, ''), ${contacts.email}, 'API: ' || ${apiTokens.name})`,
      status: conversations.status,
      lastSeq: conversations.lastSeq,
      teamId: conversations.teamId,
      assigneeId: conversations.assigneeId,
    })
    .from(messages)
    .innerJoin(conversations, eq(conversations.id, messages.conversationId))
    .leftJoin(agents, and(eq(messages.authorType, 'agent'), eq(agents.id, messages.authorId)))
    .leftJoin(contacts, and(eq(messages.authorType, 'contact'), eq(contacts.id, messages.authorId)))
    .leftJoin(apiTokens, and(eq(messages.authorType, 'token'), eq(apiTokens.id, messages.authorId)))
    .where(and(eq(messages.conversationId, conversationId), eq(messages.seq, seq)))
    .limit(1);
  if (!row) return null;
  const files = withFiles ? await db.select().from(attachments).where(eq(attachments.messageId, row.message.id)) : [];
  return {
    message: { ...row.message, authorName: row.message.authorId ? row.authorName : null, attachments: files },
    conversation: { status: row.status, lastSeq: row.lastSeq, teamId: row.teamId, assigneeId: row.assigneeId },
  };
}

/** How often views hear that conversations got new messages (at most once per audience). */
export const MESSAGE_UPDATE_MS = 1000;

/**
 * Every message in every chat would tell the whole team "conversation:updated", several frames
 * per message, for lists that only need to know that something moved. For new messages each
 * audience (room) hears at most once a second, naming the latest conversation; changes of
 * status, assignee and the rest still go at once.
 */
function messageUpdateCoalescer(io: Server) {
  const pending = new Map<string, object>();
  const timer = setInterval(() => {
    if (!pending.size) return;
    for (const [room, payload] of pending) io.local.to(room).emit(SOCKET_EVENTS.conversationUpdated, payload);
    pending.clear();
  }, MESSAGE_UPDATE_MS);
  timer.unref();
  return {
    add(audience: string[], payload: object) {
      for (const room of audience) pending.set(room, payload);
    },
    stop() {
      clearInterval(timer);
      pending.clear();
    },
  };
}

/** Whether any staff socket is connected to this process (each joins one of these two rooms). */
function hasStaffHere(io: Server): boolean {
  const local = io.of('/').adapter.rooms;
  return (local.get(rooms.allConversations)?.size ?? 0) > 0 || (local.get(rooms.unteamed)?.size ?? 0) > 0;
}

/**
 * The customer's side of a change they must see at once: their chat ended (either side ended it),
 * became a ticket or was reopened. Only this process's customer sockets in the conversation hear
 * it, and a process with none reads nothing.
 */
async function pushCustomerChange(io: Server, services: Services, event: DomainEvent, conversationId: string): Promise<void> {
  if (event.type !== 'conversations.update') return;
  const after = (event.data.after ?? {}) as Record<string, unknown>;
  if (!('status' in after) && !('mode' in after)) return;
  const room = rooms.conversationCustomer(conversationId);
  if (!io.of('/').adapter.rooms.get(room)?.size) return;
  const conversation = await conversationLoader(services.database.db, conversationId);
  if (!conversation) return;
  io.local.to(room).emit(SOCKET_EVENTS.conversationUpdated, { id: conversationId, type: event.type, status: conversation.status, mode: conversation.mode });
}

/** Turns one committed event into the pushes its audience should get. */
async function push(io: Server, services: Services, event: DomainEvent, updates: ReturnType<typeof messageUpdateCoalescer>): Promise<void> {
  const local = io.local;
  if (event.type === 'notifications.create') {
    // The notifier puts the conversation in data (the event itself belongs to the agent, not to a conversation).
    local.to(rooms.agent(event.subjectId)).emit(SOCKET_EVENTS.notification, { ...event.data, conversationId: event.conversationId ?? event.data.conversationId ?? null, createdAt: event.createdAt });
    return;
  }
  if (QUEUE_EVENTS.has(event.type)) await pushQueueChanged(io, services, event);
  const conversationId = event.conversationId;
  if (!conversationId) return;
  let conversation: Pick<ConversationView, 'status' | 'lastSeq' | 'teamId' | 'assigneeId'> | null;

  if (event.type === 'messages.create') {
    // The hot path of live chat: one query for the message, its author's name and where the conversation stands.
    const found = event.push
      ? { message: { ...event.push.message, createdAt: new Date(event.push.message.createdAt) } as unknown as Parameters<typeof presentMessage>[0], conversation: event.push.conversation }
      : await pushedMessageLoader(services, conversationId, Number(event.data.seq), event.data.attachments !== 0);
    if (!found) return;
    conversation = found.conversation;
    const payload = presentMessage(found.message);
    const audience = found.message.visibility === 'public' ? [rooms.conversationStaff(conversationId), rooms.conversationCustomer(conversationId)] : rooms.conversationStaff(conversationId);
    const sender = event.push?.exceptSocket;
    (sender ? local.to(audience).except(sender) : local.to(audience)).emit(SOCKET_EVENTS.message, payload);
  } else {
    await pushCustomerChange(io, services, event, conversationId);
    // Only staff hear about other changes: a process with no staff socket reads nothing for them.
    if (!hasStaffHere(io)) return;
    conversation = await conversationLoader(services.database.db, conversationId);
    if (!conversation) return;
    const names = await actorNames(services.database.db, [{ type: event.actorType, id: event.actorId }]);
    const actorName = event.actorId ? (names.get(event.actorId) ?? null) : null;
    local.to(rooms.conversationStaff(conversationId)).emit(SOCKET_EVENTS.event, presentEvent({ ...event, actorName, createdAt: new Date(event.createdAt), ip: null }));
  }

  // Whoever has this conversation in a view hears that it changed.
  const audience = [rooms.allConversations, conversation.teamId ? rooms.team(conversation.teamId) : rooms.unteamed];
  if (conversation.assigneeId) audience.push(rooms.agent(conversation.assigneeId));
  const payload = { id: conversationId, type: event.type, status: conversation.status, lastSeq: conversation.lastSeq };
  if (event.type === 'messages.create') updates.add(audience, payload);
  else local.to(audience).emit(SOCKET_EVENTS.conversationUpdated, payload);
}

