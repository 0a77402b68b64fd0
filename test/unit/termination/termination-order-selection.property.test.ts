import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CapacityToTerminate, MarketOption, TerminationCandidate, TerminationCause } from '../../../shared/events/termination-policy-input';
import type { InstanceFacts } from '../../../shared/state/group-state';
import { type TerminationContext, type TerminationTieBreak, decideTerminationOrder } from '../../../shared/termination/policy/order';
import { SELECT_ABOVE, SELECT_BUDGET, sortNext } from '../../../shared/termination/policy/partial-sort';
// rng: the bench's seeded mulberry32, so a failing seed reproduces exactly.
import { rng } from '../../../bench/lib/stats';
import { HOUR, NOW, request } from './build';

// The decision sorts a large bucket only as far as its first-fit scan reads (./partial-sort). The
// reference is the same decision with every bucket sorted whole (`selectAbove = Infinity`): the two
// must agree on everything, texts included.

const ZONES = ['us-east-1a', 'us-east-1b'];
const MARKETS: MarketOption[] = ['spot', 'on-demand'];
const CAUSES: TerminationCause[] = ['SCALE_IN', 'INSTANCE_REFRESH', 'MAX_INSTANCE_LIFETIME', 'REBALANCE'];
const TIE_BREAKS: TerminationTieBreak[] = ['oldest-first', 'newest-first', 'least-loaded'];
const WEIGHTS = [1, 2, 4, 8];

interface SelectionSpec {
  size: number;
  seed: number;
  bucketCount: number;
  cause: TerminationCause;
  tieBreak: TerminationTieBreak;
  /** Distinct values per fact field: 1 makes nearly every key equal, so the id decides. */
  variety: number;
  factsPct: number;
  protectedPct: number;
  duplicatePct: number;
  /** The light type weighs the smallest, one heavy type each of the others (or the one weight). */
  weights: number[];
  /** How often a candidate is of the light type: rare light ones make the scan skip far past the capacity. */
  lightShare: number;
  /** How often a candidate lands in the first bucket (us-east-1a Spot), making it large. */
  skewPct: number;
  capacity: 'zero' | 'few' | 'share' | 'above-total';
  fraction: number;
}

const selectionSpec = (minSize: number, maxSize: number): fc.Arbitrary<SelectionSpec> =>
  fc.record({
    size: fc.integer({ min: minSize, max: maxSize }),
    seed: fc.integer(),
    bucketCount: fc.integer({ min: 1, max: 4 }),
    cause: fc.constantFrom(...CAUSES),
    tieBreak: fc.constantFrom(...TIE_BREAKS),
    variety: fc.integer({ min: 1, max: 6 }),
    factsPct: fc.integer({ min: 0, max: 100 }),
    protectedPct: fc.integer({ min: 0, max: 20 }),
    duplicatePct: fc.integer({ min: 0, max: 10 }),
    // [1, 8] and [2, 8] often: one heavy type and a rare light one is where the scan skips the most.
    weights: fc.oneof(fc.constantFrom<number[]>([1, 8], [2, 8]), fc.uniqueArray(fc.constantFrom(...WEIGHTS), { minLength: 1, maxLength: 4 })),
    // Rare light candidates (0.2 %, 1 %) make the scan run past the sorted run to fill the last units.
    lightShare: fc.constantFrom(0, 0.002, 0.01, 0.05, 0.3, 1),
    skewPct: fc.integer({ min: 0, max: 100 }),
    capacity: fc.constantFrom('zero' as const, 'few' as const, 'few' as const, 'share' as const, 'above-total' as const),
    // Per mille, not a double: fast-check's doubles cluster at 0 and 1.
    fraction: fc.oneof(
      fc.constantFrom(0.002, 0.01, 0.05),
      fc.integer({ min: 0, max: 1000 }).map((p) => p / 1000),
    ),
  });

function expand(spec: SelectionSpec): { req: ReturnType<typeof request>; ctx: TerminationContext } {
  const rnd = rng(spec.seed);
  const chance = (pct: number): boolean => rnd() * 100 < pct;
  const some = (values: readonly number[]): number => values[Math.floor(rnd() * Math.min(spec.variety, values.length))] as number;
  const lightest = Math.min(...spec.weights);
  const heavier = spec.weights.length > 1 ? spec.weights.filter((w) => w > lightest) : spec.weights;
  const types = ['light', ...heavier.map((_, i) => `heavy${i}`)];
  const weights = new Map<string, number>([['light', lightest], ...heavier.map((w, i): [string, number] => [`heavy${i}`, w])]);

  const instances: TerminationCandidate[] = [];
  const facts = new Map<string, InstanceFacts>();
  for (let i = 0; i < spec.size; i += 1) {
    const previous = instances[Math.floor(rnd() * instances.length)];
    if (previous !== undefined && chance(spec.duplicatePct)) {
      instances.push({ ...previous });
      continue;
    }
    // A random prefix, unique by its suffix: id order is unrelated to input order.
    const id = `i-${Math.floor(rnd() * 0xffffffff)
      .toString(16)
      .padStart(8, '0')}${i.toString(16).padStart(9, '0')}`;
    const type = rnd() < spec.lightShare ? 'light' : (types[1 + Math.floor(rnd() * heavier.length)] as string);
    const skewed = chance(spec.skewPct);
    instances.push({
      instanceId: id,
      availabilityZone: skewed ? 'us-east-1a' : (ZONES[Math.floor(rnd() * ZONES.length)] as string),
      instanceMarketOption: skewed || chance(50) ? 'spot' : 'on-demand',
      instanceType: type,
    });
    if (!chance(spec.factsPct)) continue;
    const f: InstanceFacts = {
      launchedAt: NOW - some([5, 1, 9, 3, 7, 2]) * HOUR,
      load: some([0.5, 0.1, 0.9, 0.3, 0.7, 0.2]),
      warming: some([0, 1]) === 1,
      launchTemplateVersion: some([7, 6]).toString(),
      modelVersion: `m${some([2, 1])}`,
      protectedFromScaleIn: chance(spec.protectedPct),
    };
    if (some([0, 1, 2]) === 1) f.doomed = { kind: chance(50) ? 'interruption-warning' : 'rebalance-recommendation', at: NOW - some([1, 2, 3]) * 10_000 };
    facts.set(id, f);
  }

  // Capacity relative to the bucket: "few" asks for up to 30 % of its members at the lightest weight
  // (selection applies), "share" for a share of its units (often a full sort), "above-total" for more
  // than it holds.
  const members = new Map<string, number>();
  for (const c of instances)
    members.set(`${c.availabilityZone}|${c.instanceMarketOption}`, (members.get(`${c.availabilityZone}|${c.instanceMarketOption}`) ?? 0) + 1);
  const caps: CapacityToTerminate[] = [];
  for (let b = 0; b < spec.bucketCount; b += 1) {
    const availabilityZone = ZONES[b % ZONES.length] as string;
    const instanceMarketOption = MARKETS[Math.floor(b / ZONES.length) % 2] as MarketOption;
    const n = members.get(`${availabilityZone}|${instanceMarketOption}`) ?? 0;
    const capacity = {
      zero: 0,
      few: Math.floor(spec.fraction * 0.3 * n * lightest),
      share: Math.floor(spec.fraction * n * Math.max(...spec.weights)),
      'above-total': n * 8 + 1,
    }[spec.capacity];
    caps.push({ availabilityZone, instanceMarketOption, capacity });
  }
  const rates = new Map<string, number>([
    ['light|us-east-1a', 0.4],
    ['heavy0|us-east-1b', 0.4],
    ['heavy1|us-east-1a', 0.1],
  ]);
  return {
    req: request(caps, instances, spec.cause),
    ctx: { now: NOW, tieBreak: spec.tieBreak, facts, poolInterruptionRate: rates, current: { launchTemplateVersion: '7', modelVersion: 'm2' }, weights },
  };
}

describe('decideTerminationOrder: partial selection gives the full sort’s answer', () => {
  it('with the default threshold, in groups of 2,000 to 12,000 candidates', () => {
    fc.assert(
      fc.property(selectionSpec(2_000, 12_000), (spec) => {
        const { req, ctx } = expand(spec);
        expect(decideTerminationOrder(req, ctx)).toEqual(decideTerminationOrder(req, ctx, Number.POSITIVE_INFINITY));
      }),
      { numRuns: 40 },
    );
  }, 60_000);

  it('in buckets of up to 1,500 selected with a low threshold', () => {
    fc.assert(
      fc.property(selectionSpec(0, 1_500), fc.constantFrom(0, 1, 3, 16, 64), (spec, selectAbove) => {
        const { req, ctx } = expand(spec);
        expect(decideTerminationOrder(req, ctx, selectAbove)).toEqual(decideTerminationOrder(req, ctx, Number.POSITIVE_INFINITY));
      }),
      { numRuns: 600 },
    );
  });
});

describe('sortNext', () => {
  it('leaves each sorted run equal to the same positions of a full sort, whatever the chunk sizes', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer(), { maxLength: 300 }),
        fc.array(fc.integer({ min: 0, max: 80 }), { minLength: 1, maxLength: 20 }),
        fc.constantFrom(0, 4, 32),
        (values, counts, selectAbove) => {
          const items = [...values];
          const compare = (a: number, b: number): number => a - b;
          const full = [...values].sort(compare);
          let sorted = 0;
          for (const count of counts) {
            if (sorted === items.length) break;
            const end = sortNext(items, sorted, count, compare, selectAbove);
            expect(end).toBeGreaterThan(sorted);
            expect(items.slice(0, end)).toEqual(full.slice(0, end));
            sorted = end;
          }
          // Selection moves items, never loses or adds one.
          expect([...items].sort(compare)).toEqual(full);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('selects what was asked from a large rest with far fewer comparisons than a sort, and sorts a small rest whole', () => {
    // Counted comparisons, not time: the point of selecting is the work it saves.
    const counting = () => {
      const counter = { n: 0 };
      const compare = (a: number, b: number): number => {
        counter.n += 1;
        return a - b;
      };
      return { counter, compare };
    };
    const n = 30_000;
    const shuffled = Array.from({ length: n }, (_, i) => (i * 7_919) % n);
    const sorting = counting();
    [...shuffled].sort(sorting.compare);
    const selecting = counting();
    const items = [...shuffled];
    const end = sortNext(items, 0, 1_000, selecting.compare);
    expect(end).toBe(1_000);
    expect(items.slice(0, end)).toEqual(Array.from({ length: 1_000 }, (_, i) => i));
    // ~1.1–1.5 per member to select, ~10 per selected member to sort them: under a fifth of a sort.
    expect(selecting.counter.n).toBeLessThan(sorting.counter.n / 5);

    // At most SELECT_ABOVE members left, or a quarter of them asked for: sorted whole.
    const small = counting();
    const few = shuffled.slice(0, SELECT_ABOVE);
    expect(sortNext([...few], 0, 10, small.compare)).toBe(SELECT_ABOVE);
    const quarter = [...shuffled.slice(0, 4_000)];
    expect(sortNext(quarter, 0, 1_000, counting().compare)).toBe(4_000);
    expect(sortNext([...shuffled.slice(0, 4_000)], 0, 999, counting().compare)).toBe(999);
    expect(sortNext([...shuffled.slice(0, SELECT_ABOVE + 1)], 0, 10, counting().compare)).toBe(10);
  });

  it('gives up selecting at its budget on input Floyd–Rivest handles badly, and sorts instead', () => {
    // Four ascending blocks, each reversed inside: quickselect alone spends ~7.7 comparisons per item
    // on the 5,000 smallest of 30,000 (then 5,000 to sort). With the budget: 4 per item, then TimSort
    // over the runs quickselect left (~1.1 per item here, deterministic).
    const n = 30_000;
    const block = n / 4;
    const input = Array.from({ length: n }, (_, i) => Math.floor(i / block) * block + (block - (i % block)));
    let comparisons = 0;
    const compare = (a: number, b: number): number => {
      comparisons += 1;
      return a - b;
    };
    const items = [...input];
    const end = sortNext(items, 0, 5_000, compare);

    expect(items.slice(0, end)).toEqual([...input].sort((a, b) => a - b).slice(0, end));
    expect(comparisons).toBeLessThanOrEqual((SELECT_BUDGET + 2) * n);
  });
});
