import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type {
  CapacityToTerminate,
  MarketOption,
  TerminationCandidate,
  TerminationCause,
  TerminationPolicyRequest,
} from '../../../shared/events/termination-policy-input';
import { type InstanceFacts, poolKey } from '../../../shared/state/group-state';
import { type TerminationContext, type TerminationDecision, type TerminationTieBreak, decideTerminationOrder } from '../../../shared/termination/policy/order';
import { MAX_REASON_CHARS } from '../../../shared/termination/policy/reason';
import { HOUR, NOW, request } from './build';
// rng: the bench's seeded mulberry32, so a failing seed reproduces exactly.
import { rng } from '../../../bench/lib/stats';

const ZONES = ['us-east-1a', 'us-east-1b', 'us-east-1c'];
const MARKETS: MarketOption[] = ['spot', 'on-demand'];
const TYPES = ['g5.xlarge', 'g5.2xlarge', 'g6.xlarge', 'g6.4xlarge'];
const CAUSES: TerminationCause[] = ['SCALE_IN', 'INSTANCE_REFRESH', 'MAX_INSTANCE_LIFETIME', 'REBALANCE'];
const TIE_BREAKS: TerminationTieBreak[] = ['oldest-first', 'newest-first', 'least-loaded'];
const ODD_NUMBERS = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -1, 0];

/** Knobs drawn by fast-check; the group itself is expanded from `seed` so 30,000 rows stay cheap to generate. */
interface GroupSpec {
  size: number;
  seed: number;
  bucketCount: number;
  capacityScale: number;
  cause: TerminationCause;
  tieBreak: TerminationTieBreak;
  doomedPct: number;
  protectedPct: number;
  duplicatePct: number;
  unitWeights: boolean;
  oddPct: number;
}

const groupSpec = (maxSize: number): fc.Arbitrary<GroupSpec> =>
  fc.record({
    size: fc.integer({ min: 0, max: maxSize }),
    seed: fc.integer(),
    bucketCount: fc.integer({ min: 0, max: 8 }),
    capacityScale: fc.double({ min: 0, max: 1.2, noNaN: true }),
    cause: fc.constantFrom(...CAUSES),
    tieBreak: fc.constantFrom(...TIE_BREAKS),
    doomedPct: fc.integer({ min: 0, max: 100 }),
    protectedPct: fc.integer({ min: 0, max: 50 }),
    duplicatePct: fc.integer({ min: 0, max: 20 }),
    unitWeights: fc.boolean(),
    oddPct: fc.integer({ min: 0, max: 30 }),
  });

function pick<T>(rnd: () => number, from: readonly T[]): T {
  return from[Math.floor(rnd() * from.length)] as T;
}

function expand(spec: GroupSpec): { req: TerminationPolicyRequest; ctx: TerminationContext } {
  const rnd = rng(spec.seed);
  const chance = (pct: number): boolean => rnd() * 100 < pct;
  const odd = (value: number): number => (chance(spec.oddPct) ? pick(rnd, ODD_NUMBERS) : value);

  const instances: TerminationCandidate[] = [];
  const facts = new Map<string, InstanceFacts>();
  // Protected as a listing or the protection snapshot says (ctx.protectedIds), whatever the facts say.
  const protectedIds = new Set<string>();
  for (let i = 0; i < spec.size; i += 1) {
    const previous = instances[Math.floor(rnd() * instances.length)];
    if (previous !== undefined && chance(spec.duplicatePct)) {
      // Same id, sometimes another bucket: the decision must still return it at most once.
      instances.push({ ...previous, availabilityZone: chance(50) ? previous.availabilityZone : pick(rnd, ZONES) });
      continue;
    }
    const id = `i-${i.toString(16).padStart(17, '0')}`;
    instances.push({ instanceId: id, availabilityZone: pick(rnd, ZONES), instanceMarketOption: pick(rnd, MARKETS), instanceType: pick(rnd, TYPES) });
    if (chance(spec.protectedPct / 2)) protectedIds.add(id);
    if (chance(20)) continue; // no facts for this one
    const f: InstanceFacts = {
      launchedAt: odd(NOW - Math.floor(rnd() * 1000 * HOUR)),
      load: odd(rnd()),
      warming: chance(10),
      launchTemplateVersion: pick(rnd, ['6', '7']),
      modelVersion: pick(rnd, ['m1', 'm2']),
      protectedFromScaleIn: chance(spec.protectedPct),
    };
    if (chance(spec.doomedPct / 4)) {
      f.doomed = { kind: chance(50) ? 'interruption-warning' : 'rebalance-recommendation', at: odd(NOW - Math.floor(rnd() * 120_000)) };
    }
    facts.set(id, f);
  }

  const caps: CapacityToTerminate[] = [];
  const perBucket = Math.max(1, spec.size / Math.max(1, ZONES.length * MARKETS.length));
  for (let b = 0; b < spec.bucketCount; b += 1) {
    caps.push({
      availabilityZone: pick(rnd, ZONES),
      instanceMarketOption: pick(rnd, MARKETS),
      capacity: Math.floor(rnd() * perBucket * spec.capacityScale * 2),
    });
  }

  const rates = new Map<string, number>();
  for (const t of TYPES) for (const z of ZONES) if (chance(60)) rates.set(poolKey(t, z), odd(rnd()));
  const weights = new Map<string, number>();
  if (!spec.unitWeights) for (const t of TYPES) weights.set(t, pick(rnd, [1, 2, 4, 8, odd(1)]));

  return {
    req: request(caps, instances, spec.cause, spec.size > 20_000),
    ctx: {
      now: NOW,
      tieBreak: spec.tieBreak,
      facts,
      poolInterruptionRate: rates,
      current: { launchTemplateVersion: '7', modelVersion: 'm2' },
      weights,
      ...(protectedIds.size > 0 ? { protectedIds } : {}),
    },
  };
}

const bucketOf = (az: string, market: MarketOption): string => `${az}|${market}`;
const weightOf = (ctx: TerminationContext, type: string): number => {
  const w = ctx.weights.get(type);
  return w !== undefined && Number.isFinite(w) && w > 0 ? w : 1;
};
const isDoomed = (f: InstanceFacts | undefined): boolean => f?.doomed?.kind === 'interruption-warning' || f?.doomed?.kind === 'rebalance-recommendation';
const isStale = (f: InstanceFacts | undefined, ctx: TerminationContext): boolean =>
  (f?.launchTemplateVersion !== undefined && f.launchTemplateVersion !== ctx.current.launchTemplateVersion) ||
  (f?.modelVersion !== undefined && f.modelVersion !== ctx.current.modelVersion);

/** The invariants, checked against the input alone (an independent re-derivation, not the implementation). */
function checkInvariants(req: TerminationPolicyRequest, ctx: TerminationContext, decision: TerminationDecision): void {
  // First entry of each id decides its bucket and type.
  const first = new Map<string, TerminationCandidate>();
  for (const i of req.instances) if (!first.has(i.instanceId)) first.set(i.instanceId, i);

  // output ⊆ candidates, no duplicates, no protected instance
  expect(new Set(decision.instanceIds).size).toBe(decision.instanceIds.length);
  for (const id of decision.instanceIds) {
    expect(first.has(id)).toBe(true);
    expect(ctx.facts.get(id)?.protectedFromScaleIn).not.toBe(true);
    expect(ctx.protectedIds?.has(id)).not.toBe(true);
  }
  expect(decision.instanceIds).toEqual(decision.buckets.flatMap((b) => b.chosen));
  expect(decision.reason.length).toBeLessThanOrEqual(MAX_REASON_CHARS);

  const requested = new Map<string, number>();
  for (const c of req.capacityToTerminate) {
    const k = bucketOf(c.availabilityZone, c.instanceMarketOption);
    requested.set(k, (requested.get(k) ?? 0) + c.capacity);
  }
  expect(decision.buckets).toHaveLength(requested.size);

  const allWeightsOne = [...first.values()].every((c) => weightOf(ctx, c.instanceType) === 1);
  for (const b of decision.buckets) {
    const key = bucketOf(b.availabilityZone, b.marketOption);
    expect(b.capacity).toBe(requested.get(key));
    // each chosen id belongs to this bucket; capacity units never exceed the request
    let units = 0;
    for (const id of b.chosen) {
      const c = first.get(id) as TerminationCandidate;
      expect(bucketOf(c.availabilityZone, c.instanceMarketOption)).toBe(key);
      units += weightOf(ctx, c.instanceType);
    }
    expect(units).toBeLessThanOrEqual(b.capacity);
    expect(b.chosenCapacity).toBe(units);

    // the leading criterion holds inside the bucket: doomed before healthy (stale before current for a refresh)
    const lead = req.cause === 'INSTANCE_REFRESH' ? (f: InstanceFacts | undefined) => isStale(f, ctx) : isDoomed;
    const flags = b.chosen.map((id) => lead(ctx.facts.get(id)));
    const firstHealthy = flags.indexOf(false);
    if (firstHealthy >= 0) expect(flags.slice(firstHealthy).includes(true)).toBe(false);

    // with unit weights, a healthy pick means every eligible doomed candidate was picked
    if (allWeightsOne && firstHealthy >= 0) {
      const chosen = new Set(b.chosen);
      for (const [id, c] of first) {
        const f = ctx.facts.get(id);
        if (bucketOf(c.availabilityZone, c.instanceMarketOption) !== key || f?.protectedFromScaleIn === true || ctx.protectedIds?.has(id) === true) continue;
        if (lead(f)) expect(chosen.has(id)).toBe(true);
      }
    }
  }
}

describe('decideTerminationOrder: properties', () => {
  it('holds its invariants on groups of up to 200 candidates', () => {
    fc.assert(
      fc.property(groupSpec(200), (spec) => {
        const { req, ctx } = expand(spec);
        checkInvariants(req, ctx, decideTerminationOrder(req, ctx));
      }),
      { numRuns: 500 },
    );
  });

  it('holds its invariants on groups of up to 30,000 candidates', () => {
    fc.assert(
      fc.property(groupSpec(30_000), (spec) => {
        const { req, ctx } = expand(spec);
        checkInvariants(req, ctx, decideTerminationOrder(req, ctx));
      }),
      { numRuns: 20 },
    );
  }, 60_000);

  it('is deterministic: the same input gives the same decision, whatever the input order', () => {
    fc.assert(
      fc.property(groupSpec(300), fc.integer(), (spec, shuffleSeed) => {
        const { req, ctx } = expand({ ...spec, duplicatePct: 0 });
        const rnd = rng(shuffleSeed);
        const shuffled = [...req.instances];
        for (let i = shuffled.length - 1; i > 0; i -= 1) {
          const j = Math.floor(rnd() * (i + 1));
          [shuffled[i], shuffled[j]] = [shuffled[j] as TerminationCandidate, shuffled[i] as TerminationCandidate];
        }
        const a = decideTerminationOrder(req, ctx);
        const b = decideTerminationOrder({ ...req, instances: shuffled }, ctx);
        expect(b.buckets.map((x) => x.chosen)).toEqual(a.buckets.map((x) => x.chosen));
      }),
      { numRuns: 200 },
    );
  });

  it('never throws and keeps the invariants for hand-drawn small inputs (fast-check shrinks these well)', () => {
    const market = fc.constantFrom<MarketOption>('spot', 'on-demand');
    const zone = fc.constantFrom('a', 'b');
    const id = fc.constantFrom('i-1', 'i-2', 'i-3', 'i-4', 'i-5', 'i-6');
    const num = fc.oneof(fc.double(), fc.constantFrom(...ODD_NUMBERS));
    const factsArb = fc.record(
      {
        doomed: fc.record({ kind: fc.constantFrom('interruption-warning' as const, 'rebalance-recommendation' as const), at: num }),
        warming: fc.boolean(),
        launchedAt: num,
        launchTemplateVersion: fc.constantFrom('1', '2'),
        modelVersion: fc.constantFrom('m1', 'm2'),
        protectedFromScaleIn: fc.boolean(),
        load: num,
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(
        fc.array(fc.record({ availabilityZone: zone, instanceMarketOption: market, capacity: fc.oneof(fc.nat(8), num) }), { maxLength: 5 }),
        fc.array(fc.record({ availabilityZone: zone, instanceMarketOption: market, instanceId: id, instanceType: fc.constantFrom('s', 'l') }), {
          maxLength: 12,
        }),
        fc.dictionary(id, factsArb),
        fc.dictionary(fc.constantFrom('s|a', 's|b', 'l|a', 'l|b'), num),
        fc.dictionary(fc.constantFrom('s', 'l'), num),
        fc.constantFrom(...CAUSES),
        fc.constantFrom(...TIE_BREAKS),
        (caps, instances, facts, rates, weights, cause, tieBreak) => {
          const req = request(caps, instances, cause);
          const ctx: TerminationContext = {
            now: NOW,
            tieBreak,
            facts: new Map(Object.entries(facts)),
            poolInterruptionRate: new Map(Object.entries(rates)),
            current: { launchTemplateVersion: '2', modelVersion: 'm2' },
            weights: new Map(Object.entries(weights)),
          };
          const decision = decideTerminationOrder(req, ctx);
          // Requested capacities here may be NaN or negative: the decision counts them as 0.
          const sane = request(
            caps.map((c) => ({ ...c, capacity: Number.isFinite(c.capacity) && c.capacity > 0 ? c.capacity : 0 })),
            instances,
            cause,
          );
          checkInvariants(sane, ctx, decision);
        },
      ),
      { numRuns: 500 },
    );
  });
});
