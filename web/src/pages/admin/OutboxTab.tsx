import { Fragment, useState } from 'react';
import { Alert, Badge, Button, Center, Table, Text } from '@mantine/core';
import { useInfiniteQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api } from '../../api.ts';
import { QueryStateCard } from '../../components/QueryStateCard.tsx';
import { absoluteTime } from '../../lib/format.ts';
import type { Paged } from '../../lib/types.ts';

interface OutboxMail {
  id: string;
  to: string;
  subject: string;
  text: string;
  status: 'stored' | 'queued' | 'sent' | 'failed';
  error: string | null;
  conversationId: string | null;
  createdAt: string;
  sentAt: string | null;
}

const COLOR: Record<OutboxMail['status'], string> = { stored: 'gray', queued: 'blue', sent: 'teal', failed: 'red' };

/** Every email the desk sent or would have sent: with no SMTP server configured, this is where customers' mail is. */
export function OutboxTab() {
  const { t, i18n } = useTranslation();
  const [open, setOpen] = useState<string | null>(null);
  const mail = useInfiniteQuery({
    queryKey: ['outbox'],
    queryFn: ({ pageParam }) => api.get<Paged<OutboxMail>>('/outbox', { limit: 50, cursor: pageParam ?? undefined }),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
  });
  const rows = mail.data?.pages.flatMap((p) => p.items) ?? [];

  return (
    <>
      <Text size="sm" c="dimmed" mb="sm">
        {t('admin.outbox.note')}
      </Text>
      <QueryStateCard pending={mail.isPending} error={mail.isError ? mail.error : null} empty={rows.length === 0} emptyText={t('admin.outbox.empty')}>
          <Table.ScrollContainer minWidth={760} type="native">
            <Table verticalSpacing="xs" horizontalSpacing="md" highlightOnHover>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th w={190}>{t('admin.outbox.time')}</Table.Th>
                  <Table.Th>{t('admin.outbox.to')}</Table.Th>
                  <Table.Th>{t('admin.outbox.subject')}</Table.Th>
                  <Table.Th w={110}>{t('admin.outbox.status')}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {rows.map((m) => (
                  <Fragment key={m.id}>
                    <Table.Tr className="sb-row" onClick={() => setOpen(open === m.id ? null : m.id)} data-testid="outbox-row" aria-expanded={open === m.id}>
                      <Table.Td>
                        <Text size="sm" style={{ whiteSpace: 'nowrap' }}>
                          {absoluteTime(m.createdAt, i18n.language)}
                        </Text>
                      </Table.Td>
                      <Table.Td>
                        <Text size="sm">{m.to}</Text>
                      </Table.Td>
                      <Table.Td>
                        <Text size="sm" lineClamp={1}>
                          {m.subject}
                        </Text>
                      </Table.Td>
                      <Table.Td>
                        <Badge variant="light" color={COLOR[m.status]}>
                          {t(`admin.outbox.statuses.${m.status}`)}
                        </Badge>
                      </Table.Td>
                    </Table.Tr>
                    {open === m.id && (
                      <Table.Tr>
                        <Table.Td colSpan={4}>
                          {m.error && (
                            <Alert color="red" mb="xs">
                              {m.error}
                            </Alert>
                          )}
                          <Text size="sm" style={{ whiteSpace: 'pre-wrap' }} data-testid="outbox-text">
                            {m.text}
                          </Text>
                        </Table.Td>
                      </Table.Tr>
                    )}
                  </Fragment>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
      </QueryStateCard>
      {mail.hasNextPage && (
        <Center mt="md">
          <Button variant="default" loading={mail.isFetchingNextPage} onClick={() => mail.fetchNextPage()}>
            {t('admin.outbox.more')}
          </Button>
        </Center>
      )}
    </>
  );
}
