/**
 * Sorting only as much of a bucket as the first-fit scan reads. A 30,000-candidate bucket asked for
 * ~10 % of its capacity reads its first ~10 % in order: those are selected (Floyd–Rivest, the
 * `quickselect` package, O(n) expected comparisons, capped by {@link SELECT_BUDGET}) and only they
 * are sorted. Pure, no I/O.
 *
 * @packageDocumentation
 */
import quickselect from 'quickselect';

/**
 * Up to this many members left unsorted, they are sorted whole: selecting the ~20 % that a scan reads
 * from 250 members took 9 µs against 36 µs for the sort (1,000: 38 against 179 µs; 4,000: 119
 * against 1,181 µs), so below it there is nothing worth saving.
 */
export const SELECT_ABOVE = 256;

/**
 * Comparisons per member left that a selection may spend before it gives up for a full sort.
 * Floyd–Rivest takes ~1.1–1.5 on shuffled input but has no worst-case bound: 5–9 was measured on
 * reversed or blockwise-reversed runs, which are exactly where the sort (TimSort) is cheap.
 */
export const SELECT_BUDGET = 4;

// Thrown by the counting comparator to leave quickselect; made once, never escapes sortNext.
const OVER_BUDGET = new Error('selection over its comparison budget');

/**
 * Puts in order the next `count` items of `items` from `from` on: afterwards `items[from, end)`
 * holds, sorted by `compare`, the `end - from` smallest of `items[from, …)`, and every later item is
 * greater than all of them. `items[0, from)` must already be sorted and ≤ everything after (as left
 * by an earlier call). Returns `end`: `items.length` when it sorted everything left (a small rest, or
 * `count` near the rest), so that scanning `items[0, end)` reads exactly what a full sort would
 * put there. `compare` must be a total order (no two distinct items equal), or the selected set may
 * differ from a full sort's prefix among equals.
 *
 * @example
 * ```ts
 * let sorted = 0;
 * for (let at = 0; at < members.length; at += 1) {
 *   if (at === sorted) sorted = sortNext(members, at, 100, compare);
 *   visit(members[at]);
 * }
 * ```
 */
export function sortNext(items: number[], from: number, count: number, compare: (a: number, b: number) => number, selectAbove = SELECT_ABOVE): number {
  const rest = items.length - from;
  // Selecting then sorting a quarter or more of the rest is no cheaper than sorting it all.
  if (rest <= selectAbove || count * 4 >= rest) {
    sortRange(items, from, items.length, compare);
    return items.length;
  }
  const end = from + Math.max(1, count);
  let budget = SELECT_BUDGET * rest;
  const counted = (a: number, b: number): number => {
    budget -= 1;
    if (budget < 0) throw OVER_BUDGET;
    return compare(a, b);
  };
  try {
    // quickselect's k is inclusive: afterwards items[from, k] are the smallest of items[from, right].
    quickselect(items, end - 1, from, items.length - 1, counted);
  } catch (error) {
    if (error !== OVER_BUDGET) throw error;
    // quickselect only swaps, so items[from, …) still holds the same members: sort them all.
    sortRange(items, from, items.length, compare);
    return items.length;
  }
  sortRange(items, from, end, compare);
  return end;
}

function sortRange(items: number[], from: number, end: number, compare: (a: number, b: number) => number): void {
  if (from === 0 && end === items.length) {
    items.sort(compare);
    return;
  }
  const part = items.slice(from, end).sort(compare);
  for (let i = 0; i < part.length; i += 1) items[from + i] = part[i] as number;
}
