import { useEffect, useLayoutEffect, useMemo, useRef } from 'react';
import { Alert, Anchor, Box, Button, Center, Group, Loader, ScrollArea, Stack, Text, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useParams } from 'react-router-dom';
import type { ConversationOut, ConversationUpdate, MessageOut } from '../../../common/schemas.ts';
import { api, ApiError } from '../api.ts';
import { byId, useAgents, useCategories, useConversationQueries, useInboxes, useMe, useTeams } from '../queries.ts';
import { emailRecipients } from '../lib/emailRecipients.ts';
import { ChannelLabel, PriorityBadge, RelativeTime, SlaBadge, StatusBadge } from '../components/Badges.tsx';
import { ConversationActions, PresenceLine } from '../components/conversation/Actions.tsx';
import { LiveChatBar } from '../components/conversation/LiveChatBar.tsx';
import { useConversationRoom, useMarkReadWhenVisible } from '../realtime.ts';
import { Composer } from '../components/conversation/Composer.tsx';
import { Sidebar } from '../components/conversation/Sidebar.tsx';
import { UnverifiedBadge } from '../components/conversation/UnverifiedBadge.tsx';
import { Timeline, mergeTimeline } from '../components/conversation/Timeline.tsx';
import { IconArrowLeft } from '../components/icons.tsx';

// Pushes over the socket keep the page live; polling is the fallback.
const POLL_MS = 30_000;

export function ConversationPage() {
  const { id = '' } = useParams();
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const me = useMe().data;
  const navigate = useNavigate();
  const room = useConversationRoom(id);

  const { conversation, messages, events } = useConversationQueries(id, POLL_MS);
  const agents = useAgents();
  const teams = useTeams();
  const categories = useCategories();
  const inboxes = useInboxes();

  const lookups = useMemo(
    () => ({ agents: byId(agents.data), teams: byId(teams.data), categories: byId(categories.data) }),
    [agents.data, teams.data, categories.data],
  );
  // Email conversations: who a reply reaches (the inbox's own address never counts).
  const conversationData = conversation.data;
  const recipients = useMemo(() => {
    if (!conversationData || conversationData.channel !== 'email') return undefined;
    const inbox = inboxes.data?.find((i) => i.id === conversationData.inboxId);
    return emailRecipients(conversationData.contact.email, messages.data?.items ?? [], [inbox?.address]);
  }, [conversationData, messages.data, inboxes.data]);
  const items = useMemo(() => mergeTimeline(messages.data?.items ?? [], events.data?.items ?? []), [messages.data, events.data]);

  // Read receipts: what this page shows counts as seen while the tab is visible (and again when it comes back).
  const highestSeq = useMemo(() => Math.max(0, ...(messages.data?.items ?? []).map((m) => m.seq)), [messages.data]);
  const lastReplySeq = useMemo(() => Math.max(0, ...(messages.data?.items ?? []).filter((m) => m.direction === 'out' && m.visibility === 'public').map((m) => m.seq)), [messages.data]);
  useMarkReadWhenVisible(highestSeq, room.markRead);

  const update = useMutation({
    mutationFn: (patch: ConversationUpdate) => api.patch<ConversationOut>(`/conversations/${id}`, patch),
    onMutate: async (patch) => {
      await queryClient.cancelQueries({ queryKey: ['conversation', id], exact: true });
      const previous = queryClient.getQueryData<ConversationOut>(['conversation', id]);
      if (previous) queryClient.setQueryData<ConversationOut>(['conversation', id], { ...previous, ...(patch as Partial<ConversationOut>) });
      return { previous };
    },
    onSuccess: (updated) => {
      queryClient.setQueryData(['conversation', id], updated);
      notifications.show({ color: 'teal', message: t('conversation.sidebar.updated'), autoClose: 1500 });
    },
    onError: (err, _patch, ctx) => {
      if (ctx?.previous) queryClient.setQueryData(['conversation', id], ctx.previous);
      notifications.show({ color: 'red', title: t('app.errorTitle'), message: err.message });
    },
    onSettled: () => {
      void queryClient.invalidateQueries({ queryKey: ['conversation', id] });
      void queryClient.invalidateQueries({ queryKey: ['conversations'] });
    },
  });

  const split = useMutation({
    mutationFn: (message: MessageOut) => api.post<ConversationOut>(`/conversations/${id}/split`, { messageId: message.id }),
    onSuccess: (created) => {
      notifications.show({ color: 'teal', message: t('conversation.split.done', { number: created.number }) });
      void queryClient.invalidateQueries({ queryKey: ['conversations'] });
      void queryClient.invalidateQueries({ queryKey: ['conversation', id] });
      navigate(`/agent/conversations/${created.id}`);
    },
    onError: (err) => notifications.show({ color: 'red', title: t('app.errorTitle'), message: err.message }),
  });

  // Keep the newest message in view, unless the agent has scrolled up to read older ones.
  const viewport = useRef<HTMLDivElement>(null);
  const stickToBottom = useRef(true);
  const lastCount = useRef(0);
  useLayoutEffect(() => {
    const el = viewport.current;
    if (!el || items.length === lastCount.current) return;
    if (stickToBottom.current || lastCount.current === 0) el.scrollTop = el.scrollHeight;
    lastCount.current = items.length;
  }, [items.length]);
  useEffect(() => {
    lastCount.current = 0;
    stickToBottom.current = true;
  }, [id]);

  if (conversation.isPending) {
    return (
      <Center h="50vh">
        <Loader />
      </Center>
    );
  }
  if (conversation.isError) {
    const notFound = conversation.error instanceof ApiError && (conversation.error.status === 404 || conversation.error.status === 403 || conversation.error.status === 400);
    return (
      <Stack maw={560} mx="auto" mt="xl">
        <Alert color={notFound ? 'gray' : 'red'} title={notFound ? t('app.notFound') : t('app.errorTitle')}>
          {notFound ? t('conversation.notFound') : conversation.error.message}
        </Alert>
        <Button component={Link} to="/agent" variant="light" leftSection={<IconArrowLeft size={16} />} w="fit-content">
          {t('app.backToInbox')}
        </Button>
      </Stack>
    );
  }

  const c = conversation.data;

  return (
    <Group
      align="stretch"
      gap="lg"
      wrap="nowrap"
      style={{ height: 'calc(100dvh - var(--app-shell-header-height, 56px) - 2 * var(--mantine-spacing-lg))', minHeight: 480 }}
    >
      <Stack gap="sm" style={{ flex: 1, minWidth: 0 }}>
        <Box>
          <Anchor component={Link} to="/agent" size="sm" c="dimmed">
            <Group gap={4} component="span" wrap="nowrap">
              <IconArrowLeft size={14} />
              {t('conversation.back')}
            </Group>
          </Anchor>
          <Group justify="space-between" align="flex-start" wrap="nowrap" gap="sm">
          <Group gap="sm" mt={4} wrap="nowrap" align="baseline" style={{ minWidth: 0 }}>
            <Text fw={600} c="dimmed" fz="xl" ff="monospace" data-testid="conversation-number">
              #{c.number}
            </Text>
            <Title order={3} data-testid="conversation-subject" style={{ minWidth: 0, overflowWrap: 'anywhere' }}>
              {c.subject || t('inbox.noSubject')}
            </Title>
          </Group>
          <ConversationActions conversation={c} />
          </Group>
          {me && (
            <Box mt={6}>
              <LiveChatBar conversation={c} me={me} teams={teams.data ?? []} agentName={(aid) => lookups.agents.get(aid)?.name ?? '…'} />
            </Box>
          )}
          {c.mergedIntoId && (
            <Alert color="gray" variant="light" mt={6} py={6}>
              {t('conversation.merge.mergedNotice')}{' '}
              <Anchor component={Link} to={`/agent/conversations/${c.mergedIntoId}`}>
                {t('conversation.merge.openTarget')}
              </Anchor>
            </Alert>
          )}
          <Group gap="xs" mt={6}>
            <StatusBadge status={c.status} />
            <PriorityBadge priority={c.priority} />
            <SlaBadge conversation={c} />
            <UnverifiedBadge conversation={c} />
            <Text size="sm" c="dimmed">
              ·
            </Text>
            <ChannelLabel channel={c.channel} />
            <Text size="sm" c="dimmed">
              ·
            </Text>
            <Text size="sm" c="dimmed" span>
              {c.contact.name || c.contact.email}
            </Text>
            <Text size="sm" c="dimmed">
              ·
            </Text>
            <RelativeTime iso={c.createdAt} />
          </Group>
        </Box>

        <ScrollArea
          viewportRef={viewport}
          style={{ flex: 1, minHeight: 0 }}
          type="auto"
          offsetScrollbars
          onScrollPositionChange={({ y }) => {
            const el = viewport.current;
            if (el) stickToBottom.current = el.scrollHeight - y - el.clientHeight < 80;
          }}
          data-testid="timeline"
        >
          <Box py="sm" pr="xs">
            {messages.isPending || events.isPending ? (
              <Center py="xl">
                <Group gap="xs">
                  <Loader size="sm" />
                  <Text c="dimmed" size="sm">
                    {t('conversation.timelineLoading')}
                  </Text>
                </Group>
              </Center>
            ) : messages.isError ? (
              <Alert color="red">{messages.error.message}</Alert>
            ) : (
              <Timeline items={items} lookups={lookups} onSplit={(m) => !split.isPending && window.confirm(t('conversation.split.confirm')) && split.mutate(m)} />
            )}
          </Box>
        </ScrollArea>

        <Group gap="xs" px={4} justify="space-between" wrap="nowrap">
          <Group gap="xs">
            {room.customerTyping && (
              <Text size="xs" c="indigo" fs="italic" data-testid="customer-typing">
                {t('live.customerTyping', { name: c.contact.name || t('live.visitor') })}
              </Text>
            )}
            <PresenceLine viewers={room.viewers} meId={me?.id} />
          </Group>
          {c.mode === 'live' && lastReplySeq > 0 && c.customerReadSeq >= lastReplySeq && (
            <Text size="xs" c="dimmed" data-testid="customer-seen">
              {t('live.seen')}
            </Text>
          )}
        </Group>
        <Composer conversationId={c.id} onTyping={room.setTyping} chat={c.mode === 'live' && c.status !== 'solved' && c.status !== 'closed'} email={recipients} />
      </Stack>

      <ScrollArea w={332} style={{ flexShrink: 0 }} type="auto" offsetScrollbars scrollbarSize={6} visibleFrom="md">
        {me && (
          <Sidebar
            conversation={c}
            me={me}
            agents={agents.data ?? []}
            teams={teams.data ?? []}
            categories={categories.data ?? []}
            onUpdate={(patch) => update.mutate(patch)}
            updating={update.isPending}
          />
        )}
      </ScrollArea>
    </Group>
  );
}
