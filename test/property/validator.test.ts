/**
 * Property test of the request validator's shortcuts (src/http/validator.ts): for random flat and nested
 * schemas (open or closed objects, optional scalars, a default now and then) and random inputs, the
 * compiled validator answers exactly what the plain TypeBox interpreter does (`Value.Default`, then
 * `Value.Clean`, then the check): the same value when valid, an error when not.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import fc from 'fast-check';
import type { FastifySchema } from 'fastify';
import { Type, type TSchema } from 'typebox';
import { Compile } from 'typebox/compile';
import { Value } from 'typebox/value';
import { numbersFromText, validatorCompiler } from '../../src/http/validator.ts';

const KEYS = ['a', 'b', 'limit', 'q'];

const scalarArb = fc.oneof(
  fc.constant(Type.String()),
  fc.constant(Type.String({ maxLength: 3 })),
  fc.constant(Type.Integer({ minimum: 0 })),
  fc.constant(Type.Number()),
  fc.constant(Type.Boolean()),
  fc.constant(Type.Integer({ default: 7 })),
  fc.constant(Type.Union([Type.Literal('x'), Type.Literal('y')])),
);

const schemaArb: fc.Arbitrary<TSchema> = fc
  .record({
    props: fc.uniqueArray(fc.tuple(fc.constantFrom(...KEYS), scalarArb, fc.boolean()), { selector: (p) => p[0], maxLength: 4 }),
    closed: fc.boolean(),
    nested: fc.boolean(),
  })
  .map(({ props, closed, nested }) => {
    const properties: Record<string, TSchema> = {};
    for (const [k, s, optional] of props) properties[k] = optional ? Type.Optional(s) : s;
    if (nested) properties.inner = Type.Optional(Type.Object({ c: Type.String() }, closed ? { additionalProperties: false } : {}));
    return Type.Object(properties, closed ? { additionalProperties: false } : {});
  });

const valueArb = fc.oneof(fc.string({ maxLength: 5 }), fc.integer({ min: -3, max: 20 }), fc.constantFrom('5', '1.5', 'x', 'y', true, false, null), fc.double({ noNaN: true }));
const inputArb = fc.oneof(
  { weight: 9, arbitrary: fc.dictionary(fc.constantFrom(...KEYS, 'other', 'inner'), fc.oneof(valueArb, fc.record({ c: fc.string({ maxLength: 2 }), d: fc.integer() }, { requiredKeys: [] })), { maxKeys: 5 }) },
  { weight: 1, arbitrary: fc.oneof(fc.constant(null), fc.constant([1]), fc.string()) },
);

/** The interpreter's answer: defaults, clean, check. */
function reference(schema: TSchema, input: unknown): { ok: boolean; value?: unknown } {
  const value = Value.Clean(schema, Value.Default(schema, structuredClone(input)));
  return Compile(schema).Check(value) ? { ok: true, value } : { ok: false };
}

it('the validator shortcuts answer exactly what Value.Default + Value.Clean + the check answer (body and querystring)', () => {
  fc.assert(
    fc.property(schemaArb, inputArb, fc.constantFrom('body', 'querystring'), (schema, input, httpPart) => {
      const validate = validatorCompiler({ schema, httpPart, method: 'GET', url: '/x' } as unknown as { schema: FastifySchema; httpPart: string; method: 'GET'; url: string }) as (x: unknown) => { value?: unknown; error?: unknown };
      // The querystring's numeric text becomes numbers first (bodies are checked as sent): the reference starts from there.
      const sent = httpPart === 'querystring' ? numbersFromText(schema, input) : input;
      const got = validate(structuredClone(input));
      const want = reference(schema, sent);
      assert.equal(got.error === undefined, want.ok, `ok? schema ${JSON.stringify(schema)} input ${JSON.stringify(input)}`);
      if (want.ok) assert.deepEqual(got.value, want.value);
    }),
    { numRuns: 3000 },
  );
});
