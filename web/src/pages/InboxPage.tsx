import { useEffect, useMemo, useState } from 'react';
import { Alert, Button, Card, Center, Chip, Group, Skeleton, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { keepPreviousData, useInfiniteQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useSearchParams } from 'react-router-dom';
import { CONVERSATION_STATUSES, type ConversationStatus } from '../../../common/enums.ts';
import type { ConversationOut } from '../../../common/schemas.ts';
import { api } from '../api.ts';
import type { Paged } from '../lib/types.ts';
import { byId, useAgents } from '../queries.ts';
import { ChannelLabel, PriorityBadge, RelativeTime, StatusBadge } from '../components/Badges.tsx';
import { DEFAULT_VIEW, VIEWS, type View } from '../components/Shell.tsx';
import { IconSearch } from '../components/icons.tsx';

export const DEFAULT_STATUSES: ConversationStatus[] = ['new', 'open', 'pending', 'on_hold'];
const PAGE_SIZE = 50;

function parseStatuses(raw: string | null): ConversationStatus[] {
  if (raw === null) return DEFAULT_STATUSES;
  return raw.split(',').filter((s): s is ConversationStatus => (CONVERSATION_STATUSES as readonly string[]).includes(s));
}

export function InboxPage() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
  const viewParam = params.get('view');
  const view: View = VIEWS.includes(viewParam as View) ? (viewParam as View) : DEFAULT_VIEW;
  const statuses = parseStatuses(params.get('status'));
  const q = params.get('q') ?? '';

  const [search, setSearch] = useState(q);
  const [debounced] = useDebouncedValue(search, 300);
  useEffect(() => setSearch(q), [q]);
  useEffect(() => {
    if (debounced.trim() === q) return;
    const next = new URLSearchParams(params);
    if (debounced.trim()) next.set('q', debounced.trim());
    else next.delete('q');
    setParams(next, { replace: true });
    // Only the debounced text should push a new URL.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [debounced]);

  function setStatuses(values: string[]) {
    const next = new URLSearchParams(params);
    const ordered = CONVERSATION_STATUSES.filter((s) => values.includes(s));
    const isDefault = ordered.length === DEFAULT_STATUSES.length && DEFAULT_STATUSES.every((s) => ordered.includes(s));
    if (isDefault) next.delete('status');
    else next.set('status', ordered.join(','));
    setParams(next, { replace: true });
  }

  // Nothing selected reads as "every status", not as an empty list.
  const statusQuery = statuses.length > 0 ? statuses : [...CONVERSATION_STATUSES];

  const list = useInfiniteQuery({
    queryKey: ['conversations', { view, status: statusQuery.join(','), q }],
    queryFn: ({ pageParam }) =>
      api.get<Paged<ConversationOut>>('/conversations', { view, status: statusQuery, q: q || undefined, limit: PAGE_SIZE, cursor: pageParam ?? undefined }),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
    refetchInterval: 10_000,
    placeholderData: keepPreviousData,
  });

  const agents = useAgents();
  const agentsById = useMemo(() => byId(agents.data), [agents.data]);
  const rows = list.data?.pages.flatMap((p) => p.items) ?? [];

  const viewLabels: Record<View, string> = { mine: t('nav.mine'), unassigned: t('nav.unassigned'), teams: t('nav.teams'), all: t('nav.all') };
  const filtersChanged = params.has('status') || q !== '';

  return (
    <Stack gap="md">
      <Group justify="space-between" align="flex-end" wrap="wrap">
        <div>
          <Title order={2}>{viewLabels[view]}</Title>
          <Text size="sm" c="dimmed">
            {list.isPending ? t('app.loading') : t('inbox.shown', { count: rows.length })}
            {list.isFetching && !list.isPending ? ` · ${t('inbox.refreshing')}` : ''}
          </Text>
        </div>
        <TextInput
          placeholder={t('inbox.search')}
          aria-label={t('inbox.search')}
          leftSection={<IconSearch size={16} />}
          value={search}
          onChange={(e) => setSearch(e.currentTarget.value)}
          w={{ base: '100%', sm: 360 }}
          data-testid="inbox-search"
          type="search"
        />
      </Group>

      <Group gap="xs" wrap="wrap">
        <Text size="sm" fw={600} mr={4}>
          {t('inbox.statusFilter')}
        </Text>
        <Chip.Group multiple value={statuses} onChange={setStatuses}>
          {CONVERSATION_STATUSES.map((s) => (
            <Chip key={s} value={s} size="sm" variant="outline" data-testid={`status-filter-${s}`}>
              {t(`status.${s}`)}
            </Chip>
          ))}
        </Chip.Group>
        {filtersChanged && (
          <Button variant="subtle" size="compact-sm" onClick={() => setParams(new URLSearchParams({ view }), { replace: true })}>
            {t('inbox.resetFilters')}
          </Button>
        )}
      </Group>

      <Card withBorder padding={0} radius="md">
        {list.isError ? (
          <Alert color="red" m="md" title={t('app.errorTitle')}>
            {list.error.message}
          </Alert>
        ) : list.isPending ? (
          <Stack p="md" gap="sm">
            {Array.from({ length: 6 }, (_, i) => (
              <Skeleton key={i} height={28} />
            ))}
          </Stack>
        ) : rows.length === 0 ? (
          <Center p={48}>
            <Text c="dimmed">{q ? t('inbox.emptySearch', { q }) : t('inbox.empty')}</Text>
          </Center>
        ) : (
          <Table.ScrollContainer minWidth={820} type="native">
            <Table highlightOnHover verticalSpacing="sm" horizontalSpacing="md" layout="fixed">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th w={88}>{t('inbox.columns.number')}</Table.Th>
                  <Table.Th>{t('inbox.columns.subject')}</Table.Th>
                  <Table.Th w={104}>{t('inbox.columns.channel')}</Table.Th>
                  <Table.Th w={128}>{t('inbox.columns.status')}</Table.Th>
                  <Table.Th w={112}>{t('inbox.columns.priority')}</Table.Th>
                  <Table.Th w={150}>{t('inbox.columns.assignee')}</Table.Th>
                  <Table.Th w={128}>{t('inbox.columns.lastActivity')}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {rows.map((c) => {
                  const href = `/agent/conversations/${c.id}`;
                  const assignee = c.assigneeId ? agentsById.get(c.assigneeId) : undefined;
                  return (
                    <Table.Tr
                      key={c.id}
                      className="sb-row"
                      data-testid="conversation-row"
                      data-number={c.number}
                      data-id={c.id}
                      tabIndex={0}
                      onClick={(e) => {
                        if (e.metaKey || e.ctrlKey) window.open(href, '_blank');
                        else navigate(href);
                      }}
                      onKeyDown={(e) => {
                        if (e.key === 'Enter') navigate(href);
                      }}
                    >
                      <Table.Td>
                        <Text size="sm" c="dimmed" ff="monospace">
                          #{c.number}
                        </Text>
                      </Table.Td>
                      <Table.Td>
                        <Link to={href} className="sb-row-link" onClick={(e) => e.stopPropagation()}>
                          <Text size="sm" fw={c.status === 'new' ? 700 : 500} truncate="end" data-testid="conversation-row-subject">
                            {c.subject || t('inbox.noSubject')}
                          </Text>
                        </Link>
                        <Text size="xs" c="dimmed" truncate="end" data-testid="conversation-row-contact">
                          {c.contact.name || c.contact.email || t('app.customer')}
                          {c.contact.name && c.contact.email ? ` · ${c.contact.email}` : ''}
                        </Text>
                      </Table.Td>
                      <Table.Td style={{ whiteSpace: 'nowrap' }}>
                        <ChannelLabel channel={c.channel} />
                      </Table.Td>
                      <Table.Td style={{ whiteSpace: 'nowrap' }}>
                        <StatusBadge status={c.status} />
                      </Table.Td>
                      <Table.Td style={{ whiteSpace: 'nowrap' }}>
                        <PriorityBadge priority={c.priority} />
                      </Table.Td>
                      <Table.Td>
                        <Text size="sm" c={assignee ? undefined : 'dimmed'} truncate="end">
                          {assignee ? assignee.name : c.assigneeId ? t('app.none') : t('inbox.unassigned')}
                        </Text>
                      </Table.Td>
                      <Table.Td>
                        <RelativeTime iso={c.updatedAt > c.lastMessageAt ? c.updatedAt : c.lastMessageAt} />
                      </Table.Td>
                    </Table.Tr>
                  );
                })}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </Card>

      {list.hasNextPage && (
        <Center>
          <Button variant="default" onClick={() => void list.fetchNextPage()} loading={list.isFetchingNextPage}>
            {t('app.loadMore')}
          </Button>
        </Center>
      )}
    </Stack>
  );
}
