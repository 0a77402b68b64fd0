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
import {
  type FactsWrite,
  PACKED_SHARDS,
  packedFactsAttributes,
  packedFactsEntries,
  packedFactsExpiry,
  packedFactsSk,
  recordFacts,
} from '../../../shared/state/packed-facts';

const GROUP = 'ml-inference-gpu';
const NOW = Date.parse('2026-11-27T12:00:00Z');
const HOUR = 3_600_000;
const id = (n: number) => `i-${n.toString(16).padStart(17, '0')}`;

/** Any write of facts (each field optional); `protection`: scale-in protection among the fields (the per-instance items of before had none). */
const factsWrite = (protection: boolean): fc.Arbitrary<FactsWrite> =>
  fc.record(
    {
      launchedAt: fc.integer({ min: NOW - 7 * 24 * HOUR, max: NOW }),
      warming: fc.boolean(),
      modelVersion: fc.constantFrom('v6', 'v7'),
      launchTemplateVersion: fc.constantFrom('6', '7'),
      doomed: fc.record({
        kind: fc.constantFrom('interruption-warning' as const, 'rebalance-recommendation' as const),
        at: fc.integer({ min: NOW - 100_000, max: NOW }),
      }),
      protectedFromScaleIn: protection ? fc.boolean() : fc.constant(undefined),
    },
    { requiredKeys: [] },
  );

const read = async (store: MemoryStateStore, now = NOW) => decodeGroupState(await store.queryPartition(groupPk(GROUP)), now).facts;

describe('packed facts', () => {
  it('read back as written, one UpdateItem per write, without a per-instance item', async () => {
    const store = new MemoryStateStore(() => NOW);
    await recordFacts(store, GROUP, id(1), { launchedAt: NOW - 90_000, warming: true, modelVersion: 'v7', launchTemplateVersion: '3' }, NOW);
    await recordFacts(store, GROUP, id(1), { doomed: { kind: 'rebalance-recommendation', at: NOW - 5_000 } }, NOW);
    await recordFacts(store, GROUP, id(2), { protectedFromScaleIn: true }, NOW);
    expect(await read(store)).toEqual(
      new Map([
        [
          id(1),
          expect.objectContaining({
            launchedAt: NOW - 90_000,
            warming: true,
            modelVersion: 'v7',
            launchTemplateVersion: '3',
            doomed: { kind: 'rebalance-recommendation', at: NOW - 5_000 },
          }),
        ],
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
      {
        pk: groupPk(GROUP),
        sk: packedFactsSk(NOW, id(1)),
        [`${id(1)}|w`]: 'yes',
        [`${id(1)}|d`]: 'x:12',
        [`${id(1)}|s`]: 7,
        [`${id(1)}|zz`]: 1,
        '|w': true,
        [`${id(2)}|s`]: 'no separators',
      },
    ];
    const facts = decodeGroupState(items, NOW).facts;
    expect(facts.get(id(1))).toEqual(expect.objectContaining({ warming: undefined, doomed: undefined, launchedAt: undefined }));
    const entries = [
      `${id(3)}|w|12|yes`,
      `${id(3)}|w|1x|1`,
      `${id(3)}|w||1`,
      `${id(3)}|w|12`,
      `${id(3)}|p|5|10`,
      `${id(3)}|d|5|x:12`,
      `${id(3)}|s|5|no separators`,
      `${id(3)}|z|5|1`,
      `|w|5|1`,
      7,
    ];
    const fromSet = decodeGroupState([{ pk: groupPk(GROUP), sk: packedFactsSk(NOW, id(3)), f: new Set(entries) }], NOW).facts.get(id(3));
    expect(fromSet ?? {}).toEqual(expect.objectContaining({ warming: undefined, protectedFromScaleIn: undefined, doomed: undefined, launchedAt: undefined }));
    expect(facts.get(id(2))).toEqual(expect.objectContaining({ launchedAt: undefined, modelVersion: undefined }));
  });

  it('spreads instances over every shard of the hour (the 400 KB bound is per item)', () => {
    const shards = new Set(Array.from({ length: 2_000 }, (_, n) => packedFactsSk(NOW, id(n * 7_919 + 11))));
    expect(shards.size).toBe(PACKED_SHARDS);
    // Each shard gets its share: none holds more than twice the mean.
    const counts = new Map<string, number>();
    for (let n = 0; n < 2_000; n += 1) {
      const sk = packedFactsSk(NOW, id(n * 7_919 + 11));
      counts.set(sk, (counts.get(sk) ?? 0) + 1);
    }
    expect(Math.max(...counts.values())).toBeLessThan((2 * 2_000) / PACKED_SHARDS);
  });

  it("an hour's item of one shard holds 3,500 launches under DynamoDB's 400 KB (names and values count)", () => {
    // https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html
    let bytes = Buffer.byteLength('f');
    for (let n = 0; n < 3_500; n += 1) {
      const entries = packedFactsEntries(
        id(n),
        { launchedAt: NOW, warming: false, launchTemplateVersion: '123', modelVersion: 'llama-3-8b-instruct-2024-07-18' },
        NOW + HOUR - 1,
      );
      for (const e of entries) bytes += Buffer.byteLength(e);
    }
    expect(bytes).toBeLessThan(400 * 1024);
    expect(PACKED_SHARDS).toBe(32);
  });

  it('one String Set attribute per item, added to (ADD) without a read; a retry adds nothing new', async () => {
    const store = new MemoryStateStore(() => NOW);
    await recordFacts(store, GROUP, id(1), { warming: true }, NOW + 1_500);
    await recordFacts(store, GROUP, id(1), { warming: true }, NOW + 1_500);
    await recordFacts(store, GROUP, id(1), { protectedFromScaleIn: true }, NOW + 2_000);
    expect(store.dump()).toEqual([
      { pk: groupPk(GROUP), sk: packedFactsSk(NOW, id(1)), f: new Set([`${id(1)}|w|1500|1`, `${id(1)}|p|2000|1`]), expiresAt: packedFactsExpiry(NOW) },
    ]);
  });

  it('within an hour the newest write wins, whatever order the set answers in; a tie of the same millisecond goes to the smaller text', () => {
    const sk = packedFactsSk(NOW, id(1));
    const entries = [
      ...packedFactsEntries(id(1), { warming: true, doomed: { kind: 'rebalance-recommendation', at: NOW } }, NOW + 9_000),
      ...packedFactsEntries(id(1), { warming: false }, NOW + 60_000),
      ...packedFactsEntries(id(1), { doomed: { kind: 'interruption-warning', at: NOW + 1 } }, NOW + 9_000),
    ];
    for (const order of [entries, [...entries].reverse()]) {
      const f = decodeGroupState([{ pk: groupPk(GROUP), sk, f: new Set(order) }], NOW).facts.get(id(1));
      expect(f).toMatchObject({ warming: false, doomed: { kind: 'interruption-warning', at: NOW + 1 } });
    }
  });

  it('reads the forms written before (per-instance items, one attribute per fact) and the newest write wins across forms', async () => {
    const store = new MemoryStateStore(() => NOW);
    // Per-instance item (oldest form): launch facts and warming.
    await store.setAttributes(groupPk(GROUP), instanceFactsSk(id(1)), { launchedAt: NOW - 3 * HOUR, warming: true, modelVersion: 'v6' });
    // One attribute per fact, an hour ago: warming ended, a rebalance recommendation.
    await store.setAttributes(
      groupPk(GROUP),
      packedFactsSk(NOW - HOUR, id(1)),
      packedFactsAttributes(id(1), { warming: false, doomed: { kind: 'rebalance-recommendation', at: NOW - HOUR } }),
      packedFactsExpiry(NOW - HOUR),
    );
    // Set entries: protected two hours ago (older than the attributes), doomed now (newer).
    await recordFacts(store, GROUP, id(1), { protectedFromScaleIn: true, warming: true }, NOW - 2 * HOUR);
    await recordFacts(store, GROUP, id(1), { doomed: { kind: 'interruption-warning', at: NOW } }, NOW);
    // In one hour's item, a set entry wins over the attribute of before.
    await store.setAttributes(groupPk(GROUP), packedFactsSk(NOW, id(2)), packedFactsAttributes(id(2), { warming: true }), packedFactsExpiry(NOW));
    await recordFacts(store, GROUP, id(2), { warming: false }, NOW);
    const facts = await read(store);
    expect(facts.get(id(1))).toMatchObject({
      launchedAt: NOW - 3 * HOUR,
      modelVersion: 'v6',
      warming: false,
      protectedFromScaleIn: true,
      doomed: { kind: 'interruption-warning', at: NOW },
    });
    expect(facts.get(id(2))?.warming).toBe(false);
  });

  it('a malformed set entry contributes nothing, whatever else the item holds', () => {
    // Each way an entry `<id>|<field>|<ms into the hour>|<value>` can be broken, applied to a valid one.
    const SEP = '\u001f';
    const breakings: Array<(e: string) => string> = [
      (e) => e.replace(/^[^|]*/, ''), // no id
      (e) => e.replace(/^([^|]*\|)./, '$1x'), // unknown field
      (e) => e.replace(/^([^|]*\|.)\|/, '$1'), // no bar after the field
      (e) => e.replace(/^([^|]*\|.\|)\d*/, '$1'), // no time
      (e) => e.replace(/^([^|]*\|.\|)(\d*)/, '$1$2a'), // a time that is not a number
      (e) => e.replace(/^([^|]*\|.\|)(\d*)/, '$1-$2'), // a time with a sign
      (e) => e.replace(/^([^|]*\|.\|\d*)\|.*$/, '$1'), // no value
      (e) => e.replace(/^([^|]*\|[wp]\|\d*\|).*$/, '$12'), // a flag that is neither 1 nor 0
      (e) => e.replace(/^([^|]*\|[wp]\|\d*\|).*$/, '$110'), // a flag of two characters
      (e) => e.replace(/^([^|]*\|d\|\d*\|).*$/, '$1x:5'), // an unknown doom
      (e) => e.replace(/^([^|]*\|d\|\d*\|)(.):.*$/, '$1$2:abc'), // a doom time that is not a number
      (e) => e.replace(/^([^|]*\|d\|\d*\|)(.):/, '$1$2'), // a doom without its colon
      (e) => e.replace(new RegExp(`^([^|]*\\|s\\|\\d*\\|[^${SEP}]*)${SEP}.*$`), '$1'), // a snapshot of one part
    ];
    fc.assert(
      fc.property(
        fc.array(fc.record({ n: fc.integer({ min: 0, max: 5 }), facts: factsWrite(true), at: fc.integer({ min: 0, max: HOUR - 1 }) }), { maxLength: 10 }),
        fc.array(fc.record({ n: fc.integer({ min: 0, max: 5 }), facts: factsWrite(true), at: fc.integer({ min: 0, max: HOUR - 1 }), how: fc.nat() }), {
          minLength: 1,
          maxLength: 10,
        }),
        fc.array(fc.string(), { maxLength: 5 }),
        (valid, broken, noise) => {
          const hour = NOW - (NOW % HOUR);
          const good = valid.flatMap((w) => packedFactsEntries(id(w.n), w.facts, hour + w.at));
          const bad = broken.flatMap((w) =>
            packedFactsEntries(id(w.n), w.facts, hour + w.at)
              .map((e, k) => (breakings[(w.how + k) % breakings.length] as (e: string) => string)(e))
              // A breaking that does not apply leaves the entry as it was: not a malformed one.
              .filter((e) => !packedFactsEntries(id(w.n), w.facts, hour + w.at).includes(e)),
          );
          const item = (entries: string[]) => ({ pk: groupPk(GROUP), sk: packedFactsSk(hour, id(0)), expiresAt: packedFactsExpiry(hour), f: entries });
          const known = (entries: string[]) =>
            Object.fromEntries(
              [...decodeGroupState([item(entries)], NOW).facts]
                .map(([i, f]) => [i, Object.fromEntries(Object.entries(f).filter(([, v]) => v !== undefined))] as const)
                .filter(([, f]) => Object.keys(f).length > 0),
            );
          // Random strings are malformed too, unless one happens to read as an entry.
          const junk = noise.filter((x) => known([x]) && Object.keys(known([x])).length === 0);
          expect(known([...bad, ...junk, ...good])).toEqual(known(good));
          expect(known([...good, ...bad, ...junk])).toEqual(known(good));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('for any writes in any order, each field reads as its newest write', async () => {
    const fieldsOf = (w: FactsWrite) => ({
      s:
        w.launchedAt === undefined && w.launchTemplateVersion === undefined && w.modelVersion === undefined
          ? undefined
          : [w.launchedAt, w.launchTemplateVersion, w.modelVersion],
      w: w.warming,
      d: w.doomed,
      p: w.protectedFromScaleIn,
    });
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.integer({ min: 0, max: 3 * HOUR }), { minLength: 1, maxLength: 8 }),
        fc.array(factsWrite(true), { minLength: 8, maxLength: 8 }),
        async (offsets, writes) => {
          const store = new MemoryStateStore(() => NOW);
          // Written in the order generated, not in time order.
          const timed = offsets.map((o, n) => ({ at: NOW - 3 * HOUR + o, facts: writes[n] as FactsWrite }));
          for (const w of timed) await recordFacts(store, GROUP, id(1), w.facts, w.at);
          const got = (await read(store)).get(id(1));
          const newest = <K extends 's' | 'w' | 'd' | 'p'>(k: K) =>
            [...timed]
              .sort((a, b) => b.at - a.at)
              .map((w) => fieldsOf(w.facts)[k])
              .find((v) => v !== undefined);
          const s = newest('s');
          expect(got).toMatchObject({
            launchedAt: s?.[0],
            launchTemplateVersion: s?.[1],
            modelVersion: s?.[2],
            warming: newest('w'),
            doomed: newest('d'),
            protectedFromScaleIn: newest('p'),
          });
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('the termination decision is the same from set entries, from the attributes of before and from per-instance items', () => {
  const legacyAttributes = (f: FactsWrite): Record<string, unknown> => ({
    ...(f.launchedAt === undefined ? {} : { launchedAt: f.launchedAt }),
    ...(f.warming === undefined ? {} : { warming: f.warming }),
    ...(f.modelVersion === undefined ? {} : { modelVersion: f.modelVersion }),
    ...(f.launchTemplateVersion === undefined ? {} : { launchTemplateVersion: f.launchTemplateVersion }),
    ...(f.doomed === undefined ? {} : { doomedKind: f.doomed.kind, doomedAt: f.doomed.at }),
  });
  const write = factsWrite(false);
  const candidate = fc.record({
    zone: fc.constantFrom('us-east-1a', 'us-east-1b'),
    spot: fc.boolean(),
    type: fc.constantFrom('g5.xlarge', 'g5.2xlarge'),
    facts: fc.option(write, { nil: undefined }),
  });

  it('for any group and facts', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(candidate, { minLength: 1, maxLength: 40 }), fc.integer({ min: 1, max: 12 }), async (cs, capacity) => {
        const packed = new MemoryStateStore(() => NOW);
        const attributes = new MemoryStateStore(() => NOW);
        const legacy = new MemoryStateStore(() => NOW);
        for (const [n, c] of cs.entries()) {
          // A write of nothing records nothing (no writer sends one; the per-instance form would still create an item).
          if (!c.facts || Object.values(c.facts).every((v) => v === undefined)) continue;
          const writtenAt = NOW - (n % 5) * HOUR;
          await recordFacts(packed, GROUP, id(n), c.facts, writtenAt);
          await attributes.setAttributes(groupPk(GROUP), packedFactsSk(writtenAt, id(n)), packedFactsAttributes(id(n), c.facts), packedFactsExpiry(writtenAt));
          await legacy.setAttributes(groupPk(GROUP), instanceFactsSk(id(n)), legacyAttributes(c.facts));
        }
        const request: TerminationPolicyRequest = {
          autoScalingGroupArn: 'arn',
          autoScalingGroupName: GROUP,
          capacityToTerminate: ['us-east-1a', 'us-east-1b'].flatMap((z) =>
            (['spot', 'on-demand'] as const).map((m) => ({ availabilityZone: z, capacity, instanceMarketOption: m })),
          ),
          instances: cs.map((c, n) => ({
            availabilityZone: c.zone,
            instanceId: id(n),
            instanceType: c.type,
            instanceMarketOption: c.spot ? 'spot' : 'on-demand',
          })),
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
        const fromAttributes = decideTerminationOrder(request, ctx(await read(attributes)));
        const fromLegacy = decideTerminationOrder(request, ctx(await read(legacy)));
        expect(fromPacked.instanceIds).toEqual(fromLegacy.instanceIds);
        expect(fromPacked.reason).toEqual(fromLegacy.reason);
        expect(fromAttributes.instanceIds).toEqual(fromLegacy.instanceIds);
        expect(fromAttributes.reason).toEqual(fromLegacy.reason);
      }),
      { numRuns: 200 },
    );
  });
});
