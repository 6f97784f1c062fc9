import type { ReactNode } from 'react';
import { Alert, Card, Center, Loader, Text } from '@mantine/core';

/** A bordered card that shows loading, an error, an empty message, or its content. */
export function QueryStateCard(props: { pending: boolean; error: Error | null; empty: boolean; emptyText: string; children: ReactNode }) {
  return (
    <Card withBorder padding={0} radius="md">
      {props.pending ? (
        <Center p="xl">
          <Loader size="sm" />
        </Center>
      ) : props.error ? (
        <Alert color="red" m="md">
          {props.error.message}
        </Alert>
      ) : props.empty ? (
        <Center p="xl">
          <Text c="dimmed">{props.emptyText}</Text>
        </Center>
      ) : (
        props.children
      )}
    </Card>
  );
}
