import { configSchemas } from '../../../shared/config';
import type { MixPolicyInput, MixSettings } from '../../../shared/mix/policy/mix';
import type { CapacitySignal } from '../../../shared/state/group-state';

export const NOW = Date.parse('2026-11-27T12:00:00Z');
export const MIN = 60_000;
export const HOUR = 3_600_000;

/** The gpu-inference profile's mix settings (config/profiles.json), with overrides. */
export const settings = (over: Partial<MixSettings> = {}): MixSettings => ({
  ...configSchemas().profile.parse({
    mix: {
      onDemandBaseCapacity: { floor: 1, ceiling: 4 },
      onDemandPercentage: { floor: 10, target: 25, ceiling: 100 },
      stepPercent: 25,
      decayStepPercent: 10,
      cooldownSeconds: 900,
      signalWindowSeconds: 3600,
      raiseThreshold: 0.2,
      lowerThreshold: 0.05,
      quietPeriodSeconds: 3600,
      fallbackOnCapacityFailure: true,
    },
  }).mix,
  ...over,
});

/** The four pools of the test group (2 types × 2 AZs). */
export const POOLS = [
  ['g5.xlarge', 'us-east-1a'],
  ['g6.xlarge', 'us-east-1a'],
  ['g5.xlarge', 'us-east-1b'],
  ['g6.xlarge', 'us-east-1b'],
] as const;

let seq = 0;
/** `n` interruption warnings on distinct instances, `agoMs` before NOW, spread over the first `pools` pools. */
export const warnings = (n: number, agoMs = 10 * MIN, kind: CapacitySignal['kind'] = 'interruption-warning', pools = 1): CapacitySignal[] =>
  Array.from({ length: n }, (_, i) => {
    seq += 1;
    const [instanceType, availabilityZone] = POOLS[i % Math.max(1, Math.min(pools, POOLS.length))] ?? POOLS[0];
    return { kind, at: NOW - agoMs, instanceType, availabilityZone, instanceId: `i-${String(seq).padStart(17, '0')}` };
  });

export const failures = (n: number, agoMs = 5 * MIN): CapacitySignal[] =>
  Array.from({ length: n }, () => ({ kind: 'spot-launch-failure' as const, at: NOW - agoMs, instanceType: '*', availabilityZone: 'us-east-1c' }));

/** A steady group of 8 in 4 pools: base 1, 25% On-Demand (the owner's choice), 6 Spot instances, all in service, no signal. */
export const input = (over: Partial<MixPolicyInput> = {}): MixPolicyInput => ({
  now: NOW,
  current: { base: 1, percent: 25 },
  owner: { base: 1, percent: 25 },
  desiredCapacity: 8,
  inServiceCapacity: 8,
  spotInstances: 6,
  usablePools: 4,
  signals: [],
  memory: {},
  settings: settings(),
  ...over,
});
