import { useEffect, useMemo, useState } from 'react';
import { Alert, Button, Card, Center, Checkbox, Chip, Group, Modal, Paper, Select, Skeleton, Stack, Switch, Table, Text, TextInput, Title } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { keepPreviousData, useInfiniteQuery, useMutation, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useSearchParams } from 'react-router-dom';
import { CHANNEL_KINDS, CONVERSATION_STATUSES, PRIORITIES, type ConversationStatus } from '../../../common/enums.ts';
import type { ConversationOut, ConversationUpdate } from '../../../common/schemas.ts';
import { api } from '../api.ts';
import { localName } from '../lib/format.ts';
import type { BulkResult, Paged, SavedView } from '../lib/types.ts';
import { byId, useAgents, useCategories, useMe, useSavedViews } from '../queries.ts';
import { ChannelLabel, PriorityBadge, RelativeTime, SlaBadge, StatusBadge } from '../components/Badges.tsx';
import { UnverifiedBadge } from '../components/conversation/UnverifiedBadge.tsx';
import { DEFAULT_VIEW, VIEWS, savedViewHref, type View } from '../components/Shell.tsx';
import { IconBookmark, IconSearch } from '../components/icons.tsx';

export const DEFAULT_STATUSES: ConversationStatus[] = ['new', 'open', 'pending', 'on_hold'];
const PAGE_SIZE = 50;
/** Filters beyond view, status and search: each is a query parameter of GET /conversations. */
const EXTRA_FILTERS = ['priority', 'channel', 'categoryId', 'tag', 'sla'] as const;
const ME = '__me';
const UNASSIGN = '__none';

function parseStatuses(raw: string | null): ConversationStatus[] {
  if (raw === null) return DEFAULT_STATUSES;
  return raw.split(',').filter((s): s is ConversationStatus => (CONVERSATION_STATUSES as readonly string[]).includes(s));
}

export function InboxPage() {
  const { t, i18n } = useTranslation();
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

  const extra: Record<string, string> = {};
  for (const key of EXTRA_FILTERS) {
    const v = params.get(key);
    if (v) extra[key] = v;
  }
  const extraKey = JSON.stringify(extra);

  function setFilter(key: (typeof EXTRA_FILTERS)[number], value: string | null) {
    const next = new URLSearchParams(params);
    if (value) next.set(key, value);
    else next.delete(key);
    setParams(next, { replace: true });
  }

  const list = useInfiniteQuery({
    queryKey: ['conversations', { view, status: statusQuery.join(','), q, extra: extraKey }],
    queryFn: ({ pageParam }) =>
      api.get<Paged<ConversationOut>>('/conversations', { view, status: statusQuery, q: q || undefined, ...extra, limit: PAGE_SIZE, cursor: pageParam ?? undefined }),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
    // Pushes keep the list fresh; polling is the fallback when the socket is down.
    refetchInterval: 30_000,
    placeholderData: keepPreviousData,
  });

  const me = useMe().data;
  const categories = useCategories();
  const savedViews = useSavedViews();
  const savedId = params.get('sv');
  const savedView = savedViews.data?.find((v) => v.id === savedId);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [saveOpen, setSaveOpen] = useState(false);

  const agents = useAgents();
  const agentsById = useMemo(() => byId(agents.data), [agents.data]);
  const rows = list.data?.pages.flatMap((p) => p.items) ?? [];

  const viewLabels: Record<View, string> = { mine: t('nav.mine'), unassigned: t('nav.unassigned'), teams: t('nav.teams'), all: t('nav.all') };
  const filtersChanged = params.has('status') || q !== '' || Object.keys(extra).length > 0;
  const visibleIds = rows.map((r) => r.id);
  const selectedVisible = visibleIds.filter((id) => selected.has(id));
  const allSelected = visibleIds.length > 0 && selectedVisible.length === visibleIds.length;

  function toggle(id: string) {
    setSelected((old) => {
      const next = new Set(old);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });
  }

  /** The current filters as a saved view's query (the same names as GET /conversations). */
  function currentQuery(): Record<string, string> {
    const query: Record<string, string> = { view };
    if (params.has('status')) query.status = params.get('status') ?? '';
    if (q) query.q = q;
    Object.assign(query, extra);
    return query;
  }

  const categoryOptions = [...(categories.data ?? [])].sort((a, b) => a.position - b.position).map((c) => ({ value: c.id, label: localName(c.name, i18n.language) }));

  return (
    <Stack gap="md">
      <Group justify="space-between" align="flex-end" wrap="wrap">
        <div>
          <Title order={2} data-testid="inbox-title">
            {savedView ? savedView.name : viewLabels[view]}
          </Title>
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
      </Group>

      <Group gap="xs" wrap="wrap" align="flex-end">
        <Select
          size="xs"
          w={130}
          placeholder={t('inbox.filters.priority')}
          aria-label={t('inbox.filters.priority')}
          data={PRIORITIES.map((p) => ({ value: p, label: t(`priority.${p}`) }))}
          value={extra.priority ?? null}
          onChange={(v) => setFilter('priority', v)}
          clearable
          data-testid="filter-priority"
        />
        <Select
          size="xs"
          w={140}
          placeholder={t('inbox.filters.channel')}
          aria-label={t('inbox.filters.channel')}
          data={CHANNEL_KINDS.map((c) => ({ value: c, label: t(`channel.${c}`) }))}
          value={extra.channel ?? null}
          onChange={(v) => setFilter('channel', v)}
          clearable
          data-testid="filter-channel"
        />
        <Select
          size="xs"
          w={180}
          placeholder={t('inbox.filters.category')}
          aria-label={t('inbox.filters.category')}
          data={categoryOptions}
          value={extra.categoryId ?? null}
          onChange={(v) => setFilter('categoryId', v)}
          clearable
          searchable
          data-testid="filter-category"
        />
        <TagFilter value={extra.tag ?? ''} onChange={(v) => setFilter('tag', v || null)} />
        <Select
          size="xs"
          w={150}
          placeholder={t('inbox.filters.sla')}
          aria-label={t('inbox.filters.sla')}
          data={[
            { value: 'breached', label: t('inbox.filters.slaBreached') },
            { value: 'due_soon', label: t('inbox.filters.slaDueSoon') },
          ]}
          value={extra.sla ?? null}
          onChange={(v) => setFilter('sla', v)}
          clearable
          data-testid="filter-sla"
        />
        {filtersChanged && (
          <Button variant="subtle" size="compact-sm" onClick={() => setParams(new URLSearchParams({ view }), { replace: true })}>
            {t('inbox.resetFilters')}
          </Button>
        )}
        <Button variant="light" size="compact-sm" leftSection={<IconBookmark size={14} />} onClick={() => setSaveOpen(true)} data-testid="save-view" ml="auto">
          {t('views.saveCurrent')}
        </Button>
      </Group>

      {selectedVisible.length > 0 && (
        <BulkBar ids={selectedVisible} meId={me?.id ?? null} agents={agents.data ?? []} rows={rows} onDone={(updated) => setSelected((old) => new Set([...old].filter((id) => !updated.includes(id))))} onClear={() => setSelected(new Set())} />
      )}

      <SaveViewModal opened={saveOpen} onClose={() => setSaveOpen(false)} query={currentQuery()} canShare={me?.role === 'admin' || me?.role === 'supervisor'} />

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
          <Table.ScrollContainer minWidth={980} type="native">
            <Table highlightOnHover verticalSpacing="sm" horizontalSpacing="md" layout="fixed">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th w={44}>
                    <Checkbox
                      size="xs"
                      aria-label={t('inbox.bulk.selectAll')}
                      checked={allSelected}
                      indeterminate={selectedVisible.length > 0 && !allSelected}
                      onChange={() => setSelected(allSelected ? new Set() : new Set(visibleIds))}
                      data-testid="select-all"
                    />
                  </Table.Th>
                  <Table.Th w={88}>{t('inbox.columns.number')}</Table.Th>
                  <Table.Th>{t('inbox.columns.subject')}</Table.Th>
                  <Table.Th w={104}>{t('inbox.columns.channel')}</Table.Th>
                  <Table.Th w={128}>{t('inbox.columns.status')}</Table.Th>
                  <Table.Th w={112}>{t('inbox.columns.priority')}</Table.Th>
                  <Table.Th w={150}>{t('inbox.columns.assignee')}</Table.Th>
                  <Table.Th w={124}>{t('inbox.columns.sla')}</Table.Th>
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
                      <Table.Td onClick={(e) => e.stopPropagation()}>
                        <Checkbox size="xs" aria-label={`#${c.number}`} checked={selected.has(c.id)} onChange={() => toggle(c.id)} data-testid="row-select" />
                      </Table.Td>
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
                          {c.requesterVerified === false && ` · ${c.contact.unverifiedEmail ?? ''} `}
                          <UnverifiedBadge conversation={c} size="xs" />
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
                      <Table.Td style={{ whiteSpace: 'nowrap' }}>
                        <SlaBadge conversation={c} size="xs" />
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

/** Free-text tag filter: applied on Enter or when the field loses focus. */
function TagFilter({ value, onChange }: { value: string; onChange: (v: string) => void }) {
  const { t } = useTranslation();
  const [draft, setDraft] = useState(value);
  useEffect(() => setDraft(value), [value]);
  return (
    <TextInput
      size="xs"
      w={140}
      placeholder={t('inbox.filters.tag')}
      aria-label={t('inbox.filters.tag')}
      value={draft}
      onChange={(e) => setDraft(e.currentTarget.value)}
      onBlur={() => draft.trim() !== value && onChange(draft.trim())}
      onKeyDown={(e) => {
        if (e.key === 'Enter') onChange(draft.trim());
      }}
      data-testid="filter-tag"
    />
  );
}

function SaveViewModal({ opened, onClose, query, canShare }: { opened: boolean; onClose: () => void; query: Record<string, string>; canShare: boolean }) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [name, setName] = useState('');
  const [shared, setShared] = useState(false);
  const save = useMutation({
    mutationFn: () => api.post<SavedView>('/views', { name: name.trim(), query, shared: canShare && shared }),
    onSuccess: (view) => {
      void queryClient.invalidateQueries({ queryKey: ['views'] });
      notifications.show({ color: 'teal', message: t('views.savedDone', { name: view.name }) });
      setName('');
      setShared(false);
      onClose();
      navigate(savedViewHref(view), { replace: true });
    },
    onError: (err) => notifications.show({ color: 'red', title: t('app.errorTitle'), message: err.message }),
  });
  return (
    <Modal opened={opened} onClose={onClose} title={t('views.saveTitle')}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (name.trim()) save.mutate();
        }}
      >
        <Stack>
          <TextInput label={t('views.name')} value={name} onChange={(e) => setName(e.currentTarget.value)} maxLength={80} data-autofocus data-testid="view-name" />
          <Text size="xs" c="dimmed" className="sb-mono">
            {Object.entries(query)
              .map(([k, v]) => `${k}=${v}`)
              .join(' · ')}
          </Text>
          {canShare && <Switch label={t('views.shareWithTeam')} checked={shared} onChange={(e) => setShared(e.currentTarget.checked)} />}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              {t('app.cancel')}
            </Button>
            <Button type="submit" disabled={!name.trim()} loading={save.isPending} data-testid="view-save">
              {t('app.save')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

function BulkBar({
  ids,
  meId,
  agents,
  rows,
  onDone,
  onClear,
}: {
  ids: string[];
  meId: string | null;
  agents: { id: string; name: string; disabled: boolean }[];
  rows: ConversationOut[];
  onDone: (updated: string[]) => void;
  onClear: () => void;
}) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [failures, setFailures] = useState<BulkResult['failed']>([]);
  const numbers = useMemo(() => new Map(rows.map((r) => [r.id, r.number])), [rows]);
  const bulk = useMutation({
    mutationFn: (patch: ConversationUpdate) => api.post<BulkResult>('/conversations/bulk', { ids, patch }),
    onSuccess: (res) => {
      setFailures(res.failed);
      onDone(res.updated);
      if (res.updated.length) notifications.show({ color: 'teal', message: t('inbox.bulk.updated', { count: res.updated.length }) });
      for (const id of res.updated) void queryClient.invalidateQueries({ queryKey: ['conversation', id], exact: true });
    },
    onError: (err) => notifications.show({ color: 'red', title: t('app.errorTitle'), message: err.message }),
    onSettled: () => void queryClient.invalidateQueries({ queryKey: ['conversations'] }),
  });
  const assigneeOptions = [
    ...(meId ? [{ value: ME, label: t('inbox.bulk.me') }] : []),
    { value: UNASSIGN, label: t('conversation.sidebar.unassigned') },
    ...agents.filter((a) => !a.disabled && a.id !== meId).map((a) => ({ value: a.id, label: a.name })),
  ];
  return (
    <Paper withBorder radius="md" p="sm" bg="indigo.0" data-testid="bulk-bar">
      <Group gap="sm" wrap="wrap">
        <Text size="sm" fw={600}>
          {t('inbox.bulk.selected', { count: ids.length })}
        </Text>
        <Select
          size="xs"
          w={150}
          placeholder={t('inbox.bulk.setStatus')}
          data={CONVERSATION_STATUSES.map((s) => ({ value: s, label: t(`status.${s}`) }))}
          value={null}
          onChange={(v) => v && bulk.mutate({ status: v as ConversationStatus })}
          disabled={bulk.isPending}
          data-testid="bulk-status"
        />
        <Select
          size="xs"
          w={150}
          placeholder={t('inbox.bulk.setPriority')}
          data={PRIORITIES.map((p) => ({ value: p, label: t(`priority.${p}`) }))}
          value={null}
          onChange={(v) => v && bulk.mutate({ priority: v as ConversationOut['priority'] })}
          disabled={bulk.isPending}
          data-testid="bulk-priority"
        />
        <Select
          size="xs"
          w={180}
          placeholder={t('inbox.bulk.setAssignee')}
          data={assigneeOptions}
          value={null}
          searchable
          onChange={(v) => v && bulk.mutate({ assigneeId: v === ME ? meId : v === UNASSIGN ? null : v })}
          disabled={bulk.isPending}
          data-testid="bulk-assignee"
        />
        <Button size="compact-sm" variant="subtle" onClick={onClear}>
          {t('inbox.bulk.clear')}
        </Button>
      </Group>
      {failures.length > 0 && (
        <Alert color="red" variant="light" mt="sm" title={t('inbox.bulk.failed', { count: failures.length })} withCloseButton onClose={() => setFailures([])} data-testid="bulk-failures">
          <Stack gap={2}>
            {failures.map((f) => (
              <Text key={f.id} size="sm">
                #{numbers.get(f.id) ?? f.id.slice(0, 8)}: {f.error.message}
              </Text>
            ))}
          </Stack>
        </Alert>
      )}
    </Paper>
  );
}
