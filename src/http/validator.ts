/**
 * Request validation with TypeBox, replacing Fastify's default Ajv setup (STYLE habit 13: the
 * same TypeBox schemas validate requests and feed the OpenAPI document).
 *
 * Why not the default: Fastify's Ajv runs with `coerceTypes: 'array'`, which accepts
 * `{"text": 42}` as the text "42" and `{"seq": "5"}` as 5 — a schema violation that API.md
 * says is 400 `invalid_request`. A JSON body is checked as sent. The querystring and params
 * arrive as text, so decimal numbers there are read as numbers where the schema wants one
 * (`limit=5`), and nothing else is converted (`after=1.5` stays text and fails an integer).
 * As before, unknown properties are dropped, defaults filled in, and the first error is reported.
 *
 * Cleaning and defaulting walk the schema for every request (TypeBox's `Value` is an interpreter; a union
 * such as `reply_to` makes `Clean` sort it each time), so they are skipped where they cannot change
 * anything: a schema with no `default` whose objects are all closed (`additionalProperties: false`) is
 * left as sent when the compiled check passes (a value with an unknown property fails that check).
 */
import type { FastifySchemaCompiler, FastifySchemaValidationError } from 'fastify';
import type { TSchema } from 'typebox';
import { Compile } from 'typebox/compile';
import { Value } from 'typebox/value';

const NUMBER_TEXT = /^-?\d+(\.\d+)?$/;

/** Validator compiler for `app.setValidatorCompiler`: strict JSON bodies, numbers read from URL text. */
export const validatorCompiler: FastifySchemaCompiler<TSchema> = ({ schema, httpPart }) => {
  const check = Compile(schema);
  // Route params hold exactly the route's parameters: nothing to clean there either.
  const node = schema as unknown as SchemaNode;
  const noDefaults = !hasDefault(node);
  const asSent = noDefaults && (httpPart === 'params' || allClosed(node));
  // A flat object with no defaults (most querystrings): cleaning it is keeping its own keys.
  const keep = noDefaults ? flatKeys(node) : null;
  return (input: unknown) => {
    const converted = httpPart === 'body' ? input : numbersFromText(schema, input);
    if (asSent && check.Check(converted)) return { value: converted };
    const value = keep ? pick(converted, keep) : Value.Clean(schema, Value.Default(schema, converted));
    if (check.Check(value)) return { value };
    const error: FastifySchemaValidationError[] = check.Errors(value).slice(0, 1);
    return { error };
  };
};

/** A copy of `input` whose numeric-looking text fields are numbers where the schema's property is a number or integer. */
export function numbersFromText(schema: TSchema, input: unknown): unknown {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return input;
  const props = (schema as { properties?: Record<string, { type?: unknown }> }).properties ?? {};
  const out: Record<string, unknown> = { ...(input as Record<string, unknown>) };
  for (const [key, v] of Object.entries(out)) {
    const type = props[key]?.type;
    if ((type === 'integer' || type === 'number') && typeof v === 'string' && NUMBER_TEXT.test(v)) out[key] = Number(v);
  }
  return out;
}

type SchemaNode = Record<string, unknown>;

const SCALAR = new Set(['string', 'integer', 'number', 'boolean']);

/** The property names of an object schema whose properties are all plain scalars (no nesting, no unions), else null. */
function flatKeys(node: SchemaNode): Set<string> | null {
  if (node.type !== 'object' || 'patternProperties' in node || (node.additionalProperties !== undefined && node.additionalProperties !== false)) return null;
  const props = (node.properties ?? {}) as Record<string, SchemaNode>;
  for (const p of Object.values(props)) if (!SCALAR.has(p.type as string) || children(p).length > 0) return null;
  return new Set(Object.keys(props));
}

/** What `Value.Clean` leaves of a value for a flat object schema: its own keys (a non-object is left to fail the check). */
function pick(input: unknown, keys: Set<string>): unknown {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return input;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(input)) if (keys.has(k)) out[k] = v;
  return out;
}

/** Child schemas of a JSON Schema node (properties, items, unions, …). */
function children(node: SchemaNode): SchemaNode[] {
  const out: SchemaNode[] = [];
  for (const [key, v] of Object.entries(node)) {
    if (v === null || typeof v !== 'object') continue;
    if (key === 'properties' || key === 'patternProperties') out.push(...(Object.values(v) as SchemaNode[]));
    else if (Array.isArray(v)) out.push(...(v.filter((x) => x !== null && typeof x === 'object') as SchemaNode[]));
    else if (key === 'items' || key === 'additionalProperties' || key === 'not') out.push(v as SchemaNode);
  }
  return out;
}

/** Whether `default` appears anywhere in the schema. */
function hasDefault(node: SchemaNode): boolean {
  return 'default' in node || children(node).some(hasDefault);
}

/** Whether every object in the schema rejects unknown properties (so `Clean` has nothing to drop). */
function allClosed(node: SchemaNode): boolean {
  const isObject = node.type === 'object' || 'properties' in node || 'patternProperties' in node;
  if (isObject && node.additionalProperties !== false) return false;
  return children(node).every(allClosed);
}
