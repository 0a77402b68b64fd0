/**
 * DynamoStateStore against a real DynamoDB wire protocol (moto): conditional writes are what keep
 * duplicate events and racing handlers from both winning, so they are checked on the table itself.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DynamoStateStore, StateRecord } from '../../shared/aws/state-store.js';
import { freshStateStore, type MotoClients } from '../support/moto.js';

const TABLE = 'asg-orchestrator-state';

describe('DynamoStateStore conditional writes (moto over HTTP)', () => {
  let aws: MotoClients;
  let store: DynamoStateStore;

  const storedItem = async (pk: string, sk: string): Promise<Record<string, unknown> | undefined> => {
    // Read the raw item through its own client, not through the store under test.
    const { Item } = await aws.doc.send(new GetCommand({ TableName: TABLE, Key: { pk, sk }, ConsistentRead: true }));
    return Item;
  };

  beforeEach(async () => {
    ({ aws, store } = await freshStateStore(TABLE));
  });
  afterEach(() => aws.destroy());

  const first: StateRecord = { pk: 'instance#i-0abc', sk: 'warmup', version: 1, expiresAt: 1_900_000_000, data: { attempt: 1, commandId: 'cmd-1' } };

  it('putIfAbsent creates once; the second call returns false and keeps the first data', async () => {
    expect(await store.putIfAbsent(first)).toBe(true);
    expect(await store.putIfAbsent({ ...first, data: { attempt: 99, commandId: 'cmd-duplicate' } })).toBe(false);

    expect(await storedItem(first.pk, first.sk)).toEqual({ ...first });
    expect(await store.get(first.pk, first.sk)).toEqual(first);
  });

  it('putIfAbsent keys on pk AND sk: another sort key under the same pk is a separate record', async () => {
    expect(await store.putIfAbsent(first)).toBe(true);
    expect(await store.putIfAbsent({ ...first, sk: 'drain', data: { attempt: 1 } })).toBe(true);

    expect((await storedItem(first.pk, 'warmup'))?.data).toEqual(first.data);
    expect((await storedItem(first.pk, 'drain'))?.data).toEqual({ attempt: 1 });
  });

  it('putIfVersion with a stale version returns false and leaves the record unchanged', async () => {
    await store.putIfAbsent(first);

    expect(await store.putIfVersion({ ...first, data: { attempt: 2 } }, 0)).toBe(false);
    expect(await store.putIfVersion({ ...first, data: { attempt: 2 } }, 2)).toBe(false);

    expect(await storedItem(first.pk, first.sk)).toEqual({ ...first });
  });

  it('putIfVersion with the current version writes the data at version + 1, and only one of two racers wins', async () => {
    await store.putIfAbsent(first);

    expect(await store.putIfVersion({ ...first, data: { attempt: 2, commandId: 'cmd-2' } }, 1)).toBe(true);
    expect(await storedItem(first.pk, first.sk)).toEqual({ ...first, version: 2, data: { attempt: 2, commandId: 'cmd-2' } });

    // Two handlers both read version 2 and try to move on: exactly one write lands.
    const results = await Promise.all([
      store.putIfVersion({ ...first, data: { attempt: 3, by: 'a' } }, 2),
      store.putIfVersion({ ...first, data: { attempt: 3, by: 'b' } }, 2),
    ]);
    expect(results.filter(Boolean)).toHaveLength(1);
    const after = await storedItem(first.pk, first.sk);
    expect(after?.version).toBe(3);
    expect(after?.data).toEqual({ attempt: 3, by: results[0] ? 'a' : 'b' });
  });

  it('putIfVersion on a missing record returns false and creates nothing', async () => {
    expect(await store.putIfVersion(first, 1)).toBe(false);
    expect(await storedItem(first.pk, first.sk)).toBeUndefined();
  });

  it('delete removes the record, after which putIfAbsent can create it again', async () => {
    await store.putIfAbsent(first);
    await store.delete(first.pk, first.sk);

    expect(await storedItem(first.pk, first.sk)).toBeUndefined();
    expect(await store.get(first.pk, first.sk)).toBeUndefined();
    expect(await store.putIfAbsent({ ...first, data: { attempt: 1, commandId: 'cmd-again' } })).toBe(true);
    expect((await storedItem(first.pk, first.sk))?.data).toEqual({ attempt: 1, commandId: 'cmd-again' });
  });

  it('addToSet adds strings to a String Set (creating item and set), keeps each once, leaves other attributes, and reads back as a Set', async () => {
    await store.addToSet('group#g', 'facts#0500000#00', 'f', ['i-1|w|10|1', 'i-1|s|10|x'], 1_900_000_000);
    await store.addToSet('group#g', 'facts#0500000#00', 'f', ['i-1|w|10|1', 'i-2|p|20|1'], 1_900_000_100);
    await store.setAttributes('group#g', 'facts#0500000#00', { 'i-3|w': true });

    expect(await storedItem('group#g', 'facts#0500000#00')).toEqual({
      pk: 'group#g',
      sk: 'facts#0500000#00',
      f: new Set(['i-1|w|10|1', 'i-1|s|10|x', 'i-2|p|20|1']),
      'i-3|w': true,
      expiresAt: 1_900_000_100,
    });
    expect(await store.queryPartition('group#g', { skPrefix: 'facts#' })).toEqual([await storedItem('group#g', 'facts#0500000#00')]);
  });
});
