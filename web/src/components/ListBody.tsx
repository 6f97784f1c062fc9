import type { ReactNode } from 'react';
import { Alert, Center, Loader, Text } from '@mantine/core';
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
