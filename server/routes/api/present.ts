import type { EmailMeta } from '../../db/schema/messages.ts';
import { secretSettingsOf } from '../../channels/registry.ts';
import { maskSettings } from '../../domain/system/secretBox.ts';
import type { AgentWithLinks } from '../../domain/directory/agents.ts';
import type { TeamWithMembers } from '../../domain/directory/teams.ts';
import type { ContactWithIdentities } from '../../domain/contacts/contacts.ts';
import type { ConversationView } from '../../domain/conversations/conversationReader.ts';
import type { inboxes, apiTokens, categories, skills, attachments, events } from '../../db/schema.ts';
import type { MessageRow } from '../../domain/conversations/messageCreator.ts';

/** Database rows → API shapes. Only the fields named here ever leave the server. */

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);

export const presentAgent = (a: AgentWithLinks) => ({
  id: a.id,
  email: a.email,
  name: a.name,
  role: a.role,
  languages: a.languages,
  status: a.status,
  capacity: a.capacity,
  disabled: a.disabled,
  totpEnabled: a.totpEnabled,
  locale: a.locale,
  teamIds: a.teamIds,
  skillIds: a.skillIds,
  createdAt: a.createdAt.toISOString(),
});

export const presentTeam = (t: TeamWithMembers) => ({
  id: t.id,
  slug: t.slug,
  name: t.name,
  description: t.description,
  memberIds: t.memberIds,
  supervisorIds: t.supervisorIds,
  calendar: t.calendar ? { ...t.calendar, holidays: t.calendar.holidays ?? [] } : null,
  createdAt: t.createdAt.toISOString(),
});

export const presentSkill = (s: typeof skills.$inferSelect) => ({ id: s.id, slug: s.slug, name: s.name });

export const presentCategory = (c: typeof categories.$inferSelect) => ({
  id: c.id,
  slug: c.slug,
  name: c.name,
  teamId: c.teamId,
  skillId: c.skillId,
  urgent: c.urgent,
  position: c.position,
});

export const presentContact = (c: ContactWithIdentities) => ({
  id: c.id,
  name: c.name,
  email: c.email,
  phone: c.phone,
  uid: c.uid,
  language: c.language,
  vipTier: c.vipTier,
  identities: c.identities,
  createdAt: c.createdAt.toISOString(),
});

/** Settings carry channel credentials: only admins get them. */
export const presentInbox = (i: typeof inboxes.$inferSelect, withSettings: boolean) => ({
  id: i.id,
  kind: i.kind,
  name: i.name,
  enabled: i.enabled,
  // Credentials are write-only: the API says which are set, never what they are.
  ...(withSettings ? maskSettings(secretSettingsOf(i.kind), i.settings) : {}),
  ...(i.kind === 'email' ? { address: typeof i.settings?.address === 'string' ? i.settings.address : null } : {}),
  createdAt: i.createdAt.toISOString(),
});

export const presentConversation = (c: ConversationView) => ({
  id: c.id,
  number: c.number,
  inboxId: c.inboxId,
  channel: c.channel,
  contactId: c.contactId,
  contact: { id: c.contact.id, name: c.contact.name, email: c.contact.email, unverifiedEmail: c.contact.unverifiedEmail ?? null },
  requesterVerified: !c.contact.unverifiedEmail,
  mode: c.mode,
  status: c.status,
  priority: c.priority,
  categoryId: c.categoryId,
  teamId: c.teamId,
  assigneeId: c.assigneeId,
  language: c.language,
  subject: c.subject,
  fields: Object.fromEntries(Object.entries(c.fields).filter(([, v]) => typeof v === 'string')) as Record<string, string>,
  fieldSources: c.fieldSources ?? {},
  tags: c.tags,
  firstResponseDueAt: iso(c.firstResponseDueAt),
  nextResponseDueAt: iso(c.nextResponseDueAt),
  resolutionDueAt: iso(c.resolutionDueAt),
  firstResponseAt: iso(c.firstResponseAt),
  lastMessageAt: c.lastMessageAt.toISOString(),
  lastSeq: c.lastSeq,
  customerReadSeq: c.customerReadSeq ?? 0,
  agentReadSeq: c.agentReadSeq ?? 0,
  // Replying before accepting also takes the chat; an offer only stands while the chat is new.
  chatOfferedAt: c.status === 'new' ? iso(c.chatOfferedAt ?? null) : null,
  csat: c.csatScore ? { score: c.csatScore, comment: c.csatComment, ratedAt: c.csatAt!.toISOString() } : null,
  mergedIntoId: c.mergedIntoId,
  createdAt: c.createdAt.toISOString(),
  updatedAt: c.updatedAt.toISOString(),
});

export const presentMessage = (
  m: MessageRow & { authorName?: string | null; attachments?: (typeof attachments.$inferSelect)[] },
) => ({
  id: m.id,
  conversationId: m.conversationId,
  seq: m.seq,
  direction: m.direction,
  visibility: m.visibility,
  contentType: m.contentType,
  body: m.body,
  authorType: m.authorType,
  authorId: m.authorId,
  authorName: m.authorName ?? null,
  externalId: m.externalId,
  attachments: (m.attachments ?? []).map((f) => ({
    id: f.id,
    filename: f.filename,
    contentType: f.contentType,
    size: f.size,
    url: `/api/v1/attachments/${f.id}`,
    contentId: f.contentId ?? null,
    inline: f.inline ?? false,
  })),
  deliveryStatus: m.deliveryStatus ?? null,
  deliveryError: m.deliveryError ?? null,
  email: presentEmailMeta(m.meta?.email as EmailMeta | undefined),
  createdAt: m.createdAt.toISOString(),
});

/** The email part of a message's meta, as the timeline shows it. */
function presentEmailMeta(e: EmailMeta | undefined) {
  // A reply still queued holds only its recipients choice: its addresses exist once it is composed.
  if (!e?.messageId) return null;
  return {
    messageId: e.messageId,
    subject: e.subject ?? '',
    from: e.from,
    to: e.to ?? [],
    cc: e.cc ?? [],
    html: e.html ?? null,
    quoted: e.quoted ?? null,
    autoSubmitted: e.autoSubmitted ?? null,
    hasRaw: Boolean(e.deliveryId),
    recipients: e.recipients ?? null,
  };
}

export const presentEvent = (e: typeof events.$inferSelect & { actorName?: string | null }) => ({
  id: e.id,
  type: e.type,
  actorType: e.actorType,
  actorId: e.actorId,
  actorName: e.actorName ?? null,
  subjectType: e.subjectType,
  subjectId: e.subjectId,
  conversationId: e.conversationId,
  data: e.data,
  ip: e.ip,
  createdAt: e.createdAt.toISOString(),
});

export const presentToken = (t: typeof apiTokens.$inferSelect) => ({
  id: t.id,
  name: t.name,
  prefix: t.prefix,
  role: t.role,
  teamIds: t.teamIds,
  lastUsedAt: iso(t.lastUsedAt),
  revokedAt: iso(t.revokedAt),
  createdAt: t.createdAt.toISOString(),
});
