/**
 * The Spot/On-Demand mix policy: a pure function from what the group looks like, what the
 * capacity signals say and what the controller did before, to a target `InstancesDistribution`
 * (`OnDemandBaseCapacity`, `OnDemandPercentageAboveBaseCapacity`) or a reason to hold.
 *
 * Rules, in this order (the first that wants a change wins; every change then waits for the cooldown):
 * 1. **fallback**: Spot launches failed for lack of capacity in the window, no Spot instance launched
 *    since the last failure, and the group is below desired capacity → raise the base (then, at the
 *    base ceiling, the percentage) just enough that the On-Demand part covers the shortfall.
 * 2. **raise**: interruptions per Spot instance-hour in the window > `raiseThreshold` → percentage
 *    + `stepPercent` (bounded by the ceiling).
 * 3. **return**: a fallback is active and Spot launched again since the last failure, or the
 *    failures aged out of the window → base (and a percentage the fallback raised) back to what they were.
 * 4. **decay**: rate < `lowerThreshold` and no signal for `quietPeriodSeconds` → percentage
 *    − `decayStepPercent`, never below the profile's `target`.
 * 5. **bounds**: the current values lie outside floor..ceiling → clamp them.
 * Between the thresholds nothing moves (hysteresis). Every target is clamped to floor..ceiling.
 */
import type { Profile } from '../config';
import type { CapacitySignal } from '../state/group-state';

/** The two numbers of `InstancesDistribution` that the controller steers. */
export interface MixTarget {
  /** `OnDemandBaseCapacity`, in capacity units. */
  base: number;
  /** `OnDemandPercentageAboveBaseCapacity`, 0..100. */
  percent: number;
}

/** The profile's mix settings (`profile.mix`). */
export type MixSettings = Profile['mix'];

/** A fallback to On-Demand in force: what it replaced, and what it set. */
export interface FallbackState {
  since: number;
  before: MixTarget;
  /** The target the (last) fallback step set; lets `return` tell its own change from later ones. */
  applied: MixTarget;
}

/** What the controller remembers between decisions (the `mix` record of the group). */
export interface MixControllerMemory {
  /** When the controller last changed (or, in observe mode, would have changed) the mix. */
  lastChangeAt?: number;
  /** The newest capacity signal ever seen, kept beyond the signal window for the quiet period. */
  lastSignalAt?: number;
  fallback?: FallbackState;
}

/** Everything {@link decideMix} looks at. */
export interface MixPolicyInput {
  now: number;
  /** The distribution in force (AWS defaults when absent: base 0, percentage 100). */
  current: MixTarget;
  /** Desired capacity, in capacity units. */
  desiredCapacity: number;
  /** Capacity units of InService instances. */
  inServiceCapacity: number;
  /** Spot instances in the group now (the denominator of the interruption rate, at least 1). */
  spotInstances: number;
  /** Launch time of the newest Spot instance of the group (epoch ms), when known. */
  lastSpotLaunchAt?: number;
  /** The group's capacity signals; only those inside the window count. */
  signals: readonly CapacitySignal[];
  memory: MixControllerMemory;
  settings: MixSettings;
}

/** Which rule produced a change. */
export type MixRule = 'fallback' | 'raise' | 'return' | 'decay' | 'bounds';

/** The numbers a decision used, echoed in the reason and in notifications. */
export interface MixFigures {
  /** Distinct Spot instances warned (interruption or rebalance) in the window. */
  interruptions: number;
  rebalances: number;
  spotLaunchFailures: number;
  spotInstances: number;
  /** Interruptions per Spot instance-hour. */
  rate: number;
  windowSeconds: number;
  shortfall: number;
  lastSignalAt?: number;
}

/** The policy's answer. `fallback` is the fallback state after this decision (undefined = none). */
export type MixDecision =
  | { kind: 'change'; rule: MixRule; from: MixTarget; target: MixTarget; reason: string; figures: MixFigures; fallback?: FallbackState }
  | { kind: 'hold'; reason: string; figures: MixFigures; fallback?: FallbackState };

const clampInt = (v: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, Math.round(Number.isFinite(v) ? v : lo)));

/** Clamps both numbers into the profile's floor..ceiling. */
export const clampTarget = (t: MixTarget, s: MixSettings): MixTarget => ({
  base: clampInt(t.base, s.onDemandBaseCapacity.floor, s.onDemandBaseCapacity.ceiling),
  percent: clampInt(t.percent, s.onDemandPercentage.floor, s.onDemandPercentage.ceiling),
});

const same = (a: MixTarget, b: MixTarget): boolean => a.base === b.base && a.percent === b.percent;

/** `base/percent%` for reasons. */
export const formatTarget = (t: MixTarget): string => `base ${t.base}, ${t.percent}% On-Demand above base`;

/**
 * On-Demand capacity the distribution asks for at `desired`: the base (up to desired) plus the
 * percentage of the rest, rounded up (Auto Scaling rounds the On-Demand share up).
 */
export const onDemandCapacity = (t: MixTarget, desired: number): number => {
  const d = Math.max(0, desired);
  const base = Math.min(d, Math.max(0, t.base));
  return base + Math.ceil(((d - base) * Math.min(100, Math.max(0, t.percent))) / 100 - 1e-9);
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
export const fallbackTarget = (current: MixTarget, desired: number, shortfall: number, s: MixSettings): MixTarget => {
  const from = clampTarget(current, s);
  const need = Math.min(Math.max(0, desired), onDemandCapacity(from, desired) + shortfall);
  const baseCeiling = s.onDemandBaseCapacity.ceiling;
  const base = smallest(from.base, Math.max(from.base, baseCeiling), (b) => onDemandCapacity({ base: b, percent: from.percent }, desired) >= need);
  if (onDemandCapacity({ base, percent: from.percent }, desired) >= need) return { base, percent: from.percent };
  const pctCeiling = s.onDemandPercentage.ceiling;
  const percent = smallest(from.percent, Math.max(from.percent, pctCeiling), (p) => onDemandCapacity({ base, percent: p }, desired) >= need);
  return clampTarget({ base, percent }, s);
};

const fmtRate = (r: number): string => (r === 0 ? '0' : r >= 0.01 ? r.toFixed(3) : r.toPrecision(2));
const secs = (ms: number): string => `${Math.round(ms / 1000)} s`;

/** Counts the signals of the window. Pure. */
export const measureSignals = (input: Pick<MixPolicyInput, 'now' | 'signals' | 'spotInstances' | 'memory' | 'settings' | 'desiredCapacity' | 'inServiceCapacity'>) => {
  const windowMs = input.settings.signalWindowSeconds * 1000;
  const from = input.now - windowMs;
  const warned = new Set<string>();
  let rebalances = 0;
  let failures = 0;
  let lastFailureAt: number | undefined;
  let lastSignalAt = input.memory.lastSignalAt;
  for (const [i, s] of input.signals.entries()) {
    if (!Number.isFinite(s.at) || s.at < from || s.at > input.now) continue;
    lastSignalAt = lastSignalAt === undefined ? s.at : Math.max(lastSignalAt, s.at);
    if (s.kind === 'spot-launch-failure') {
      failures += 1;
      lastFailureAt = lastFailureAt === undefined ? s.at : Math.max(lastFailureAt, s.at);
      continue;
    }
    if (s.kind === 'rebalance-recommendation') rebalances += 1;
    // One instance warned twice (rebalance, then interruption; or a re-delivered event) counts once.
    warned.add(s.instanceId ?? `#${i}`);
  }
  const spotInstances = Math.max(0, Math.floor(Number.isFinite(input.spotInstances) ? input.spotInstances : 0));
  const spotHours = Math.max(spotInstances, 1) * (windowMs / 3_600_000);
  const figures: MixFigures = {
    interruptions: warned.size,
    rebalances,
    spotLaunchFailures: failures,
    spotInstances,
    rate: warned.size / spotHours,
    windowSeconds: input.settings.signalWindowSeconds,
    shortfall: Math.max(0, Math.ceil(input.desiredCapacity - input.inServiceCapacity)),
    ...(lastSignalAt === undefined ? {} : { lastSignalAt }),
  };
  return { figures, lastFailureAt };
};

/**
 * Decides the target mix. Pure: no clock, no I/O; `now` is an input.
 *
 * @example
 * ```ts
 * decideMix({ now, current: { base: 1, percent: 25 }, desiredCapacity: 8, inServiceCapacity: 8, spotInstances: 6,
 *   signals: [...three interruption warnings in the last hour], memory: {}, settings: profile.mix });
 * // → { kind: 'change', rule: 'raise', target: { base: 1, percent: 50 },
 * //     reason: 'raise: 3 Spot instances warned in 3600 s over 6 Spot instances = 0.500 interruptions per Spot instance-hour > raiseThreshold 0.2; …' }
 * ```
 */
export const decideMix = (input: MixPolicyInput): MixDecision => {
  const s = input.settings;
  const { figures, lastFailureAt } = measureSignals(input);
  const current: MixTarget = { base: clampInt(input.current.base, 0, 1_000_000), percent: clampInt(input.current.percent, 0, 100) };
  const fallback = input.memory.fallback;
  const lastChangeAt = input.memory.lastChangeAt;
  const rateText = `${figures.interruptions} Spot instance(s) warned in ${figures.windowSeconds} s over ${figures.spotInstances} Spot instance(s)${figures.spotInstances < 1 ? ' (counted as 1)' : ''} = ${fmtRate(figures.rate)} interruptions per Spot instance-hour`;
  const recovered = lastFailureAt !== undefined && input.lastSpotLaunchAt !== undefined && input.lastSpotLaunchAt > lastFailureAt;

  type Candidate = { rule: MixRule; target: MixTarget; why: string; fallback?: FallbackState } | { hold: string; fallback?: FallbackState };
  const candidate = ((): Candidate => {
    // 1. fallback: Spot capacity is missing and the group is short.
    const failing = figures.spotLaunchFailures > 0 && !recovered && figures.shortfall > 0;
    const freshFailure = lastFailureAt !== undefined && (lastChangeAt === undefined || lastFailureAt > lastChangeAt);
    if (s.fallbackOnCapacityFailure && failing && (fallback === undefined || freshFailure)) {
      const target = fallbackTarget(current, input.desiredCapacity, figures.shortfall, s);
      const why = `fallback: ${figures.spotLaunchFailures} Spot capacity failure(s) in ${figures.windowSeconds} s, group short by ${figures.shortfall} of desired ${input.desiredCapacity} (in service ${input.inServiceCapacity}); On-Demand capacity ${onDemandCapacity(current, input.desiredCapacity)} → ${onDemandCapacity(target, input.desiredCapacity)}`;
      const next: FallbackState = { since: fallback?.since ?? input.now, before: fallback?.before ?? current, applied: target };
      if (same(target, current)) return { hold: `${why}: already at the ceilings (base ≤ ${s.onDemandBaseCapacity.ceiling}, ≤ ${s.onDemandPercentage.ceiling}%)`, ...(fallback ? { fallback } : {}) };
      return { rule: 'fallback', target, why, fallback: next };
    }
    // 2. raise: Spot is being interrupted too often.
    if (figures.rate > s.raiseThreshold) {
      const target = clampTarget({ base: current.base, percent: Math.min(s.onDemandPercentage.ceiling, current.percent + s.stepPercent) }, s);
      const why = `raise: ${rateText} > raiseThreshold ${s.raiseThreshold}`;
      if (same(target, current)) return { hold: `${why}, but already at the ceiling ${s.onDemandPercentage.ceiling}%`, ...(fallback ? { fallback } : {}) };
      return { rule: 'raise', target, why, ...(fallback ? { fallback } : {}) };
    }
    // 3. return: the fallback is no longer needed.
    if (fallback !== undefined && (recovered || figures.spotLaunchFailures === 0)) {
      const percent = current.percent === fallback.applied.percent ? fallback.before.percent : current.percent;
      const target = clampTarget({ base: fallback.before.base, percent }, s);
      const why = `return: ${recovered ? 'a Spot instance launched after the last Spot capacity failure' : `no Spot capacity failure in the last ${figures.windowSeconds} s`}; fallback since ${new Date(fallback.since).toISOString()} ends`;
      if (same(target, current)) return { hold: `${why} (the mix is already ${formatTarget(current)})` };
      return { rule: 'return', target, why };
    }
    // 4. decay: Spot has been calm long enough.
    const quietMs = s.quietPeriodSeconds * 1000;
    const sinceSignal = figures.lastSignalAt === undefined ? Number.POSITIVE_INFINITY : input.now - figures.lastSignalAt;
    if (figures.rate < s.lowerThreshold && fallback === undefined) {
      if (sinceSignal < quietMs) {
        return { hold: `hold: ${rateText} < lowerThreshold ${s.lowerThreshold}, but the last signal was ${secs(sinceSignal)} ago (quiet period ${s.quietPeriodSeconds} s)` };
      }
      const goal = s.onDemandPercentage.target;
      if (current.percent > goal) {
        const target = clampTarget({ base: current.base, percent: Math.max(goal, current.percent - s.decayStepPercent) }, s);
        const quiet = figures.lastSignalAt === undefined ? 'no signal on record' : `last signal ${secs(sinceSignal)} ago ≥ quiet period ${s.quietPeriodSeconds} s`;
        if (!same(target, current)) return { rule: 'decay', target, why: `decay: ${rateText} < lowerThreshold ${s.lowerThreshold}, ${quiet}; toward target ${goal}%` };
      }
    }
    // 5. bounds: keep the group inside the profile's floor..ceiling.
    const bounded = clampTarget(current, s);
    if (!same(bounded, current)) {
      return { rule: 'bounds', target: bounded, why: `bounds: ${formatTarget(current)} is outside base ${s.onDemandBaseCapacity.floor}..${s.onDemandBaseCapacity.ceiling}, ${s.onDemandPercentage.floor}..${s.onDemandPercentage.ceiling}%`, ...(fallback ? { fallback } : {}) };
    }
    if (fallback !== undefined) return { hold: `hold: fallback active since ${new Date(fallback.since).toISOString()}, Spot capacity failures still in the window (${figures.spotLaunchFailures})`, fallback };
    if (figures.rate >= s.lowerThreshold) {
      return { hold: `hold: ${rateText} is within the hysteresis band [lowerThreshold ${s.lowerThreshold}, raiseThreshold ${s.raiseThreshold}]` };
    }
    return {
      hold: `hold: ${rateText}; ${formatTarget(current)} is ${current.percent > s.onDemandPercentage.target ? 'above' : current.percent === s.onDemandPercentage.target ? 'at' : 'below'} the cost target ${s.onDemandPercentage.target}% (decay only lowers toward it)`,
    };
  })();

  if ('hold' in candidate) {
    return { kind: 'hold', reason: candidate.hold, figures, ...(candidate.fallback ? { fallback: candidate.fallback } : {}) };
  }
  const cooldownMs = s.cooldownSeconds * 1000;
  if (lastChangeAt !== undefined && input.now - lastChangeAt < cooldownMs) {
    return {
      kind: 'hold',
      reason: `cooldown: wanted ${formatTarget(current)} → ${formatTarget(candidate.target)} (${candidate.why}), but the last change was ${secs(input.now - lastChangeAt)} ago (cooldown ${s.cooldownSeconds} s)`,
      figures,
      ...(fallback ? { fallback } : {}),
    };
  }
  return {
    kind: 'change',
    rule: candidate.rule,
    from: current,
    target: candidate.target,
    reason: `${candidate.why}; ${formatTarget(current)} → ${formatTarget(candidate.target)}`,
    figures,
    ...(candidate.fallback ? { fallback: candidate.fallback } : {}),
  };
};
