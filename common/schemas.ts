import { z } from 'zod';
import {
  DELIVERY_STATUSES,
  AGENT_ROLES,
  AGENT_STATUSES,
  CHANNEL_KINDS,
  CONTENT_TYPES,
  CONVERSATION_MODES,
  CONVERSATION_STATUSES,
  DIRECTIONS,
  LOCALES,
  OFFICIAL_CHANNEL_KINDS,
  PRIORITIES,
  TOKEN_ROLES,
  VISIBILITIES,
} from './enums.ts';
import { plainText } from './text.ts';

/**
 * The API's shapes, shared by the server (validation, OpenAPI) and the web app (types).
 * Dates travel as ISO strings.
 */

export const Id = z.uuid();

/**
 * The PATCH form of a create schema: every field optional and WITHOUT its default
 * (zod keeps defaults through .partial(), which would reset fields a PATCH did not name).
 */
export function patchOf<T extends z.ZodRawShape>(schema: z.ZodObject<T>) {
  const shape = Object.fromEntries(
    Object.entries(schema.shape).map(([key, field]) => [key, field instanceof z.ZodDefault ? (field.unwrap() as z.ZodType) : field]),
  ) as { [K in keyof T]: T[K] extends z.ZodDefault<infer Inner> ? Inner : T[K] };
  return z.object(shape).partial().strict();
}
const IsoDate = z.string().describe('ISO 8601 time');
const Names = z.record(z.string(), z.string()).describe('Display names by locale, e.g. {"en":"Trading","zh-CN":"交易"}');

export const ErrorBody = z
  .object({ error: z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() }) })
  .meta({ id: 'Error' });

export const AgentOut = z
  .object({
    id: Id,
    email: z.string(),
    name: z.string(),
    role: z.enum(AGENT_ROLES),
    languages: z.array(z.string()),
    status: z.enum(AGENT_STATUSES),
    capacity: z.number().int(),
    disabled: z.boolean(),
    totpEnabled: z.boolean(),
    locale: z.string(),
    teamIds: z.array(Id),
    skillIds: z.array(Id),
    createdAt: IsoDate,
  })
  .meta({ id: 'Agent' });
export type AgentOut = z.infer<typeof AgentOut>;

const Password = z.string().min(10, 'Use at least 10 characters').max(200);
const Email = z.email().max(254).transform((e) => e.toLowerCase());

export const AgentCreate = z.object({
  email: Email,
  name: z.string().trim().min(1).max(120),
  password: Password,
  role: z.enum(AGENT_ROLES).default('agent'),
  languages: z.array(z.string().min(2).max(10)).max(10).default(['en']),
  capacity: z.number().int().min(0).max(50).default(3),
  teamIds: z.array(Id).max(50).default([]),
  skillIds: z.array(Id).max(50).default([]),
  locale: z.enum(LOCALES).default('en'),
});
export type AgentCreate = z.input<typeof AgentCreate>;

export const AgentUpdate = z
  .object({
    name: z.string().trim().min(1).max(120),
    password: Password,
    role: z.enum(AGENT_ROLES),
    languages: z.array(z.string().min(2).max(10)).max(10),
    status: z.enum(AGENT_STATUSES),
    capacity: z.number().int().min(0).max(50),
    disabled: z.boolean(),
    teamIds: z.array(Id).max(50),
    skillIds: z.array(Id).max(50),
    locale: z.enum(LOCALES),
    /** Admin only: drop the agent's second factor (lost phone). */
    resetTotp: z.literal(true),
  })
  .partial()
  .strict();
export type AgentUpdate = z.input<typeof AgentUpdate>;

const HHMM = z.string().regex(/^([01]\d|2[0-4]):[0-5]\d$/, 'HH:MM');
export const BusinessCalendar = z
  .object({
    timezone: z.string().min(1).max(64).describe('IANA zone, e.g. Asia/Shanghai'),
    week: z.partialRecord(z.enum(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']), z.array(z.tuple([HHMM, HHMM])).max(6)),
    holidays: z.array(z.iso.date()).max(366).default([]),
  })
  .meta({ id: 'BusinessCalendar' });

export const TeamOut = z
  .object({ id: Id, slug: z.string(), name: Names, description: z.string(), memberIds: z.array(Id), supervisorIds: z.array(Id), calendar: BusinessCalendar.nullable(), createdAt: IsoDate })
  .meta({ id: 'Team' });
export type TeamOut = z.infer<typeof TeamOut>;

const Slug = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'lower-case letters, digits and dashes');

export const TeamCreate = z.object({
  slug: Slug,
  name: Names,
  description: z.string().max(2000).default(''),
  memberIds: z.array(Id).max(500).default([]),
  supervisorIds: z.array(Id).max(500).default([]),
  /** Business hours for SLA clocks; null = around the clock. */
  calendar: BusinessCalendar.nullable().default(null),
});
export const TeamUpdate = z
  .object({
    slug: Slug,
    name: Names,
    description: z.string().max(2000),
    memberIds: z.array(Id).max(500),
    supervisorIds: z.array(Id).max(500),
    calendar: BusinessCalendar.nullable(),
  })
  .partial()
  .strict();

export const SlaPolicyOut = z
  .object({
    id: Id,
    name: z.string(),
    priority: z.enum(PRIORITIES).nullable(),
    categoryId: Id.nullable(),
    firstResponseMinutes: z.number().int().nullable(),
    nextResponseMinutes: z.number().int().nullable(),
    resolutionMinutes: z.number().int().nullable(),
    businessHours: z.boolean(),
    position: z.number().int(),
    enabled: z.boolean(),
  })
  .meta({ id: 'SlaPolicy' });
const Minutes = z.number().int().min(1).max(60 * 24 * 365).nullable();
export const SlaPolicyCreate = z.object({
  name: z.string().trim().min(1).max(120),
  priority: z.enum(PRIORITIES).nullable().default(null),
  categoryId: Id.nullable().default(null),
  firstResponseMinutes: Minutes.default(null),
  nextResponseMinutes: Minutes.default(null),
  resolutionMinutes: Minutes.default(null),
  businessHours: z.boolean().default(true),
  position: z.number().int().min(0).max(10_000).default(0),
  enabled: z.boolean().default(true),
});
export const SlaPolicyUpdate = z
  .object({
    name: z.string().trim().min(1).max(120),
    priority: z.enum(PRIORITIES).nullable(),
    categoryId: Id.nullable(),
    firstResponseMinutes: Minutes,
    nextResponseMinutes: Minutes,
    resolutionMinutes: Minutes,
    businessHours: z.boolean(),
    position: z.number().int().min(0).max(10_000),
    enabled: z.boolean(),
  })
  .partial()
  .strict();

export const SkillOut = z.object({ id: Id, slug: z.string(), name: Names }).meta({ id: 'Skill' });
export const SkillCreate = z.object({ slug: Slug, name: Names });

export const CategoryOut = z
  .object({ id: Id, slug: z.string(), name: Names, teamId: Id.nullable(), skillId: Id.nullable(), urgent: z.boolean(), position: z.number().int() })
  .meta({ id: 'Category' });
export type CategoryOut = z.infer<typeof CategoryOut>;
export const CategoryCreate = z.object({
  slug: Slug,
  name: Names,
  teamId: Id.nullable().default(null),
  skillId: Id.nullable().default(null),
  urgent: z.boolean().default(false),
  position: z.number().int().min(0).max(10000).default(0),
});
export const CategoryUpdate = patchOf(CategoryCreate);

export const ContactOut = z
  .object({
    id: Id,
    name: z.string(),
    email: z.string().nullable(),
    phone: z.string().nullable(),
    uid: z.string().nullable(),
    language: z.string(),
    vipTier: z.string(),
    identities: z.array(z.object({ channel: z.string(), externalId: z.string(), displayName: z.string().nullable() })),
    createdAt: IsoDate,
  })
  .meta({ id: 'Contact' });
export type ContactOut = z.infer<typeof ContactOut>;

export const ContactCreate = z.object({
  name: plainText().trim().max(200).default(''),
  email: Email.optional(),
  phone: z.string().regex(/^\+?[0-9 ()-]{5,20}$/).optional(),
  /** The account id at the exchange; unique; empty clears it. */
  uid: z.string().trim().max(64).optional(),
  language: z.string().min(2).max(10).default('en'),
  vipTier: z.string().max(20).default('0'),
});
export const ContactUpdate = patchOf(ContactCreate);

export const InboxOut = z
  .object({
    id: Id,
    kind: z.enum(CHANNEL_KINDS),
    name: z.string(),
    enabled: z.boolean(),
    /** Admins only; credentials are never returned. */
    settings: z.record(z.string(), z.unknown()).optional(),
    /** Admins only: which credential settings are set (dotted paths, e.g. imap.password). */
    secretsSet: z.array(z.string()).optional(),
    /** Email inboxes: the public address (every staff member sees it: replies come from it, reply-all leaves it out). */
    address: z.string().nullable().optional(),
    createdAt: IsoDate,
  })
  .meta({ id: 'Inbox' });
export type InboxOut = z.infer<typeof InboxOut>;
export const InboxCreate = z.object({
  kind: z.enum(CHANNEL_KINDS),
  name: z.string().trim().min(1).max(120),
  enabled: z.boolean().default(true),
  settings: z.record(z.string(), z.unknown()).default({}),
});
export const InboxUpdate = patchOf(InboxCreate.omit({ kind: true }));

export const ConversationFields = z
  .object({
    uid: z.string().max(64),
    orderId: z.string().max(128),
    txHash: z.string().max(128),
    coin: z.string().max(20),
    network: z.string().max(40),
  })
  .partial()
  .catchall(z.string().max(500));

const Tags = z.array(z.string().trim().min(1).max(50)).max(30);

export const ConversationOut = z
  .object({
    id: Id,
    number: z.number().int(),
    inboxId: Id,
    channel: z.enum(CHANNEL_KINDS),
    contactId: Id,
    /** email: the verified address; unverifiedEmail: typed into an anonymous form and not confirmed yet (nothing with content is mailed to it). */
    contact: z.object({ id: Id, name: z.string(), email: z.string().nullable(), unverifiedEmail: z.string().nullable() }),
    /** False while the requester only claims an address: agents see "unverified sender". */
    requesterVerified: z.boolean(),
    mode: z.enum(CONVERSATION_MODES),
    status: z.enum(CONVERSATION_STATUSES),
    priority: z.enum(PRIORITIES),
    categoryId: Id.nullable(),
    teamId: Id.nullable(),
    assigneeId: Id.nullable(),
    language: z.string(),
    subject: z.string(),
    fields: z.record(z.string(), z.string()),
    /** Who filled each field: customer or agent typed it, or triage read it from the subject or body; also 'language' and 'category' when triage chose them. */
    fieldSources: z.record(z.string(), z.enum(['customer', 'agent', 'subject', 'body'])),
    tags: z.array(z.string()),
    firstResponseDueAt: IsoDate.nullable(),
    nextResponseDueAt: IsoDate.nullable(),
    resolutionDueAt: IsoDate.nullable(),
    firstResponseAt: IsoDate.nullable(),
    lastMessageAt: IsoDate,
    lastSeq: z.number().int(),
    /** Read receipts: the highest seq the customer / an agent has seen. */
    customerReadSeq: z.number().int(),
    agentReadSeq: z.number().int(),
    /** Live chat offered to the assignee, not accepted yet (null once accepted, or not a chat). */
    chatOfferedAt: IsoDate.nullable(),
    /** The customer's rating once solved. */
    csat: z.object({ score: z.number().int(), comment: z.string().nullable(), ratedAt: IsoDate }).nullable(),
    /** Set when merged into another conversation. */
    mergedIntoId: Id.nullable(),
    createdAt: IsoDate,
    updatedAt: IsoDate,
  })
  .meta({ id: 'Conversation' });
export type ConversationOut = z.infer<typeof ConversationOut>;

export const ConversationCreate = z.object({
  /** Defaults to the API inbox. */
  inboxId: Id.optional(),
  /** An existing contact … */
  contactId: Id.optional(),
  /** … or one found or created by email. Customers creating their own ticket give neither. */
  contact: z.object({ email: Email, name: plainText().trim().max(200).default('') }).optional(),
  subject: plainText().trim().min(1).max(300),
  body: z.string().trim().min(1).max(50_000),
  mode: z.enum(CONVERSATION_MODES).default('async'),
  priority: z.enum(PRIORITIES).optional(),
  categoryId: Id.optional(),
  teamId: Id.optional(),
  /** The customer's language; left out, it is detected from the subject and body (en, zh-CN). */
  language: z.string().min(2).max(10).optional(),
  fields: ConversationFields.default({}),
  tags: Tags.default([]),
  /** Makes a retried create return the first result instead of a duplicate. */
  idempotencyKey: z.string().min(8).max(100).optional(),
});
export type ConversationCreate = z.input<typeof ConversationCreate>;

export const ConversationUpdate = z
  .object({
    status: z.enum(CONVERSATION_STATUSES),
    priority: z.enum(PRIORITIES),
    assigneeId: Id.nullable(),
    teamId: Id.nullable(),
    categoryId: Id.nullable(),
    subject: plainText().trim().min(1).max(300),
    language: z.string().min(2).max(10),
    fields: ConversationFields,
    tags: Tags,
  })
  .partial()
  .strict();
export type ConversationUpdate = z.input<typeof ConversationUpdate>;

export const ConversationListQuery = z.object({
  /** mine, unassigned, all, or my teams. */
  view: z.enum(['mine', 'unassigned', 'teams', 'all']).optional(),
  status: z
    .string()
    // Documents the form (comma-separated statuses) for generated clients; the pipe below checks each.
    .regex(new RegExp(`^(?:${CONVERSATION_STATUSES.join('|')})?(?:,(?:${CONVERSATION_STATUSES.join('|')})?)*$`))
    .transform((s) => s.split(',').filter(Boolean))
    .pipe(z.array(z.enum(CONVERSATION_STATUSES)))
    .optional(),
  priority: z.enum(PRIORITIES).optional(),
  assigneeId: Id.optional(),
  teamId: Id.optional(),
  categoryId: Id.optional(),
  inboxId: Id.optional(),
  contactId: Id.optional(),
  channel: z.enum(CHANNEL_KINDS).optional(),
  mode: z.enum(CONVERSATION_MODES).optional(),
  tag: z.string().max(50).optional(),
  /** breached: a due time has passed; due_soon: one falls within the next hour. */
  sla: z.enum(['breached', 'due_soon']).optional(),
  /** Ticket number (with or without #), subject words, or customer email. */
  q: z.string().trim().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  /** Opaque cursor from a previous page. */
  cursor: z.string().max(200).optional(),
});
export type ConversationListQuery = z.input<typeof ConversationListQuery>;

/** An email address with its display name. */
const EmailParty = z.object({ email: z.string(), name: z.string().optional() });

export const MessageOut = z
  .object({
    id: Id,
    conversationId: Id,
    seq: z.number().int(),
    direction: z.enum(DIRECTIONS),
    visibility: z.enum(VISIBILITIES),
    contentType: z.enum(CONTENT_TYPES),
    body: z.string(),
    authorType: z.string(),
    authorId: Id.nullable(),
    authorName: z.string().nullable(),
    externalId: z.string().nullable(),
    attachments: z.array(
      z.object({
        id: Id,
        filename: z.string(),
        contentType: z.string(),
        size: z.number().int(),
        url: z.string(),
        /** An email's Content-ID: the HTML body shows this image in place of `cid:<contentId>`. */
        contentId: z.string().nullable(),
        /** Shown in place in the body rather than listed as a file. */
        inline: z.boolean(),
      }),
    ),
    /** Outbound through a provider (email …): queued, stored (no outbound transport), sent or failed; null otherwise. */
    deliveryStatus: z.enum(DELIVERY_STATUSES).nullable(),
    /** The provider's reason for a failure. */
    deliveryError: z.string().nullable(),
    /** Email messages: addresses, subject, the sanitised HTML and the folded quoted reply. */
    email: z
      .object({
        messageId: z.string(),
        subject: z.string(),
        from: EmailParty,
        to: z.array(EmailParty),
        cc: z.array(EmailParty),
        html: z.string().nullable(),
        quoted: z.string().nullable(),
        autoSubmitted: z.string().nullable(),
        /** Staff can download the original message (GET /conversations/{id}/messages/{messageId}/raw). */
        hasRaw: z.boolean(),
        recipients: z.enum(['all', 'requester']).nullable(),
      })
      .nullable(),
    createdAt: IsoDate,
  })
  .meta({ id: 'Message' });
export type MessageOut = z.infer<typeof MessageOut>;

export const MessageCreate = z
  .object({
    body: z.string().trim().max(50_000).default(''),
    /** Files uploaded first with POST /conversations/:id/attachments. */
    attachmentIds: z.array(Id).max(10).default([]),
    /** A client-chosen key: sending the same key twice stores one message. */
    idempotencyKey: z.string().min(8).max(100).optional(),
    /** Email replies: to every participant (all, the default) or to the requester only; other channels ignore it. */
    recipients: z.enum(['all', 'requester']).optional(),
  })
  .refine((m) => m.body.length > 0 || m.attachmentIds.length > 0, { message: 'Write something or attach a file', path: ['body'] });

export const AttachmentOut = z
  .object({ id: Id, filename: z.string(), contentType: z.string(), size: z.number().int(), url: z.string() })
  .meta({ id: 'Attachment' });
export type AttachmentOut = z.infer<typeof AttachmentOut>;

export const MessageListQuery = z.object({
  /** Only messages after this seq (catch-up after a reconnect). */
  afterSeq: z.coerce.number().int().min(0).max(2_147_483_647).default(0),
  limit: z.coerce.number().int().min(1).max(500).default(200),
});

export const EventOut = z
  .object({
    id: z.number().int(),
    type: z.string(),
    actorType: z.string(),
    actorId: z.string().nullable(),
    actorName: z.string().nullable(),
    subjectType: z.string(),
    subjectId: z.string(),
    conversationId: z.string().nullable(),
    data: z.record(z.string(), z.unknown()),
    ip: z.string().nullable().optional(),
    createdAt: IsoDate,
  })
  .meta({ id: 'Event' });
export type EventOut = z.infer<typeof EventOut>;

export const TokenOut = z
  .object({
    id: Id,
    name: z.string(),
    prefix: z.string(),
    role: z.enum(TOKEN_ROLES),
    /** Role agent: the teams it sees, like an agent's memberships (plus conversations without a team). */
    teamIds: z.array(Id),
    lastUsedAt: IsoDate.nullable(),
    revokedAt: IsoDate.nullable(),
    createdAt: IsoDate,
  })
  .meta({ id: 'ApiToken' });
export const TokenCreate = z.object({
  name: z.string().trim().min(1).max(120),
  /** admin: every conversation and setting; agent: what an agent of `teamIds` sees. */
  role: z.enum(TOKEN_ROLES).default('agent').describe('admin sees everything; agent sees what an agent of teamIds sees (their conversations and those without a team)'),
  /** Role agent only: the teams the token works for. */
  teamIds: z.array(Id).max(50).default([]).describe('Role agent only: the teams whose conversations (and private notes) the token sees'),
});

export const LoginBody = z.object({
  email: z.string().trim().toLowerCase().min(3).max(254),
  password: z.string().min(1).max(200),
  /** Six-digit code from the authenticator app, when two-factor is on. */
  totp: z.string().regex(/^\d{6}$/).optional(),
});

export const Me = z
  .object({
    type: z.enum(['agent', 'contact']),
    id: Id,
    name: z.string(),
    email: z.string().nullable(),
    role: z.enum(AGENT_ROLES).nullable(),
    locale: z.string(),
    teamIds: z.array(Id),
    totpEnabled: z.boolean(),
    /** Agents: online / away / offline — only online agents are offered chats (null for customers). */
    status: z.enum(['online', 'away', 'offline']).nullable().optional(),
    /** The desk requires two-factor and this agent has not enrolled yet: only enrolment is allowed. */
    mustEnrollTotp: z.boolean(),
    /** Customers: the code shown in every email we send them (null: not set). */
    antiPhishingCode: z.string().nullable().optional(),
    /** Customers: a password is set (false: signed in by email code only; a first password needs no current one). */
    hasPassword: z.boolean().optional(),
    csrfToken: z.string(),
  })
  .meta({ id: 'Me' });
export type Me = z.infer<typeof Me>;

/** GET /chats/live: waiting and offered chats, active chats, every agent's status and load. */
export const LiveQueueOut = z
  .object({
    waiting: z.array(
      z.object({
        id: Id,
        number: z.number().int(),
        subject: z.string(),
        language: z.string(),
        categoryId: Id.nullable(),
        teamId: Id.nullable(),
        priority: z.string(),
        urgent: z.boolean(),
        vipTier: z.number().int(),
        waitingSeconds: z.number().int(),
        position: z.number().int().nullable(),
        contactName: z.string(),
        offeredTo: Id.nullable(),
        offeredAt: z.string().nullable(),
        offerSecondsLeft: z.number().int().nullable(),
      }),
    ),
    active: z.array(
      z.object({ id: Id, number: z.number().int(), subject: z.string(), contactName: z.string(), assigneeId: Id.nullable(), status: z.string(), startedAt: z.string(), lastMessageAt: z.string() }),
    ),
    agents: z.array(
      z.object({ id: Id, name: z.string(), status: z.enum(AGENT_STATUSES), capacity: z.number().int(), activeChats: z.number().int(), languages: z.array(z.string()), teamIds: z.array(Id) }),
    ),
    averageHandlingSeconds: z.number().int(),
    /** Seconds an agent has to accept an offer before it goes to someone else. */
    acceptSeconds: z.number().int(),
  })
  .meta({ id: 'LiveQueue' });
export type LiveQueueOut = z.infer<typeof LiveQueueOut>;

/**
 * An origin allowed to frame the chat widget: scheme, host (optionally `*.` for its subdomains) and
 * port, nothing else. It goes into a Content-Security-Policy header, so nothing but these
 * characters may pass (a space or `;` would add a directive).
 */
export const WidgetOrigin = z
  .string()
  .trim()
  .toLowerCase()
  .overwrite((v) => v.replace(/\/+$/, ''))
  .regex(/^https?:\/\/(\*\.)?[a-z0-9-]+(\.[a-z0-9-]+)*(:\d{1,5})?$/, 'an origin such as https://shop.example or https://*.example.com (no path)');

export const SettingsOut = z
  .object({
    requireTotp: z.boolean(),
    autoCloseDays: z.number().int(),
    chatOverflowMinutes: z.number().int(),
    chatFallbackTeamId: Id.nullable(),
    chatManualTeamIds: z.array(Id),
    chatAcceptSeconds: z.number().int(),
    chatAbandonSeconds: z.number().int(),
    widgetAllowedOrigins: z.array(z.string()),
    emailClosedReply: z.enum(['reopen', 'followup']),
  })
  .meta({ id: 'Settings' });
export const SettingsUpdate = z
  .object({
    requireTotp: z.boolean(),
    autoCloseDays: z.number().int().min(1).max(90),
    chatOverflowMinutes: z.number().int().min(1).max(240),
    chatFallbackTeamId: Id.nullable(),
    chatManualTeamIds: z.array(Id).max(50),
    /** An offered chat not accepted in this time goes to someone else (and the agent is set away). */
    chatAcceptSeconds: z.number().int().min(10).max(600),
    /** A chat whose customer has been gone this long becomes a ticket. */
    chatAbandonSeconds: z.number().int().min(30).max(3600),
    /** Sites whose pages may embed the chat widget (https://shop.example, https://*.example.com); empty: any site. */
    widgetAllowedOrigins: z.array(WidgetOrigin).max(50),
    /** A mail answering a closed ticket reopens it (reopen) or opens a follow-up ticket linking it (followup). */
    emailClosedReply: z.enum(['reopen', 'followup']),
  })
  .partial()
  .strict();

export const RatingCreate = z.object({ score: z.number().int().min(1).max(5), comment: z.string().trim().max(2000).optional() });

export const CannedReplyOut = z.object({ id: Id, title: z.string(), shortcut: z.string(), body: z.string() }).meta({ id: 'CannedReply' });
export const CannedReplyCreate = z.object({
  title: plainText().trim().min(1).max(120),
  shortcut: z.string().trim().regex(/^[\p{L}\p{N}_-]{0,30}$/u, 'letters, digits, _ and -').default(''),
  body: plainText().trim().min(1).max(10_000),
});
export const CannedReplyUpdate = patchOf(CannedReplyCreate);

export const MacroActions = z
  .object({
    status: z.enum(CONVERSATION_STATUSES),
    priority: z.enum(PRIORITIES),
    addTags: Tags,
    removeTags: Tags,
    assignToMe: z.boolean(),
  })
  .partial()
  .strict();
export const MacroOut = z
  .object({ id: Id, name: z.string(), reply: z.string(), replyVisibility: z.enum(VISIBILITIES), actions: MacroActions })
  .meta({ id: 'Macro' });
export const MacroCreate = z.object({
  name: plainText().trim().min(1).max(120),
  reply: plainText().trim().max(10_000).default(''),
  replyVisibility: z.enum(VISIBILITIES).default('public'),
  actions: MacroActions.default({}),
});
export const MacroUpdate = z
  .object({ name: plainText().trim().min(1).max(120), reply: plainText().trim().max(10_000), replyVisibility: z.enum(VISIBILITIES), actions: MacroActions })
  .partial()
  .strict();

export const SavedViewOut = z.object({ id: Id, name: z.string(), query: z.record(z.string(), z.string()), shared: z.boolean(), mine: z.boolean() }).meta({ id: 'SavedView' });
export const SavedViewCreate = z.object({
  name: z.string().trim().min(1).max(80),
  query: z.record(z.string().max(30), z.string().max(200)).refine((q) => Object.keys(q).length <= 20, 'too many filters'),
  shared: z.boolean().default(false),
});

export const BulkUpdate = z.object({ ids: z.array(Id).min(1).max(200), patch: ConversationUpdate });

export const Page = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item), nextCursor: z.string().nullable() });

/** An official contact point of the desk (a website, an address, an account, a number), as /verify checks it. */
export const OfficialChannelOut = z
  .object({
    id: Id,
    kind: z.enum(OFFICIAL_CHANNEL_KINDS),
    /** Canonical form used for matching: a host, a lower-case address (or "@domain" for a whole domain), a handle, digits. */
    value: z.string(),
    /** As shown to customers. */
    label: z.string(),
    /** What it is for ("Support bot", "Withdrawal alerts"). */
    note: z.string(),
    /** Inactive ones are kept for the record and answer "no longer ours". */
    active: z.boolean(),
    createdAt: IsoDate,
  })
  .meta({ id: 'OfficialChannel' });
export type OfficialChannelOut = z.infer<typeof OfficialChannelOut>;
export const OfficialChannelCreate = z.object({
  kind: z.enum(OFFICIAL_CHANNEL_KINDS),
  /** As typed: a URL or domain, an address, @handle or a profile link, a phone number. */
  value: z.string().trim().min(1).max(200),
  note: z.string().trim().max(200).default(''),
  active: z.boolean().default(true),
});
export const OfficialChannelUpdate = patchOf(OfficialChannelCreate);

export const VerifyQuery = z.object({ q: z.string().trim().min(1, 'Type what you want to check').max(300) });
/** The answer of /verify: whether what the customer typed is one of ours. */
export const VerifyOut = z
  .object({
    query: z.string(),
    /** What the text was read as. */
    readAs: z.enum([...OFFICIAL_CHANNEL_KINDS, 'handle', 'unknown']),
    official: z.boolean(),
    /** It was ours once (an inactive entry): treat it as not ours. */
    retired: z.boolean(),
    matches: z.array(z.object({ kind: z.enum(OFFICIAL_CHANNEL_KINDS), label: z.string(), note: z.string() })),
  })
  .meta({ id: 'VerifyResult' });
export type VerifyOut = z.infer<typeof VerifyOut>;

export const VerifyLookupQuery = z.object({ days: z.coerce.number().int().min(1).max(365).default(30) });
/** What customers checked on /verify lately: how many, and what came up that is not ours. */
export const VerifyLookupReport = z
  .object({
    days: z.number(),
    checks: z.number(),
    official: z.number(),
    /** Not ours (retired included), most asked first: what the security team reports. */
    notOurs: z.array(z.object({ kind: z.string(), value: z.string(), count: z.number(), retired: z.boolean(), lastAt: IsoDate })),
  })
  .meta({ id: 'VerifyLookupReport' });
export type VerifyLookupReport = z.infer<typeof VerifyLookupReport>;

/** Someone copied on a conversation (email Cc): reply-all includes them; they may continue the thread. */
export const ParticipantOut = z
  .object({ email: z.string(), name: z.string(), role: z.enum(['cc']), createdAt: IsoDate })
  .meta({ id: 'Participant' });
