/**
 * Turns zod issues into one `path: reason` line per problem, in the words an operator reads at
 * deploy time: the full key path (`profiles.gpu.mix.onDemandPercentage.floor`), what is wrong and,
 * where it helps, the value that was given and the closest allowed key.
 *
 * @example
 * ```ts
 * const result = configSchemas().configFile.safeParse(raw, { reportInput: true });
 * if (!result.success) formatIssues(result.error.issues);
 * // ['profiles.gpu.warmup.timeoutSecond: unknown key (did you mean "timeoutSeconds"? allowed: …)']
 * ```
 */
import type * as z from './zod';
import { describeValue } from './describe-value';
import { ALLOWED_KEYS_MARKER } from './schema';

type Issue = z.core.$ZodIssue;

/** Formats every issue; an unknown-keys issue becomes one line per key. */
export const formatIssues = (issues: readonly Issue[]): string[] => issues.flatMap(formatIssue);

/**
 * Renders a path as `a.b[0].c`, quoting keys that are not plain identifiers.
 *
 * @example
 * ```ts
 * formatPath(['profiles', 'gpu', 'warmup', 'modelUris', 2]); // 'profiles.gpu.warmup.modelUris[2]'
 * formatPath([]); // '(root)'
 * ```
 */
export const formatPath = (path: readonly PropertyKey[]): string => {
  if (path.length === 0) return '(root)';
  return path
    .map((segment, index) => {
      if (typeof segment === 'number') return `[${segment}]`;
      const key = typeof segment === 'symbol' ? segment.toString() : segment;
      if (/^[A-Za-z_$][A-Za-z0-9_$-]*$/.test(key)) return index === 0 ? key : `.${key}`;
      return `[${JSON.stringify(key)}]`;
    })
    .join('');
};

// zod's own English messages start like this; anything else was written by our schema and is kept.
const ZOD_DEFAULT_MESSAGE = /^(Invalid|Too (big|small)|Unrecognized)/;

const formatIssue = (issue: Issue): string[] => {
  const where = formatPath(issue.path);
  if (issue.code === 'unrecognized_keys') {
    const allowed = issue.message.startsWith(ALLOWED_KEYS_MARKER) ? issue.message.slice(ALLOWED_KEYS_MARKER.length).split(',').filter(Boolean) : [];
    return issue.keys.map((key) => `${formatPath([...issue.path, key])}: ${unknownKeyReason(key, allowed)}`);
  }
  return [`${where}: ${reason(issue)}`];
};

const unknownKeyReason = (key: string, allowed: readonly string[]): string => {
  if (allowed.length === 0) return 'unknown key';
  const suggestion = closestKey(key, allowed);
  const hint = suggestion === undefined ? '' : `did you mean "${suggestion}"? `;
  return `unknown key (${hint}allowed: ${allowed.join(', ')})`;
};

const got = (issue: Issue): string => ('input' in issue && issue.input !== undefined ? ` (got ${describeValue(issue.input)})` : '');

const reason = (issue: Issue): string => {
  const custom = !ZOD_DEFAULT_MESSAGE.test(issue.message);
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return 'is required';
      return `${custom ? issue.message : `must be ${typePhrase(issue.expected)}`}${got(issue)}`;
    case 'too_small':
    case 'too_big': {
      if (custom) return issue.message;
      const limit = issue.code === 'too_small' ? issue.minimum : issue.maximum;
      const op = issue.code === 'too_small' ? (issue.inclusive ? '≥' : '>') : issue.inclusive ? '≤' : '<';
      if (issue.origin === 'array') {
        const count = Array.isArray(issue.input) ? ` (got ${issue.input.length})` : '';
        return `must have ${issue.code === 'too_small' ? 'at least' : 'at most'} ${String(limit)} items${count}`;
      }
      if (issue.origin === 'string') {
        const length = typeof issue.input === 'string' ? ` (got ${issue.input.length})` : '';
        return `must be ${issue.code === 'too_small' ? 'at least' : 'at most'} ${String(limit)} characters long${length}`;
      }
      return `must be ${op} ${String(limit)}${got(issue)}`;
    }
    case 'not_multiple_of':
      return custom ? issue.message : `must be a multiple of ${String(issue.divisor)}${got(issue)}`;
    case 'invalid_value':
      if (custom) return issue.message;
      return issue.values.length === 1
        ? `must be ${literal(issue.values[0])}${got(issue)}`
        : `must be one of ${issue.values.map(literal).join(', ')}${got(issue)}`;
    case 'invalid_key': {
      const inner = issue.issues[0];
      return inner !== undefined && !ZOD_DEFAULT_MESSAGE.test(inner.message) ? inner.message : 'invalid key';
    }
    case 'invalid_format':
      return `${custom ? issue.message : `must be a valid ${issue.format}`}${got(issue)}`;
    default:
      return issue.message;
  }
};

const typePhrase = (expected: string): string => {
  switch (expected) {
    case 'int':
      return 'an integer';
    case 'number':
      return 'a number';
    case 'boolean':
      return 'true or false';
    case 'object':
    case 'record':
      return 'an object';
    case 'array':
      return 'an array';
    default:
      return `a ${expected}`;
  }
};

const literal = (value: unknown): string => (typeof value === 'string' ? JSON.stringify(value) : String(value));

/**
 * Closest allowed key by edit distance (≤ 2) or by case-insensitive equality; undefined if none.
 *
 * @example
 * ```ts
 * closestKey('minSze', ['name', 'minSize', 'maxSize']); // 'minSize'
 * ```
 */
export const closestKey = (key: string, allowed: readonly string[]): string | undefined => {
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of allowed) {
    const distance = candidate.toLowerCase() === key.toLowerCase() ? 0 : editDistance(key, candidate);
    if (distance <= 2 && (best === undefined || distance < best.distance)) best = { candidate, distance };
  }
  return best?.candidate;
};

const editDistance = (a: string, b: string): number => {
  // Long keys are never typos of our short field names; skip the quadratic work.
  if (Math.abs(a.length - b.length) > 2 || a.length > 64) return Number.POSITIVE_INFINITY;
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution);
    }
    previous = current;
  }
  return previous[b.length] ?? Number.POSITIVE_INFINITY;
};
