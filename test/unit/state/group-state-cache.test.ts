/**
 * A container's cache of group partitions (shared/state/group-state-cache.ts): a warm container
 * reads only the hours of packed facts that can still change, and what it then knows equals a whole
 * read at every moment — writes landing late (up to a function's timeout), items past their TTL
 * (before and after DynamoDB deletes them), per-instance items of before ADR 0009.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  factsWrite,
  knownFacts,
  landStep,
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
import { decodeGroupState } from '../../../shared/state/group-state';
import { GROUP_STATE_CACHE_MAX_FACTS, GroupStateCache } from '../../../shared/state/group-state-cache';
import { instanceFactsSk } from '../../../shared/state/keys';
import { MemoryStateStore } from '../../../shared/state/memory-store';
import {
  PACKED_FACTS_OPEN_MS,
  PACKED_FACTS_SET,
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

const write = factsWrite(START);

/** One step of a timeline: the clock moves on, then a write lands (named by its writer's clock, up to 15 minutes earlier), a signal lands, or the policy reads. */
const step = fc.record({
  advance: timelineAdvance,
  action: fc.oneof(
    {
      weight: 4,
      arbitrary: writeAction(write),
    },
    { weight: 1, arbitrary: signalAction },
    { weight: 3, arbitrary: fc.constant({ kind: 'read' as const }) },
  ),
});

describe('GroupStateCache', () => {
  it('reads the partition whole first, then from the first hour that can still change', () => {
    const cache = new GroupStateCache();
    expect(cache.readFrom(GROUP)).toBeUndefined();
    cache.update(GROUP, [], START, undefined);
    // 00:10 − 30 minutes is in the hour before: its items can still gain a late write.
    expect(cache.readFrom(GROUP)).toBe(packedFactsFrom(START - 10 * MINUTE - HOUR));
    cache.update(GROUP, [], START + 40 * MINUTE, cache.readFrom(GROUP));
    expect(cache.readFrom(GROUP)).toBe(packedFactsFrom(START - 10 * MINUTE));
    expect(PACKED_FACTS_OPEN_MS).toBe(30 * MINUTE);
  });

  it('forgets what only items past their TTL said, still reading only the open hours', async () => {
    let clock = START;
    const store = new MemoryStateStore(() => clock);
    await recordFacts(store, GROUP, id(1), { launchedAt: START, warming: true }, START);
    await recordFacts(store, GROUP, id(2), { launchedAt: START }, START);
    // Each field once in the old item, another field in a later one.
    await recordFacts(store, GROUP, id(3), { warming: true }, START);
    await recordFacts(store, GROUP, id(4), { protectedFromScaleIn: true }, START);
    await recordFacts(store, GROUP, id(5), { doomed: { kind: 'rebalance-recommendation', at: START } }, START);
    const cache = new GroupStateCache();
    cache.update(GROUP, await store.queryPartition(PK), clock, undefined);
    clock = START + 3 * HOUR;
    await recordFacts(store, GROUP, id(2), { warming: false }, clock);
    for (const n of [3, 4, 5]) await recordFacts(store, GROUP, id(n), { modelVersion: 'v7' }, clock);
    const read = async () => {
      const from = cache.readFrom(GROUP);
      expect(from).toBeDefined();
      return knownFacts(cache.update(GROUP, await store.queryPartition(PK, { skFrom: from as string }), clock, from).facts);
    };
    expect(await read()).toMatchObject({ [id(1)]: { launchedAt: START, warming: true }, [id(2)]: { launchedAt: START, warming: false } });
    // The item of 00:00–01:00 lives until 01:00 + one day; the 03:00 item a day past 04:00.
    clock = START - 10 * MINUTE + HOUR + 24 * HOUR;
    const model = { modelVersion: 'v7' };
    expect(await read()).toEqual({ [id(2)]: { warming: false }, [id(3)]: model, [id(4)]: model, [id(5)]: model });
    // An instance nothing live speaks of any more is forgotten, not kept blank.
    expect(cache.last(GROUP, clock, HOUR)?.state.facts.has(id(1))).toBe(false);
    expect(await read()).toEqual(knownFacts(decodeGroupState(await store.queryPartition(PK), clock).facts));
  });

  it('reads whole while the partition holds per-instance items of before ADR 0009', async () => {
    const store = new MemoryStateStore(() => START);
    await store.setAttributes(PK, instanceFactsSk(id(2)), { launchedAt: START - HOUR, warming: false });
    await recordFacts(store, GROUP, id(1), { warming: true }, START);
    const cache = new GroupStateCache();
    const state = cache.update(GROUP, await store.queryPartition(PK), START, undefined);
    expect(knownFacts(state.facts)).toEqual({ [id(1)]: { warming: true }, [id(2)]: { launchedAt: START - HOUR, warming: false } });
    expect(cache.readFrom(GROUP)).toBeUndefined();
    // The next read is whole again, with a new decoder: the per-instance item still counts, and once
    // TTL has deleted it, it no longer does.
    const again = cache.update(GROUP, await store.queryPartition(PK), START + MINUTE, cache.readFrom(GROUP));
    expect(knownFacts(again.facts)).toEqual(knownFacts(state.facts));
    await store.delete(PK, instanceFactsSk(id(2)));
    const after = cache.update(GROUP, await store.queryPartition(PK), START + 2 * MINUTE, cache.readFrom(GROUP));
    expect(knownFacts(after.facts)).toEqual({ [id(1)]: { warming: true } });
  });

  it('an item without a sort key is skipped, not a failure', () => {
    const cache = new GroupStateCache();
    expect(() => cache.update(GROUP, [{ pk: PK }, { pk: PK, sk: 42 }], START, undefined)).not.toThrow();
    expect(cache.readFrom(GROUP)).toBeDefined();
  });

  it('keeps the last state for the fallback as long as asked', () => {
    const cache = new GroupStateCache();
    const state = cache.update(GROUP, [], START, undefined);
    expect(cache.last(GROUP, START + 10 * MINUTE, 10 * MINUTE)?.state).toBe(state);
    expect(cache.last(GROUP, START + 10 * MINUTE + 1, 10 * MINUTE)).toBeUndefined();
    expect(cache.last('another-group', START, 10 * MINUTE)).toBeUndefined();
  });

  it('keeps at most its bound of facts, forgetting the groups read least recently, never the one just read', () => {
    /** A partition of `n` instances' facts. */
    const partition = (n: number) => {
      const entries: string[] = [];
      for (let k = 0; k < n; k += 1) entries.push(...packedFactsEntries(id(k), { warming: false }, START));
      return [{ pk: PK, sk: packedFactsSk(START, id(0)), expiresAt: packedFactsExpiry(START), [PACKED_FACTS_SET]: entries }];
    };
    const cache = new GroupStateCache(7);
    cache.update('a', partition(3), START, undefined);
    cache.update('b', partition(3), START, undefined);
    expect(cache.readFrom('a')).toBeDefined();
    // A read of `a` again makes `b` the least recent: `c` takes its place.
    cache.update('a', partition(3), START, undefined);
    cache.update('c', partition(1), START, undefined);
    expect([cache.readFrom('a'), cache.readFrom('b'), cache.readFrom('c')].map((f) => f !== undefined)).toEqual([true, true, true]);
    cache.update('d', partition(1), START, undefined);
    expect([cache.readFrom('a'), cache.readFrom('b'), cache.readFrom('c'), cache.readFrom('d')].map((f) => f !== undefined)).toEqual([true, false, true, true]);
    expect(cache.last('b', START, HOUR)).toBeUndefined();
    // A group over the bound alone is kept (its next read would be a first read again otherwise).
    cache.update('big', partition(9), START, undefined);
    expect(cache.readFrom('big')).toBeDefined();
    expect(['a', 'c', 'd'].map((g) => cache.readFrom(g))).toEqual([undefined, undefined, undefined]);
    expect(GROUP_STATE_CACHE_MAX_FACTS).toBe(150_000);
  });

  it('for any timeline of writes, late writes, signals and reads, what a warm container knows equals a whole read', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 40 }), fc.integer({ min: 0, max: 48 * HOUR }), async (steps, ttlDelay) => {
        let clock = START;
        const store = new MemoryStateStore(() => clock, { ttlDeletionDelayMs: ttlDelay });
        const cache = new GroupStateCache();
        let n = 0;
        for (const { advance, action } of steps) {
          clock += advance;
          n += 1;
          if (await landStep(store, GROUP, action, clock, n)) continue;
          const from = cache.readFrom(GROUP);
          const warm = cache.update(GROUP, await store.queryPartition(PK, from === undefined ? {} : { skFrom: from }), clock, from);
          const whole = decodeGroupState(await store.queryPartition(PK), clock);
          expect(knownFacts(warm.facts)).toEqual(knownFacts(whole.facts));
          expect(sortedSignals(warm)).toEqual(sortedSignals(whole));
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('GroupStateCache.update', () => {
  it('refuses a read from a sort key with no decoder to apply it to (neither a checkpoint nor an earlier read): it would lose the hours before', () => {
    expect(() => new GroupStateCache().update(GROUP, [], START, packedFactsFrom(START))).toThrow(/no decoder to apply to/);
  });
});
