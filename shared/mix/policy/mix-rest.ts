/**
 * Whether the periodic mix sweep can leave a group alone this minute: no rule of the mix policy
 * ({@link decideMix} in shared/mix/policy/mix.ts) could change it, and its evaluation would write
 * nothing, before a new capacity signal arrives; each signal evaluates its group at once
 * (capacitySignal), and records `lastSignalAt` in the mix record. Pure.
 *
 * At rest when all hold: the group has no MixedInstancesPolicy and that was reported already; or no
 * change is pending, no fallback is in force, the profile's mode is the one of the last target, the
 * newest signal on record is outside the signal window (so no fallback, no raise, no held-back raise:
 * they all need signals inside the window), the distribution in force is at or below the goal (decay
 * only lowers toward it) and, when the profile does not respect the owner's settings, inside the
 * profile's bounds (the bounds rule). The goal and the bounds are {@link mixBounds} of the owner the
 * controller would use.
 */
import { mixBounds, type MixSettings, type MixTarget } from './mix';

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
        owner?: MixTarget;
        target?: MixTarget;
        targetMode?: 'enforce' | 'observe';
        unsupportedReportedAt?: number;
        /** The oldest history entry's `from` (the controller's owner when none is recorded). */
        oldestFrom?: MixTarget;
      }
    | undefined;
  settings: MixSettings;
}

/** The answer, with why (for the decision log). */
export type MixRest = { atRest: boolean; reason: string };

const same = (a: MixTarget, b: MixTarget): boolean => a.base === b.base && a.percent === b.percent;

/**
 * @example
 * ```ts
 * mixAtRest({ now, actual: { base: 1, percent: 25 }, mode: 'enforce', memory: undefined, settings: profile.mix }).atRest; // true when 25 ≤ the goal
 * ```
 */
export const mixAtRest = (input: MixRestInput): MixRest => {
  const { memory: m, settings: s, now } = input;
  if (!s.enabled) return { atRest: true, reason: 'mix controller disabled' };
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
  const actual = input.actual;
  const current = input.mode === 'observe' && m?.target !== undefined ? m.target : actual;
  // The owner as the controller (shared/mix/controller.ts) takes it: the group's own distribution in
  // observe mode or after the owner changed it, else the recorded owner.
  const ownerChanged = input.mode === 'enforce' && m?.targetMode === 'enforce' && m.target !== undefined && !same(actual, m.target);
  const owner = input.mode === 'observe' || ownerChanged ? actual : (m?.owner ?? m?.oldestFrom ?? actual);
  const bounds = mixBounds(s, owner);
  if (current.percent > bounds.goal) return { atRest: false, reason: `${current.percent}% is above the goal ${bounds.goal}% (decay may apply)` };
  if (!s.respectOwnerSettings) {
    const { base, percent } = bounds;
    if (current.base < base.floor || current.base > base.ceiling || current.percent < percent.floor || current.percent > percent.ceiling) {
      return { atRest: false, reason: 'the distribution lies outside the profile bounds' };
    }
  }
  if (ownerChanged && (m?.owner === undefined || !same(m.owner, actual))) {
    return { atRest: false, reason: 'the owner changed the distribution (the record learns the new owner)' };
  }
  return { atRest: true, reason: `at rest: ${current.percent}% ≤ goal ${bounds.goal}%, no signal in the window, nothing pending` };
};
