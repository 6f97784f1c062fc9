import { ActionIcon, Anchor, Box, Center, Group, Image, Menu, Paper, Stack, Text, Tooltip } from '@mantine/core';
import type { TFunction } from 'i18next';
import { useTranslation } from 'react-i18next';
import type { AgentOut, CategoryOut, EventOut, MessageOut, TeamOut } from '../../../../common/schemas.ts';
import { absoluteTime, localName, shortTime } from '../../lib/format.ts';
import { IconDots, IconNote, IconPaperclip, IconPhone, IconScissors } from '../icons.tsx';
import { DeliveryStatus, EmailBody, EmailHeader, useSafeEmailHtml } from './EmailParts.tsx';
import { normalizeContentId } from '../../lib/emailHtml.ts';

export type TimelineItem = { kind: 'message'; at: number; message: MessageOut } | { kind: 'event'; at: number; event: EventOut };

/**
 * Messages and history events in one list, oldest first. The event log is the true order (its ids are
 * monotonic; timestamps inside one transaction are equal), so each `messages.create` event is replaced
 * by its message; messages without such an event are placed by time.
 */
export function mergeTimeline(messages: MessageOut[], events: EventOut[]): TimelineItem[] {
  const byMessageId = new Map(messages.map((m) => [m.id, m]));
  const placed = new Set<string>();
  const items: TimelineItem[] = [];
  for (const event of [...events].sort((a, b) => a.id - b.id)) {
    // Uploaded files show inside their message; the upload itself is not news.
    if (event.type.startsWith('attachments.')) continue;
    if (event.type.startsWith('messages.')) {
      const message = event.type === 'messages.create' ? byMessageId.get(event.subjectId) : undefined;
      if (message && !placed.has(message.id)) {
        placed.add(message.id);
        items.push({ kind: 'message', at: Date.parse(message.createdAt), message });
      }
      continue;
    }
    items.push({ kind: 'event', at: Date.parse(event.createdAt), event });
  }
  const rest = messages.filter((m) => !placed.has(m.id)).sort((a, b) => a.seq - b.seq);
  for (const message of rest) {
    const at = Date.parse(message.createdAt);
    let index = items.findIndex((item) => item.at > at || (item.kind === 'message' && item.message.seq > message.seq));
    if (index === -1) index = items.length;
    items.splice(index, 0, { kind: 'message', at, message });
  }
  return items;
}

export interface Lookups {
  agents: Map<string, AgentOut>;
  teams: Map<string, TeamOut>;
  categories: Map<string, CategoryOut>;
}

function actorLabel(event: EventOut, t: TFunction): string {
  if (event.actorName) return event.actorName;
  if (event.actorType === 'system') return t('app.system');
  if (event.actorType === 'contact') return t('app.customer');
  if (event.actorType === 'token') return t('app.apiToken');
  return event.actorType;
}

const FIELD_KEYS = ['status', 'priority', 'assigneeId', 'teamId', 'categoryId', 'subject', 'language'] as const;
type FieldKey = (typeof FIELD_KEYS)[number];

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** One readable line per change in an event. */
export function describeEvent(event: EventOut, t: TFunction, lang: string, lookups: Lookups): string[] {
  const actor = actorLabel(event, t);
  if (event.type === 'conversations.create') return [t('conversation.events.created', { actor })];

  const data = event.data ?? {};
  const after = isRecord(data.after) ? data.after : isRecord(data) && !('before' in data) ? data : null;
  const before = isRecord(data.before) ? data.before : {};
  if (!after || (!event.type.startsWith('conversations.') && event.type !== 'conversations.assign')) {
    return [t('conversation.events.generic', { actor, type: event.type })];
  }

  const value = (key: FieldKey, v: unknown): string => {
    if (v === null || v === undefined || v === '') {
      if (key === 'assigneeId') return t('conversation.sidebar.unassigned');
      if (key === 'teamId') return t('conversation.sidebar.noTeam');
      if (key === 'categoryId') return t('conversation.sidebar.noCategory');
      return t('app.none');
    }
    const s = String(v);
    switch (key) {
      case 'status':
        return t(`status.${s}` as 'status.new', { defaultValue: s });
      case 'priority':
        return t(`priority.${s}` as 'priority.low', { defaultValue: s });
      case 'assigneeId':
        return lookups.agents.get(s)?.name ?? s.slice(0, 8);
      case 'teamId':
        return localName(lookups.teams.get(s)?.name, lang) || s.slice(0, 8);
      case 'categoryId':
        return localName(lookups.categories.get(s)?.name, lang) || s.slice(0, 8);
      default:
        return s;
    }
  };

  const lines: string[] = [];
  for (const key of Object.keys(after)) {
    const to = after[key];
    const from = before[key];
    if (key === 'assigneeId') {
      lines.push(to ? t('conversation.events.assigned', { actor, to: value('assigneeId', to) }) : t('conversation.events.unassigned', { actor }));
      continue;
    }
    if (key === 'fields') {
      lines.push(t('conversation.events.fieldsChanged', { actor }));
      continue;
    }
    if (key === 'tags') {
      lines.push(t('conversation.events.tagsChanged', { actor }));
      continue;
    }
    if (!(FIELD_KEYS as readonly string[]).includes(key)) continue;
    const fk = key as FieldKey;
    const field = t(`conversation.events.fieldNames.${fk}`);
    if (from !== undefined && from !== null && from !== '') {
      lines.push(t('conversation.events.changed', { actor, field, from: value(fk, from), to: value(fk, to) }));
    } else if (to === null || to === undefined || to === '') {
      lines.push(t('conversation.events.cleared', { actor, field }));
    } else {
      lines.push(t('conversation.events.set', { actor, field, to: value(fk, to) }));
    }
  }
  return lines.length > 0 ? lines : [t('conversation.events.generic', { actor, type: event.type })];
}

function EventLine({ event, lookups }: { event: EventOut; lookups: Lookups }) {
  const { t, i18n } = useTranslation();
  const lines = describeEvent(event, t, i18n.language, lookups);
  return (
    <Center data-testid="timeline-event" data-type={event.type}>
      <Stack gap={0} align="center" maw="80%">
        {lines.map((line, i) => (
          <Text key={i} size="xs" c="dimmed" ta="center">
            {line}
            {i === lines.length - 1 && (
              <Tooltip label={absoluteTime(event.createdAt, i18n.language)} openDelay={400}>
                <Text span size="xs" c="gray.5" ml={6}>
                  · {shortTime(event.createdAt, i18n.language)}
                </Text>
              </Tooltip>
            )}
          </Text>
        ))}
      </Stack>
    </Center>
  );
}

function Attachments({ message, shownInline }: { message: MessageOut; shownInline?: Set<string> }) {
  const { t } = useTranslation();
  // Inline images the email's HTML shows in place are not listed again as files.
  const files = shownInline?.size ? message.attachments.filter((a) => !(a.inline && a.contentId && shownInline.has(normalizeContentId(a.contentId)))) : message.attachments;
  if (files.length === 0) return null;
  return (
    <Stack gap={6} mt="xs" aria-label={t('conversation.attachments')} data-testid="message-attachments">
      {files.map((a) =>
        a.contentType.startsWith('image/') ? (
          <Anchor key={a.id} href={a.url} target="_blank" rel="noopener noreferrer">
            <Image src={a.url} alt={a.filename} maw={260} mah={200} fit="contain" radius="sm" />
          </Anchor>
        ) : (
          <Anchor key={a.id} href={a.url} target="_blank" rel="noopener noreferrer" size="sm">
            <Group gap={4} wrap="nowrap">
              <IconPaperclip size={14} />
              <span>{a.filename}</span>
              <Text span size="xs" c="dimmed">
                ({Math.max(1, Math.round(a.size / 1024))} KB)
              </Text>
            </Group>
          </Anchor>
        ),
      )}
    </Stack>
  );
}

function MessageBubble({ message, onSplit }: { message: MessageOut; onSplit?: (message: MessageOut) => void }) {
  const { t, i18n } = useTranslation();
  const isNote = message.visibility === 'private';
  const fromCustomer = message.direction === 'in' && !isNote;
  const isCall = message.contentType === 'call';
  const author = message.authorName || (message.authorType === 'contact' ? t('app.customer') : message.authorType === 'system' ? t('app.system') : t('app.none'));
  const safeHtml = useSafeEmailHtml(message);

  if (message.contentType === 'event') {
    return (
      <Center data-testid="timeline-message" data-direction={message.direction} data-visibility={message.visibility}>
        <Text size="xs" c="dimmed" className="sb-body" ta="center">
          {message.body} · {shortTime(message.createdAt, i18n.language)}
        </Text>
      </Center>
    );
  }

  const bg = isNote ? 'var(--mantine-color-yellow-1)' : fromCustomer ? 'var(--mantine-color-white)' : 'var(--mantine-color-indigo-0)';
  const border = isNote ? 'var(--mantine-color-yellow-5)' : fromCustomer ? 'var(--mantine-color-gray-3)' : 'var(--mantine-color-indigo-2)';

  return (
    <Group justify={fromCustomer ? 'flex-start' : 'flex-end'} wrap="nowrap">
      <Paper
        data-testid="timeline-message"
        data-direction={message.direction}
        data-visibility={message.visibility}
        data-seq={message.seq}
        p="sm"
        px="md"
        radius="lg"
        maw="78%"
        miw={200}
        style={{
          background: bg,
          border: `1px solid ${border}`,
          borderTopLeftRadius: fromCustomer ? 4 : undefined,
          borderTopRightRadius: fromCustomer ? undefined : 4,
        }}
      >
        <Group justify="space-between" gap="md" mb={4} wrap="nowrap">
          <Group gap={6} wrap="nowrap">
            {isNote && <IconNote size={14} color="var(--mantine-color-yellow-9)" />}
            {isCall && <IconPhone size={14} />}
            <Text size="xs" fw={700}>
              {author}
            </Text>
            {isNote && (
              <Text size="xs" fw={600} c="yellow.9" data-testid="private-note-label">
                {t('conversation.privateNote')}
              </Text>
            )}
            {isCall && (
              <Text size="xs" c="dimmed">
                {t('conversation.call')}
              </Text>
            )}
          </Group>
          <Group gap={2} wrap="nowrap">
            <Tooltip label={absoluteTime(message.createdAt, i18n.language)} openDelay={400}>
              <Text size="xs" c="dimmed" style={{ whiteSpace: 'nowrap' }}>
                {shortTime(message.createdAt, i18n.language)}
              </Text>
            </Tooltip>
            {onSplit && fromCustomer && (
              <Menu position="bottom-end" withinPortal>
                <Menu.Target>
                  <ActionIcon size="xs" variant="subtle" color="gray" aria-label={t('conversation.messageActions')} data-testid="message-actions">
                    <IconDots size={14} />
                  </ActionIcon>
                </Menu.Target>
                <Menu.Dropdown>
                  <Menu.Item leftSection={<IconScissors size={14} />} onClick={() => onSplit(message)} data-testid="split-message">
                    {t('conversation.split.action')}
                  </Menu.Item>
                </Menu.Dropdown>
              </Menu>
            )}
          </Group>
        </Group>
        {message.email && <EmailHeader message={message} />}
        {message.email ? (
          <EmailBody message={message} safe={safeHtml} />
        ) : (
          <Text size="sm" className="sb-body">
            {message.body}
          </Text>
        )}
        <Attachments message={message} shownInline={safeHtml?.usedContentIds} />
        {message.direction === 'out' && <DeliveryStatus message={message} />}
      </Paper>
    </Group>
  );
}

export function Timeline({ items, lookups, onSplit }: { items: TimelineItem[]; lookups: Lookups; onSplit?: (message: MessageOut) => void }) {
  const { t } = useTranslation();
  if (items.length === 0) {
    return (
      <Center py="xl">
        <Text c="dimmed">{t('conversation.emptyTimeline')}</Text>
      </Center>
    );
  }
  return (
    <Box>
      <Stack gap="md">
        {items.map((item) =>
          item.kind === 'message' ? <MessageBubble key={`m-${item.message.id}`} message={item.message} onSplit={onSplit} /> : <EventLine key={`e-${item.event.id}`} event={item.event} lookups={lookups} />,
        )}
      </Stack>
    </Box>
  );
}
