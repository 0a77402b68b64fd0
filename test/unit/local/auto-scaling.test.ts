/** The world's UpdateAutoScalingGroup merge (shared/local/auto-scaling.ts, API_UpdateAutoScalingGroup.html). */
import { describe, expect, it } from 'vitest';
import { updatedDistribution } from '../../../shared/local/auto-scaling';

describe('updatedDistribution', () => {
  it('changes what the request names and keeps the rest', () => {
    const current = { OnDemandBaseCapacity: 1, OnDemandPercentageAboveBaseCapacity: 25, SpotAllocationStrategy: 'price-capacity-optimized' };
    expect(updatedDistribution(current, { OnDemandPercentageAboveBaseCapacity: 50, OnDemandBaseCapacity: undefined })).toEqual({
      OnDemandBaseCapacity: 1,
      OnDemandPercentageAboveBaseCapacity: 50,
      SpotAllocationStrategy: 'price-capacity-optimized',
    });
  });

  it('a request that names nothing changes nothing', () => {
    expect(updatedDistribution({ OnDemandBaseCapacity: 2 }, undefined)).toEqual({ OnDemandBaseCapacity: 2 });
  });
});
