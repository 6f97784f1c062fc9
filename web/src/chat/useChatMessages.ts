import { useCallback, useEffect, useRef, useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import type { MessageOut } from '../../../common/schemas.ts';
import { SOCKET_EVENTS, type SocketAck } from '../../../common/realtime.ts';
import { createSeqTracker } from '../../../common/seqTracker.ts';
import { api } from '../api.ts';
import type { Items } from '../lib/types.ts';
import { TYPING_EXPIRY_MS, useReadSender, useSocket, useTypingSender } from '../realtime.ts';

const FALLBACK_POLL_MS = 15_000;
/** Catch-up page size (the API's default); a full page means there is more to fetch. */
const CATCH_UP_PAGE = 200;

/**
 * The chat's messages, kept by seq: joins the conversation's room (again after every reconnect),
 * catches up with ?afterSeq from the highest CONTIGUOUS seq (common/seqTracker.ts), appends pushes
 * and acks, drops any seq already shown, and catches up at once when a push shows a gap.
 */
export function useChatMessages(conversationId: string, live: boolean, initialAgentReadSeq = 0) {
  const queryClient = useQueryClient();
  const socket = useSocket(live);
  const [messages, setMessages] = useState<MessageOut[]>([]);
  const [connected, setConnected] = useState(true);
  const [joined, setJoined] = useState(false);
  /** The agent's name while they type (null: not typing). */
  const [agentTyping, setAgentTyping] = useState<string | null>(null);
  /** How far the agent has read (read receipts for the customer's messages). */
  const [agentReadSeq, setAgentReadSeq] = useState(initialAgentReadSeq);
  useEffect(() => setAgentReadSeq((old) => Math.max(old, initialAgentReadSeq)), [initialAgentReadSeq]);
  const setTyping = useTypingSender(live ? socket : null, conversationId);
  const markRead = useReadSender(socket, joined, conversationId);
  const bySeq = useRef(new Map<number, MessageOut>());
  const seqs = useRef(createSeqTracker());
  const loading = useRef<Promise<void> | null>(null);

  /** Shows messages (kept by seq, each once); true when one of them shows that an earlier one is missing. */
  const show = useCallback((list: MessageOut[]) => {
    let changed = false;
    let gap = false;
    for (const m of list) {
      if (m.conversationId !== conversationId || bySeq.current.has(m.seq)) continue;
      bySeq.current.set(m.seq, m);
      if (seqs.current.received(m.seq)) gap = true;
      changed = true;
    }
    if (changed) setMessages([...bySeq.current.values()].sort((a, b) => a.seq - b.seq));
    return gap;
  }, [conversationId]);

  /** A message this page got outside a catch-up (an ack of its own send). */
  const add = useCallback((list: MessageOut[]) => void show(list), [show]);

  const catchUp = useCallback(async (lastSeq?: number) => {
    // One catch-up at a time; a later request waits for the running one and then asks again.
    while (loading.current) await loading.current;
    const run = (async () => {
      try {
        // From the highest seq up to which nothing is missing — never the highest held: an ack for
        // N+1 may have come before the push of N.
        const tracker = seqs.current;
        const held = bySeq.current;
        for (;;) {
          const afterSeq = tracker.contiguous;
          const res = await api.get<Items<MessageOut>>(`/conversations/${conversationId}/messages`, { afterSeq, limit: CATCH_UP_PAGE });
          // The page moved to another conversation meanwhile: this answer is not for it.
          if (seqs.current !== tracker) return;
          const mine = res.items.filter((m) => m.conversationId === conversationId);
          for (const m of mine) if (!held.has(m.seq)) held.set(m.seq, m);
          const more = res.items.length >= CATCH_UP_PAGE;
          tracker.caughtUp(afterSeq, mine.map((m) => m.seq), { lastSeq, more });
          if (mine.length) setMessages([...held.values()].sort((a, b) => a.seq - b.seq));
          if (!more) break;
        }
      } catch {
        // The next push, reconnect or poll tries again.
      }
    })();
    loading.current = run;
    await run;
    loading.current = null;
  }, [conversationId]);

  // Reset when the conversation changes.
  useEffect(() => {
    bySeq.current = new Map();
    seqs.current = createSeqTracker();
    setMessages([]);
    void catchUp();
  }, [conversationId, catchUp]);

  useEffect(() => {
    if (!socket || !conversationId) return;
    const join = () => {
      setConnected(true);
      socket.emit(SOCKET_EVENTS.conversationJoin, { conversationId }, (ack: SocketAck<{ lastSeq: number }>) => {
        setJoined(Boolean(ack?.ok));
        if (ack?.ok && seqs.current.behind(ack.lastSeq)) void catchUp(ack.lastSeq);
        // Pushes sent before we joined (the offer often comes before the socket is in the room) are missed: refetch the state.
        if (ack?.ok) void queryClient.invalidateQueries({ queryKey: ['chat', conversationId] });
      });
    };
    let typingExpiry: ReturnType<typeof setTimeout> | null = null;
    const onTyping = (p: { conversationId?: string; side?: string; name?: string | null; typing?: boolean } | undefined) => {
      if (!p || p.conversationId !== conversationId || p.side !== 'agent') return;
      if (typingExpiry) clearTimeout(typingExpiry);
      setAgentTyping(p.typing ? (p.name ?? '') : null);
      // A typing signal not repeated within a few seconds has expired (docs/realtime.md).
      if (p.typing) typingExpiry = setTimeout(() => setAgentTyping(null), TYPING_EXPIRY_MS);
    };
    const onRead = (p: { conversationId?: string; side?: string; seq?: number } | undefined) => {
      if (!p || p.conversationId !== conversationId || p.side !== 'agent' || typeof p.seq !== 'number') return;
      const seq = p.seq;
      setAgentReadSeq((old) => Math.max(old, seq));
    };
    const onMessage = (m: MessageOut | undefined) => {
      if (!m || m.conversationId !== conversationId) return;
      // A push beyond the contiguous run means something in between was missed (or, for a
      // customer, was a private note): a catch-up fetches it or vouches for the hole.
      if (show([m])) void catchUp();
      if (m.direction === 'out' && m.authorType === 'agent') setAgentTyping(null);
      // The agent's first reply means the chat was taken: refresh the queue and conversation.
      void queryClient.invalidateQueries({ queryKey: ['chat', conversationId] });
    };
    // The queue moved: an offer was made, accepted or withdrawn; refresh the queue and the chat itself.
    const onQueue = () => {
      void queryClient.invalidateQueries({ queryKey: ['chat', conversationId, 'queue'] });
      void queryClient.invalidateQueries({ queryKey: ['chat', conversationId], exact: true });
    };
    // The chat itself changed (an agent ended it, it became a ticket): show it at once.
    const onUpdated = (p: { id?: string } | undefined) => {
      if (p?.id === conversationId) void queryClient.invalidateQueries({ queryKey: ['chat', conversationId], exact: true });
    };
    const onDisconnect = () => {
      setConnected(false);
      setJoined(false);
    };
    if (socket.connected) join();
    socket.on('connect', join);
    socket.on('disconnect', onDisconnect);
    socket.on(SOCKET_EVENTS.message, onMessage);
    socket.on(SOCKET_EVENTS.queueChanged, onQueue);
    socket.on(SOCKET_EVENTS.conversationUpdated, onUpdated);
    socket.on(SOCKET_EVENTS.typingSignal, onTyping);
    socket.on(SOCKET_EVENTS.readSignal, onRead);
    return () => {
      if (typingExpiry) clearTimeout(typingExpiry);
      socket.off(SOCKET_EVENTS.typingSignal, onTyping);
      socket.off(SOCKET_EVENTS.readSignal, onRead);
      socket.off('connect', join);
      socket.off('disconnect', onDisconnect);
      socket.off(SOCKET_EVENTS.message, onMessage);
      socket.off(SOCKET_EVENTS.queueChanged, onQueue);
      socket.off(SOCKET_EVENTS.conversationUpdated, onUpdated);
      if (socket.connected) socket.emit(SOCKET_EVENTS.conversationLeave, { conversationId });
    };
  }, [socket, conversationId, show, catchUp, queryClient]);

  // A slow fallback in case pushes do not arrive (proxies without websockets).
  useEffect(() => {
    if (!live) return;
    const timer = setInterval(() => void catchUp(), FALLBACK_POLL_MS);
    return () => clearInterval(timer);
  }, [live, catchUp]);

  return { messages, add, connected, catchUp, agentTyping, agentReadSeq, setTyping, markRead };
}
