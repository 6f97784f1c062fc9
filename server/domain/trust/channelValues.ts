import type { OfficialChannelKind } from '../../../common/enums.ts';

/**
 * How official contact points are written down and recognised. Scammers pose as support with
 * look-alike domains (examp1e.com, exchange.com.support-desk.io), near-identical handles and
 * numbers; a customer pastes whatever reached them — a link, an address, "@name", a number.
 * Everything here is exact after normalising case, "www.", link forms and punctuation: a look-alike
 * never matches. Hosts are compared in their ASCII (punycode) form, so a homograph such as
 * "ехchange.com" in Cyrillic is a different host.
 */

export interface Canonical {
  /** What matching compares. */
  value: string;
  /** How customers see it. */
  label: string;
}

/** What a customer's text could be: each reading is compared with the official entries of its kind. */
export interface Reading {
  kind: OfficialChannelKind;
  value: string;
}

const HANDLE = /^[a-z0-9_.]{1,64}$/i;
const EMAIL = /^[^\s@<>()",;:]+@([^\s@<>()",;:]+\.[^\s@<>()",;:]+)$/;

/** Links to accounts on the social kinds: which hosts, and the path's first part is the handle. */
const PROFILE_HOSTS: Record<string, 'telegram' | 'x' | 'facebook'> = {
  't.me': 'telegram',
  'telegram.me': 'telegram',
  'telegram.dog': 'telegram',
  'x.com': 'x',
  'twitter.com': 'x',
  'mobile.twitter.com': 'x',
  'facebook.com': 'facebook',
  'm.facebook.com': 'facebook',
  'fb.com': 'facebook',
  'm.me': 'facebook',
};

/** The host of a URL or bare domain, lower-case ASCII without "www."; null when it is not one. */
export function hostOf(text: string): string | null {
  const trimmed = text.trim();
  if (!trimmed || /\s/.test(trimmed)) return null;
  let url: URL;
  try {
    url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed) ? trimmed : `https://${trimmed}`);
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  const host = url.hostname.replace(/\.$/, '').replace(/^www\./, '');
  // A host needs a dot and a plausible top-level part (letters or punycode), not an IP or "localhost".
  return /^[a-z0-9-]+(\.[a-z0-9-]+)*\.(xn--[a-z0-9-]+|[a-z]{2,63})$/.test(host) ? host : null;
}

/** A profile link (t.me/name, x.com/name …) as its kind and handle (and the handle as written). */
function profileLink(text: string): (Reading & { shown: string }) | null {
  const host = hostOf(text);
  const kind = host ? PROFILE_HOSTS[host] : undefined;
  if (!kind) return null;
  const url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(text.trim()) ? text.trim() : `https://${text.trim()}`);
  // facebook.com/profile.php?id=123 names the account by number.
  const id = kind === 'facebook' && url.pathname === '/profile.php' ? url.searchParams.get('id') : null;
  const handle = id ?? url.pathname.split('/').filter(Boolean)[0] ?? '';
  return HANDLE.test(handle) ? { kind, value: handle.toLowerCase(), shown: handle } : null;
}

const digitsOf = (text: string) => text.replace(/\D/g, '');
const looksLikePhone = (text: string) => /^[+(]?[0-9][0-9 ().-]{4,}$/.test(text.trim()) && digitsOf(text).length >= 5 && digitsOf(text).length <= 15;

/**
 * An official entry as an admin types it, made canonical for its kind; an Error with a message for
 * the admin when the text does not fit the kind.
 */
export function canonicalChannel(kind: OfficialChannelKind, raw: string): Canonical | Error {
  const text = raw.trim();
  switch (kind) {
    case 'website': {
      const host = hostOf(text);
      return host && !PROFILE_HOSTS[host] ? { value: host, label: host } : new Error('Give a domain such as exchange.com (a link works too)');
    }
    case 'email': {
      // "@exchange.com" stands for every address at that domain.
      const domain = /^\*?@([^\s@]+)$/.exec(text)?.[1];
      if (domain) {
        const host = hostOf(domain);
        return host ? { value: `@${host}`, label: `*@${host}` } : new Error('Give an address, or @domain for every address at a domain');
      }
      const address = text.replace(/^mailto:/i, '').toLowerCase();
      return EMAIL.test(address) && hostOf(EMAIL.exec(address)![1]!) ? { value: address, label: address } : new Error('Give an address, or @domain for every address at a domain');
    }
    case 'phone': {
      const digits = digitsOf(text);
      return looksLikePhone(text) ? { value: digits, label: text.replace(/\s+/g, ' ') } : new Error('Give a phone number with its country code, such as +65 6000 0000');
    }
    default: {
      const link = profileLink(text);
      if (link && link.kind !== kind) return new Error(`That is a ${link.kind === 'x' ? 'X' : link.kind} link`);
      // Keep the admin's capitals for display; match without them.
      const shown = link ? link.shown : text.replace(/^@/, '');
      if (!HANDLE.test(shown)) return new Error('Give the account as @handle or as a link to its profile');
      return { value: shown.toLowerCase(), label: kind === 'facebook' ? shown : `@${shown}` };
    }
  }
}

/** The ways a customer's text can be read; the first is what it most looks like. */
export function readingsOf(raw: string): Reading[] {
  const text = raw.trim().replace(/^["'<(]+|[">)'.,;]+$/g, '');
  const address = text.replace(/^mailto:/i, '').toLowerCase();
  const email = EMAIL.exec(address);
  if (email) {
    const host = hostOf(email[1]!);
    return host ? [{ kind: 'email', value: address }] : [];
  }
  const link = profileLink(text);
  if (link) return [{ kind: link.kind, value: link.value }];
  if (looksLikePhone(text)) return [{ kind: 'phone', value: digitsOf(text) }];
  const handle = /^@([a-z0-9_.]{1,64})$/i.exec(text)?.[1];
  if (handle) return (['telegram', 'x', 'facebook'] as const).map((kind) => ({ kind, value: handle.toLowerCase() }));
  const host = hostOf(text);
  if (host) return [{ kind: 'website', value: host }];
  // A bare word could be an account name anywhere.
  if (HANDLE.test(text)) return (['telegram', 'x', 'facebook'] as const).map((kind) => ({ kind, value: text.toLowerCase() }));
  return [];
}

/**
 * Whether an official entry covers a reading: the same canonical value, a subdomain of an
 * official website (help.exchange.com under exchange.com), or an address at an official email
 * domain ("@exchange.com") — never the other way round.
 */
export function covers(entry: Reading, reading: Reading): boolean {
  if (entry.kind !== reading.kind) return false;
  if (entry.value === reading.value) return true;
  if (entry.kind === 'website') return reading.value.endsWith(`.${entry.value}`);
  if (entry.kind === 'email' && entry.value.startsWith('@')) return reading.value.endsWith(entry.value);
  return false;
}
