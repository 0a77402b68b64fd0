import { describe, expect, it } from 'vitest';
import {
  changeEconomics,
  clampTarget,
  decideMix,
  fallbackTarget,
  type MixDecision,
  type MixPolicyInput,
  mixBounds,
  onDemandCapacity,
} from '../../../shared/mix/policy/mix';
import { failures, HOUR, input, MIN, NOW, settings, warnings } from './helpers';

type Row = {
  name: string;
  in: MixPolicyInput;
  expect: Partial<{ kind: MixDecision['kind']; rule: string; direction: string; target: { base: number; percent: number } }>;
  reason: RegExp;
};

/** A shortfall worth paying for: every raise below pays only when a unit short costs this much. */
const dear = settings({ shortfallCost: 10 });
/** Eight warnings over the six Spot instances, in all four pools: 1.333 interruptions per Spot instance-hour, risk 1.333. */
const storm = (agoMs = 10 * MIN) => warnings(8, agoMs, 'interruption-warning', 4);

const ROWS: Row[] = [
  // the owner's settings are the floor
  { name: 'calm group at the owner percentage holds', in: input(), expect: { kind: 'hold' }, reason: /0 Spot instance\(s\) warned .* at the goal 25%/ },
  {
    name: 'an all-On-Demand group with no Spot signal is left alone (no decay to the profile target)',
    in: input({ current: { base: 0, percent: 100 }, owner: { base: 0, percent: 100 }, spotInstances: 0 }),
    expect: { kind: 'hold' },
    reason: /at the goal 100%/,
  },
  {
    name: "the owner's base above the profile ceiling is not cut (no bounds rule)",
    in: input({ current: { base: 40, percent: 25 }, owner: { base: 40, percent: 25 }, desiredCapacity: 60, inServiceCapacity: 60, spotInstances: 15 }),
    expect: { kind: 'hold' },
    reason: /^hold/,
  },
  {
    name: 'respectOwnerSettings false: values outside floor..ceiling are clamped (the profile says so)',
    in: input({ current: { base: 0, percent: 5 }, owner: { base: 0, percent: 5 }, settings: settings({ respectOwnerSettings: false }) }),
    expect: { kind: 'change', rule: 'bounds', target: { base: 1, percent: 10 } },
    reason: /bounds: base 0, 5% .* outside base 1\.\.4, 10\.\.100% \(respectOwnerSettings: false\)/,
  },
  // raise: risk across pools, fresh evidence, and it must pay
  {
    name: 'group-wide interruptions raise when the raise pays for its churn',
    in: input({ signals: storm(), settings: dear }),
    expect: { kind: 'change', rule: 'raise', direction: 'up', target: { base: 1, percent: 50 } },
    reason:
      /raise: 8 Spot instance\(s\) warned in 3600 s \(8 since the last change\) over 6 Spot instance\(s\) = 1\.333 interruptions per Spot instance-hour in 4 of 4 pool\(s\): risk 1\.333 > raiseThreshold 0\.2; pays for its churn: gain 4\.44 vs cost 1\.53 On-Demand unit-hours over 1\.00 h \(2 unit\(s\) change market, 2 replaced × 600 s/,
  },
  {
    name: 'the same storm holds when the replacements cost more than the shortfall they avoid',
    in: input({ signals: storm() }),
    expect: { kind: 'hold' },
    reason: /^hold: raise to base 1, 50% .* would not pay for its churn: gain 1\.33 vs cost 1\.53 On-Demand unit-hours/,
  },
  {
    name: 'interruptions confined to one pool are the allocation strategy’s job',
    in: input({ signals: warnings(3), settings: dear }),
    expect: { kind: 'hold' },
    reason: /confined to 1 of 4 pool\(s\); moving new Spot capacity to the others is the allocation strategy's job/,
  },
  {
    name: 'no raise on evidence older than the last change',
    in: input({
      current: { base: 1, percent: 50 },
      signals: warnings(8, 40 * MIN, 'interruption-warning', 4),
      memory: { lastChangeAt: NOW - 30 * MIN, lastDirection: 'up' },
      settings: dear,
    }),
    expect: { kind: 'hold' },
    reason: /only 0 warning\(s\) since the last change .* a raise needs evidence newer than the last change/,
  },
  {
    name: 'a raise is bounded by the ceiling',
    in: input({ current: { base: 1, percent: 80 }, signals: storm(), settings: dear }),
    expect: { kind: 'change', rule: 'raise', target: { base: 1, percent: 100 } },
    reason: /→ base 1, 100%/,
  },
  {
    name: 'at the ceiling a raise holds and says so',
    in: input({ current: { base: 1, percent: 100 }, signals: storm(), settings: dear }),
    expect: { kind: 'hold' },
    reason: /already at the ceiling 100%/,
  },
  {
    name: 'a rebalance then an interruption of the same instance counts once',
    in: input({ spotInstances: 10, signals: warnings(1).flatMap((w) => [w, { ...w, kind: 'rebalance-recommendation' as const }]) }),
    expect: { kind: 'hold' },
    reason: /1 Spot instance\(s\) warned .* = 0\.100 .*hysteresis/,
  },
  {
    name: 'signals older than the window do not count',
    in: input({ signals: warnings(5, 2 * HOUR), memory: { lastSignalAt: NOW - 2 * HOUR } }),
    expect: { kind: 'hold' },
    reason: /0 Spot instance\(s\) warned/,
  },
  // decay: quiet, observed, and it must pay
  {
    name: 'calm for the quiet period with Spot observed: decay by decayStepPercent',
    in: input({ current: { base: 1, percent: 75 }, memory: { lastSignalAt: NOW - 2 * HOUR, lastChangeAt: NOW - 2 * HOUR, lastDirection: 'up' } }),
    expect: { kind: 'change', rule: 'decay', direction: 'down', target: { base: 1, percent: 65 } },
    reason: /decay: .* < lowerThreshold 0\.05, last signal 7200 s ago ≥ quiet period 3600 s, 12 Spot instance-hours observed; toward 25%; pays for its churn/,
  },
  {
    name: 'decay stops at the goal',
    in: input({ current: { base: 1, percent: 30 }, memory: { lastChangeAt: NOW - 2 * HOUR } }),
    expect: { kind: 'change', rule: 'decay', target: { base: 1, percent: 25 } },
    reason: /no signal on record/,
  },
  {
    name: 'decay waits for the quiet period',
    in: input({ current: { base: 1, percent: 75 }, memory: { lastSignalAt: NOW - 10 * MIN } }),
    expect: { kind: 'hold' },
    reason: /last signal was 600 s ago \(quiet period 3600 s\)/,
  },
  {
    name: 'decay waits until the group has had Spot capacity to observe',
    in: input({ current: { base: 1, percent: 100 }, spotInstances: 0, memory: { lastSignalAt: NOW - 3 * HOUR, lastChangeAt: NOW - 3 * HOUR } }),
    expect: { kind: 'hold' },
    reason: /only 0\.00 Spot instance-hours observed .* decay needs 5\.00 \(1\/raiseThreshold\)/,
  },
  {
    name: 'below the goal the controller does not raise toward it',
    in: input({ current: { base: 1, percent: 15 }, owner: { base: 1, percent: 15 } }),
    expect: { kind: 'hold' },
    reason: /below the goal 25%|at the goal/,
  },
  // cooldown and no reversal
  {
    name: 'a raise within the cooldown holds, naming what it wanted',
    in: input({ signals: storm(MIN), settings: dear, memory: { lastChangeAt: NOW - 100_000, lastDirection: 'up' } }),
    expect: { kind: 'hold' },
    reason: /cooldown: wanted base 1, 25% .* → base 1, 50% .* last change was 100 s ago \(cooldown 900 s\)/,
  },
  {
    name: 'a raise once the cooldown has passed',
    in: input({ signals: storm(), settings: dear, memory: { lastChangeAt: NOW - 900_000, lastDirection: 'up' } }),
    expect: { kind: 'change', rule: 'raise' },
    reason: /raise/,
  },
  {
    name: 'no reversal inside the quiet period after a change',
    in: input({ current: { base: 1, percent: 75 }, spotInstances: 30, memory: { lastChangeAt: NOW - 20 * MIN, lastDirection: 'up' } }),
    expect: { kind: 'hold' },
    reason: /no reversal: wanted .*\(decay: .* the last change went up 1200 s ago \(quiet period 3600 s\)/,
  },
  // fallback, probe, return
  {
    name: 'Spot capacity failures and a shortfall: base up to its ceiling, then the percentage, to cover it',
    in: input({ inServiceCapacity: 5, signals: failures(2) }),
    expect: { kind: 'change', rule: 'fallback', direction: 'up', target: { base: 4, percent: 26 } },
    reason:
      /fallback: 2 Spot capacity failure\(s\) in 3600 s and no Spot launch since, group short by 3 of desired 8 \(in service 5\); On-Demand capacity 3 → 6; pays for its churn/,
  },
  {
    name: 'no fallback when the profile disables it',
    in: input({ inServiceCapacity: 5, signals: failures(2), settings: settings({ fallbackOnCapacityFailure: false }) }),
    expect: { kind: 'hold' },
    reason: /^hold/,
  },
  { name: 'no fallback when the group is not short', in: input({ signals: failures(2) }), expect: { kind: 'hold' }, reason: /^hold/ },
  {
    name: 'no fallback once a Spot instance launched after the last failure',
    in: input({ inServiceCapacity: 5, signals: failures(2, 10 * MIN), lastSpotLaunchAt: NOW - 5 * MIN }),
    expect: { kind: 'hold' },
    reason: /^hold/,
  },
  {
    name: 'fallback within the cooldown holds',
    in: input({ inServiceCapacity: 5, signals: failures(2), memory: { lastChangeAt: NOW - 60_000 } }),
    expect: { kind: 'hold' },
    reason: /cooldown: wanted .*\(fallback:/,
  },
  {
    name: 'return: Spot launched again after the last failure',
    in: input({
      current: { base: 4, percent: 26 },
      signals: failures(2, 30 * MIN),
      lastSpotLaunchAt: NOW - 20 * MIN,
      memory: {
        lastChangeAt: NOW - 40 * MIN,
        lastDirection: 'up',
        fallback: { since: NOW - 40 * MIN, before: { base: 1, percent: 25 }, applied: { base: 4, percent: 26 } },
      },
    }),
    expect: { kind: 'hold' },
    reason: /no reversal: .*\(return: a Spot instance launched after the last Spot capacity failure/,
  },
  {
    name: 'return after the quiet period: back to what the fallback replaced',
    in: input({
      current: { base: 4, percent: 26 },
      signals: failures(2, 50 * MIN),
      lastSpotLaunchAt: NOW - 20 * MIN,
      memory: {
        lastChangeAt: NOW - 65 * MIN,
        lastDirection: 'up',
        fallback: { since: NOW - 65 * MIN, before: { base: 1, percent: 25 }, applied: { base: 4, percent: 26 } },
      },
    }),
    expect: { kind: 'change', rule: 'return', direction: 'down', target: { base: 1, percent: 25 } },
    reason: /return: a Spot instance launched after the last Spot capacity failure/,
  },
  {
    name: 'no return when the failures merely aged out of the window: Spot has not been seen launching',
    in: input({
      current: { base: 4, percent: 26 },
      memory: {
        lastChangeAt: NOW - 2 * HOUR,
        lastSignalAt: NOW - 30 * MIN,
        lastDirection: 'up',
        fallback: { since: NOW - 3 * HOUR, before: { base: 1, percent: 25 }, applied: { base: 4, percent: 26 } },
      },
    }),
    expect: { kind: 'hold' },
    reason: /it ends when a Spot launch succeeds \(failures ageing out of the window are not evidence that Spot is back\)/,
  },
  {
    name: 'probe: quiet for the quiet period and nothing launches Spot: one unit less On-Demand',
    in: input({
      current: { base: 4, percent: 26 },
      memory: {
        lastChangeAt: NOW - 2 * HOUR,
        lastSignalAt: NOW - 2 * HOUR,
        lastDirection: 'up',
        fallback: { since: NOW - 3 * HOUR, before: { base: 1, percent: 25 }, applied: { base: 4, percent: 26 } },
      },
    }),
    expect: { kind: 'change', rule: 'probe', direction: 'down', target: { base: 3, percent: 26 } },
    reason: /probe: .*\(launch before terminate: a failed probe leaves the group whole\)/,
  },
  // adversarial
  {
    name: 'NaN and negative inputs still give a decision',
    in: input({
      current: { base: Number.NaN, percent: -5 },
      owner: { base: Number.NaN, percent: -5 },
      spotInstances: Number.NaN,
      desiredCapacity: -3,
      inServiceCapacity: Number.NaN,
    }),
    expect: { kind: 'hold' },
    reason: /hold/,
  },
  {
    name: 'an empty group with signals from the future ignores them',
    in: input({ desiredCapacity: 0, inServiceCapacity: 0, spotInstances: 0, signals: warnings(5, -10 * MIN) }),
    expect: { kind: 'hold' },
    reason: /0 Spot instance\(s\) warned/,
  },
];

describe('decideMix (table)', () => {
  it.each(ROWS.map((r) => [r.name, r] as const))('%s', (_name, row) => {
    const d = decideMix(row.in);
    expect(d).toMatchObject(row.expect);
    expect(d.reason).toMatch(row.reason);
    if (d.kind === 'change') expect(clampTarget(d.target, mixBounds(row.in.settings, row.in.owner ?? row.in.current))).toEqual(d.target);
  });

  it('a fallback records what it replaced; a return (after the quiet period, on a Spot launch) clears it', () => {
    const engaged = decideMix(input({ inServiceCapacity: 5, signals: failures(2) }));
    expect(engaged).toMatchObject({ kind: 'change', fallback: { since: NOW, before: { base: 1, percent: 25 }, applied: { base: 4, percent: 26 } } });
    const back = decideMix(
      input({
        now: NOW + 2 * HOUR,
        current: { base: 4, percent: 26 },
        lastSpotLaunchAt: NOW + 100 * MIN,
        signals: failures(1, -90 * MIN),
        memory: { lastChangeAt: NOW, lastDirection: 'up', ...(engaged.fallback ? { fallback: engaged.fallback } : {}) },
      }),
    );
    expect(back).toMatchObject({ kind: 'change', rule: 'return' });
    expect(back.fallback).toBeUndefined();
  });
});

describe('changeEconomics', () => {
  it('a raise costs its replacements and the price difference, and avoids expected interruption shortfall', () => {
    const e = changeEconomics(
      { base: 1, percent: 25 },
      { base: 1, percent: 50 },
      { desired: 8, inService: 8, risk: 1, shortfall: 0, fillsShortfall: false },
      settings(),
    );
    // 2 units move to On-Demand: 2 × 600 s of a paid, warming replacement + 2 × 0.6 × 1 h price difference.
    expect(e).toMatchObject({ units: 2, replaced: 2 });
    expect(e.cost).toBeCloseTo(2 / 6 + 1.2, 6);
    // 1 interruption per Spot instance-hour × 2 units × 1 h × 600 s short × 3.
    expect(e.gain).toBeCloseTo(2 * (1 / 6) * 3, 6);
  });

  it('a fallback that fills a shortfall replaces nothing for those units', () => {
    const e = changeEconomics(
      { base: 1, percent: 25 },
      { base: 4, percent: 26 },
      { desired: 8, inService: 5, risk: 0, shortfall: 3, fillsShortfall: true },
      settings(),
    );
    expect(e).toMatchObject({ units: 3, replaced: 0 });
    expect(e.gain).toBeCloseTo(9, 6);
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
