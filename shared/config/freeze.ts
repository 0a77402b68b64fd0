/**
 * Freezes a value and everything it holds (objects and arrays), in place; returns it.
 *
 * @example
 * ```ts
 * const config = deepFreeze(structuredClone(validated));
 * ```
 */
export const deepFreeze = <T>(value: T): T => {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
};
