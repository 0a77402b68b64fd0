import { INSTANCE_FACTS_PREFIX, SIGNAL_PREFIX } from './keys';
import { PACKED_FACTS_PREFIX, PackedFactsReader } from './packed-facts';
import { decodeProtection, FACTS_PROTECTION_SK, type ProtectionView } from './protection';

/**
 * What a handler knows about one instance from its single batched state read. Every field is
 * optional: a missing fact never makes an instance more likely to be chosen.
 *
 * @example
 * ```ts
 * const facts: InstanceFacts = { doomed: { kind: 'interruption-warning', at: now - 30_000 }, launchedAt: now - 3_600_000 };
 * ```
 */
export interface InstanceFacts {
  /** EC2 announced the instance's end; `at` is when the signal arrived (epoch ms). */
  doomed?: { kind: 'interruption-warning' | 'rebalance-recommendation'; at: number };
  /** Warm-up (model download/load) is still running. */
  warming?: boolean;
  /** Epoch ms. */
  launchedAt?: number;
  launchTemplateVersion?: string;
  modelVersion?: string;
  /** Scale-in protection: never returned, whatever the cause. */
  protectedFromScaleIn?: boolean;
  /** Any comparable load figure, for the `least-loaded` tie-break (lower goes first). */
  load?: number;
}

/**
 * A facts record with every field present (undefined = unknown): records built from it share one
 * hidden class, which keeps the decision's per-candidate reads fast at 30,000 candidates.
 *
 * @example
 * ```ts
 * const f = blankFacts(); f.warming = true;
 * ```
 */
export const blankFacts = (): InstanceFacts => ({
  doomed: undefined,
  warming: undefined,
  launchedAt: undefined,
  launchTemplateVersion: undefined,
  modelVersion: undefined,
  protectedFromScaleIn: undefined,
  load: undefined,
});

/**
 * The key of a Spot pool in termination context's `poolInterruptionRate`.
 *
 * @example
 * ```ts
 * poolKey('g5.xlarge', 'us-east-1a'); // 'g5.xlarge|us-east-1a'
 * ```
 */
export function poolKey(instanceType: string, availabilityZone: string): string {
  return `${instanceType}|${availabilityZone}`;
}

/** A capacity signal as stored: what happened, to which pool, when. */
export interface CapacitySignal {
  kind: 'interruption-warning' | 'rebalance-recommendation' | 'spot-launch-failure';
  at: number;
  instanceType: string;
  availabilityZone: string;
  instanceId?: string;
}

/** Everything the group's partition holds, decoded. */
export interface GroupState {
  facts: Map<string, InstanceFacts>;
  signals: CapacitySignal[];
  /** Scale-in protection as the group worker last read it (shared/state/protection.ts); absent: no usable snapshot. */
  protection?: ProtectionView;
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const text = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const DOOMED_KINDS = new Set(['interruption-warning', 'rebalance-recommendation']);
const SIGNAL_KINDS = new Set(['interruption-warning', 'rebalance-recommendation', 'spot-launch-failure']);

/**
 * Decodes the raw items of a group partition. Pure and defensive: an item with missing or
 * wrongly typed attributes contributes what is valid and nothing else (a corrupt record never
 * makes an instance more likely to be terminated than having no record at all).
 * Facts come in two layouts: the packed items (shared/state/packed-facts.ts, written since
 * ADR 0009) and the per-instance items written before (`instance#<id>`, gone a day after their last
 * write); both are read, a packed fact overrides the per-instance one. `nowMs`: packed items past
 * their TTL are ignored (without it, none is). `reader`: a decoder that already holds what an
 * earlier read of the partition gave (a container's cache, shared/state/group-state-cache.ts): the
 * packed items are applied on top of it, and per-instance items are then skipped (none has been
 * written since ADR 0009; a whole read, with a new decoder, still reads them).
 *
 * @example
 * ```ts
 * const state = decodeGroupState(await store.queryPartition(groupPk('ml-inference-gpu')));
 * state.facts.get('i-0abc')?.doomed?.kind; // 'interruption-warning'
 * ```
 */
export const decodeGroupState = (
  items: ReadonlyArray<Readonly<Record<string, unknown>>>,
  nowMs = Number.NEGATIVE_INFINITY,
  reader = new PackedFactsReader(),
): GroupState => {
  const facts = reader.facts;
  const fresh = facts.size === 0;
  const signals: CapacitySignal[] = [];
  const packed: Array<Readonly<Record<string, unknown>>> = [];
  let protection: ProtectionView | undefined;
  for (const item of items) {
    const sk = text(item.sk) ?? '';
    if (sk === FACTS_PROTECTION_SK) {
      // Read with every read of the partition (it sorts after the packed items): always as it is now.
      protection = decodeProtection(item, nowMs);
    } else if (sk.startsWith(PACKED_FACTS_PREFIX)) {
      packed.push(item);
    } else if (fresh && sk.startsWith(INSTANCE_FACTS_PREFIX)) {
      const id = sk.slice(INSTANCE_FACTS_PREFIX.length);
      const f: InstanceFacts = blankFacts();
      const doomedKind = text(item.doomedKind);
      const doomedAt = num(item.doomedAt);
      if (doomedKind && DOOMED_KINDS.has(doomedKind) && doomedAt !== undefined) {
        f.doomed = { kind: doomedKind as 'interruption-warning' | 'rebalance-recommendation', at: doomedAt };
      }
      if (typeof item.warming === 'boolean') f.warming = item.warming;
      const launchedAt = num(item.launchedAt);
      if (launchedAt !== undefined) f.launchedAt = launchedAt;
      const lt = text(item.launchTemplateVersion);
      if (lt) f.launchTemplateVersion = lt;
      const mv = text(item.modelVersion);
      if (mv) f.modelVersion = mv;
      facts.set(id, f);
    } else if (sk.startsWith(SIGNAL_PREFIX)) {
      const kind = text(item.kind);
      const at = num(item.at);
      const instanceType = text(item.instanceType);
      const availabilityZone = text(item.availabilityZone);
      if (kind && SIGNAL_KINDS.has(kind) && at !== undefined && instanceType && availabilityZone) {
        const instanceId = text(item.instanceId);
        signals.push({ kind: kind as CapacitySignal['kind'], at, instanceType, availabilityZone, ...(instanceId ? { instanceId } : {}) });
      }
    }
  }
  if (packed.length > 0) reader.apply(packed, nowMs);
  return protection === undefined ? { facts, signals } : { facts, signals, protection };
};

/**
 * Who a warning is about. An instance warned twice — a rebalance recommendation, then its interruption
 * warning (EC2 may send both for one instance, the recommendation first:
 * https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/rebalance-recommendations.html), or one event
 * delivered twice (EventBridge delivers at least once:
 * https://docs.aws.amazon.com/eventbridge/latest/ref/event-delivery-level.html) — is one interruption,
 * so rates count instances, not signals. A signal without an instance id counts on its own.
 */
export const warnedInstanceKey = (s: CapacitySignal, index: number): string => s.instanceId ?? `#${index}`;

/**
 * Interruptions per instance-hour for each Spot pool (type × AZ) over the window ending at `now`:
 * the instances warned in the window (interruption warning or rebalance recommendation, each instance
 * once: {@link warnedInstanceKey}), divided by the pool's instance count (at least 1) times the window
 * in hours. Launch failures are not interruptions. The mix controller's rate counts the same way
 * (shared/mix/policy/mix.ts `measureSignals`).
 *
 * @example
 * ```ts
 * poolInterruptionRates(signals, new Map([['g5.xlarge|us-east-1a', 4]]), now, 3_600_000).get('g5.xlarge|us-east-1a'); // e.g. 0.5
 * ```
 */
export const poolInterruptionRates = (
  signals: readonly CapacitySignal[],
  poolSizes: ReadonlyMap<string, number>,
  now: number,
  windowMs: number,
): Map<string, number> => {
  const warned = new Map<string, Set<string>>();
  const from = now - windowMs;
  for (const [i, s] of signals.entries()) {
    if (s.kind === 'spot-launch-failure' || !(s.at >= from && s.at <= now)) continue;
    const key = poolKey(s.instanceType, s.availabilityZone);
    warned.set(key, (warned.get(key) ?? new Set()).add(warnedInstanceKey(s, i)));
  }
  const hours = Math.max(windowMs, 1) / 3_600_000;
  const rates = new Map<string, number>();
  for (const [key, instances] of warned) rates.set(key, instances.size / (Math.max(poolSizes.get(key) ?? 1, 1) * hours));
  return rates;
};
