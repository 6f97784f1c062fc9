import { Fragment, useState } from 'react';
import { Anchor, Badge, Button, Center, Code, Table, Text } from '@mantine/core';
import { useInfiniteQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import type { EventOut } from '../../../../common/schemas.ts';
import { api } from '../../api.ts';
import { QueryStateCard } from '../../components/QueryStateCard.tsx';
import { absoluteTime } from '../../lib/format.ts';
import type { Paged } from '../../lib/types.ts';
import { IconChevronDown } from '../../components/icons.tsx';

function typeColor(type: string): string {
  if (type.startsWith('auth.')) return 'violet';
  if (type.startsWith('agents.') || type.startsWith('teams.') || type.startsWith('settings.') || type.startsWith('tokens.')) return 'red';
  if (type.startsWith('conversations.')) return 'blue';
  if (type.startsWith('messages.')) return 'teal';
  return 'gray';
}

export function AuditTab() {
  const { t, i18n } = useTranslation();
  const [open, setOpen] = useState<number | null>(null);
  const log = useInfiniteQuery({
    queryKey: ['audit'],
    queryFn: ({ pageParam }) => api.get<Paged<EventOut>>('/events', { limit: 100, cursor: pageParam ?? undefined }),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
  });
  const rows = log.data?.pages.flatMap((p) => p.items) ?? [];

  function actor(e: EventOut) {
    if (e.actorName) return e.actorName;
    if (e.actorType === 'system') return t('app.system');
    if (e.actorType === 'contact') return t('app.customer');
    if (e.actorType === 'token') return t('app.apiToken');
    return e.actorId ?? e.actorType;
  }

  return (
    <>
      <QueryStateCard pending={log.isPending} error={log.isError ? log.error : null} empty={rows.length === 0} emptyText={t('admin.audit.empty')}>
          <Table.ScrollContainer minWidth={860} type="native">
            <Table verticalSpacing="xs" horizontalSpacing="md" highlightOnHover>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th w={190}>{t('admin.audit.time')}</Table.Th>
                  <Table.Th>{t('admin.audit.actor')}</Table.Th>
                  <Table.Th>{t('admin.audit.type')}</Table.Th>
                  <Table.Th>{t('admin.audit.subject')}</Table.Th>
                  <Table.Th>{t('admin.audit.ip')}</Table.Th>
                  <Table.Th w={40} />
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {rows.map((e) => {
                  const expanded = open === e.id;
                  return (
                    <Fragment key={e.id}>
                      <Table.Tr className="sb-row" onClick={() => setOpen(expanded ? null : e.id)} data-testid="audit-row" aria-expanded={expanded}>
                        <Table.Td>
                          <Text size="sm" style={{ whiteSpace: 'nowrap' }}>
                            {absoluteTime(e.createdAt, i18n.language)}
                          </Text>
                        </Table.Td>
                        <Table.Td>
                          <Text size="sm">{actor(e)}</Text>
                          <Text size="xs" c="dimmed">
                            {e.actorType}
                          </Text>
                        </Table.Td>
                        <Table.Td>
                          <Badge variant="light" color={typeColor(e.type)} tt="none" radius="sm" className="sb-mono">
                            {e.type}
                          </Badge>
                        </Table.Td>
                        <Table.Td>
                          <Text size="sm">{e.subjectType}</Text>
                          {e.conversationId ? (
                            <Anchor component={Link} to={`/agent/conversations/${e.conversationId}`} size="xs" className="sb-mono" onClick={(ev) => ev.stopPropagation()}>
                              {e.subjectId}
                            </Anchor>
                          ) : (
                            <Text size="xs" c="dimmed" className="sb-mono">
                              {e.subjectId}
                            </Text>
                          )}
                        </Table.Td>
                        <Table.Td>
                          <Text size="sm" c="dimmed" className="sb-mono">
                            {e.ip ?? t('app.none')}
                          </Text>
                        </Table.Td>
                        <Table.Td>
                          <IconChevronDown size={14} style={{ transform: expanded ? 'rotate(180deg)' : undefined, transition: 'transform 150ms' }} />
                        </Table.Td>
                      </Table.Tr>
                      {expanded && (
                        <Table.Tr>
                          <Table.Td colSpan={6} bg="gray.0">
                            <Text size="xs" c="dimmed" mb={4}>
                              {t('admin.audit.details')}
                            </Text>
                            <Code block className="sb-mono" style={{ maxHeight: 320, overflow: 'auto' }}>
                              {JSON.stringify(e.data, null, 2)}
                            </Code>
                          </Table.Td>
                        </Table.Tr>
                      )}
                    </Fragment>
                  );
                })}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
      </QueryStateCard>
      {log.hasNextPage && (
        <Center mt="md">
          <Button variant="default" onClick={() => void log.fetchNextPage()} loading={log.isFetchingNextPage}>
            {t('app.loadMore')}
          </Button>
        </Center>
      )}
    </>
  );
}
