/**
 * The Spot/On-Demand mix policy: a pure function from what the group looks like, what the
 * capacity signals say and what the controller did before, to a target `InstancesDistribution`
 * (`OnDemandBaseCapacity`, `OnDemandPercentageAboveBaseCapacity`) or a reason to hold.
 *
 * A change is not free: Auto Scaling answers a new base or percentage by **replacing running
 * instances** (launch before terminate; CloudFormation reference, AWS::AutoScaling::AutoScalingGroup
 * InstancesDistribution). So every change states what it costs (instances replaced × boot and
 * warm-up, the price difference over the horizon) and what it avoids (expected interruptions and
 * shortfall), in On-Demand unit-hours, and holds when the gain does not exceed the cost.
 *
 * Rules, in this order (the first that wants a change wins):
 * 1. **fallback**: Spot launches failed for lack of capacity after the last change (or no fallback
 *    is active yet), no Spot launch succeeded since, and the group is below desired → raise the base
 *    (then the percentage) just enough that On-Demand covers the shortfall.
 * 2. **raise**: interruptions *newer than the last change* per Spot instance-hour, scaled by the
 *    share of the group's usable Spot pools that are being interrupted (interruptions confined to
 *    one pool are the allocation strategy's job), exceed `raiseThreshold` → + `stepPercent`.
 * 3. **return**: a fallback is active and a Spot launch succeeded after the last failure → back to
 *    what the fallback replaced. Failures ageing out of the window are not evidence: without a
 *    successful Spot launch the fallback stays. **probe**: a fallback with no failure for the quiet
 *    period and nothing that launches Spot lowers the On-Demand share by one unit, so that Auto
 *    Scaling tries one Spot replacement: launch before terminate, a failed probe leaves the group whole.
 * 4. **decay**: the rate is below `lowerThreshold`, no signal for `quietPeriodSeconds`, and the group
 *    had Spot capacity to observe (Spot instance-hours since the last signal or change ≥
 *    1/`raiseThreshold`) → − `decayStepPercent`, never below the goal (the owner's percentage, or the
 *    profile's `target` if higher).
 * 5. **bounds** (only with `respectOwnerSettings: false`): clamp into the profile's floor..ceiling.
 * Guards on every change: never within `cooldownSeconds` of the last change; never the opposite
 * direction of the last change within `quietPeriodSeconds` of it; never outside the bounds; never
 * below the owner's settings unless the profile says so (`respectOwnerSettings: false`).
 */
import { type CapacitySignal, warnedInstanceKey } from '../../state/group-state';
import {
  clampTarget,
  directionOf,
  fallbackTarget,
  formatTarget,
  type MixDirection,
  type MixSettings,
  type MixTarget,
  mixBounds,
  onDemandCapacity,
  probeTarget,
  same,
  sane,
} from './target';

export type { MixBounds, MixDirection, MixSettings, MixTarget } from './target';
export { clampTarget, directionOf, fallbackTarget, formatTarget, mixBounds, onDemandCapacity } from './target';

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
  /** The direction of that change (a reversal waits for the quiet period). */
  lastDirection?: MixDirection;
  /** The newest capacity signal ever seen, kept beyond the signal window for the quiet period. */
  lastSignalAt?: number;
  fallback?: FallbackState;
}

/** Everything {@link decideMix} looks at. */
export interface MixPolicyInput {
  now: number;
  /** The distribution in force (AWS defaults when absent: base 0, percentage 100). */
  current: MixTarget;
  /**
   * The owner's distribution (as the controller first found the group, or as the owner last set it):
   * the floor the controller never goes below unless the profile says so. Absent: `current`.
   */
  owner?: MixTarget;
  /** Desired capacity, in capacity units. */
  desiredCapacity: number;
  /** Capacity units of InService instances. */
  inServiceCapacity: number;
  /** Spot instances in the group now (the denominator of the interruption rate, at least 1). */
  spotInstances: number;
  /** Launch time of the newest Spot instance of the group (epoch ms), when known. */
  lastSpotLaunchAt?: number;
  /** Spot pools (instance type × Availability Zone) the group can launch into; at least the pools signals name. */
  usablePools?: number;
  /** The group's capacity signals; only those inside the window count. */
  signals: readonly CapacitySignal[];
  memory: MixControllerMemory;
  settings: MixSettings;
}

/** Which rule produced a change. */
export type MixRule = 'fallback' | 'raise' | 'probe' | 'return' | 'decay' | 'bounds';

/** The numbers a decision used, echoed in the reason and in notifications. */
export interface MixFigures {
  /** Distinct Spot instances warned (interruption or rebalance) in the window. */
  interruptions: number;
  /** Of those, warned after the last change (the evidence a raise may use). */
  freshInterruptions: number;
  rebalances: number;
  spotLaunchFailures: number;
  spotInstances: number;
  /** Interruptions per Spot instance-hour over the window. */
  rate: number;
  /** Pools with interruptions in the window, and pools the group can use. */
  hitPools: number;
  usablePools: number;
  /** `rate` × hitPools / usablePools: the risk the allocation strategy cannot steer around. */
  risk: number;
  windowSeconds: number;
  shortfall: number;
  lastSignalAt?: number;
}

/** What a change costs and what it avoids, in On-Demand capacity-unit-hours. */
export interface MixEconomics {
  /** Capacity units whose market the change moves. */
  units: number;
  /** Running instances (capacity units) the change replaces. */
  replaced: number;
  /** Replacements paid while they boot and warm. */
  churn: number;
  /** Price difference over the horizon (negative = a saving). */
  price: number;
  /** Expected shortfall the change avoids (negative = adds), valued at `shortfallCost`. */
  avoided: number;
  gain: number;
  cost: number;
  horizonHours: number;
}

/** The policy's answer. `fallback` is the fallback state after this decision (undefined = none). */
export type MixDecision =
  | {
      kind: 'change';
      rule: MixRule;
      direction: MixDirection;
      from: MixTarget;
      target: MixTarget;
      reason: string;
      figures: MixFigures;
      economics?: MixEconomics;
      fallback?: FallbackState;
    }
  | { kind: 'hold'; reason: string; figures: MixFigures; economics?: MixEconomics; fallback?: FallbackState };

const fmtRate = (r: number): string => (r === 0 ? '0' : r >= 0.01 ? r.toFixed(3) : r.toPrecision(2));
const fmtUh = (x: number): string => (Math.abs(x) >= 10 ? x.toFixed(0) : x.toFixed(2));
const secs = (ms: number): string => `${Math.round(ms / 1000)} s`;
const poolOf = (s: CapacitySignal): string => `${s.instanceType}|${s.availabilityZone}`;

/** Counts the signals of the window. Pure. */
export const measureSignals = (
  input: Pick<MixPolicyInput, 'now' | 'signals' | 'spotInstances' | 'memory' | 'settings' | 'desiredCapacity' | 'inServiceCapacity' | 'usablePools'>,
) => {
  const windowMs = input.settings.signalWindowSeconds * 1000;
  const from = input.now - windowMs;
  const since = input.memory.lastChangeAt ?? Number.NEGATIVE_INFINITY;
  const warned = new Set<string>();
  const fresh = new Set<string>();
  const pools = new Set<string>();
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
    const id = warnedInstanceKey(s, i);
    warned.add(id);
    if (s.at > since) fresh.add(id);
    pools.add(poolOf(s));
  }
  const spotInstances = Math.max(0, Math.floor(Number.isFinite(input.spotInstances) ? input.spotInstances : 0));
  const spotHours = Math.max(spotInstances, 1) * (windowMs / 3_600_000);
  const usable = Math.max(pools.size, 1, Math.floor(Number.isFinite(input.usablePools) ? (input.usablePools ?? 1) : 1));
  const rate = warned.size / spotHours;
  const spread = pools.size / usable;
  const figures: MixFigures = {
    interruptions: warned.size,
    freshInterruptions: fresh.size,
    rebalances,
    spotLaunchFailures: failures,
    spotInstances,
    rate,
    hitPools: pools.size,
    usablePools: usable,
    risk: rate * spread,
    windowSeconds: input.settings.signalWindowSeconds,
    shortfall: Math.max(
      0,
      Math.ceil(
        (Number.isFinite(input.desiredCapacity) ? input.desiredCapacity : 0) - (Number.isFinite(input.inServiceCapacity) ? input.inServiceCapacity : 0),
      ),
    ),
    ...(lastSignalAt === undefined ? {} : { lastSignalAt }),
  };
  return { figures, lastFailureAt, freshRisk: (fresh.size / spotHours) * spread };
};

/**
 * What moving from `from` to `to` costs and avoids over the horizon (the signal window), in
 * On-Demand capacity-unit-hours. `risk` = interruptions per Spot instance-hour the allocation
 * strategy cannot avoid; `shortfall` = units the group is short now (fallback only).
 */
export const changeEconomics = (
  from: MixTarget,
  to: MixTarget,
  at: { desired: number; inService: number; risk: number; shortfall: number; fillsShortfall: boolean },
  s: MixSettings,
): MixEconomics => {
  const h = s.signalWindowSeconds / 3600;
  const r = s.replacementSeconds / 3600;
  const d = s.spotDiscount;
  const delta = onDemandCapacity(to, at.desired) - onDemandCapacity(from, at.desired);
  const units = Math.abs(delta);
  // Units that fill a shortfall are launches the group needs anyway, not replacements.
  const replaced = Math.max(0, units - (at.fillsShortfall ? at.shortfall : 0));
  const newPrice = delta > 0 ? 1 : 1 - d;
  const churn = replaced * r * newPrice;
  const price = delta * d * h;
  // An interruption leaves a unit short while its replacement boots and warms.
  const interruptionShortfall = at.risk * units * h * r * s.shortfallCost;
  const fill = at.fillsShortfall ? Math.min(units, at.shortfall) * h * s.shortfallCost : 0;
  const avoided = delta > 0 ? interruptionShortfall + fill : -interruptionShortfall;
  const gain = Math.max(0, avoided) + Math.max(0, -price);
  const cost = churn + Math.max(0, price) + Math.max(0, -avoided);
  return { units, replaced, churn, price, avoided, gain, cost, horizonHours: h };
};

const economicsText = (e: MixEconomics, s: MixSettings): string =>
  `gain ${fmtUh(e.gain)} vs cost ${fmtUh(e.cost)} On-Demand unit-hours over ${fmtUh(e.horizonHours)} h (${e.units} unit(s) change market, ${e.replaced} replaced × ${s.replacementSeconds} s boot+warm-up = ${fmtUh(e.churn)}; price difference ${e.price >= 0 ? '+' : ''}${fmtUh(e.price)} at a ${Math.round(s.spotDiscount * 100)} % Spot discount; shortfall ${e.avoided >= 0 ? 'avoided' : 'added'} ${fmtUh(Math.abs(e.avoided))} at ${s.shortfallCost}× per unit-hour)`;

/**
 * Decides the target mix. Pure: no clock, no I/O; `now` is an input.
 *
 * @example
 * ```ts
 * decideMix({ now, current: { base: 1, percent: 25 }, desiredCapacity: 8, inServiceCapacity: 8, spotInstances: 6,
 *   usablePools: 4, signals: [...warnings in every pool], memory: {}, settings: profile.mix });
 * // → { kind: 'hold', reason: 'raise would not pay for its churn: gain 0.40 vs cost 1.53 On-Demand unit-hours …' }
 * ```
 */
export const decideMix = (input: MixPolicyInput): MixDecision => {
  const s = input.settings;
  const { figures, lastFailureAt, freshRisk } = measureSignals(input);
  const current = sane(input.current);
  const owner = sane(input.owner ?? input.current);
  const bounds = mixBounds(s, owner);
  const desired = Math.max(0, Number.isFinite(input.desiredCapacity) ? input.desiredCapacity : 0);
  const inService = Math.max(0, Number.isFinite(input.inServiceCapacity) ? input.inServiceCapacity : 0);
  const fallback = input.memory.fallback;
  const lastChangeAt = input.memory.lastChangeAt;
  const rateText = `${figures.interruptions} Spot instance(s) warned in ${figures.windowSeconds} s (${figures.freshInterruptions} since the last change) over ${figures.spotInstances} Spot instance(s)${figures.spotInstances < 1 ? ' (counted as 1)' : ''} = ${fmtRate(figures.rate)} interruptions per Spot instance-hour in ${figures.hitPools} of ${figures.usablePools} pool(s): risk ${fmtRate(figures.risk)}`;
  const recovered = lastFailureAt !== undefined && input.lastSpotLaunchAt !== undefined && input.lastSpotLaunchAt > lastFailureAt;
  const keep = fallback ? { fallback } : {};

  type Candidate =
    | { rule: MixRule; target: MixTarget; why: string; economics?: MixEconomics; fallback?: FallbackState }
    | { hold: string; economics?: MixEconomics; fallback?: FallbackState };
  const pays = (rule: MixRule, target: MixTarget, why: string, risk: number, fills: boolean, next: FallbackState | undefined): Candidate => {
    const e = changeEconomics(current, target, { desired, inService, risk, shortfall: figures.shortfall, fillsShortfall: fills }, s);
    const fb = next ? { fallback: next } : {};
    if (e.gain <= e.cost)
      return { hold: `hold: ${rule} to ${formatTarget(target)} would not pay for its churn: ${economicsText(e, s)}; ${why}`, economics: e, ...keep };
    return { rule, target, why: `${why}; pays for its churn: ${economicsText(e, s)}`, economics: e, ...fb };
  };

  const candidate = ((): Candidate => {
    // 1. fallback: Spot capacity is missing and the group is short.
    const failing = figures.spotLaunchFailures > 0 && !recovered && figures.shortfall > 0;
    const freshFailure = lastFailureAt !== undefined && (lastChangeAt === undefined || lastFailureAt > lastChangeAt);
    if (s.fallbackOnCapacityFailure && failing && (fallback === undefined || freshFailure)) {
      const target = fallbackTarget(current, desired, figures.shortfall, bounds);
      const why = `fallback: ${figures.spotLaunchFailures} Spot capacity failure(s) in ${figures.windowSeconds} s and no Spot launch since, group short by ${figures.shortfall} of desired ${desired} (in service ${inService}); On-Demand capacity ${onDemandCapacity(current, desired)} → ${onDemandCapacity(target, desired)}`;
      if (same(target, current)) return { hold: `${why}: already at the ceilings (base ≤ ${bounds.base.ceiling}, ≤ ${bounds.percent.ceiling}%)`, ...keep };
      const next: FallbackState = { since: fallback?.since ?? input.now, before: fallback?.before ?? current, applied: target };
      return pays('fallback', target, why, figures.risk, true, next);
    }
    // 2. raise: Spot is being interrupted too often, across the pools, on evidence newer than the last change.
    if (figures.risk > s.raiseThreshold) {
      if (freshRisk <= s.raiseThreshold) {
        return {
          hold: `hold: ${rateText} > raiseThreshold ${s.raiseThreshold}, but only ${figures.freshInterruptions} warning(s) since the last change (fresh risk ${fmtRate(freshRisk)}): a raise needs evidence newer than the last change`,
          ...keep,
        };
      }
      const target = clampTarget({ base: current.base, percent: Math.min(bounds.percent.ceiling, current.percent + s.stepPercent) }, bounds);
      const why = `raise: ${rateText} > raiseThreshold ${s.raiseThreshold}`;
      if (same(target, current)) return { hold: `${why}, but already at the ceiling ${bounds.percent.ceiling}%`, ...keep };
      return pays('raise', target, why, figures.risk, false, fallback);
    }
    if (figures.rate > s.raiseThreshold) {
      const confined = `hold: ${rateText}: the interruptions are confined to ${figures.hitPools} of ${figures.usablePools} pool(s); moving new Spot capacity to the others is the allocation strategy's job, not the mix's`;
      if (fallback === undefined) return { hold: confined };
    }
    // 3. return: a Spot launch succeeded after the last Spot capacity failure.
    if (fallback !== undefined) {
      if (!recovered && figures.spotLaunchFailures > 0) {
        return {
          hold: `hold: fallback active since ${new Date(fallback.since).toISOString()}, Spot capacity failures still in the window (${figures.spotLaunchFailures}) and no Spot launch since the last one`,
          fallback,
        };
      }
      if (!recovered) {
        const quiet = s.quietPeriodSeconds * 1000;
        const calmFor = figures.lastSignalAt === undefined ? Number.POSITIVE_INFINITY : input.now - figures.lastSignalAt;
        const probe = probeTarget(current, fallback.before, desired, bounds);
        const waiting = `hold: fallback active since ${new Date(fallback.since).toISOString()}: it ends when a Spot launch succeeds (failures ageing out of the window are not evidence that Spot is back)`;
        if (calmFor < quiet || probe === undefined)
          return { hold: `${waiting}; no probe yet (last signal ${secs(calmFor)} ago, quiet period ${s.quietPeriodSeconds} s)`, fallback };
        const why = `probe: fallback since ${new Date(fallback.since).toISOString()}, no Spot capacity failure for ${secs(calmFor)} (quiet period ${s.quietPeriodSeconds} s) and no Spot launch to tell whether Spot is back; one unit less On-Demand makes Auto Scaling try one Spot replacement (launch before terminate: a failed probe leaves the group whole)`;
        return pays('probe', probe, why, 0, false, { ...fallback, applied: probe });
      }
      const percent = current.percent === fallback.applied.percent ? fallback.before.percent : current.percent;
      const target = clampTarget({ base: fallback.before.base, percent }, bounds);
      const why = `return: a Spot instance launched after the last Spot capacity failure; fallback since ${new Date(fallback.since).toISOString()} ends`;
      if (same(target, current)) return { hold: `${why} (the mix is already ${formatTarget(current)})` };
      return pays('return', target, why, 0, false, undefined);
    }
    // 4. decay: Spot has been calm long enough, and the group had Spot capacity to see it.
    const quietMs = s.quietPeriodSeconds * 1000;
    const sinceSignal = figures.lastSignalAt === undefined ? Number.POSITIVE_INFINITY : input.now - figures.lastSignalAt;
    if (figures.rate < s.lowerThreshold && current.percent > bounds.goal) {
      if (sinceSignal < quietMs) {
        return {
          hold: `hold: ${rateText} < lowerThreshold ${s.lowerThreshold}, but the last signal was ${secs(sinceSignal)} ago (quiet period ${s.quietPeriodSeconds} s)`,
        };
      }
      const observedFrom = Math.max(lastChangeAt ?? Number.NEGATIVE_INFINITY, figures.lastSignalAt ?? Number.NEGATIVE_INFINITY);
      const observedHours =
        figures.spotInstances === 0
          ? 0
          : Number.isFinite(observedFrom)
            ? (figures.spotInstances * Math.max(0, input.now - observedFrom)) / 3_600_000
            : Number.POSITIVE_INFINITY;
      const needed = 1 / s.raiseThreshold;
      if (observedHours < needed) {
        return {
          hold: `hold: calm (${rateText}), but only ${fmtUh(observedHours)} Spot instance-hours observed since the last change or signal (${figures.spotInstances} Spot instance(s) now); decay needs ${fmtUh(needed)} (1/raiseThreshold) to have seen Spot behave`,
        };
      }
      const target = clampTarget({ base: current.base, percent: Math.max(bounds.goal, current.percent - s.decayStepPercent) }, bounds);
      const quiet =
        figures.lastSignalAt === undefined ? 'no signal on record' : `last signal ${secs(sinceSignal)} ago ≥ quiet period ${s.quietPeriodSeconds} s`;
      if (!same(target, current)) {
        return pays(
          'decay',
          target,
          `decay: ${rateText} < lowerThreshold ${s.lowerThreshold}, ${quiet}, ${fmtUh(observedHours)} Spot instance-hours observed; toward ${bounds.goal}%`,
          figures.risk,
          false,
          undefined,
        );
      }
    }
    // 5. bounds: only when the profile does not defer to the owner's settings.
    if (!s.respectOwnerSettings) {
      const bounded = clampTarget(current, bounds);
      if (!same(bounded, current)) {
        return {
          rule: 'bounds',
          target: bounded,
          why: `bounds: ${formatTarget(current)} is outside base ${bounds.base.floor}..${bounds.base.ceiling}, ${bounds.percent.floor}..${bounds.percent.ceiling}% (respectOwnerSettings: false)`,
        };
      }
    }
    if (figures.rate >= s.lowerThreshold)
      return {
        hold: `hold: ${rateText}; risk ${fmtRate(figures.risk)} is not above raiseThreshold ${s.raiseThreshold} and the rate is not below lowerThreshold ${s.lowerThreshold} (hysteresis)`,
      };
    return {
      hold: `hold: ${rateText}; ${formatTarget(current)} is ${current.percent > bounds.goal ? 'above' : current.percent === bounds.goal ? 'at' : 'below'} the goal ${bounds.goal}% (${s.respectOwnerSettings ? "the owner's percentage or the profile target, whichever is higher" : 'the profile target'}; decay only lowers toward it)`,
    };
  })();

  if ('hold' in candidate) {
    return {
      kind: 'hold',
      reason: candidate.hold,
      figures,
      ...(candidate.economics ? { economics: candidate.economics } : {}),
      ...(candidate.fallback ? { fallback: candidate.fallback } : {}),
    };
  }
  const direction = directionOf(current, candidate.target, desired);
  const wanted = `wanted ${formatTarget(current)} → ${formatTarget(candidate.target)} (${candidate.why})`;
  const holdAs = (why: string): MixDecision => ({
    kind: 'hold',
    reason: why,
    figures,
    ...(candidate.economics ? { economics: candidate.economics } : {}),
    ...keep,
  });
  const cooldownMs = s.cooldownSeconds * 1000;
  if (lastChangeAt !== undefined && input.now - lastChangeAt < cooldownMs) {
    return holdAs(`cooldown: ${wanted}, but the last change was ${secs(input.now - lastChangeAt)} ago (cooldown ${s.cooldownSeconds} s)`);
  }
  const last = input.memory.lastDirection;
  if (lastChangeAt !== undefined && last !== undefined && last !== direction && input.now - lastChangeAt < s.quietPeriodSeconds * 1000) {
    return holdAs(`no reversal: ${wanted}, but the last change went ${last} ${secs(input.now - lastChangeAt)} ago (quiet period ${s.quietPeriodSeconds} s)`);
  }
  return {
    kind: 'change',
    rule: candidate.rule,
    direction,
    from: current,
    target: candidate.target,
    reason: `${candidate.why}; ${formatTarget(current)} → ${formatTarget(candidate.target)}`,
    figures,
    ...(candidate.economics ? { economics: candidate.economics } : {}),
    ...(candidate.fallback ? { fallback: candidate.fallback } : {}),
  };
};
