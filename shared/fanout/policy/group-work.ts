/**
 * Which groups the reconcile tick hands to the group workers, and what each has to do (docs/adr/0008).
 * Pure: the lifecycle sweep's plan (groups to read for waiting instances) and the mix sweep's plan
 * (groups not at rest) become one piece of work per group, never two messages for one group.
 */
import type { ScanReason } from '../../lifecycle/policy/scan-plan';

/** One group's work this minute: what the worker reads and decides. */
export interface GroupWork {
  group: string;
  /** Why its instances are read for lifecycle actions (absent: no lifecycle work). */
  lifecycle?: ScanReason;
  /** True: the Spot/On-Demand mix is evaluated (the group is not at rest). */
  mix?: true;
}

/**
 * @example
 * ```ts
 * planGroupWork([{ name: 'a', reason: 'waiting' }], ['a', 'b']);
 * // → [{ group: 'a', lifecycle: 'waiting', mix: true }, { group: 'b', mix: true }]
 * ```
 */
export const planGroupWork = (scan: ReadonlyArray<{ name: string; reason: ScanReason }>, mixDue: readonly string[]): GroupWork[] => {
  const work = new Map<string, GroupWork>();
  for (const s of scan) work.set(s.name, { group: s.name, lifecycle: s.reason });
  for (const name of mixDue) work.set(name, { ...(work.get(name) ?? { group: name }), mix: true });
  return [...work.values()];
};
