/**
 * One interruption formula: an instance warned twice (a rebalance recommendation, then its interruption
 * warning; or one event delivered twice) is one interruption, for the termination order's pool rates
 * (shared/state/group-state.ts `poolInterruptionRates`) as for the mix controller's rate
 * (shared/mix/policy/mix.ts `measureSignals`).
 */
import { describe, expect, it } from 'vitest';
import { measureSignals } from '../../../shared/mix/policy/mix';
import { type CapacitySignal, poolInterruptionRates, poolKey } from '../../../shared/state/group-state';
import { HOUR, input, MIN, NOW, settings } from '../mix/helpers';

const POOL = { instanceType: 'g5.xlarge', availabilityZone: 'us-east-1a' } as const;
const KEY = poolKey(POOL.instanceType, POOL.availabilityZone);
const signal = (kind: CapacitySignal['kind'], agoMs: number, instanceId?: string): CapacitySignal => ({
  kind,
  at: NOW - agoMs,
  ...POOL,
  ...(instanceId ? { instanceId } : {}),
});

describe('interruption rate: instances warned, not signals', () => {
  it.each([
    ['rebalance then interruption of one instance', [signal('rebalance-recommendation', 20 * MIN, 'i-a'), signal('interruption-warning', 18 * MIN, 'i-a')], 1],
    ['one warning delivered twice', [signal('interruption-warning', 10 * MIN, 'i-a'), signal('interruption-warning', 10 * MIN, 'i-a')], 1],
    ['two instances warned', [signal('interruption-warning', 10 * MIN, 'i-a'), signal('interruption-warning', 9 * MIN, 'i-b')], 2],
    ['warnings without an instance id count each', [signal('interruption-warning', 10 * MIN), signal('interruption-warning', 10 * MIN)], 2],
    ['a launch failure is no interruption', [signal('spot-launch-failure', 10 * MIN, 'i-a')], 0],
    ['outside the window', [signal('interruption-warning', 2 * HOUR, 'i-a')], 0],
  ] as const)('%s', (_name, signals, instances) => {
    const spot = 4;
    const rates = poolInterruptionRates(signals, new Map([[KEY, spot]]), NOW, HOUR);
    expect(rates.get(KEY) ?? 0).toBe(instances / spot);
    // The mix controller, over the same hour and one pool of the same size, agrees.
    const { figures } = measureSignals(
      input({ signals: [...signals], spotInstances: spot, usablePools: 1, settings: settings({ signalWindowSeconds: 3600 }) }),
    );
    expect(figures.rate).toBe(instances / spot);
  });
});
