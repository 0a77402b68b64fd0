/**
 * The no-flapping rules of the mix policy, over random signal sequences (fast-check): the policy is
 * driven the way the controller drives it (a change is applied and remembered with its direction),
 * and every change of every run is checked against the rules.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  clampTarget,
  decideMix,
  directionOf,
  type MixControllerMemory,
  type MixDirection,
  type MixSettings,
  type MixTarget,
  mixBounds,
} from '../../../shared/mix/policy/mix';
import type { CapacitySignal } from '../../../shared/state/group-state';
import { NOW, POOLS, settings } from './helpers';

/** Any settings the config schema accepts. */
const settingsArb: fc.Arbitrary<MixSettings> = fc
  .record({
    baseFloor: fc.integer({ min: 0, max: 20 }),
    baseSpan: fc.integer({ min: 0, max: 20 }),
    pct: fc.uniqueArray(fc.integer({ min: 0, max: 100 }), { minLength: 3, maxLength: 3 }).map((a) => a.sort((x, y) => x - y)),
    stepPercent: fc.integer({ min: 1, max: 100 }),
    decayStepPercent: fc.integer({ min: 1, max: 100 }),
    cooldownSeconds: fc.integer({ min: 60, max: 7200 }),
    signalWindowSeconds: fc.integer({ min: 300, max: 86_400 }),
    raiseThreshold: fc.double({ min: 0.01, max: 5, noNaN: true }),
    lowerFraction: fc.double({ min: 0, max: 0.99, noNaN: true }),
    quietPeriodSeconds: fc.integer({ min: 0, max: 86_400 }),
    fallbackOnCapacityFailure: fc.boolean(),
    respectOwnerSettings: fc.boolean(),
    spotDiscount: fc.double({ min: 0, max: 0.99, noNaN: true }),
    replacementSeconds: fc.integer({ min: 60, max: 7200 }),
    shortfallCost: fc.double({ min: 1, max: 100, noNaN: true }),
  })
  .map((r) =>
    settings({
      onDemandBaseCapacity: { floor: r.baseFloor, ceiling: r.baseFloor + r.baseSpan },
      onDemandPercentage: { floor: r.pct[0] ?? 0, target: r.pct[1] ?? 0, ceiling: r.pct[2] ?? 100 },
      stepPercent: r.stepPercent,
      decayStepPercent: r.decayStepPercent,
      cooldownSeconds: r.cooldownSeconds,
      signalWindowSeconds: r.signalWindowSeconds,
      raiseThreshold: r.raiseThreshold,
      lowerThreshold: r.raiseThreshold * r.lowerFraction,
      quietPeriodSeconds: r.quietPeriodSeconds,
      fallbackOnCapacityFailure: r.fallbackOnCapacityFailure,
      respectOwnerSettings: r.respectOwnerSettings,
      spotDiscount: r.spotDiscount,
      replacementSeconds: r.replacementSeconds,
      shortfallCost: r.shortfallCost,
    }),
  );

/** One tick of the world: time passes, signals arrive (in some pools), the group looks some way. */
const stepArb = fc.record({
  dtSeconds: fc.integer({ min: 0, max: 7200 }),
  interruptions: fc.integer({ min: 0, max: 12 }),
  pools: fc.integer({ min: 1, max: 4 }),
  rebalances: fc.integer({ min: 0, max: 3 }),
  launchFailures: fc.integer({ min: 0, max: 3 }),
  desired: fc.integer({ min: 0, max: 60 }),
  missing: fc.integer({ min: 0, max: 10 }),
  spot: fc.integer({ min: 0, max: 60 }),
  spotLaunchedAgoSeconds: fc.option(fc.integer({ min: 0, max: 7200 })),
});

type Step = typeof stepArb extends fc.Arbitrary<infer T> ? T : never;

interface Change {
  at: number;
  from: MixTarget;
  to: MixTarget;
  rule: string;
  direction: MixDirection;
  /** Newest interruption or rebalance signal seen before the decision. */
  newestWarningAt: number | undefined;
  lastFailureAt: number | undefined;
  lastSpotLaunchAt: number | undefined;
}

const signalsOf = (step: Step, t: number, tag: string): CapacitySignal[] => [
  ...Array.from({ length: step.interruptions }, (_, i) => {
    const [instanceType, availabilityZone] = POOLS[i % step.pools] ?? POOLS[0];
    return { kind: 'interruption-warning' as const, at: t, instanceType, availabilityZone, instanceId: `i-${tag}w-${i}` };
  }),
  ...Array.from({ length: step.rebalances }, (_, i) => ({
    kind: 'rebalance-recommendation' as const,
    at: t,
    instanceType: 'g5.xlarge',
    availabilityZone: 'us-east-1b',
    instanceId: `i-${tag}r-${i}`,
  })),
  ...Array.from({ length: step.launchFailures }, () => ({ kind: 'spot-launch-failure' as const, at: t, instanceType: '*', availabilityZone: 'us-east-1c' })),
];

/** Drives the pure policy like the controller does: apply a change, remember what it remembers. */
const run = (s: MixSettings, owner: MixTarget, steps: readonly Step[]) => {
  let t = NOW;
  let current = owner;
  let memory: MixControllerMemory = {};
  let signals: CapacitySignal[] = [];
  const changes: Change[] = [];
  for (const [n, step] of steps.entries()) {
    t += step.dtSeconds * 1000;
    signals = [...signals.filter((x) => x.at >= t - s.signalWindowSeconds * 1000), ...signalsOf(step, t, String(n))];
    const lastSpotLaunchAt = step.spotLaunchedAgoSeconds === null ? undefined : t - step.spotLaunchedAgoSeconds * 1000;
    const d = decideMix({
      now: t,
      current,
      owner,
      desiredCapacity: step.desired,
      inServiceCapacity: Math.max(0, step.desired - step.missing),
      spotInstances: step.spot,
      usablePools: 4,
      ...(lastSpotLaunchAt === undefined ? {} : { lastSpotLaunchAt }),
      signals,
      memory,
      settings: s,
    });
    expect(d.reason.length).toBeGreaterThan(0);
    memory = {
      ...(memory.lastChangeAt === undefined ? {} : { lastChangeAt: memory.lastChangeAt }),
      ...(memory.lastDirection === undefined ? {} : { lastDirection: memory.lastDirection }),
      ...(d.figures.lastSignalAt === undefined ? {} : { lastSignalAt: d.figures.lastSignalAt }),
      ...(d.fallback ? { fallback: d.fallback } : {}),
    };
    if (d.kind === 'change') {
      const inWindow = signals.filter((x) => x.at <= t);
      const newest = (kinds: string[]) =>
        inWindow.filter((x) => kinds.includes(x.kind)).reduce<number | undefined>((m, x) => (m === undefined ? x.at : Math.max(m, x.at)), undefined);
      changes.push({
        at: t,
        from: current,
        to: d.target,
        rule: d.rule,
        direction: d.direction,
        newestWarningAt: newest(['interruption-warning', 'rebalance-recommendation']),
        lastFailureAt: newest(['spot-launch-failure']),
        lastSpotLaunchAt,
      });
      expect(d.direction).toBe(directionOf(current, d.target, step.desired));
      current = d.target;
      memory.lastChangeAt = t;
      memory.lastDirection = d.direction;
    }
  }
  return changes;
};

const ownerArb = fc.record({ base: fc.integer({ min: 0, max: 50 }), percent: fc.integer({ min: 0, max: 100 }) });
const stepsArb = fc.array(stepArb, { minLength: 1, maxLength: 60 });

describe('decideMix: no flapping over random signal sequences', () => {
  it('never outside the bounds, and never below the owner’s settings unless the profile says so', () => {
    fc.assert(
      fc.property(settingsArb, ownerArb, stepsArb, (s, owner, steps) => {
        const bounds = mixBounds(s, owner);
        for (const c of run(s, owner, steps)) {
          expect(clampTarget(c.to, bounds)).toEqual(c.to);
          if (s.respectOwnerSettings) {
            expect(c.to.base).toBeGreaterThanOrEqual(owner.base);
            expect(c.to.percent).toBeGreaterThanOrEqual(owner.percent);
          }
        }
      }),
      { numRuns: 400 },
    );
  });

  it('no two changes inside the cooldown', () => {
    fc.assert(
      fc.property(settingsArb, ownerArb, stepsArb, (s, owner, steps) => {
        const changes = run(s, owner, steps);
        for (let i = 1; i < changes.length; i += 1) expect((changes[i]?.at ?? 0) - (changes[i - 1]?.at ?? 0)).toBeGreaterThanOrEqual(s.cooldownSeconds * 1000);
      }),
      { numRuns: 400 },
    );
  });

  it('no reversal inside the quiet period after any change', () => {
    fc.assert(
      fc.property(settingsArb, ownerArb, stepsArb, (s, owner, steps) => {
        const changes = run(s, owner, steps);
        for (let i = 1; i < changes.length; i += 1) {
          const [a, b] = [changes[i - 1], changes[i]];
          if (a && b && a.direction !== b.direction) expect(b.at - a.at).toBeGreaterThanOrEqual(s.quietPeriodSeconds * 1000);
        }
      }),
      { numRuns: 400 },
    );
  });

  it('a raise only on evidence newer than the previous change', () => {
    fc.assert(
      fc.property(settingsArb, ownerArb, stepsArb, (s, owner, steps) => {
        const changes = run(s, owner, steps);
        changes.forEach((c, i) => {
          if (c.rule !== 'raise') return;
          const previous = changes[i - 1]?.at;
          expect(c.newestWarningAt).toBeDefined();
          if (previous !== undefined) expect(c.newestWarningAt ?? 0).toBeGreaterThan(previous);
        });
      }),
      { numRuns: 400 },
    );
  });

  it('a return from fallback only after a Spot launch newer than the last Spot capacity failure', () => {
    fc.assert(
      fc.property(settingsArb, ownerArb, stepsArb, (s, owner, steps) => {
        for (const c of run(s, owner, steps)) {
          if (c.rule !== 'return') continue;
          expect(c.lastSpotLaunchAt).toBeDefined();
          if (c.lastFailureAt !== undefined) expect(c.lastSpotLaunchAt ?? 0).toBeGreaterThan(c.lastFailureAt);
        }
      }),
      { numRuns: 400 },
    );
  });

  it('every change states what it costs and what it gains, and gains more', () => {
    fc.assert(
      fc.property(settingsArb, ownerArb, stepsArb, (s, owner, steps) => {
        let t = NOW;
        for (const step of steps) {
          t += step.dtSeconds * 1000;
          const d = decideMix({
            now: t,
            current: owner,
            owner,
            desiredCapacity: step.desired,
            inServiceCapacity: Math.max(0, step.desired - step.missing),
            spotInstances: step.spot,
            usablePools: 4,
            signals: signalsOf(step, t, 'x'),
            memory: {},
            settings: s,
          });
          if (d.kind !== 'change' || d.rule === 'bounds') continue;
          expect(d.economics).toBeDefined();
          expect(d.economics?.gain ?? 0).toBeGreaterThan(d.economics?.cost ?? 0);
          expect(d.reason).toMatch(/pays for its churn: gain [\d.]+ vs cost [\d.]+ On-Demand unit-hours/);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('an all-On-Demand group without any Spot signal is never changed', () => {
    fc.assert(
      fc.property(settingsArb, fc.integer({ min: 0, max: 50 }), fc.array(fc.integer({ min: 0, max: 7200 }), { maxLength: 40 }), (s, base, dts) => {
        const steps = dts.map((dtSeconds) => ({
          dtSeconds,
          interruptions: 0,
          pools: 1,
          rebalances: 0,
          launchFailures: 0,
          desired: 60,
          missing: 0,
          spot: 0,
          spotLaunchedAgoSeconds: null,
        }));
        expect(run({ ...s, respectOwnerSettings: true }, { base, percent: 100 }, steps)).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });

  it('any input gives a decision, never a crash (NaN, negatives, huge numbers)', () => {
    const weird = fc.oneof(fc.double(), fc.integer({ min: -1e9, max: 1e9 }), fc.constant(Number.NaN), fc.constant(Number.POSITIVE_INFINITY));
    fc.assert(
      fc.property(settingsArb, weird, weird, weird, weird, weird, weird, (s, base, percent, desired, inService, spot, pools) => {
        const d = decideMix({
          now: NOW,
          current: { base, percent },
          owner: { base, percent },
          desiredCapacity: desired,
          inServiceCapacity: inService,
          spotInstances: spot,
          usablePools: pools,
          signals: [],
          memory: {},
          settings: s,
        });
        if (d.kind === 'change') expect(Number.isInteger(d.target.base) && Number.isInteger(d.target.percent)).toBe(true);
        expect(typeof d.reason).toBe('string');
      }),
      { numRuns: 500 },
    );
  });
});
