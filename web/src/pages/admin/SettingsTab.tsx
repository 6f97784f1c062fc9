import { useEffect, useState } from 'react';
import { Alert, Button, Card, Group, Loader, MultiSelect, NumberInput, SegmentedControl, Select, SimpleGrid, Stack, Switch, TagsInput, Text, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api, ApiError } from '../../api.ts';
import type { SettingsOut } from '../../lib/types.ts';
import { localName } from '../../lib/format.ts';
import { meKey, useMe, useTeams } from '../../queries.ts';

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
    <Stack maw={720}>
    <Card withBorder radius="md" p="lg">
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
    {settings.data && <WorkflowSettings settings={settings.data} canEdit={canEdit} saving={update.isPending} onSave={(patch) => update.mutate(patch)} />}
    {settings.data && <WidgetSettings settings={settings.data} canEdit={canEdit} saving={update.isPending} onSave={(patch) => update.mutate(patch)} />}
    {settings.data && <EmailSettings settings={settings.data} canEdit={canEdit} />}
    </Stack>
  );
}

type Workflow = Pick<SettingsOut, 'autoCloseDays' | 'chatAcceptSeconds' | 'chatAbandonSeconds' | 'chatOverflowMinutes' | 'chatFallbackTeamId' | 'chatManualTeamIds'>;

/** Tickets and live chat timings: edited together and saved with one button (the server checks the ranges). */
function WorkflowSettings({ settings, canEdit, saving, onSave }: { settings: SettingsOut; canEdit: boolean; saving: boolean; onSave: (patch: Partial<SettingsOut>) => void }) {
  const { t, i18n } = useTranslation();
  const teams = useTeams();
  const pick = (s: SettingsOut): Workflow => ({
    autoCloseDays: s.autoCloseDays,
    chatAcceptSeconds: s.chatAcceptSeconds,
    chatAbandonSeconds: s.chatAbandonSeconds,
    chatOverflowMinutes: s.chatOverflowMinutes,
    chatFallbackTeamId: s.chatFallbackTeamId,
    chatManualTeamIds: s.chatManualTeamIds,
  });
  const [form, setForm] = useState<Workflow>(() => pick(settings));
  useEffect(() => setForm(pick(settings)), [settings]);
  const changed = JSON.stringify(form) !== JSON.stringify(pick(settings));
  const teamOptions = (teams.data ?? []).map((tm) => ({ value: tm.id, label: localName(tm.name, i18n.language) }));
  const num = (key: 'autoCloseDays' | 'chatAcceptSeconds' | 'chatAbandonSeconds' | 'chatOverflowMinutes', min: number, max: number) => ({
    min,
    max,
    value: form[key],
    disabled: !canEdit,
    allowDecimal: false,
    clampBehavior: 'strict' as const,
    onChange: (v: string | number) => setForm((f) => ({ ...f, [key]: typeof v === 'number' ? v : Number(v) || min })),
    'data-testid': `settings-${key}`,
  });
  return (
    <Card withBorder radius="md" p="lg">
      <Title order={4} mb="md">
        {t('admin.settings.workflow')}
      </Title>
      <Stack>
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          <NumberInput label={t('admin.settings.autoCloseDays')} description={t('admin.settings.autoCloseDaysHint')} {...num('autoCloseDays', 1, 90)} />
          <NumberInput label={t('admin.settings.chatAcceptSeconds')} description={t('admin.settings.chatAcceptSecondsHint')} {...num('chatAcceptSeconds', 10, 600)} />
          <NumberInput label={t('admin.settings.chatAbandonSeconds')} description={t('admin.settings.chatAbandonSecondsHint')} {...num('chatAbandonSeconds', 30, 3600)} />
          <NumberInput label={t('admin.settings.chatOverflowMinutes')} description={t('admin.settings.chatOverflowMinutesHint')} {...num('chatOverflowMinutes', 1, 240)} />
          <Select
            label={t('admin.settings.chatFallbackTeam')}
            description={t('admin.settings.chatFallbackTeamHint')}
            data={teamOptions}
            value={form.chatFallbackTeamId}
            onChange={(v) => setForm((f) => ({ ...f, chatFallbackTeamId: v }))}
            clearable
            disabled={!canEdit}
            data-testid="settings-chatFallbackTeamId"
          />
          <MultiSelect
            label={t('admin.settings.chatManualTeams')}
            description={t('admin.settings.chatManualTeamsHint')}
            data={teamOptions}
            value={form.chatManualTeamIds}
            onChange={(v) => setForm((f) => ({ ...f, chatManualTeamIds: v }))}
            disabled={!canEdit}
            data-testid="settings-chatManualTeamIds"
          />
        </SimpleGrid>
        {canEdit && (
          <Group justify="flex-end">
            <Button variant="default" disabled={!changed} onClick={() => setForm(pick(settings))}>
              {t('app.cancel')}
            </Button>
            <Button disabled={!changed} loading={saving} onClick={() => onSave(form)} data-testid="settings-save">
              {t('app.save')}
            </Button>
          </Group>
        )}
      </Stack>
    </Card>
  );
}

/** Which sites may frame the chat widget (the chat page's frame-ancestors); the server checks each origin. */
function WidgetSettings({ settings, canEdit, saving, onSave }: { settings: SettingsOut; canEdit: boolean; saving: boolean; onSave: (patch: Partial<SettingsOut>) => void }) {
  const { t } = useTranslation();
  const [origins, setOrigins] = useState<string[]>(settings.widgetAllowedOrigins);
  useEffect(() => setOrigins(settings.widgetAllowedOrigins), [settings]);
  const changed = JSON.stringify(origins) !== JSON.stringify(settings.widgetAllowedOrigins);
  return (
    <Card withBorder radius="md" p="lg">
      <Title order={4} mb="md">
        {t('admin.settings.widget')}
      </Title>
      <Stack>
        <TagsInput
          label={t('admin.settings.widgetOrigins')}
          description={t('admin.settings.widgetOriginsHint')}
          placeholder={t('admin.settings.widgetOriginsPlaceholder')}
          value={origins}
          onChange={setOrigins}
          disabled={!canEdit}
          clearable
          data-testid="settings-widgetAllowedOrigins"
        />
        {!settings.widgetAllowedOrigins.length && (
          <Alert color="yellow" variant="light">
            {t('admin.settings.widgetOriginsAny')}
          </Alert>
        )}
        {canEdit && (
          <Group justify="flex-end">
            <Button variant="default" disabled={!changed} onClick={() => setOrigins(settings.widgetAllowedOrigins)}>
              {t('app.cancel')}
            </Button>
            <Button disabled={!changed} loading={saving} onClick={() => onSave({ widgetAllowedOrigins: origins })} data-testid="settings-widget-save">
              {t('app.save')}
            </Button>
          </Group>
        )}
      </Stack>
    </Card>
  );
}

/** What a customer's email to a closed ticket does (desk setting `emailClosedReply`, default 'reopen'). */
type ClosedReply = 'reopen' | 'followup';

/** Email desk settings. Saved on its own, so a server that does not know the key yet refuses only this. */
function EmailSettings({ settings, canEdit }: { settings: SettingsOut; canEdit: boolean }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const stored = (settings as SettingsOut & { emailClosedReply?: ClosedReply }).emailClosedReply ?? 'reopen';
  const save = useMutation({
    mutationFn: (emailClosedReply: ClosedReply) => api.patch<SettingsOut>('/settings', { emailClosedReply }),
    onSuccess: (next) => {
      queryClient.setQueryData(['settings'], next);
      notifications.show({ color: 'teal', message: t('app.saved'), autoClose: 1500 });
    },
  });
  // A 400 here means this server's settings do not have the key yet (the settings schema is strict).
  const unsupported = save.error instanceof ApiError && save.error.status === 400;
  return (
    <Card withBorder radius="md" p="lg">
      <Title order={4} mb="md">
        {t('emailUi.closedReplyTitle')}
      </Title>
      <Stack gap="xs">
        <Group justify="space-between" wrap="wrap" align="flex-start">
          <div>
            <Text fw={500}>{t('emailUi.closedReply')}</Text>
            <Text size="sm" c="dimmed">
              {t('emailUi.closedReplyHint')}
            </Text>
          </div>
          <SegmentedControl
            value={save.isPending && save.variables ? save.variables : stored}
            onChange={(v) => save.mutate(v as ClosedReply)}
            disabled={!canEdit || save.isPending}
            data={[
              { value: 'reopen', label: t('emailUi.closedReplyReopen') },
              { value: 'followup', label: t('emailUi.closedReplyFollowup') },
            ]}
            data-testid="settings-emailClosedReply"
          />
        </Group>
        {save.error && (
          <Alert color={unsupported ? 'yellow' : 'red'} variant="light">
            {unsupported ? t('emailUi.closedReplyUnsupported') : save.error.message}
          </Alert>
        )}
      </Stack>
    </Card>
  );
}
