/**
 * Auto Scaling semantics the world's users share (the invoke-local world, the reliability tier's
 * accounts, the simulator's group).
 */
import type { InstancesDistribution } from '@aws-sdk/client-auto-scaling';

/**
 * The InstancesDistribution after an UpdateAutoScalingGroup naming `update`: "Any properties that you
 * don't specify are not changed by this update request"
 * (https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_UpdateAutoScalingGroup.html).
 * A property given as `undefined` is one the request does not name.
 *
 * @example
 * ```ts
 * updatedDistribution({ OnDemandBaseCapacity: 1, OnDemandPercentageAboveBaseCapacity: 25 }, { OnDemandPercentageAboveBaseCapacity: 50 });
 * // → { OnDemandBaseCapacity: 1, OnDemandPercentageAboveBaseCapacity: 50 }
 * ```
 */
export const updatedDistribution = (current: InstancesDistribution | undefined, update: InstancesDistribution | undefined): InstancesDistribution => {
  const named = Object.fromEntries(Object.entries(update ?? {}).filter(([, v]) => v !== undefined)) as InstancesDistribution;
  return { ...current, ...named };
};
