/**
 * Short, safe rendering of an arbitrary input value for error messages (never throws, even on
 * null-prototype objects, and never echoes more than a few dozen characters).
 *
 * @example
 * ```ts
 * describeValue('x'.repeat(100)); // '"xxxx…" (100 characters)'
 * describeValue(null); // 'null'
 * ```
 */
export const describeValue = (value: unknown): string => {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  switch (typeof value) {
    case 'string': {
      const shown = JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
      return value.length > 40 ? `${shown} (${value.length} characters)` : shown;
    }
    case 'number':
    case 'boolean':
    case 'bigint':
      return String(value);
    case 'object':
      return 'an object';
    default:
      return `a ${typeof value}`;
  }
};
