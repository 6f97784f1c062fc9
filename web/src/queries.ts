/** Shared queries: who am I, and the reference lists (agents, teams, categories, inboxes) many pages need. */
import { useQuery } from '@tanstack/react-query';
import type { AgentOut, CategoryOut, ConversationOut, EventOut, InboxOut, Me, MessageOut, TeamOut } from '../../common/schemas.ts';
import { api, ApiError, setCsrfToken } from './api.ts';
import type { AgentNotification, CannedReply, Items, LiveQueue, Macro, SavedView, ViewCounts } from './lib/types.ts';

export const meKey = ['me'] as const;

/** The signed-in agent, or null when there is no session. */
export async function fetchMe(): Promise<Me | null> {
  try {
    const me = await api.get<Me>('/auth/me');
    setCsrfToken(me.csrfToken);
    return me;
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) {
      setCsrfToken(null);
      return null;
    }
    throw err;
  }
}

export function useMe() {
  return useQuery({ queryKey: meKey, queryFn: fetchMe, staleTime: 60_000, retry: 1 });
}

const REFERENCE_STALE = 60_000;

export function useAgents() {
  return useQuery({
    queryKey: ['agents'],
    queryFn: () => api.get<Items<AgentOut>>('/agents'),
    select: (d) => d.items,
    staleTime: REFERENCE_STALE,
  });
}

export function useTeams() {
  return useQuery({
    queryKey: ['teams'],
    queryFn: () => api.get<Items<TeamOut>>('/teams'),
    select: (d) => d.items,
    staleTime: REFERENCE_STALE,
  });
}

export function useCategories() {
  return useQuery({
    queryKey: ['categories'],
    queryFn: () => api.get<Items<CategoryOut>>('/categories'),
    select: (d) => d.items,
    staleTime: REFERENCE_STALE,
  });
}

export function useInboxes() {
  return useQuery({
    queryKey: ['inboxes'],
    queryFn: () => api.get<Items<InboxOut>>('/inboxes'),
    select: (d) => d.items,
    staleTime: REFERENCE_STALE,
  });
}

/** id → item lookup for a reference list. */
export function byId<T extends { id: string }>(items: T[] | undefined): Map<string, T> {
  return new Map((items ?? []).map((item) => [item.id, item]));
}

/** Open work per built-in view; part of the 'conversations' family so any list refresh refreshes it. */
export function useCounts(enabled = true) {
  return useQuery({
    queryKey: ['conversations', 'counts'],
    queryFn: () => api.get<ViewCounts>('/conversations/counts'),
    refetchInterval: 30_000,
    enabled,
    retry: false,
  });
}

export function useSavedViews(enabled = true) {
  return useQuery({
    queryKey: ['views'],
    queryFn: () => api.get<Items<SavedView>>('/views'),
    select: (d) => d.items,
    staleTime: REFERENCE_STALE,
    enabled,
    retry: false,
  });
}

export function useNotifications(enabled = true) {
  return useQuery({
    queryKey: ['notifications'],
    queryFn: () => api.get<{ items: AgentNotification[]; unread: number }>('/notifications', { limit: 30 }),
    refetchInterval: 60_000,
    enabled,
    retry: false,
  });
}

export function useCannedReplies() {
  return useQuery({
    queryKey: ['canned-replies'],
    queryFn: () => api.get<Items<CannedReply>>('/canned-replies'),
    select: (d) => d.items,
    staleTime: REFERENCE_STALE,
    retry: false,
  });
}

export function useMacros() {
  return useQuery({
    queryKey: ['macros'],
    queryFn: () => api.get<Items<Macro>>('/macros'),
    select: (d) => d.items,
    staleTime: REFERENCE_STALE,
    retry: false,
  });
}

/**
 * A conversation with its messages and history, polled every pollMs (pushes invalidate them
 * sooner). Agents and customers read the same three resources; the server decides what each sees.
 */
export function useConversationQueries(id: string, pollMs: number, options: { retryEvents?: boolean } = {}) {
  const conversation = useQuery({
    queryKey: ['conversation', id],
    queryFn: () => api.get<ConversationOut>(`/conversations/${id}`),
    refetchInterval: pollMs,
  });
  const messages = useQuery({
    queryKey: ['conversation', id, 'messages'],
    queryFn: () => api.get<Items<MessageOut>>(`/conversations/${id}/messages`, { afterSeq: 0 }),
    refetchInterval: pollMs,
    enabled: conversation.isSuccess,
  });
  const events = useQuery({
    queryKey: ['conversation', id, 'events'],
    queryFn: () => api.get<Items<EventOut>>(`/conversations/${id}/events`),
    refetchInterval: pollMs,
    enabled: conversation.isSuccess,
    ...(options.retryEvents === false ? { retry: false } : {}),
  });
  return { conversation, messages, events };
}

/**
 * The live chat queue (waiting and offered chats, active chats, agents' load). Pushes
 * (queue:changed, conversation:updated) refresh it; the poll only backs them up. The time it was
 * fetched rides along so countdowns can be computed from the server's figures.
 */
export function useLiveQueue(enabled = true) {
  return useQuery({
    queryKey: ['chats', 'live'],
    queryFn: async () => ({ ...(await api.get<LiveQueue>('/chats/live')), fetchedAt: Date.now() }),
    refetchInterval: 20_000,
    enabled,
    retry: false,
  });
}
