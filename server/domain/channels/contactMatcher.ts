import type { ChannelKind } from '../../../common/enums.ts';
import { q, rawRows } from '../../db/raw.ts';
import type { InboundParty } from '../../channels/types.ts';
import { type Ctx, recordEvent } from '../context.ts';

/**
 * The contact a channel's sender already is: by their identity on the channel (email address,
 * Telegram user id …), else by their email address (the identity is then added). Null: unknown.
 */
export async function contactFinder(ctx: Ctx, channel: ChannelKind, party: InboundParty): Promise<string | null> {
  const [identity] = await rawRows<{ contact_id: string }>(
    ctx.db,
    q`select contact_id from contact_identities where channel = ${channel}::text and external_id = ${party.externalId}::text limit 1`,
  );
  if (identity) return identity.contact_id;
  if (!party.email) return null;
  const [byEmail] = await rawRows<{ id: string }>(ctx.db, q`select id from contacts where email = ${party.email.toLowerCase()}::text limit 1`);
  if (!byEmail) return null;
  await rawRows(ctx.db, q`insert into contact_identities (contact_id, channel, external_id, display_name) values (${byEmail.id}::uuid, ${channel}::text, ${party.externalId}::text, ${party.name ?? null}::text) on conflict do nothing`);
  return byEmail.id;
}

/**
 * The sender's contact, found (see contactFinder; `looked` says the caller already did, and found
 * none) or created with their address, name, language and identity in one statement. Two messages
 * from a new sender at once make one contact (the upsert waits for the other).
 */
export async function contactMatcher(ctx: Ctx, channel: ChannelKind, party: InboundParty, options: { looked?: boolean; language?: string } = {}): Promise<string> {
  const found = options.looked ? null : await contactFinder(ctx, channel, party);
  if (found) return found;
  const email = party.email?.toLowerCase() ?? null;
  const name = (party.name ?? '').trim().slice(0, 200) || (email ? email.split('@')[0]! : party.externalId);
  const language = options.language ?? 'en';
  const insert = email
    ? q`insert into contacts (email, name, language) values (${email}::text, ${name}::text, ${language}::text)
        on conflict (email) where email is not null do update set email = excluded.email
        returning id, (xmax = 0) as inserted`
    : q`insert into contacts (name, language) values (${name}::text, ${language}::text) returning id, true as inserted`;
  const [created] = await rawRows<{ id: string; inserted: boolean }>(
    ctx.db,
    q`with created as (${insert}),
      identity as (
        insert into contact_identities (contact_id, channel, external_id, display_name)
        select id, ${channel}::text, ${party.externalId}::text, ${party.name ?? null}::text from created
        on conflict do nothing)
      select id, inserted from created`,
  );
  if (created!.inserted) await recordEvent(ctx, { type: 'contacts.create', subjectType: 'contact', subjectId: created!.id, data: { via: channel, ...(email ? { email } : {}) } });
  // Without an email, a concurrent twin may have taken the identity first: that contact is the one.
  return email ? created!.id : ((await contactFinder(ctx, channel, party)) ?? created!.id);
}
