/**
 * A small schema kit for the event payloads: the subset of the `zod/mini` API that shared/events uses
 * (`object`, `string().check(...)`, `optional`, `pipe`/`transform`, `enum`, `union`, …), with zod's
 * issue shape (`code`, `path`, `message`) and zod's English messages, in ≈ 5 KB instead of ≈ 40 KB.
 *
 * Why not zod itself: every function parses one event per invocation, so the validator is in every
 * Lambda bundle, and zod/mini's core cost ≈ 2.5 ms of each cold start's load time on its own
 * (docs/adr/0004, docs/benchmarks.md). The configuration file, validated at build time, keeps zod.
 *
 * Semantics, as in zod (test/unit/events/validate.test.ts compares the two on random input): object
 * schemas strip unknown keys; every check of a value runs (all issues are reported) unless one fails
 * hard (`int`); `pipe(a, b)` runs `b` only when `a` passed; `union` takes the first option that
 * passes. Differences, on purpose: checks run only once the type is right (zod also runs length
 * checks on a wrong-typed value that has a length, e.g. an array given for a string); object and
 * record schemas read own properties only (an inherited value is absent); and a record never lets
 * a `__proto__` key change its output's prototype.
 *
 * @example
 * ```ts
 * import * as v from './validate';
 * const schema = v.object({ id: v.string().check(v.maxLength(8)), n: v.optional(v.number()) });
 * schema.safeParse({ id: 'abc' }); // { success: true, data: { id: 'abc' } }
 * schema.safeParse({ id: 1 }).error?.issues[0]?.message; // 'Invalid input: expected string, received number'
 * ```
 */

/** One problem found in the input: where (`path`) and what (`message`), zod-style. */
export interface Issue {
  readonly code: IssueCode;
  readonly path: PropertyKey[];
  readonly message: string;
}

/** zod's issue codes, for the kinds this kit reports. */
export type IssueCode = 'invalid_type' | 'invalid_value' | 'too_big' | 'too_small' | 'invalid_format' | 'invalid_union' | 'custom';

/** What a custom error function receives: the issue before it has a message, and the input. */
export interface RawIssue {
  readonly code: IssueCode;
  readonly input: unknown;
  readonly [detail: string]: unknown;
}

/** A custom message: a string, or a function that returns one (undefined keeps the default). */
export type ErrorOption = string | ((issue: RawIssue) => string | undefined);

/** Options accepted by every schema and check that can fail. */
export interface Options {
  readonly error?: ErrorOption;
}

/** Result of {@link Schema.safeParse}. */
export type SafeParseResult<T> = { success: true; data: T; error?: undefined } | { success: false; data?: undefined; error: { issues: Issue[] } };

const INVALID: unique symbol = Symbol('invalid');
type Invalid = typeof INVALID;

const typeName = (input: unknown): string => {
  if (typeof input === 'number') return Number.isNaN(input) ? 'NaN' : Number.isFinite(input) ? 'number' : String(input);
  if (input === null) return 'null';
  if (Array.isArray(input)) return 'array';
  return typeof input;
};

const quote = (value: unknown): string => (typeof value === 'string' ? `"${value}"` : String(value));

const FORMAT_NAMES: Readonly<Record<string, string>> = { guid: 'GUID', uuid: 'UUID', datetime: 'ISO datetime' };

/** zod's English message for an issue. */
const defaultMessage = (issue: RawIssue): string => {
  switch (issue.code) {
    case 'invalid_type':
      return `Invalid input: expected ${String(issue.expected)}, received ${typeName(issue.input)}`;
    case 'invalid_value': {
      const values = issue.values as readonly unknown[];
      return values.length === 1 ? `Invalid input: expected ${quote(values[0])}` : `Invalid option: expected one of ${values.map(quote).join('|')}`;
    }
    case 'too_big':
    case 'too_small': {
      const big = issue.code === 'too_big';
      const sizing = issue.origin === 'string' ? 'characters' : issue.origin === 'array' ? 'items' : undefined;
      const bound = `${big ? '<=' : '>='}${String(big ? issue.maximum : issue.minimum)}`;
      return `Too ${big ? 'big' : 'small'}: expected ${String(issue.origin)} ${sizing ? `to have ${bound} ${sizing}` : `to be ${bound}`}`;
    }
    case 'invalid_format':
      return issue.format === 'regex' ? `Invalid string: must match pattern ${String(issue.pattern)}` : `Invalid ${FORMAT_NAMES[String(issue.format)] ?? String(issue.format)}`;
    default:
      return 'Invalid input';
  }
};

// Issues after which the other checks of the same value still run (zod's "continuable" issues:
// failed checks); a type or value error, and a failed `int`, stop the value's checks. A union uses
// the distinction the way zod does: an option that failed only its checks is the one reported.
const continuable = new WeakSet<Issue>();

const report = (issues: Issue[], path: PropertyKey[], raw: RawIssue, error: ErrorOption | undefined, canContinue = false): void => {
  const custom = typeof error === 'function' ? error(raw) : error;
  const issue: Issue = { code: raw.code, path, message: custom ?? defaultMessage(raw) };
  if (canContinue) continuable.add(issue);
  issues.push(issue);
};

const aborted = (issues: readonly Issue[], from = 0): boolean => {
  for (let i = from; i < issues.length; i += 1) if (!continuable.has(issues[i] as Issue)) return true;
  return false;
};

/** A check on a value whose type is already right; pushes issues, never throws for valid types. */
export type Check<T> = (value: T, path: PropertyKey[], issues: Issue[]) => void;
// Stored checks are typed without O, so that Schema stays covariant in O (a Schema<string> is a Schema<unknown>).
type StoredCheck = (value: never, path: PropertyKey[], issues: Issue[]) => void;

/**
 * A schema: parses `unknown` into `O`. `I` is the input type (kept for zod-compatible typings).
 * Schemas are immutable: {@link Schema.check} returns a new one.
 */
export class Schema<O, I = unknown> {
  /** Type-level only: the parsed type. */
  declare readonly _output: O;
  /** Type-level only: the input type. */
  declare readonly _input: I;

  constructor(
    /** Parses one value; on failure pushes issues and returns the invalid marker. */
    readonly parse: (input: unknown, path: PropertyKey[], issues: Issue[]) => O | Invalid,
    private readonly checks: readonly StoredCheck[] = [],
  ) {}

  /** A copy of this schema with more checks, run in order on a value of the right type. */
  check(...checks: Check<O>[]): Schema<O, I> {
    return new Schema<O, I>(this.parse, [...this.checks, ...checks]);
  }

  /** @internal Parses and runs the checks. */
  run(input: unknown, path: PropertyKey[], issues: Issue[]): O | Invalid {
    const value = this.parse(input, path, issues);
    if (value === INVALID || this.checks.length === 0) return value;
    const before = issues.length;
    for (const check of this.checks) {
      (check as Check<O>)(value, path, issues);
      if (aborted(issues, before)) break;
    }
    return issues.length === before ? value : INVALID;
  }

  /** Parses `input`; never throws for any JSON value (exotic getters may). */
  safeParse(input: unknown): SafeParseResult<O> {
    const issues: Issue[] = [];
    const value = this.run(input, [], issues);
    return value === INVALID || issues.length > 0 ? { success: false, error: { issues } } : { success: true, data: value };
  }
}

/** The parsed type of a schema (zod's `z.output` / `z.infer`). */
export type output<S extends Schema<unknown, unknown>> = S['_output'];

const typed = <T>(expected: string, is: (input: unknown) => input is T, options?: Options): Schema<T> =>
  new Schema<T>((input, path, issues) => {
    if (is(input)) return input;
    report(issues, path, { code: 'invalid_type', expected, input }, options?.error);
    return INVALID;
  });

/** A string. */
export const string = (options?: Options): Schema<string> => typed('string', (i): i is string => typeof i === 'string', options);

/** A finite number (NaN and ±Infinity are rejected, as zod does). */
export const number = (options?: Options): Schema<number> =>
  typed('number', (i): i is number => typeof i === 'number' && Number.isFinite(i), options);

/** A boolean. */
export const boolean = (options?: Options): Schema<boolean> => typed('boolean', (i): i is boolean => typeof i === 'boolean', options);

/** Anything at all. */
export const unknown = (): Schema<unknown> => new Schema<unknown>((input) => input);

/** Exactly one of `values`. */
export const literal = <const T extends string | number | boolean>(value: T | readonly T[], options?: Options): Schema<T> => {
  const values: readonly T[] = Array.isArray(value) ? value : [value as T];
  return new Schema<T>((input, path, issues) => {
    if (values.includes(input as T)) return input as T;
    report(issues, path, { code: 'invalid_value', values, input }, options?.error);
    return INVALID;
  });
};

/** One of the given strings (zod's `z.enum`). */
const enumOf = <const T extends string>(values: readonly T[], options?: Options): Schema<T> => literal<T>(values, options);
export { enumOf as enum };

/** A value that may be `undefined` (an absent object key). */
export const optional = <O, I>(schema: Schema<O, I>): Schema<O | undefined, I | undefined> =>
  new Schema<O | undefined, I | undefined>((input, path, issues) => (input === undefined ? undefined : schema.run(input, path, issues)));

type Shape = Readonly<Record<string, Schema<unknown, unknown>>>;
type OptionalKeys<S extends Shape> = { [K in keyof S]: undefined extends S[K]['_output'] ? K : never }[keyof S];
type ObjectOutput<S extends Shape> = { -readonly [K in Exclude<keyof S, OptionalKeys<S>>]: S[K]['_output'] } & {
  -readonly [K in OptionalKeys<S>]?: S[K]['_output'];
};
type Flat<T> = { [K in keyof T]: T[K] };

/** A plain (non-array, non-null) object; JSON input only ever has own data properties. */
export const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Reads an own property without walking the prototype chain (`__proto__`, `constructor`). */
export const ownProperty = (value: object, key: string): unknown => (Object.hasOwn(value, key) ? (value as Record<string, unknown>)[key] : undefined);

/** An object with these keys (others are stripped); every key is checked, all issues reported. */
export const object = <S extends Shape>(shape: S, options?: Options): Schema<Flat<ObjectOutput<S>>> => {
  const keys = Object.keys(shape);
  return new Schema<Flat<ObjectOutput<S>>>((input, path, issues) => {
    if (!isRecord(input)) {
      report(issues, path, { code: 'invalid_type', expected: 'object', input }, options?.error);
      return INVALID;
    }
    const out: Record<string, unknown> = {};
    let valid = true;
    for (const key of keys) {
      const value = (shape[key] as Schema<unknown, unknown>).run(ownProperty(input, key), [...path, key], issues);
      if (value === INVALID) valid = false;
      else if (value !== undefined || Object.hasOwn(input, key)) out[key] = value;
    }
    return valid ? (out as Flat<ObjectOutput<S>>) : INVALID;
  });
};

/** An array whose every element matches `item`. */
export const array = <O, I>(item: Schema<O, I>, options?: Options): Schema<O[]> =>
  new Schema<O[]>((input, path, issues) => {
    if (!Array.isArray(input)) {
      report(issues, path, { code: 'invalid_type', expected: 'array', input }, options?.error);
      return INVALID;
    }
    const out: O[] = new Array(input.length);
    let valid = true;
    for (let index = 0; index < input.length; index += 1) {
      const value = item.run(input[index], [...path, index], issues);
      if (value === INVALID) valid = false;
      else out[index] = value;
    }
    return valid ? out : INVALID;
  });

/** An object used as a map: every own key matches `key`, every value `value`. */
export const record = <V, I>(key: Schema<string, unknown>, value: Schema<V, I>, options?: Options): Schema<Record<string, V>> =>
  new Schema<Record<string, V>>((input, path, issues) => {
    if (!isRecord(input)) {
      report(issues, path, { code: 'invalid_type', expected: 'record', input }, options?.error);
      return INVALID;
    }
    const out: Record<string, V> = {};
    let valid = true;
    for (const k of Object.keys(input)) {
      const parsedKey = key.run(k, [...path, k], issues);
      const parsed = value.run(input[k], [...path, k], issues);
      if (parsedKey === INVALID || parsed === INVALID) valid = false;
      else Object.defineProperty(out, parsedKey, { value: parsed, enumerable: true, writable: true, configurable: true });
    }
    return valid ? out : INVALID;
  });

/**
 * The first of `options` that passes. When none does: the issues of the only option that got past its
 * type (as zod reports them), else one `invalid_union` issue ("Invalid input").
 */
export const union = <const T extends readonly Schema<unknown, unknown>[]>(options: T, error?: Options): Schema<T[number]['_output']> =>
  new Schema<T[number]['_output']>((input, path, issues) => {
    const failures: Issue[][] = [];
    for (const option of options) {
      const scratch: Issue[] = [];
      const value = option.run(input, path, scratch);
      if (value !== INVALID && scratch.length === 0) return value;
      failures.push(scratch);
    }
    const typed = failures.filter((scratch) => !aborted(scratch));
    if (typed.length === 1) issues.push(...(typed[0] as Issue[]));
    else report(issues, path, { code: 'invalid_union', input }, error?.error);
    return INVALID;
  });

/** Runs `b` on what `a` produced, when `a` passed. */
export const pipe = <A, B, I>(a: Schema<A, I>, b: Schema<B, A>): Schema<B, I> =>
  new Schema<B, I>((input, path, issues) => {
    const first = a.run(input, path, issues);
    return first === INVALID ? INVALID : b.run(first, path, issues);
  });

/** Maps a value (the second half of a {@link pipe}). */
export const transform = <A, B>(map: (value: A) => B): Schema<B, A> => new Schema<B, A>((input) => map(input as A));

const formatted = (format: string, pattern: RegExp, options?: Options): Schema<string> =>
  string(options).check((value, path, issues) => {
    if (!pattern.test(value)) report(issues, path, { code: 'invalid_format', format, input: value }, options?.error, true);
  });

const GUID = /^([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$/;
const UUID = /^([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[1-8][0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}|00000000-0000-0000-0000-000000000000|ffffffff-ffff-ffff-ffff-ffffffffffff)$/;
const DATE =
  '(?:(?:\\d\\d[2468][048]|\\d\\d[13579][26]|\\d\\d0[48]|[02468][048]00|[13579][26]00)-02-29|\\d{4}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12]\\d|3[01])|(?:0[469]|11)-(?:0[1-9]|[12]\\d|30)|(?:02)-(?:0[1-9]|1\\d|2[0-8])))';
const TIME = '(?:[01]\\d|2[0-3]):[0-5]\\d:[0-5]\\d(?:\\.\\d+)?';

/** A GUID: 8-4-4-4-12 hex digits, any variant (zod's `z.guid`). */
export const guid = (options?: Options): Schema<string> => formatted('guid', GUID, options);

/** An RFC 9562 UUID (zod's `z.uuid`). */
export const uuid = (options?: Options): Schema<string> => formatted('uuid', UUID, options);

/** ISO 8601 formats (zod's `z.iso`). */
export const iso = {
  /** A date-time with seconds and `Z` (or, with `offset`, `±hh:mm`), as zod's `z.iso.datetime`. */
  datetime: (options?: Options & { readonly offset?: boolean }): Schema<string> =>
    formatted('datetime', new RegExp(`^${DATE}T(?:${TIME}(?:Z${options?.offset ? '|([+-](?:[01]\\d|2[0-3]):[0-5]\\d)' : ''}))$`), options),
};

const sized = (value: string | readonly unknown[]): { origin: string; size: number } =>
  typeof value === 'string' ? { origin: 'string', size: value.length } : { origin: 'array', size: value.length };

/** At least `minimum` characters (string) or items (array). */
export const minLength =
  (minimum: number, options?: Options): Check<string | readonly unknown[]> =>
  (value, path, issues) => {
    const { origin, size } = sized(value);
    if (size < minimum) report(issues, path, { code: 'too_small', origin, minimum, inclusive: true, input: value }, options?.error, true);
  };

/** At most `maximum` characters (string) or items (array). */
export const maxLength =
  (maximum: number, options?: Options): Check<string | readonly unknown[]> =>
  (value, path, issues) => {
    const { origin, size } = sized(value);
    if (size > maximum) report(issues, path, { code: 'too_big', origin, maximum, inclusive: true, input: value }, options?.error, true);
  };

/** Matches `pattern` (stateless: a global flag is ignored). */
export const regex =
  (pattern: RegExp, options?: Options): Check<string> =>
  (value, path, issues) => {
    pattern.lastIndex = 0;
    if (!pattern.test(value)) report(issues, path, { code: 'invalid_format', format: 'regex', pattern: String(pattern), input: value }, options?.error, true);
  };

/** A number ≤ `maximum`. */
export const maximum =
  (bound: number, options?: Options): Check<number> =>
  (value, path, issues) => {
    if (value > bound) report(issues, path, { code: 'too_big', origin: 'number', maximum: bound, inclusive: true, input: value }, options?.error, true);
  };

/** A number ≥ 0. */
export const nonnegative =
  (options?: Options): Check<number> =>
  (value, path, issues) => {
    if (value < 0) report(issues, path, { code: 'too_small', origin: 'number', minimum: 0, inclusive: true, input: value }, options?.error, true);
  };

/**
 * A whole number within ±(2^53 − 1) (a check here; zod's `z.int()` is both). A fraction stops the
 * other checks, as in zod; an unsafe integer is reported and the other checks still run.
 */
export const int =
  (options?: Options): Check<number> =>
  (value, path, issues) => {
    if (!Number.isInteger(value)) report(issues, path, { code: 'invalid_type', expected: 'int', input: value }, options?.error);
    else if (value > Number.MAX_SAFE_INTEGER)
      report(issues, path, { code: 'too_big', origin: 'int', maximum: Number.MAX_SAFE_INTEGER, inclusive: true, input: value }, options?.error, true);
    else if (value < Number.MIN_SAFE_INTEGER)
      report(issues, path, { code: 'too_small', origin: 'int', minimum: Number.MIN_SAFE_INTEGER, inclusive: true, input: value }, options?.error, true);
  };

/** Passes when `predicate` returns true; else a `custom` issue. */
export const refine =
  <T>(predicate: (value: T) => boolean, options?: Options): Check<T> =>
  (value, path, issues) => {
    if (!predicate(value)) report(issues, path, { code: 'custom', input: value }, options?.error, true);
  };
