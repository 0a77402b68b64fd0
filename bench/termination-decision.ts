/**
 * Section 1 — the termination decision at 100 / 1,000 / 10,000 / 30,000 candidates.
 *
 * Five variants run interleaved on the same workload (so machine noise hits them alike):
 * - floor: `Array.prototype.sort` of a copy of the same candidates as plain `{ id, key }` literals by their numeric key;
 * - decide: `decideTerminationOrder` with the context the handler would build;
 * - parse + decide: `parseTerminationPolicyInput` (zod) then decide;
 * - state read: `MemoryStateStore.queryPartition` + `decodeGroupState` (the mocked store's cost);
 * - handler: `createMain` of functions/termination-policy.ts with a filled MemoryStateStore and an
 *   in-memory AutoScalingPort: parse, both reads, context, decide — what the 2-second budget covers.
 */
import { createAwsClients } from '../shared/aws/all-clients';
import { performance } from 'node:perf_hooks';
import { createDeps, createMain } from '../functions/termination-policy';
import { GroupStateCache } from '../shared/state/group-state-cache';
import type { AutoScalingPort, GroupSummary } from '../shared/aws';
import { loadConfig, resolveProfile } from '../shared/config';
import { parseTerminationPolicyInput } from '../shared/events/termination-policy-input';
import { buildTerminationContext } from '../shared/termination/policy/context';
import { decideTerminationOrder } from '../shared/termination/policy/order';
import { decodeGroupState } from '../shared/state/group-state';
import { groupPk } from '../shared/state/keys';
import { MemoryStateStore } from '../shared/state/memory-store';
import { type Summary, summarize } from './lib/stats';
import { checkpointItems, GROUP, makeWorkload, NOW, type Workload } from './lib/termination-workload';

export { makeWorkload, type Workload } from './lib/termination-workload';

export const SIZES = [100, 1_000, 10_000, 30_000] as const;
export const VARIANTS = ['floor', 'decide', 'parse + decide', 'state read', 'handler, whole read', 'handler, checkpoint read', 'handler'] as const;
export type Variant = (typeof VARIANTS)[number];

// Only describeGroups is used by terminationPolicy; the other methods of the port are not reached.
// A cast rather than a class, so that methods added to the port later do not break this file.
/** Answers as AWS does: no instance list when `includeInstances` is false (the termination policy's read). */
const fakeAutoScaling = (group: GroupSummary): AutoScalingPort =>
  ({
    describeGroups: async (names: readonly string[], options?: { includeInstances?: boolean }) =>
      names.includes(group.name) ? [options?.includeInstances === false ? { ...group, instances: [] } : group] : [],
  }) as unknown as AutoScalingPort;

/** The five variants as closures over one workload (the context is built once, as the handler would). */
export const variantsFor = async (w: Workload): Promise<Record<Variant, () => unknown>> => {
  const deps = {
    ...createDeps(createAwsClients(), { TABLE_NAME: 'bench' } as NodeJS.ProcessEnv),
    autoScaling: fakeAutoScaling(w.group),
    store: w.store,
    now: () => NOW,
    readBudgetMs: 1_000,
  };
  // Warm: one container asked again about a group it read (only the hours of facts that can still
  // change are read, shared/state/group-state-cache.ts). Whole read: a container's first read of the group.
  const main = createMain(deps);
  // The same partition with the facts checkpoint the group worker wrote an hour ago (the oldest it
  // leaves one, shared/state/facts-checkpoint.ts): a container's first read in steady state.
  const withCheckpoint = new MemoryStateStore(() => NOW);
  const dumped = w.store.dump();
  for (const { pk, sk, expiresAt, ...rest } of [...dumped, ...checkpointItems(dumped, GROUP, NOW - 3_600_000)]) {
    await withCheckpoint.setAttributes(String(pk), String(sk), rest, typeof expiresAt === 'number' ? expiresAt : undefined);
  }
  const parsed = parseTerminationPolicyInput(w.raw);
  if (!parsed.ok) throw new Error(`generated workload does not parse: ${parsed.error.message}`);
  const request = parsed.request;
  const optIn = resolveProfile(loadConfig(), w.group.tags);
  if (!optIn.optedIn || optIn.profile.mode !== 'enforce') throw new Error('bench group must opt in to an enforce profile');
  const pk = groupPk(GROUP);
  const state = decodeGroupState(await w.store.queryPartition(pk));
  const { context } = buildTerminationContext({ request, group: { ...w.group, instances: [] }, state, optIn, now: NOW });
  return {
    floor: () => w.keyed.slice().sort((a, b) => a.key - b.key),
    decide: () => decideTerminationOrder(request, context),
    'parse + decide': () => {
      const p = parseTerminationPolicyInput(w.raw);
      return p.ok ? decideTerminationOrder(p.request, context) : undefined;
    },
    'state read': async () => decodeGroupState(await w.store.queryPartition(pk)),
    'handler, whole read': () => createMain({ ...deps, stateCache: new GroupStateCache(), groupCache: new Map() })(w.raw),
    'handler, checkpoint read': () => createMain({ ...deps, store: withCheckpoint, stateCache: new GroupStateCache(), groupCache: new Map() })(w.raw),
    handler: () => main(w.raw),
  };
};

/** Result for one size: per-variant summaries and the ratio of each median to the floor's median. */
export interface SizeResult {
  size: number;
  stats: Workload['stats'];
  rounds: number;
  summaries: Record<Variant, Summary>;
  /** median(variant) / median(floor), and p99(variant) / p99(floor). */
  medianRatio: Record<Variant, number>;
  /** Answer of the handler on this workload, as a sanity check that it decided (not fell back). */
  handlerOutcome: string;
  chosen: number;
}

/**
 * Runs every variant once per round, rotating the order each round, until `budgetMs` has passed
 * (at least `minRounds`, at most `maxRounds`), after `warmupRounds` unrecorded rounds.
 */
export const measureSize = async (
  size: number,
  budgetMs: number,
  opts: { minRounds: number; maxRounds: number; warmupRounds: number },
): Promise<SizeResult> => {
  const w = await makeWorkload(size);
  const variants = await variantsFor(w);
  const samples = Object.fromEntries(VARIANTS.map((v) => [v, [] as number[]])) as Record<Variant, number[]>;
  const check = (await variants.handler()) as { outcome?: string; instanceIds?: unknown[] };
  for (let i = 0; i < opts.warmupRounds; i += 1) for (const v of VARIANTS) await variants[v]();
  const started = performance.now();
  let rounds = 0;
  while (rounds < opts.maxRounds && (rounds < opts.minRounds || performance.now() - started < budgetMs)) {
    for (let k = 0; k < VARIANTS.length; k += 1) {
      const v = VARIANTS[(k + rounds) % VARIANTS.length] as Variant;
      const t0 = performance.now();
      await variants[v]();
      samples[v].push(performance.now() - t0);
    }
    rounds += 1;
  }
  const summaries = Object.fromEntries(VARIANTS.map((v) => [v, summarize(samples[v])])) as Record<Variant, Summary>;
  const medianRatio = Object.fromEntries(VARIANTS.map((v) => [v, summaries[v].median / summaries.floor.median])) as Record<Variant, number>;
  return {
    size,
    stats: w.stats,
    rounds,
    summaries,
    medianRatio,
    handlerOutcome: String(check.outcome),
    chosen: Array.isArray(check.instanceIds) ? check.instanceIds.length : 0,
  };
};
