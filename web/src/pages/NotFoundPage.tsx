import { Button, Center, Stack, Text, Title } from '@mantine/core';
import { Link } from 'react-router-dom';
import { useTranslation } from 'react-i18next';

export function NotFoundPage() {
  const { t } = useTranslation();
  return (
    <Center h="50vh">
      <Stack align="center" gap="xs">
        <Title order={2}>{t('app.notFound')}</Title>
        <Text c="dimmed">{t('app.notFoundText')}</Text>
        <Button component={Link} to="/agent" variant="light" mt="md">
          {t('app.backToInbox')}
        </Button>
      </Stack>
    </Center>
  );
}
