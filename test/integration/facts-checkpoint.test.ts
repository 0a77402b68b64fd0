/**
 * Facts checkpoints (shared/state/facts-checkpoint.ts) through DynamoStateStore against a real
 * DynamoDB wire protocol (moto): the chunks are String attributes (base64 text) inside a map
 * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/HowItWorks.NamingRulesDataTypes.html#HowItWorks.DataTypes),
 * each item under the 400 KB limit
 * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html); what a
 * first read restores from them equals a whole read.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DynamoStateStore } from '../../shared/aws/state-store.js';
import { FACTS_CHECKPOINT_SK, factsCheckpointChunkSk, readPartitionFirst, renewFactsCheckpoint } from '../../shared/state/facts-checkpoint.js';
import { decodeGroupState } from '../../shared/state/group-state.js';
import { GroupStateCache } from '../../shared/state/group-state-cache.js';
import { groupPk } from '../../shared/state/keys.js';
import { openHourStart, packedFactsFrom, recordFacts } from '../../shared/state/packed-facts.js';
import { freshStateStore, type MotoClients } from '../support/moto.js';
import { knownFacts, recordManyLaunches } from '../support/packed-facts-timeline.js';

const TABLE = 'asg-orchestrator-state';
const GROUP = 'ml-inference-gpu';
const PK = groupPk(GROUP);
const HOUR = 3_600_000;
const NOW = Date.parse('2026-11-27T06:10:00Z');

describe('facts checkpoint through DynamoStateStore (moto over HTTP)', () => {
  let aws: MotoClients;
  let store: DynamoStateStore;

  beforeEach(async () => {
    ({ aws, store } = await freshStateStore(TABLE));
  });
  afterEach(() => aws.destroy());

  const firstReadEqualsWhole = async (now: number, checkpointAt: number) => {
    const read = await readPartitionFirst(store, PK, now);
    expect(read.checkpointAt).toBe(checkpointAt);
    expect(read.from).toBe(packedFactsFrom(openHourStart(checkpointAt)));
    const state = new GroupStateCache().update(GROUP, read.items, now, read.from, read.base);
    expect(knownFacts(state.facts)).toEqual(knownFacts(decodeGroupState(await store.queryPartition(PK), now).facts));
    return state;
  };

  it('a checkpoint of one chunk is written, renewed and read back', async () => {
    await recordFacts(
      store,
      GROUP,
      'i-0a1b2c3d4e5f60729',
      { launchedAt: NOW - 5 * HOUR, launchTemplateVersion: '7', modelVersion: 'v7', warming: true },
      NOW - 5 * HOUR,
    );
    await recordFacts(store, GROUP, 'i-0a1b2c3d4e5f60729', { warming: false }, NOW - 4 * HOUR);
    await recordFacts(store, GROUP, 'i-0a1b2c3d4e5f6075c', { doomed: { kind: 'interruption-warning', at: NOW - HOUR } }, NOW - HOUR);
    expect(await renewFactsCheckpoint(store, GROUP, NOW)).toMatchObject({ outcome: 'written', chunks: 1 });
    expect(await store.get(PK, FACTS_CHECKPOINT_SK)).toMatchObject({ data: { at: NOW, n: 1 } });
    const state = await firstReadEqualsWhole(NOW + 10 * 60_000, NOW);
    expect(state.facts.get('i-0a1b2c3d4e5f6075c')?.doomed).toEqual({ kind: 'interruption-warning', at: NOW - HOUR });
    // An hour on, with a fact since: renewed from the checkpoint and the hours since.
    await recordFacts(store, GROUP, 'i-0a1b2c3d4e5f6075c', { protectedFromScaleIn: true }, NOW + 30 * 60_000);
    expect(await renewFactsCheckpoint(store, GROUP, NOW + HOUR)).toMatchObject({ outcome: 'written', chunks: 1 });
    expect((await firstReadEqualsWhole(NOW + 2 * HOUR, NOW + HOUR)).facts.get('i-0a1b2c3d4e5f6075c')?.protectedFromScaleIn).toBe(true);
  });

  it('a checkpoint of several chunks fits DynamoDB items, reads back whole, and a smaller one deletes the chunks beyond its own', async () => {
    const ids = await recordManyLaunches(store, GROUP, 14_000, NOW - 3 * HOUR);
    const big = await renewFactsCheckpoint(store, GROUP, NOW);
    expect(big.outcome).toBe('written');
    expect(big.chunks).toBeGreaterThan(1);
    const state = await firstReadEqualsWhole(NOW + 60_000, NOW);
    expect(state.facts.size).toBe(ids.size);
    // A day on, every fact expired (moto keeps expired items, as DynamoDB does until it deletes them).
    const dayLater = NOW + 25 * HOUR;
    expect(await renewFactsCheckpoint(store, GROUP, dayLater)).toMatchObject({ outcome: 'written', chunks: 1 });
    expect((await store.queryPartition(PK, { skPrefix: FACTS_CHECKPOINT_SK })).map((i) => i.sk)).toEqual([FACTS_CHECKPOINT_SK, factsCheckpointChunkSk(0)]);
    expect((await firstReadEqualsWhole(dayLater + 60_000, dayLater)).facts.size).toBe(0);
  });
});
