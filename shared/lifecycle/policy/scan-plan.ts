/**
 * Which groups the lifecycle sweep reads with their instances this run (docs/adr/0006). Pure.
 *
 * Auto Scaling answers a group's every instance, and nothing in a listing without instances says
 * whether one waits on a hook, so reading every group every minute costs the whole fleet each run
 * (at 200 groups × 500 instances, ~130 MB of XML). Instead a group is read:
 * - **waiting**: the last read found instances waiting on a hook (they need heartbeats every run);
 * - **changed**: its desired, minimum or maximum capacity differs from the last read (Auto Scaling
 *   launches or terminates: new lifecycle actions open);
 * - **new**: never read (a new group, or a lost scan memory);
 * - **due**: its last read is older than its period: the default, or a third of the shortest
 *   heartbeat timeout of its hooks when known, whichever is shorter, never under one sweep interval.
 *   This is the backstop for what the listing cannot show (a replacement launch at the same desired
 *   capacity whose event was lost).
 * Waiting and changed groups are always read; new and due ones fill up to `maxGroups`, the longest
 * unread first, so a backlog (the first run after a deploy) is worked through over a few runs.
 */

/** A group as the listing without instances shows it. */
export interface ScanCandidate {
  name: string;
  /** `desired/min/max`: a change means launches or terminations. */
  signature: string;
}

/** What the previous reads of a group left (the sweep keeps it in the state table). */
export interface ScanMemoryEntry {
  /** When the group was last read with its instances (epoch ms). */
  scannedAt: number;
  signature: string;
  /** Instances waiting on a hook at that read. */
  waiting: number;
  /** The group's own period, from its hooks' heartbeat timeouts, when known. */
  periodMs?: number;
}

export interface ScanPlanInput {
  now: number;
  groups: readonly ScanCandidate[];
  memory: Readonly<Record<string, ScanMemoryEntry>>;
  /** Period of a group whose hooks are not known. */
  defaultPeriodMs: number;
  /** The schedule's interval: no period is shorter. */
  sweepIntervalMs: number;
  /** Most new/due groups read per run (waiting and changed ones are always read). */
  maxGroups: number;
}

export type ScanReason = 'waiting' | 'changed' | 'new' | 'due';

export interface ScanPlan {
  scan: Array<{ name: string; reason: ScanReason }>;
  /** Groups due (or new) left for a later run by `maxGroups`. */
  deferred: number;
}

/** The period of a group whose shortest hook heartbeat timeout is `heartbeatSeconds`. */
export const scanPeriodMs = (heartbeatSeconds: number | undefined, defaultPeriodMs: number, sweepIntervalMs: number): number =>
  Math.max(sweepIntervalMs, heartbeatSeconds === undefined ? defaultPeriodMs : Math.min(defaultPeriodMs, (heartbeatSeconds * 1000) / 3));

/**
 * @example
 * ```ts
 * planGroupScans({ now, groups: [{ name: 'a', signature: '4/2/8' }], memory: {}, defaultPeriodMs: 300_000, sweepIntervalMs: 60_000, maxGroups: 40 });
 * // → { scan: [{ name: 'a', reason: 'new' }], deferred: 0 }
 * ```
 */
export const planGroupScans = (input: ScanPlanInput): ScanPlan => {
  const always: ScanPlan['scan'] = [];
  const optional: Array<{ name: string; reason: ScanReason; at: number }> = [];
  for (const g of input.groups) {
    const m = input.memory[g.name];
    if (m === undefined) optional.push({ name: g.name, reason: 'new', at: Number.NEGATIVE_INFINITY });
    else if (m.waiting > 0) always.push({ name: g.name, reason: 'waiting' });
    else if (m.signature !== g.signature) always.push({ name: g.name, reason: 'changed' });
    // Half an interval of slack: the schedule's invocations drift by seconds, a period of 5 runs stays 5 runs.
    else if (input.now - m.scannedAt >= Math.max(input.sweepIntervalMs, m.periodMs ?? input.defaultPeriodMs) - input.sweepIntervalMs / 2) {
      optional.push({ name: g.name, reason: 'due', at: m.scannedAt });
    }
  }
  optional.sort((a, b) => a.at - b.at || a.name.localeCompare(b.name));
  const room = Math.max(0, input.maxGroups);
  return { scan: [...always, ...optional.slice(0, room).map(({ name, reason }) => ({ name, reason }))], deferred: Math.max(0, optional.length - room) };
};
