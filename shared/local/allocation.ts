/**
 * How Auto Scaling places launches and chooses what to terminate, approximated deterministically.
 * Pure functions of the world (shared/local); the simulator's group calls them with what it knows.
 *
 * - Market of a launch: On-Demand while On-Demand capacity is below
 *   `min(desired, base) + ceil(pct/100 × max(0, desired − base))`, else Spot.
 * - Availability Zone: the one with the fewest capacity units of that market, then fewest overall,
 *   then the order of the group's zones (Auto Scaling balances zones).
 * - Spot pool (`price-capacity-optimized`): pools short of capacity rank last, then the lowest price
 *   per capacity unit, then the overrides' order. "Short" is what EC2 has seen (the fleet model says:
 *   interruptions in the last 30 minutes, a failed launch in the last 5), never the interruptions to come.
 *   `lowest-price`: price only; `capacity-optimized`: capacity rank then overrides' order.
 * - On-Demand type: `prioritized` = the first override; `lowest-price` = cheapest per unit.
 * - Scale-in buckets: the market that is above its share first, then, unit by unit, the zone with the
 *   most capacity units of that market (zone balance): the `CapacityToTerminate` Auto Scaling sends.
 * - Default termination policy (baseline), inside a bucket (zone balance and the market come first,
 *   through the buckets): the instances whose removal best aligns the rest with the allocation
 *   strategy (the least preferred pool now: `allocationRank`), then an older launch template version,
 *   then the one closest to its next billing hour (largest uptime mod 1 h), then a seeded random
 *   draw, chosen first-fit by weight. Instances protected from scale-in are never chosen (they still
 *   count toward capacity). https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-termination-policies.html
 *   ("Default termination policy and mixed instances groups") and
 *   https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-instance-protection.html
 */
/** A seeded random source (the simulator's `Rng`): the default policy's last tie-break is a random draw. */
export interface Rng {
  next(): number;
}

export type Market = 'on-demand' | 'spot';

export interface Distribution {
  onDemandBaseCapacity: number;
  onDemandPercentageAboveBaseCapacity: number;
  spotAllocationStrategy: string;
  onDemandAllocationStrategy: string;
}

/** Capacity units that should be On-Demand for a given desired capacity. */
export const onDemandTarget = (d: Distribution, desired: number): number => {
  const base = Math.min(desired, d.onDemandBaseCapacity);
  return base + Math.ceil((d.onDemandPercentageAboveBaseCapacity / 100) * Math.max(0, desired - d.onDemandBaseCapacity) - 1e-9);
};

/** The market of the next launch. */
export const marketForLaunch = (d: Distribution, desired: number, onDemandUnits: number): Market =>
  onDemandUnits < onDemandTarget(d, desired) ? 'on-demand' : 'spot';

export interface PoolType {
  type: string;
  weight: number;
  onDemandPrice: number;
  spotPrice: (az: string) => number;
}

/** Zones in launch preference order for a market. */
export const zonesByPreference = (zones: readonly string[], unitsOf: (az: string, market: Market | 'all') => number, market: Market): string[] =>
  zones
    .map((az, i) => ({ az, i, m: unitsOf(az, market), all: unitsOf(az, 'all') }))
    .sort((a, b) => a.m - b.m || a.all - b.all || a.i - b.i)
    .map((x) => x.az);

/** Spot pools of one zone in the allocation strategy's order; `short` says a pool is short of capacity. */
export const spotPoolsByPreference = (strategy: string, types: readonly PoolType[], az: string, short: (type: string, az: string) => boolean): PoolType[] =>
  types
    .map((t, i) => ({ t, i, short: short(t.type, az) ? 1 : 0, price: t.spotPrice(az) / t.weight }))
    .sort((a, b) => {
      if (strategy === 'lowest-price') return a.price - b.price || a.i - b.i;
      if (strategy === 'capacity-optimized') return a.short - b.short || a.i - b.i;
      return a.short - b.short || a.price - b.price || a.i - b.i;
    })
    .map((x) => x.t);

/** The On-Demand type. */
export const onDemandType = (strategy: string, types: readonly PoolType[]): PoolType => {
  const first = types[0] as PoolType;
  if (strategy !== 'lowest-price') return first;
  return [...types].sort((a, b) => a.onDemandPrice / a.weight - b.onDemandPrice / b.weight)[0] ?? first;
};

export interface Bucket {
  availabilityZone: string;
  market: Market;
  capacity: number;
}

/** One instance as the scale-in logic sees it. */
export interface Candidate {
  id: string;
  type: string;
  az: string;
  market: Market;
  weight: number;
  launchedAt: number;
  launchTemplateVersion: string;
  /** ProtectedFromScaleIn: counts toward capacity, never terminated by a scale-in. */
  protectedFromScaleIn?: boolean;
  /** Position of its pool in the allocation strategy's current order (higher = less preferred, leaves first). */
  allocationRank?: number;
}

/**
 * The capacity to terminate per (zone, market) to go from the current instances to `desired`.
 * Weighted groups: a bucket only asks for capacity that whole instances can make up (Auto Scaling
 * stays above desired by less than one instance's weight rather than below it).
 */
export const scaleInBuckets = (d: Distribution, zones: readonly string[], instances: readonly Candidate[], desired: number): Bucket[] => {
  let odUnits = 0;
  let spotUnits = 0;
  // Weights still available per zone|market (sorted ascending), to check that a bucket can be filled.
  const pool = new Map<string, number[]>();
  for (const i of instances) {
    if (i.market === 'on-demand') odUnits += i.weight;
    else spotUnits += i.weight;
    if (i.protectedFromScaleIn) continue;
    const k = `${i.az}|${i.market}`;
    const list = pool.get(k) ?? [];
    list.push(i.weight);
    pool.set(k, list);
  }
  for (const list of pool.values()) list.sort((a, b) => a - b);
  const remove = odUnits + spotUnits - desired;
  if (remove <= 0) return [];
  // The market above its share gives first; whatever is still to remove comes from the other one.
  const odExcess = Math.max(0, odUnits - Math.min(onDemandTarget(d, desired), desired));
  let fromOd = Math.min(remove, odExcess);
  const fromSpot = Math.min(spotUnits, remove - fromOd);
  fromOd += Math.min(remove - fromOd - fromSpot, odUnits - fromOd);
  const plan: Array<[Market, number]> = [
    ['on-demand', fromOd],
    ['spot', fromSpot],
  ];
  const buckets = new Map<string, Bucket>();
  const unitsIn = (k: string): number => (pool.get(k) ?? []).reduce((a, b) => a + b, 0);
  for (const [market, amount] of plan) {
    let left = amount;
    while (left > 0) {
      // The zone with the most units of this market loses an instance that fits (zone balance).
      const order = zones
        .map((az, i) => ({ az, i, units: unitsIn(`${az}|${market}`) }))
        .filter((z) => z.units > 0)
        .sort((a, b) => b.units - a.units || a.i - b.i);
      let took = false;
      for (const z of order) {
        const k = `${z.az}|${market}`;
        const list = pool.get(k) ?? [];
        const idx = list.findIndex((w) => w <= left);
        if (idx < 0) continue;
        const w = list[idx] as number;
        list.splice(idx, 1);
        const bucket = buckets.get(k) ?? { availabilityZone: z.az, market, capacity: 0 };
        bucket.capacity += w;
        buckets.set(k, bucket);
        left -= w;
        took = true;
        break;
      }
      if (!took) break;
    }
  }
  return [...buckets.values()];
};

/** The default termination policy inside the buckets (see the module comment). */
export const defaultTerminationChoice = (
  buckets: readonly Bucket[],
  candidates: readonly Candidate[],
  currentLaunchTemplateVersion: string,
  now: number,
  rng: Rng,
): { ids: string[]; reason: string } => {
  const ids: string[] = [];
  const parts: string[] = [];
  for (const b of buckets) {
    const members = candidates
      .filter((c) => c.az === b.availabilityZone && c.market === b.market && !c.protectedFromScaleIn)
      .map((c) => ({
        c,
        alloc: -(c.allocationRank ?? 0),
        stale: c.launchTemplateVersion === currentLaunchTemplateVersion ? 1 : 0,
        billing: -((now - c.launchedAt) % 3_600_000),
        draw: rng.next(),
      }))
      .sort((x, y) => x.alloc - y.alloc || x.stale - y.stale || x.billing - y.billing || x.draw - y.draw);
    let taken = 0;
    const chosen: string[] = [];
    for (const m of members) {
      if (taken + m.c.weight > b.capacity) continue;
      taken += m.c.weight;
      chosen.push(m.c.id);
      if (taken >= b.capacity) break;
    }
    ids.push(...chosen);
    parts.push(`${b.availabilityZone}/${b.market}: ${chosen.length} of ${members.length}`);
  }
  return { ids, reason: `default policy (zone balance, allocation strategy, oldest launch template, closest to the billing hour): ${parts.join('; ')}` };
};
