/** Types the web app derives from the shared API schemas (the schemas themselves stay out of the bundle). */
import type { z } from 'zod';
import type {
  CannedReplyOut,
  LiveQueueOut,
  MacroOut,
  OfficialChannelCreate,
  OfficialChannelUpdate,
  SavedViewOut,
  SettingsOut,
  TeamCreate,
  TokenOut as TokenOutSchema,
} from '../../../common/schemas.ts';

export type TokenOut = z.infer<typeof TokenOutSchema>;
export type CreatedToken = TokenOut & { token: string };
export type SettingsOut = z.infer<typeof SettingsOut>;
export type TeamCreate = z.input<typeof TeamCreate>;
export type OfficialChannelCreate = z.input<typeof OfficialChannelCreate>;
export type OfficialChannelUpdate = z.input<typeof OfficialChannelUpdate>;

/** A list endpoint's answer. */
export interface Items<T> {
  items: T[];
}
/** A paged list endpoint's answer. */
export interface Paged<T> {
  items: T[];
  nextCursor: string | null;
}

export type CannedReply = z.infer<typeof CannedReplyOut>;
export type Macro = z.infer<typeof MacroOut>;
export type SavedView = z.infer<typeof SavedViewOut>;

/** An agent's notification (GET /notifications). */
export interface AgentNotification {
  id: string;
  type: 'assigned' | 'mentioned' | 'sla_breach' | 'chat_missed' | 'login_locked';
  conversationId: string | null;
  data: { number?: number; subject?: string; excerpt?: string; kind?: string; [key: string]: unknown };
  readAt: string | null;
  createdAt: string;
}

/** Open work per built-in view (GET /conversations/counts). */
export interface ViewCounts {
  mine: number;
  unassigned: number;
  teams: number;
  all: number;
}

/** POST /conversations/bulk. */
export interface BulkResult {
  updated: string[];
  failed: { id: string; error: { code: string; message: string } }[];
}

/** GET /chats/live. */
export type LiveQueue = z.infer<typeof LiveQueueOut>;
