/**
 * Packed instance facts (shared/state/packed-facts.ts, docs/adr/0009-packed-instance-facts.md): what
 * the writers record reads back as the same facts, a later hour wins, expired and corrupt attributes
 * count for nothing, an hour's item stays under DynamoDB's 400 KB, and the termination decision is
 * the same whether the facts come packed or as the per-instance items written before.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { TerminationPolicyRequest } from '../../../shared/events/termination-policy-input';
import { decideTerminationOrder, type TerminationContext } from '../../../shared/termination/policy/order';
import { decodeGroupState, type InstanceFacts } from '../../../shared/state/group-state';
import { FACTS_TTL_SECONDS, groupPk, instanceFactsSk } from '../../../shared/state/keys';
import { MemoryStateStore } from '../../../shared/state/memory-store';
import { type FactsWrite, PACKED_SHARDS, packedFactsAttributes, packedFactsExpiry, packedFactsSk, recordFacts } from '../../../shared/state/packed-facts';

const GROUP = 'ml-inference-gpu';
const NOW = Date.parse('2026-11-27T12:00:00Z');
const HOUR = 3_600_000;
const id = (n: number) => `i-${n.toString(16).padStart(17, '0')}`;

const read = async (store: MemoryStateStore, now = NOW) => decodeGroupState(await store.queryPartition(groupPk(GROUP)), now).facts;

describe('packed facts', () => {
  it('read back as written, one UpdateItem per write, without a per-instance item', async () => {
    const store = new MemoryStateStore(() => NOW);
    await recordFacts(store, GROUP, id(1), { launchedAt: NOW - 90_000, warming: true, modelVersion: 'v7', launchTemplateVersion: '3' }, NOW);
    await recordFacts(store, GROUP, id(1), { doomed: { kind: 'rebalance-recommendation', at: NOW - 5_000 } }, NOW);
    await recordFacts(store, GROUP, id(2), { protectedFromScaleIn: true }, NOW);
    expect(await read(store)).toEqual(
      new Map([
        [id(1), expect.objectContaining({ launchedAt: NOW - 90_000, warming: true, modelVersion: 'v7', launchTemplateVersion: '3', doomed: { kind: 'rebalance-recommendation', at: NOW - 5_000 } })],
        [id(2), expect.objectContaining({ protectedFromScaleIn: true, launchedAt: undefined })],
      ]),
    );
    expect(store.dump().every((i) => String(i.sk).startsWith('facts#'))).toBe(true);
  });

  it('a later hour overrides an earlier one field by field (warming ends in the next hour)', async () => {
    const store = new MemoryStateStore(() => NOW);
    await recordFacts(store, GROUP, id(1), { launchedAt: NOW - HOUR, warming: true, modelVersion: 'v7' }, NOW - HOUR);
    await recordFacts(store, GROUP, id(1), { warming: false }, NOW);
    expect((await read(store)).get(id(1))).toMatchObject({ launchedAt: NOW - HOUR, warming: false, modelVersion: 'v7' });
    expect(packedFactsSk(NOW - HOUR, id(1))).not.toBe(packedFactsSk(NOW, id(1)));
  });

  it('an item lives a day past the end of its hour; past its TTL it is ignored even if still stored', async () => {
    const store = new MemoryStateStore(() => Number.NEGATIVE_INFINITY);
    await recordFacts(store, GROUP, id(1), { warming: true }, NOW);
    const expiry = packedFactsExpiry(NOW);
    expect(expiry).toBeGreaterThanOrEqual(Math.floor(NOW / 1000) + FACTS_TTL_SECONDS);
    expect(expiry).toBeLessThanOrEqual(Math.floor(NOW / 1000) + FACTS_TTL_SECONDS + 3_600);
    expect((await read(store, expiry * 1000 - 1)).get(id(1))?.warming).toBe(true);
    expect((await read(store, expiry * 1000)).has(id(1))).toBe(false);
  });

  it('corrupt attributes contribute nothing', () => {
    const items = [
      { pk: groupPk(GROUP), sk: packedFactsSk(NOW, id(1)), [`${id(1)}|w`]: 'yes', [`${id(1)}|d`]: 'x:12', [`${id(1)}|s`]: 7, [`${id(1)}|zz`]: 1, '|w': true, [`${id(2)}|s`]: 'no separators' },
    ];
    const facts = decodeGroupState(items, NOW).facts;
    expect(facts.get(id(1))).toEqual(expect.objectContaining({ warming: undefined, doomed: undefined, launchedAt: undefined }));
    expect(facts.get(id(2))).toEqual(expect.objectContaining({ launchedAt: undefined, modelVersion: undefined }));
  });

  it("an hour's item of one shard holds 4,000 launches under DynamoDB's 400 KB (names and values count)", () => {
    // https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html
    let bytes = 0;
    for (let n = 0; n < 4_000; n += 1) {
      const attrs = packedFactsAttributes(id(n), { launchedAt: NOW, warming: false, launchTemplateVersion: '123', modelVersion: 'llama-3-8b-instruct-2024-07-18' });
      for (const [k, v] of Object.entries(attrs)) bytes += Buffer.byteLength(k) + (typeof v === 'string' ? Buffer.byteLength(v) : 1);
    }
    expect(bytes).toBeLessThan(400 * 1024);
    expect(PACKED_SHARDS).toBe(16);
  });
});

describe('the termination decision is the same from packed facts as from per-instance items', () => {
  const legacyAttributes = (f: FactsWrite): Record<string, unknown> => ({
    ...(f.launchedAt === undefined ? {} : { launchedAt: f.launchedAt }),
    ...(f.warming === undefined ? {} : { warming: f.warming }),
    ...(f.modelVersion === undefined ? {} : { modelVersion: f.modelVersion }),
    ...(f.launchTemplateVersion === undefined ? {} : { launchTemplateVersion: f.launchTemplateVersion }),
    ...(f.doomed === undefined ? {} : { doomedKind: f.doomed.kind, doomedAt: f.doomed.at }),
  });
  const write = fc.record(
    {
      launchedAt: fc.integer({ min: NOW - 7 * 24 * HOUR, max: NOW }),
      warming: fc.boolean(),
      modelVersion: fc.constantFrom('v6', 'v7'),
      launchTemplateVersion: fc.constantFrom('6', '7'),
      doomed: fc.record({ kind: fc.constantFrom('interruption-warning' as const, 'rebalance-recommendation' as const), at: fc.integer({ min: NOW - 100_000, max: NOW }) }),
    },
    { requiredKeys: [] },
  );
  const candidate = fc.record({ zone: fc.constantFrom('us-east-1a', 'us-east-1b'), spot: fc.boolean(), type: fc.constantFrom('g5.xlarge', 'g5.2xlarge'), facts: fc.option(write, { nil: undefined }) });

  it('for any group and facts', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(candidate, { minLength: 1, maxLength: 40 }), fc.integer({ min: 1, max: 12 }), async (cs, capacity) => {
        const packed = new MemoryStateStore(() => NOW);
        const legacy = new MemoryStateStore(() => NOW);
        for (const [n, c] of cs.entries()) {
          if (!c.facts) continue;
          const writtenAt = NOW - (n % 5) * HOUR;
          await recordFacts(packed, GROUP, id(n), c.facts, writtenAt);
          await legacy.setAttributes(groupPk(GROUP), instanceFactsSk(id(n)), legacyAttributes(c.facts));
        }
        const request: TerminationPolicyRequest = {
          autoScalingGroupArn: 'arn',
          autoScalingGroupName: GROUP,
          capacityToTerminate: ['us-east-1a', 'us-east-1b'].flatMap((z) => (['spot', 'on-demand'] as const).map((m) => ({ availabilityZone: z, capacity, instanceMarketOption: m }))),
          instances: cs.map((c, n) => ({ availabilityZone: c.zone, instanceId: id(n), instanceType: c.type, instanceMarketOption: c.spot ? 'spot' : 'on-demand' })),
          cause: 'SCALE_IN',
          hasMoreInstances: false,
        };
        const ctx = (facts: ReadonlyMap<string, InstanceFacts>): TerminationContext => ({
          now: NOW,
          tieBreak: 'oldest-first',
          facts,
          poolInterruptionRate: new Map(),
          current: { launchTemplateVersion: '7', modelVersion: 'v7' },
          weights: new Map([['g5.2xlarge', 2]]),
        });
        const fromPacked = decideTerminationOrder(request, ctx(await read(packed)));
        const fromLegacy = decideTerminationOrder(request, ctx(await read(legacy)));
        expect(fromPacked.instanceIds).toEqual(fromLegacy.instanceIds);
        expect(fromPacked.reason).toEqual(fromLegacy.reason);
      }),
      { numRuns: 200 },
    );
  });
});
