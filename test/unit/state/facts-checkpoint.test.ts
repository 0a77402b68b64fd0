/**
 * Facts checkpoints (shared/state/facts-checkpoint.ts): a container's first read of a group restores
 * the checkpoint a worker wrote, expired to now, and applies the hours since on top of it; what it
 * then knows equals a whole read at every moment — writes landing late, renewals by workers that did
 * or did not see the group before, items past their TTL (before and after DynamoDB deletes them),
 * per-instance items of before ADR 0009. A checkpoint that is not whole or not well formed is never
 * used: the partition is read whole.
 */
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  factsWrite,
  knownFacts,
  landStep,
  recordManyLaunches,
  signalAction,
  sortedSignals,
  timelineAdvance,
  timelineInstance,
  HOUR,
  MINUTE,
  TIMELINE_GROUP,
  TIMELINE_PK,
  TIMELINE_START,
  writeAction,
} from '../../support/packed-facts-timeline';
import type { StateStorePort } from '../../../shared/aws/state-store';
import {
  encodeFactsCheckpoint,
  FACTS_CHECKPOINT_CHUNK_CHARS,
  FACTS_CHECKPOINT_RENEW_MS,
  FACTS_CHECKPOINT_SK,
  factsCheckpointChunkSk,
  readPartitionFirst,
  renewFactsCheckpoint,
  restoreFactsCheckpoint,
} from '../../../shared/state/facts-checkpoint';
import { encodeFactsColumns } from '../../../shared/state/facts-checkpoint-bytes';
import { decodeGroupState, type GroupState } from '../../../shared/state/group-state';
import { GroupStateCache } from '../../../shared/state/group-state-cache';
import { FACTS_TTL_SECONDS, instanceFactsSk } from '../../../shared/state/keys';
import { MemoryStateStore } from '../../../shared/state/memory-store';
import {
  type FactsColumns,
  type FactsWrite,
  openHourStart,
  PACKED_FACTS_PREFIX,
  PackedFactsReader,
  packedFactsAttributes,
  packedFactsEntries,
  packedFactsExpiry,
  packedFactsFrom,
  packedFactsSk,
  recordFacts,
} from '../../../shared/state/packed-facts';

const GROUP = TIMELINE_GROUP;
const PK = TIMELINE_PK;
const START = TIMELINE_START;
const id = timelineInstance;

/** What a whole read of the partition at `now` gives. */
const wholeRead = async (store: MemoryStateStore, now: number): Promise<GroupState> => decodeGroupState(await store.queryPartition(PK), now);

/** A container's first read of the group, as the termination policy does it. */
const firstRead = async (store: MemoryStateStore, cache: GroupStateCache, now: number): Promise<GroupState> => {
  const read = await readPartitionFirst(store, PK, now);
  return cache.update(GROUP, read.items, now, read.from, read.base);
};

const write = factsWrite(START);

/**
 * What the partition held before the timeline starts: packed items of the attribute form of before
 * (no longer written, read until they expire) and of set entries, in the hours before, and
 * per-instance items of before ADR 0009.
 */
const before = fc.array(
  fc.oneof(
    fc.record({
      kind: fc.constantFrom('attributes' as const, 'entries' as const),
      instance: fc.integer({ min: 0, max: 5 }),
      facts: write,
      ago: fc.integer({ min: 0, max: 3 * HOUR }),
    }),
    fc.record({
      kind: fc.constant('per-instance' as const),
      instance: fc.integer({ min: 0, max: 5 }),
      warming: fc.boolean(),
      launchedAt: fc.integer({ min: START - 20 * HOUR, max: START }),
      ttlLeft: fc.integer({ min: 0, max: FACTS_TTL_SECONDS }),
    }),
  ),
  { maxLength: 5 },
);

/**
 * One step of a timeline: the clock moves on, then a write lands (named by its writer's clock, up to
 * 15 minutes earlier), a signal lands, a worker renews the checkpoint (with its container's memo, or
 * a new container's), a new container reads the group first, or a warm container reads it.
 */
const step = fc.record({
  advance: timelineAdvance,
  action: fc.oneof(
    {
      weight: 6,
      arbitrary: writeAction(write),
    },
    { weight: 1, arbitrary: signalAction },
    {
      weight: 3,
      arbitrary: fc.record({
        kind: fc.constant('renew' as const),
        newContainer: fc.boolean(),
        // The worker's clock is its invocation's start: its read comes up to its timeout later.
        lag: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 15 * MINUTE })),
      }),
    },
    { weight: 3, arbitrary: fc.constant({ kind: 'first-read' as const }) },
    { weight: 2, arbitrary: fc.constant({ kind: 'warm-read' as const }) },
    // Two workers renew at once, each with its invocation's clock (up to 15 minutes before its read).
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant('race' as const),
        lags: fc.tuple(fc.integer({ min: 0, max: 15 * MINUTE }), fc.integer({ min: 0, max: 15 * MINUTE })),
      }),
    },
    // TTL deletes each expired item on its own (within two days): a checkpoint's header may outlive a chunk, or a chunk its header.
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('ttl-deletes-one' as const), chunk: fc.boolean() }) },
  ),
});

/** A store that counts the calls made through it (the memory store's own counts include the test's reads). */
const counting = (store: MemoryStateStore) => {
  const calls: string[] = [];
  const port: Pick<StateStorePort, 'get' | 'queryPartition' | 'setAttributes' | 'delete'> = {
    get: (pk, sk) => {
      calls.push(`get ${sk}`);
      return store.get(pk, sk);
    },
    queryPartition: (pk, options) => {
      calls.push(`query ${options?.skPrefix ?? options?.skFrom ?? ''}`);
      return store.queryPartition(pk, options);
    },
    setAttributes: (pk, sk, attributes, expiresAt) => {
      calls.push(`set ${sk}`);
      return store.setAttributes(pk, sk, attributes, expiresAt);
    },
    delete: (pk, sk) => {
      calls.push(`delete ${sk}`);
      return store.delete(pk, sk);
    },
  };
  return { port, calls };
};

/** The checkpoint items of `store`'s partition (what a first read's first Query answers). */
const checkpointItems = (store: MemoryStateStore) => store.queryPartition(PK, { skPrefix: FACTS_CHECKPOINT_SK });

describe('facts checkpoint: first reads equal whole reads', () => {
  it('for any timeline of writes, late writes, signals, renewals, first and warm reads and TTL, every read equals a whole read', async () => {
    let renewals = 0;
    let fromCheckpoint = 0;
    await fc.assert(
      fc.asyncProperty(before, fc.array(step, { minLength: 1, maxLength: 40 }), fc.integer({ min: 0, max: 48 * HOUR }), async (seed, steps, ttlDelay) => {
        let clock = START;
        const store = new MemoryStateStore(() => clock, { ttlDeletionDelayMs: ttlDelay });
        for (const s of seed) {
          if (s.kind === 'entries') {
            await recordFacts(store, GROUP, id(s.instance), s.facts, START - s.ago);
          } else if (s.kind === 'attributes') {
            const at = START - s.ago;
            const attributes = packedFactsAttributes(id(s.instance), s.facts);
            if (Object.keys(attributes).length > 0) await store.setAttributes(PK, packedFactsSk(at, id(s.instance)), attributes, packedFactsExpiry(at));
          } else if (s.kind === 'per-instance') {
            await store.setAttributes(
              PK,
              instanceFactsSk(id(s.instance)),
              { launchedAt: s.launchedAt, warming: s.warming },
              Math.floor(START / 1000) + s.ttlLeft,
            );
          }
        }
        const workerSeen = new Map<string, number>();
        // One container that stays warm through the timeline (its first read is a first read too).
        const warm = new GroupStateCache();
        let n = 0;
        for (const { advance, action } of steps) {
          clock += advance;
          n += 1;
          if (await landStep(store, GROUP, action, clock, n)) continue;
          if (action.kind === 'ttl-deletes-one') {
            const sk = action.chunk ? factsCheckpointChunkSk(0) : FACTS_CHECKPOINT_SK;
            const item = (await checkpointItems(store)).find((i) => i.sk === sk);
            if (typeof item?.expiresAt === 'number' && item.expiresAt * 1000 <= clock) await store.delete(PK, sk);
          } else if (action.kind === 'race') {
            await Promise.all(action.lags.map((lag) => renewFactsCheckpoint(store, GROUP, clock - lag, new Map())));
          } else if (action.kind === 'renew') {
            const at = clock - action.lag;
            const renewal = await renewFactsCheckpoint(store, GROUP, at, action.newContainer ? new Map() : workerSeen);
            if (renewal.outcome === 'written') {
              renewals += 1;
              // What it wrote, expired to now, is what a whole read now gives (now, not `at`: TTL may
              // have deleted an item that expired between the worker's clock and its read).
              const restored = restoreFactsCheckpoint(await checkpointItems(store), clock);
              expect(restored?.at).toBe(at);
              expect(knownFacts(restored?.reader.facts ?? new Map())).toEqual(knownFacts((await wholeRead(store, clock)).facts));
            }
          } else {
            const read = action.kind === 'first-read' ? new GroupStateCache() : warm;
            const from = read.readFrom(GROUP);
            let state: GroupState;
            if (from === undefined) {
              const first = await readPartitionFirst(store, PK, clock);
              if (first.base !== undefined) fromCheckpoint += 1;
              state = read.update(GROUP, first.items, clock, first.from, first.base);
            } else {
              state = read.update(GROUP, await store.queryPartition(PK, { skFrom: from }), clock, from);
            }
            const whole = await wholeRead(store, clock);
            expect(knownFacts(state.facts)).toEqual(knownFacts(whole.facts));
            expect(sortedSignals(state)).toEqual(sortedSignals(whole));
          }
        }
      }),
      { numRuns: 2_000 },
    );
    // The property exercised what it is about: checkpoints were written and first reads used them.
    expect(renewals).toBeGreaterThan(50);
    expect(fromCheckpoint).toBeGreaterThan(40);
  });
});

/** A partition of a few instances' facts over the last hours, and its whole read's decoder. */
const seeded = async (now: number) => {
  const store = new MemoryStateStore(() => now);
  await recordFacts(store, GROUP, id(1), { launchedAt: now - 5 * HOUR, launchTemplateVersion: '7', modelVersion: 'v7', warming: true }, now - 5 * HOUR);
  await recordFacts(store, GROUP, id(1), { warming: false }, now - 4 * HOUR);
  await recordFacts(store, GROUP, id(2), { doomed: { kind: 'rebalance-recommendation', at: now - 2 * HOUR }, protectedFromScaleIn: true }, now - 2 * HOUR);
  await recordFacts(store, GROUP, id(3), { launchedAt: now - HOUR }, now - HOUR);
  return store;
};

/** Checkpoint items (header then chunks) of `reader` read at `at`, as a Query of `ckpt#facts` answers them. */
const checkpointOf = (chunks: Array<string | Uint8Array>, at: number, n = chunks.length) => [
  { pk: PK, sk: FACTS_CHECKPOINT_SK, data: { at, n } },
  ...chunks.map((b, k) => ({ pk: PK, sk: factsCheckpointChunkSk(k), data: { at, b } })),
];

const zipped = (columns: FactsColumns): string[] => [base64(gzipSync(encodeFactsColumns(columns)))];

const base64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64');

/** What format 1 wrote (JSON of the columns as plain arrays, gzipped), of no facts. */
const formatOne = {
  v: 1,
  ids: [],
  fields: [0, 1, 2, 3].map(() => ({ slot: [], age: [], ttl: [], text: [] })),
  ttl: [],
  launch: { at: [], lt: [], mv: [] },
  words: [],
};

describe('restoreFactsCheckpoint', () => {
  const NOW = START + 6 * HOUR;

  const good = async () => {
    const reader = new PackedFactsReader();
    decodeGroupState(await (await seeded(NOW)).queryPartition(PK), NOW, reader);
    return { chunks: encodeFactsCheckpoint(reader, NOW) };
  };

  it('restores what the decoder held, and when it was read', async () => {
    const store = await seeded(NOW);
    const reader = new PackedFactsReader();
    decodeGroupState(await store.queryPartition(PK), NOW, reader);
    const chunks = encodeFactsCheckpoint(reader, NOW) ?? [];
    expect(chunks).toHaveLength(1);
    const restored = restoreFactsCheckpoint(checkpointOf(chunks, NOW), NOW);
    expect(restored?.at).toBe(NOW);
    expect(knownFacts(restored?.reader.facts ?? new Map())).toEqual(knownFacts(reader.facts));
    expect(Object.keys(knownFacts(reader.facts))).toHaveLength(3);
    // Expired to now: read a day later, what only the 5-hours-old item said is gone, the rest stays.
    const later = NOW - 4 * HOUR + 24 * HOUR + MINUTE;
    const expired = restoreFactsCheckpoint(checkpointOf(chunks, NOW), later);
    expect(knownFacts(expired?.reader.facts ?? new Map())).toEqual(knownFacts(decodeGroupState(await store.queryPartition(PK), later).facts));
    expect(knownFacts(expired?.reader.facts ?? new Map())[id(1)]).toEqual({ warming: false });
  });

  it('restores an empty decoder from a checkpoint of no facts', () => {
    const chunks = encodeFactsCheckpoint(new PackedFactsReader(), NOW) ?? [];
    const restored = restoreFactsCheckpoint(checkpointOf(chunks, NOW), NOW);
    expect(restored?.reader.facts.size).toBe(0);
    expect(restored?.reader.expiresAtMs).toBe(Number.POSITIVE_INFINITY);
    // With no fact to put it in doubt, an `at` that is not a time is still no checkpoint.
    for (const at of [Number.NaN, Number.POSITIVE_INFINITY]) expect(restoreFactsCheckpoint(checkpointOf(chunks, at), NOW), String(at)).toBeUndefined();
  });

  it('is not a checkpoint while the decoder holds per-instance facts of before', () => {
    const reader = new PackedFactsReader(new Map([[id(1), { warming: true }]]));
    expect(encodeFactsCheckpoint(reader, NOW)).toBeUndefined();
  });

  it('without a whole checkpoint is nothing (a whole read): no header, a chunk missing or of another checkpoint, bytes that do not decode', async () => {
    const { chunks } = await good();
    const [chunk] = chunks ?? [];
    if (chunk === undefined) throw new Error('no chunk');
    const items = checkpointOf([chunk], NOW);
    const [header, first] = items;
    expect(restoreFactsCheckpoint(items, NOW)).toBeDefined();
    const none: Array<[string, ReadonlyArray<Record<string, unknown>>]> = [
      ['nothing', []],
      ['no header', items.slice(1)],
      ['a header of no data', [{ pk: PK, sk: FACTS_CHECKPOINT_SK }, ...items.slice(1)]],
      ['a header whose data is not an object', [{ pk: PK, sk: FACTS_CHECKPOINT_SK, data: 'x' }, ...items.slice(1)]],
      ['a header without at', [{ pk: PK, sk: FACTS_CHECKPOINT_SK, data: { n: 1 } }, first as Record<string, unknown>]],
      // Header and chunks agreeing on an `at` that is not a time.
      ['an at that is not a number', checkpointOf([chunk], String(NOW) as unknown as number)],
      ['an at that is not finite', checkpointOf([chunk], Number.POSITIVE_INFINITY)],
      ['an at that is not a number at all', checkpointOf([chunk], Number.NaN)],
      ['a missing chunk', [header as Record<string, unknown>]],
      ['a header counting more chunks', checkpointOf([chunk], NOW, 2)],
      ['a header counting no chunk', checkpointOf([chunk], NOW, 0)],
      ['a header counting chunks past the bound', checkpointOf([chunk], NOW, 1001)],
      ['a header counting a fraction of chunks', checkpointOf([chunk], NOW, 1.5)],
      ['a header whose count is text', checkpointOf([chunk], NOW, '1' as unknown as number)],
      ['a chunk of another checkpoint', [header as Record<string, unknown>, { pk: PK, sk: factsCheckpointChunkSk(0), data: { at: NOW - HOUR, b: chunk } }]],
      ['a chunk without text', [header as Record<string, unknown>, { pk: PK, sk: factsCheckpointChunkSk(0), data: { at: NOW } }]],
      [
        'a chunk of text that is not a whole gzip',
        [header as Record<string, unknown>, { pk: PK, sk: factsCheckpointChunkSk(0), data: { at: NOW, b: 'H4sI' } }],
      ],
      ['corrupt gzip bytes', checkpointOf([base64(Uint8Array.from([0x1f, 0x8b, 8, 0, 1, 2, 3, 4]))], NOW)],
      ['bytes that are not gzip', checkpointOf([base64(new TextEncoder().encode('{"v":1}'))], NOW)],
      ['gzip of text', checkpointOf([base64(gzipSync('not a checkpoint, not even 40 bytes of one'))], NOW)],
      ['gzip of fewer bytes than a header', checkpointOf([base64(gzipSync(Buffer.alloc(39)))], NOW)],
      // Base64 decoding skips what is not base64: what a damaged character changes, gzip's CRC-32 refuses.
      ['a character changed', checkpointOf([`${chunk.slice(0, 40)}${chunk[40] === 'A' ? 'B' : 'A'}${chunk.slice(41)}`], NOW)],
      ['a character that is not base64', checkpointOf([`${chunk.slice(0, 40)}*${chunk.slice(41)}`], NOW)],
      // A checkpoint of format 1, as the workers wrote it before format 2 (JSON, gzipped, Binary chunks): read whole until renewed.
      ['a checkpoint of format 1', checkpointOf([gzipSync(JSON.stringify(formatOne))], NOW)],
      ['format 1 as text', checkpointOf([base64(gzipSync(JSON.stringify(formatOne)))], NOW)],
      ['format 2 in Binary chunks', checkpointOf([Buffer.from(chunk, 'base64')], NOW)],
    ];
    for (const [why, answer] of none) expect(restoreFactsCheckpoint(answer, NOW), why).toBeUndefined();
  });

  it('holds at most 1000 chunks', async () => {
    const [zip] = (await good()).chunks ?? [];
    if (zip === undefined) throw new Error('no chunk');
    const split = (k: number) => Array.from({ length: k }, (_, j) => zip.slice(Math.floor((j * zip.length) / k), Math.floor(((j + 1) * zip.length) / k)));
    expect(restoreFactsCheckpoint(checkpointOf(split(1000), NOW), NOW)?.at).toBe(NOW);
    expect(restoreFactsCheckpoint(checkpointOf(split(1001), NOW), NOW)).toBeUndefined();
  });

  it('chunks read in any order and past n are still the checkpoint', async () => {
    const { chunks } = await good();
    const items = checkpointOf(chunks ?? [], NOW);
    const stray = { pk: PK, sk: factsCheckpointChunkSk(1), data: { at: NOW - HOUR, b: Uint8Array.from([1]) } };
    expect(restoreFactsCheckpoint([...items].reverse().concat(stray), NOW)?.at).toBe(NOW);
  });

  describe('columns that are not well formed are nothing (a whole read)', () => {
    // Columns as toColumns gives them (typed arrays), written as bytes by the checkpoint's encoder.
    type Column = FactsColumns['fields'][number];
    const column = (slot: number[], text: number[], ttl = slot.map(() => 0), age = slot.map(() => 1_000)): Column => ({
      slot: Uint32Array.from(slot),
      age: Float64Array.from(age),
      ttl: Uint32Array.from(ttl),
      text: Int32Array.from(text),
    });
    const flags = (slot: number[], text: number[], ttl = slot.map(() => 0), age = slot.map(() => 1_000)): Column => ({
      ...column(slot, [], ttl, age),
      text: Int32Array.from(text),
    });
    const empty = column([], []);
    const noFlags = flags([], []);
    // The launch snapshot's parts, one per entry of field 0 (NaN and -1: the entry's text as written is applied).
    const launchOf = (fields: Column[]) => {
      const n = fields[0]?.slot.length ?? 0;
      return { at: new Float64Array(n).fill(Number.NaN), lt: new Int32Array(n).fill(-1), mv: new Int32Array(n).fill(-1) };
    };
    const launch = (at: number[], lt: number[], mv: number[]) => ({ at: Float64Array.from(at), lt: Int32Array.from(lt), mv: Int32Array.from(mv) });
    const columns = (fields: Column[], extra: Partial<FactsColumns> = {}): FactsColumns => ({
      ids: [id(1), id(2)],
      fields,
      ttl: Float64Array.of(Math.floor(NOW / 1000) + 3_600, Number.POSITIVE_INFINITY),
      launch: launchOf(fields),
      words: ['7', 'v7', '1\u001f7\u001fv7', '\u001f\u001fv6', 'i:5', 'x:1', '1'],
      ...extra,
    });
    const wellFormed = columns([column([1, 1], [2, 3]), flags([2], [1]), empty, flags([1], [0], [1])]);
    const restore = (c: FactsColumns) => restoreFactsCheckpoint(checkpointOf(zipped(c), NOW), NOW);

    it('well formed columns restore', () => {
      const restored = restore(wellFormed);
      expect(knownFacts(restored?.reader.facts ?? new Map())).toEqual({
        [id(1)]: { launchedAt: 1, launchTemplateVersion: '7', modelVersion: 'v7', protectedFromScaleIn: false },
        [id(2)]: { modelVersion: 'v6', warming: true },
      });
      // The TTL +Infinity is no TTL: only the item of TTL in an hour expires.
      expect(restored?.reader.expiresAtMs).toBe((Math.floor(NOW / 1000) + 3_600) * 1000);
      const hourLater = restoreFactsCheckpoint(checkpointOf(zipped(wellFormed), NOW), NOW + HOUR);
      expect(knownFacts(hourLater?.reader.facts ?? new Map())).toEqual({ [id(1)]: { protectedFromScaleIn: false } });
    });

    it('the launch snapshot in its parts restores as its text would, a doom from its text', () => {
      const parts = columns([column([1, 1], [-1, -1]), noFlags, column([2], [4]), noFlags], { launch: launch([1, Number.NaN], [0, -1], [1, 1]) });
      expect(knownFacts(restore(parts)?.reader.facts ?? new Map())).toEqual({
        [id(1)]: { launchedAt: 1, launchTemplateVersion: '7', modelVersion: 'v7' },
        [id(2)]: { modelVersion: 'v7', doomed: { kind: 'interruption-warning', at: 5 } },
      });
    });

    const bad: Array<[string, FactsColumns]> = [
      ['a duplicate id', columns([empty, noFlags, empty, noFlags], { ids: [id(1), id(1)] })],
      ['an empty id', columns([empty, noFlags, empty, noFlags], { ids: [id(1), ''] })],
      ['a ttl that is not a number', columns([empty, noFlags, empty, noFlags], { ttl: Float64Array.of(Number.NaN) })],
      ['a ttl of -Infinity', columns([empty, noFlags, empty, noFlags], { ttl: Float64Array.of(Number.NEGATIVE_INFINITY) })],
      ['a slot step of 0', columns([column([1, 0], [2, 2]), noFlags, empty, noFlags])],
      ['a first slot step of 0', columns([empty, flags([0], [1]), empty, noFlags])],
      ['a slot step of 0 in field d', columns([empty, noFlags, column([1, 0], [4, 4]), noFlags])],
      ['a slot past the ids in field d', columns([empty, noFlags, column([3], [4]), noFlags])],
      ['a slot past the ids', columns([column([3], [2]), noFlags, empty, noFlags])],
      ['slots past the ids, step by step', columns([empty, flags([1, 1, 1], [1, 1, 1]), empty, noFlags])],
      ['a slot step that wraps past 2³²', columns([column([1, 0xffff_ffff], [2, 2]), noFlags, empty, noFlags])],
      ['a ttl index past the ttls', columns([empty, flags([1], [1], [2]), empty, noFlags])],
      ['a flag that is neither 1 nor 0', columns([empty, flags([1], [2]), empty, noFlags])],
      ['a protection flag that is neither 1 nor 0', columns([empty, noFlags, empty, flags([1], [49])])],
      ['a snapshot text apply refuses', columns([column([1], [6]), noFlags, empty, noFlags])],
      ['a doom text apply refuses', columns([empty, noFlags, column([1], [5]), noFlags])],
      ['a doom of no text (no parts for field d)', columns([empty, noFlags, column([1], [-1]), noFlags])],
      ['a text index past the words', columns([column([1], [7]), noFlags, empty, noFlags])],
      ['a text index below -1', columns([column([1], [-2]), noFlags, empty, noFlags])],
      ['an age that is not a number', columns([empty, flags([1], [1], [0], [Number.NaN]), empty, noFlags])],
      ['an age that is infinite', columns([empty, flags([1], [1], [0], [Number.NEGATIVE_INFINITY]), empty, noFlags])],
      ['an infinite launch time', columns([column([1], [-1]), noFlags, empty, noFlags], { launch: launch([Number.POSITIVE_INFINITY], [0], [1]) })],
      ['a launch time of -Infinity', columns([column([1], [-1]), noFlags, empty, noFlags], { launch: launch([Number.NEGATIVE_INFINITY], [0], [1]) })],
      ['a version index past the words', columns([column([1], [-1]), noFlags, empty, noFlags], { launch: launch([1], [7], [1]) })],
      ['a model version index past the words', columns([column([1], [-1]), noFlags, empty, noFlags], { launch: launch([1], [0], [7]) })],
      ['a version index below -1', columns([column([1], [-1]), noFlags, empty, noFlags], { launch: launch([1], [-2], [1]) })],
      ['a model version index below -1', columns([column([1], [-1]), noFlags, empty, noFlags], { launch: launch([1], [0], [-2]) })],
      ['an empty word', columns([column([1], [-1]), noFlags, empty, noFlags], { launch: launch([1], [0], [1]), words: ['7', ''] })],
    ];
    it.each(bad)('%s', (_why, c) => {
      expect(restore(c)).toBeUndefined();
    });

    // What the bytes cannot say (the encoder writes the four fields and their sections by the same counts), the decoder still refuses.
    const unequal: Array<[string, FactsColumns]> = [
      ['three fields', columns([empty, noFlags, empty])],
      ['five fields', columns([empty, noFlags, empty, noFlags, empty])],
      ['ages shorter than the slots', columns([empty, flags([1, 1], [1, 0], [0, 0], [1]), empty, noFlags])],
      ['ttls shorter than the slots', columns([empty, flags([1, 1], [1, 0], [0]), empty, noFlags])],
      ['texts shorter than the slots', columns([empty, flags([1, 1], [1]), empty, noFlags])],
      ['texts longer than the slots', columns([empty, flags([1], [1, 0]), empty, noFlags])],
      ['launch times shorter than field 0', columns([column([1, 1], [-1, -1]), noFlags, empty, noFlags], { launch: launch([1], [0, 0], [1, 1]) })],
      ['template versions shorter than field 0', columns([column([1, 1], [-1, -1]), noFlags, empty, noFlags], { launch: launch([1, 1], [0], [1, 1]) })],
      ['model versions shorter than field 0', columns([column([1, 1], [-1, -1]), noFlags, empty, noFlags], { launch: launch([1, 1], [0, 0], [1]) })],
    ];
    it.each(unequal)('%s', (_why, c) => {
      expect(PackedFactsReader.fromColumns(c, NOW)).toBeUndefined();
    });
  });
});

describe('PackedFactsReader.toColumns / fromColumns', () => {
  const NOW = START + 6 * HOUR;
  const item = (at: number, entries: Record<string, FactsWrite>, expiresAt: number | null = packedFactsExpiry(at)) => {
    const [first] = Object.keys(entries);
    return {
      pk: PK,
      sk: packedFactsSk(at, first ?? ''),
      ...(expiresAt === null ? {} : { expiresAt }),
      f: new Set(Object.entries(entries).flatMap(([i, facts]) => packedFactsEntries(i, facts, at))),
    };
  };
  const columnsOf = (reader: PackedFactsReader): FactsColumns => {
    const columns = reader.toColumns(NOW);
    if (columns === undefined) throw new Error('no columns');
    return columns;
  };

  it('keeps one TTL per item the facts came from', () => {
    const reader = new PackedFactsReader().apply(
      [
        item(NOW - 2 * HOUR, { [id(1)]: { warming: true, protectedFromScaleIn: true }, [id(2)]: { warming: false } }),
        item(NOW - HOUR, { [id(3)]: { warming: true } }),
      ],
      NOW,
    );
    const columns = columnsOf(reader);
    expect([...columns.ttl].sort()).toEqual([packedFactsExpiry(NOW - 2 * HOUR), packedFactsExpiry(NOW - HOUR)].sort());
    expect([...(columns.fields[1]?.slot ?? [])]).toEqual([1, 1, 1]);
    expect([...(columns.fields[1]?.text ?? [])]).toEqual([1, 0, 1]);
    expect([...(columns.fields[1]?.age ?? [])]).toEqual([2 * HOUR, 2 * HOUR, HOUR]);
  });

  it('an item without a TTL keeps its facts for ever', () => {
    const reader = new PackedFactsReader().apply([item(NOW - HOUR, { [id(1)]: { warming: true } }, null)], NOW);
    const columns = columnsOf(reader);
    expect([...columns.ttl]).toEqual([Number.POSITIVE_INFINITY]);
    const back = PackedFactsReader.fromColumns(columns, NOW);
    expect(back?.expiresAtMs).toBe(Number.POSITIVE_INFINITY);
    expect(knownFacts(back?.expire(NOW + 1000 * HOUR).facts ?? new Map())).toEqual({ [id(1)]: { warming: true } });
  });

  it('restores when the first fact expires, and a TTL of 0 as expired', () => {
    const ttl = Math.floor(NOW / 1000) + 60;
    const none = { slot: new Uint32Array(), age: new Float64Array(), ttl: new Uint32Array(), text: new Int32Array() };
    const columns: FactsColumns = {
      ids: [id(1), id(2)],
      fields: [none, { slot: Uint32Array.of(1, 1), age: Float64Array.of(5, 5), ttl: Uint32Array.of(0, 1), text: Int32Array.of(1, 0) }, none, none],
      ttl: Float64Array.of(ttl + 60, ttl),
      launch: { at: new Float64Array(), lt: new Int32Array(), mv: new Int32Array() },
      words: [],
    };
    expect(PackedFactsReader.fromColumns(columns, NOW)?.expiresAtMs).toBe(ttl * 1000);
    const zero = { ...columns, ttl: Float64Array.of(0, ttl) };
    expect(knownFacts(PackedFactsReader.fromColumns(zero, NOW)?.expire(NOW).facts ?? new Map())).toEqual({ [id(2)]: { warming: false } });
  });

  it('keeps the facts of instances added after the restore, more than the room its arrays start with', () => {
    const before = [
      item(NOW - 2 * HOUR, { [id(1)]: { warming: true }, [id(2)]: { warming: false } }),
      item(NOW - HOUR, { [id(3)]: { launchedAt: NOW - 3 * HOUR } }),
    ];
    // Instances launched after the checkpoint: more than the room the restored arrays start with.
    const later: Record<string, FactsWrite> = {};
    for (let n = 4; n < 200; n += 1) later[id(n)] = { warming: n % 2 === 0, launchedAt: NOW - n };
    const after = [item(NOW - 60_000, later)];
    const back = (PackedFactsReader.fromColumns(columnsOf(new PackedFactsReader().apply(before, NOW)), NOW) as PackedFactsReader).apply(after, NOW);
    expect(back.facts.size).toBe(199);
    expect(back.facts.get(id(199))).toMatchObject({ warming: false, launchedAt: NOW - 199 });
    expect(knownFacts(back.facts)).toEqual(knownFacts(new PackedFactsReader().apply([...before, ...after], NOW).facts));
    // And what it holds then is a checkpoint's again.
    expect(knownFacts((PackedFactsReader.fromColumns(columnsOf(back), NOW) as PackedFactsReader).facts)).toEqual(knownFacts(back.facts));
  });

  it('writes each version once', () => {
    const launch = { launchTemplateVersion: '7', modelVersion: 'v7' };
    const reader = new PackedFactsReader().apply([item(NOW - HOUR, { [id(1)]: launch, [id(2)]: launch, [id(3)]: { ...launch, modelVersion: 'v8' } })], NOW);
    expect(columnsOf(reader).words).toEqual(['7', 'v7', 'v8']);
  });

  it('keeps a snapshot text that is not the canonical one as written: a write of the same millisecond after the restore wins or loses as it would have', () => {
    // `1.50` reads as 1.5, whose canonical text is `1.5`: a later entry of the same millisecond
    // compares with the text as written (the smaller text wins a tie).
    const at = NOW - HOUR;
    const hour = packedFactsSk(at, id(1));
    const entry = (value: string) => `${id(1)}|s|${at - Math.floor(at / HOUR) * HOUR}|${value}`;
    const written = { pk: PK, sk: hour, expiresAt: packedFactsExpiry(at), f: new Set([entry('1.50\u001f\u001f')]) };
    const tie = { pk: PK, sk: hour, expiresAt: packedFactsExpiry(at), f: new Set([entry('1.5\u001f\u001fa')]) };
    const whole = new PackedFactsReader().apply([written, tie], NOW);
    expect(knownFacts(whole.facts)).toEqual({ [id(1)]: { launchedAt: 1.5, modelVersion: 'a' } });
    const restored = PackedFactsReader.fromColumns(columnsOf(new PackedFactsReader().apply([written], NOW)), NOW);
    expect(knownFacts(restored?.apply([tie], NOW).facts ?? new Map())).toEqual(knownFacts(whole.facts));
  });

  // Each kind of column (snapshot, doom, flags) keeps, after a restore, the text a write of the same
  // millisecond compares with: the smaller text wins a tie, as in a whole read.
  const ties: Array<[string, 's' | 'w' | 'd' | 'p', string, string]> = [
    ['a canonical snapshot over a larger tie', 's', '5\u001f7\u001fv7', '5\u001f7\u001fv8'],
    ['a canonical snapshot under a smaller tie', 's', '5\u001f7\u001fv7', '5\u001f7\u001fv6'],
    ['a doom over a larger tie', 'd', 'r:5', 'r:6'],
    ['a doom under a smaller tie', 'd', 'r:5', 'i:5'],
    ['warming over a larger tie', 'w', '0', '1'],
    ['warming under a smaller tie', 'w', '1', '0'],
    ['protection over a larger tie', 'p', '0', '1'],
    ['protection under a smaller tie', 'p', '1', '0'],
  ];
  it.each(ties)('%s: a write of the same millisecond after the restore wins or loses as in a whole read', (_why, field, written, tied) => {
    const at = NOW - HOUR;
    const sk = packedFactsSk(at, id(1));
    const entry = (n: number, value: string) => `${id(n)}|${field}|${at - Math.floor(at / HOUR) * HOUR}|${value}`;
    // Three instances, so that the tied ones sit in slots past the first.
    const first = { pk: PK, sk, expiresAt: packedFactsExpiry(at), f: new Set([entry(3, written), entry(2, written), entry(1, written)]) };
    const tie = { pk: PK, sk, expiresAt: packedFactsExpiry(at), f: new Set([entry(2, tied), entry(1, tied)]) };
    const whole = new PackedFactsReader().apply([first, tie], NOW);
    const alone = new PackedFactsReader().apply([first], NOW);
    // The tie decides: the whole read differs from the first write alone exactly when the tie is smaller.
    expect(JSON.stringify(knownFacts(whole.facts)) === JSON.stringify(knownFacts(alone.facts))).toBe(tied > written);
    const restored = PackedFactsReader.fromColumns(columnsOf(alone), NOW);
    expect(knownFacts(restored?.apply([tie], NOW).facts ?? new Map())).toEqual(knownFacts(whole.facts));
  });

  it('a field set from the attribute form of before over an older set entry keeps the attribute form’s value', () => {
    const older = item(NOW - 3 * HOUR, { [id(1)]: { warming: false, launchedAt: 5, modelVersion: 'v6' } });
    const attributes = {
      pk: PK,
      sk: packedFactsSk(NOW - 2 * HOUR, id(1)),
      expiresAt: packedFactsExpiry(NOW - 2 * HOUR),
      ...packedFactsAttributes(id(1), { warming: true, modelVersion: 'v7' }),
    };
    const reader = new PackedFactsReader().apply([older, attributes], NOW);
    expect(knownFacts(reader.facts)).toEqual({ [id(1)]: { warming: true, modelVersion: 'v7' } });
    const back = PackedFactsReader.fromColumns(columnsOf(reader), NOW);
    expect(knownFacts(back?.facts ?? new Map())).toEqual(knownFacts(reader.facts));
  });
});

describe('readPartitionFirst', () => {
  const NOW = START + 6 * HOUR;

  it('reads whole from facts# without a checkpoint, and from the open hour of the checkpoint with one', async () => {
    const store = await seeded(NOW);
    const { port, calls } = counting(store);
    const whole = await readPartitionFirst(port, PK, NOW);
    expect(whole).toMatchObject({ from: undefined, base: undefined, checkpointAt: undefined });
    expect(calls).toEqual([`query ${FACTS_CHECKPOINT_SK}`, `query ${PACKED_FACTS_PREFIX}`]);
    expect(whole.items.map((i) => i.sk)).toEqual((await store.queryPartition(PK)).map((i) => i.sk));
    const at = NOW - 50 * MINUTE;
    expect((await renewFactsCheckpoint(store, GROUP, at)).outcome).toBe('written');
    calls.length = 0;
    const read = await readPartitionFirst(port, PK, NOW);
    expect(read.from).toBe(packedFactsFrom(openHourStart(at)));
    expect(read.checkpointAt).toBe(at);
    expect(calls).toEqual([`query ${FACTS_CHECKPOINT_SK}`, `query ${packedFactsFrom(openHourStart(at))}`]);
    expect(read.items.every((i) => String(i.sk) >= packedFactsFrom(openHourStart(at)))).toBe(true);
    expect(knownFacts(new GroupStateCache().update(GROUP, read.items, NOW, read.from, read.base).facts)).toEqual(
      knownFacts((await wholeRead(store, NOW)).facts),
    );
  });

  it('does not use a checkpoint stamped after its clock: it already forgot what expired up to its stamp', async () => {
    const store = await seeded(NOW);
    // Written 23.5 hours ago: its item expires within the next 1.5 hours (the end of its hour + a day).
    await recordFacts(store, GROUP, id(8), { doomed: { kind: 'rebalance-recommendation', at: NOW - 23.5 * HOUR } }, NOW - 23.5 * HOUR);
    expect((await renewFactsCheckpoint(store, GROUP, NOW + 2 * HOUR)).outcome).toBe('written');
    const read = await readPartitionFirst(store, PK, NOW);
    expect(read).toMatchObject({ from: undefined, base: undefined, checkpointAt: undefined });
    const facts = new GroupStateCache().update(GROUP, read.items, NOW, read.from, read.base).facts;
    expect(facts.get(id(8))?.doomed?.kind).toBe('rebalance-recommendation');
    expect(knownFacts(facts)).toEqual(knownFacts((await wholeRead(store, NOW)).facts));
  });

  it('reads whole while per-instance items of before remain, checkpoint or not', async () => {
    const store = await seeded(NOW);
    expect((await renewFactsCheckpoint(store, GROUP, NOW)).outcome).toBe('written');
    await store.setAttributes(PK, instanceFactsSk(id(9)), { warming: true }, Math.floor(NOW / 1000) + 60);
    const read = await readPartitionFirst(store, PK, NOW + MINUTE);
    expect(read).toMatchObject({ from: undefined, base: undefined, checkpointAt: undefined });
    expect(knownFacts(new GroupStateCache().update(GROUP, read.items, NOW + MINUTE, read.from, read.base).facts)[id(9)]).toEqual({ warming: true });
  });

  it('an item without a text sort key is not a per-instance item of before', async () => {
    const store = await seeded(NOW);
    await renewFactsCheckpoint(store, GROUP, NOW);
    const port: Pick<StateStorePort, 'queryPartition'> = {
      queryPartition: async (pk, options) => [...(await store.queryPartition(pk, options)), ...(options?.skFrom ? [{ pk, sk: 7 }, { pk }] : [])],
    };
    expect((await readPartitionFirst(port, PK, NOW + MINUTE)).checkpointAt).toBe(NOW);
  });

  it('passes the abort signal to every Query', async () => {
    const store = await seeded(NOW);
    await renewFactsCheckpoint(store, GROUP, NOW);
    const signal = new AbortController().signal;
    const seen: unknown[] = [];
    const port: Pick<StateStorePort, 'queryPartition'> = {
      queryPartition: (pk, options) => {
        seen.push(options?.signal);
        return store.queryPartition(pk, options);
      },
    };
    await readPartitionFirst(port, PK, NOW, signal);
    expect(seen).toEqual([signal, signal]);
  });
});

describe('renewFactsCheckpoint', () => {
  const NOW = START + 6 * HOUR;

  it('writes a checkpoint when there is none, then is fresh for an hour: once known, at no call', async () => {
    const store = await seeded(NOW);
    const { port, calls } = counting(store);
    const seen = new Map<string, number>();
    const written = await renewFactsCheckpoint(port, GROUP, NOW, seen);
    expect(written).toMatchObject({ outcome: 'written', at: NOW, chunks: 1 });
    const [, chunk] = await checkpointItems(store);
    expect(written.bytes).toBe((chunk?.data as { b?: string } | undefined)?.b?.length);
    expect(calls).toEqual([
      `get ${FACTS_CHECKPOINT_SK}`,
      `query ${FACTS_CHECKPOINT_SK}`,
      `query ${PACKED_FACTS_PREFIX}`,
      `set ${factsCheckpointChunkSk(0)}`,
      `set ${FACTS_CHECKPOINT_SK}`,
    ]);
    expect(seen.get(GROUP)).toBe(NOW);
    const items = await checkpointItems(store);
    expect(items.map((i) => [i.sk, i.expiresAt])).toEqual([
      [FACTS_CHECKPOINT_SK, packedFactsExpiry(NOW)],
      [factsCheckpointChunkSk(0), packedFactsExpiry(NOW)],
    ]);
    expect(items[0]?.data).toEqual({ at: NOW, n: 1 });
    // This container wrote it: within the hour, no call.
    calls.length = 0;
    expect(await renewFactsCheckpoint(port, GROUP, NOW + FACTS_CHECKPOINT_RENEW_MS - 1, seen)).toMatchObject({ outcome: 'fresh', at: NOW });
    expect(calls).toEqual([]);
    // Another container: one GetItem of the header, then it knows too.
    const other = new Map<string, number>();
    expect(await renewFactsCheckpoint(port, GROUP, NOW + 30 * MINUTE, other)).toMatchObject({ outcome: 'fresh', at: NOW });
    expect(calls).toEqual([`get ${FACTS_CHECKPOINT_SK}`]);
    expect(other.get(GROUP)).toBe(NOW);
    expect(await renewFactsCheckpoint(port, GROUP, NOW + 40 * MINUTE, other)).toMatchObject({ outcome: 'fresh' });
    expect(calls).toHaveLength(1);
    // An hour on, the memo no longer answers, nor the header: renewed from the checkpoint and the hours since.
    calls.length = 0;
    const renewed = await renewFactsCheckpoint(port, GROUP, NOW + FACTS_CHECKPOINT_RENEW_MS, seen);
    expect(renewed).toMatchObject({ outcome: 'written', at: NOW + FACTS_CHECKPOINT_RENEW_MS });
    expect(renewed.reason).toContain('from the checkpoint');
    expect(calls).toEqual([
      `get ${FACTS_CHECKPOINT_SK}`,
      `query ${FACTS_CHECKPOINT_SK}`,
      `query ${packedFactsFrom(openHourStart(NOW))}`,
      `set ${factsCheckpointChunkSk(0)}`,
      `set ${FACTS_CHECKPOINT_SK}`,
    ]);
    const read = await readPartitionFirst(store, PK, NOW + 2 * HOUR);
    expect(read.checkpointAt).toBe(NOW + FACTS_CHECKPOINT_RENEW_MS);
  });

  it('a header of an hour ago is renewed, one of just under an hour is not', async () => {
    const store = await seeded(NOW);
    await renewFactsCheckpoint(store, GROUP, NOW);
    expect((await renewFactsCheckpoint(store, GROUP, NOW + FACTS_CHECKPOINT_RENEW_MS - 1)).outcome).toBe('fresh');
    expect((await renewFactsCheckpoint(store, GROUP, NOW + FACTS_CHECKPOINT_RENEW_MS)).outcome).toBe('written');
  });

  it('then a first read uses it, and equals a whole read', async () => {
    const store = await seeded(NOW);
    await renewFactsCheckpoint(store, GROUP, NOW);
    await recordFacts(store, GROUP, id(2), { warming: true }, NOW + 10 * MINUTE);
    const later = NOW + 3 * HOUR;
    const read = await readPartitionFirst(store, PK, later);
    expect(read.checkpointAt).toBe(NOW);
    expect(read.items.some((i) => String(i.sk) < packedFactsFrom(openHourStart(NOW)))).toBe(false);
    expect(knownFacts(await firstRead(store, new GroupStateCache(), later).then((s) => s.facts))).toEqual(knownFacts((await wholeRead(store, later)).facts));
  });

  it.each([
    ['an instance without packed facts', 9],
    ['an instance with packed facts too', 1],
  ])('skips while per-instance items of before remain (%s), and writes nothing', async (_what, instance) => {
    const store = await seeded(NOW);
    await store.setAttributes(
      PK,
      instanceFactsSk(id(instance)),
      { doomedKind: 'interruption-warning', doomedAt: NOW - 30 * HOUR },
      Math.floor(NOW / 1000) + 60,
    );
    const { port, calls } = counting(store);
    const seen = new Map<string, number>();
    expect(await renewFactsCheckpoint(port, GROUP, NOW, seen)).toMatchObject({ outcome: 'skipped' });
    expect(calls.filter((c) => c.startsWith('set') || c.startsWith('delete'))).toEqual([]);
    expect(await checkpointItems(store)).toEqual([]);
    // It is tried again in an hour, not on every sweep (a whole read each time): within it, no call.
    expect(seen.get(GROUP)).toBe(NOW);
    calls.length = 0;
    expect(await renewFactsCheckpoint(port, GROUP, NOW + 59 * MINUTE, seen)).toMatchObject({ outcome: 'fresh' });
    expect(calls).toEqual([]);
  });

  it('writes a checkpoint of a partition without facts, restoring to an empty decoder', async () => {
    const store = new MemoryStateStore(() => NOW);
    expect(await renewFactsCheckpoint(store, GROUP, NOW)).toMatchObject({ outcome: 'written', chunks: 1 });
    const restored = restoreFactsCheckpoint(await checkpointItems(store), NOW);
    expect(restored?.at).toBe(NOW);
    expect(restored?.reader.facts.size).toBe(0);
    const read = await readPartitionFirst(store, PK, NOW + MINUTE);
    expect(read.base?.facts.size).toBe(0);
    expect(read.from).toBe(packedFactsFrom(openHourStart(NOW)));
  });

  it('a large group takes several chunks, and a smaller checkpoint after it deletes the chunks beyond its own', async () => {
    const store = new MemoryStateStore(() => NOW);
    const ids = await recordManyLaunches(store, GROUP, 14_000, NOW - 3 * HOUR);
    const big = await renewFactsCheckpoint(store, GROUP, NOW);
    expect(big.outcome).toBe('written');
    expect(big.chunks).toBeGreaterThan(1);
    expect(big.bytes).toBeGreaterThan(FACTS_CHECKPOINT_CHUNK_CHARS);
    const bigItems = await checkpointItems(store);
    expect(bigItems).toHaveLength(1 + (big.chunks as number));
    for (const chunk of bigItems.slice(1, -1)) expect((chunk.data as { b: string }).b.length).toBe(FACTS_CHECKPOINT_CHUNK_CHARS);
    const restored = restoreFactsCheckpoint(bigItems, NOW);
    expect(restored?.reader.facts.size).toBe(ids.size);
    // A day on, the facts expired: the next checkpoint is one chunk, and the chunks past it are gone.
    const dayLater = NOW + 25 * HOUR;
    const small = await renewFactsCheckpoint(store, GROUP, dayLater);
    expect(small).toMatchObject({ outcome: 'written', chunks: 1 });
    expect((await checkpointItems(store)).map((i) => i.sk)).toEqual([FACTS_CHECKPOINT_SK, factsCheckpointChunkSk(0)]);
    expect(restoreFactsCheckpoint(await checkpointItems(store), dayLater)?.reader.facts.size).toBe(0);
  });
});
