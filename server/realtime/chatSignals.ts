import { eq, sql } from 'drizzle-orm';
import type { Server, Socket } from 'socket.io';
import { z } from 'zod';
import { MessageCreate } from '../../common/schemas.ts';
import { SOCKET_EVENTS, type SocketAck } from '../../common/realtime.ts';
import { conversations } from '../db/schema.ts';
import { type Actor, type Services, single } from '../domain/context.ts';
import { messageCreator } from '../domain/conversations/messageCreator.ts';
import { messageAuthorNamer } from '../domain/conversations/timelineReader.ts';
import { AppError } from '../errors.ts';
import { presentMessage } from '../routes/api/present.ts';

const SendPayload = z.intersection(
  z.object({ conversationId: z.uuid(), idempotencyKey: z.string().min(8).max(100) }),
  MessageCreate,
);
const TypingPayload = z.object({ conversationId: z.uuid(), typing: z.boolean() });
const ReadPayload = z.object({ conversationId: z.uuid(), seq: z.number().int().min(0) });

/** Sending over the socket is limited per connection: a burst of 20, then 5 a second. */
const SEND_BURST = 20;
const SEND_PER_SECOND = 5;

export interface RoomNames {
  conversationStaff(id: string): string;
  conversationCustomer(id: string): string;
}

/** The side of a conversation a socket is on, if it has joined that conversation (access was checked at join). */
function sideIn(socket: Socket, rooms: RoomNames, conversationId: string): 'agent' | 'customer' | null {
  if (socket.rooms.has(rooms.conversationStaff(conversationId))) return 'agent';
  if (socket.rooms.has(rooms.conversationCustomer(conversationId))) return 'customer';
  return null;
}

/** The author's name as GET …/messages gives it, for a message the writer did not name (a resend, a token's message). */
const notJoined = (): SocketAck => ({ ok: false, error: { code: 'forbidden', message: 'Join the conversation first' } });

/**
 * The chat signals of one connection: sending a message with an acknowledgement once it is
 * committed (mobile apps and the bench use it; the web app may use HTTP), typing for both
 * sides, and read receipts. Every handler requires the socket to have joined the conversation,
 * which is where access is checked.
 */
export function attachChatSignals(io: Server, services: Services, socket: Socket, rooms: RoomNames, fail: (err: unknown) => SocketAck) {
  const actor = socket.data.actor as Actor;
  let tokens = SEND_BURST;
  let refilledAt = Date.now();
  // Messages of one connection are stored in the order they were sent: each send starts only after
  // the previous one has committed (or failed). Without this, a client that does not wait for acks
  // gets its burst stored in whatever order the database connections happen to finish.
  let sending: Promise<void> = Promise.resolve();

  socket.on(SOCKET_EVENTS.messageSend, (payload: unknown, ack?: (a: SocketAck<{ message: ReturnType<typeof presentMessage> }>) => void) => {
    const reply = (a: SocketAck) => ack?.(a as SocketAck<{ message: ReturnType<typeof presentMessage> }>);
    // The allowance is counted when the message arrives, not when its turn comes.
    const now = Date.now();
    tokens = Math.min(SEND_BURST, tokens + ((now - refilledAt) / 1000) * SEND_PER_SECOND);
    refilledAt = now;
    if (tokens < 1) return reply({ ok: false, error: { code: 'rate_limited', message: 'Too many messages; slow down' } });
    tokens -= 1;
    sending = sending.then(async () => {
      try {
        const input = SendPayload.parse(payload);
        if (!sideIn(socket, rooms, input.conversationId)) return reply(notJoined());
        // One statement for a plain chat message; messageCreator opens a transaction when it needs one.
        const result = await single(services, actor, async (ctx) => {
          const created = await messageCreator(ctx, input.conversationId, { body: input.body, attachmentIds: input.attachmentIds, idempotencyKey: input.idempotencyKey, visibility: 'public' });
          // This socket has the message in its ack: the push goes to everyone else in the rooms.
          for (const event of ctx.emitted) if (event.push) event.push.exceptSocket = socket.id;
          return { ...created, authorName: ctx.emitted.find((e) => e.push)?.push?.message.authorName };
        });
        // The ack names the author as the push and GET …/messages do.
        const authorName = typeof result.authorName === 'string' ? result.authorName : await messageAuthorNamer(services.database.db, result.message);
        ack?.({ ok: true, message: presentMessage({ ...result.message, authorName }) });
      } catch (err) {
        reply(fail(err));
      }
    });
  });

  // Customers' typing goes to the staff in the room; staff typing (also shown as collision presence by socket.ts) goes to the customer.
  socket.on(SOCKET_EVENTS.typing, (payload: unknown) => {
    const parsed = TypingPayload.safeParse(payload);
    if (!parsed.success) return;
    const { conversationId, typing } = parsed.data;
    const side = sideIn(socket, rooms, conversationId);
    if (!side) return;
    const to = side === 'customer' ? rooms.conversationStaff(conversationId) : rooms.conversationCustomer(conversationId);
    io.to(to).emit(SOCKET_EVENTS.typingSignal, { conversationId, side, name: side === 'agent' && actor.type === 'agent' ? actor.name : null, typing });
  });

  socket.on(SOCKET_EVENTS.read, async (payload: unknown, ack?: (a: SocketAck<{ seq: number }>) => void) => {
    try {
      const { conversationId, seq } = ReadPayload.parse(payload);
      const side = sideIn(socket, rooms, conversationId);
      if (!side) return ack?.(notJoined() as SocketAck<{ seq: number }>);
      // Read positions only move forward, and never past the last message.
      const column = side === 'customer' ? conversations.customerReadSeq : conversations.agentReadSeq;
      const [row] = await services.database.db
        .update(conversations)
        .set({ [side === 'customer' ? 'customerReadSeq' : 'agentReadSeq']: sql`greatest(${column}, least(${seq}, ${conversations.lastSeq}))` })
        .where(eq(conversations.id, conversationId))
        .returning({ customer: conversations.customerReadSeq, agent: conversations.agentReadSeq });
      if (!row) throw new AppError('not_found', 'Conversation not found');
      const stored = side === 'customer' ? row.customer : row.agent;
      ack?.({ ok: true, seq: stored });
      io.to([rooms.conversationStaff(conversationId), rooms.conversationCustomer(conversationId)]).emit(SOCKET_EVENTS.readSignal, { conversationId, side, seq: stored });
    } catch (err) {
      ack?.(fail(err) as SocketAck<{ seq: number }>);
    }
  });
}
