import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { clampTarget, decideMix, type MixControllerMemory, type MixSettings, type MixTarget } from '../../../shared/policy/mix';
import type { CapacitySignal } from '../../../shared/state/group-state';
import { NOW, settings } from './helpers';

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
    }),
  );

/** One tick of the world: time passes, signals arrive, the group looks some way. */
const stepArb = fc.record({
  dtSeconds: fc.integer({ min: 0, max: 7200 }),
  interruptions: fc.integer({ min: 0, max: 6 }),
  rebalances: fc.integer({ min: 0, max: 3 }),
  launchFailures: fc.integer({ min: 0, max: 3 }),
  desired: fc.integer({ min: 0, max: 60 }),
  missing: fc.integer({ min: 0, max: 10 }),
  spot: fc.integer({ min: 0, max: 60 }),
  spotLaunchedAgoSeconds: fc.option(fc.integer({ min: 0, max: 7200 })),
});

type Step = typeof stepArb extends fc.Arbitrary<infer T> ? T : never;

/** A tick that states the window's whole content (the alternating tests need an exact rate). */
interface WindowTick {
  dtSeconds: number;
  spot: number;
  window: (t: number) => CapacitySignal[];
}

interface Change {
  at: number;
  to: MixTarget;
  rule: string;
}

const warn = (count: number, at: number, tag: string): CapacitySignal[] =>
  Array.from({ length: count }, (_, i) => ({ kind: 'interruption-warning' as const, at, instanceType: 'g5.xlarge', availabilityZone: 'us-east-1a', instanceId: `i-${tag}-${i}` }));

const freshSignals = (step: Step, t: number, tag: string): CapacitySignal[] => [
  ...warn(step.interruptions, t, `${tag}w`),
  ...Array.from({ length: step.rebalances }, (_, i) => ({ kind: 'rebalance-recommendation' as const, at: t, instanceType: 'g5.xlarge', availabilityZone: 'us-east-1b', instanceId: `i-${tag}r-${i}` })),
  ...Array.from({ length: step.launchFailures }, () => ({ kind: 'spot-launch-failure' as const, at: t, instanceType: '*', availabilityZone: 'us-east-1c' })),
];

/** Drives the pure policy like the controller does: apply a change, remember what it remembers. */
const run = (s: MixSettings, start: MixTarget, ticks: ReadonlyArray<Step | WindowTick>) => {
  let t = NOW;
  let current = start;
  let memory: MixControllerMemory = {};
  let signals: CapacitySignal[] = [];
  const changes: Change[] = [];
  for (const [n, tick] of ticks.entries()) {
    t += tick.dtSeconds * 1000;
    const step: Step =
      'window' in tick ? { dtSeconds: tick.dtSeconds, interruptions: 0, rebalances: 0, launchFailures: 0, desired: 10, missing: 0, spot: tick.spot, spotLaunchedAgoSeconds: null } : tick;
    signals = 'window' in tick ? tick.window(t) : [...signals.filter((x) => x.at >= t - s.signalWindowSeconds * 1000), ...freshSignals(step, t, String(n))];
    const d = decideMix({
      now: t,
      current,
      desiredCapacity: step.desired,
      inServiceCapacity: Math.max(0, step.desired - step.missing),
      spotInstances: step.spot,
      ...(step.spotLaunchedAgoSeconds === null ? {} : { lastSpotLaunchAt: t - step.spotLaunchedAgoSeconds * 1000 }),
      signals,
      memory,
      settings: s,
    });
    expect(d.reason.length).toBeGreaterThan(0);
    memory = {
      ...(memory.lastChangeAt === undefined ? {} : { lastChangeAt: memory.lastChangeAt }),
      ...(d.figures.lastSignalAt === undefined ? {} : { lastSignalAt: d.figures.lastSignalAt }),
      ...(d.fallback ? { fallback: d.fallback } : {}),
    };
    if (d.kind === 'change') {
      changes.push({ at: t, to: d.target, rule: d.rule });
      current = d.target;
      memory.lastChangeAt = t;
    }
  }
  return changes;
};

const targetArb = fc.record({ base: fc.integer({ min: 0, max: 50 }), percent: fc.integer({ min: 0, max: 100 }) });

describe('decideMix (properties)', () => {
  it('over any signal sequence: every target within floor..ceiling, changes at least a cooldown apart', () => {
    fc.assert(
      fc.property(settingsArb, targetArb, fc.array(stepArb, { minLength: 1, maxLength: 60 }), (s, start, steps) => {
        const changes = run(s, start, steps);
        for (const c of changes) expect(clampTarget(c.to, s)).toEqual(c.to);
        for (let i = 1; i < changes.length; i += 1) {
          expect((changes[i]?.at ?? 0) - (changes[i - 1]?.at ?? 0)).toBeGreaterThanOrEqual(s.cooldownSeconds * 1000);
        }
      }),
      { numRuns: 400 },
    );
  });

  it('any input gives a decision, never a crash (NaN, negatives, huge numbers)', () => {
    const weird = fc.oneof(fc.double(), fc.integer({ min: -1e9, max: 1e9 }), fc.constant(Number.NaN), fc.constant(Number.POSITIVE_INFINITY));
    fc.assert(
      fc.property(settingsArb, weird, weird, weird, weird, weird, (s, base, percent, desired, inService, spot) => {
        const d = decideMix({ now: NOW, current: { base, percent }, desiredCapacity: desired, inServiceCapacity: inService, spotInstances: spot, signals: [], memory: {}, settings: s });
        if (d.kind === 'change') expect(clampTarget(d.target, s)).toEqual(d.target);
        expect(typeof d.reason).toBe('string');
      }),
      { numRuns: 500 },
    );
  });

  /**
   * Signals whose rate alternates between just above and just below one threshold, arriving more
   * often than the quiet period: the mix only ever moves one way (no up-down-up flapping).
   */
  it('signals alternating around the raise threshold never make the mix go down', () => {
    fc.assert(
      fc.property(settingsArb, targetArb, fc.integer({ min: 1, max: 60 }), fc.integer({ min: 2, max: 80 }), (s, start, spot, ticks) => {
        // Rate = warnings / (spot × window h): pick counts just above and just below raiseThreshold.
        const perWarning = 1 / (Math.max(spot, 1) * (s.signalWindowSeconds / 3600));
        const high = Math.floor(s.raiseThreshold / perWarning) + 1;
        const low = Math.max(0, Math.ceil(s.raiseThreshold / perWarning) - 1);
        fc.pre(low * perWarning >= s.lowerThreshold * 1.001 && high * perWarning > s.raiseThreshold * 1.001); // both sides strictly inside their zones
        const dt = Math.max(1, Math.min(s.cooldownSeconds, Math.floor(s.signalWindowSeconds / 2)));
        const steps: WindowTick[] = Array.from({ length: ticks }, (_, i) => ({ dtSeconds: dt, spot, window: (t) => warn(i % 2 === 0 ? high : low, t - 1000, String(i)) }));
        const changes = run(s, clampTarget(start, s), steps);
        for (let i = 1; i < changes.length; i += 1) expect(changes[i]?.to.percent).toBeGreaterThanOrEqual(changes[i - 1]?.to.percent ?? 0);
        expect(changes.every((c) => c.rule === 'raise')).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('signals alternating around the lower threshold never raise and never flap', () => {
    fc.assert(
      fc.property(settingsArb, targetArb, fc.integer({ min: 1, max: 60 }), fc.integer({ min: 2, max: 80 }), (s, start, spot, ticks) => {
        const perWarning = 1 / (Math.max(spot, 1) * (s.signalWindowSeconds / 3600));
        const above = Math.floor(s.lowerThreshold / perWarning) + 1;
        const below = Math.max(0, Math.ceil(s.lowerThreshold / perWarning) - 1);
        fc.pre(above * perWarning < s.raiseThreshold * 0.999); // "just above lower" must stay inside the band
        const dt = Math.max(1, Math.min(s.cooldownSeconds, Math.floor(s.signalWindowSeconds / 2)));
        const steps: WindowTick[] = Array.from({ length: ticks }, (_, i) => ({ dtSeconds: dt, spot, window: (t) => warn(i % 2 === 0 ? above : below, t - 1000, String(i)) }));
        const changes = run(s, clampTarget(start, s), steps).filter((c) => c.rule !== 'bounds');
        expect(changes.some((c) => c.rule === 'raise')).toBe(false);
        for (let i = 1; i < changes.length; i += 1) expect(changes[i]?.to.percent).toBeLessThanOrEqual(changes[i - 1]?.to.percent ?? 100);
      }),
      { numRuns: 300 },
    );
  });
});
