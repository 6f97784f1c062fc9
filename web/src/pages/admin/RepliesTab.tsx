import { useState } from 'react';
import { Alert, Badge, Button, Card, Checkbox, Group, Modal, SegmentedControl, Select, Stack, Table, TagsInput, Text, TextInput, Textarea, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { CONVERSATION_STATUSES, PRIORITIES, type ConversationStatus, type Priority, type Visibility } from '../../../../common/enums.ts';
import { api } from '../../api.ts';
import type { CannedReply, Macro } from '../../lib/types.ts';
import { useCannedReplies, useMacros } from '../../queries.ts';
import { ConfirmModal } from '../../components/ConfirmModal.tsx';
import { IconPlus } from '../../components/icons.tsx';

/** Canned replies and macros: the shared shortcuts agents use in the composer and header. */
export function RepliesTab({ canEdit }: { canEdit: boolean }) {
  return (
    <Stack gap="xl">
      <CannedSection canEdit={canEdit} />
      <MacroSection canEdit={canEdit} />
    </Stack>
  );
}

function useSaver<T>(key: string, path: string, onDone: () => void) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ id, body }: { id?: string; body: unknown }) => (id ? api.patch<T>(`${path}/${id}`, body) : api.post<T>(path, body)),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: [key] });
      notifications.show({ color: 'teal', message: t('app.saved') });
      onDone();
    },
    onError: (err) => notifications.show({ color: 'red', title: t('app.errorTitle'), message: err.message }),
  });
}

function useDeleter(key: string, path: string, onDone: () => void) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api.delete(`${path}/${id}`),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: [key] });
      onDone();
    },
    onError: (err) => notifications.show({ color: 'red', title: t('app.errorTitle'), message: err.message }),
  });
}

function CannedSection({ canEdit }: { canEdit: boolean }) {
  const { t } = useTranslation();
  const list = useCannedReplies();
  const [editing, setEditing] = useState<CannedReply | 'new' | null>(null);
  const [deleting, setDeleting] = useState<CannedReply | null>(null);
  const [form, setForm] = useState({ title: '', shortcut: '', body: '' });
  const save = useSaver<CannedReply>('canned-replies', '/canned-replies', () => setEditing(null));
  const remove = useDeleter('canned-replies', '/canned-replies', () => setDeleting(null));

  function open(item: CannedReply | 'new') {
    setForm(item === 'new' ? { title: '', shortcut: '', body: '' } : { title: item.title, shortcut: item.shortcut, body: item.body });
    setEditing(item);
  }

  return (
    <Stack gap="sm">
      <Group justify="space-between">
        <div>
          <Title order={4}>{t('admin.replies.canned')}</Title>
          <Text size="sm" c="dimmed">
            {t('admin.replies.cannedHint')}
          </Text>
        </div>
        {canEdit && (
          <Button leftSection={<IconPlus size={16} />} onClick={() => open('new')} data-testid="canned-add">
            {t('admin.replies.addCanned')}
          </Button>
        )}
      </Group>
      <Card withBorder padding={0}>
        {list.isError ? (
          <Alert color="red" m="md">
            {list.error.message}
          </Alert>
        ) : (list.data?.length ?? 0) === 0 ? (
          <Text c="dimmed" p="lg" ta="center">
            {list.isPending ? t('app.loading') : t('admin.replies.emptyCanned')}
          </Text>
        ) : (
          <Table verticalSpacing="sm" horizontalSpacing="md">
            <Table.Thead>
              <Table.Tr>
                <Table.Th w={220}>{t('admin.replies.title')}</Table.Th>
                <Table.Th w={140}>{t('admin.replies.shortcut')}</Table.Th>
                <Table.Th>{t('admin.replies.body')}</Table.Th>
                {canEdit && <Table.Th w={160} />}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {list.data?.map((c) => (
                <Table.Tr key={c.id} data-testid="canned-row">
                  <Table.Td fw={500}>{c.title}</Table.Td>
                  <Table.Td ff="monospace">{c.shortcut ? `/${c.shortcut}` : '—'}</Table.Td>
                  <Table.Td>
                    <Text size="sm" lineClamp={2} className="sb-body">
                      {c.body}
                    </Text>
                  </Table.Td>
                  {canEdit && (
                    <Table.Td>
                      <Group gap={4} justify="flex-end" wrap="nowrap">
                        <Button size="compact-xs" variant="subtle" onClick={() => open(c)}>
                          {t('app.edit')}
                        </Button>
                        <Button size="compact-xs" variant="subtle" color="red" onClick={() => setDeleting(c)}>
                          {t('admin.replies.delete')}
                        </Button>
                      </Group>
                    </Table.Td>
                  )}
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
      </Card>
      <Modal opened={editing !== null} onClose={() => setEditing(null)} title={editing === 'new' ? t('admin.replies.addCanned') : t('admin.replies.editCanned')} size="lg">
        <form
          onSubmit={(e) => {
            e.preventDefault();
            save.mutate({ id: editing && editing !== 'new' ? editing.id : undefined, body: { title: form.title.trim(), shortcut: form.shortcut.trim(), body: form.body.trim() } });
          }}
        >
          <Stack>
            <TextInput label={t('admin.replies.title')} required value={form.title} onChange={(e) => setForm({ ...form, title: e.currentTarget.value })} maxLength={120} data-testid="canned-title" />
            <TextInput
              label={t('admin.replies.shortcut')}
              description={t('admin.replies.shortcutHint')}
              leftSection={<Text c="dimmed">/</Text>}
              value={form.shortcut}
              onChange={(e) => setForm({ ...form, shortcut: e.currentTarget.value.replace(/^\//, '') })}
              maxLength={30}
              data-testid="canned-shortcut"
            />
            <Textarea label={t('admin.replies.body')} description={`${t('admin.replies.variables')} {{customer.name}} {{ticket.number}} {{agent.name}}`} required autosize minRows={5} value={form.body} onChange={(e) => setForm({ ...form, body: e.currentTarget.value })} data-testid="canned-body" />
            <Group justify="flex-end">
              <Button variant="default" onClick={() => setEditing(null)}>
                {t('app.cancel')}
              </Button>
              <Button type="submit" loading={save.isPending} disabled={!form.title.trim() || !form.body.trim()} data-testid="canned-save">
                {t('app.save')}
              </Button>
            </Group>
          </Stack>
        </form>
      </Modal>
      <ConfirmModal
        opened={deleting !== null}
        message={t('admin.replies.deleteConfirm', { name: deleting?.title ?? '' })}
        confirmLabel={t('admin.replies.delete')}
        loading={remove.isPending}
        onConfirm={() => deleting && remove.mutate(deleting.id)}
        onClose={() => setDeleting(null)}
      />
    </Stack>
  );
}

interface MacroForm {
  name: string;
  reply: string;
  replyVisibility: Visibility;
  status: ConversationStatus | null;
  priority: Priority | null;
  addTags: string[];
  removeTags: string[];
  assignToMe: boolean;
}

const EMPTY_MACRO: MacroForm = { name: '', reply: '', replyVisibility: 'public', status: null, priority: null, addTags: [], removeTags: [], assignToMe: false };

function MacroSection({ canEdit }: { canEdit: boolean }) {
  const { t } = useTranslation();
  const list = useMacros();
  const [editing, setEditing] = useState<Macro | 'new' | null>(null);
  const [deleting, setDeleting] = useState<Macro | null>(null);
  const [form, setForm] = useState<MacroForm>(EMPTY_MACRO);
  const save = useSaver<Macro>('macros', '/macros', () => setEditing(null));
  const remove = useDeleter('macros', '/macros', () => setDeleting(null));

  function open(item: Macro | 'new') {
    setForm(
      item === 'new'
        ? EMPTY_MACRO
        : {
            name: item.name,
            reply: item.reply,
            replyVisibility: item.replyVisibility,
            status: item.actions.status ?? null,
            priority: item.actions.priority ?? null,
            addTags: item.actions.addTags ?? [],
            removeTags: item.actions.removeTags ?? [],
            assignToMe: item.actions.assignToMe ?? false,
          },
    );
    setEditing(item);
  }

  function submit() {
    const actions: Macro['actions'] = {};
    if (form.status) actions.status = form.status;
    if (form.priority) actions.priority = form.priority;
    if (form.addTags.length) actions.addTags = form.addTags;
    if (form.removeTags.length) actions.removeTags = form.removeTags;
    if (form.assignToMe) actions.assignToMe = true;
    save.mutate({ id: editing && editing !== 'new' ? editing.id : undefined, body: { name: form.name.trim(), reply: form.reply.trim(), replyVisibility: form.replyVisibility, actions } });
  }

  function summary(m: Macro): string[] {
    const parts: string[] = [];
    if (m.actions.status) parts.push(`${t('conversation.sidebar.status')}: ${t(`status.${m.actions.status}`)}`);
    if (m.actions.priority) parts.push(`${t('conversation.sidebar.priority')}: ${t(`priority.${m.actions.priority}`)}`);
    for (const tag of m.actions.addTags ?? []) parts.push(`+${tag}`);
    for (const tag of m.actions.removeTags ?? []) parts.push(`−${tag}`);
    if (m.actions.assignToMe) parts.push(t('conversation.assignToMe'));
    return parts;
  }

  return (
    <Stack gap="sm">
      <Group justify="space-between">
        <div>
          <Title order={4}>{t('admin.replies.macros')}</Title>
          <Text size="sm" c="dimmed">
            {t('admin.replies.macrosHint')}
          </Text>
        </div>
        {canEdit && (
          <Button leftSection={<IconPlus size={16} />} onClick={() => open('new')} data-testid="macro-add">
            {t('admin.replies.addMacro')}
          </Button>
        )}
      </Group>
      <Card withBorder padding={0}>
        {list.isError ? (
          <Alert color="red" m="md">
            {list.error.message}
          </Alert>
        ) : (list.data?.length ?? 0) === 0 ? (
          <Text c="dimmed" p="lg" ta="center">
            {list.isPending ? t('app.loading') : t('admin.replies.emptyMacros')}
          </Text>
        ) : (
          <Table verticalSpacing="sm" horizontalSpacing="md">
            <Table.Thead>
              <Table.Tr>
                <Table.Th w={220}>{t('admin.replies.name')}</Table.Th>
                <Table.Th>{t('admin.replies.reply')}</Table.Th>
                <Table.Th>{t('admin.replies.actions')}</Table.Th>
                {canEdit && <Table.Th w={160} />}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {list.data?.map((m) => (
                <Table.Tr key={m.id} data-testid="macro-row">
                  <Table.Td fw={500}>{m.name}</Table.Td>
                  <Table.Td>
                    {m.reply ? (
                      <Group gap={6} wrap="nowrap" align="flex-start">
                        {m.replyVisibility === 'private' && (
                          <Badge size="xs" color="yellow" variant="light">
                            {t('conversation.privateNote')}
                          </Badge>
                        )}
                        <Text size="sm" lineClamp={2}>
                          {m.reply}
                        </Text>
                      </Group>
                    ) : (
                      <Text c="dimmed">—</Text>
                    )}
                  </Table.Td>
                  <Table.Td>
                    <Group gap={4}>
                      {summary(m).map((p) => (
                        <Badge key={p} variant="default" radius="sm" tt="none">
                          {p}
                        </Badge>
                      ))}
                    </Group>
                  </Table.Td>
                  {canEdit && (
                    <Table.Td>
                      <Group gap={4} justify="flex-end" wrap="nowrap">
                        <Button size="compact-xs" variant="subtle" onClick={() => open(m)}>
                          {t('app.edit')}
                        </Button>
                        <Button size="compact-xs" variant="subtle" color="red" onClick={() => setDeleting(m)}>
                          {t('admin.replies.delete')}
                        </Button>
                      </Group>
                    </Table.Td>
                  )}
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
      </Card>
      <Modal opened={editing !== null} onClose={() => setEditing(null)} title={editing === 'new' ? t('admin.replies.addMacro') : t('admin.replies.editMacro')} size="lg">
        <form
          onSubmit={(e) => {
            e.preventDefault();
            submit();
          }}
        >
          <Stack>
            <TextInput label={t('admin.replies.name')} required value={form.name} onChange={(e) => setForm({ ...form, name: e.currentTarget.value })} maxLength={120} data-testid="macro-name" />
            <Textarea label={t('admin.replies.reply')} description={`${t('admin.replies.variables')} {{customer.name}} {{ticket.number}} {{agent.name}}`} autosize minRows={3} value={form.reply} onChange={(e) => setForm({ ...form, reply: e.currentTarget.value })} />
            <SegmentedControl
              value={form.replyVisibility}
              onChange={(v) => setForm({ ...form, replyVisibility: v as Visibility })}
              data={[
                { value: 'public', label: t('conversation.composer.reply') },
                { value: 'private', label: t('conversation.privateNote') },
              ]}
            />
            <Group grow>
              <Select
                label={t('admin.replies.setStatus')}
                data={CONVERSATION_STATUSES.map((s) => ({ value: s, label: t(`status.${s}`) }))}
                value={form.status}
                onChange={(v) => setForm({ ...form, status: v as ConversationStatus | null })}
                clearable
              />
              <Select
                label={t('admin.replies.setPriority')}
                data={PRIORITIES.map((p) => ({ value: p, label: t(`priority.${p}`) }))}
                value={form.priority}
                onChange={(v) => setForm({ ...form, priority: v as Priority | null })}
                clearable
              />
            </Group>
            <Group grow>
              <TagsInput label={t('admin.replies.addTags')} value={form.addTags} onChange={(v) => setForm({ ...form, addTags: v })} />
              <TagsInput label={t('admin.replies.removeTags')} value={form.removeTags} onChange={(v) => setForm({ ...form, removeTags: v })} />
            </Group>
            <Checkbox label={t('conversation.assignToMe')} checked={form.assignToMe} onChange={(e) => setForm({ ...form, assignToMe: e.currentTarget.checked })} />
            <Group justify="flex-end">
              <Button variant="default" onClick={() => setEditing(null)}>
                {t('app.cancel')}
              </Button>
              <Button type="submit" loading={save.isPending} disabled={!form.name.trim()} data-testid="macro-save">
                {t('app.save')}
              </Button>
            </Group>
          </Stack>
        </form>
      </Modal>
      <ConfirmModal
        opened={deleting !== null}
        message={t('admin.replies.deleteConfirm', { name: deleting?.name ?? '' })}
        confirmLabel={t('admin.replies.delete')}
        loading={remove.isPending}
        onConfirm={() => deleting && remove.mutate(deleting.id)}
        onClose={() => setDeleting(null)}
      />
    </Stack>
  );
}
