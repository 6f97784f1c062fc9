import { useRef, useState } from 'react';
import { Button, Group, Paper, Tabs, Text, Textarea } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import type { MessageOut } from '../../../../common/schemas.ts';
import { api } from '../../api.ts';
import { randomId } from '../../lib/format.ts';
import { IconNote, IconSend } from '../icons.tsx';

type Mode = 'reply' | 'note';

/** Reply to the customer or add a private note. Each draft keeps one idempotency key until it is stored. */
export function Composer({ conversationId }: { conversationId: string }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [mode, setMode] = useState<Mode>('reply');
  const [drafts, setDrafts] = useState<Record<Mode, string>>({ reply: '', note: '' });
  // The same key is re-sent on a double click or a retry after a network error, so the server stores one message.
  const keys = useRef<Record<Mode, string>>({ reply: randomId(), note: randomId() });
  const inFlight = useRef(false);

  const send = useMutation({
    mutationFn: (vars: { mode: Mode; body: string; idempotencyKey: string }) =>
      api.post<MessageOut>(`/conversations/${conversationId}/${vars.mode === 'note' ? 'notes' : 'messages'}`, {
        body: vars.body,
        idempotencyKey: vars.idempotencyKey,
      }),
    onSuccess: (message, vars) => {
      setDrafts((d) => ({ ...d, [vars.mode]: '' }));
      keys.current[vars.mode] = randomId();
      queryClient.setQueryData<{ items: MessageOut[] }>(['conversation', conversationId, 'messages'], (old) =>
        old && !old.items.some((m) => m.id === message.id) ? { items: [...old.items, message] } : old,
      );
    },
    onError: (err) => {
      notifications.show({ color: 'red', title: t('app.errorTitle'), message: err.message });
    },
    onSettled: () => {
      inFlight.current = false;
      void queryClient.invalidateQueries({ queryKey: ['conversation', conversationId] });
      void queryClient.invalidateQueries({ queryKey: ['conversations'] });
    },
  });

  const body = drafts[mode];
  const canSend = body.trim().length > 0;

  function submit() {
    if (!canSend || inFlight.current) return;
    inFlight.current = true;
    send.mutate({ mode, body: body.trim(), idempotencyKey: keys.current[mode] });
  }

  const isNote = mode === 'note';

  return (
    <Paper withBorder radius="md" p={0} style={{ overflow: 'hidden', borderColor: isNote ? 'var(--mantine-color-yellow-5)' : undefined }}>
      <Tabs value={mode} onChange={(v) => setMode(v === 'note' ? 'note' : 'reply')} color={isNote ? 'yellow' : 'indigo'}>
        <Tabs.List px="xs">
          <Tabs.Tab value="reply" leftSection={<IconSend size={14} />} data-testid="composer-tab-reply">
            {t('conversation.composer.reply')}
          </Tabs.Tab>
          <Tabs.Tab value="note" leftSection={<IconNote size={14} />} data-testid="composer-tab-note">
            {t('conversation.composer.note')}
          </Tabs.Tab>
        </Tabs.List>
      </Tabs>
      <Textarea
        variant="unstyled"
        className={isNote ? 'sb-note-input' : undefined}
        autosize
        minRows={3}
        maxRows={10}
        px="md"
        py={4}
        value={body}
        onChange={(e) => {
          const value = e.currentTarget.value;
          setDrafts((d) => ({ ...d, [mode]: value }));
        }}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
            e.preventDefault();
            submit();
          }
        }}
        placeholder={isNote ? t('conversation.composer.notePlaceholder') : t('conversation.composer.replyPlaceholder')}
        aria-label={isNote ? t('conversation.composer.note') : t('conversation.composer.reply')}
        data-testid="composer-input"
        data-mode={mode}
        styles={{ root: { background: isNote ? 'var(--mantine-color-yellow-0)' : undefined } }}
      />
      <Group justify="space-between" px="md" py="xs" style={{ borderTop: '1px solid var(--mantine-color-gray-2)', background: isNote ? 'var(--mantine-color-yellow-0)' : 'var(--mantine-color-gray-0)' }}>
        <Text size="xs" c={isNote ? 'yellow.9' : 'dimmed'}>
          {isNote ? t('conversation.composer.noteHint') : t('conversation.composer.hint')}
        </Text>
        <Button
          onClick={submit}
          disabled={!canSend}
          loading={send.isPending}
          color={isNote ? 'yellow' : 'indigo'}
          c={isNote ? 'dark' : undefined}
          leftSection={isNote ? <IconNote size={16} /> : <IconSend size={16} />}
          data-testid="composer-send"
        >
          {isNote ? t('conversation.composer.addNote') : t('conversation.composer.send')}
        </Button>
      </Group>
    </Paper>
  );
}
