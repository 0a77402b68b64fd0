/**
 * Facts checkpoints (shared/state/facts-checkpoint.ts): no checkpoint is written while per-instance
 * items of before ADR 0009 remain.
 */
import { describe, expect, it } from 'vitest';
import { FACTS_CHECKPOINT_SK, renewFactsCheckpoint } from '../../../shared/state/facts-checkpoint';
import { groupPk, instanceFactsSk } from '../../../shared/state/keys';
import { MemoryStateStore } from '../../../shared/state/memory-store';
import { recordFacts } from '../../../shared/state/packed-facts';

const GROUP = 'ml-inference-gpu';
const PK = groupPk(GROUP);
const HOUR = 3_600_000;
const NOW = Date.parse('2026-11-27T06:10:00Z');
const id = (n: number) => `i-${n.toString(16).padStart(17, '0')}`;

describe('renewFactsCheckpoint', () => {
  it.each([
    ['an instance without packed facts', 9],
    ['an instance with packed facts too', 1],
  ])('skips while per-instance items of before remain (%s), and writes nothing', async (_what, instance) => {
    const store = new MemoryStateStore(() => NOW);
    await recordFacts(store, GROUP, id(1), { launchedAt: NOW - 5 * HOUR, warming: true }, NOW - 5 * HOUR);
    await store.setAttributes(
      PK,
      instanceFactsSk(id(instance)),
      { doomedKind: 'interruption-warning', doomedAt: NOW - 30 * HOUR },
      Math.floor(NOW / 1000) + 60,
    );
    const seen = new Map<string, number>();
    expect(await renewFactsCheckpoint(store, GROUP, NOW, seen)).toMatchObject({ outcome: 'skipped' });
    expect(seen.has(GROUP)).toBe(false);
    expect(await store.queryPartition(PK, { skPrefix: FACTS_CHECKPOINT_SK })).toEqual([]);
  });
});
