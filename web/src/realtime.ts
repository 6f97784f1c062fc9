/**
 * One Socket.IO connection per tab, shared by every component that needs pushes. Cookies ride along
 * (same origin), so the server knows who we are. Polling stays on as a slower fallback.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { io, type Socket } from 'socket.io-client';
import { useQueryClient } from '@tanstack/react-query';
import { SOCKET_EVENTS, type SocketAck } from '../../common/realtime.ts';
import type { ConversationOut, MessageOut } from '../../common/schemas.ts';

const PRESENCE_EVENT = SOCKET_EVENTS.presence;
const TYPING_EVENT = SOCKET_EVENTS.typing;
/** Lists refetch at most this often however many conversations change. */
const LIST_REFRESH_MS = 1500;
/** docs/realtime.md: treat typing: true as expired after about 6 s without a repeat. */
export const TYPING_EXPIRY_MS = 6000;

let socket: Socket | null = null;
let users = 0;
let closeTimer: ReturnType<typeof setTimeout> | null = null;

function acquire(): Socket {
  if (closeTimer) {
    clearTimeout(closeTimer);
    closeTimer = null;
  }
  users += 1;
  if (!socket) {
    socket = io({ path: '/socket.io', transports: ['websocket'], withCredentials: true });
    rejoinOnResync(socket);
  }
  return socket;
}

/**
 * `resync` (docs/realtime.md): the server may have missed pushes for us (Redis was down) though
 * the connection stayed up. Do what a reconnect does — every component's `connect` handler joins
 * its rooms again and catches up — without dropping the connection.
 */
export function rejoinOnResync(s: Pick<Socket, 'on' | 'listeners'>) {
  s.on(SOCKET_EVENTS.resync, () => {
    for (const rejoin of s.listeners('connect')) rejoin();
  });
}

function release() {
  users = Math.max(0, users - 1);
  if (users > 0) return;
  // React (StrictMode, route changes) unmounts and remounts at once: close only if nobody comes back.
  closeTimer = setTimeout(() => {
    closeTimer = null;
    if (users === 0 && socket) {
      socket.disconnect();
      socket = null;
    }
  }, 1000);
}

/** Closes the connection now (sign-out), whoever still holds it. */
export function closeSocket() {
  if (closeTimer) clearTimeout(closeTimer);
  closeTimer = null;
  socket?.disconnect();
  socket = null;
}

/** The shared socket while the calling component is mounted (null until connected once). */
export function useSocket(enabled = true): Socket | null {
  const [s, setS] = useState<Socket | null>(null);
  useEffect(() => {
    if (!enabled) return;
    const sock = acquire();
    setS(sock);
    return () => {
      setS(null);
      release();
    };
  }, [enabled]);
  return s;
}

export interface NotificationPush {
  id?: string;
  type?: 'assigned' | 'mentioned' | 'sla_breach' | string;
  conversationId?: string | null;
  number?: number;
  subject?: string;
  excerpt?: string;
  data?: { number?: number; subject?: string; excerpt?: string; kind?: string };
  createdAt?: string;
}

/**
 * Workspace-wide pushes for a signed-in agent: list and count refreshes, and notifications
 * (handed to onNotification for the toast, the sound and the badge).
 */
export function useAgentRealtime(onNotification: (n: NotificationPush) => void) {
  const queryClient = useQueryClient();
  const socket = useSocket();
  const handler = useRef(onNotification);
  handler.current = onNotification;
  const [connected, setConnected] = useState(false);

  useEffect(() => {
    if (!socket) return;
    // Every message in every chat of my teams says "updated": refetch the lists at most every
    // 1.5 s (the last push in a burst still counts), the open conversation at once.
    let listTimer: ReturnType<typeof setTimeout> | null = null;
    let listDue = false;
    const refreshLists = () => {
      if (listTimer) {
        listDue = true;
        return;
      }
      void queryClient.invalidateQueries({ queryKey: ['conversations'] });
      void queryClient.invalidateQueries({ queryKey: ['chats', 'live'] });
      listTimer = setTimeout(() => {
        listTimer = null;
        if (listDue) {
          listDue = false;
          refreshLists();
        }
      }, LIST_REFRESH_MS);
    };
    const onUpdated = (payload: { id?: string } | undefined) => {
      refreshLists();
      if (payload?.id) void queryClient.invalidateQueries({ queryKey: ['conversation', payload.id], exact: true });
    };
    const onNotif = (n: NotificationPush) => {
      void queryClient.invalidateQueries({ queryKey: ['notifications'] });
      handler.current(n);
    };
    const onConnect = () => setConnected(true);
    const onDisconnect = () => setConnected(false);
    setConnected(socket.connected);
    socket.on('connect', onConnect);
    socket.on('disconnect', onDisconnect);
    // The live queue moved (a chat started, was offered, accepted or ended; an agent's presence changed).
    const onQueue = () => void queryClient.invalidateQueries({ queryKey: ['chats', 'live'] });
    socket.on(SOCKET_EVENTS.conversationUpdated, onUpdated);
    socket.on(SOCKET_EVENTS.notification, onNotif);
    socket.on(SOCKET_EVENTS.queueChanged, onQueue);
    // Updates may have been missed (Redis was down): refetch the lists, the queue and the notifications.
    const onResync = () => {
      refreshLists();
      void queryClient.invalidateQueries({ queryKey: ['notifications'] });
    };
    socket.on(SOCKET_EVENTS.resync, onResync);
    return () => {
      socket.off(SOCKET_EVENTS.resync, onResync);
      if (listTimer) clearTimeout(listTimer);
      socket.off(SOCKET_EVENTS.queueChanged, onQueue);
      socket.off('connect', onConnect);
      socket.off('disconnect', onDisconnect);
      socket.off(SOCKET_EVENTS.conversationUpdated, onUpdated);
      socket.off(SOCKET_EVENTS.notification, onNotif);
    };
  }, [socket, queryClient]);
  return connected;
}

/** The socket event name a delivery update may come under, besides the staff `event` push of the same type. */
export const DELIVERY_EVENT = 'messages.delivery';

/**
 * A message's delivery state changed (queued → sent / failed …). The push may carry the message,
 * or the state in its data (an event: subjectId = the message); what it carries is applied at once,
 * and the caller refetches the messages anyway. Returns the list unchanged when nothing applies.
 */
export function applyDeliveryPush(old: { items: MessageOut[] } | undefined, push: unknown): { items: MessageOut[] } | undefined {
  if (!old || !push || typeof push !== 'object') return old;
  const p = push as { id?: unknown; subjectId?: unknown; messageId?: unknown; deliveryStatus?: unknown; deliveryError?: unknown; data?: Record<string, unknown> | null };
  const data = p.data && typeof p.data === 'object' ? p.data : {};
  const id = [data.messageId, p.messageId, p.subjectId, typeof p.deliveryStatus === 'string' ? p.id : undefined].find((v): v is string => typeof v === 'string');
  const status = [data.deliveryStatus, data.status, data.after && typeof data.after === 'object' ? (data.after as Record<string, unknown>).deliveryStatus : undefined, p.deliveryStatus].find(
    (v): v is MessageOut['deliveryStatus'] & string => v === 'queued' || v === 'stored' || v === 'sent' || v === 'failed',
  );
  if (!id || !status) return old;
  const errorOf = (v: unknown) => (typeof v === 'string' ? v : null);
  const reason = errorOf(data.deliveryError) ?? errorOf(data.error) ?? errorOf(data.reason) ?? errorOf(p.deliveryError);
  let changed = false;
  const items = old.items.map((m) => {
    if (m.id !== id) return m;
    changed = true;
    return { ...m, deliveryStatus: status, deliveryError: status === 'failed' ? (reason ?? m.deliveryError) : null };
  });
  return changed ? { items } : old;
}

export interface Viewer {
  id: string;
  name: string;
  typing: boolean;
}

/**
 * Joins a conversation's room (again after every reconnect), keeps its queries fresh from pushes,
 * and reports who else is looking. `typing(true|false)` tells the others.
 */
export function useConversationRoom(conversationId: string, enabled = true) {
  const queryClient = useQueryClient();
  const socket = useSocket(enabled);
  const [viewers, setViewers] = useState<Viewer[]>([]);
  const [joined, setJoined] = useState(false);
  const [customerTyping, setCustomerTyping] = useState(false);

  useEffect(() => {
    if (!socket || !conversationId) return;
    const join = () => {
      socket.emit(SOCKET_EVENTS.conversationJoin, { conversationId }, (ack: SocketAck<{ lastSeq: number }>) => {
        setJoined(Boolean(ack?.ok));
        // Catch up on anything missed while disconnected.
        if (ack?.ok) void queryClient.invalidateQueries({ queryKey: ['conversation', conversationId] });
      });
    };
    const onMessage = (m: { conversationId?: string } | undefined) => {
      if (m?.conversationId && m.conversationId !== conversationId) return;
      void queryClient.invalidateQueries({ queryKey: ['conversation', conversationId, 'messages'] });
      void queryClient.invalidateQueries({ queryKey: ['conversation', conversationId], exact: true });
    };
    const onEvent = (e: { conversationId?: string | null; type?: string } | undefined) => {
      if (e?.conversationId && e.conversationId !== conversationId) return;
      if (e?.type === DELIVERY_EVENT) {
        onDelivery(e);
        return;
      }
      void queryClient.invalidateQueries({ queryKey: ['conversation', conversationId, 'events'] });
      void queryClient.invalidateQueries({ queryKey: ['conversation', conversationId], exact: true });
    };
    // A delivery badge moves at once from what the push says, and the messages are refetched to be sure.
    const onDelivery = (p: { conversationId?: string | null } | undefined) => {
      if (p?.conversationId && p.conversationId !== conversationId) return;
      queryClient.setQueryData<{ items: MessageOut[] }>(['conversation', conversationId, 'messages'], (old) => applyDeliveryPush(old, p));
      void queryClient.invalidateQueries({ queryKey: ['conversation', conversationId, 'messages'] });
    };
    const onPresence = (p: { conversationId?: string; viewers?: Viewer[] } | undefined) => {
      if (!p || p.conversationId !== conversationId) return;
      setViewers(Array.isArray(p.viewers) ? p.viewers : []);
    };
    // A typing signal that is not repeated within a few seconds has expired (the sender may have gone).
    let typingExpiry: ReturnType<typeof setTimeout> | null = null;
    const onTypingSignal = (p: { conversationId?: string; side?: string; typing?: boolean } | undefined) => {
      if (!p || p.conversationId !== conversationId || p.side !== 'customer') return;
      if (typingExpiry) clearTimeout(typingExpiry);
      setCustomerTyping(Boolean(p.typing));
      if (p.typing) typingExpiry = setTimeout(() => setCustomerTyping(false), TYPING_EXPIRY_MS);
    };
    const onRead = (p: { conversationId?: string; side?: string; seq?: number } | undefined) => {
      if (!p || p.conversationId !== conversationId || typeof p.seq !== 'number') return;
      const field = p.side === 'customer' ? 'customerReadSeq' : 'agentReadSeq';
      const seq = p.seq;
      queryClient.setQueryData<ConversationOut>(['conversation', conversationId], (old) => (old && seq > old[field] ? { ...old, [field]: seq } : old));
    };
    // A customer message ends their typing.
    const onCustomerMessage = (m: { conversationId?: string; direction?: string } | undefined) => {
      if (m?.conversationId === conversationId && m.direction === 'in') setCustomerTyping(false);
    };
    if (socket.connected) join();
    socket.on('connect', join);
    socket.on(SOCKET_EVENTS.message, onMessage);
    socket.on(SOCKET_EVENTS.message, onCustomerMessage);
    socket.on(SOCKET_EVENTS.event, onEvent);
    socket.on(DELIVERY_EVENT, onDelivery);
    socket.on(PRESENCE_EVENT, onPresence);
    socket.on(SOCKET_EVENTS.typingSignal, onTypingSignal);
    socket.on(SOCKET_EVENTS.readSignal, onRead);
    return () => {
      if (typingExpiry) clearTimeout(typingExpiry);
      setCustomerTyping(false);
      socket.off(SOCKET_EVENTS.message, onCustomerMessage);
      socket.off(SOCKET_EVENTS.typingSignal, onTypingSignal);
      socket.off(SOCKET_EVENTS.readSignal, onRead);
      socket.off('connect', join);
      socket.off(SOCKET_EVENTS.message, onMessage);
      socket.off(SOCKET_EVENTS.event, onEvent);
      socket.off(DELIVERY_EVENT, onDelivery);
      socket.off(PRESENCE_EVENT, onPresence);
      if (socket.connected) socket.emit(SOCKET_EVENTS.conversationLeave, { conversationId });
      setViewers([]);
      setJoined(false);
    };
  }, [socket, conversationId, queryClient]);

  const setTyping = useTypingSender(socket, conversationId);
  const markRead = useReadSender(socket, joined, conversationId);

  return { viewers, joined, customerTyping, markRead, setTyping };
}

/**
 * "I am (not) typing" for a conversation, throttled as docs/realtime.md asks: true at most every
 * 2 s while typing continues, false after 3 s idle or when told. Stable across renders.
 */
export function useTypingSender(socket: Socket | null, conversationId: string) {
  const state = useRef({ typing: false, lastSent: 0, idle: null as ReturnType<typeof setTimeout> | null });
  const target = useRef({ socket, conversationId });
  target.current = { socket, conversationId };
  const send = useCallback((value: boolean) => {
    const st = state.current;
    const { socket: s, conversationId: id } = target.current;
    if (st.idle) clearTimeout(st.idle);
    st.idle = null;
    if (!s || !id) return;
    if (value) {
      const now = Date.now();
      if (!st.typing || now - st.lastSent > 2000) {
        s.emit(TYPING_EVENT, { conversationId: id, typing: true });
        st.lastSent = now;
        st.typing = true;
      }
      st.idle = setTimeout(() => send(false), 3000);
    } else if (st.typing) {
      st.typing = false;
      s.emit(TYPING_EVENT, { conversationId: id, typing: false });
    }
  }, []);
  useEffect(() => () => send(false), [conversationId, send]);
  return send;
}

/** "I have seen up to seq" for a joined conversation: only forward, once per position. */
export function useReadSender(socket: Socket | null, joined: boolean, conversationId: string) {
  const sent = useRef(0);
  useEffect(() => {
    sent.current = 0;
  }, [conversationId, socket]);
  return useCallback(
    (seq: number) => {
      if (!socket || !joined || seq <= sent.current) return;
      sent.current = seq;
      socket.emit(SOCKET_EVENTS.read, { conversationId, seq });
    },
    [socket, joined, conversationId],
  );
}

/** Counts what the page shows as read while the tab is visible, and again when it becomes visible. */
export function useMarkReadWhenVisible(highestSeq: number, markRead: (seq: number) => void) {
  useEffect(() => {
    const mark = () => {
      if (document.visibilityState === 'visible' && highestSeq > 0) markRead(highestSeq);
    };
    mark();
    document.addEventListener('visibilitychange', mark);
    return () => document.removeEventListener('visibilitychange', mark);
  }, [highestSeq, markRead]);
}
