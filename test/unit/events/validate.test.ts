/**
 * shared/events/validate.ts against zod/mini itself: for the same schema written in both, every input
 * gets the same verdict and the same issues (code, path, message), so swapping zod out of the event
 * path changed no drop and no log line. Plus the kit's deliberate differences.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as z from '../../../shared/config/zod';
import * as v from '../../../shared/events/validate';

const NUM_RUNS = Number(process.env.FC_NUM_RUNS ?? 1500);

z.useEnglishMessages();

type Verdict = { success: boolean; data?: unknown; issues?: Array<{ code: string; path: PropertyKey[]; message: string }> };

// zod also runs length checks on a value whose type is already wrong (an array given for a string);
// the kit does not (documented difference): such follow-up issues at the same path are left out.
const withoutChecksAfterTypeErrors = (issues: readonly { code: string; path: PropertyKey[]; message: string }[]) => {
  const typeErrors = new Set<string>();
  return issues.filter((issue) => {
    const at = JSON.stringify(issue.path);
    if (typeErrors.has(at)) return false;
    if (issue.code === 'invalid_type') typeErrors.add(at);
    return true;
  });
};
const ofZod = (r: { success: boolean; data?: unknown; error?: { issues: readonly { code: string; path: PropertyKey[]; message: string }[] } }): Verdict =>
  r.success
    ? { success: true, data: r.data }
    : { success: false, issues: withoutChecksAfterTypeErrors(r.error?.issues ?? []).map(({ code, path, message }) => ({ code, path: [...path], message })) };
const ofKit = (r: v.SafeParseResult<unknown>): Verdict =>
  r.success ? { success: true, data: r.data } : { success: false, issues: r.error.issues.map(({ code, path, message }) => ({ code, path: [...path], message })) };

const present = (message: string) => (issue: { input?: unknown }) => (issue.input === undefined ? undefined : message);

/** The same schema, twice: [zod/mini, kit]. */
const PAIRS: Array<[string, z.ZodMiniType, v.Schema<unknown>]> = [
  ['string', z.string(), v.string()],
  ['number', z.number(), v.number()],
  ['boolean', z.boolean(), v.boolean()],
  ['string with length and pattern checks', z.string().check(z.minLength(1), z.maxLength(5), z.regex(/^[a-c]+$/)), v.string().check(v.minLength(1), v.maxLength(5), v.regex(/^[a-c]+$/))],
  [
    'string with custom messages',
    z.string().check(z.maxLength(3, { error: 'too long' }), z.regex(/^x/, { error: 'must start with x' })),
    v.string().check(v.maxLength(3, { error: 'too long' }), v.regex(/^x/, { error: 'must start with x' })),
  ],
  ['refine', z.string().check(z.refine((s: string) => !s.includes('!'), { error: 'no bangs' })), v.string().check(v.refine((s: string) => !s.includes('!'), { error: 'no bangs' }))],
  ['enum', z.enum(['a', 'b', 'c']), v.enum(['a', 'b', 'c'])],
  ['enum, message when present', z.enum(['a', 'b'], { error: present('must be a or b') }), v.enum(['a', 'b'], { error: present('must be a or b') })],
  ['literal', z.literal('x'), v.literal('x')],
  ['optional', z.optional(z.string()), v.optional(v.string())],
  ['number checks', z.number().check(z.int(), z.nonnegative(), z.maximum(100)), v.number().check(v.int(), v.nonnegative(), v.maximum(100))],
  ['array', z.array(z.string().check(z.maxLength(2))), v.array(v.string().check(v.maxLength(2)))],
  ['record', z.record(z.string(), z.unknown()), v.record(v.string(), v.unknown())],
  ['union', z.union([z.literal(''), z.string().check(z.regex(/^i-/))]), v.union([v.literal(''), v.string().check(v.regex(/^i-/))])],
  ['guid', z.guid(), v.guid()],
  ['uuid', z.uuid(), v.uuid()],
  ['iso datetime with offset', z.iso.datetime({ offset: true }), v.iso.datetime({ offset: true })],
  [
    'object',
    z.object({ a: z.string(), b: z.optional(z.number()), c: z.object({ d: z.enum(['x', 'y']) }) }),
    v.object({ a: v.string(), b: v.optional(v.number()), c: v.object({ d: v.enum(['x', 'y']) }) }),
  ],
  [
    'pipe and transform',
    z.pipe(z.object({ n: z.string() }), z.transform((o: { n: string }) => o.n.length)),
    v.pipe(v.object({ n: v.string() }), v.transform((o: { n: string }) => o.n.length)),
  ],
  [
    'numeric string (instance refresh)',
    z.pipe(z.pipe(z.union([z.string().check(z.regex(/^\d{1,9}$/)), z.number().check(z.int(), z.nonnegative())]), z.transform(Number)), z.number().check(z.maximum(100))),
    v.pipe(v.pipe(v.union([v.string().check(v.regex(/^\d{1,9}$/)), v.number().check(v.int(), v.nonnegative())]), v.transform(Number)), v.number().check(v.maximum(100))),
  ],
];

const timestamp = fc
  .tuple(fc.date({ min: new Date('1999-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }), fc.constantFrom('Z', '+02:00', '-11:30', '', '+2:00', 'z'), fc.boolean())
  .map(([d, zone, fraction]) => {
    const iso = d.toISOString();
    return `${fraction ? iso.slice(0, -1) : iso.slice(0, 19)}${zone}`;
  });

const leaf = fc.oneof(
  fc.string({ maxLength: 8 }),
  fc.constantFrom('', 'a', 'abc', 'abcdef', 'x!', 'xy', 'i-0abc', 'y', 'b', '12', '101', '007', '1.5'),
  fc.uuid(),
  fc.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/),
  timestamp,
  fc.integer({ min: -5, max: 200 }),
  fc.double(),
  fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, -0, 0.5),
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
);
const value = fc.letrec<{ node: unknown }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.array(tie('node'), { maxLength: 3 }),
    fc.dictionary(fc.constantFrom('a', 'b', 'c', 'd', 'n', 'x'), tie('node'), { maxKeys: 4 }),
  ),
})).node;

describe('the kit agrees with zod/mini', () => {
  it.each(PAIRS)('%s: same verdict, data and issues for any input', (_name, zodSchema, kitSchema) => {
    fc.assert(
      fc.property(value, (input) => {
        expect(ofKit(kitSchema.safeParse(input))).toEqual(ofZod(zodSchema.safeParse(input)));
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it.each([
    ['a missing string', v.string(), undefined, 'Invalid input: expected string, received undefined'],
    ['NaN', v.number(), Number.NaN, 'Invalid input: expected number, received NaN'],
    ['Infinity', v.number(), Number.POSITIVE_INFINITY, 'Invalid input: expected number, received Infinity'],
    ['an array for an object', v.object({}), [], 'Invalid input: expected object, received array'],
    ['a long string', v.string().check(v.maxLength(2)), 'abc', 'Too big: expected string to have <=2 characters'],
    ['an enum miss', v.enum(['a', 'b']), 'c', 'Invalid option: expected one of "a"|"b"'],
    ['a literal miss', v.literal('a'), 'c', 'Invalid input: expected "a"'],
    ['a pattern miss', v.string().check(v.regex(/^a$/)), 'b', 'Invalid string: must match pattern /^a$/'],
    ['a GUID miss', v.guid(), 'nope', 'Invalid GUID'],
    ['a datetime miss', v.iso.datetime(), '2026-11-27', 'Invalid ISO datetime'],
    ['a fraction', v.number().check(v.int()), 1.5, 'Invalid input: expected int, received number'],
  ])('message for %s', (_name, schema, input, message) => {
    expect(schema.safeParse(input).error?.issues.map((i) => i.message)).toEqual([message]);
  });
});

describe('deliberate differences from zod', () => {
  it('reads own properties only: an inherited key is absent', () => {
    const schema = v.object({ source: v.string() });
    const inherited = Object.create({ source: 'aws.autoscaling' }) as object;
    expect(schema.safeParse(inherited).error?.issues).toEqual([{ code: 'invalid_type', path: ['source'], message: 'Invalid input: expected string, received undefined' }]);
  });

  it('a record keeps a "__proto__" key as data, never as the prototype of its output', () => {
    const input = JSON.parse('{"__proto__": {"polluted": true}, "ok": 1}') as unknown;
    const result = v.record(v.string(), v.unknown()).safeParse(input);
    expect(result.success).toBe(true);
    const data = result.data as Record<string, unknown>;
    expect(Object.getPrototypeOf(data)).toBe(Object.prototype);
    expect(Object.hasOwn(data, '__proto__')).toBe(true);
    expect((data as { polluted?: boolean }).polluted).toBeUndefined();
  });

  it('a global regex gives the same answer every time (lastIndex is reset)', () => {
    const schema = v.string().check(v.regex(/a/g));
    expect([schema.safeParse('a').success, schema.safeParse('a').success, schema.safeParse('a').success]).toEqual([true, true, true]);
  });

  it('check() returns a new schema; the original keeps its checks', () => {
    const base = v.string();
    const short = base.check(v.maxLength(1));
    expect(base.safeParse('long').success).toBe(true);
    expect(short.safeParse('long').success).toBe(false);
  });

  it('30,000 array items parse in one pass, with every item path reported on failure', () => {
    const items = Array.from({ length: 30_000 }, (_, i) => ({ id: `i-${i}` }));
    const schema = v.array(v.object({ id: v.string() }));
    expect(schema.safeParse(items).data).toHaveLength(30_000);
    items[29_999] = { id: 5 as unknown as string };
    expect(schema.safeParse(items).error?.issues.map((i) => i.path)).toEqual([[29_999, 'id']]);
  });
});
