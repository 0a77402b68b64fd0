import { describe, expect, it } from 'vitest';
import { clampTarget, decideMix, fallbackTarget, type MixDecision, type MixPolicyInput, onDemandCapacity } from '../../../shared/policy/mix';
import { failures, HOUR, input, MIN, NOW, settings, warnings } from './helpers';

type Row = { name: string; in: MixPolicyInput; expect: Partial<{ kind: MixDecision['kind']; rule: string; target: { base: number; percent: number } }>; reason: RegExp };

const ROWS: Row[] = [
  // thresholds
  { name: 'calm group at the cost target holds', in: input(), expect: { kind: 'hold' }, reason: /0 Spot instance\(s\) warned .* = 0 interruptions per Spot instance-hour; base 1, 25% .* at the cost target 25%/ },
  {
    name: 'rate above raiseThreshold raises by stepPercent',
    in: input({ signals: warnings(3) }),
    expect: { kind: 'change', rule: 'raise', target: { base: 1, percent: 50 } },
    reason: /raise: 3 Spot instance\(s\) warned in 3600 s over 6 Spot instance\(s\) = 0\.500 interruptions per Spot instance-hour > raiseThreshold 0\.2; base 1, 25% On-Demand above base → base 1, 50%/,
  },
  { name: 'rate exactly at raiseThreshold does not raise (strictly greater)', in: input({ signals: warnings(1), spotInstances: 5 }), expect: { kind: 'hold' }, reason: /0\.200 .* hysteresis band/ },
  { name: 'a raise is bounded by the ceiling', in: input({ current: { base: 1, percent: 90 }, signals: warnings(3) }), expect: { kind: 'change', rule: 'raise', target: { base: 1, percent: 100 } }, reason: /→ base 1, 100%/ },
  { name: 'at the ceiling a raise holds and says so', in: input({ current: { base: 1, percent: 100 }, signals: warnings(3) }), expect: { kind: 'hold' }, reason: /already at the ceiling 100%/ },
  { name: 'a lower ceiling bounds the raise', in: input({ signals: warnings(3), settings: settings({ onDemandPercentage: { floor: 0, target: 20, ceiling: 40 } }) }), expect: { kind: 'change', target: { base: 1, percent: 40 } }, reason: /raise/ },
  { name: 'no Spot instance left: the denominator is one instance', in: input({ spotInstances: 0, signals: warnings(1) }), expect: { kind: 'change', rule: 'raise' }, reason: /over 0 Spot instance\(s\) \(counted as 1\) = 1\.000/ },
  { name: 'a rebalance then an interruption of the same instance counts once', in: input({ spotInstances: 10, signals: [...warnings(1)].flatMap((w) => [w, { ...w, kind: 'rebalance-recommendation' as const }]) }), expect: { kind: 'hold' }, reason: /1 Spot instance\(s\) warned .* = 0\.100 .* hysteresis band/ },
  { name: 'signals older than the window do not count', in: input({ signals: warnings(5, 2 * HOUR), memory: { lastSignalAt: NOW - 2 * HOUR } }), expect: { kind: 'hold' }, reason: /0 Spot instance\(s\) warned/ },
  // hysteresis
  { name: 'between the thresholds nothing moves, even above the target', in: input({ current: { base: 1, percent: 75 }, spotInstances: 10, signals: warnings(1, 2 * HOUR - 1).map((s) => ({ ...s, at: NOW - 30 * MIN })) }), expect: { kind: 'hold' }, reason: /0\.100 interruptions per Spot instance-hour is within the hysteresis band \[lowerThreshold 0\.05, raiseThreshold 0\.2\]/ },
  // decay
  { name: 'calm for the quiet period: decay by decayStepPercent', in: input({ current: { base: 1, percent: 75 }, memory: { lastSignalAt: NOW - 2 * HOUR, lastChangeAt: NOW - 2 * HOUR } }), expect: { kind: 'change', rule: 'decay', target: { base: 1, percent: 65 } }, reason: /decay: .* < lowerThreshold 0\.05, last signal 7200 s ago ≥ quiet period 3600 s; toward target 25%/ },
  { name: 'decay stops at the target', in: input({ current: { base: 1, percent: 30 } }), expect: { kind: 'change', rule: 'decay', target: { base: 1, percent: 25 } }, reason: /no signal on record/ },
  { name: 'decay waits for the quiet period', in: input({ current: { base: 1, percent: 75 }, memory: { lastSignalAt: NOW - 10 * MIN } }), expect: { kind: 'hold' }, reason: /last signal was 600 s ago \(quiet period 3600 s\)/ },
  { name: 'the quiet period counts signals remembered beyond the window', in: input({ current: { base: 1, percent: 75 }, settings: settings({ signalWindowSeconds: 300 }), memory: { lastSignalAt: NOW - 20 * MIN } }), expect: { kind: 'hold' }, reason: /quiet period/ },
  { name: 'below the target the controller does not raise toward it', in: input({ current: { base: 1, percent: 15 } }), expect: { kind: 'hold' }, reason: /below the cost target 25%/ },
  // cooldown
  { name: 'a raise within the cooldown holds, naming what it wanted', in: input({ signals: warnings(3), memory: { lastChangeAt: NOW - 100_000 } }), expect: { kind: 'hold' }, reason: /cooldown: wanted base 1, 25% .* → base 1, 50% .* last change was 100 s ago \(cooldown 900 s\)/ },
  { name: 'a raise once the cooldown has passed', in: input({ signals: warnings(3), memory: { lastChangeAt: NOW - 900_000 } }), expect: { kind: 'change', rule: 'raise' }, reason: /raise/ },
  { name: 'a decay within the cooldown holds', in: input({ current: { base: 1, percent: 75 }, memory: { lastChangeAt: NOW - 60_000, lastSignalAt: NOW - 2 * HOUR } }), expect: { kind: 'hold' }, reason: /cooldown: wanted .*\(decay:/ },
  // bounds
  { name: 'values outside floor..ceiling are clamped', in: input({ current: { base: 0, percent: 5 } }), expect: { kind: 'change', rule: 'bounds', target: { base: 1, percent: 10 } }, reason: /bounds: base 0, 5% .* outside base 1\.\.4, 10\.\.100%/ },
  { name: 'a base above its ceiling comes down', in: input({ current: { base: 9, percent: 25 } }), expect: { kind: 'change', rule: 'bounds', target: { base: 4, percent: 25 } }, reason: /bounds/ },
  // fallback
  {
    name: 'Spot capacity failures and a shortfall: base up to its ceiling, then the percentage, to cover it',
    in: input({ inServiceCapacity: 5, signals: failures(2) }),
    expect: { kind: 'change', rule: 'fallback', target: { base: 4, percent: 26 } },
    reason: /fallback: 2 Spot capacity failure\(s\) in 3600 s, group short by 3 of desired 8 \(in service 5\); On-Demand capacity 3 → 6/,
  },
  { name: 'fallback covers a small shortfall with the base alone', in: input({ inServiceCapacity: 7, signals: failures(1) }), expect: { kind: 'change', rule: 'fallback', target: { base: 2, percent: 25 } }, reason: /short by 1 .* On-Demand capacity 3 → 4/ },
  { name: 'no fallback when the profile disables it', in: input({ inServiceCapacity: 5, signals: failures(2), settings: settings({ fallbackOnCapacityFailure: false }) }), expect: { kind: 'hold' }, reason: /^hold/ },
  { name: 'no fallback when the group is not short', in: input({ signals: failures(2) }), expect: { kind: 'hold' }, reason: /^hold/ },
  { name: 'no fallback once a Spot instance launched after the last failure', in: input({ inServiceCapacity: 5, signals: failures(2, 10 * MIN), lastSpotLaunchAt: NOW - 5 * MIN }), expect: { kind: 'hold' }, reason: /^hold/ },
  { name: 'fallback within the cooldown holds', in: input({ inServiceCapacity: 5, signals: failures(2), memory: { lastChangeAt: NOW - 60_000 } }), expect: { kind: 'hold' }, reason: /cooldown: wanted .*\(fallback:/ },
  {
    name: 'fallback escalates only on a failure newer than its last change',
    in: input({ current: { base: 2, percent: 25 }, inServiceCapacity: 7, signals: failures(1, 30 * MIN), memory: { lastChangeAt: NOW - 20 * MIN, fallback: { since: NOW - 20 * MIN, before: { base: 1, percent: 25 }, applied: { base: 2, percent: 25 } } } }),
    expect: { kind: 'hold' },
    reason: /fallback active since/,
  },
  {
    name: 'return: Spot launched again after the last failure',
    in: input({ current: { base: 4, percent: 26 }, signals: failures(2, 30 * MIN), lastSpotLaunchAt: NOW - 20 * MIN, memory: { lastChangeAt: NOW - 40 * MIN, fallback: { since: NOW - 40 * MIN, before: { base: 1, percent: 25 }, applied: { base: 4, percent: 26 } } } }),
    expect: { kind: 'change', rule: 'return', target: { base: 1, percent: 25 } },
    reason: /return: a Spot instance launched after the last Spot capacity failure/,
  },
  {
    name: 'return: the failures aged out of the window; a percentage raised since is left alone',
    in: input({ current: { base: 4, percent: 51 }, memory: { lastChangeAt: NOW - 2 * HOUR, fallback: { since: NOW - 3 * HOUR, before: { base: 1, percent: 25 }, applied: { base: 4, percent: 26 } } } }),
    expect: { kind: 'change', rule: 'return', target: { base: 1, percent: 51 } },
    reason: /no Spot capacity failure in the last 3600 s/,
  },
  // adversarial
  { name: 'NaN and negative inputs still give a bounded decision', in: input({ current: { base: Number.NaN, percent: -5 }, spotInstances: Number.NaN, desiredCapacity: -3, inServiceCapacity: Number.NaN }), expect: { kind: 'change', rule: 'bounds', target: { base: 1, percent: 10 } }, reason: /bounds/ },
  { name: 'an empty group with signals from the future ignores them', in: input({ desiredCapacity: 0, inServiceCapacity: 0, spotInstances: 0, signals: warnings(5, -10 * MIN) }), expect: { kind: 'hold' }, reason: /0 Spot instance\(s\) warned/ },
];

describe('decideMix (table)', () => {
  it.each(ROWS.map((r) => [r.name, r] as const))('%s', (_name, row) => {
    const d = decideMix(row.in);
    expect(d).toMatchObject(row.expect);
    expect(d.reason).toMatch(row.reason);
    if (d.kind === 'change') expect(clampTarget(d.target, row.in.settings)).toEqual(d.target);
  });

  it('a fallback records what it replaced; a return clears it', () => {
    const engaged = decideMix(input({ inServiceCapacity: 5, signals: failures(2) }));
    expect(engaged).toMatchObject({ kind: 'change', fallback: { since: NOW, before: { base: 1, percent: 25 }, applied: { base: 4, percent: 26 } } });
    const back = decideMix(input({ current: { base: 4, percent: 26 }, memory: { lastChangeAt: NOW - 2 * HOUR, fallback: engaged.fallback } }));
    expect(back).toMatchObject({ kind: 'change', rule: 'return' });
    expect(back.fallback).toBeUndefined();
  });

  it('a return with nothing left to change clears the fallback without a change', () => {
    const d = decideMix(input({ memory: { fallback: { since: NOW - 3 * HOUR, before: { base: 1, percent: 25 }, applied: { base: 4, percent: 26 } } } }));
    expect(d.kind).toBe('hold');
    expect(d.fallback).toBeUndefined();
  });
});

describe('onDemandCapacity / fallbackTarget', () => {
  it.each([
    [{ base: 0, percent: 0 }, 10, 0],
    [{ base: 0, percent: 100 }, 10, 10],
    [{ base: 1, percent: 25 }, 8, 3], // 1 + ceil(7 × 0.25)
    [{ base: 12, percent: 50 }, 8, 8], // the base covers all
    [{ base: 2, percent: 33 }, 5, 3], // 2 + ceil(0.99)
  ])('%j at desired %i → %i On-Demand', (t, desired, od) => {
    expect(onDemandCapacity(t, desired)).toBe(od);
  });

  it('covers the shortfall whenever the ceilings allow it', () => {
    const s = settings({ onDemandBaseCapacity: { floor: 0, ceiling: 50 } });
    for (let desired = 1; desired <= 30; desired += 1) {
      for (let shortfall = 1; shortfall <= desired; shortfall += 1) {
        const from = { base: 0, percent: 20 };
        const t = fallbackTarget(from, desired, shortfall, s);
        expect(onDemandCapacity(t, desired)).toBeGreaterThanOrEqual(Math.min(desired, onDemandCapacity(from, desired) + shortfall));
        expect(t.percent).toBe(20); // the base alone was enough
      }
    }
  });
});
