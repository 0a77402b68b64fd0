/**
 * What a capacity event means, before any lookup. Pure.
 *
 * - Spot interruption warning → an `interruption-warning` on the instance (and a drain);
 * - rebalance recommendation → a `rebalance-recommendation` on the instance;
 * - "EC2 Instance Launch Unsuccessful" → a `spot-launch-failure` on the group's pool **only** when
 *   {@link classifyLaunchFailure} says `spot-capacity`; any other failure is not a Spot signal.
 */
import type { ParsedEvent } from '../../events';
import { classifyLaunchFailure } from '../../activity/policy/launch-failure';
import type { CapacitySignal } from '../../state/group-state';

/** The event kinds `capacitySignal` accepts. */
export const CAPACITY_SIGNAL_KINDS = ['spot-interruption', 'rebalance-recommendation', 'launch-unsuccessful'] as const;

/** Pool key part used when the instance type of a failed launch is unknown: "any type in this AZ". */
export const UNKNOWN_POOL_PART = '*';

/** The event, interpreted. `at` is the event's time (epoch ms). */
export type SignalIntent =
  | { kind: 'instance'; signal: 'interruption-warning' | 'rebalance-recommendation'; instanceId: string; instanceAction?: string; at: number }
  | { kind: 'pool'; signal: 'spot-launch-failure'; groupName: string; availabilityZone: string; instanceType: string; at: number; statusMessage: string }
  | { kind: 'skip'; reason: string };

// "We currently do not have sufficient g5.xlarge capacity in the Availability Zone you requested (us-east-1a)."
const TYPE_IN_MESSAGE = /sufficient ([a-z][a-z0-9-]*\.[a-z0-9-]+) capacity/i;

/**
 * Interprets a parsed capacity event.
 *
 * @example
 * ```ts
 * interpretSignal(parsed.event); // { kind: 'pool', signal: 'spot-launch-failure', availabilityZone: 'us-east-1c', instanceType: '*', … }
 * ```
 */
export const interpretSignal = (event: ParsedEvent): SignalIntent => {
  const at = Date.parse(event.envelope.time);
  if (!Number.isFinite(at)) return { kind: 'skip', reason: `event time ${event.envelope.time} is not a time` };
  switch (event.kind) {
    case 'spot-interruption':
      return { kind: 'instance', signal: 'interruption-warning', instanceId: event.detail.instanceId, instanceAction: event.detail.instanceAction, at };
    case 'rebalance-recommendation':
      return { kind: 'instance', signal: 'rebalance-recommendation', instanceId: event.detail.instanceId, at };
    case 'launch-unsuccessful': {
      const message = event.detail.statusMessage || event.detail.description;
      const cls = classifyLaunchFailure(message);
      if (cls !== 'spot-capacity') return { kind: 'skip', reason: `launch failure of class ${cls} is not a Spot capacity signal: ${message.slice(0, 160)}` };
      const type = TYPE_IN_MESSAGE.exec(message)?.[1]?.toLowerCase();
      return {
        kind: 'pool',
        signal: 'spot-launch-failure',
        groupName: event.detail.groupName,
        availabilityZone: event.detail.availabilityZone ?? UNKNOWN_POOL_PART,
        instanceType: type ?? UNKNOWN_POOL_PART,
        at,
        statusMessage: message.slice(0, 500),
      };
    }
    default:
      return { kind: 'skip', reason: `${event.kind} is not a capacity signal` };
  }
};

/** The stored attributes of one signal item (top-level, as `decodeGroupState` reads them). */
export const signalAttributes = (s: CapacitySignal): Record<string, string | number> => ({
  kind: s.kind,
  at: s.at,
  instanceType: s.instanceType,
  availabilityZone: s.availabilityZone,
  ...(s.instanceId ? { instanceId: s.instanceId } : {}),
});
