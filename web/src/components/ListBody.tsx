import type { ReactNode } from 'react';
import { Alert, Card, Center, Loader, Table, Text } from '@mantine/core';
import type { UseQueryResult } from '@tanstack/react-query';

/**
 * The body of a list card: a spinner while the query loads, its error, the empty text (a string
 * is shown dimmed and centred), or the list itself.
 */
export function ListBody<T>({ query, empty, children }: { query: UseQueryResult<T[]>; empty: ReactNode; children: (items: T[]) => ReactNode }) {
  if (query.isPending) {
    return (
      <Center p="xl">
        <Loader size="sm" />
      </Center>
    );
  }
  if (query.isError) {
    return (
      <Alert color="red" m="md">
        {query.error.message}
      </Alert>
    );
  }
  if (!query.data.length) {
    return typeof empty === 'string' ? (
      <Center p="xl">
        <Text c="dimmed">{empty}</Text>
      </Center>
    ) : (
      <>{empty}</>
    );
  }
  return <>{children(query.data)}</>;
}

/** A list card of the admin area: the query's states (ListBody), then a table with these headings and rows. */
export function ListTable<T>({ query, empty, minWidth, head, children }: { query: UseQueryResult<T[]>; empty: ReactNode; minWidth: number; head: ReactNode; children: (items: T[]) => ReactNode }) {
  return (
    <Card withBorder padding={0} radius="md">
      <ListBody query={query} empty={empty}>
        {(items) => (
          <Table.ScrollContainer minWidth={minWidth} type="native">
            <Table verticalSpacing="sm" horizontalSpacing="md" highlightOnHover>
              <Table.Thead>
                <Table.Tr>{head}</Table.Tr>
              </Table.Thead>
              <Table.Tbody>{children(items)}</Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </ListBody>
    </Card>
  );
}
