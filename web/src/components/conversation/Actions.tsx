import { useState } from 'react';
import { Alert, Badge, Button, Divider, Group, Menu, Modal, Stack, Text, TextInput, UnstyledButton } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router-dom';
import type { ConversationOut } from '../../../../common/schemas.ts';
import { api } from '../../api.ts';
import type { Paged } from '../../lib/types.ts';
import { useMacros } from '../../queries.ts';
import type { Viewer } from '../../realtime.ts';
import { RelativeTime, StatusBadge } from '../Badges.tsx';
import { IconBolt, IconChevronDown, IconGitMerge } from '../icons.tsx';

const ALL_STATUSES = 'new,open,pending,on_hold,solved,closed';

/** "Apply macro" and "Merge into…" for the conversation header. */
export function ConversationActions({ conversation: c }: { conversation: ConversationOut }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const macros = useMacros();
  const [mergeOpen, setMergeOpen] = useState(false);

  const apply = useMutation({
    mutationFn: (macroId: string) => api.post<ConversationOut>(`/conversations/${c.id}/macros/${macroId}`),
    onSuccess: (updated, macroId) => {
      queryClient.setQueryData(['conversation', c.id], updated);
      const name = macros.data?.find((m) => m.id === macroId)?.name ?? '';
      notifications.show({ color: 'teal', message: t('conversation.macros.applied', { name }) });
    },
    onError: (err) => notifications.show({ color: 'red', title: t('app.errorTitle'), message: err.message }),
    onSettled: () => {
      void queryClient.invalidateQueries({ queryKey: ['conversation', c.id] });
      void queryClient.invalidateQueries({ queryKey: ['conversations'] });
    },
  });

  return (
    <Group gap="xs" wrap="nowrap">
      <Menu position="bottom-end" width={280} shadow="md">
        <Menu.Target>
          <Button size="compact-sm" variant="default" leftSection={<IconBolt size={14} />} rightSection={<IconChevronDown size={12} />} loading={apply.isPending} data-testid="macro-menu">
            {t('conversation.macros.apply')}
          </Button>
        </Menu.Target>
        <Menu.Dropdown>
          {macros.isError ? (
            <Menu.Label>{t('conversation.macros.unavailable')}</Menu.Label>
          ) : (macros.data?.length ?? 0) === 0 ? (
            <Menu.Label>{t('conversation.macros.none')}</Menu.Label>
          ) : (
            macros.data?.map((m) => (
              <Menu.Item key={m.id} onClick={() => apply.mutate(m.id)} data-testid="macro-item">
                <Text size="sm">{m.name}</Text>
                <Text size="xs" c="dimmed" lineClamp={1}>
                  {[
                    m.reply ? (m.replyVisibility === 'private' ? t('conversation.macros.addsNote') : t('conversation.macros.sendsReply')) : null,
                    m.actions.status ? t(`status.${m.actions.status}`) : null,
                    m.actions.priority ? t(`priority.${m.actions.priority}`) : null,
                    m.actions.addTags?.length ? `+${m.actions.addTags.join(' +')}` : null,
                    m.actions.assignToMe ? t('conversation.assignToMe') : null,
                  ]
                    .filter(Boolean)
                    .join(' · ')}
                </Text>
              </Menu.Item>
            ))
          )}
        </Menu.Dropdown>
      </Menu>
      <Button size="compact-sm" variant="default" leftSection={<IconGitMerge size={14} />} onClick={() => setMergeOpen(true)} disabled={Boolean(c.mergedIntoId)} data-testid="merge-open">
        {t('conversation.merge.action')}
      </Button>
      <MergeModal conversation={c} opened={mergeOpen} onClose={() => setMergeOpen(false)} />
    </Group>
  );
}

function MergeModal({ conversation: c, opened, onClose }: { conversation: ConversationOut; opened: boolean; onClose: () => void }) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [number, setNumber] = useState('');
  const [target, setTarget] = useState<ConversationOut | null>(null);
  const [lookupError, setLookupError] = useState<string | null>(null);

  const same = useQuery({
    queryKey: ['conversations', 'contact', c.contactId, 'merge'],
    queryFn: () => api.get<Paged<ConversationOut>>('/conversations', { contactId: c.contactId, status: ALL_STATUSES, limit: 20 }),
    enabled: opened,
  });
  const candidates = (same.data?.items ?? []).filter((x) => x.id !== c.id && !x.mergedIntoId);

  const find = useMutation({
    mutationFn: async (n: number) => {
      const page = await api.get<Paged<ConversationOut>>('/conversations', { q: `#${n}`, status: ALL_STATUSES, limit: 10 });
      return page.items.find((x) => x.number === n) ?? null;
    },
    onSuccess: (found) => {
      if (!found) setLookupError(t('conversation.merge.notFound'));
      else if (found.id === c.id) setLookupError(t('conversation.merge.self'));
      else setTarget(found);
    },
    onError: (err) => setLookupError(err.message),
  });

  const merge = useMutation({
    mutationFn: (targetId: string) => api.post<ConversationOut>(`/conversations/${c.id}/merge`, { targetId }),
    onSuccess: (merged) => {
      notifications.show({ color: 'teal', message: t('conversation.merge.done', { from: c.number, to: merged.number }) });
      void queryClient.invalidateQueries({ queryKey: ['conversations'] });
      void queryClient.invalidateQueries({ queryKey: ['conversation', c.id] });
      onClose();
      navigate(`/agent/conversations/${merged.id}`);
    },
    onError: (err) => notifications.show({ color: 'red', title: t('app.errorTitle'), message: err.message }),
  });

  function close() {
    setTarget(null);
    setNumber('');
    setLookupError(null);
    onClose();
  }

  return (
    <Modal opened={opened} onClose={close} title={t('conversation.merge.title', { number: c.number })} size="lg">
      <Stack gap="md">
        <Text size="sm" c="dimmed">
          {t('conversation.merge.intro')}
        </Text>
        {target ? (
          <Stack gap="sm">
            <Alert color="orange" variant="light">
              {t('conversation.merge.confirm', { from: c.number, to: target.number })}
            </Alert>
            <Group gap="xs">
              <Text ff="monospace" c="dimmed">
                #{target.number}
              </Text>
              <Text fw={600}>{target.subject}</Text>
              <StatusBadge status={target.status} />
            </Group>
            <Group justify="flex-end">
              <Button variant="default" onClick={() => setTarget(null)}>
                {t('app.cancel')}
              </Button>
              <Button color="orange" loading={merge.isPending} onClick={() => merge.mutate(target.id)} data-testid="merge-confirm">
                {t('conversation.merge.submit')}
              </Button>
            </Group>
          </Stack>
        ) : (
          <>
            <Text size="sm" fw={600}>
              {t('conversation.merge.sameCustomer')}
            </Text>
            {same.isPending ? (
              <Text size="sm" c="dimmed">
                {t('app.loading')}
              </Text>
            ) : candidates.length === 0 ? (
              <Text size="sm" c="dimmed">
                {t('conversation.merge.noOthers')}
              </Text>
            ) : (
              <Stack gap={4}>
                {candidates.map((x) => (
                  <UnstyledButton key={x.id} onClick={() => setTarget(x)} p="xs" className="sb-row" style={{ borderRadius: 8, border: '1px solid var(--mantine-color-gray-3)' }} data-testid="merge-candidate">
                    <Group gap="sm" wrap="nowrap">
                      <Text size="sm" ff="monospace" c="dimmed">
                        #{x.number}
                      </Text>
                      <Text size="sm" truncate="end" style={{ flex: 1, minWidth: 0 }}>
                        {x.subject || t('inbox.noSubject')}
                      </Text>
                      <StatusBadge status={x.status} />
                      <RelativeTime iso={x.lastMessageAt} size="xs" />
                    </Group>
                  </UnstyledButton>
                ))}
              </Stack>
            )}
            <Divider label={t('conversation.merge.or')} />
            <form
              onSubmit={(e) => {
                e.preventDefault();
                setLookupError(null);
                const n = Number.parseInt(number.replace(/^#/, ''), 10);
                if (!Number.isFinite(n) || n <= 0) return setLookupError(t('conversation.merge.badNumber'));
                find.mutate(n);
              }}
            >
              <Group align="flex-end">
                <TextInput label={t('conversation.merge.byNumber')} placeholder="#1024" value={number} onChange={(e) => setNumber(e.currentTarget.value)} error={lookupError} style={{ flex: 1 }} data-testid="merge-number" />
                <Button type="submit" variant="light" loading={find.isPending}>
                  {t('conversation.merge.find')}
                </Button>
              </Group>
            </form>
          </>
        )}
      </Stack>
    </Modal>
  );
}

/** "Alex Morgan is also viewing" / "… is typing", above the composer; yourself excluded. */
export function PresenceLine({ viewers, meId }: { viewers: Viewer[]; meId: string | undefined }) {
  const { t } = useTranslation();
  const others = viewers.filter((v) => v.id !== meId);
  if (others.length === 0) return null;
  const typing = others.filter((v) => v.typing);
  const viewing = others.filter((v) => !v.typing);
  return (
    <Group gap="xs" data-testid="presence" px={4}>
      {typing.length > 0 && (
        <Badge color="orange" variant="light" radius="sm" tt="none" data-testid="presence-typing">
          {t('conversation.presence.typing', { names: typing.map((v) => v.name).join(', '), count: typing.length })}
        </Badge>
      )}
      {viewing.length > 0 && (
        <Badge color="gray" variant="light" radius="sm" tt="none" data-testid="presence-viewing">
          {t('conversation.presence.viewing', { names: viewing.map((v) => v.name).join(', '), count: viewing.length })}
        </Badge>
      )}
    </Group>
  );
}
