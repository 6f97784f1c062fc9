import type { InboundMessage } from '../../channels/types.ts';
import { q, rawRows } from '../../db/raw.ts';
import type { Ctx } from '../context.ts';
import { conversationLoader, type ConversationView } from '../conversations/conversationReader.ts';
import { isParticipant } from './participants.ts';
import { ourHosts } from './ownAddresses.ts';

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
/** `<conversation-<id>@host>`: the thread root of every notification mail (customerNotifier.threadHeaders). */
const CONVERSATION_ROOT = new RegExp(`^conversation-(${UUID})@(.+)$`, 'i');
/** `<outbox-id@host>`: the Message-ID of one notification mail (jobs/emailDelivery.ts). */
const OUTBOX_ID = new RegExp(`^(${UUID})@(.+)$`, 'i');
/** References beyond this many are not looked at (a thread that long has its answer in In-Reply-To). */
const MAX_IDS = 50;

export interface Thread {
  conversation: ConversationView;
  /** How it was found: by a Message-ID we stored or sent, or by the ticket number in the subject. */
  via: 'message_id' | 'ticket_number';
}

/**
 * The conversation an inbound message continues, if any, for every channel:
 * 1. the ids it answers (In-Reply-To, then References from the newest) against every message id we
 *    stored or sent (any inbox), the thread roots and Message-IDs of our notification mail;
 * 2. else the ticket number it quotes (`[#10234]`), but only from someone on that ticket — its
 *    contact or a participant — so a stranger quoting a number opens a ticket of their own.
 * A merged conversation continues where it was merged into.
 */
export async function threadFinder(ctx: Ctx, message: InboundMessage, sender: { contactId: string | null; email?: string }): Promise<Thread | null> {
  const ids = [...new Set([...message.thread.inReplyTo, ...[...message.thread.references].reverse()])].filter(Boolean).slice(0, MAX_IDS);
  if (ids.length) {
    const byId = new Map<string, string>();
    const stored = await rawRows<{ external_id: string; conversation_id: string }>(
      ctx.db,
      q`select external_id, conversation_id from messages where external_id = any(array(select jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb)))`,
    );
    for (const row of stored) byId.set(row.external_id, row.conversation_id);
    const hosts = await ourHosts(ctx);
    const outboxIds: string[] = [];
    for (const id of ids) {
      if (byId.has(id)) continue;
      const root = CONVERSATION_ROOT.exec(id);
      if (root && hosts.has(root[2]!.toLowerCase())) byId.set(id, root[1]!.toLowerCase());
      const outbox = OUTBOX_ID.exec(id);
      if (outbox && hosts.has(outbox[2]!.toLowerCase())) outboxIds.push(outbox[1]!.toLowerCase());
    }
    if (outboxIds.length) {
      const mails = await rawRows<{ id: string; conversation_id: string }>(
        ctx.db,
        q`select id::text as id, conversation_id from outbox_emails where id = any(array(select jsonb_array_elements_text(${JSON.stringify(outboxIds)}::jsonb)::uuid)) and conversation_id is not null`,
      );
      for (const mail of mails) {
        const id = ids.find((i) => i.toLowerCase().startsWith(`${mail.id}@`));
        if (id) byId.set(id, mail.conversation_id);
      }
    }
    for (const id of ids) {
      const conversationId = byId.get(id);
      if (!conversationId) continue;
      const conversation = await mergedTarget(ctx, conversationId);
      if (conversation) return { conversation, via: 'message_id' };
    }
  }

  const number = message.thread.ticketNumber;
  if (number && Number.isSafeInteger(number) && number > 0) {
    const [row] = await rawRows<{ id: string }>(ctx.db, q`select id from conversations where number = ${number}::bigint`);
    if (!row) return null;
    const quoted = await conversationLoader(ctx.db, row.id);
    if (!quoted) return null;
    const onIt = (sender.contactId !== null && quoted.contactId === sender.contactId) || (sender.email ? await isParticipant(ctx, quoted.id, sender.email) : false);
    if (!onIt) return null;
    const conversation = await mergedTarget(ctx, quoted.id);
    if (conversation) return { conversation, via: 'ticket_number' };
  }
  return null;
}

/** A conversation, or the one it was merged into (following a chain of merges). */
async function mergedTarget(ctx: Ctx, id: string): Promise<ConversationView | null> {
  let conversation = await conversationLoader(ctx.db, id);
  for (let hops = 0; conversation?.mergedIntoId && hops < 10; hops++) conversation = await conversationLoader(ctx.db, conversation.mergedIntoId);
  return conversation;
}
