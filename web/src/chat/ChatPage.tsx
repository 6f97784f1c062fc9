import { Fragment, useEffect, useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import {
  ActionIcon,
  Alert,
  Anchor,
  Badge,
  Box,
  Button,
  Center,
  Checkbox,
  Group,
  Image,
  Loader,
  Paper,
  Rating,
  ScrollArea,
  SegmentedControl,
  Select,
  SimpleGrid,
  Stack,
  Text,
  TextInput,
  Textarea,
  Title,
} from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import type { ConversationOut, MessageOut, AttachmentOut } from '../../../common/schemas.ts';
import { api, ApiError } from '../api.ts';
import { localName, randomId, shortTime } from '../lib/format.ts';
import type { Items } from '../lib/types.ts';
import { useCategories, useMe } from '../queries.ts';
import { IconAlert, IconCheck, IconPaperclip, IconSend } from '../components/icons.tsx';
import { ACCEPT_FILES, MAX_FILE_BYTES, fileSize } from '../portal/labels.tsx';
import { describeUploadError } from '../portal/NewTicketPage.tsx';
import { FileChips, addFiles } from '../portal/FilePicker.tsx';
import { useEmbed } from './ChatFrame.tsx';
import { useChatMessages } from './useChatMessages.ts';
import { useMarkReadWhenVisible } from '../realtime.ts';

const STORAGE_KEY = 'sb_chat';
const QUEUE_POLL_MS = 30_000;

interface Queue {
  state: 'waiting' | 'assigned' | 'ticket' | 'closed';
  position: number | null;
  estimatedWaitSeconds: number | null;
  agentsAvailable: number;
  quietHoursUtc: number[];
}

function storedChat(): string | null {
  try {
    return sessionStorage.getItem(STORAGE_KEY);
  } catch {
    return null;
  }
}
function storeChat(id: string | null) {
  try {
    if (id) sessionStorage.setItem(STORAGE_KEY, id);
    else sessionStorage.removeItem(STORAGE_KEY);
  } catch {
    // Not kept across reloads; the chat still works in this page.
  }
}

/** "02:00, 03:00" in the browser's time zone for hours given in UTC. */
export function localHours(hoursUtc: number[]): string {
  return hoursUtc
    .map((h) => {
      const d = new Date(Date.UTC(2024, 0, 1, h, 0));
      return { sort: d.getHours() * 60 + d.getMinutes(), text: `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}` };
    })
    .sort((a, b) => a.sort - b.sort)
    .map((h) => h.text)
    .join(', ');
}

export function ChatPage() {
  const [chatId, setChatId] = useState<string | null>(() => storedChat());
  const queryClient = useQueryClient();
  const start = (conversation: ConversationOut, queue: Queue) => {
    queryClient.setQueryData(['chat', conversation.id], conversation);
    queryClient.setQueryData(['chat', conversation.id, 'queue'], queue);
    storeChat(conversation.id);
    setChatId(conversation.id);
  };
  const reset = () => {
    storeChat(null);
    setChatId(null);
  };
  if (!chatId) return <PreChatForm onStarted={start} />;
  return <ChatSession key={chatId} id={chatId} onReset={reset} />;
}

/** Articles matching the description while it is typed; the last suggestion's id goes with the chat. */
function useDeflection(text: string, locale: string) {
  const [items, setItems] = useState<{ id: string; title: string; snippetHtml: string; url: string }[]>([]);
  const lastId = useRef<string | null>(null);
  const seq = useRef(0);
  useEffect(() => {
    const draft = text.trim();
    if (draft.length < 6) {
      setItems([]);
      return;
    }
    const mine = ++seq.current;
    const timer = setTimeout(() => {
      api
        .post<{ deflectionId: string | null; items: typeof items }>('/help/deflect', { text: draft.slice(0, 5000), locale, source: 'chat' })
        .then((r) => {
          if (mine !== seq.current) return;
          if (r.deflectionId) lastId.current = r.deflectionId;
          setItems(r.items ?? []);
        })
        .catch(() => {});
    }, 400);
    return () => clearTimeout(timer);
  }, [text, locale]);
  return { items, deflectionId: lastId.current };
}

function PreChatForm({ onStarted }: { onStarted: (c: ConversationOut, q: Queue) => void }) {
  const { t, i18n } = useTranslation();
  const embed = useEmbed();
  const me = useMe();
  const categories = useCategories();
  const signedIn = me.data?.type === 'contact';
  const isAgent = me.data?.type === 'agent';
  const [categoryId, setCategoryId] = useState<string | null>(null);
  const [language, setLanguage] = useState<'en' | 'zh-CN'>(i18n.language === 'zh-CN' ? 'zh-CN' : 'en');
  const [description, setDescription] = useState('');
  const [orderId, setOrderId] = useState('');
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [error, setError] = useState<string | null>(null);
  const deflection = useDeflection(description, language);

  const startChat = useMutation({
    mutationFn: () =>
      api.post<{ conversation: ConversationOut; queue: Queue }>('/chats', {
        description: description.trim(),
        language,
        ...(categoryId ? { categoryId } : {}),
        ...(orderId.trim() ? { orderId: orderId.trim() } : {}),
        ...(!signedIn && name.trim() ? { name: name.trim() } : {}),
        ...(!signedIn && email.trim() ? { email: email.trim() } : {}),
        ...(deflection.deflectionId ? { deflectionId: deflection.deflectionId } : {}),
      }),
    onSuccess: (r) => onStarted(r.conversation, r.queue),
    onError: (err) => setError(err.message),
  });

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    if (!description.trim()) return setError(t('chat.errors.description'));
    if (!signedIn && !name.trim()) return setError(t('chat.errors.name'));
    if (!signedIn && email.trim() && !/^\S+@\S+\.\S+$/.test(email.trim())) return setError(t('chat.errors.email'));
    startChat.mutate();
  }

  const categoryOptions = [...(categories.data ?? [])].sort((a, b) => a.position - b.position).map((c) => ({ value: c.id, label: localName(c.name, i18n.language) }));
  const size = embed ? 'xs' : 'sm';

  return (
    <Box style={embed ? { height: '100%', overflowY: 'auto', overflowX: 'hidden' } : undefined}>
      <Stack gap={embed ? 'xs' : 'lg'} maw={640} mx="auto" w="100%" pb={embed ? 4 : 0}>
        <Box pr={embed ? 36 : 0}>
          <Title order={embed ? 4 : 2}>{t('chat.title')}</Title>
          <Text c="dimmed" size={embed ? 'xs' : 'sm'} mt={4}>
            {t('chat.intro')}
          </Text>
        </Box>
        {isAgent && (
          <Alert color="indigo" data-testid="chat-agent-notice">
            {t('chat.agentNotice')}
          </Alert>
        )}
        <Paper withBorder radius="lg" p={embed ? 'sm' : 'lg'} component="form" onSubmit={onSubmit} noValidate data-testid="chat-prechat">
          <Stack gap={embed ? 'xs' : 'md'}>
            <Select
              size={size}
              label={t('chat.category')}
              placeholder={t('chat.categoryPlaceholder')}
              data={categoryOptions}
              value={categoryId}
              onChange={setCategoryId}
              clearable
              searchable
              comboboxProps={{ withinPortal: !embed }}
              data-testid="chat-category"
            />
            <div>
              <Text size={size} fw={500} mb={4}>
                {t('chat.language')}
              </Text>
              <SegmentedControl
                size={size}
                value={language}
                onChange={(v) => setLanguage(v === 'zh-CN' ? 'zh-CN' : 'en')}
                data={[
                  { value: 'en', label: 'English' },
                  { value: 'zh-CN', label: '简体中文' },
                ]}
                data-testid="chat-language"
              />
            </div>
            <Textarea
              size={size}
              label={t('chat.description')}
              placeholder={t('chat.descriptionPlaceholder')}
              required
              autosize
              minRows={embed ? 2 : 3}
              maxRows={8}
              maxLength={5000}
              value={description}
              onChange={(e) => setDescription(e.currentTarget.value)}
              data-testid="chat-description"
            />
            {deflection.items.length > 0 && (
              <Alert color="blue" variant="light" p="xs" title={t('chat.deflectTitle')} data-testid="chat-deflection" aria-live="polite">
                <Stack gap={4}>
                  {deflection.items.slice(0, embed ? 3 : 5).map((a) => (
                    <div key={a.id}>
                      <Anchor href={a.url} target="_blank" rel="noopener" size="sm" fw={500} data-testid="chat-deflection-link">
                        {a.title}
                      </Anchor>
                      {!embed && <Text size="xs" c="dimmed" lineClamp={2} dangerouslySetInnerHTML={{ __html: a.snippetHtml }} />}
                    </div>
                  ))}
                  <Text size="xs" c="dimmed">
                    {t('chat.deflectHint')}
                  </Text>
                </Stack>
              </Alert>
            )}
            <TextInput size={size} label={t('chat.orderId')} maxLength={128} value={orderId} onChange={(e) => setOrderId(e.currentTarget.value)} data-testid="chat-orderId" />
            {!signedIn && !me.isPending && (
              <>
                <SimpleGrid cols={{ base: 1, xs: 2 }} spacing="xs">
                  <TextInput size={size} label={t('chat.name')} required autoComplete="name" maxLength={120} value={name} onChange={(e) => setName(e.currentTarget.value)} data-testid="chat-name" />
                  <TextInput size={size} label={t('chat.email')} type="email" autoComplete="email" maxLength={254} value={email} onChange={(e) => setEmail(e.currentTarget.value)} data-testid="chat-email" />
                </SimpleGrid>
                <Text size="xs" c="dimmed">
                  {t('chat.emailHint')}
                </Text>
              </>
            )}
            {error && (
              <Alert color="red" variant="light" icon={<IconAlert size={18} />} role="alert" data-testid="chat-error">
                {error}
              </Alert>
            )}
            <Group justify="flex-end">
              <Button type="submit" size={embed ? 'sm' : 'md'} loading={startChat.isPending} disabled={isAgent} data-testid="chat-start">
                {t('chat.start')}
              </Button>
            </Group>
          </Stack>
        </Paper>
      </Stack>
    </Box>
  );
}

function ChatSession({ id, onReset }: { id: string; onReset: () => void }) {
  const { t } = useTranslation();
  const conversation = useQuery({
    queryKey: ['chat', id],
    queryFn: () => api.get<ConversationOut>(`/conversations/${id}`),
    refetchInterval: 15_000,
  });
  const gone = conversation.error instanceof ApiError && [400, 401, 403, 404].includes(conversation.error.status);
  useEffect(() => {
    // The chat belonged to a session that ended (or another visitor): start over.
    if (gone) onReset();
  }, [gone, onReset]);

  if (conversation.isPending) {
    return (
      <Center h="40vh">
        <Loader />
      </Center>
    );
  }
  if (conversation.isError) {
    return (
      <Alert color="red" title={t('app.errorTitle')} maw={560} mx="auto">
        {conversation.error.message}
      </Alert>
    );
  }
  const c = conversation.data;
  if (c.mode === 'async') return <TicketNotice conversation={c} onReset={onReset} />;
  return <LiveChat conversation={c} onReset={onReset} />;
}

/** Nobody could take the chat (or the customer chose to): it is a ticket now. */
function TicketNotice({ conversation, onReset }: { conversation: ConversationOut; onReset: () => void }) {
  const { t } = useTranslation();
  const embed = useEmbed();
  const messages = useQuery({
    queryKey: ['chat', conversation.id, 'messages'],
    queryFn: () => api.get<Items<MessageOut>>(`/conversations/${conversation.id}/messages`, { afterSeq: 0 }),
  });
  const system = [...(messages.data?.items ?? [])].reverse().find((m) => m.authorType === 'system' && m.direction === 'out');
  return (
    <Paper withBorder radius="lg" p={embed ? 'md' : 'xl'} maw={640} mx="auto" w="100%" data-testid="chat-ticket" data-number={conversation.number}>
      <Stack gap="md" align="flex-start">
        <Group gap="xs" pr={embed ? 28 : 0}>
          <IconCheck size={22} color="var(--mantine-color-teal-6)" />
          <Title order={embed ? 4 : 3}>{t('chat.ticketTitle')}</Title>
        </Group>
        <Text fw={600} data-testid="chat-ticket-number">
          {t('chat.ticketNumber', { number: conversation.number })}
        </Text>
        {system && (
          <Text size="sm" c="dimmed" className="sb-body" data-testid="chat-ticket-message">
            {system.body}
          </Text>
        )}
        <Group>
          <Button component={Link} to="/tickets" target={embed ? '_blank' : undefined} data-testid="chat-ticket-link">
            {t('chat.viewTickets')}
          </Button>
          <Button variant="default" onClick={onReset}>
            {t('chat.newChat')}
          </Button>
        </Group>
      </Stack>
    </Paper>
  );
}

function LiveChat({ conversation, onReset }: { conversation: ConversationOut; onReset: () => void }) {
  const { t, i18n } = useTranslation();
  const embed = useEmbed();
  const queryClient = useQueryClient();
  const finished = conversation.status === 'solved' || conversation.status === 'closed';
  const [ended, setEnded] = useState(finished);
  const live = !ended && !finished;
  const { messages, add, connected, agentTyping, agentReadSeq, setTyping, markRead } = useChatMessages(conversation.id, live, conversation.agentReadSeq);

  const queue = useQuery({
    queryKey: ['chat', conversation.id, 'queue'],
    queryFn: () => api.get<Queue>(`/chats/${conversation.id}/queue`),
    refetchInterval: QUEUE_POLL_MS,
    enabled: live,
    retry: false,
  });
  const q = queue.data;
  const waiting = live && q?.state === 'waiting';
  const agentName = [...messages].reverse().find((m) => m.direction === 'out' && m.authorType === 'agent')?.authorName ?? null;
  // Offered to an agent who has not accepted yet: the assignee is set but nobody has joined.
  const offered = live && !waiting && conversation.status === 'new' && (q?.state === 'assigned' || Boolean(conversation.chatOfferedAt));
  const assigned = live && !offered && (conversation.status !== 'new' || Boolean(agentName)) && (Boolean(conversation.assigneeId) || Boolean(agentName));
  const firstAgentSeq = messages.find((m) => m.direction === 'out' && m.authorType === 'agent')?.seq ?? null;
  // The server says who joined when an agent accepts; the line below is only for chats taken by replying.
  const joinedLine = Boolean(agentName) && messages.some((m) => m.authorType === 'system' && agentName !== null && m.body.includes(agentName));
  const lastMine = [...messages].reverse().find((m) => m.direction === 'in');
  const highestSeq = messages.length ? messages[messages.length - 1]!.seq : 0;

  // Read receipts: what is on screen counts as seen while the page is visible.
  useMarkReadWhenVisible(highestSeq, markRead);

  const toTicket = useMutation({
    mutationFn: () => api.post<ConversationOut>(`/chats/${conversation.id}/ticket`),
    onSuccess: (c) => queryClient.setQueryData(['chat', c.id], c),
  });

  // Keep the newest message in view.
  const viewport = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = viewport.current;
    if (el) el.scrollTo({ top: el.scrollHeight });
  }, [messages.length, waiting, ended]);

  return (
    <Paper
      withBorder
      radius={embed ? 'md' : 'lg'}
      maw={embed ? undefined : 760}
      mx="auto"
      w="100%"
      h={embed ? '100%' : 'calc(100vh - 200px)'}
      mih={embed ? undefined : 480}
      style={{ display: 'flex', flexDirection: 'column', overflow: 'hidden' }}
      data-testid="chat-session"
      data-id={conversation.id}
      data-state={ended || finished ? 'ended' : waiting ? 'waiting' : offered ? 'offered' : assigned ? 'assigned' : 'open'}
    >
      <Group justify="space-between" pl="sm" pr={embed ? 40 : 'sm'} py={6} style={{ borderBottom: '1px solid var(--mantine-color-gray-3)', flexShrink: 0 }} wrap="nowrap">
        <Group gap={6} wrap="nowrap" style={{ minWidth: 0 }}>
          <Text fw={600} size="sm" truncate="end">
            {t('chat.title')}
          </Text>
          <Text size="xs" c="dimmed" ff="monospace">
            #{conversation.number}
          </Text>
          {live && !connected && (
            <Badge color="orange" variant="light" size="xs">
              {t('chat.connecting')}
            </Badge>
          )}
        </Group>
        {live && <EndChat conversationId={conversation.id} onEnded={() => setEnded(true)} />}
      </Group>

      <ScrollArea viewportRef={viewport} style={{ flex: 1 }} px="sm" py="xs" type="auto">
        <Stack gap={8} data-testid="chat-messages">
          {messages.length === 0 && !waiting && (
            <Text size="xs" c="dimmed" ta="center">
              {t('chat.empty')}
            </Text>
          )}
          {messages.map((m) => (
            <Fragment key={m.seq}>
              {assigned && !joinedLine && m.seq === firstAgentSeq && <Joined name={agentName} />}
              <Bubble message={m} lang={i18n.language} read={m === lastMine && agentReadSeq >= m.seq} />
            </Fragment>
          ))}
          {live && agentTyping !== null && (
            <Group gap={6} data-testid="chat-agent-typing">
              <Loader size={10} type="dots" />
              <Text size="xs" c="dimmed" fs="italic">
                {t('chat.agentTyping', { name: agentTyping || t('chat.support') })}
              </Text>
            </Group>
          )}
        </Stack>
      </ScrollArea>

      {offered && (
        <Box px="sm" py="xs" bg="indigo.0" style={{ borderTop: '1px solid var(--mantine-color-indigo-1)', flexShrink: 0 }} data-testid="chat-offered">
          <Group gap={6}>
            <Loader size={12} type="dots" />
            <Text size="sm" fw={600}>
              {t('chat.offered')}
            </Text>
          </Group>
        </Box>
      )}

      {waiting && q && (
        <Box px="sm" py="xs" bg="indigo.0" style={{ borderTop: '1px solid var(--mantine-color-indigo-1)', flexShrink: 0 }} data-testid="chat-waiting">
          <Group justify="space-between" align="flex-start" wrap="nowrap" gap="xs">
            <Stack gap={2} style={{ minWidth: 0 }}>
              <Group gap={6}>
                <Loader size={12} type="dots" />
                <Text size="sm" fw={600}>
                  {t('chat.waitingTitle')}
                </Text>
              </Group>
              {q.position !== null && (
                <Text size="xs" data-testid="chat-position">
                  {t('chat.position', { position: q.position })}
                </Text>
              )}
              {q.estimatedWaitSeconds !== null && (
                <Text size="xs" data-testid="chat-wait">
                  {t('chat.wait', { wait: q.estimatedWaitSeconds < 60 ? t('chat.waitLessThanMinute') : t('chat.waitMinutes', { n: Math.ceil(q.estimatedWaitSeconds / 60) }) })}
                </Text>
              )}
              {q.quietHoursUtc.length > 0 && (
                <Text size="xs" c="dimmed" data-testid="chat-quiet-hours">
                  {t('chat.quietHours', { hours: localHours(q.quietHoursUtc) })}
                </Text>
              )}
            </Stack>
            <Button size="compact-xs" variant="default" loading={toTicket.isPending} onClick={() => toTicket.mutate()} data-testid="chat-leave-ticket" style={{ flexShrink: 0 }}>
              {t('chat.leaveTicket')}
            </Button>
          </Group>
          {toTicket.isError && (
            <Text size="xs" c="red" mt={4}>
              {toTicket.error.message}
            </Text>
          )}
        </Box>
      )}

      <Box style={{ borderTop: '1px solid var(--mantine-color-gray-3)', flexShrink: 0 }} p="sm">
        {live ? (
          <Composer conversationId={conversation.id} onSent={(m) => add([m])} onTyping={setTyping} />
        ) : (
          <Ended conversation={conversation} onReset={onReset} />
        )}
      </Box>
    </Paper>
  );
}

function Joined({ name }: { name: string | null }) {
  const { t } = useTranslation();
  return (
    <Text size="xs" c="dimmed" ta="center" data-testid="chat-assigned">
      {name ? t('chat.assigned', { name }) : t('chat.assignedAnonymous')}
    </Text>
  );
}

function Bubble({ message, lang, read = false }: { message: MessageOut; lang: string; read?: boolean }) {
  const { t } = useTranslation();
  if (message.authorType === 'system' || message.contentType === 'event') {
    return (
      <Text size="xs" c="dimmed" ta="center" className="sb-body" data-testid="chat-system-message">
        {message.body}
      </Text>
    );
  }
  const mine = message.direction === 'in';
  return (
    <Group justify={mine ? 'flex-end' : 'flex-start'} data-testid="chat-message" data-seq={message.seq} data-mine={mine ? '1' : '0'}>
      <Box maw="80%">
        <Text size="10px" c="dimmed" ta={mine ? 'right' : 'left'} mb={2}>
          {mine ? t('chat.you') : (message.authorName ?? t('chat.support'))} · {shortTime(message.createdAt, lang)}
        </Text>
        <Paper
          radius="md"
          px="sm"
          py={6}
          bg={mine ? 'indigo.6' : 'gray.1'}
          c={mine ? 'white' : undefined}
        >
          {message.body && (
            <Text size="sm" className="sb-body" style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-word' }}>
              {message.body}
            </Text>
          )}
          {message.attachments.map((a) => (
            <Box key={a.id} mt={message.body ? 6 : 0}>
              {a.contentType.startsWith('image/') ? (
                <Anchor href={a.url} target="_blank" rel="noopener">
                  <Image src={a.url} alt={a.filename} maw={220} mah={200} fit="contain" radius="sm" />
                </Anchor>
              ) : (
                <Anchor href={a.url} target="_blank" rel="noopener" size="sm" c={mine ? 'white' : undefined} underline="always">
                  <Group gap={4} component="span" wrap="nowrap">
                    <IconPaperclip size={12} />
                    {a.filename} ({fileSize(a.size)})
                  </Group>
                </Anchor>
              )}
            </Box>
          ))}
        </Paper>
        {read && (
          <Text size="10px" c="dimmed" ta="right" mt={2} data-testid="chat-read">
            {t('chat.read')}
          </Text>
        )}
      </Box>
    </Group>
  );
}

function Composer({ conversationId, onSent, onTyping }: { conversationId: string; onSent: (m: MessageOut) => void; onTyping: (typing: boolean) => void }) {
  const { t } = useTranslation();
  const [body, setBody] = useState('');
  const [files, setFiles] = useState<File[]>([]);
  const [error, setError] = useState<string | null>(null);
  const fileInput = useRef<HTMLInputElement>(null);
  // One key per draft: a retry after a network drop stores the message once.
  const key = useRef(randomId());
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
          const res = await api.upload<Items<AttachmentOut>>(`/conversations/${conversationId}/attachments`, form);
          attachmentIds = res.items.map((a) => a.id);
          uploaded.current = { files, ids: attachmentIds };
        }
      }
      return api.post<MessageOut>(`/conversations/${conversationId}/messages`, { body: body.trim(), idempotencyKey: key.current, ...(attachmentIds.length ? { attachmentIds } : {}) });
    },
    onSuccess: (m) => {
      onSent(m);
      onTyping(false);
      setBody('');
      setFiles([]);
      uploaded.current = null;
      key.current = randomId();
      setError(null);
    },
    onError: (err) => setError(describeUploadError(err, t)),
  });

  const canSend = (body.trim().length > 0 || files.length > 0) && !send.isPending;
  const submit = () => {
    if (canSend) send.mutate();
  };
  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault();
      submit();
    }
  };
  const pick = (list: FileList | null) => {
    if (!list) return;
    const added = addFiles(files, list);
    setError(added.tooLarge.length ? t('portal.files.tooLarge', { names: added.tooLarge.map((f) => f.name).join(', '), size: fileSize(MAX_FILE_BYTES) }) : null);
    setFiles(added.files);
    if (fileInput.current) fileInput.current.value = '';
  };

  return (
    <Stack gap={6}>
      <FileChips files={files} onRemove={(i) => setFiles(files.filter((_, j) => j !== i))} data-testid="chat-files" />
      {error && (
        <Text size="xs" c="red" role="alert" data-testid="chat-send-error">
          {error}
        </Text>
      )}
      <Group gap={6} align="flex-end" wrap="nowrap">
        <input ref={fileInput} type="file" multiple hidden accept={ACCEPT_FILES} onChange={(e) => pick(e.currentTarget.files)} data-testid="chat-file-input" />
        <ActionIcon variant="default" size="lg" onClick={() => fileInput.current?.click()} aria-label={t('chat.attach')} title={t('chat.attach')} data-testid="chat-attach">
          <IconPaperclip size={16} />
        </ActionIcon>
        <Textarea
          style={{ flex: 1 }}
          autosize
          minRows={1}
          maxRows={5}
          maxLength={50_000}
          placeholder={t('chat.placeholder')}
          value={body}
          onChange={(e) => {
            setBody(e.currentTarget.value);
            onTyping(e.currentTarget.value.trim().length > 0);
          }}
          onBlur={() => onTyping(false)}
          onKeyDown={onKeyDown}
          data-testid="chat-input"
        />
        <ActionIcon size="lg" onClick={submit} disabled={!canSend} loading={send.isPending} aria-label={t('chat.send')} title={t('chat.send')} data-testid="chat-send">
          <IconSend size={16} />
        </ActionIcon>
      </Group>
    </Stack>
  );
}

function EndChat({ conversationId, onEnded }: { conversationId: string; onEnded: () => void }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [open, setOpen] = useState(false);
  const [transcript, setTranscript] = useState(true);
  const end = useMutation({
    mutationFn: () => api.post<void>(`/chats/${conversationId}/end`, { transcript }),
    onSuccess: () => {
      onEnded();
      void queryClient.invalidateQueries({ queryKey: ['chat', conversationId], exact: true });
    },
  });
  if (!open) {
    return (
      <Button size="compact-xs" color="red" variant="light" onClick={() => setOpen(true)} data-testid="chat-end">
        {t('chat.end')}
      </Button>
    );
  }
  return (
    <Group gap={6} wrap="nowrap" data-testid="chat-end-confirm">
      <Checkbox size="xs" label={t('chat.transcript')} checked={transcript} onChange={(e) => setTranscript(e.currentTarget.checked)} data-testid="chat-transcript" />
      <Button size="compact-xs" color="red" loading={end.isPending} onClick={() => end.mutate()} data-testid="chat-end-submit">
        {t('chat.endConfirm')}
      </Button>
      <Button size="compact-xs" variant="subtle" color="gray" onClick={() => setOpen(false)}>
        {t('chat.cancel')}
      </Button>
      {end.isError && (
        <Text size="xs" c="red">
          {end.error.message}
        </Text>
      )}
    </Group>
  );
}

/** After the chat: the rating (once solved), then a way to start again. */
function Ended({ conversation, onReset }: { conversation: ConversationOut; onReset: () => void }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [score, setScore] = useState(0);
  const [comment, setComment] = useState('');
  const rate = useMutation({
    mutationFn: () => api.post<{ score: number; comment: string | null; ratedAt: string }>(`/conversations/${conversation.id}/rating`, { score, comment: comment.trim() || undefined }),
    onSuccess: (csat) => queryClient.setQueryData<ConversationOut>(['chat', conversation.id], (old) => (old ? { ...old, csat } : old)),
  });
  const csat = conversation.csat;
  return (
    <Stack gap={6} data-testid="chat-ended">
      <Text size="sm" fw={600}>
        {t('chat.endedTitle')}
        <Text span size="sm" c="dimmed" fw={400}>
          {' — '}
          {t('chat.endedText')}
        </Text>
      </Text>
      {csat ? (
        <Group gap="sm" data-testid="csat-given" data-score={csat.score}>
          <Text size="sm">{t('portal.csat.yourRating')}</Text>
          <Rating value={csat.score} readOnly />
        </Group>
      ) : (
        <Stack gap={6} data-testid="csat-form">
          <Text size="sm">{t('portal.csat.question')}</Text>
          <Group gap="sm">
            <Rating value={score} onChange={setScore} size="lg" data-testid="csat-stars" />
            {score > 0 && (
              <Text size="xs" c="dimmed">
                {t(`portal.csat.labels.s${score as 1 | 2 | 3 | 4 | 5}`)}
              </Text>
            )}
          </Group>
          <Textarea size="xs" placeholder={t('portal.csat.commentPlaceholder')} value={comment} onChange={(e) => setComment(e.currentTarget.value)} autosize minRows={1} maxRows={3} maxLength={2000} data-testid="csat-comment" />
          {rate.isError && (
            <Text size="xs" c="red">
              {rate.error.message}
            </Text>
          )}
          <Group>
            <Button size="xs" disabled={score === 0} loading={rate.isPending} onClick={() => rate.mutate()} data-testid="csat-submit">
              {t('portal.csat.submit')}
            </Button>
          </Group>
        </Stack>
      )}
      <Group>
        <Button size="compact-xs" variant="default" onClick={onReset} data-testid="chat-new">
          {t('chat.newChat')}
        </Button>
      </Group>
    </Stack>
  );
}
