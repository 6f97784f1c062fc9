import pino from 'pino';

/**
 * What may reach the logs. Query strings carry what people type (a /verify lookup, a help search,
 * a contact search by email or phone), and database errors carry the values of the statement that
 * failed (drizzle's "Failed query: … params: …", PostgreSQL's "Key (email)=(…)" detail), so both are
 * cut down to their shape before a line is written.
 */

/** Never log secrets: cookies, tokens, passwords. */
export const REDACT = ['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]', '*.password', '*.token', '*.totp'];

/** The path, and the names of the query parameters without their values (`/verify?q=…`). */
export function redactUrl(url: string): string {
  const at = url.indexOf('?');
  if (at < 0) return url;
  const names = url
    .slice(at + 1)
    .split('&')
    .filter(Boolean)
    .map((pair) => pair.split('=')[0]!.slice(0, 40).replace(/[^\w.[\]-]/g, '_'));
  return `${url.slice(0, at)}${names.length ? `?${names.map((n) => `${n}=…`).join('&')}` : ''}`;
}

/** PostgreSQL error fields that quote the row's values. */
const VALUE_FIELDS = ['params', 'parameters', 'detail', 'where', 'internalQuery', 'hint'];

/** Cuts the "params: …" tail drizzle appends and quoted values in PostgreSQL messages. */
function scrubText(text: string, params: string[]): string {
  let out = text;
  for (const p of params) if (p) out = out.split(`params: ${p}`).join('params: [redacted]');
  // Whatever is left after "params:" up to the end of that message (a value with a newline in it).
  out = out.replace(/\nparams: (?!\[redacted\])[^\n]*/g, '\nparams: [redacted]');
  // PostgreSQL quotes offending values: invalid input syntax for type uuid: "…", Key (email)=(…).
  return out.replace(/: "[^"\n]*"/g, ': "[redacted]"').replace(/\)=\([^)\n]*\)/g, ')=([redacted])');
}

/** Every error in a cause chain, outermost first. */
function chain(err: unknown): Record<string, unknown>[] {
  const seen: Record<string, unknown>[] = [];
  let e = err as Record<string, unknown> | undefined;
  while (e && typeof e === 'object' && !seen.includes(e) && seen.length < 10) {
    seen.push(e);
    e = e.cause as Record<string, unknown> | undefined;
  }
  return seen;
}

/** pino's error serializer, without the values of a failed SQL statement. */
export function serializeError(err: unknown): unknown {
  const out = pino.stdSerializers.err(err as Error) as unknown as Record<string, unknown>;
  if (!out || typeof out !== 'object') return out;
  const params = chain(err).map((e) => (e.params === undefined ? '' : String(e.params)));
  for (const key of ['message', 'stack']) if (typeof out[key] === 'string') out[key] = scrubText(out[key] as string, params);
  for (const key of VALUE_FIELDS) delete out[key];
  if (Array.isArray(out.aggregateErrors)) out.aggregateErrors = (out.aggregateErrors as unknown[]).map((e) => serializeError((e as { raw?: unknown }).raw ?? e));
  delete out.raw;
  return out;
}

/** Fastify's request serializer, with the query values dropped. */
const serializeRequest = (req: { method: string; url: string; host?: string; ip?: string; socket?: { remotePort?: number } }) => ({
  method: req.method,
  url: redactUrl(req.url),
  host: req.host,
  remoteAddress: req.ip,
  remotePort: req.socket?.remotePort,
});

/** The options of every logger the server makes (HTTP and background work). */
export function loggerOptions(level: string) {
  return { level, redact: REDACT, serializers: { req: serializeRequest, err: serializeError } };
}
