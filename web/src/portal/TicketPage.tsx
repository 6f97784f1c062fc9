import { useMemo, useRef, useState } from 'react';
import { Alert, Anchor, Box, Button, Center, Group, Image, Loader, Paper, Rating, SimpleGrid, Stack, Text, Textarea, Title, Tooltip } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router-dom';
import type { ConversationStatus } from '../../../common/enums.ts';
import type { AttachmentOut, ConversationOut, EventOut, MessageOut } from '../../../common/schemas.ts';
import { api, ApiError } from '../api.ts';
import { absoluteTime, randomId, shortTime } from '../lib/format.ts';
import type { Items } from '../lib/types.ts';
import { mergeTimeline } from '../components/conversation/Timeline.tsx';
import { useConversationQueries } from '../queries.ts';
import { RelativeTime } from '../components/Badges.tsx';
import { IconArrowLeft, IconPaperclip, IconSend } from '../components/icons.tsx';
import { CustomerStatusBadge, fileSize } from './labels.tsx';
import { FilePicker } from './FilePicker.tsx';
import { describeUploadError } from './NewTicketPage.tsx';

const POLL_MS = 10_000;
const FIELD_KEYS = ['uid', 'orderId', 'txHash', 'coin', 'network'] as const;

export function TicketPage() {
  const { id = '' } = useParams();
  const { t } = useTranslation();

  // History is a nicety for customers; the messages are what matters.
  const { conversation, messages, events } = useConversationQueries(id, POLL_MS, { retryEvents: false });
  const items = useMemo(() => mergeTimeline(messages.data?.items ?? [], events.data?.items ?? []), [messages.data, events.data]);

  if (conversation.isPending) {
    return (
      <Center h="40vh">
        <Loader />
      </Center>
    );
  }
  if (conversation.isError) {
    const missing = conversation.error instanceof ApiError && [400, 403, 404].includes(conversation.error.status);
    return (
      <Stack maw={560} mx="auto">
        <Alert color={missing ? 'gray' : 'red'} title={missing ? t('portal.ticket.notFoundTitle') : t('app.errorTitle')}>
          {missing ? t('portal.ticket.notFound') : conversation.error.message}
        </Alert>
        <Button component={Link} to="/tickets" variant="light" w="fit-content" leftSection={<IconArrowLeft size={16} />}>
          {t('portal.ticket.back')}
        </Button>
      </Stack>
    );
  }

  const c = conversation.data;
  const fields = FIELD_KEYS.filter((k) => c.fields[k]);
  const finished = c.status === 'solved' || c.status === 'closed';

  return (
    <Stack gap="lg">
      <div>
        <Anchor component={Link} to="/tickets" size="sm" c="dimmed">
          <Group gap={4} component="span">
            <IconArrowLeft size={14} />
            {t('portal.ticket.back')}
          </Group>
        </Anchor>
        <Group gap="sm" mt={6} align="baseline" wrap="nowrap">
          <Text ff="monospace" c="dimmed" fz="xl" fw={600} data-testid="ticket-number">
            #{c.number}
          </Text>
          <Title order={2} style={{ overflowWrap: 'anywhere', minWidth: 0 }} data-testid="ticket-subject">
            {c.subject}
          </Title>
        </Group>
        <Group gap="sm" mt={6}>
          <CustomerStatusBadge status={c.status} />
          <Text size="sm" c="dimmed">
            {t('portal.ticket.opened')} <RelativeTime iso={c.createdAt} />
          </Text>
        </Group>
        {c.status === 'pending' && (
          <Alert color="orange" variant="light" mt="sm">
            {t('portal.ticket.pendingHint')}
          </Alert>
        )}
      </div>

      {fields.length > 0 && (
        <Paper withBorder radius="lg" p="md" data-testid="ticket-fields">
          <SimpleGrid cols={{ base: 1, sm: 3 }} spacing="sm">
            {fields.map((k) => (
              <div key={k}>
                <Text size="xs" c="dimmed">
                  {t(`portal.fields.${k}`)}
                </Text>
                <Text size="sm" className="sb-mono">
                  {c.fields[k]}
                </Text>
              </div>
            ))}
          </SimpleGrid>
        </Paper>
      )}

      <Stack gap="md" data-testid="ticket-timeline">
        {messages.isPending ? (
          <Center py="lg">
            <Loader size="sm" />
          </Center>
        ) : messages.isError ? (
          <Alert color="red">{messages.error.message}</Alert>
        ) : (
          items.map((item) =>
            item.kind === 'message' ? (
              <CustomerMessage key={`m-${item.message.id}`} message={item.message} />
            ) : (
              <StatusLine key={`e-${item.event.id}`} event={item.event} />
            ),
          )
        )}
      </Stack>

      {finished && (c.csat ? <RatingShown csat={c.csat} /> : <RatingForm conversationId={c.id} />)}

      {c.status === 'closed' ? (
        <Alert color="gray" variant="light" data-testid="ticket-closed">
          {t('portal.ticket.closed')}{' '}
          <Anchor component={Link} to="/tickets/new">
            {t('portal.nav.newTicket')}
          </Anchor>
        </Alert>
      ) : (
        <ReplyBox conversation={c} />
      )}
    </Stack>
  );
}

function Attachment({ a }: { a: AttachmentOut }) {
  if (a.contentType.startsWith('image/')) {
    return (
      <Anchor href={a.url} target="_blank" rel="noopener noreferrer" data-testid="ticket-attachment" data-kind="image" title={a.filename}>
        <Image src={a.url} alt={a.filename} w={180} h={120} fit="cover" radius="sm" style={{ border: '1px solid var(--mantine-color-gray-3)' }} />
      </Anchor>
    );
  }
  return (
    <Anchor href={a.url} target="_blank" rel="noopener noreferrer" size="sm" data-testid="ticket-attachment" data-kind="file">
      <Group gap={4} wrap="nowrap">
        <IconPaperclip size={14} />
        <span>{a.filename}</span>
        <Text span size="xs" c="dimmed">
          ({fileSize(a.size)})
        </Text>
      </Group>
    </Anchor>
  );
}

function CustomerMessage({ message }: { message: MessageOut }) {
  const { t, i18n } = useTranslation();
  if (message.visibility === 'private') return null;
  const mine = message.direction === 'in';
  if (message.contentType === 'event') {
    return (
      <Text size="xs" c="dimmed" ta="center" className="sb-body">
        {message.body}
      </Text>
    );
  }
  const author = mine ? t('portal.ticket.you') : message.authorName || t('portal.ticket.support');
  return (
    <Group justify={mine ? 'flex-end' : 'flex-start'} wrap="nowrap">
      <Paper
        p="sm"
        px="md"
        radius="lg"
        maw="85%"
        miw={220}
        data-testid="ticket-message"
        data-direction={message.direction}
        style={{
          background: mine ? 'var(--mantine-color-indigo-0)' : 'var(--mantine-color-white)',
          border: `1px solid ${mine ? 'var(--mantine-color-indigo-2)' : 'var(--mantine-color-gray-3)'}`,
          borderTopRightRadius: mine ? 4 : undefined,
          borderTopLeftRadius: mine ? undefined : 4,
        }}
      >
        <Group justify="space-between" gap="md" mb={4} wrap="nowrap">
          <Text size="xs" fw={700}>
            {author}
          </Text>
          <Tooltip label={absoluteTime(message.createdAt, i18n.language)} openDelay={400}>
            <Text size="xs" c="dimmed" style={{ whiteSpace: 'nowrap' }}>
              {shortTime(message.createdAt, i18n.language)}
            </Text>
          </Tooltip>
        </Group>
        {message.body && (
          <Text size="sm" className="sb-body">
            {message.body}
          </Text>
        )}
        {message.attachments.length > 0 && (
          <Group gap="xs" mt="xs" align="flex-start">
            {message.attachments.map((a) => (
              <Attachment key={a.id} a={a} />
            ))}
          </Group>
        )}
      </Paper>
    </Group>
  );
}

function StatusLine({ event }: { event: EventOut }) {
  const { t, i18n } = useTranslation();
  const data = event.data ?? {};
  const after = (data.after ?? data) as Record<string, unknown>;
  const status = typeof after.status === 'string' ? (after.status as ConversationStatus) : null;
  if (!status) return null;
  const key = status === 'new' || status === 'open' ? 'open' : status;
  return (
    <Center data-testid="ticket-status-change">
      <Text size="xs" c="dimmed">
        {t('portal.ticket.statusChanged', { status: t(`portal.status.${key}`) })} · {shortTime(event.createdAt, i18n.language)}
      </Text>
    </Center>
  );
}

function ReplyBox({ conversation: c }: { conversation: ConversationOut }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [body, setBody] = useState('');
  const [files, setFiles] = useState<File[]>([]);
  const [fileError, setFileError] = useState<string | null>(null);
  const key = useRef(randomId());
  // Files already uploaded for this draft: a retry sends them again by id instead of re-uploading.
  const uploaded = useRef<{ files: File[]; ids: string[] } | null>(null);

  const send = useMutation({
    mutationFn: async () => {
      let attachmentIds: string[] = [];
      if (files.length > 0) {
        if (uploaded.current && uploaded.current.files === files) {
          attachmentIds = uploaded.current.ids;
        } else {
          const form = new FormData();
          for (const f of files) form.append('files', f, f.name);
          const res = await api.upload<Items<AttachmentOut>>(`/conversations/${c.id}/attachments`, form);
          attachmentIds = res.items.map((a) => a.id);
          uploaded.current = { files, ids: attachmentIds };
        }
      }
      return api.post<MessageOut>(`/conversations/${c.id}/messages`, { body: body.trim(), attachmentIds, idempotencyKey: key.current });
    },
    onSuccess: () => {
      setBody('');
      setFiles([]);
      uploaded.current = null;
      key.current = randomId();
      if (c.status === 'solved') notifications.show({ color: 'teal', message: t('portal.ticket.reopened') });
    },
    onError: (err) => notifications.show({ color: 'red', title: t('app.errorTitle'), message: describeUploadError(err, t) }),
    onSettled: () => {
      void queryClient.invalidateQueries({ queryKey: ['conversation', c.id] });
      void queryClient.invalidateQueries({ queryKey: ['portal', 'tickets'] });
    },
  });

  const canSend = (body.trim().length > 0 || files.length > 0) && !send.isPending;

  return (
    <Paper withBorder radius="lg" p="md" data-testid="ticket-reply">
      <Stack gap="sm">
        <Text fw={600}>{c.status === 'solved' ? t('portal.ticket.replySolved') : t('portal.ticket.reply')}</Text>
        <Textarea
          autosize
          minRows={3}
          maxRows={12}
          value={body}
          onChange={(e) => setBody(e.currentTarget.value)}
          placeholder={t('portal.ticket.replyPlaceholder')}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && (e.ctrlKey || e.metaKey) && canSend) {
              e.preventDefault();
              send.mutate();
            }
          }}
          data-testid="ticket-reply-input"
        />
        <FilePicker files={files} onChange={setFiles} onReject={setFileError} disabled={send.isPending} testId="reply-files" />
        {fileError && (
          <Alert color="red" variant="light">
            {fileError}
          </Alert>
        )}
        <Group justify="flex-end">
          <Button leftSection={<IconSend size={16} />} disabled={!canSend} loading={send.isPending} onClick={() => send.mutate()} data-testid="ticket-reply-send">
            {t('portal.ticket.send')}
          </Button>
        </Group>
      </Stack>
    </Paper>
  );
}

function RatingForm({ conversationId }: { conversationId: string }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [score, setScore] = useState(0);
  const [comment, setComment] = useState('');
  const rate = useMutation({
    mutationFn: () => api.post<{ score: number; comment: string | null; ratedAt: string }>(`/conversations/${conversationId}/rating`, { score, comment: comment.trim() || undefined }),
    onSuccess: (csat) => {
      queryClient.setQueryData<ConversationOut>(['conversation', conversationId], (old) => (old ? { ...old, csat } : old));
      notifications.show({ color: 'teal', message: t('portal.csat.thanks') });
    },
    onError: (err) => notifications.show({ color: 'red', title: t('app.errorTitle'), message: err.message }),
  });
  return (
    <Paper withBorder radius="lg" p="lg" bg="indigo.0" data-testid="csat-form">
      <Stack gap="sm">
        <Text fw={600}>{t('portal.csat.question')}</Text>
        <Group gap="md">
          <Rating value={score} onChange={setScore} size="lg" data-testid="csat-stars" />
          {score > 0 && (
            <Text size="sm" c="dimmed">
              {t(`portal.csat.labels.s${score as 1 | 2 | 3 | 4 | 5}`)}
            </Text>
          )}
        </Group>
        <Textarea placeholder={t('portal.csat.commentPlaceholder')} value={comment} onChange={(e) => setComment(e.currentTarget.value)} autosize minRows={2} maxLength={2000} data-testid="csat-comment" />
        <Group>
          <Button disabled={score === 0} loading={rate.isPending} onClick={() => rate.mutate()} data-testid="csat-submit">
            {t('portal.csat.submit')}
          </Button>
        </Group>
      </Stack>
    </Paper>
  );
}

function RatingShown({ csat }: { csat: NonNullable<ConversationOut['csat']> }) {
  const { t } = useTranslation();
  return (
    <Paper withBorder radius="lg" p="md" data-testid="csat-given" data-score={csat.score}>
      <Group gap="sm">
        <Text size="sm" fw={600}>
          {t('portal.csat.yourRating')}
        </Text>
        <Rating value={csat.score} readOnly />
        <Text size="xs" c="dimmed">
          <RelativeTime iso={csat.ratedAt} size="xs" />
        </Text>
      </Group>
      {csat.comment && (
        <Box mt={6}>
          <Text size="sm" c="dimmed" className="sb-body">
            “{csat.comment}”
          </Text>
        </Box>
      )}
    </Paper>
  );
}
