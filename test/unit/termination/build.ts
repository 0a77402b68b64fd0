import type {
  CapacityToTerminate,
  MarketOption,
  TerminationCandidate,
  TerminationCause,
  TerminationPolicyRequest,
} from '../../../shared/events/termination-policy-input';
import type { InstanceFacts } from '../../../shared/state/group-state';
import type { TerminationContext } from '../../../shared/termination/policy/order';

/** Fixed clock for every table row: 2026-01-01T00:00:00Z. */
export const NOW = Date.UTC(2026, 0, 1);
export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;

/**
 * A candidate in one line: `inst('i-a')` is an On-Demand g5.xlarge in us-east-1a.
 *
 * @example
 * ```ts
 * inst('i-a', { az: 'us-east-1b', market: 'spot', type: 'g5.2xlarge' });
 * ```
 */
export function inst(instanceId: string, o: { az?: string; market?: MarketOption; type?: string } = {}): TerminationCandidate {
  return {
    instanceId,
    availabilityZone: o.az ?? 'us-east-1a',
    instanceMarketOption: o.market ?? 'on-demand',
    instanceType: o.type ?? 'g5.xlarge',
  };
}

/**
 * A bucket in one line: `cap(2)` asks for 2 On-Demand units in us-east-1a.
 *
 * @example
 * ```ts
 * cap(1, { az: 'us-east-1b', market: 'spot' });
 * ```
 */
export function cap(capacity: number, o: { az?: string; market?: MarketOption } = {}): CapacityToTerminate {
  return { capacity, availabilityZone: o.az ?? 'us-east-1a', instanceMarketOption: o.market ?? 'on-demand' };
}

/**
 * A request around the given buckets and candidates.
 *
 * @example
 * ```ts
 * request([cap(1)], [inst('i-a'), inst('i-b')], 'INSTANCE_REFRESH');
 * ```
 */
export function request(
  capacityToTerminate: CapacityToTerminate[],
  instances: TerminationCandidate[],
  cause: TerminationCause = 'SCALE_IN',
  hasMoreInstances = false,
): TerminationPolicyRequest {
  return {
    autoScalingGroupArn:
      'arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:7f3c2a9e-5b1d-4c8e-9a0f-2d6b8e4c1a37:autoScalingGroupName/ml-inference-gpu',
    autoScalingGroupName: 'ml-inference-gpu',
    capacityToTerminate,
    instances,
    cause,
    hasMoreInstances,
  };
}

/** Plain-object overrides for {@link context}; maps are built from records for readable rows. */
export interface ContextOverrides {
  tieBreak?: TerminationContext['tieBreak'];
  facts?: Record<string, InstanceFacts>;
  rates?: Record<string, number>;
  current?: TerminationContext['current'];
  weights?: Record<string, number>;
  protectedIds?: string[];
}

/**
 * A context with no facts, no rates, unit weights and `oldest-first`, unless overridden.
 *
 * @example
 * ```ts
 * context({ facts: { 'i-a': { warming: true } }, rates: { 'g5.xlarge|us-east-1a': 0.4 } });
 * ```
 */
export function context(o: ContextOverrides = {}): TerminationContext {
  return {
    now: NOW,
    tieBreak: o.tieBreak ?? 'oldest-first',
    facts: new Map(Object.entries(o.facts ?? {})),
    poolInterruptionRate: new Map(Object.entries(o.rates ?? {})),
    current: o.current ?? {},
    weights: new Map(Object.entries(o.weights ?? {})),
    ...(o.protectedIds ? { protectedIds: new Set(o.protectedIds) } : {}),
  };
}
