import { describe, expect, it } from 'vitest';
import type { TerminationCandidate, TerminationCause } from '../../../shared/events/termination-policy-input';
import { parseTerminationPolicyInput } from '../../../shared/events/termination-policy-input';
import { poolKey } from '../../../shared/state/group-state';
import { decideTerminationOrder } from '../../../shared/termination/policy/order';
import { MAX_REASON_CHARS, REASONS_PER_BUCKET } from '../../../shared/termination/policy/reason';
import { type ContextOverrides, HOUR, MINUTE, NOW, cap, context, inst, request } from './build';
import { loadTerminationFixture } from './load-fixture';

interface Row {
  name: string;
  cause?: TerminationCause;
  caps: ReturnType<typeof cap>[];
  instances: TerminationCandidate[];
  ctx?: ContextOverrides;
  expected: string[];
}

const spot = { market: 'spot' as const };
const POOL_A = poolKey('g5.xlarge', 'us-east-1a');
const POOL_B = poolKey('g6.xlarge', 'us-east-1a');

const rows: Row[] = [
  // (1) doomed
  {
    name: 'interruption warning before rebalance recommendation before healthy',
    caps: [cap(2)],
    instances: [inst('i-a'), inst('i-b'), inst('i-c')],
    ctx: {
      facts: {
        'i-a': { launchedAt: NOW - 10 * HOUR },
        'i-b': { doomed: { kind: 'rebalance-recommendation', at: NOW - MINUTE } },
        'i-c': { doomed: { kind: 'interruption-warning', at: NOW - 30_000 } },
      },
    },
    expected: ['i-c', 'i-b'],
  },
  // (2) pool rates
  {
    name: 'Spot pool with the highest interruption rate first',
    caps: [cap(1, spot)],
    instances: [inst('i-a', spot), inst('i-b', { ...spot, type: 'g6.xlarge' })],
    ctx: { rates: { [POOL_A]: 0.1, [POOL_B]: 0.4 } },
    expected: ['i-b'],
  },
  {
    name: 'doomed beats a high pool rate',
    caps: [cap(1, spot)],
    instances: [inst('i-a', spot), inst('i-b', { ...spot, type: 'g6.xlarge' })],
    ctx: { rates: { [POOL_B]: 5 }, facts: { 'i-a': { doomed: { kind: 'rebalance-recommendation', at: NOW } } } },
    expected: ['i-a'],
  },
  {
    name: 'pool rates do not apply to On-Demand buckets',
    caps: [cap(1)],
    instances: [inst('i-b'), inst('i-a', { type: 'g6.xlarge' })],
    ctx: { rates: { [POOL_B]: 0.9 }, facts: { 'i-a': { launchedAt: NOW - HOUR }, 'i-b': { launchedAt: NOW - 2 * HOUR } } },
    expected: ['i-b'],
  },
  {
    name: 'NaN pool rate is ignored',
    caps: [cap(1, spot)],
    instances: [inst('i-b', spot), inst('i-a', { ...spot, type: 'g6.xlarge' })],
    ctx: { rates: { [POOL_A]: Number.NaN, [POOL_B]: 0.2 } },
    expected: ['i-a'],
  },
  {
    name: 'Infinity and negative pool rates are ignored (id order decides)',
    caps: [cap(1, spot)],
    instances: [inst('i-b', spot), inst('i-a', { ...spot, type: 'g6.xlarge' })],
    ctx: { rates: { [POOL_A]: Number.POSITIVE_INFINITY, [POOL_B]: -3 } },
    expected: ['i-a'],
  },
  {
    name: 'pools with equal rates share a rank, so the next criterion (stale) decides',
    caps: [cap(1, spot)],
    instances: [inst('i-a', spot), inst('i-b', { ...spot, type: 'g6.xlarge' })],
    ctx: { rates: { [POOL_A]: 0.3, [POOL_B]: 0.3 }, current: { modelVersion: 'm2' }, facts: { 'i-b': { modelVersion: 'm1' } } },
    expected: ['i-b'],
  },
  // (3) stale versions
  {
    name: 'stale launch template before current',
    caps: [cap(1)],
    instances: [inst('i-a'), inst('i-b')],
    ctx: { current: { launchTemplateVersion: '7' }, facts: { 'i-a': { launchTemplateVersion: '7' }, 'i-b': { launchTemplateVersion: '6' } } },
    expected: ['i-b'],
  },
  {
    name: 'stale model version before current',
    caps: [cap(1)],
    instances: [inst('i-a'), inst('i-b')],
    ctx: { current: { modelVersion: 'm2' }, facts: { 'i-a': { modelVersion: 'm2' }, 'i-b': { modelVersion: 'm1' } } },
    expected: ['i-b'],
  },
  {
    name: 'unknown current version makes nothing stale',
    caps: [cap(1)],
    instances: [inst('i-a'), inst('i-b')],
    ctx: { facts: { 'i-a': { modelVersion: 'm2' }, 'i-b': { modelVersion: 'm1' } } },
    expected: ['i-a'],
  },
  {
    name: 'unknown instance version is not stale',
    caps: [cap(1)],
    instances: [inst('i-a'), inst('i-b')],
    ctx: { current: { modelVersion: 'm2' }, facts: { 'i-a': {}, 'i-b': { modelVersion: 'm1' } } },
    expected: ['i-b'],
  },
  {
    name: 'pool rate beats staleness in SCALE_IN',
    caps: [cap(1, spot)],
    instances: [inst('i-a', spot), inst('i-b', { ...spot, type: 'g6.xlarge' })],
    ctx: { rates: { [POOL_B]: 0.3 }, current: { modelVersion: 'm2' }, facts: { 'i-a': { modelVersion: 'm1' } } },
    expected: ['i-b'],
  },
  // (4) warming
  {
    name: 'still warming before warm',
    caps: [cap(1)],
    instances: [inst('i-a'), inst('i-b')],
    ctx: { facts: { 'i-a': { warming: false, launchedAt: NOW - 9 * HOUR }, 'i-b': { warming: true, launchedAt: NOW - MINUTE } } },
    expected: ['i-b'],
  },
  {
    name: 'stale beats warming',
    caps: [cap(1)],
    instances: [inst('i-a'), inst('i-b')],
    ctx: { current: { launchTemplateVersion: '3' }, facts: { 'i-a': { warming: true }, 'i-b': { launchTemplateVersion: '2' } } },
    expected: ['i-b'],
  },
  // (5) tie-breaks
  {
    name: 'oldest-first, unknown launch time last',
    caps: [cap(3)],
    instances: [inst('i-a'), inst('i-b'), inst('i-c'), inst('i-d')],
    ctx: {
      tieBreak: 'oldest-first',
      facts: { 'i-a': {}, 'i-b': { launchedAt: NOW - HOUR }, 'i-c': { launchedAt: NOW - 5 * HOUR }, 'i-d': { launchedAt: Number.NaN } },
    },
    expected: ['i-c', 'i-b', 'i-a'],
  },
  {
    name: 'newest-first, unknown launch time last',
    caps: [cap(3)],
    instances: [inst('i-a'), inst('i-b'), inst('i-c'), inst('i-d')],
    ctx: { tieBreak: 'newest-first', facts: { 'i-b': { launchedAt: NOW - HOUR }, 'i-c': { launchedAt: NOW - 5 * HOUR } } },
    expected: ['i-b', 'i-c', 'i-a'],
  },
  {
    name: 'least-loaded, unknown and NaN load last',
    caps: [cap(3)],
    instances: [inst('i-a'), inst('i-b'), inst('i-c'), inst('i-d')],
    ctx: { tieBreak: 'least-loaded', facts: { 'i-a': { load: Number.NaN }, 'i-b': { load: 0.7 }, 'i-c': { load: 0.1 } } },
    expected: ['i-c', 'i-b', 'i-a'],
  },
  {
    name: 'no facts at all: instance id decides',
    caps: [cap(2)],
    instances: [inst('i-c'), inst('i-a'), inst('i-b')],
    expected: ['i-a', 'i-b'],
  },
  {
    name: 'facts only for unrelated ids change nothing',
    caps: [cap(1)],
    instances: [inst('i-b'), inst('i-a')],
    ctx: { facts: { 'i-zzz': { doomed: { kind: 'interruption-warning', at: NOW } } } },
    expected: ['i-a'],
  },
  // weights
  {
    name: 'weights count capacity units',
    caps: [cap(4)],
    instances: [inst('i-a', { type: 'g5.2xlarge' }), inst('i-b', { type: 'g5.2xlarge' }), inst('i-c')],
    ctx: { weights: { 'g5.2xlarge': 2 } },
    expected: ['i-a', 'i-b'],
  },
  {
    name: 'an instance that would overshoot is skipped; a smaller one further down fits',
    caps: [cap(3)],
    instances: [inst('i-a', { type: 'g5.2xlarge' }), inst('i-b', { type: 'g5.2xlarge' }), inst('i-c')],
    ctx: { weights: { 'g5.2xlarge': 2 } },
    expected: ['i-a', 'i-c'],
  },
  {
    name: 'a doomed instance heavier than the whole bucket is skipped, never exceeding capacity',
    caps: [cap(1)],
    instances: [inst('i-a', { type: 'g5.4xlarge' }), inst('i-b')],
    ctx: { weights: { 'g5.4xlarge': 4 }, facts: { 'i-a': { doomed: { kind: 'interruption-warning', at: NOW } } } },
    expected: ['i-b'],
  },
  {
    name: 'nothing fits: empty',
    caps: [cap(1)],
    instances: [inst('i-a', { type: 'g5.4xlarge' })],
    ctx: { weights: { 'g5.4xlarge': 4 } },
    expected: [],
  },
  {
    name: 'zero, negative and NaN weights count as 1',
    caps: [cap(2)],
    instances: [inst('i-a', { type: 'z' }), inst('i-b', { type: 'n' }), inst('i-c', { type: 'q' })],
    ctx: { weights: { z: 0, n: -2, q: Number.NaN } },
    expected: ['i-a', 'i-b'],
  },
  // protected
  {
    name: 'protected instance never chosen, even when doomed',
    caps: [cap(2)],
    instances: [inst('i-a'), inst('i-b')],
    ctx: { facts: { 'i-a': { protectedFromScaleIn: true, doomed: { kind: 'interruption-warning', at: NOW } } } },
    expected: ['i-b'],
  },
  {
    name: 'protected by the listing or the protection snapshot (protectedIds): never chosen, even when doomed; the facts say nothing',
    caps: [cap(2)],
    instances: [inst('i-a'), inst('i-b'), inst('i-c')],
    ctx: { facts: { 'i-a': { doomed: { kind: 'interruption-warning', at: NOW } } }, protectedIds: ['i-a', 'i-x'] },
    expected: ['i-b', 'i-c'],
  },
  {
    name: 'all protected: empty',
    caps: [cap(2)],
    instances: [inst('i-a'), inst('i-b')],
    ctx: { facts: { 'i-a': { protectedFromScaleIn: true }, 'i-b': { protectedFromScaleIn: true } } },
    expected: [],
  },
  // duplicates and buckets
  {
    name: 'a duplicate candidate appears once',
    caps: [cap(3)],
    instances: [inst('i-a'), inst('i-a'), inst('i-b')],
    expected: ['i-a', 'i-b'],
  },
  {
    name: 'a duplicate candidate naming another bucket: the first entry wins',
    caps: [cap(1, spot), cap(1, { az: 'us-east-1b' })],
    instances: [inst('i-a', { az: 'us-east-1b' }), inst('i-a', spot)],
    expected: ['i-a'],
  },
  {
    name: 'duplicate bucket entries are summed',
    caps: [cap(1), cap(1)],
    instances: [inst('i-a'), inst('i-b'), inst('i-c')],
    expected: ['i-a', 'i-b'],
  },
  {
    name: 'buckets are per zone AND market option, concatenated in input order',
    caps: [cap(1, { az: 'us-east-1b', market: 'spot' }), cap(1, { az: 'us-east-1a' }), cap(1, spot)],
    instances: [inst('i-1'), inst('i-2', spot), inst('i-3', { az: 'us-east-1b' }), inst('i-4', { az: 'us-east-1b', market: 'spot' })],
    expected: ['i-4', 'i-1', 'i-2'],
  },
  {
    name: 'candidates outside the requested buckets are ignored',
    caps: [cap(5, spot)],
    instances: [inst('i-a'), inst('i-b', spot), inst('i-c', { az: 'us-east-1b', market: 'spot' })],
    expected: ['i-b'],
  },
  // empty / zero
  { name: 'no candidates: empty', caps: [cap(2)], instances: [], expected: [] },
  { name: 'no buckets: empty', caps: [], instances: [inst('i-a')], expected: [] },
  { name: 'zero capacity: empty', caps: [cap(0)], instances: [inst('i-a')], expected: [] },
  { name: 'NaN capacity counts as zero', caps: [cap(Number.NaN)], instances: [inst('i-a')], expected: [] },
  { name: 'fractional capacity below one weight: empty', caps: [cap(0.5)], instances: [inst('i-a')], expected: [] },
  // per cause
  {
    name: 'REBALANCE uses the full order (doomed, then pool rate)',
    cause: 'REBALANCE',
    caps: [cap(2, spot)],
    instances: [inst('i-a', spot), inst('i-b', { ...spot, type: 'g6.xlarge' }), inst('i-c', spot)],
    ctx: { rates: { [POOL_B]: 0.5 }, facts: { 'i-c': { doomed: { kind: 'interruption-warning', at: NOW } } } },
    expected: ['i-c', 'i-b'],
  },
  {
    name: 'INSTANCE_REFRESH: stale before doomed-but-current',
    cause: 'INSTANCE_REFRESH',
    caps: [cap(1)],
    instances: [inst('i-a'), inst('i-b')],
    ctx: {
      current: { launchTemplateVersion: '9' },
      facts: { 'i-a': { launchTemplateVersion: '9', doomed: { kind: 'interruption-warning', at: NOW } }, 'i-b': { launchTemplateVersion: '8' } },
    },
    expected: ['i-b'],
  },
  {
    name: 'INSTANCE_REFRESH: among stale, doomed first; then doomed-current; then the rest',
    cause: 'INSTANCE_REFRESH',
    caps: [cap(3)],
    instances: [inst('i-a'), inst('i-b'), inst('i-c'), inst('i-d')],
    ctx: {
      current: { modelVersion: 'm3' },
      facts: {
        'i-a': { modelVersion: 'm2' },
        'i-b': { modelVersion: 'm2', doomed: { kind: 'rebalance-recommendation', at: NOW } },
        'i-c': { modelVersion: 'm3', doomed: { kind: 'interruption-warning', at: NOW } },
        'i-d': { modelVersion: 'm3' },
      },
    },
    expected: ['i-b', 'i-a', 'i-c'],
  },
  {
    name: 'MAX_INSTANCE_LIFETIME: doomed, then oldest, whatever the configured tie-break',
    cause: 'MAX_INSTANCE_LIFETIME',
    caps: [cap(3)],
    instances: [inst('i-a'), inst('i-b'), inst('i-c'), inst('i-d')],
    ctx: {
      tieBreak: 'newest-first',
      facts: {
        'i-a': { launchedAt: NOW - HOUR },
        'i-b': { launchedAt: NOW - 30 * 24 * HOUR },
        'i-c': { launchedAt: NOW - 2 * HOUR, doomed: { kind: 'rebalance-recommendation', at: NOW } },
        'i-d': {},
      },
    },
    expected: ['i-c', 'i-b', 'i-a'],
  },
  {
    name: 'MAX_INSTANCE_LIFETIME: age beats pool rate',
    cause: 'MAX_INSTANCE_LIFETIME',
    caps: [cap(1, spot)],
    instances: [inst('i-a', spot), inst('i-b', { ...spot, type: 'g6.xlarge' })],
    ctx: { rates: { [POOL_B]: 0.9 }, facts: { 'i-a': { launchedAt: NOW - 40 * 24 * HOUR }, 'i-b': { launchedAt: NOW - HOUR } } },
    expected: ['i-a'],
  },
];

describe('decideTerminationOrder: ordering table', () => {
  it.each(rows)('$name', ({ cause, caps, instances, ctx, expected }) => {
    // Prepare
    const req = request(caps, instances, cause ?? 'SCALE_IN');
    // Act
    const decision = decideTerminationOrder(req, context(ctx));
    // Assess
    expect(decision.instanceIds).toEqual(expected);
    expect(decision.buckets.flatMap((b) => b.chosen)).toEqual(expected);
    for (const b of decision.buckets) expect(b.chosenCapacity).toBeLessThanOrEqual(b.capacity);
  });
});

describe('decideTerminationOrder: buckets and reasons', () => {
  it('reports each bucket with capacity, counts and per-id reasons', () => {
    const decision = decideTerminationOrder(
      request([cap(2, spot), cap(1)], [inst('i-a', spot), inst('i-b', { ...spot, type: 'g6.xlarge' }), inst('i-c', spot), inst('i-d'), inst('i-e')]),
      context({
        rates: { [POOL_B]: 0.4 },
        facts: { 'i-a': { doomed: { kind: 'interruption-warning', at: NOW - 45_000 } }, 'i-e': { protectedFromScaleIn: true } },
      }),
    );
    expect(decision.buckets).toEqual([
      {
        availabilityZone: 'us-east-1a',
        marketOption: 'spot',
        capacity: 2,
        chosen: ['i-a', 'i-b'],
        reasons: expect.objectContaining({ 'i-a': 'interruption warning 45s ago', 'i-b': 'pool g6.xlarge|us-east-1a rate 0.40/h' }),
        chosenCapacity: 2,
        candidateCount: 3,
        protectedCount: 0,
      },
      {
        availabilityZone: 'us-east-1a',
        marketOption: 'on-demand',
        capacity: 1,
        chosen: ['i-d'],
        reasons: expect.objectContaining({ 'i-d': 'no recorded facts' }),
        chosenCapacity: 1,
        candidateCount: 2,
        protectedCount: 1,
      },
    ]);
    expect(decision.reason).toBe(
      'SCALE_IN: terminate 3 instances (capacity 3 requested in 2 buckets, 5 candidate entries). ' +
        'us-east-1a/spot: 2 of 3 candidates for capacity 2: i-a (interruption warning 45s ago), i-b (pool g6.xlarge|us-east-1a rate 0.40/h). ' +
        'us-east-1a/on-demand: 1 of 2 candidates for capacity 1, 1 protected: i-d (no recorded facts)',
    );
  });

  it('explains stale versions, warming and tie-break values', () => {
    const decision = decideTerminationOrder(
      request([cap(2)], [inst('i-a'), inst('i-b')]),
      context({
        tieBreak: 'least-loaded',
        current: { launchTemplateVersion: '7', modelVersion: 'm2' },
        facts: { 'i-a': { launchTemplateVersion: '6', modelVersion: 'm1', load: 0.25 }, 'i-b': { warming: true } },
      }),
    );
    expect(decision.buckets[0]?.reasons).toEqual(
      expect.objectContaining({
        'i-a': 'stale launch template 6 (current 7), stale model m1 (current m2), load 0.25',
        'i-b': 'still warming',
      }),
    );
  });

  it('says why nothing was chosen, with units and skipped counts', () => {
    const decision = decideTerminationOrder(request([cap(1)], [inst('i-a', { type: 'big' })], 'SCALE_IN', true), context({ weights: { big: 3 } }));
    expect(decision.instanceIds).toEqual([]);
    expect(decision.reason).toBe(
      'SCALE_IN: nothing to terminate now (capacity 1 requested in 1 bucket, 1 candidate entry); HasMoreInstances: ordered within this page only. ' +
        'us-east-1a/on-demand: 0 of 1 candidates for capacity 1, 1 not chosen: weight would exceed capacity',
    );
  });

  it('names a tie on recorded facts, and counts what a shortfall passed over', () => {
    const decision = decideTerminationOrder(
      request([cap(3)], [inst('i-a'), inst('i-b', { type: 'big' }), inst('i-c', { type: 'big' })]),
      context({ weights: { big: 2 }, facts: { 'i-a': { warming: false } } }),
    );
    expect(decision.instanceIds).toEqual(['i-a', 'i-b']);
    expect(decision.buckets[0]?.reasons['i-a']).toBe('tie on recorded facts: instance id order');
    expect(decision.reason).toContain('us-east-1a/on-demand: 2 of 3 candidates for capacity 3 (3 units)');
    expect(decision.buckets[0]?.chosenCapacity).toBe(3);
  });

  it('counts candidates passed over when the bucket stays short', () => {
    const decision = decideTerminationOrder(
      request([cap(4)], [inst('i-a', { type: 'big' }), inst('i-b', { type: 'big' }), inst('i-c', { type: 'big' })]),
      context({ weights: { big: 3 } }),
    );
    expect(decision.instanceIds).toEqual(['i-a']);
    expect(decision.reason).toContain('1 of 3 candidates for capacity 4 (3 units), 2 not chosen: weight would exceed capacity');
  });

  it('mentions duplicates and candidates outside the buckets', () => {
    const decision = decideTerminationOrder(request([cap(1)], [inst('i-a'), inst('i-a'), inst('i-x', spot)]), context());
    expect(decision.reason).toContain('1 duplicate entry ignored; 1 outside the requested buckets');
  });

  it('an instance id like __proto__ keeps its reason', () => {
    const decision = decideTerminationOrder(request([cap(1)], [inst('__proto__')]), context());
    expect(decision.instanceIds).toEqual(['__proto__']);
    expect(Object.getOwnPropertyDescriptor(decision.buckets[0]?.reasons ?? {}, '__proto__')?.value).toBe('no recorded facts');
  });

  it('keeps the reason bounded for 30,000 candidates, listing the first 20 ids then +N more', () => {
    const instances = Array.from({ length: 30_000 }, (_, i) => inst(`i-${i.toString(16).padStart(17, '0')}`, spot));
    const facts: ContextOverrides['facts'] = {};
    for (let i = 0; i < 30_000; i += 3) facts[`i-${i.toString(16).padStart(17, '0')}`] = { launchedAt: NOW - i * MINUTE, modelVersion: 'm1' };
    const decision = decideTerminationOrder(
      request([cap(25_000, spot)], instances),
      context({ facts, current: { modelVersion: 'm2' }, rates: { [POOL_A]: 0.4 } }),
    );
    expect(decision.instanceIds).toHaveLength(25_000);
    expect(decision.reason.length).toBeLessThanOrEqual(MAX_REASON_CHARS);
    expect(decision.reason).toContain('+24980 more');
    expect(decision.reason.match(/\bi-[0-9a-f]{17} \(/g)).toHaveLength(20);
    expect(Object.keys(decision.buckets[0]?.reasons ?? {})).toHaveLength(REASONS_PER_BUCKET);
    expect(Object.keys(decision.buckets[0]?.reasons ?? {})).toEqual(decision.instanceIds.slice(0, REASONS_PER_BUCKET));
  });
});

describe('decideTerminationOrder: sample events', () => {
  it('scale-in.json with facts chooses per zone and market', () => {
    // Prepare
    const parsed = parseTerminationPolicyInput(loadTerminationFixture('scale-in'));
    if (!parsed.ok) throw parsed.error;
    const ctx = context({
      rates: { [poolKey('g5.2xlarge', 'us-east-1a')]: 0.6, [poolKey('g6.xlarge', 'us-east-1b')]: 0.2 },
      weights: { 'g5.2xlarge': 2 },
      facts: {
        'i-0a1b2c3d4e5f60729': { doomed: { kind: 'interruption-warning', at: NOW - 20_000 } },
        'i-0a1b2c3d4e5f6075c': { launchedAt: NOW - 3 * HOUR },
        'i-0a1b2c3d4e5f6074b': { launchedAt: NOW - HOUR },
        'i-0b2c3d4e5f607184f': { protectedFromScaleIn: true },
      },
    });
    // Act
    const decision = decideTerminationOrder(parsed.request, ctx);
    // Assess: 1a/spot cap 2 takes the doomed one (1 unit); the 2-unit g5.2xlarge would overshoot, so the next 1-unit one.
    expect(decision.buckets.map((b) => [`${b.availabilityZone}/${b.marketOption}`, b.chosen])).toEqual([
      ['us-east-1a/spot', ['i-0a1b2c3d4e5f60729', 'i-0a1b2c3d4e5f60718']],
      ['us-east-1a/on-demand', ['i-0a1b2c3d4e5f6075c']],
      ['us-east-1b/spot', ['i-0b2c3d4e5f607183e']],
      ['us-east-1b/on-demand', ['i-0b2c3d4e5f6071850']],
    ]);
  });

  it.each(['instance-refresh', 'max-instance-lifetime', 'rebalance', 'has-more-instances'] as const)(
    '%s without any facts answers the requested count in id order',
    (name) => {
      const parsed = parseTerminationPolicyInput(loadTerminationFixture(name));
      if (!parsed.ok) throw parsed.error;
      const decision = decideTerminationOrder(parsed.request, context());
      for (const b of decision.buckets) {
        expect(b.chosen.length).toBe(Math.min(b.capacity, b.candidateCount));
        expect(b.chosen).toEqual([...b.chosen].sort());
      }
    },
  );
});
