import { ActionIcon, Anchor, Badge, Button, CopyButton, Divider, Group, Paper, Select, Stack, TagsInput, Text, Title, Tooltip } from '@mantine/core';
import { Link } from 'react-router-dom';
import { useQuery } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { CONVERSATION_STATUSES, PRIORITIES } from '../../../../common/enums.ts';
import type { AgentOut, CategoryOut, ContactOut, ConversationOut, ConversationUpdate, Me, TeamOut } from '../../../../common/schemas.ts';
import { api } from '../../api.ts';
import { absoluteTime, localName } from '../../lib/format.ts';
import { RelativeTime, StatusBadge } from '../Badges.tsx';
import type { Paged } from '../../lib/types.ts';
import { IconCheck, IconCopy } from '../icons.tsx';
import { UnverifiedBadge } from './UnverifiedBadge.tsx';

const NONE = '__none';


function Section({ title, children }: { title: string; children: ReactNode }) {
  return (
    <Paper withBorder radius="md" p="md">
      <Title order={6} tt="uppercase" c="dimmed" fz="xs" mb="sm" style={{ letterSpacing: 0.5 }}>
        {title}
      </Title>
      {children}
    </Paper>
  );
}

/** Says that triage read a value from the subject or the message, so the agent checks it (nothing for what a person typed). */
function SourceHint({ source, testId }: { source: string | undefined; testId?: string }) {
  const { t } = useTranslation();
  if (source !== 'subject' && source !== 'body') return null;
  return (
    <Tooltip label={t(source === 'subject' ? 'triage.fromSubjectHint' : 'triage.fromBodyHint')} withArrow multiline w={220}>
      <Badge component="span" size="xs" variant="light" color="gray" tt="none" style={{ flexShrink: 0 }} data-testid={testId} data-source={source}>
        {t(source === 'subject' ? 'triage.fromSubject' : 'triage.fromBody')}
      </Badge>
    </Tooltip>
  );
}

function Row({ label, value, copy, mono, source, sourceKey }: { label: string; value: string | null | undefined; copy?: boolean; mono?: boolean; source?: string; sourceKey?: string }) {
  const { t } = useTranslation();
  return (
    <Group justify="space-between" gap="xs" wrap="nowrap" align="flex-start">
      <Stack gap={0} style={{ flexShrink: 0 }}>
        <Text size="sm" c="dimmed">
          {label}
        </Text>
      </Stack>
      <Group gap={2} wrap="nowrap" style={{ minWidth: 0 }}>
        {value && <SourceHint source={source} testId={`field-source-${sourceKey ?? label}`} />}
        <Text size="sm" ta="right" className={mono ? 'sb-mono' : undefined} style={{ minWidth: 0, overflowWrap: 'anywhere' }}>
          {value || t('app.none')}
        </Text>
        {copy && value && (
          <CopyButton value={value} timeout={1500}>
            {({ copied, copy: doCopy }) => (
              <Tooltip label={copied ? t('app.copied') : t('app.copy')} withArrow>
                <ActionIcon size="sm" variant="subtle" color={copied ? 'teal' : 'gray'} onClick={doCopy} aria-label={t('app.copy')}>
                  {copied ? <IconCheck size={14} /> : <IconCopy size={14} />}
                </ActionIcon>
              </Tooltip>
            )}
          </CopyButton>
        )}
      </Group>
    </Group>
  );
}

interface Props {
  conversation: ConversationOut;
  me: Me;
  agents: AgentOut[];
  teams: TeamOut[];
  categories: CategoryOut[];
  onUpdate: (patch: ConversationUpdate) => void;
  updating: boolean;
}

const KNOWN_FIELDS = ['uid', 'orderId', 'txHash', 'coin', 'network'] as const;

export function Sidebar({ conversation: c, me, agents, teams, categories, onUpdate, updating }: Props) {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const contact = useQuery({
    queryKey: ['contact', c.contactId],
    queryFn: () => api.get<ContactOut>(`/contacts/${c.contactId}`),
    staleTime: 30_000,
  });

  const agentOptions = [
    { value: NONE, label: t('conversation.sidebar.unassigned') },
    ...agents.filter((a) => !a.disabled || a.id === c.assigneeId).map((a) => ({ value: a.id, label: a.name })),
  ];
  if (c.assigneeId && !agents.some((a) => a.id === c.assigneeId)) {
    agentOptions.push({ value: c.assigneeId, label: c.assigneeId === me.id ? me.name : c.assigneeId.slice(0, 8) });
  }
  const teamOptions = [{ value: NONE, label: t('conversation.sidebar.noTeam') }, ...teams.map((tm) => ({ value: tm.id, label: localName(tm.name, lang) }))];
  const categoryOptions = [
    { value: NONE, label: t('conversation.sidebar.noCategory') },
    ...[...categories].sort((a, b) => a.position - b.position).map((cat) => ({ value: cat.id, label: localName(cat.name, lang) })),
  ];

  const toId = (v: string | null) => (v === null || v === NONE ? null : v);
  const ct = contact.data;
  const extraFieldKeys = Object.keys(c.fields).filter((k) => !(KNOWN_FIELDS as readonly string[]).includes(k));
  const hasFields = Object.values(c.fields).some(Boolean);
  const now = Date.now();
  const slaRows = [
    { label: t('conversation.sidebar.firstResponseDue'), at: c.firstResponseAt ? null : c.firstResponseDueAt },
    { label: t('conversation.sidebar.nextResponseDue'), at: c.nextResponseDueAt },
    { label: t('conversation.sidebar.resolutionDue'), at: c.status === 'solved' || c.status === 'closed' ? null : c.resolutionDueAt },
  ].filter((r): r is { label: string; at: string } => Boolean(r.at));

  return (
    <Stack gap="md">
      <Section title={t('conversation.sidebar.details')}>
        <Stack gap="sm">
          <Select
            label={t('conversation.sidebar.status')}
            data={CONVERSATION_STATUSES.map((s) => ({ value: s, label: t(`status.${s}`) }))}
            value={c.status}
            onChange={(v) => v && v !== c.status && onUpdate({ status: v as ConversationOut['status'] })}
            allowDeselect={false}
            data-testid="sidebar-status"
          />
          <Select
            label={t('conversation.sidebar.priority')}
            data={PRIORITIES.map((p) => ({ value: p, label: t(`priority.${p}`) }))}
            value={c.priority}
            onChange={(v) => v && v !== c.priority && onUpdate({ priority: v as ConversationOut['priority'] })}
            allowDeselect={false}
            data-testid="sidebar-priority"
          />
          <div>
            <Select
              label={t('conversation.sidebar.assignee')}
              data={agentOptions}
              value={c.assigneeId ?? NONE}
              onChange={(v) => toId(v) !== c.assigneeId && onUpdate({ assigneeId: toId(v) })}
              searchable
              allowDeselect={false}
              disabled={updating}
              data-testid="sidebar-assignee"
            />
            {c.assigneeId !== me.id && (
              <Button variant="subtle" size="compact-xs" mt={4} onClick={() => onUpdate({ assigneeId: me.id })} disabled={updating} data-testid="assign-to-me">
                {t('conversation.assignToMe')}
              </Button>
            )}
          </div>
          <Select
            label={t('conversation.sidebar.team')}
            data={teamOptions}
            value={c.teamId ?? NONE}
            onChange={(v) => toId(v) !== c.teamId && onUpdate({ teamId: toId(v) })}
            allowDeselect={false}
            data-testid="sidebar-team"
          />
          <Select
            label={t('conversation.sidebar.category')}
            data={categoryOptions}
            value={c.categoryId ?? NONE}
            onChange={(v) => toId(v) !== c.categoryId && onUpdate({ categoryId: toId(v) })}
            searchable
            allowDeselect={false}
            description={c.categoryId ? <SourceHint source={c.fieldSources?.category} testId="field-source-category" /> : undefined}
            data-testid="sidebar-category"
          />
          <Row
            label={t('triage.language')}
            value={t(`languages.${c.language}` as 'languages.en', { defaultValue: c.language })}
            source={c.fieldSources?.language}
            sourceKey="language"
          />
          <TagsInput
            label={t('conversation.sidebar.tags')}
            placeholder={c.tags.length ? undefined : t('conversation.sidebar.addTag')}
            value={c.tags}
            onChange={(tags) => {
              const clean = [...new Set(tags.map((x) => x.trim()).filter(Boolean))].slice(0, 30);
              if (clean.join('\u0000') !== c.tags.join('\u0000')) onUpdate({ tags: clean });
            }}
            maxTags={30}
            clearable
            splitChars={[',', ' ']}
            data-testid="sidebar-tags"
          />
        </Stack>
      </Section>

      <Section title={t('conversation.sidebar.contact')}>
        <Stack gap={6} data-testid="contact-card">
          {c.requesterVerified === false && (
            <Text size="xs" c="orange.8" data-testid="contact-unverified">
              <UnverifiedBadge conversation={c} size="xs" /> {t('conversation.unverifiedHint', { email: c.contact.unverifiedEmail ?? '' })}
            </Text>
          )}
          <Row label={t('conversation.sidebar.name')} value={ct?.name || c.contact.name} />
          <Row label={t('conversation.sidebar.email')} value={ct?.email ?? c.contact.email ?? c.contact.unverifiedEmail} copy />
          {ct?.phone && <Row label={t('conversation.sidebar.phone')} value={ct.phone} copy />}
          <Row label={t('conversation.sidebar.uid')} value={ct?.uid} copy mono />
          <Row label={t('conversation.sidebar.language')} value={ct ? t(`languages.${ct.language}` as 'languages.en', { defaultValue: ct.language }) : undefined} />
          {ct && ct.vipTier !== '0' && <Row label={t('conversation.sidebar.vipTier')} value={`VIP ${ct.vipTier}`} />}
          {ct && ct.identities.length > 0 && (
            <>
              <Divider my={4} />
              <Text size="xs" c="dimmed">
                {t('conversation.sidebar.identities')}
              </Text>
              {ct.identities.map((id) => (
                <Row key={`${id.channel}:${id.externalId}`} label={t(`channel.${id.channel}` as 'channel.email', { defaultValue: id.channel })} value={id.displayName || id.externalId} />
              ))}
            </>
          )}
        </Stack>
      </Section>

      <PastConversations conversation={c} />

      <Section title={t('conversation.sidebar.fields')}>
        {hasFields ? (
          <Stack gap={6} data-testid="ticket-fields">
            {KNOWN_FIELDS.map((key) => (
              <Row key={key} label={t(`conversation.sidebar.${key}`)} value={c.fields[key]} copy={Boolean(c.fields[key])} mono={key !== 'coin' && key !== 'network'} source={c.fieldSources?.[key]} sourceKey={key} />
            ))}
            {extraFieldKeys.map((key) => (
              <Row
                key={key}
                label={key === 'chain' || key === 'registeredEmail' ? t(`triage.${key}`) : key}
                value={c.fields[key]}
                copy={key === 'registeredEmail'}
                source={c.fieldSources?.[key]}
                sourceKey={key}
              />
            ))}
          </Stack>
        ) : (
          <Text size="sm" c="dimmed">
            {t('conversation.sidebar.noFields')}
          </Text>
        )}
      </Section>

      {(slaRows.length > 0 || c.firstResponseAt) && (
        <Section title={t('conversation.sidebar.sla')}>
          <Stack gap={6}>
            {c.firstResponseAt && (
              <Group justify="space-between" gap="xs">
                <Text size="sm" c="dimmed">
                  {t('conversation.sidebar.firstResponseAt')}
                </Text>
                <Text size="sm" title={absoluteTime(c.firstResponseAt, lang)}>
                  <RelativeTime iso={c.firstResponseAt} c="dark" />
                </Text>
              </Group>
            )}
            {slaRows.map((r) => {
              const overdue = Date.parse(r.at) < now;
              return (
                <Group key={r.label} justify="space-between" gap="xs" wrap="nowrap">
                  <Text size="sm" c="dimmed">
                    {r.label}
                  </Text>
                  <Group gap={4} wrap="nowrap">
                    {overdue && (
                      <Badge color="red" size="xs" variant="filled">
                        {t('conversation.sidebar.overdue')}
                      </Badge>
                    )}
                    <RelativeTime iso={r.at} c={overdue ? 'red' : 'dark'} />
                  </Group>
                </Group>
              );
            })}
          </Stack>
        </Section>
      )}
    </Stack>
  );
}

/** The customer's other conversations, newest first, on every channel. */
function PastConversations({ conversation: c }: { conversation: ConversationOut }) {
  const { t } = useTranslation();
  const past = useQuery({
    queryKey: ['conversations', 'contact', c.contactId],
    queryFn: () => api.get<Paged<ConversationOut>>('/conversations', { contactId: c.contactId, status: 'new,open,pending,on_hold,solved,closed', limit: 10 }),
    staleTime: 30_000,
  });
  const others = (past.data?.items ?? []).filter((x) => x.id !== c.id);
  return (
    <Section title={t('conversation.sidebar.past')}>
      {past.isPending ? (
        <Text size="sm" c="dimmed">
          {t('app.loading')}
        </Text>
      ) : past.isError ? (
        <Text size="sm" c="red">
          {past.error.message}
        </Text>
      ) : others.length === 0 ? (
        <Text size="sm" c="dimmed">
          {t('conversation.sidebar.noPast')}
        </Text>
      ) : (
        <Stack gap={8} data-testid="past-conversations">
          {others.map((x) => (
            <div key={x.id}>
              <Group justify="space-between" gap={6} wrap="nowrap">
                <Anchor component={Link} to={`/agent/conversations/${x.id}`} size="sm" truncate="end" style={{ minWidth: 0 }}>
                  #{x.number} {x.subject || t('inbox.noSubject')}
                </Anchor>
                <StatusBadge status={x.status} />
              </Group>
              <Group gap={6}>
                <Text size="xs" c="dimmed">
                  {t(`channel.${x.channel}`)}
                </Text>
                <RelativeTime iso={x.lastMessageAt} size="xs" />
              </Group>
            </div>
          ))}
        </Stack>
      )}
    </Section>
  );
}
