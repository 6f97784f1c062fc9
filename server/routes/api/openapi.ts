import type { RouteOptions } from 'fastify';
import { jsonSchemaTransform } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ErrorBody } from '../../../common/schemas.ts';

/**
 * Conventions every API route shares, applied in one place instead of in each route: unknown
 * query parameters are refused, the docs are public, a wrong method on a known path is a 405,
 * and the OpenAPI document names the errors any operation can answer.
 */

declare module 'fastify' {
  interface FastifySchema {
    /**
     * OpenAPI only: the request body per media type of a route that reads its body itself
     * (multipart uploads). Fastify never validates it; the handler does.
     */
    bodyContent?: Record<string, z.ZodType>;
  }
}

/** A file in a multipart/form-data body, as OpenAPI describes uploads. */
export const BinaryFile = z.string().meta({ format: 'binary', description: 'A file (its bytes decide its type)' });

/** A 200 that is a file, not JSON: its bytes under one of these media types. */
export const FileResponse = (description: string, types: string[]) => ({
  description,
  // z.any so the handler may send a stream; the document still says "binary string".
  content: Object.fromEntries(types.map((type) => [type, { schema: z.any().meta({ type: 'string', format: 'binary' }) }])),
});

/** Where the Swagger UI lives: public, like the document it shows. */
export const DOCS_PREFIX = '/api/docs';

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const methodsOf = (route: Pick<RouteOptions, 'method'>) => [route.method].flat().map((m) => String(m).toUpperCase());

/** What each common error status means, for the document (one ErrorBody shape for all). */
const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'Bad request: malformed JSON or multipart, a malformed id, an invalid or unknown parameter (`bad_request`, `validation_failed`)',
  401: 'Not signed in, or a wrong or revoked Bearer token (`unauthenticated`, `invalid_credentials`, `mfa_required`)',
  403: 'Not allowed for this caller, a missing X-CSRF-Token on a cookie session, or two-factor enrolment still due (`forbidden`, `csrf_failed`, `totp_enrollment_required`)',
  404: 'No such record, or not one the caller may see (`not_found`)',
  409: 'Conflicts with the current state, a duplicate, or a reference to something that does not exist (`conflict`)',
  413: 'The body or a file is larger than allowed (`payload_too_large`)',
  414: 'A path segment is too long (`uri_too_long`)',
  415: 'The body has a media type this operation does not read (`unsupported_media_type`)',
  423: 'Locked after too many failed attempts (`locked`)',
  429: 'Too many requests; see Retry-After (`rate_limited`)',
};

/** The error statuses a route can answer whatever its handler does (the edge answers them). */
function commonErrors(route: RouteOptions): number[] {
  const codes = [
    400, // malformed JSON, an unknown query parameter, a malformed path id
    401, // a malformed or unknown Bearer token is refused even on public routes
    403, // CSRF on cookie sessions; agents who must still enrol in two-factor
    414, // a path segment over Fastify's maxParamLength
  ];
  if (/[:*]/.test(route.url)) codes.push(404);
  if (methodsOf(route).some((m) => UNSAFE.has(m))) codes.push(413, 415);
  if ((route.config as { rateLimit?: unknown } | undefined)?.rateLimit) codes.push(429);
  return codes;
}

/** Anyone may call a public operation; credentials, when given, are still used (a customer files for themselves). */
const PUBLIC_SECURITY = [{}, { bearer: [] }, { session: [] }];

type TransformInput = Parameters<typeof jsonSchemaTransform>[0];

/**
 * The swagger transform: zod → JSON schema (fastify-type-provider-zod), plus request bodies of
 * multipart routes (`bodyContent`), `security` of public routes, and the common error responses.
 */
export function openapiTransform(input: TransformInput): ReturnType<typeof jsonSchemaTransform> {
  const route = (input as TransformInput & { route?: RouteOptions }).route;
  const schema = input.schema as (NonNullable<TransformInput['schema']> & { bodyContent?: Record<string, z.ZodType>; response?: Record<string, unknown>; security?: unknown; hide?: boolean }) | undefined;
  if (!schema || schema.hide || !route) return jsonSchemaTransform(input);
  const { bodyContent, ...rest } = schema;
  const response: Record<string, unknown> = { ...(rest.response ?? {}) };
  for (const code of commonErrors(route)) response[code] ??= ErrorBody;
  const out = jsonSchemaTransform({ ...input, schema: { ...rest, response } } as TransformInput);
  const transformed = out.schema as Record<string, any>;
  for (const [code, value] of Object.entries(transformed.response ?? {})) {
    const description = ERROR_DESCRIPTIONS[Number(code)];
    if (description && value && typeof value === 'object' && !('description' in value)) transformed.response[code] = { ...value, description };
  }
  if (bodyContent) {
    // The same conversion as any body, so shared schemas still become $refs.
    const content: Record<string, { schema: unknown }> = {};
    for (const [type, zod] of Object.entries(bodyContent)) {
      content[type] = { schema: (jsonSchemaTransform({ ...input, schema: { body: zod } } as TransformInput).schema as { body: unknown }).body };
    }
    transformed.body = { content };
  }
  if ((route.config as { public?: boolean } | undefined)?.public && !rest.security) transformed.security = PUBLIC_SECURITY;
  return out;
}

/** A route pattern (`/api/v1/agents/:id`, `/api/docs/*`) as a regular expression over paths. */
const patternOf = (url: string) => new RegExp(`^${url.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/:\w+/g, '[^/]+').replace(/\*/g, '.*')}$`);

/**
 * The onRoute hook of the API conventions; returns the methods a path answers, for the 405.
 * Register it before the API and the docs routes (onRoute sees only later routes).
 */
export function apiConventions() {
  const known: { methods: string[]; pattern: RegExp }[] = [];
  return {
    onRoute(route: RouteOptions) {
      if (!route.url.startsWith('/api/')) return;
      known.push({ methods: methodsOf(route), pattern: patternOf(route.url) });
      if (route.url.startsWith(DOCS_PREFIX)) {
        // README and every help page link to the docs: visitors must be able to read them.
        route.config = { ...route.config, public: true } as RouteOptions['config'];
        return;
      }
      if (!route.url.startsWith('/api/v1/') || route.schema?.hide) return;
      // An unknown query parameter is a mistake (a misspelt filter would silently list everything): 400.
      const query = route.schema?.querystring;
      if (query === undefined) route.schema = { ...route.schema, querystring: z.object({}).strict() };
      else if (query instanceof z.ZodObject) route.schema = { ...route.schema, querystring: query.strict() };
    },
    /** The methods some route answers at this path (HEAD with GET), or none. */
    allowed(path: string): string[] {
      const methods = new Set(known.filter((k) => k.pattern.test(path)).flatMap((k) => k.methods));
      return [...methods].sort();
    },
  };
}
