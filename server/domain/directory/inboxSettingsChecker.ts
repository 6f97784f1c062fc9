import { z } from 'zod';
import type { ChannelKind } from '../../../common/enums.ts';
import { AppError } from '../../errors.ts';

/** A credential field: a new value, or '' / null to clear it (left out: the stored one stays). */
const Secret = z.string().max(2000).nullable();

/**
 * What an email inbox's settings must hold (DESIGN.md "Inboxes"). Known keys are checked for their
 * types; keys this version does not know pass through untouched, so newer settings survive an edit.
 */
const EmailSettings = z.looseObject({
  /** The public address: what the SMTP listener accepts mail for and /verify recognises. */
  address: z
    .string({ error: 'an email address is required' })
    .trim()
    .toLowerCase()
    .pipe(z.email({ error: 'must be an email address such as support@example.com' }).max(254)),
  /** Name shown as the sender of replies. */
  fromName: z.string().trim().max(120).optional(),
  /** The inbox's own outbound transport (smtp:// or smtps:// URL with credentials); '' or null removes it. */
  smtpUrl: Secret.optional().refine((v) => !v || v.startsWith('enc:v1:') || /^smtps?:\/\/[^\s]+$/i.test(v), {
    error: 'must be an smtp:// or smtps:// URL',
  }),
  /** An existing mailbox to poll; null removes it. */
  imap: z
    .looseObject({
      host: z.string().trim().min(1, { error: 'a host is required' }).max(255),
      port: z.number({ error: 'must be a number' }).int().min(1).max(65535),
      secure: z.boolean().optional(),
      user: z.string().trim().max(320).optional(),
      password: Secret.optional(),
    })
    .nullable()
    .optional(),
  /** Appended to replies, in the conversation's language. */
  signature: z.strictObject({ en: z.string().max(5000).optional(), 'zh-CN': z.string().max(5000).optional() }).optional(),
});

const SCHEMAS: Partial<Record<ChannelKind, z.ZodType<Record<string, unknown>>>> = { email: EmailSettings };

/**
 * An inbox's settings checked for its kind and normalised (the email address lower-cased), or a
 * 400 naming the field. The message names the field and the rule, never the value: it may be a secret.
 */
export function inboxSettingsChecker(kind: ChannelKind, settings: Record<string, unknown>): Record<string, unknown> {
  const schema = SCHEMAS[kind];
  if (!schema) return settings;
  const parsed = schema.safeParse(settings);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const path = ['settings', ...issue.path.map(String)].join('.');
  throw new AppError('validation_failed', `${path}: ${issue.message}`, { issues: parsed.error.issues.map((i) => ({ path: ['settings', ...i.path.map(String)].join('.'), message: i.message })) });
}
