/**
 * Section 1 — the termination decision at 100 / 1,000 / 10,000 / 30,000 candidates.
 *
 * Five variants run interleaved on the same workload (so machine noise hits them alike):
 * - floor: `Array.prototype.sort` of a copy of the same candidates by one numeric key;
 * - decide: `decideTerminationOrder` with the context the handler would build;
 * - parse + decide: `parseTerminationPolicyInput` (zod) then decide;
 * - state read: `MemoryStateStore.queryPartition` + `decodeGroupState` (the mocked store's cost);
 * - handler: `createMain` of functions/termination-policy.ts with a filled MemoryStateStore and an
 *   in-memory AutoScalingPort: parse, both reads, context, decide — what the 2-second budget covers.
 */
import { createAwsClients } from '../shared/aws/all-clients';
import { performance } from 'node:perf_hooks';
import { createDeps, createMain } from '../functions/termination-policy';
import type { AutoScalingPort, GroupInstance, GroupSummary } from '../shared/aws';
import { loadConfig, resolveProfile } from '../shared/config';
import { parseTerminationPolicyInput } from '../shared/events/termination-policy-input';
import { buildTerminationContext } from '../shared/policy/termination-context';
import { decideTerminationOrder } from '../shared/policy/termination-order';
import { decodeGroupState } from '../shared/state/group-state';
import { groupPk, instanceFactsSk, signalSk } from '../shared/state/keys';
import { MemoryStateStore } from '../shared/state/memory-store';
import { rng, type Summary, summarize } from './lib/stats';

export const SIZES = [100, 1_000, 10_000, 30_000] as const;
export const VARIANTS = ['floor', 'decide', 'parse + decide', 'state read', 'handler'] as const;
export type Variant = (typeof VARIANTS)[number];

const GROUP = 'ml-inference-gpu';
const NOW = Date.parse('2026-11-27T12:00:00Z');
const CURRENT_MODEL = 'llama-3-8b-2024-07'; // config/profiles.json, profile gpu-inference
const AZS = ['us-east-1a', 'us-east-1b', 'us-east-1c'];
const TYPES: Array<{ type: string; weight: number }> = [
  { type: 'g5.xlarge', weight: 1 },
  { type: 'g5.2xlarge', weight: 2 },
  { type: 'g6.xlarge', weight: 1 },
  { type: 'g6.2xlarge', weight: 2 },
];

interface RawInstance {
  AvailabilityZone: string;
  InstanceId: string;
  InstanceType: string;
  InstanceMarketOption: 'spot' | 'on-demand';
}

/** One generated group and everything the variants need, built once per size. */
export interface Workload {
  size: number;
  raw: {
    AutoScalingGroupARN: string;
    AutoScalingGroupName: string;
    CapacityToTerminate: Array<{ AvailabilityZone: string; Capacity: number; InstanceMarketOption: 'spot' | 'on-demand' }>;
    Instances: RawInstance[];
    Cause: 'SCALE_IN';
  };
  /** Same candidates, each with one numeric key (its launch time), for the floor. */
  keyed: Array<RawInstance & { key: number }>;
  store: MemoryStateStore;
  group: GroupSummary;
  stats: { buckets: number; factItems: number; signalItems: number; doomed: number; warming: number; stale: number; protected: number };
}

/**
 * A realistic random group: 3 AZs × spot/on-demand (≈70 % Spot), 4 instance types with weights,
 * facts for ≈60 % of instances (launch time, versions; 3 % of Spot doomed, 5 % warming, ≈15 % stale),
 * interruption signals in the window for some Spot pools, 1 % scale-in protected; Auto Scaling asks
 * for ≈10 % of each bucket's capacity.
 */
export const makeWorkload = async (size: number, seed = size): Promise<Workload> => {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
  const hex = () => Array.from({ length: 17 }, () => '0123456789abcdef'[Math.floor(r() * 16)]).join('');
  const store = new MemoryStateStore(() => NOW);
  const pk = groupPk(GROUP);
  const expiresAt = Math.floor(NOW / 1000) + 86_400;
  const instances: RawInstance[] = [];
  const keyed: Workload['keyed'] = [];
  const groupInstances: GroupInstance[] = [];
  const units = new Map<string, number>();
  const stats = { buckets: 0, factItems: 0, signalItems: 0, doomed: 0, warming: 0, stale: 0, protected: 0 };
  for (let i = 0; i < size; i += 1) {
    const az = pick(AZS);
    const market = r() < 0.7 ? 'spot' : 'on-demand';
    const t = pick(TYPES);
    const id = `i-${hex()}`;
    const launchedAt = NOW - Math.floor(r() * 7 * 86_400_000);
    const inst: RawInstance = { AvailabilityZone: az, InstanceId: id, InstanceType: t.type, InstanceMarketOption: market };
    instances.push(inst);
    keyed.push({ ...inst, key: launchedAt });
    const bucket = `${az}|${market}`;
    units.set(bucket, (units.get(bucket) ?? 0) + t.weight);
    const isProtected = r() < 0.01;
    const staleTemplate = r() < 0.1;
    if (isProtected) stats.protected += 1;
    groupInstances.push({
      instanceId: id,
      instanceType: t.type,
      availabilityZone: az,
      lifecycleState: 'InService',
      protectedFromScaleIn: isProtected,
      launchTemplateVersion: staleTemplate ? '6' : '7',
    });
    if (r() < 0.6) {
      const attrs: Record<string, unknown> = { launchedAt, launchTemplateVersion: staleTemplate ? '6' : '7' };
      const staleModel = r() < 0.08;
      attrs.modelVersion = staleModel ? 'llama-3-8b-2024-04' : CURRENT_MODEL;
      if (staleModel || staleTemplate) stats.stale += 1;
      if (r() < 0.05) {
        attrs.warming = true;
        stats.warming += 1;
      }
      if (market === 'spot' && r() < 0.03) {
        attrs.doomedKind = r() < 0.5 ? 'interruption-warning' : 'rebalance-recommendation';
        attrs.doomedAt = NOW - Math.floor(r() * 110_000);
        stats.doomed += 1;
      }
      await store.setAttributes(pk, instanceFactsSk(id), attrs, expiresAt);
      stats.factItems += 1;
    }
    if (market === 'spot' && r() < 0.01) {
      const at = NOW - Math.floor(r() * 3_600_000);
      const kind = r() < 0.7 ? 'interruption-warning' : 'rebalance-recommendation';
      await store.setAttributes(pk, signalSk(at, id), { kind, at, instanceType: t.type, availabilityZone: az, instanceId: id }, expiresAt);
      stats.signalItems += 1;
    }
  }
  const capacityToTerminate = [...units.entries()].map(([bucket, u]) => {
    const [az, market] = bucket.split('|') as [string, 'spot' | 'on-demand'];
    return { AvailabilityZone: az, Capacity: Math.max(1, Math.round(u * 0.1)), InstanceMarketOption: market };
  });
  stats.buckets = capacityToTerminate.length;
  const group: GroupSummary = {
    name: GROUP,
    arn: `arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:1a2b3c4d-5e6f-4a1b-8c2d-3e4f5a6b7c8d:autoScalingGroupName/${GROUP}`,
    tags: [{ key: 'asg-orchestrator:profile', value: 'gpu-inference' }],
    desiredCapacity: size,
    minSize: 0,
    maxSize: size * 2,
    hasMixedInstancesPolicy: true,
    launchTemplateVersion: '7',
    weights: new Map(TYPES.map((t) => [t.type, t.weight])),
    instances: groupInstances,
  };
  return {
    size,
    raw: {
      AutoScalingGroupARN: group.arn,
      AutoScalingGroupName: GROUP,
      CapacityToTerminate: capacityToTerminate,
      Instances: instances,
      Cause: 'SCALE_IN',
    },
    keyed,
    store,
    group,
    stats,
  };
};

// Only describeGroups is used by terminationPolicy; the other methods of the port are not reached.
// A cast rather than a class, so that methods added to the port later do not break this file.
const fakeAutoScaling = (group: GroupSummary): AutoScalingPort =>
  ({
    describeGroups: async (names: readonly string[]) => (names.includes(group.name) ? [group] : []),
  }) as unknown as AutoScalingPort;

/** The five variants as closures over one workload (the context is built once, as the handler would). */
export const variantsFor = async (w: Workload): Promise<Record<Variant, () => unknown>> => {
  const main = createMain({
    ...createDeps(createAwsClients(), { TABLE_NAME: 'bench' } as NodeJS.ProcessEnv),
    autoScaling: fakeAutoScaling(w.group),
    store: w.store,
    now: () => NOW,
    readBudgetMs: 1_000,
  });
  const parsed = parseTerminationPolicyInput(w.raw);
  if (!parsed.ok) throw new Error(`generated workload does not parse: ${parsed.error.message}`);
  const request = parsed.request;
  const optIn = resolveProfile(loadConfig(), w.group.tags);
  if (!optIn.optedIn || optIn.profile.mode !== 'enforce') throw new Error('bench group must opt in to an enforce profile');
  const pk = groupPk(GROUP);
  const state = decodeGroupState(await w.store.queryPartition(pk));
  const { context } = buildTerminationContext({ request, group: w.group, state, optIn, now: NOW });
  return {
    floor: () => w.keyed.slice().sort((a, b) => a.key - b.key),
    decide: () => decideTerminationOrder(request, context),
    'parse + decide': () => {
      const p = parseTerminationPolicyInput(w.raw);
      return p.ok ? decideTerminationOrder(p.request, context) : undefined;
    },
    'state read': async () => decodeGroupState(await w.store.queryPartition(pk)),
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
export const measureSize = async (size: number, budgetMs: number, opts: { minRounds: number; maxRounds: number; warmupRounds: number }): Promise<SizeResult> => {
  const w = await makeWorkload(size);
  const variants = await variantsFor(w);
  const samples: Record<Variant, number[]> = { floor: [], decide: [], 'parse + decide': [], 'state read': [], handler: [] };
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
