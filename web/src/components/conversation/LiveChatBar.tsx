import { useState } from 'react';
import { Alert, Button, Group, Loader, Modal, SegmentedControl, Select, Stack, Text, Textarea } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import type { ConversationOut, Me, TeamOut } from '../../../../common/schemas.ts';
import { api } from '../../api.ts';
import { clockDuration, localName, useTicker } from '../../lib/format.ts';
import { useLiveQueue } from '../../queries.ts';
import { secondsLeft, useAcceptChat } from '../../pages/LiveChatsPage.tsx';
import { ConfirmModal } from '../ConfirmModal.tsx';
import { IconMessages, IconTransfer, IconX } from '../icons.tsx';

/**
 * The live-chat strip above a chat's timeline: accept an offer (with its countdown) or take a
 * waiting chat; once it is mine, transfer it or end it. Nothing for tickets.
 */
export function LiveChatBar({ conversation: c, me, teams, agentName }: { conversation: ConversationOut; me: Me; teams: TeamOut[]; agentName: (id: string) => string }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const isChat = c.mode === 'live';
  const waiting = isChat && c.status === 'new';
  const live = useLiveQueue(waiting);
  const accept = useAcceptChat();
  const entry = live.data?.waiting.find((w) => w.id === c.id);
  const now = useTicker(1000, Boolean(entry?.offerSecondsLeft !== null && entry?.offerSecondsLeft !== undefined));
  const [transferOpen, setTransferOpen] = useState(false);
  const [endOpen, setEndOpen] = useState(false);

  const end = useMutation({
    mutationFn: () => api.post<void>(`/chats/${c.id}/end`, { transcript: false }),
    onSuccess: () => {
      setEndOpen(false);
      notifications.show({ color: 'teal', message: t('live.ended') });
    },
    onError: (err) => notifications.show({ color: 'red', title: t('app.errorTitle'), message: err.message }),
    onSettled: () => {
      void queryClient.invalidateQueries({ queryKey: ['conversation', c.id] });
      void queryClient.invalidateQueries({ queryKey: ['chats', 'live'] });
    },
  });

  if (!isChat) return null;

  if (waiting) {
    const mine = c.assigneeId === me.id;
    const left = entry && live.data ? secondsLeft(entry, live.data.fetchedAt, now) : null;
    return (
      <Alert color={mine ? 'indigo' : 'gray'} variant="light" py={8} data-testid="chat-offer-bar" data-state={mine ? 'offered' : c.assigneeId ? 'offered-other' : 'waiting'}>
        <Group justify="space-between" wrap="nowrap">
          <Group gap="xs" wrap="nowrap">
            <IconMessages size={18} />
            <Text size="sm" fw={500}>
              {mine
                ? left !== null
                  ? t('live.offeredBanner', { time: clockDuration(left) })
                  : t('live.offeredBannerNoTime')
                : c.assigneeId
                  ? t('live.offeredToBanner', { name: agentName(c.assigneeId) })
                  : t('live.waitingBanner')}
            </Text>
          </Group>
          {(mine || !c.assigneeId) && (
            <Button size="xs" loading={accept.isPending} onClick={() => accept.mutate(c.id)} data-testid="chat-accept">
              {mine ? t('live.accept') : t('live.take')}
            </Button>
          )}
        </Group>
      </Alert>
    );
  }

  if (c.status === 'solved' || c.status === 'closed') {
    return (
      <Alert color="gray" variant="light" py={6} data-testid="chat-ended-bar">
        <Text size="sm">{t('live.chatEnded')}</Text>
      </Alert>
    );
  }

  return (
    <Group gap="xs" justify="flex-end" data-testid="chat-controls">
      <Button size="compact-sm" variant="default" leftSection={<IconTransfer size={14} />} onClick={() => setTransferOpen(true)} data-testid="chat-transfer">
        {t('live.transfer')}
      </Button>
      <Button size="compact-sm" color="red" variant="light" leftSection={<IconX size={14} />} onClick={() => setEndOpen(true)} data-testid="chat-end-agent">
        {t('live.end')}
      </Button>
      <ConfirmModal opened={endOpen} message={t('live.endConfirm')} confirmLabel={t('live.end')} loading={end.isPending} onConfirm={() => end.mutate()} onClose={() => setEndOpen(false)} />
      {transferOpen && <TransferModal conversation={c} me={me} teams={teams} onClose={() => setTransferOpen(false)} />}
    </Group>
  );
}

function TransferModal({ conversation: c, me, teams, onClose }: { conversation: ConversationOut; me: Me; teams: TeamOut[]; onClose: () => void }) {
  const { t, i18n } = useTranslation();
  const queryClient = useQueryClient();
  const live = useLiveQueue();
  const [target, setTarget] = useState<'agent' | 'team'>('agent');
  const [agentId, setAgentId] = useState<string | null>(null);
  const [teamId, setTeamId] = useState<string | null>(c.teamId);
  const [note, setNote] = useState('');
  // Only online agents can be offered a chat; full ones are shown but cannot be picked.
  const agents = (live.data?.agents ?? []).filter((a) => a.id !== me.id && a.status === 'online');

  const transfer = useMutation({
    mutationFn: () => api.post<ConversationOut>(`/chats/${c.id}/transfer`, { ...(target === 'agent' ? { agentId } : { teamId }), ...(note.trim() ? { note: note.trim() } : {}) }),
    onSuccess: (updated) => {
      queryClient.setQueryData(['conversation', c.id], updated);
      notifications.show({ color: 'teal', message: t('live.transferred') });
      onClose();
    },
    onError: (err) => notifications.show({ color: 'red', title: t('app.errorTitle'), message: err.message }),
    onSettled: () => {
      void queryClient.invalidateQueries({ queryKey: ['conversation', c.id] });
      void queryClient.invalidateQueries({ queryKey: ['chats', 'live'] });
      void queryClient.invalidateQueries({ queryKey: ['conversations'] });
    },
  });
  const ready = target === 'agent' ? Boolean(agentId) : Boolean(teamId);

  return (
    <Modal opened onClose={onClose} title={t('live.transferTitle')} centered>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (ready) transfer.mutate();
        }}
      >
        <Stack>
          <SegmentedControl
            value={target}
            onChange={(v) => setTarget(v === 'team' ? 'team' : 'agent')}
            data={[
              { value: 'agent', label: t('live.toAgent') },
              { value: 'team', label: t('live.toTeam') },
            ]}
            data-testid="transfer-target"
          />
          {target === 'agent' ? (
            live.isPending ? (
              <Loader size="sm" />
            ) : agents.length === 0 ? (
              <Text size="sm" c="dimmed" data-testid="transfer-no-agents">
                {t('live.noOnlineAgents')}
              </Text>
            ) : (
              <Select
                label={t('live.agent')}
                placeholder={t('live.pickAgent')}
                data={agents.map((a) => ({ value: a.id, label: `${a.name} — ${a.activeChats}/${a.capacity}`, disabled: a.activeChats >= a.capacity }))}
                value={agentId}
                onChange={setAgentId}
                searchable
                data-testid="transfer-agent"
                comboboxProps={{ withinPortal: true }}
              />
            )
          ) : (
            <Select
              label={t('live.team')}
              data={teams.map((tm) => ({ value: tm.id, label: localName(tm.name, i18n.language) }))}
              value={teamId}
              onChange={setTeamId}
              data-testid="transfer-team"
              comboboxProps={{ withinPortal: true }}
            />
          )}
          <Textarea label={t('live.transferNote')} description={t('live.transferNoteHint')} value={note} onChange={(e) => setNote(e.currentTarget.value)} autosize minRows={2} maxRows={6} maxLength={5000} data-testid="transfer-note" />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              {t('app.cancel')}
            </Button>
            <Button type="submit" disabled={!ready} loading={transfer.isPending} data-testid="transfer-submit">
              {t('live.transfer')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
