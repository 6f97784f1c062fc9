/**
 * One Socket.IO connection per tab, shared by every component that needs pushes. Cookies ride along
 * (same origin), so the server knows who we are. Polling stays on as a slower fallback.
 */
import { useEffect, useRef, useState } from 'react';
import { io, type Socket } from 'socket.io-client';
import { useQueryClient } from '@tanstack/react-query';
import { SOCKET_EVENTS, type SocketAck } from '../../common/realtime.ts';

const PRESENCE_EVENT = SOCKET_EVENTS.presence;
const TYPING_EVENT = SOCKET_EVENTS.typing;

let socket: Socket | null = null;
let users = 0;
let closeTimer: ReturnType<typeof setTimeout> | null = null;

function acquire(): Socket {
  if (closeTimer) {
    clearTimeout(closeTimer);
    closeTimer = null;
  }
  users += 1;
  if (!socket) socket = io({ path: '/socket.io', transports: ['websocket'], withCredentials: true });
  return socket;
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
    const onUpdated = (payload: { id?: string } | undefined) => {
      void queryClient.invalidateQueries({ queryKey: ['conversations'] });
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
    socket.on(SOCKET_EVENTS.conversationUpdated, onUpdated);
    socket.on(SOCKET_EVENTS.notification, onNotif);
    return () => {
      socket.off('connect', onConnect);
      socket.off('disconnect', onDisconnect);
      socket.off(SOCKET_EVENTS.conversationUpdated, onUpdated);
      socket.off(SOCKET_EVENTS.notification, onNotif);
    };
  }, [socket, queryClient]);
  return connected;
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
    const onEvent = (e: { conversationId?: string | null } | undefined) => {
      if (e?.conversationId && e.conversationId !== conversationId) return;
      void queryClient.invalidateQueries({ queryKey: ['conversation', conversationId, 'events'] });
      void queryClient.invalidateQueries({ queryKey: ['conversation', conversationId], exact: true });
    };
    const onPresence = (p: { conversationId?: string; viewers?: Viewer[] } | undefined) => {
      if (!p || p.conversationId !== conversationId) return;
      setViewers(Array.isArray(p.viewers) ? p.viewers : []);
    };
    if (socket.connected) join();
    socket.on('connect', join);
    socket.on(SOCKET_EVENTS.message, onMessage);
    socket.on(SOCKET_EVENTS.event, onEvent);
    socket.on(PRESENCE_EVENT, onPresence);
    return () => {
      socket.off('connect', join);
      socket.off(SOCKET_EVENTS.message, onMessage);
      socket.off(SOCKET_EVENTS.event, onEvent);
      socket.off(PRESENCE_EVENT, onPresence);
      if (socket.connected) socket.emit(SOCKET_EVENTS.conversationLeave, { conversationId });
      setViewers([]);
      setJoined(false);
    };
  }, [socket, conversationId, queryClient]);

  const typingState = useRef({ typing: false, lastSent: 0, idle: null as ReturnType<typeof setTimeout> | null });
  const typing = useRef((value: boolean) => {
    void value;
  });
  typing.current = (value: boolean) => {
    const st = typingState.current;
    if (!socket) return;
    if (st.idle) clearTimeout(st.idle);
    if (value) {
      const now = Date.now();
      // Throttle: tell the room at most every 2 s while typing continues; "stopped" after 3 s idle.
      if (!st.typing || now - st.lastSent > 2000) {
        socket.emit(TYPING_EVENT, { conversationId, typing: true });
        st.lastSent = now;
        st.typing = true;
      }
      st.idle = setTimeout(() => typing.current(false), 3000);
    } else if (st.typing) {
      st.typing = false;
      socket.emit(TYPING_EVENT, { conversationId, typing: false });
    }
  };
  useEffect(() => () => typing.current(false), [conversationId]);

  return { viewers, joined, setTyping: (v: boolean) => typing.current(v) };
}
