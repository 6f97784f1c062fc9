import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { z } from 'zod';

/** Names @fastify/proxy-addr expands into address ranges. */
const PROXY_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/** One trusted proxy: an address, a CIDR (10.0.0.0/8, fd00::/8), an address/netmask, or a range name. */
function isProxyAddress(entry: string): boolean {
  if (PROXY_NAMES.has(entry)) return true;
  const [address = '', mask, ...rest] = entry.split('/');
  const family = isIP(address);
  if (!family || rest.length) return false;
  if (mask === undefined) return true;
  if (/^\d{1,3}$/.test(mask)) return Number(mask) <= (family === 4 ? 32 : 128);
  return family === 4 && isIP(mask) === 4;
}

/**
 * TRUST_PROXY: which proxies may tell us the client's address in X-Forwarded-For. Unset (or 0)
 * trusts none — anyone can write that header, so trusting it by default lets a caller pick the
 * address rate limits, lockouts and the audit log see. A hop count trusts that many proxies in
 * front of us on private or loopback addresses (see routes/proxyTrust.ts); a comma-separated list
 * trusts exactly those addresses or ranges.
 */
const TrustProxy = z
  .string()
  .trim()
  .transform((value, ctx): number | string[] | undefined => {
    if (/^\d+$/.test(value)) {
      const hops = Number(value);
      if (hops > 10) ctx.addIssue({ code: 'custom', message: 'a hop count is at most 10' });
      return hops === 0 ? undefined : hops;
    }
    const entries = value.split(',').map((e) => e.trim()).filter(Boolean);
    const bad = entries.filter((e) => !isProxyAddress(e));
    if (!entries.length || bad.length) {
      ctx.addIssue({ code: 'custom', message: `expected a hop count (e.g. 1) or a comma-separated list of proxy IPs/CIDRs (e.g. 10.0.0.0/8,::1); not valid: ${(bad.length ? bad : [value]).join(', ')}` });
      return z.NEVER;
    }
    return entries;
  });

/** The process environment, checked once at start. See DESIGN.md "Outer contract". */
const EnvSchema = z.object({
  /** HTTP port. */
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  /** Interface to bind; 0.0.0.0 so a container or LAN can reach it. */
  HOST: z.string().default('0.0.0.0'),
  /** Public base URL used in links sent to customers (emails, widget). */
  PUBLIC_URL: z.string().url().optional(),
  /** Where PGlite keeps its data and where blobs are stored. */
  DATA_DIR: z.string().default('./data'),
  /** A PostgreSQL connection string; unset means embedded PGlite in DATA_DIR. */
  DATABASE_URL: z.string().optional(),
  /** Redis for several processes (socket adapter, event bus); unset means in-process. */
  REDIS_URL: z.string().optional(),
  /** Port of the built-in SMTP listener. */
  SMTP_PORT: z.coerce.number().int().min(0).max(65535).default(2525),
  /** Largest mail the SMTP listener takes, in bytes (announced in EHLO SIZE; larger: 552). */
  MAX_EMAIL_BYTES: z.coerce.number().int().positive().default(25 * 1024 * 1024),
  /** PEM certificate file for STARTTLS on the SMTP listener (with SMTP_TLS_KEY); unset: no STARTTLS offered. */
  SMTP_TLS_CERT: z.string().optional(),
  /** PEM private key file for SMTP_TLS_CERT. */
  SMTP_TLS_KEY: z.string().optional(),
  /** Outbound SMTP (smtp://user:pass@host:port); unset keeps mail in the admin outbox. */
  SMTP_OUTBOUND_URL: z.string().optional(),
  /** 0 skips the demo data on an empty database. */
  SEED_DEMO: z.enum(['0', '1']).default('1'),
  /** pino level. */
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Largest upload accepted, in bytes. */
  MAX_UPLOAD_BYTES: z.coerce.number().int().positive().default(20 * 1024 * 1024),
  /** Encrypts channel credentials at rest; unset: a key generated once into DATA_DIR/secret.key. */
  SECRET_KEY: z.string().min(16, 'SECRET_KEY must be at least 16 characters').optional(),
  /** Proxies whose X-Forwarded-For is believed: unset = none, a hop count, or IPs/CIDRs. */
  TRUST_PROXY: TrustProxy.optional(),
});

export type Env = z.infer<typeof EnvSchema> & { dataDir: string; publicUrl: string };

/** Parses the environment; a bad value stops start-up with a readable message. */
export function loadEnv(source: NodeJS.ProcessEnv = process.env): Env {
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== ''));
  const parsed = EnvSchema.safeParse(cleaned);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`Invalid environment:\n${lines.join('\n')}`);
  }
  const env = parsed.data;
  return {
    ...env,
    dataDir: resolve(env.DATA_DIR),
    publicUrl: (env.PUBLIC_URL ?? `http://localhost:${env.PORT}`).replace(/\/$/, ''),
  };
}
