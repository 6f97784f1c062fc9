import { Alert, Badge, Button, Card, Group, Paper, Progress, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate } from 'react-router-dom';
import type { ConversationOut, Me } from '../../../common/schemas.ts';
import { api } from '../api.ts';
import { clockDuration, localName, useTicker } from '../lib/format.ts';
import type { LiveQueue } from '../lib/types.ts';
import { byId, meKey, useCategories, useLiveQueue, useMe } from '../queries.ts';
import { QueryStateCard } from '../components/QueryStateCard.tsx';
import { StatusBadge as AgentStatusBadge } from '../components/PresenceSwitch.tsx';
import { RelativeTime } from '../components/Badges.tsx';

type Waiting = LiveQueue['waiting'][number];

/** Accept an offer (or take a waiting chat) and open it. */
export function useAcceptChat() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api.post<ConversationOut>(`/chats/${id}/accept`),
    onSuccess: (c) => {
      queryClient.setQueryData(['conversation', c.id], c);
      void queryClient.invalidateQueries({ queryKey: ['chats', 'live'] });
      void queryClient.invalidateQueries({ queryKey: ['conversations'] });
      navigate(`/agent/conversations/${c.id}`);
    },
    onError: (err) => {
      void queryClient.invalidateQueries({ queryKey: ['chats', 'live'] });
      notifications.show({ color: 'red', title: t('app.errorTitle'), message: err.message });
    },
  });
}

/** Seconds left on an offer, counted down locally from the server's figure at fetch time. */
export function secondsLeft(w: Pick<Waiting, 'offerSecondsLeft'>, fetchedAt: number, now: number): number | null {
  if (w.offerSecondsLeft === null) return null;
  return Math.max(0, Math.round(w.offerSecondsLeft - (now - fetchedAt) / 1000));
}

/** /agent/chats: chats offered to me, my chats, the queue and every agent's load (supervisors see who has what). */
export function LiveChatsPage() {
  const { t, i18n } = useTranslation();
  const me = useMe().data as Me;
  const live = useLiveQueue();
  const categories = useCategories();
  const cats = byId(categories.data);
  const accept = useAcceptChat();
  const queryClient = useQueryClient();
  const hasOffers = (live.data?.waiting ?? []).some((w) => w.offeredTo === me.id);
  const now = useTicker(1000, hasOffers || (live.data?.waiting.length ?? 0) > 0);

  const goOnline = useMutation({
    mutationFn: () => api.patch(`/agents/${me.id}`, { status: 'online' }),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: meKey });
      void queryClient.invalidateQueries({ queryKey: ['chats', 'live'] });
    },
    onError: (err) => notifications.show({ color: 'red', title: t('app.errorTitle'), message: err.message }),
  });

  const data = live.data;
  const fetchedAt = data?.fetchedAt ?? now;
  const elapsed = Math.max(0, (now - fetchedAt) / 1000);
  const agentNames = new Map((data?.agents ?? []).map((a) => [a.id, a.name]));
  const offers = (data?.waiting ?? []).filter((w) => w.offeredTo === me.id);
  const queue = (data?.waiting ?? []).filter((w) => w.offeredTo !== me.id);
  const mine = (data?.active ?? []).filter((a) => a.assigneeId === me.id);
  const others = (data?.active ?? []).filter((a) => a.assigneeId !== me.id);
  const myLoad = data?.agents.find((a) => a.id === me.id);
  const supervisor = me.role === 'admin' || me.role === 'supervisor';
  const category = (id: string | null) => (id ? localName(cats.get(id)?.name, i18n.language) : '—');

  return (
    <Stack gap="lg" maw={1200} data-testid="live-chats">
      <Group justify="space-between" align="flex-end">
        <div>
          <Title order={2}>{t('live.title')}</Title>
          <Text c="dimmed" size="sm">
            {t('live.subtitle')}
          </Text>
        </div>
        {data && (
          <Group gap="xs">
            <Badge variant="light" color={data.waiting.length ? 'orange' : 'gray'} size="lg" data-testid="live-waiting-count">
              {t('live.waitingCount', { count: data.waiting.length })}
            </Badge>
            <Badge variant="light" color="teal" size="lg">
              {t('live.onlineCount', { count: data.agents.filter((a) => a.status === 'online').length })}
            </Badge>
            <Badge variant="light" color="gray" size="lg">
              {t('live.handling', { time: clockDuration(data.averageHandlingSeconds) })}
            </Badge>
          </Group>
        )}
      </Group>

      {me.status !== 'online' && (
        <Alert color="yellow" variant="light" data-testid="live-not-online">
          <Group justify="space-between" wrap="nowrap">
            <Text size="sm">{t('live.notOnline', { status: t(`agentStatus.${me.status ?? 'offline'}`) })}</Text>
            <Button size="xs" color="teal" loading={goOnline.isPending} onClick={() => goOnline.mutate()} data-testid="live-go-online">
              {t('live.goOnline')}
            </Button>
          </Group>
        </Alert>
      )}

      {offers.length > 0 && (
        <Stack gap="xs">
          <Title order={4}>{t('live.offered')}</Title>
          <SimpleGrid cols={{ base: 1, md: 2 }}>
            {offers.map((w) => {
              const left = secondsLeft(w, fetchedAt, now);
              const total = data?.acceptSeconds ?? 60;
              return (
                <Paper key={w.id} withBorder radius="md" p="md" data-testid="live-offer" data-id={w.id} style={{ borderColor: 'var(--mantine-color-indigo-4)' }}>
                  <Group justify="space-between" align="flex-start" wrap="nowrap">
                    <Stack gap={2} style={{ minWidth: 0 }}>
                      <Group gap={6}>
                        <Text fw={600}>{w.contactName || t('live.visitor')}</Text>
                        <ChatFlags chat={w} />
                      </Group>
                      <Text size="sm" lineClamp={2} className="sb-body">
                        {w.subject}
                      </Text>
                      <Text size="xs" c="dimmed">
                        {category(w.categoryId)} · {t(`languages.${w.language}`, { defaultValue: w.language })} · {t('live.waited', { time: clockDuration(w.waitingSeconds + elapsed) })}
                      </Text>
                    </Stack>
                    <Button loading={accept.isPending && accept.variables === w.id} onClick={() => accept.mutate(w.id)} data-testid="live-accept">
                      {t('live.accept')}
                    </Button>
                  </Group>
                  {left !== null && (
                    <Stack gap={2} mt="sm">
                      <Progress value={(left / total) * 100} color={left < 15 ? 'red' : 'indigo'} size="sm" transitionDuration={900} />
                      <Text size="xs" c={left < 15 ? 'red' : 'dimmed'} data-testid="live-offer-countdown">
                        {t('live.acceptWithin', { time: clockDuration(left) })}
                      </Text>
                    </Stack>
                  )}
                </Paper>
              );
            })}
          </SimpleGrid>
        </Stack>
      )}

      <Stack gap="xs">
        <Group justify="space-between">
          <Title order={4}>{t('live.mine')}</Title>
          {myLoad && (
            <Text size="sm" c="dimmed" data-testid="live-my-load">
              {t('live.load', { active: myLoad.activeChats, capacity: myLoad.capacity })}
            </Text>
          )}
        </Group>
        <QueryStateCard pending={live.isPending} error={live.error} empty={mine.length === 0} emptyText={t('live.noMine')}>
          <ActiveTable rows={mine} />
        </QueryStateCard>
      </Stack>

      <Stack gap="xs">
        <Title order={4}>{t('live.queue')}</Title>
        <QueryStateCard pending={live.isPending} error={live.error} empty={queue.length === 0} emptyText={t('live.queueEmpty')}>
          <Table.ScrollContainer minWidth={720}>
            <Table verticalSpacing="xs" highlightOnHover>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>#</Table.Th>
                  <Table.Th>{t('live.customer')}</Table.Th>
                  <Table.Th>{t('live.topic')}</Table.Th>
                  <Table.Th>{t('live.language')}</Table.Th>
                  <Table.Th>{t('live.wait')}</Table.Th>
                  <Table.Th>{t('live.state')}</Table.Th>
                  <Table.Th />
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {queue.map((w) => (
                  <Table.Tr key={w.id} data-testid="live-queue-row" data-id={w.id}>
                    <Table.Td>
                      <Text ff="monospace" size="sm" c="dimmed">
                        {w.number}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <Group gap={4} wrap="nowrap">
                        <Text size="sm">{w.contactName || t('live.visitor')}</Text>
                        <ChatFlags chat={w} />
                      </Group>
                      <Text size="xs" c="dimmed" lineClamp={1} maw={320}>
                        {w.subject}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm">{category(w.categoryId)}</Text>
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm">{t(`languages.${w.language}`, { defaultValue: w.language })}</Text>
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm" ff="monospace" c={w.waitingSeconds > 120 ? 'red' : undefined}>
                        {clockDuration(w.waitingSeconds + elapsed)}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      {w.offeredTo ? (
                        <Text size="sm">{t('live.offeredTo', { name: agentNames.get(w.offeredTo) ?? '…', time: clockDuration(secondsLeft(w, fetchedAt, now) ?? 0) })}</Text>
                      ) : (
                        <Text size="sm">{w.position !== null ? t('live.position', { position: w.position }) : t('live.waitingState')}</Text>
                      )}
                    </Table.Td>
                    <Table.Td>
                      {!w.offeredTo && (
                        <Button size="compact-xs" variant="light" loading={accept.isPending && accept.variables === w.id} onClick={() => accept.mutate(w.id)} data-testid="live-take">
                          {t('live.take')}
                        </Button>
                      )}
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        </QueryStateCard>
      </Stack>

      <SimpleGrid cols={{ base: 1, lg: supervisor ? 2 : 1 }} spacing="lg">
        <Stack gap="xs">
          <Title order={4}>{t('live.agents')}</Title>
          <QueryStateCard pending={live.isPending} error={live.error} empty={(data?.agents.length ?? 0) === 0} emptyText={t('live.noAgents')}>
            <Table verticalSpacing="xs" data-testid="live-agents">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t('live.agent')}</Table.Th>
                  <Table.Th>{t('live.status')}</Table.Th>
                  <Table.Th w="40%">{t('live.loadTitle')}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {data?.agents.map((a) => (
                  <Table.Tr key={a.id} data-testid="live-agent-row" data-id={a.id}>
                    <Table.Td>
                      <Text size="sm" fw={a.id === me.id ? 600 : 400}>
                        {a.name}
                      </Text>
                      <Text size="xs" c="dimmed">
                        {a.languages.map((l) => t(`languages.${l}`, { defaultValue: l })).join(', ')}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <AgentStatusBadge status={a.status} />
                    </Table.Td>
                    <Table.Td>
                      <Group gap="xs" wrap="nowrap">
                        <Progress value={a.capacity ? (a.activeChats / a.capacity) * 100 : 0} color={a.activeChats >= a.capacity ? 'orange' : 'teal'} style={{ flex: 1 }} />
                        <Text size="xs" ff="monospace" data-testid="live-agent-load">
                          {a.activeChats}/{a.capacity}
                        </Text>
                      </Group>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </QueryStateCard>
        </Stack>
        {supervisor && (
          <Stack gap="xs">
            <Title order={4}>{t('live.othersActive')}</Title>
            <QueryStateCard pending={live.isPending} error={live.error} empty={others.length === 0} emptyText={t('live.noActive')}>
              <ActiveTable rows={others} agentNames={agentNames} />
            </QueryStateCard>
          </Stack>
        )}
      </SimpleGrid>
    </Stack>
  );
}

/** Why a chat jumps the queue: an urgent category (funds or account at risk) or a VIP tier. */
function ChatFlags({ chat }: { chat: Pick<Waiting, 'urgent' | 'vipTier'> }) {
  const { t } = useTranslation();
  return (
    <>
      {chat.urgent && (
        <Badge color="red" size="xs">
          {t('live.urgent')}
        </Badge>
      )}
      {chat.vipTier > 0 && (
        <Badge color="yellow" size="xs">
          VIP {chat.vipTier}
        </Badge>
      )}
    </>
  );
}

function ActiveTable({ rows, agentNames }: { rows: LiveQueue['active']; agentNames?: Map<string, string> }) {
  const { t } = useTranslation();
  return (
    <Table verticalSpacing="xs" highlightOnHover>
      <Table.Tbody>
        {rows.map((a) => (
          <Table.Tr key={a.id} data-testid="live-active-row" data-id={a.id}>
            <Table.Td w={60}>
              <Text ff="monospace" size="sm" c="dimmed">
                {a.number}
              </Text>
            </Table.Td>
            <Table.Td>
              <Text size="sm" component={Link} to={`/agent/conversations/${a.id}`} fw={500} style={{ color: 'inherit' }}>
                {a.contactName || t('live.visitor')}
              </Text>
              <Text size="xs" c="dimmed" lineClamp={1}>
                {a.subject}
              </Text>
            </Table.Td>
            {agentNames && (
              <Table.Td>
                <Text size="sm">{a.assigneeId ? (agentNames.get(a.assigneeId) ?? '—') : '—'}</Text>
              </Table.Td>
            )}
            <Table.Td>
              <Text size="xs" c="dimmed">
                {t('live.lastMessage')} <RelativeTime iso={a.lastMessageAt} size="xs" />
              </Text>
            </Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}
