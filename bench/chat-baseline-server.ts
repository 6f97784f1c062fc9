import { createServer } from 'node:http';
import { Server } from 'socket.io';

/**
 * The baseline for bench:chat: a bare Socket.IO 4 server doing the least a chat server could
 * do with the same protocol — no authentication, no database, no bus. A customer's
 * `message:send` is acknowledged at once and the message is emitted to its agent's room.
 * Switchboard's figures are read against it: the gap is what persistence, access checks and
 * the event pipeline cost.
 */
const server = createServer();
const io = new Server(server, { path: '/socket.io', serveClient: false });
let seq = 0;

io.on('connection', (socket) => {
  const auth = socket.handshake.auth as { agent?: number; conversationId?: string };
  if (auth.conversationId === undefined && auth.agent !== undefined) void socket.join(`agent-${auth.agent}`);
  socket.on('conversation:join', (_payload: unknown, ack?: (a: object) => void) => ack?.({ ok: true, lastSeq: 0 }));
  socket.on('conversation:typing', (_payload: unknown, ack?: (a: object) => void) => ack?.({ ok: true }));
  socket.on('message:send', (payload: { conversationId: string; body: string; idempotencyKey: string }, ack?: (a: object) => void) => {
    const message = { id: String(++seq), conversationId: payload.conversationId, seq, body: payload.body, authorType: 'contact', createdAt: new Date().toISOString() };
    ack?.({ ok: true, message });
    io.to(`agent-${auth.agent}`).emit('message', message);
  });
});

server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const address = server.address();
  console.log(`chat baseline listening on http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`);
});
