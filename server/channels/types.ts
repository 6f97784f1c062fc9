import type { ChannelKind } from '../../common/enums.ts';

/**
 * The channel adapter contract. An adapter is stateless and touches no table: it turns a
 * provider's input into normalised inbound messages and sends outbound ones, returning the
 * provider's id. Threading, contact matching, routing, SLA and notifications are decided once,
 * for every channel, by the domain (server/domain/channels/).
 */

/** A file that came with an inbound message (bytes in memory; the domain stores them as blobs). */
export interface InboundAttachment {
  /** Name the sender gave (display only; decoded from RFC 2231 / encoded words). */
  filename: string;
  /** Declared MIME type (never trusted: the blob store sniffs the bytes). */
  contentType: string;
  /** The bytes. */
  content: Buffer;
  /** Content-ID without angle brackets, for inline images referenced as `cid:` in the HTML. */
  contentId?: string;
  /** Shown in place in the body rather than listed as a file. */
  inline: boolean;
}

/** Who a message is from or copied to, as the channel names them. */
export interface InboundParty {
  /** Channel identity: an email address (lower-cased), a Telegram user id, a phone number … */
  externalId: string;
  /** Display name as given. */
  name?: string;
  /** Email address when the channel has one (always for email). */
  email?: string;
}

/** What a delivery-status notification says about one of our outgoing messages. */
export interface BounceReport {
  /** Message-ID (without brackets) of our message that failed, when the report names it. */
  originalMessageId?: string;
  /** The recipient that failed. */
  recipient?: string;
  /** RFC 3463 status (5.1.1 …) when given. */
  status?: string;
  /** Human-readable reason as the remote server gave it. */
  reason: string;
  /** A permanent failure (5.x.x) or only a delay/temporary one (4.x.x). */
  permanent: boolean;
}

/** How a channel tells us a message was sent by a machine. */
export type AutoSubmitted = false | 'auto_reply' | 'bounce' | 'list';

/** One normalised inbound message, as every channel's parse produces it. */
export interface InboundMessage {
  /** Provider id: the email Message-ID (without brackets), a Telegram update/message id … Re-deliveries carry the same. */
  externalId: string;
  /** The sender. */
  from: InboundParty;
  /** Addressed directly (email To). */
  to: InboundParty[];
  /** Copied (email Cc): joins the conversation as participants. */
  cc: InboundParty[];
  /** Subject line as sent (prefixes included), if the channel has one. */
  subject?: string;
  /** Plain text of the new content (the quoted earlier reply removed when it could be found). */
  text: string;
  /** The folded-away quoted earlier reply, kept for "show quoted text". */
  quoted?: string;
  /** Sanitised HTML of the whole body when the sender sent HTML; inline images stay `cid:` references. */
  html?: string;
  /** Files and inline images. */
  attachments: InboundAttachment[];
  /** Threading hints the channel gives. */
  thread: {
    /** Message-IDs this one answers (In-Reply-To), without brackets. */
    inReplyTo: string[];
    /** Message-IDs of the thread so far (References), without brackets. */
    references: string[];
    /** A ticket number quoted in the subject token `[#10234]`. */
    ticketNumber?: number;
    /** A provider's own thread or chat id (Telegram chat, X conversation …). */
    providerThreadId?: string;
  };
  /** Sent by a machine: an auto-reply, a bounce or list traffic; never answered. */
  autoSubmitted: AutoSubmitted;
  /** Set when this is a delivery-status notification about one of our messages. */
  bounce?: BounceReport;
  /** When the sender says it was sent. */
  sentAt?: Date;
  /** Selected headers kept for the record (Message-ID, Date, List-Id, Auto-Submitted …). */
  headers: Record<string, string>;
}

/** One message to send through a channel. */
export interface OutboundMessage {
  /** Our message id; also makes the provider call idempotent where the provider allows it. */
  messageId: string;
  /** The conversation it belongs to. */
  conversation: { id: string; number: number; subject: string; language: string };
  /** Recipients as the channel names them (email: the requester, and the CC'd participants for "reply all"). */
  to: InboundParty[];
  cc: InboundParty[];
  /** Plain text body as the agent wrote it. */
  text: string;
  /** Files. */
  attachments: { filename: string; contentType: string; content: Buffer }[];
  /** Email threading: our Message-ID for this message and what it answers. */
  thread: { externalId: string; inReplyTo?: string; references: string[] };
  /** Extras a channel needs (the inbox's signature, the customer's anti-phishing code …). */
  extras: { signature?: string; antiPhishingCode?: string; fromName?: string };
}

/** What a provider said to a send. */
export type SendResult =
  | { ok: true; providerId: string; at: Date }
  | { ok: false; reason: string; permanent: boolean };

/** The raw input of an inbound delivery, as received and stored before parsing. */
export type RawInbound =
  | { source: 'smtp' | 'imap'; raw: Buffer }
  | { source: 'webhook'; body: unknown; headers: Record<string, string | string[] | undefined> };

/** An inbox's decrypted settings, as adapters receive them. */
export type ChannelSettings = Record<string, unknown>;

/** Facts an adapter may need besides its settings. */
export interface AdapterEnv {
  publicUrl: string;
  /** SMTP_OUTBOUND_URL, the desk-wide transport when an inbox has none of its own. */
  smtpOutboundUrl?: string;
}

/** One channel kind's adapter. Every verb is optional: a channel implements what its provider has. */
export interface ChannelAdapter {
  kind: ChannelKind;
  /** Settings keys (dotted paths) that hold credentials: encrypted at rest, never returned. */
  secretSettings: string[];
  /** A webhook's signature check, from the raw body and headers. */
  verify?(input: { rawBody: Buffer; headers: Record<string, string | string[] | undefined>; url: string }, settings: ChannelSettings): boolean;
  /** Provider input → normalised messages (a webhook may carry several, an email one). */
  parse?(input: RawInbound, settings: ChannelSettings): Promise<InboundMessage[]>;
  /** Sends one message, returning the provider's id, or a failure with the provider's reason. */
  send?(message: OutboundMessage, settings: ChannelSettings, env: AdapterEnv): Promise<SendResult>;
  /** The admin's "test connection": can we reach and log in to the provider with these settings? */
  check?(settings: ChannelSettings, env: AdapterEnv): Promise<{ ok: boolean; message: string }>;
}
