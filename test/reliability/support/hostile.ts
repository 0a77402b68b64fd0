/**
 * Hostile inputs for the fuzz tests: random JSON, real samples with fields deleted, retyped or
 * added, huge arrays, very long strings, unicode and control characters, shell metacharacters,
 * and real own `__proto__` / `constructor` / `prototype` keys (made with JSON.parse, which creates
 * them as own properties, unlike an object literal). Values are small by default; a few are big.
 */
import fc from 'fast-check';

const SPECIAL = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  '$(reboot)',
  '`id`',
  'a;rm -rf /',
  'line\nbreak',
  '\u0000',
  '\u202eevil',
  '../../etc/passwd',
  "'; DROP TABLE x; --",
  '%s%n%x',
  '{{7*7}}',
  '',
  ' ',
  'NaN',
  'null',
  'ml-inference-gpu',
  'legacy-web',
  'i-00000000000000a01',
  '00000000-0000-4000-8000-000000000001',
  'Success',
  'aws.autoscaling',
  'EC2 Instance-launch Lifecycle Action',
];

/** Short strings of every kind, a few special ones, and now and then a very long one. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.string({ maxLength: 16 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 12 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 12 }) },
  { weight: 4, arbitrary: fc.constantFrom(...SPECIAL) },
  { weight: 1, arbitrary: fc.integer({ min: 300, max: 3_000 }).map((n) => 'é'.repeat(n)) },
);

/** Now and then a very long string or a huge array (kept rare: they dominate the run time). */
const big: fc.Arbitrary<unknown> = fc.oneof(
  fc.integer({ min: 10_000, max: 100_000 }).map((n) => '\u{1F600}'.repeat(n / 2)),
  fc.integer({ min: 1_000, max: 10_000 }).map((n) => Array.from({ length: n }, (_, i) => `i-${i.toString(16).padStart(17, '0')}`)),
);

export const hostileKey: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.string({ maxLength: 10 }) },
  { weight: 2, arbitrary: fc.constantFrom(...SPECIAL) },
);

/** A JSON value, small and shallow by default; a rare huge array. */
export const hostileValue: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', maxDepth: 3 },
    { weight: 4, arbitrary: hostileString },
    { weight: 2, arbitrary: fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constantFrom(-1, 0, 1e308, -0, 2 ** 53)) },
    { weight: 1, arbitrary: fc.boolean() },
    { weight: 1, arbitrary: fc.constant(null) },
    { weight: 2, arbitrary: fc.array(tie('value'), { maxLength: 4 }) },
    { weight: 2, arbitrary: fc.dictionary(hostileKey, tie('value'), { maxKeys: 4 }) },
    { weight: 2, arbitrary: fc.array(hostileString, { minLength: 5, maxLength: 40 }) },
  ),
})).value;

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Every path to a node of `value` (objects and arrays), root first. */
const paths = (value: unknown, at: Array<string | number> = [], out: Array<Array<string | number>> = []) => {
  if (value && typeof value === 'object') {
    out.push(at);
    if (Array.isArray(value)) {
      for (const [i, v] of value.slice(0, 20).entries()) paths(v, [...at, i], out);
    } else for (const [k, v] of Object.entries(value)) paths(v, [...at, k], out);
  }
  return out;
};

const nodeAt = (root: unknown, path: ReadonlyArray<string | number>): Record<string, unknown> | unknown[] | undefined => {
  let node: unknown = root;
  for (const p of path) node = (node as Record<string | number, unknown>)[p];
  return node && typeof node === 'object' ? (node as Record<string, unknown>) : undefined;
};

export type Mutation = { op: 'delete' | 'set' | 'add' | 'proto'; at: number; key: string; value: unknown; pick: number };

export const mutation: fc.Arbitrary<Mutation> = fc.record({
  op: fc.constantFrom('delete', 'set', 'set', 'add', 'proto'),
  at: fc.nat(),
  key: hostileKey,
  value: fc.oneof({ weight: 60, arbitrary: hostileValue }, { weight: 1, arbitrary: big }),
  pick: fc.nat(),
});

/** JSON text that JSON.parse turns into own `__proto__` / `constructor` / `prototype` keys. */
const PROTO_KEYS = '"__proto__":{"polluted":"yes","isAdmin":true},"constructor":{"prototype":{"polluted":"yes"}},"prototype":{"polluted":"yes"}';

/** Positions of the `{` that open objects in JSON text (not those inside strings). */
const objectBraces = (text: string): number[] => {
  const out: number[] = [];
  let inString = false;
  for (let i = 0; i < text.length; i += 1) {
    const ch = text[i];
    if (inString) {
      if (ch === '\\') i += 1;
      else if (ch === '"') inString = false;
    } else if (ch === '"') inString = true;
    else if (ch === '{') out.push(i);
  }
  return out;
};

/** Applies mutations to a deep copy of `sample` (through JSON, so own `__proto__` keys survive). */
export const mutate = (sample: unknown, mutations: readonly Mutation[]): unknown => {
  let text = JSON.stringify(sample);
  let value = JSON.parse(text) as Json;
  for (const m of mutations) {
    const all = paths(value);
    const path = all[m.at % Math.max(1, all.length)] ?? [];
    const node = nodeAt(value, path);
    if (m.op === 'proto') {
      // Insert the keys right after the opening brace of the chosen object, in the JSON text.
      text = JSON.stringify(value);
      const braces = objectBraces(text);
      const pos = braces[m.pick % Math.max(1, braces.length)];
      if (pos === undefined) continue;
      const after = text[pos + 1] === '}' ? PROTO_KEYS : `${PROTO_KEYS},`;
      value = JSON.parse(`${text.slice(0, pos + 1)}${after}${text.slice(pos + 1)}`) as Json;
      continue;
    }
    if (!node) {
      value = m.value as Json;
      continue;
    }
    const keys = Array.isArray(node) ? node.map((_, i) => i) : Object.keys(node);
    const key = keys[m.pick % Math.max(1, keys.length)];
    if (m.op === 'delete' && key !== undefined) {
      if (Array.isArray(node)) node.splice(Number(key), 1);
      else delete (node as Record<string, unknown>)[key];
    } else if (m.op === 'set' && key !== undefined) (node as Record<string | number, unknown>)[key] = m.value;
    else if (!Array.isArray(node)) Object.defineProperty(node, m.key, { value: m.value, enumerable: true, writable: true, configurable: true });
    else node.push(m.value);
  }
  return value;
};

/** A sample from `samples` with 1–4 mutations, or random JSON, or a JSON-level oddity. */
export const hostileInput = (samples: readonly unknown[]): fc.Arbitrary<unknown> =>
  fc.oneof(
    { weight: 6, arbitrary: fc.tuple(fc.constantFrom(...samples), fc.array(mutation, { minLength: 1, maxLength: 4 })).map(([s, ms]) => mutate(s, ms)) },
    { weight: 1, arbitrary: fc.constantFrom(...samples).map((s) => JSON.parse(JSON.stringify(s)) as unknown) },
    { weight: 2, arbitrary: hostileValue },
    { weight: 1, arbitrary: fc.constantFrom<unknown>(undefined, null, '', '{}', [], 0, true, JSON.parse(`{${PROTO_KEYS}}`)) },
  );

/** True when some code polluted Object.prototype (the `__proto__` payloads set `polluted`). */
export const prototypePolluted = (): boolean =>
  (({}) as Record<string, unknown>).polluted !== undefined || ({} as Record<string, unknown>).isAdmin !== undefined;
