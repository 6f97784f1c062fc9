import { resolve } from 'node:path';
import { z } from 'zod';

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
  /** Outbound SMTP (smtp://user:pass@host:port); unset keeps mail in the admin outbox. */
  SMTP_OUTBOUND_URL: z.string().optional(),
  /** 0 skips the demo data on an empty database. */
  SEED_DEMO: z.enum(['0', '1']).default('1'),
  /** pino level. */
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Largest upload accepted, in bytes. */
  MAX_UPLOAD_BYTES: z.coerce.number().int().positive().default(20 * 1024 * 1024),
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
