import fc from 'fast-check';

/**
 * A small JSON Schema (2020-12, as our OpenAPI 3.1 document writes it) → fast-check arbitrary.
 * It covers what zod emits for our routes: objects, records (propertyNames), arrays and tuples,
 * strings with lengths, patterns and formats, integers and numbers with bounds, enums, const,
 * anyOf/oneOf/allOf and local $refs. With `noise`, every value may instead be a wrong type, so
 * the generated inputs mix valid requests (which reach the domain) with invalid ones (which the
 * validator must turn into a 400, never a 500).
 */

export type JsonSchema = Record<string, any>;

export interface ArbitraryOptions {
  /** The whole OpenAPI document, for `#/components/schemas/…` references. */
  root: JsonSchema;
  /** Ids of records that exist: a uuid field takes one of them half the time, so references hit. */
  ids: () => string[];
  /** A value may be replaced by anything (about one in twelve). */
  noise?: boolean;
  /** For `format: binary` (multipart files). */
  file?: fc.Arbitrary<unknown>;
}

const MAX_STRING = 60;
const MAX_ITEMS = 4;

/** Some nasty strings: Object.prototype names, blanks, NUL, bidi controls, SQL and HTML, huge numbers as text, Chinese. */
const NASTY = fc.constantFrom('', ' ', 'constructor', '__proto__', 'toString', 'hasOwnProperty', '\u0000', 'a\u0000b', '\u202egnp.exe', "' or '1'='1", '<script>alert(1)</script>', '9'.repeat(40), '-1', '提现失败怎么办', '../../etc/passwd', '%00', '{"a":1}', 'null');

export function resolveRef(root: JsonSchema, ref: string): JsonSchema {
  if (!ref.startsWith('#/')) throw new Error(`unsupported $ref ${ref}`);
  let node: any = root;
  for (const part of ref.slice(2).split('/')) node = node?.[part.replace(/~1/g, '/').replace(/~0/g, '~')];
  if (!node) throw new Error(`unresolved $ref ${ref}`);
  return node;
}

function stringArbitrary(schema: JsonSchema, options: ArbitraryOptions): fc.Arbitrary<string> {
  const minLength = schema.minLength ?? 0;
  const maxLength = Math.max(minLength, Math.min(schema.maxLength ?? MAX_STRING, MAX_STRING));
  const clip = (s: string) => (s.length > (schema.maxLength ?? Infinity) ? s.slice(0, schema.maxLength) : s);
  switch (schema.format) {
    case 'uuid': {
      const pool = options.ids();
      return pool.length ? fc.oneof(fc.constantFrom(...pool), fc.uuid({ version: 4 })) : fc.uuid({ version: 4 });
    }
    case 'email':
      return fc.oneof(fc.emailAddress().map(clip), fc.string({ minLength: 1, maxLength: 20 }).map((s) => `${s.replace(/[^a-z0-9]/gi, '') || 'x'}@example.com`));
    case 'date-time':
      return fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString());
    case 'date':
      return fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10));
  }
  if (schema.pattern) {
    try {
      const matching = fc.stringMatching(new RegExp(schema.pattern, 'u')).map(clip);
      return minLength ? matching.filter((s) => s.length >= minLength) : matching;
    } catch {
      // A pattern fast-check cannot invert: plain strings (mostly refused, which is fine too).
    }
  }
  return fc.oneof(
    { weight: 6, arbitrary: fc.string({ minLength, maxLength, unit: 'grapheme' }) },
    { weight: 2, arbitrary: fc.string({ minLength: Math.max(minLength, 1), maxLength, unit: 'grapheme-ascii' }) },
    { weight: 1, arbitrary: NASTY.map(clip) },
  );
}

function numberArbitrary(schema: JsonSchema, integer: boolean): fc.Arbitrary<number> {
  const INT32 = 2 ** 31 - 1;
  let min = schema.minimum ?? (schema.exclusiveMinimum !== undefined ? schema.exclusiveMinimum + (integer ? 1 : 1e-9) : -INT32);
  let max = schema.maximum ?? (schema.exclusiveMaximum !== undefined ? schema.exclusiveMaximum - (integer ? 1 : 1e-9) : INT32);
  // Bounds of ±MAX_SAFE_INTEGER are zod's "any integer": stay in a range a column can hold, mostly.
  const edges = [min, max].filter((n) => Number.isSafeInteger(n) || !integer);
  min = Math.max(min, -INT32);
  max = Math.min(max, INT32);
  const core = integer ? fc.integer({ min: Math.ceil(min), max: Math.floor(max) }) : fc.double({ min, max, noNaN: true, noDefaultInfinity: true });
  return edges.length ? fc.oneof({ weight: 5, arbitrary: core }, { weight: 1, arbitrary: fc.constantFrom(...edges) }) : core;
}

/** Anything JSON, for noise: the wrong type in the wrong place. */
const junk = fc.oneof(fc.constant(null), fc.boolean(), fc.integer(), fc.string({ maxLength: 10 }), fc.constant([]), fc.constant({}), fc.jsonValue({ maxDepth: 2 }));

export function arbitraryOf(schema: JsonSchema, options: ArbitraryOptions, depth = 0): fc.Arbitrary<unknown> {
  const valid = validArbitrary(schema, options, depth);
  return options.noise ? fc.oneof({ weight: 11, arbitrary: valid }, { weight: 1, arbitrary: junk }) : valid;
}

function validArbitrary(schema: JsonSchema, options: ArbitraryOptions, depth: number): fc.Arbitrary<unknown> {
  if ((schema as unknown) === true || !schema || Object.keys(schema).length === 0) return fc.jsonValue({ maxDepth: 1 });
  if (schema.$ref) return arbitraryOf(resolveRef(options.root, schema.$ref), options, depth);
  if ('const' in schema) return fc.constant(schema.const);
  if (Array.isArray(schema.enum)) return fc.constantFrom(...schema.enum);
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (Array.isArray(alternatives)) return fc.oneof(...alternatives.map((s: JsonSchema) => arbitraryOf(s, options, depth + 1)));
  if (Array.isArray(schema.allOf)) return arbitraryOf(Object.assign({}, ...schema.allOf.map((s: JsonSchema) => (s.$ref ? resolveRef(options.root, s.$ref) : s))), options, depth);
  if (Array.isArray(schema.type)) return fc.oneof(...schema.type.map((type: string) => arbitraryOf({ ...schema, type }, options, depth)));
  switch (schema.type) {
    case 'string':
      if (schema.format === 'binary' && options.file) return options.file;
      return stringArbitrary(schema, options);
    case 'integer':
      return numberArbitrary(schema, true);
    case 'number':
      return numberArbitrary(schema, false);
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array': {
      if (Array.isArray(schema.prefixItems)) return fc.tuple(...schema.prefixItems.map((s: JsonSchema) => arbitraryOf(s, options, depth + 1)));
      const minLength = schema.minItems ?? 0;
      const maxLength = Math.max(minLength, Math.min(schema.maxItems ?? MAX_ITEMS, depth > 2 ? minLength : MAX_ITEMS));
      return fc.array(arbitraryOf(schema.items ?? {}, options, depth + 1), { minLength, maxLength });
    }
    case 'object':
    default: {
      const properties: Record<string, JsonSchema> = schema.properties ?? {};
      const required: string[] = schema.required ?? [];
      const model = Object.fromEntries(Object.entries(properties).map(([k, s]) => [k, arbitraryOf(s, options, depth + 1)]));
      const fixed = fc.record(model, { requiredKeys: required.filter((k) => k in properties) });
      if (schema.additionalProperties && typeof schema.additionalProperties === 'object') {
        // A record: keys from propertyNames (an enum of locales, a pattern …).
        const keys = schema.propertyNames ? (arbitraryOf(schema.propertyNames, { ...options, noise: false }, depth + 1) as fc.Arbitrary<string>) : fc.string({ minLength: 1, maxLength: 12 });
        const extra = fc.dictionary(keys, arbitraryOf(schema.additionalProperties, options, depth + 1), { maxKeys: 3 });
        return fc.tuple(fixed, extra).map(([a, b]) => ({ ...b, ...a }));
      }
      return fixed;
    }
  }
}
