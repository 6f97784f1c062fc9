import { Alert, Card, Group, Loader, Stack, Switch, Text, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api } from '../../api.ts';
import type { SettingsOut } from '../../lib/types.ts';
import { meKey, useMe } from '../../queries.ts';

export function SettingsTab({ canEdit }: { canEdit: boolean }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const me = useMe().data;
  const settings = useQuery({ queryKey: ['settings'], queryFn: () => api.get<SettingsOut>('/settings') });

  const update = useMutation({
    mutationFn: (patch: Partial<SettingsOut>) => api.patch<SettingsOut>('/settings', patch),
    onMutate: (patch) => {
      const previous = queryClient.getQueryData<SettingsOut>(['settings']);
      if (previous) queryClient.setQueryData(['settings'], { ...previous, ...patch });
      return { previous };
    },
    onSuccess: (next) => {
      queryClient.setQueryData(['settings'], next);
      // Turning the requirement on may apply to the admin too.
      void queryClient.invalidateQueries({ queryKey: meKey });
      notifications.show({ color: 'teal', message: t('app.saved'), autoClose: 1500 });
    },
    onError: (err, _patch, ctx) => {
      if (ctx?.previous) queryClient.setQueryData(['settings'], ctx.previous);
      notifications.show({ color: 'red', title: t('app.errorTitle'), message: err.message });
    },
  });

  return (
    <Card withBorder radius="md" p="lg" maw={720}>
      <Title order={4} mb="md">
        {t('admin.settings.security')}
      </Title>
      {settings.isPending ? (
        <Loader size="sm" />
      ) : settings.isError ? (
        <Alert color="red">{settings.error.message}</Alert>
      ) : (
        <Stack>
          <Group justify="space-between" wrap="nowrap" align="flex-start">
            <div>
              <Text fw={500}>{t('admin.settings.requireTotp')}</Text>
              <Text size="sm" c="dimmed">
                {t('admin.settings.requireTotpHint')}
              </Text>
            </div>
            <Switch
              size="md"
              checked={settings.data.requireTotp}
              disabled={!canEdit || update.isPending}
              onChange={(e) => update.mutate({ requireTotp: e.currentTarget.checked })}
              aria-label={t('admin.settings.requireTotp')}
              data-testid="settings-require-totp"
            />
          </Group>
          {canEdit && me && !me.totpEnabled && !settings.data.requireTotp && (
            <Alert color="orange" variant="light">
              {t('admin.settings.selfWarning')}
            </Alert>
          )}
        </Stack>
      )}
    </Card>
  );
}
