/**
 * The in-memory state store as DynamoDB behaves: TTL deletes lazily (howitworks-ttl.html,
 * ttl-expired-items.html), Query reads one partition's sort-key range in order.
 */
import { describe, expect, it } from 'vitest';
import { MemoryStateStore, TTL_DELETION_DELAY_MS } from '../../../shared/state/memory-store';

const T0 = 1_800_000_000_000;
const HOUR = 3_600_000;

const clocked = (options?: { ttlDeletionDelayMs?: number }) => {
  let now = T0;
  const store = new MemoryStateStore(() => now, options);
  return { store, at: (t: number) => (now = t) };
};

describe('TTL deletes lazily', () => {
  it('an expired item stays readable, in Get, Query and conditions, until the deletion delay passed', async () => {
    const { store, at } = clocked();
    await store.putIfAbsent({ pk: 'group#g', sk: 'signal#1', version: 1, expiresAt: T0 / 1000 + 60, data: { n: 1 } });
    at(T0 + 2 * HOUR);
    expect(await store.get('group#g', 'signal#1')).toMatchObject({ data: { n: 1 } });
    expect((await store.queryPartition('group#g', { skPrefix: 'signal#' })).map((i) => i.sk)).toEqual(['signal#1']);
    // attribute_not_exists(pk) fails on an item TTL has not deleted yet.
    expect(await store.putIfAbsent({ pk: 'group#g', sk: 'signal#1', version: 1, data: {} })).toBe(false);
    at(T0 + 60_000 + TTL_DELETION_DELAY_MS);
    expect(await store.get('group#g', 'signal#1')).toBeUndefined();
    expect(await store.queryPartition('group#g')).toEqual([]);
    expect(await store.putIfAbsent({ pk: 'group#g', sk: 'signal#1', version: 1, data: {} })).toBe(true);
  });

  it('the delay is an option (0: deleted the moment it expires)', async () => {
    const { store, at } = clocked({ ttlDeletionDelayMs: 0 });
    await store.putIfAbsent({ pk: 'p', sk: 's', version: 1, expiresAt: T0 / 1000 + 60, data: {} });
    at(T0 + 60_000);
    expect(await store.get('p', 's')).toBeUndefined();
  });
});

describe('Query reads one partition, in sort-key order', () => {
  it('prefix and lower bound select a range of the partition only, sorted by binary order', async () => {
    const { store } = clocked();
    for (const sk of ['signal#b', 'instance#2', 'mix', 'signal#a', 'instance#1', 'Zeta']) await store.setAttributes('group#g', sk, { v: sk });
    await store.setAttributes('group#other', 'signal#a', { v: 'other' });
    expect((await store.queryPartition('group#g')).map((i) => i.sk)).toEqual(['Zeta', 'instance#1', 'instance#2', 'mix', 'signal#a', 'signal#b']);
    expect((await store.queryPartition('group#g', { skPrefix: 'signal#' })).map((i) => i.sk)).toEqual(['signal#a', 'signal#b']);
    expect((await store.queryPartition('group#g', { skFrom: 'mix' })).map((i) => i.sk)).toEqual(['mix', 'signal#a', 'signal#b']);
    await store.delete('group#g', 'mix');
    expect((await store.queryPartition('group#g', { skFrom: 'mix' })).map((i) => i.sk)).toEqual(['signal#a', 'signal#b']);
    expect(await store.queryPartition('group#none')).toEqual([]);
  });

  it('returns copies: changing a result does not change the table', async () => {
    const { store } = clocked();
    await store.setAttributes('p', 's', { data: { n: 1 } });
    const [item] = await store.queryPartition('p');
    (item?.data as { n: number }).n = 2;
    expect((await store.get('p', 's'))?.data).toEqual({ n: 1 });
  });
});
