/**
 * The termination workload generator (section 1 and the fleet section of `npm run bench`): a
 * seeded, realistic group and its state partition. Imports no function module, so that a process
 * that only generates workloads (bench/fleet-http.ts) loads no handler.
 */
import type { GroupInstance, GroupSummary } from '../../shared/aws';
import { groupPk, signalSk } from '../../shared/state/keys';
import { encodeFactsCheckpoint, FACTS_CHECKPOINT_SK, factsCheckpointChunkSk } from '../../shared/state/facts-checkpoint';
import { decodeGroupState } from '../../shared/state/group-state';
import { PACKED_FACTS_PREFIX, PACKED_FACTS_SET, PackedFactsReader, packedFactsExpiry, packedFactsSk, recordFacts } from '../../shared/state/packed-facts';
import { FACTS_PROTECTION_SK, protectionSnapshot, recordProtection } from '../../shared/state/protection';
import { MemoryStateStore } from '../../shared/state/memory-store';
import { rng } from './stats';

export const GROUP = 'ml-inference-gpu';
export const NOW = Date.parse('2026-11-27T12:00:00Z');
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
  /** Same candidates as plain `{ id, key }` literals (one hidden class; key = launch time), for the floor. */
  keyed: Array<{ id: string; key: number }>;
  store: MemoryStateStore;
  group: GroupSummary;
  stats: { buckets: number; factItems: number; signalItems: number; doomed: number; warming: number; stale: number; protected: number };
}

/**
 * A realistic random group: 3 AZs × spot/on-demand (≈70 % Spot), 4 instance types with weights,
 * facts for ≈60 % of instances (launch time, versions; 3 % of Spot doomed, 5 % warming, ≈15 % stale)
 * in the packed layout (shared/state/packed-facts.ts, written over the last day as the lifecycle and
 * signal paths write them), interruption signals in the window for some Spot pools; 1 % more
 * instances in the group are scale-in protected and not offered (Auto Scaling cannot terminate them
 * on scale-in: https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-instance-protection.html),
 * named in the group worker's protection snapshot (shared/state/protection.ts) as the worker writes it;
 * `size` candidates are offered; Auto Scaling asks for ≈10 % of each bucket's capacity.
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
  while (instances.length < size) {
    const az = pick(AZS);
    const market = r() < 0.7 ? 'spot' : 'on-demand';
    const t = pick(TYPES);
    const id = `i-${hex()}`;
    const launchedAt = NOW - Math.floor(r() * 7 * 86_400_000);
    const inst: RawInstance = { AvailabilityZone: az, InstanceId: id, InstanceType: t.type, InstanceMarketOption: market };
    const isProtected = r() < 0.01;
    const staleTemplate = r() < 0.1;
    if (isProtected) {
      stats.protected += 1;
    } else {
      instances.push(inst);
      keyed.push({ id, key: launchedAt });
      const bucket = `${az}|${market}`;
      units.set(bucket, (units.get(bucket) ?? 0) + t.weight);
    }
    groupInstances.push({
      instanceId: id,
      instanceType: t.type,
      availabilityZone: az,
      lifecycleState: 'InService',
      protectedFromScaleIn: isProtected,
      launchTemplateVersion: staleTemplate ? '6' : '7',
    });
    if (r() < 0.6) {
      const staleModel = r() < 0.08;
      if (staleModel || staleTemplate) stats.stale += 1;
      const warming = r() < 0.05;
      if (warming) stats.warming += 1;
      // The warm-up's facts, written within the last day (older ones have expired).
      const writtenAt = NOW - Math.floor(r() * 23 * 3_600_000);
      await recordFacts(
        store,
        GROUP,
        id,
        {
          launchedAt: Math.min(launchedAt, writtenAt),
          warming,
          launchTemplateVersion: staleTemplate ? '6' : '7',
          modelVersion: staleModel ? 'llama-3-8b-2024-04' : CURRENT_MODEL,
        },
        writtenAt,
      );
      if (market === 'spot' && r() < 0.03) {
        const at = NOW - Math.floor(r() * 110_000);
        await recordFacts(store, GROUP, id, { doomed: { kind: r() < 0.5 ? 'interruption-warning' : 'rebalance-recommendation', at } }, at);
        stats.doomed += 1;
      }
      stats.factItems += 1;
    }
    if (market === 'spot' && r() < 0.01) {
      const at = NOW - Math.floor(r() * 3_600_000);
      const kind = r() < 0.7 ? 'interruption-warning' : 'rebalance-recommendation';
      await store.setAttributes(pk, signalSk(at, id), { kind, at, instanceType: t.type, availabilityZone: az, instanceId: id }, expiresAt);
      stats.signalItems += 1;
    }
  }
  // The group worker's protection snapshot (shared/state/protection.ts, ADR 0009 sixth amendment):
  // the protected 1 %, named, read with every read of the partition.
  await recordProtection(store, GROUP, protectionSnapshot(groupInstances, NOW - 60_000, false), new Map());
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

/**
 * The partition's items as written `shiftMs` later (the fleet bench moves the generated times to
 * now): times, TTLs and the time-ordered sort keys of signals and packed facts.
 */
export const shiftedItems = (store: MemoryStateStore, shiftMs: number): Array<Record<string, unknown>> =>
  store.dump().map((item) => {
    const data = { ...item } as Record<string, unknown>;
    for (const k of Object.keys(data)) {
      const v = data[k];
      if (/At$/.test(k) && typeof v === 'number') data[k] = v + shiftMs;
      else if (/\|d$/.test(k) && typeof v === 'string') data[k] = v.replace(/:(\d+)$/, (_, t: string) => `:${Number(t) + shiftMs}`);
      else if (/\|s$/.test(k) && typeof v === 'string') data[k] = v.replace(/^(\d+)/, (_, t: string) => String(Number(t) + shiftMs));
      else if (k === PACKED_FACTS_SET && v instanceof Set) {
        // Entries `<id>|<field>|<ms into the hour>|<value>`: the launch time (s) and the doomed time (d) move.
        data[k] = new Set(
          [...(v as Set<string>)].map((e) =>
            e
              .replace(/^([^|]+\|s\|\d+\|)(\d+)/, (_, head: string, t: string) => `${head}${Number(t) + shiftMs}`)
              .replace(/^([^|]+\|d\|\d+\|[ir]:)(\d+)$/, (_, head: string, t: string) => `${head}${Number(t) + shiftMs}`),
          ),
        );
      }
    }
    if (typeof data.expiresAt === 'number') data.expiresAt += Math.round(shiftMs / 1000);
    const sk = String(data.sk);
    if (sk.startsWith('signal#')) data.sk = sk.replace(/^signal#(\d{15})/, (_, t: string) => `signal#${String(Number(t) + shiftMs).padStart(15, '0')}`);
    if (sk.startsWith(PACKED_FACTS_PREFIX) && sk !== FACTS_PROTECTION_SK) {
      const hour = Number(sk.slice(PACKED_FACTS_PREFIX.length, PACKED_FACTS_PREFIX.length + 7));
      data.sk = `${packedFactsSk((hour + 0.5) * 3_600_000 + shiftMs, '').slice(0, PACKED_FACTS_PREFIX.length + 7)}${sk.slice(PACKED_FACTS_PREFIX.length + 7)}`;
    }
    return data;
  });

/**
 * The facts checkpoint a group worker wrote at `atMs` (shared/state/facts-checkpoint.ts) over
 * `items` (a partition as shiftedItems gives it): what the packed entries written by then say,
 * encoded as the worker encodes it; the header and chunk items to store beside them.
 */
export const checkpointItems = (items: ReadonlyArray<Record<string, unknown>>, group: string, atMs: number): Array<Record<string, unknown>> => {
  const hourOf = (sk: string): number => Number(sk.slice(PACKED_FACTS_PREFIX.length, PACKED_FACTS_PREFIX.length + 7)) * 3_600_000;
  const byThen = items
    .filter((i) => String(i.sk).startsWith(PACKED_FACTS_PREFIX) && hourOf(String(i.sk)) <= atMs)
    .map((i) => {
      const hour = hourOf(String(i.sk));
      const set = i[PACKED_FACTS_SET];
      if (!(set instanceof Set)) return i;
      return { ...i, [PACKED_FACTS_SET]: new Set([...(set as Set<string>)].filter((e) => hour + Number(e.split('|')[2]) <= atMs)) };
    });
  const reader = new PackedFactsReader();
  decodeGroupState(byThen, atMs, reader);
  const chunks = encodeFactsCheckpoint(reader, atMs);
  if (chunks === undefined) throw new Error('the generated partition holds per-instance facts of before: no checkpoint');
  const expiresAt = packedFactsExpiry(atMs);
  const pk = groupPk(group);
  return [
    { pk, sk: FACTS_CHECKPOINT_SK, data: { at: atMs, n: chunks.length }, expiresAt },
    ...chunks.map((b, k) => ({ pk, sk: factsCheckpointChunkSk(k), data: { at: atMs, b }, expiresAt })),
  ];
};
