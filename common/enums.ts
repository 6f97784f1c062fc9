/** Enumerations shared by the server, the API schemas and the web app. */

export const AGENT_ROLES = ['admin', 'supervisor', 'agent'] as const;
export type AgentRole = (typeof AGENT_ROLES)[number];

export const AGENT_STATUSES = ['online', 'away', 'offline'] as const;
export type AgentStatus = (typeof AGENT_STATUSES)[number];

export const TOKEN_ROLES = ['admin', 'agent'] as const;
export type TokenRole = (typeof TOKEN_ROLES)[number];

export const CHANNEL_KINDS = ['webchat', 'webform', 'email', 'telegram', 'x', 'meta', 'phone', 'api'] as const;
export type ChannelKind = (typeof CHANNEL_KINDS)[number];

/** What a customer can check on /verify: the kinds of official contact points a desk publishes. */
export const OFFICIAL_CHANNEL_KINDS = ['website', 'email', 'telegram', 'x', 'facebook', 'phone'] as const;
export type OfficialChannelKind = (typeof OFFICIAL_CHANNEL_KINDS)[number];

export const CONVERSATION_MODES = ['live', 'async'] as const;
export type ConversationMode = (typeof CONVERSATION_MODES)[number];

/** new → open → pending / on_hold → solved → closed; a customer reply reopens. */
export const CONVERSATION_STATUSES = ['new', 'open', 'pending', 'on_hold', 'solved', 'closed'] as const;
export type ConversationStatus = (typeof CONVERSATION_STATUSES)[number];

export const PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const;
export type Priority = (typeof PRIORITIES)[number];

export const DIRECTIONS = ['in', 'out'] as const;
export type Direction = (typeof DIRECTIONS)[number];

export const VISIBILITIES = ['public', 'private'] as const;
export type Visibility = (typeof VISIBILITIES)[number];

export const CONTENT_TYPES = ['text', 'call', 'event'] as const;
export type ContentType = (typeof CONTENT_TYPES)[number];

/** Where an outgoing message through a provider stands: queued, stored (no outbound transport: kept in the outbox), sent, failed. */
export const DELIVERY_STATUSES = ['queued', 'stored', 'sent', 'failed'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

export const LOCALES = ['en', 'zh-CN'] as const;
export type Locale = (typeof LOCALES)[number];

export const ACTOR_TYPES = ['agent', 'contact', 'token', 'system'] as const;
export type ActorType = (typeof ACTOR_TYPES)[number];
