import { useRef, useState } from 'react';
import { ActionIcon, Box, Button, Group, Paper, SegmentedControl, Select, Stack, Tabs, Text, Textarea, Tooltip, UnstyledButton } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import type { AttachmentOut, MessageOut } from '../../../../common/schemas.ts';
import { api, ApiError } from '../../api.ts';
import { randomId } from '../../lib/format.ts';
import type { CannedReply, Items } from '../../lib/types.ts';
import { ACCEPT_FILES, MAX_FILE_BYTES, fileSize } from '../../portal/labels.tsx';
import { FileChips, addFiles } from '../../portal/FilePicker.tsx';
import { useCannedReplies } from '../../queries.ts';
import { IconMessages, IconNote, IconPaperclip, IconSend } from '../icons.tsx';
import type { EmailRecipients } from '../../lib/emailRecipients.ts';

type Mode = 'reply' | 'note';

/** Reply to the customer or add a private note. Each draft keeps one idempotency key until it is stored. */
/** `chat`: a live chat, where Enter sends (Shift+Enter for a new line), as in any chat app. */
/** `email`: an email conversation, whose replies go to everyone on the thread or to the requester only. */
export function Composer({ conversationId, onTyping, chat = false, email }: { conversationId: string; onTyping?: (typing: boolean) => void; chat?: boolean; email?: EmailRecipients }) {
  const { t } = useTranslation();
  const canned = useCannedReplies();
  const input = useRef<HTMLTextAreaElement>(null);
  const [inserting, setInserting] = useState(false);
  const [slashIndex, setSlashIndex] = useState(0);
  const queryClient = useQueryClient();
  const [mode, setMode] = useState<Mode>('reply');
  const [recipients, setRecipients] = useState<'all' | 'requester'>('all');
  const [drafts, setDrafts] = useState<Record<Mode, string>>({ reply: '', note: '' });
  // The same key is re-sent on a double click or a retry after a network error, so the server stores one message.
  const keys = useRef<Record<Mode, string>>({ reply: randomId(), note: randomId() });
  const inFlight = useRef(false);
  // Screenshots and files for the draft; uploaded once, so a retry does not upload them again.
  const [files, setFiles] = useState<File[]>([]);
  const uploaded = useRef<{ files: File[]; ids: string[] } | null>(null);
  const fileInput = useRef<HTMLInputElement>(null);

  const send = useMutation({
    mutationFn: async (vars: { mode: Mode; body: string; idempotencyKey: string; files: File[]; recipients?: 'all' | 'requester' }) => {
      let attachmentIds: string[] = [];
      if (vars.files.length > 0) {
        if (uploaded.current?.files === vars.files) {
          attachmentIds = uploaded.current.ids;
        } else {
          const form = new FormData();
          for (const f of vars.files) form.append('files', f, f.name);
          const res = await api.upload<Items<AttachmentOut>>(`/conversations/${conversationId}/attachments`, form);
          attachmentIds = res.items.map((a) => a.id);
          uploaded.current = { files: vars.files, ids: attachmentIds };
        }
      }
      return api.post<MessageOut>(`/conversations/${conversationId}/${vars.mode === 'note' ? 'notes' : 'messages'}`, {
        body: vars.body,
        idempotencyKey: vars.idempotencyKey,
        ...(attachmentIds.length ? { attachmentIds } : {}),
        ...(vars.mode === 'reply' && vars.recipients ? { recipients: vars.recipients } : {}),
      });
    },
    onSuccess: (message, vars) => {
      setDrafts((d) => ({ ...d, [vars.mode]: '' }));
      setFiles([]);
      uploaded.current = null;
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
  const canSend = body.trim().length > 0 || files.length > 0;

  function submit() {
    if (!canSend || inFlight.current) return;
    inFlight.current = true;
    onTyping?.(false);
    // Only a choice the agent could make is sent; otherwise the server's default (everyone on the thread) applies.
    send.mutate({ mode, body: body.trim(), idempotencyKey: keys.current[mode], files, ...(email && email.all.length > 1 ? { recipients } : {}) });
  }

  function pick(list: FileList | null) {
    if (!list) return;
    const added = addFiles(files, list);
    if (added.tooLarge.length) notifications.show({ color: 'orange', message: t('portal.files.tooLarge', { names: added.tooLarge.map((f) => f.name).join(', '), size: fileSize(MAX_FILE_BYTES) }) });
    setFiles(added.files);
    uploaded.current = null;
    if (fileInput.current) fileInput.current.value = '';
  }

  // "/shortcut" typed at the very start offers the matching canned replies.
  const slash = /^\/([\p{L}\p{N}_-]*)$/u.exec(body);
  const slashMatches = slash ? (canned.data ?? []).filter((c) => c.shortcut && c.shortcut.toLowerCase().startsWith((slash[1] ?? '').toLowerCase())).slice(0, 6) : [];

  /** The server fills {{customer.name}}, {{ticket.number}}, {{agent.name}} …; the text goes in at the cursor (or replaces "/shortcut"). */
  async function insertCanned(reply: CannedReply, replaceSlash: boolean) {
    setInserting(true);
    let text = reply.body;
    try {
      text = (await api.post<{ text: string }>(`/conversations/${conversationId}/render`, { template: reply.body })).text;
    } catch (err) {
      notifications.show({ color: 'orange', message: t('conversation.canned.renderFailed', { message: err instanceof ApiError ? err.message : String(err) }) });
    } finally {
      setInserting(false);
    }
    setDrafts((d) => {
      const current = d[mode];
      if (replaceSlash) return { ...d, [mode]: text };
      const el = input.current;
      const at = el && document.activeElement === el ? el.selectionStart : current.length;
      const before = current.slice(0, at);
      const after = current.slice(at);
      const sep = before && !before.endsWith('\n') ? '\n' : '';
      return { ...d, [mode]: `${before}${sep}${text}${after}` };
    });
    requestAnimationFrame(() => input.current?.focus());
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
      {email && mode === 'reply' && <EmailRecipientsLine email={email} value={recipients} onChange={setRecipients} />}
      {slashMatches.length > 0 && (
        <Stack gap={0} px="xs" py={4} data-testid="canned-suggestions" style={{ borderBottom: '1px solid var(--mantine-color-gray-2)' }}>
          {slashMatches.map((c, i) => (
            <UnstyledButton
              key={c.id}
              onMouseDown={(e) => {
                e.preventDefault();
                void insertCanned(c, true);
              }}
              px="sm"
              py={4}
              style={{ borderRadius: 6, background: i === slashIndex % slashMatches.length ? 'var(--mantine-color-indigo-0)' : undefined }}
              data-testid="canned-suggestion"
            >
              <Group gap="xs" wrap="nowrap">
                <Text size="sm" ff="monospace" c="indigo">
                  /{c.shortcut}
                </Text>
                <Text size="sm" fw={500}>
                  {c.title}
                </Text>
                <Text size="xs" c="dimmed" truncate="end" style={{ minWidth: 0 }}>
                  {c.body}
                </Text>
              </Group>
            </UnstyledButton>
          ))}
        </Stack>
      )}
      <Textarea
        ref={input}
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
          setSlashIndex(0);
          // Only replies count as typing for the collision warning; notes are private anyway but still work in progress.
          onTyping?.(value.length > 0);
        }}
        onBlur={() => onTyping?.(false)}
        onKeyDown={(e) => {
          if (slashMatches.length > 0) {
            if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
              e.preventDefault();
              setSlashIndex((i) => (i + (e.key === 'ArrowDown' ? 1 : slashMatches.length - 1)) % slashMatches.length);
              return;
            }
            if ((e.key === 'Enter' || e.key === 'Tab') && !e.ctrlKey && !e.metaKey) {
              e.preventDefault();
              const choice = slashMatches[slashIndex % slashMatches.length];
              if (choice) void insertCanned(choice, true);
              return;
            }
          }
          if (e.key === 'Enter' && (e.ctrlKey || e.metaKey || (chat && mode === 'reply' && !e.shiftKey && !e.nativeEvent.isComposing))) {
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
      <FileChips
        files={files}
        withSize
        onRemove={(i) => {
          setFiles(files.filter((_, j) => j !== i));
          uploaded.current = null;
        }}
        px="md"
        pb={6}
        data-testid="composer-files"
      />
      <Group justify="space-between" px="md" py="xs" style={{ borderTop: '1px solid var(--mantine-color-gray-2)', background: isNote ? 'var(--mantine-color-yellow-0)' : 'var(--mantine-color-gray-0)' }}>
        <Group gap="sm" wrap="nowrap" style={{ minWidth: 0 }}>
          <input ref={fileInput} type="file" multiple hidden accept={ACCEPT_FILES} onChange={(e) => pick(e.currentTarget.files)} data-testid="composer-file-input" />
          <Tooltip label={t('conversation.composer.attach')}>
            <ActionIcon variant="default" size="md" onClick={() => fileInput.current?.click()} aria-label={t('conversation.composer.attach')} data-testid="composer-attach">
              <IconPaperclip size={16} />
            </ActionIcon>
          </Tooltip>
          <Box w={220}>
            <Select
              size="xs"
              placeholder={t('conversation.canned.insert')}
              aria-label={t('conversation.canned.insert')}
              leftSection={<IconMessages size={14} />}
              data={(canned.data ?? []).map((c) => ({ value: c.id, label: c.shortcut ? `${c.title}  /${c.shortcut}` : c.title }))}
              value={null}
              searchable
              nothingFoundMessage={canned.isError ? t('conversation.canned.unavailable') : t('conversation.canned.none')}
              onChange={(v) => {
                const reply = canned.data?.find((c) => c.id === v);
                if (reply) void insertCanned(reply, false);
              }}
              disabled={inserting}
              comboboxProps={{ position: 'top-start', width: 360 }}
              data-testid="canned-picker"
            />
          </Box>
          <Text size="xs" c={isNote ? 'yellow.9' : 'dimmed'} visibleFrom="lg" truncate="end">
            {isNote ? t('conversation.composer.noteHint') : chat ? t('conversation.composer.chatHint') : t('conversation.composer.hint')}
          </Text>
        </Group>
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

/** Reply to all or to the requester only, and who that is, above an email reply. */
function EmailRecipientsLine({ email, value, onChange }: { email: EmailRecipients; value: 'all' | 'requester'; onChange: (v: 'all' | 'requester') => void }) {
  const { t } = useTranslation();
  const several = email.all.length > 1;
  const list = several && value === 'all' ? email.all : email.requester ? [email.requester] : [];
  return (
    <Group gap="sm" px="md" py={6} wrap="nowrap" style={{ borderBottom: '1px solid var(--mantine-color-gray-2)' }} data-testid="composer-recipients">
      {several && (
        <SegmentedControl
          size="xs"
          value={value}
          onChange={(v) => onChange(v === 'requester' ? 'requester' : 'all')}
          data={[
            { value: 'all', label: t('emailUi.replyAll') },
            { value: 'requester', label: t('emailUi.replyRequester') },
          ]}
          style={{ flexShrink: 0 }}
          data-testid="composer-recipients-mode"
        />
      )}
      <Text size="xs" c="dimmed" truncate="end" style={{ minWidth: 0 }} title={list.join(', ')} data-testid="composer-recipients-list">
        {list.length ? t('emailUi.recipients', { list: list.join(', ') }) : t('emailUi.recipientsUnknown')}
      </Text>
    </Group>
  );
}
