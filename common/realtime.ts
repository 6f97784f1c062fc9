/**
 * Socket.IO event names shared by the server and its clients (web app, widget, mobile apps).
 * The protocol is described in docs/realtime.md.
 */
export const SOCKET_EVENTS = {
  /** client → server, ack: join a conversation's room (access checked). */
  conversationJoin: 'conversation:join',
  /** client → server: leave it. */
  conversationLeave: 'conversation:leave',
  /** client → server: {conversationId, typing} — I am (not) typing (staff: collision warning; both: the other side sees it). */
  typing: 'conversation:typing',
  /** client → server, ack {message}: send a message (persisted before the ack); resend with the same idempotencyKey is stored once. */
  messageSend: 'message:send',
  /** client → server, ack {seq}: I have seen the conversation up to seq (read receipts). */
  read: 'conversation:read',
  /** server → client: the other side is (not) typing: {conversationId, side: customer|agent, name, typing}. */
  typingSignal: 'typing',
  /** server → client: {conversationId, side: customer|agent, seq} — that side has read up to seq. */
  readSignal: 'read',
  /** server → client (staff): {conversationId, viewers:[{id,name,typing}]} — who else has it open (collision warning). */
  presence: 'presence',
  /** server → client: a message was added (customers receive public ones only). */
  message: 'message',
  /** server → client (staff): a change in a conversation's history. */
  event: 'event',
  /** server → client (agent): a notification for you (assignment, @mention, SLA breach). */
  notification: 'notification',
  /** server → client (customer): the chat queue moved; refetch GET /chats/:id/queue. */
  queueChanged: 'queue:changed',
  /** server → client (staff): a conversation in your views changed; refetch it. Customers in the room: its status or mode changed ({id, type, status, mode}). */
  conversationUpdated: 'conversation:updated',
  /** server → client: `{}` — pushes may have been missed (Redis was down): join your conversations again and catch up. */
  resync: 'resync',
} as const;

/** The ack every client → server event answers with. */
export type SocketAck<T extends object = object> = ({ ok: true } & T) | { ok: false; error: { code: string; message: string } };
