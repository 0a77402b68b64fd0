/**
 * The group worker's scale-in protection snapshot (shared/state/protection.ts, ADR 0009 sixth
 * amendment): what DescribeAutoScalingGroups says per instance
 * (https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_Instance.html, ProtectedFromScaleIn)
 * reaches the termination policy, which reads the group without instances, through every read of
 * the group partition.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeGroupState } from '../../../shared/state/group-state';
import { groupPk, MIX_SK, signalSk } from '../../../shared/state/keys';
import { MemoryStateStore } from '../../../shared/state/memory-store';
import { openHourStart, PACKED_FACTS_PREFIX, packedFactsFrom, packedFactsSk, recordFacts } from '../../../shared/state/packed-facts';
import {
  decodeProtection,
  FACTS_PROTECTION_SK,
  PROTECTION_REWRITE_MS,
  PROTECTION_TTL_SECONDS,
  protectedBy,
  protectionFingerprint,
  protectionSnapshot,
  recordProtection,
} from '../../../shared/state/protection';
import { FACTS_CHECKPOINT_SK } from '../../../shared/state/facts-checkpoint';

const GROUP = 'ml-inference-gpu';
const NOW = Date.parse('2026-11-27T12:00:00Z');
const id = (n: number): string => `i-${n.toString(16).padStart(17, '0')}`;
const listing = (flags: readonly boolean[]) => flags.map((p, n) => ({ instanceId: id(n), protectedFromScaleIn: p }));

describe("protectionSnapshot: the side that is not the group's default for new instances is named", () => {
  it.each([
    { flags: [], newProtected: false, listed: 'protected', ids: [] },
    { flags: [false, false, false], newProtected: false, listed: 'protected', ids: [] },
    { flags: [true, false, false], newProtected: false, listed: 'protected', ids: [id(0)] },
    { flags: [true, true, false], newProtected: false, listed: 'protected', ids: [id(0), id(1)] },
    { flags: [true, true, true], newProtected: false, listed: 'protected', ids: [id(0), id(1), id(2)] },
    { flags: [], newProtected: true, listed: 'unprotected', ids: [] },
    { flags: [true, true, false], newProtected: true, listed: 'unprotected', ids: [id(2)] },
    { flags: [true, false, false], newProtected: true, listed: 'unprotected', ids: [id(1), id(2)] },
    { flags: [true, true, true], newProtected: true, listed: 'unprotected', ids: [] },
  ])('$flags, new instances protected: $newProtected → $listed $ids', ({ flags, newProtected, listed, ids }) => {
    expect(protectionSnapshot(listing(flags), NOW, newProtected)).toEqual({ at: NOW, listed, ids });
  });

  it('property: an instance the snapshot does not name gets what a new instance gets, while its side fits', () => {
    fc.assert(
      fc.property(fc.array(fc.boolean(), { maxLength: 80 }), fc.boolean(), (flags, newProtected) => {
        const snapshot = protectionSnapshot(listing(flags), NOW, newProtected);
        const view = { at: NOW, listed: snapshot.listed, ids: new Set(snapshot.ids) };
        expect(flags.map((_, n) => protectedBy(view, id(n)))).toEqual(flags);
        expect(protectedBy(view, id(10_000))).toBe(newProtected);
      }),
      { numRuns: 300 },
    );
  });

  it('ids are sorted and named once; an instance without an id is left out', () => {
    const snapshot = protectionSnapshot(
      [
        { instanceId: id(9), protectedFromScaleIn: true },
        { instanceId: '', protectedFromScaleIn: true },
        { instanceId: id(1), protectedFromScaleIn: true },
        { instanceId: id(9), protectedFromScaleIn: true },
        ...listing([false, false, false, false, false]).map((i) => ({ ...i, instanceId: `${i.instanceId}x` })),
      ],
      NOW,
      false,
    );
    expect(snapshot).toEqual({ at: NOW, listed: 'protected', ids: [id(1), id(9)] });
  });

  it('a side of exactly 350,000 bytes is named; a byte more and the other side is named if it fits, else unknown', () => {
    // Ids of 17 characters count 20 bytes each (3 of overhead): 17,500 of them make 350,000.
    const ids = (from: number, n: number) => Array.from({ length: n }, (_, k) => `i-${(from + k).toString(16).padStart(15, '0')}`);
    const at = (protectedIds: string[], others: string[]) => [
      ...protectedIds.map((instanceId) => ({ instanceId, protectedFromScaleIn: true })),
      ...others.map((instanceId) => ({ instanceId, protectedFromScaleIn: false })),
    ];
    const exact = protectionSnapshot(at(ids(0, 17_500), ids(100_000, 17_501)), NOW, false);
    expect(exact.listed).toBe('protected');
    expect(exact.ids).toHaveLength(17_500);
    const over = [...ids(0, 17_499), `i-${'1'.repeat(16)}`];
    expect(protectionSnapshot(at(over, ids(100_000, 10)), NOW, false)).toEqual({ at: NOW, listed: 'unprotected', ids: ids(100_000, 10) });
    expect(protectionSnapshot(at(over, ids(100_000, 17_501)), NOW, false)).toEqual({ at: NOW, listed: 'unknown', ids: [] });
    expect(protectionSnapshot(at(ids(0, 10), over), NOW, true)).toEqual({ at: NOW, listed: 'protected', ids: ids(0, 10) });
  });

  it('too many on both sides for one item (400 KB): unknown, no ids', () => {
    const flags = Array.from({ length: 40_000 }, (_, n) => n % 2 === 0);
    expect(protectionSnapshot(listing(flags), NOW, false)).toEqual({ at: NOW, listed: 'unknown', ids: [] });
    expect(protectionSnapshot(listing(flags), NOW, true)).toEqual({ at: NOW, listed: 'unknown', ids: [] });
    // 30,000 instances, half protected: still one item.
    expect(protectionSnapshot(listing(flags.slice(0, 30_000)), NOW, false).listed).toBe('protected');
  });
});

describe('protectionFingerprint', () => {
  it('equal for equal snapshots whatever their time, different when a side, an id or the listing differs', () => {
    const a = protectionSnapshot(listing([true, false, false]), NOW, false);
    expect(protectionFingerprint(protectionSnapshot(listing([true, false, false]), NOW + 1, false))).toBe(protectionFingerprint(a));
    const others = [
      protectionSnapshot(listing([false, true, false]), NOW, false),
      protectionSnapshot(listing([true, true, false]), NOW, false),
      protectionSnapshot(listing([false, false, false]), NOW, false),
      { ...a, listed: 'unprotected' as const },
      { ...a, ids: [`${id(0)}\n`] },
      { ...a, ids: [id(0), ''] },
    ];
    const prints = new Set([a, ...others].map(protectionFingerprint));
    expect(prints.size).toBe(others.length + 1);
  });
});

describe('decodeProtection', () => {
  const good = { pk: groupPk(GROUP), sk: FACTS_PROTECTION_SK, expiresAt: NOW / 1000 + 60, data: { at: NOW, listed: 'protected', ids: [id(1)] } };

  it('reads a well-formed snapshot, an `unknown` one included', () => {
    expect(decodeProtection(good, NOW)).toEqual({ at: NOW, listed: 'protected', ids: new Set([id(1)]) });
    expect(decodeProtection({ ...good, data: { at: NOW, listed: 'unknown', ids: [] } }, NOW)).toEqual({ at: NOW, listed: 'unknown', ids: new Set() });
    expect(decodeProtection({ ...good, data: { at: NOW, listed: 'unprotected', ids: [id(2)] } }, NOW)).toEqual({
      at: NOW,
      listed: 'unprotected',
      ids: new Set([id(2)]),
    });
  });

  it('a TTL attribute that is not a number never expires it (DynamoDB TTL reads Number attributes only)', () => {
    expect(decodeProtection({ ...good, expiresAt: '1' }, NOW)?.listed).toBe('protected');
    expect(decodeProtection({ ...good, expiresAt: undefined }, NOW)?.listed).toBe('protected');
  });

  it.each([
    ['no data', { ...good, data: undefined }],
    ['data null', { ...good, data: null }],
    ['data not an object', { ...good, data: 'x' }],
    ['no time', { ...good, data: { ...good.data, at: undefined } }],
    ['a time that is not finite', { ...good, data: { ...good.data, at: Number.NaN } }],
    ['an unknown listing', { ...good, data: { ...good.data, listed: 'some' } }],
    ['ids not a list', { ...good, data: { ...good.data, ids: 'i-1' } }],
    ['an id that is not a string', { ...good, data: { ...good.data, ids: [id(1), 7] } }],
    ['an empty id', { ...good, data: { ...good.data, ids: [''] } }],
    ['past its TTL (DynamoDB deletes it later)', { ...good, expiresAt: NOW / 1000 }],
  ])('refuses %s: nothing is known from it', (_, item) => {
    expect(decodeProtection(item as Record<string, unknown>, NOW)).toBeUndefined();
  });

  it.each([
    ['protected', [id(1)], id(1), true],
    ['protected', [id(1)], id(2), false],
    ['unprotected', [id(1)], id(1), false],
    ['unprotected', [id(1)], id(2), true],
    ['unknown', [], id(1), undefined],
  ] as const)('a %s listing of %j says %s is protected: %s', (listed, ids, instance, expected) => {
    expect(protectedBy({ at: NOW, listed, ids: new Set(ids) }, instance)).toBe(expected);
  });
});

describe('recordProtection', () => {
  it('writes on a first sight, not again while unchanged, again when changed or 12 hours later', async () => {
    const store = new MemoryStateStore(() => NOW);
    const seen = new Map<string, { fingerprint: string; at: number }>();
    const writes = () => store.calls.get('UpdateItem') ?? 0;
    expect(await recordProtection(store, GROUP, protectionSnapshot(listing([true, false]), NOW, false), seen)).toEqual({
      outcome: 'written',
      reason: '1 protected named (first sight in this container)',
    });
    expect(await recordProtection(store, GROUP, protectionSnapshot(listing([true, false]), NOW + 60_000, false), seen)).toMatchObject({ outcome: 'unchanged' });
    expect(writes()).toBe(1);
    expect(await recordProtection(store, GROUP, protectionSnapshot(listing([false, false]), NOW + 120_000, false), seen)).toMatchObject({
      outcome: 'written',
      reason: expect.stringContaining('changed'),
    });
    expect(await recordProtection(store, GROUP, protectionSnapshot(listing([false, false]), NOW + 120_000 + PROTECTION_REWRITE_MS, false), seen)).toMatchObject(
      {
        outcome: 'written',
        reason: expect.stringContaining('TTL'),
      },
    );
    expect(writes()).toBe(3);
    const [item] = await store.queryPartition(groupPk(GROUP), { skPrefix: FACTS_PROTECTION_SK });
    expect(item).toMatchObject({ data: { at: NOW + 120_000 + PROTECTION_REWRITE_MS, listed: 'protected', ids: [] } });
    expect(item?.expiresAt).toBe(Math.floor((NOW + 120_000 + PROTECTION_REWRITE_MS) / 1000) + PROTECTION_TTL_SECONDS);
  });

  it('an unknown snapshot says so', async () => {
    const store = new MemoryStateStore(() => NOW);
    const record = await recordProtection(store, GROUP, { at: NOW, listed: 'unknown', ids: [] }, new Map());
    expect(record.reason).toBe('too many to name either side (first sight in this container)');
  });

  it('a failed write is not remembered: the next sweep writes it', async () => {
    const store = new MemoryStateStore(() => NOW);
    const seen = new Map<string, { fingerprint: string; at: number }>();
    const failing = { setAttributes: () => Promise.reject(new Error('ProvisionedThroughputExceededException')) };
    await expect(recordProtection(failing, GROUP, protectionSnapshot(listing([true]), NOW, false), seen)).rejects.toThrow();
    expect(await recordProtection(store, GROUP, protectionSnapshot(listing([true]), NOW, false), seen)).toMatchObject({ outcome: 'written' });
  });

  it('property: through the table and a read of the partition, the policy learns each listed instance’s protection', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.boolean(), { maxLength: 60 }),
        fc.array(fc.boolean(), { maxLength: 60 }),
        fc.boolean(),
        async (before, after, newProtected) => {
          // Two sweeps of one group (the second may find other protection); a fact recorded meanwhile.
          const store = new MemoryStateStore(() => NOW);
          const seen = new Map<string, { fingerprint: string; at: number }>();
          await recordProtection(store, GROUP, protectionSnapshot(listing(before), NOW, !newProtected), seen);
          await recordFacts(store, GROUP, id(0), { warming: false }, NOW);
          await recordProtection(store, GROUP, protectionSnapshot(listing(after), NOW + 60_000, newProtected), seen);
          // Every read the termination policy makes starts at `facts#` or at an open hour: each answers it.
          for (const options of [{ skFrom: PACKED_FACTS_PREFIX }, { skFrom: packedFactsFrom(openHourStart(NOW + 90_000)) }]) {
            const state = decodeGroupState(await store.queryPartition(groupPk(GROUP), options), NOW + 90_000);
            const view = state.protection;
            expect(view).toBeDefined();
            expect(after.map((_, n) => protectedBy(view as NonNullable<typeof view>, id(n)))).toEqual(after);
            // The packed facts decode as before: the snapshot is not a packed item.
            expect(state.facts.get(id(0))?.warming).toBe(false);
            expect(state.facts.size).toBe(1);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('where the snapshot sorts in the group partition (docs/adr/0009, sixth amendment)', () => {
  it('after every packed facts item and every open-hour read start, before the per-instance items, the mix record and the signals; after the checkpoint', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4_102_444_800_000 }), fc.integer({ min: 0, max: 2 ** 40 }), (at, n) => {
        expect(FACTS_PROTECTION_SK > packedFactsSk(at, id(n))).toBe(true);
        expect(FACTS_PROTECTION_SK > packedFactsFrom(openHourStart(at))).toBe(true);
        expect(FACTS_PROTECTION_SK < signalSk(at, id(n))).toBe(true);
      }),
      { numRuns: 500 },
    );
    expect(FACTS_PROTECTION_SK > PACKED_FACTS_PREFIX).toBe(true);
    expect(FACTS_PROTECTION_SK > FACTS_CHECKPOINT_SK).toBe(true);
    expect(FACTS_PROTECTION_SK < `instance#${id(1)}`).toBe(true);
    expect(FACTS_PROTECTION_SK < MIX_SK).toBe(true);
  });
});
