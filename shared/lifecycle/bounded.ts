/**
 * Runs `work` over `items` with at most `limit` calls in flight, in the order given (the first items
 * start first). Resolves when every started item settled; `work` reports its own failures.
 * `shouldStart` is asked before each item starts: once it says no, the rest are not started
 * (a time budget).
 *
 * @example
 * ```ts
 * await forEachBounded(waiters, 16, (w) => handle(w), () => Date.now() < stopAt);
 * ```
 */
export const forEachBounded = async <T>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number) => Promise<void>,
  shouldStart: () => boolean = () => true,
): Promise<number> => {
  let next = 0;
  let started = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length && shouldStart()) {
      const index = next;
      next += 1;
      started += 1;
      await work(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, lane));
  return started;
};
