import { useState, type FormEvent } from 'react';
import { Alert, Anchor, Badge, Button, Card, Center, Group, Loader, Modal, SegmentedControl, Select, Stack, Switch, Table, Text, TextInput } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { OFFICIAL_CHANNEL_KINDS, type OfficialChannelKind } from '../../../../common/enums.ts';
import type { OfficialChannelOut, VerifyLookupReport } from '../../../../common/schemas.ts';
import { api, ApiError } from '../../api.ts';
import type { Items, OfficialChannelCreate, OfficialChannelUpdate } from '../../lib/types.ts';
import { currentLanguage } from '../../i18n/index.ts';
import { ListTable } from '../../components/ListBody.tsx';
import { ConfirmModal } from '../../components/ConfirmModal.tsx';
import { RelativeTime } from '../../components/Badges.tsx';
import { IconPlus } from '../../components/icons.tsx';

const KEY = ['official-channels'] as const;

const KIND_COLORS: Record<OfficialChannelKind, string> = {
  website: 'indigo',
  email: 'grape',
  telegram: 'cyan',
  x: 'dark',
  facebook: 'blue',
  phone: 'teal',
};

function KindBadge({ kind }: { kind: OfficialChannelKind }) {
  const { t } = useTranslation();
  return (
    <Badge color={KIND_COLORS[kind]} variant="light" radius="sm" data-kind={kind} style={{ flexShrink: 0, overflow: 'visible' }}>
      {t(`admin.channels.kinds.${kind}`)}
    </Badge>
  );
}

function ChannelFormModal({ channel, onClose }: { channel: OfficialChannelOut | null; onClose: () => void }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [kind, setKind] = useState<OfficialChannelKind>(channel?.kind ?? 'website');
  // The label is the entry as written for people; typed back, it reads as the same entry.
  const [value, setValue] = useState(channel?.label ?? '');
  const [note, setNote] = useState(channel?.note ?? '');
  const [active, setActive] = useState(channel?.active ?? true);

  const save = useMutation({
    mutationFn: async () => {
      if (!channel) {
        const body: OfficialChannelCreate = { kind, value: value.trim(), note: note.trim(), active };
        return api.post<OfficialChannelOut>('/official-channels', body);
      }
      const patch: OfficialChannelUpdate = {};
      // A new kind reads the value anew, so the value goes with it.
      if (kind !== channel.kind || value.trim() !== channel.label) {
        patch.kind = kind;
        patch.value = value.trim();
      }
      if (note.trim() !== channel.note) patch.note = note.trim();
      if (active !== channel.active) patch.active = active;
      return Object.keys(patch).length > 0 ? api.patch<OfficialChannelOut>(`/official-channels/${channel.id}`, patch) : channel;
    },
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: KEY });
      notifications.show({ color: 'teal', message: channel ? t('app.saved') : t('admin.channels.created') });
      onClose();
    },
  });

  // A value that does not fit its kind (400) or is listed already (409): the server says which, next to the field.
  const valueError = save.error instanceof ApiError && (save.error.code === 'validation_failed' || save.error.code === 'conflict') ? save.error.message : undefined;

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    if (value.trim()) save.mutate();
  }

  return (
    <Modal opened onClose={onClose} title={channel ? t('admin.channels.editTitle') : t('admin.channels.createTitle')} centered>
      <form onSubmit={onSubmit}>
        <Stack gap="sm">
          {save.error && !valueError && (
            <Alert color="red" variant="light">
              {save.error.message}
            </Alert>
          )}
          <Select
            label={t('admin.channels.kind')}
            data={OFFICIAL_CHANNEL_KINDS.map((k) => ({ value: k, label: t(`admin.channels.kinds.${k}`) }))}
            value={kind}
            onChange={(v) => {
              if (!v) return;
              setKind(v as OfficialChannelKind);
              save.reset();
            }}
            allowDeselect={false}
            data-testid="channel-kind"
          />
          <TextInput
            label={t('admin.channels.value')}
            description={t(`admin.channels.hints.${kind}`)}
            placeholder={t(`admin.channels.placeholders.${kind}`)}
            required
            maxLength={200}
            value={value}
            onChange={(e) => {
              setValue(e.currentTarget.value);
              if (save.isError) save.reset();
            }}
            error={valueError}
            classNames={{ input: 'sb-mono' }}
            data-autofocus
            data-testid="channel-value"
          />
          <TextInput
            label={t('admin.channels.note')}
            placeholder={t('admin.channels.notePlaceholder')}
            maxLength={200}
            value={note}
            onChange={(e) => setNote(e.currentTarget.value)}
            data-testid="channel-note"
          />
          <Switch
            label={t('admin.channels.active')}
            description={t('admin.channels.activeHint')}
            checked={active}
            onChange={(e) => setActive(e.currentTarget.checked)}
            mt="xs"
            data-testid="channel-active"
          />
          <Group justify="flex-end" mt="md">
            <Button variant="default" onClick={onClose}>
              {t('app.cancel')}
            </Button>
            <Button type="submit" loading={save.isPending} disabled={!value.trim()} data-testid="channel-save">
              {channel ? t('app.save') : t('app.create')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

/** The public page where customers check a contact point against this list, in the admin's language. */
function VerifyLink() {
  const { t } = useTranslation();
  return (
    <Anchor href={`/verify?lang=${currentLanguage()}`} target="_blank" rel="noopener" size="sm" data-testid="channels-verify-link">
      {t('admin.channels.openVerify')}
    </Anchor>
  );
}

/** What customers checked on /verify that is not ours: look-alikes for the security team to report. */
function CheckedByCustomers() {
  const { t } = useTranslation();
  const [days, setDays] = useState('30');
  const report = useQuery({ queryKey: ['official-channels', 'lookups', days], queryFn: () => api.get<VerifyLookupReport>(`/official-channels/lookups?days=${days}`) });
  return (
    <Card withBorder padding="md" radius="md" data-testid="channel-lookups">
      <Group justify="space-between" align="flex-start" mb="xs">
        <div>
          <Text fw={600}>{t('admin.channels.lookups.title')}</Text>
          <Text size="sm" c="dimmed" maw={720}>
            {t('admin.channels.lookups.hint')}
          </Text>
        </div>
        <SegmentedControl size="xs" value={days} onChange={setDays} data={['7', '30', '90'].map((n) => ({ value: n, label: t('admin.channels.lookups.days', { n }) }))} />
      </Group>
      {report.isPending ? (
        <Center p="md">
          <Loader size="sm" />
        </Center>
      ) : report.isError ? (
        <Alert color="red">{report.error.message}</Alert>
      ) : (
        <Stack gap="xs">
          <Text size="sm" c="dimmed">
            {t('admin.channels.lookups.summary', { checks: report.data.checks, days: report.data.days, official: report.data.official })}
          </Text>
          {report.data.notOurs.length === 0 ? (
            <Text size="sm">{t('admin.channels.lookups.empty')}</Text>
          ) : (
            <Table.ScrollContainer minWidth={560} type="native">
              <Table verticalSpacing="xs" horizontalSpacing="md">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th w={140}>{t('admin.channels.kind')}</Table.Th>
                    <Table.Th>{t('admin.channels.lookups.value')}</Table.Th>
                    <Table.Th w={110}>{t('admin.channels.lookups.count')}</Table.Th>
                    <Table.Th w={150}>{t('admin.channels.lookups.last')}</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {report.data.notOurs.map((r) => (
                    <Table.Tr key={`${r.kind} ${r.value}`} data-testid="lookup-row">
                      <Table.Td>
                        {(OFFICIAL_CHANNEL_KINDS as readonly string[]).includes(r.kind) ? (
                          <KindBadge kind={r.kind as OfficialChannelKind} />
                        ) : (
                          <Badge color="gray" variant="light" radius="sm">
                            {t('admin.channels.lookups.handle')}
                          </Badge>
                        )}
                      </Table.Td>
                      <Table.Td>
                        <Text size="sm" className="sb-mono" style={{ overflowWrap: 'anywhere' }}>
                          {r.value}
                        </Text>
                        {r.retired && (
                          <Text size="xs" c="dimmed">
                            {t('admin.channels.lookups.retired')}
                          </Text>
                        )}
                      </Table.Td>
                      <Table.Td>
                        <Text size="sm" fw={600}>
                          {r.count}
                        </Text>
                      </Table.Td>
                      <Table.Td>
                        <RelativeTime iso={r.lastAt} />
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
          )}
        </Stack>
      )}
    </Card>
  );
}

export function OfficialChannelsTab({ canEdit }: { canEdit: boolean }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const channels = useQuery({ queryKey: KEY, queryFn: () => api.get<Items<OfficialChannelOut>>('/official-channels'), select: (d) => d.items });
  // null: closed; 'new': create; a channel id: edit.
  const [editing, setEditing] = useState<string | null>(null);
  const editingChannel = editing && editing !== 'new' ? (channels.data?.find((c) => c.id === editing) ?? null) : null;
  const [deleting, setDeleting] = useState<OfficialChannelOut | null>(null);

  const setActive = useMutation({
    mutationFn: ({ id, active }: { id: string; active: boolean }) => api.patch<OfficialChannelOut>(`/official-channels/${id}`, { active } satisfies OfficialChannelUpdate),
    onMutate: async ({ id, active }) => {
      await queryClient.cancelQueries({ queryKey: KEY });
      const previous = queryClient.getQueryData<Items<OfficialChannelOut>>(KEY);
      if (previous) queryClient.setQueryData<Items<OfficialChannelOut>>(KEY, { items: previous.items.map((c) => (c.id === id ? { ...c, active } : c)) });
      return { previous };
    },
    onSuccess: () => notifications.show({ color: 'teal', message: t('app.saved'), autoClose: 1500 }),
    onError: (err, _vars, ctx) => {
      if (ctx?.previous) queryClient.setQueryData(KEY, ctx.previous);
      notifications.show({ color: 'red', title: t('app.errorTitle'), message: err.message });
    },
    onSettled: () => void queryClient.invalidateQueries({ queryKey: KEY }),
  });

  const remove = useMutation({
    mutationFn: (id: string) => api.delete(`/official-channels/${id}`),
    onSuccess: () => notifications.show({ color: 'teal', message: t('admin.channels.deleted') }),
    onError: (err) => notifications.show({ color: 'red', title: t('app.errorTitle'), message: err.message }),
    onSettled: () => {
      setDeleting(null);
      void queryClient.invalidateQueries({ queryKey: KEY });
    },
  });

  return (
    <Stack gap="md">
      <Group justify="space-between" align="flex-start" wrap="nowrap">
        {/* The empty state explains the list itself. */}
        {channels.data && channels.data.length > 0 ? (
          <div>
            <Text size="sm" c="dimmed" maw={720}>
              {t('admin.channels.intro')}
            </Text>
            <Text size="sm" c="dimmed" maw={720}>
              {t('admin.channels.automatic')}
            </Text>
            <VerifyLink />
          </div>
        ) : (
          <div />
        )}
        {canEdit && (
          <Button leftSection={<IconPlus size={16} />} onClick={() => setEditing('new')} style={{ flexShrink: 0 }} data-testid="channel-create">
            {t('admin.channels.add')}
          </Button>
        )}
      </Group>
      <ListTable
        query={channels}
        empty={
          <Stack align="center" gap="xs" p="xl" data-testid="channels-empty">
            <Text fw={600}>{t('admin.channels.empty')}</Text>
            <Text size="sm" c="dimmed" ta="center" maw={560}>
              {t('admin.channels.emptyHint')}
            </Text>
            <Text size="xs" c="dimmed" ta="center" maw={560}>
              {t('admin.channels.automatic')}
            </Text>
            <VerifyLink />
          </Stack>
        }
        minWidth={720}
        head={
          <>
            <Table.Th w={140}>{t('admin.channels.kind')}</Table.Th>
            <Table.Th>{t('admin.channels.label')}</Table.Th>
            <Table.Th>{t('admin.channels.note')}</Table.Th>
            <Table.Th w={110}>{t('admin.channels.active')}</Table.Th>
            {canEdit && <Table.Th w={160} />}
          </>
        }
      >
        {(items) => (
          <>
            {items.map((c) => (
              <Table.Tr key={c.id} data-testid="channel-row" data-active={c.active}>
                <Table.Td>
                  <KindBadge kind={c.kind} />
                </Table.Td>
                <Table.Td>
                  <Text size="sm" fw={600} className="sb-mono" c={c.active ? undefined : 'dimmed'}>
                    {c.label}
                  </Text>
                </Table.Td>
                <Table.Td maw={320}>
                  <Text size="sm" c="dimmed" lineClamp={2}>
                    {c.note || t('app.none')}
                  </Text>
                </Table.Td>
                <Table.Td>
                  {canEdit ? (
                    <Switch
                      checked={c.active}
                      onChange={(e) => setActive.mutate({ id: c.id, active: e.currentTarget.checked })}
                      aria-label={t('admin.channels.activeFor', { label: c.label })}
                      data-testid="channel-row-active"
                    />
                  ) : (
                    <Badge variant="dot" color={c.active ? 'teal' : 'gray'}>
                      {c.active ? t('admin.channels.on') : t('admin.channels.off')}
                    </Badge>
                  )}
                </Table.Td>
                {canEdit && (
                  <Table.Td>
                    <Group gap={4} justify="flex-end" wrap="nowrap">
                      <Button variant="subtle" size="compact-sm" onClick={() => setEditing(c.id)} data-testid="channel-edit">
                        {t('app.edit')}
                      </Button>
                      <Button variant="subtle" color="red" size="compact-sm" onClick={() => setDeleting(c)} data-testid="channel-delete">
                        {t('admin.channels.delete')}
                      </Button>
                    </Group>
                  </Table.Td>
                )}
              </Table.Tr>
            ))}
          </>
        )}
      </ListTable>
      <CheckedByCustomers />
      {(editing === 'new' || editingChannel) && <ChannelFormModal key={editing ?? 'new'} channel={editingChannel} onClose={() => setEditing(null)} />}
      <ConfirmModal
        opened={deleting !== null}
        message={t('admin.channels.deleteConfirm', { label: deleting?.label ?? '' })}
        confirmLabel={t('admin.channels.delete')}
        loading={remove.isPending}
        onConfirm={() => deleting && remove.mutate(deleting.id)}
        onClose={() => setDeleting(null)}
      />
    </Stack>
  );
}
