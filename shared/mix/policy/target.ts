/**
 * The arithmetic of an `InstancesDistribution` target: bounds, clamping, the On-Demand capacity a
 * target asks for (Auto Scaling rounds the On-Demand share up), the direction of a change, and the
 * fallback and probe targets. Pure.
 */
import type { Profile } from '../../config';

/** The two numbers of `InstancesDistribution` that the controller steers. */
export interface MixTarget {
  /** `OnDemandBaseCapacity`, in capacity units. */
  base: number;
  /** `OnDemandPercentageAboveBaseCapacity`, 0..100. */
  percent: number;
}

/** The profile's mix settings (`profile.mix`). */
export type MixSettings = Profile['mix'];

/** Which way a change moved the On-Demand share. */
export type MixDirection = 'up' | 'down';

/** The bounds a decision works in: the profile's, raised to the owner's settings when the profile respects them. */
export interface MixBounds {
  base: { floor: number; ceiling: number };
  percent: { floor: number; ceiling: number };
  /** Where decay stops. */
  goal: number;
}

const clampInt = (v: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, Math.round(Number.isFinite(v) ? v : lo)));

export const sane = (t: MixTarget): MixTarget => ({ base: clampInt(t.base, 0, 1_000_000), percent: clampInt(t.percent, 0, 100) });

/** The bounds for a group whose owner chose `owner`. */
export const mixBounds = (s: MixSettings, owner: MixTarget): MixBounds => {
  if (!s.respectOwnerSettings) {
    return {
      base: { ...s.onDemandBaseCapacity },
      percent: { floor: s.onDemandPercentage.floor, ceiling: s.onDemandPercentage.ceiling },
      goal: s.onDemandPercentage.target,
    };
  }
  const o = sane(owner);
  return {
    base: { floor: o.base, ceiling: Math.max(o.base, s.onDemandBaseCapacity.ceiling) },
    percent: { floor: o.percent, ceiling: Math.max(o.percent, s.onDemandPercentage.ceiling) },
    goal: Math.min(Math.max(o.percent, s.onDemandPercentage.target), Math.max(o.percent, s.onDemandPercentage.ceiling)),
  };
};

/** Clamps both numbers into bounds: {@link mixBounds}, or the profile's own floor..ceiling when given settings. */
export const clampTarget = (t: MixTarget, s: MixSettings | MixBounds): MixTarget => {
  const b = 'goal' in s ? s : { base: s.onDemandBaseCapacity, percent: s.onDemandPercentage };
  return { base: clampInt(t.base, b.base.floor, b.base.ceiling), percent: clampInt(t.percent, b.percent.floor, b.percent.ceiling) };
};

export const same = (a: MixTarget, b: MixTarget): boolean => a.base === b.base && a.percent === b.percent;

/** `base/percent%` for reasons. */
export const formatTarget = (t: MixTarget): string => `base ${t.base}, ${t.percent}% On-Demand above base`;

/**
 * On-Demand capacity the distribution asks for at `desired`: the base (up to desired) plus the
 * percentage of the rest, rounded up (Auto Scaling rounds the On-Demand share up).
 */
export const onDemandCapacity = (t: MixTarget, desired: number): number => {
  const d = Math.max(0, Number.isFinite(desired) ? desired : 0);
  const base = Math.min(d, Math.max(0, Number.isFinite(t.base) ? t.base : 0));
  const pct = Math.min(100, Math.max(0, Number.isFinite(t.percent) ? t.percent : 0));
  return base + Math.ceil(((d - base) * pct) / 100 - 1e-9);
};

/** Which way `to` moves the On-Demand share from `from` (at `desired`; ties broken by the numbers). */
export const directionOf = (from: MixTarget, to: MixTarget, desired: number): MixDirection => {
  const delta = onDemandCapacity(to, desired) - onDemandCapacity(from, desired);
  if (delta !== 0) return delta > 0 ? 'up' : 'down';
  return to.base + to.percent >= from.base + from.percent ? 'up' : 'down';
};

/** Smallest integer x in [lo, hi] with ok(x), for a monotone ok; hi when none. */
const smallest = (lo: number, hi: number, ok: (x: number) => boolean): number => {
  if (lo >= hi || ok(lo)) return Math.min(lo, hi);
  let a = lo;
  let b = hi;
  while (b - a > 1) {
    const m = Math.floor((a + b) / 2);
    if (ok(m)) b = m;
    else a = m;
  }
  return b;
};

/**
 * The fallback target: the least On-Demand increase that covers the shortfall with On-Demand
 * capacity, raising the base first (up to its ceiling), then the percentage.
 */
export const fallbackTarget = (current: MixTarget, desired: number, shortfall: number, s: MixSettings | MixBounds): MixTarget => {
  const from = clampTarget(current, s);
  const b: MixBounds = 'goal' in s ? s : { base: s.onDemandBaseCapacity, percent: s.onDemandPercentage, goal: s.onDemandPercentage.target };
  const need = Math.min(Math.max(0, desired), onDemandCapacity(from, desired) + shortfall);
  const base = smallest(from.base, Math.max(from.base, b.base.ceiling), (x) => onDemandCapacity({ base: x, percent: from.percent }, desired) >= need);
  if (onDemandCapacity({ base, percent: from.percent }, desired) >= need) return { base, percent: from.percent };
  const percent = smallest(from.percent, Math.max(from.percent, b.percent.ceiling), (p) => onDemandCapacity({ base, percent: p }, desired) >= need);
  return clampTarget({ base, percent }, s);
};

/** One capacity unit less On-Demand than `current`, not below what the fallback replaced; undefined when there is nothing to give back. */
export const probeTarget = (current: MixTarget, before: MixTarget, desired: number, b: MixBounds): MixTarget | undefined => {
  const od = onDemandCapacity(current, desired);
  if (current.base > Math.max(before.base, b.base.floor)) {
    const t = { base: current.base - 1, percent: current.percent };
    if (onDemandCapacity(t, desired) < od) return t;
  }
  for (let p = current.percent - 1; p >= Math.max(before.percent, b.percent.floor); p -= 1) {
    const t = { base: current.base, percent: p };
    if (onDemandCapacity(t, desired) < od) return t;
  }
  return undefined;
};
