// The full schema object drizzle needs for typed queries; tables live one area per file in schema/.
export * from './schema/agents.ts';
export * from './schema/contacts.ts';
export * from './schema/inboxes.ts';
export * from './schema/conversations.ts';
export * from './schema/messages.ts';
export * from './schema/events.ts';
export * from './schema/auth.ts';
export * from './schema/system.ts';
export * from './schema/notifications.ts';
export * from './schema/sla.ts';
export * from './schema/workspace.ts';
export * from './schema/helpcenter.ts';
export * from './schema/trust.ts';
export * from './schema/channels.ts';
