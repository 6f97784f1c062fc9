import type { ChannelKind } from '../../common/enums.ts';
import { AppError } from '../errors.ts';
import { emailAdapter } from './email/adapter.ts';
import type { ChannelAdapter } from './types.ts';

/**
 * Channel kinds → their adapters, one typed map. Kinds without a provider to talk to (the web
 * chat, the web form, the API) have none: their messages reach the customer through our own pages.
 */
const ADAPTERS: Partial<Record<ChannelKind, ChannelAdapter>> = {
  email: emailAdapter,
};

/** Settings that hold credentials for kinds whose adapter is not written yet (DESIGN.md lists them). */
const SECRET_SETTINGS: Partial<Record<ChannelKind, string[]>> = {
  telegram: ['botToken', 'secretToken'],
  x: ['consumerSecret', 'accessToken', 'accessTokenSecret'],
  meta: ['appSecret', 'verifyToken', 'pageAccessToken'],
  phone: ['token', 'authToken'],
};

/** The adapter of a kind, or null for kinds we deliver to ourselves (webchat, webform, api). */
export function adapterOf(kind: ChannelKind): ChannelAdapter | null {
  return ADAPTERS[kind] ?? null;
}

/** The adapter of a kind that must have one (a webhook, a delivery); anything else is a clear error. */
export function requireAdapter(kind: ChannelKind): ChannelAdapter {
  const adapter = ADAPTERS[kind];
  if (!adapter) throw new AppError('validation_failed', `Channel kind ${kind} has no provider adapter`);
  return adapter;
}

/** Dotted settings paths that hold credentials for a kind. */
export function secretSettingsOf(kind: ChannelKind): string[] {
  return ADAPTERS[kind]?.secretSettings ?? SECRET_SETTINGS[kind] ?? [];
}
