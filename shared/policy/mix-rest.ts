/**
 * Whether the periodic mix sweep can leave a group alone this minute: no rule of the mix policy
 * (shared/policy/mix.ts) could change it before a new capacity signal arrives, and each signal
 * evaluates its group at once (capacitySignal). Pure.
 *
 * At rest when all hold: no change is pending, no fallback is in force, the last signal on record is
 * outside the signal window (no raise, no fallback), the distribution lies inside floor..ceiling (no
 * bounds change) and its percentage is at or below the cost target (decay only lowers toward it).
 */
import type { MixSettings, MixTarget } from './mix';

/** What the sweep knows without reading instances or signals: the group's distribution and the mix record. */
export interface MixRestInput {
  now: number;
  /** The distribution in force (undefined: the group has no MixedInstancesPolicy). */
  actual: MixTarget | undefined;
  mode: 'enforce' | 'observe';
  /** The mix record's data, decoded; undefined when the group has none. */
  memory:
    | {
        pending?: unknown;
        fallback?: unknown;
        lastSignalAt?: number;
        target?: MixTarget;
        targetMode?: 'enforce' | 'observe';
        unsupportedReportedAt?: number;
      }
    | undefined;
  settings: MixSettings;
}

/** The answer, with why (for the decision log). */
export type MixRest = { atRest: true; reason: string } | { atRest: false; reason: string };

/**
 * @example
 * ```ts
 * mixAtRest({ now, actual: { base: 1, percent: 25 }, mode: 'enforce', memory: undefined, settings: profile.mix }).atRest; // true
 * ```
 */
export const mixAtRest = (input: MixRestInput): MixRest => {
  const { memory: m, settings: s, now } = input;
  if (input.actual === undefined) {
    return m?.unsupportedReportedAt !== undefined
      ? { atRest: true, reason: 'no MixedInstancesPolicy (already reported)' }
      : { atRest: false, reason: 'no MixedInstancesPolicy, not reported yet' };
  }
  if (m?.pending !== undefined) return { atRest: false, reason: 'a claimed change is pending' };
  if (m?.fallback !== undefined) return { atRest: false, reason: 'a fallback to On-Demand is in force' };
  if (m?.targetMode !== undefined && m.targetMode !== input.mode) return { atRest: false, reason: `the profile switched to ${input.mode}` };
  if (m?.lastSignalAt !== undefined && now - m.lastSignalAt < s.signalWindowSeconds * 1000) {
    return { atRest: false, reason: 'a capacity signal is inside the signal window' };
  }
  const current = input.mode === 'observe' && m?.target !== undefined ? m.target : input.actual;
  const { onDemandBaseCapacity: base, onDemandPercentage: pct } = s;
  if (current.base < base.floor || current.base > base.ceiling || current.percent < pct.floor || current.percent > pct.ceiling) {
    return { atRest: false, reason: 'the distribution lies outside the profile bounds' };
  }
  if (current.percent > pct.target) return { atRest: false, reason: `${current.percent}% is above the cost target ${pct.target}% (decay may apply)` };
  return { atRest: true, reason: `at rest: ${current.percent}% ≤ target ${pct.target}%, no signal in the window, nothing pending` };
};
