/**
 * Scale-in protection as the group worker last read it (docs/adr/0009-packed-instance-facts.md,
 * sixth amendment): the termination policy reads its group without instances
 * (`IncludeInstances=false`), so the only instance-level answer that says who is protected,
 * `Instances[].ProtectedFromScaleIn` of DescribeAutoScalingGroups
 * (https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_Instance.html), is kept for it by
 * the function that reads the group with its instances anyway: the group worker
 * (shared/fanout/group-sweep.ts), every lifecycle scan period.
 *
 * | item | pk | sk | TTL |
 * |---|---|---|---|
 * | the protection snapshot: `data.at` (when the group was read), `data.listed` (`protected`, `unprotected` or `unknown`), `data.ids` | `group#<group>` | `facts#protection` | 2 days after its last write |
 *
 * `facts#protection` sorts after every packed facts item (`facts#<hour, 7 digits>#<shard>`) and
 * before `instance#`, `mix` and `signal#`: every read of the partition the termination policy makes
 * (whole from `facts#`, or from an open hour on, after a checkpoint or a warm read) answers it, so
 * it is always read as it is now, never from a checkpoint or a cache.
 *
 * A snapshot names the side that is not the group's default, so that an instance it does not name
 * (one launched since) gets what a new instance gets: the protected instances when new instances
 * start unprotected, the unprotected ones when the group protects new instances
 * (`NewInstancesProtectedFromScaleIn`, the documented pattern: protection on for the group, turned
 * off per instance,
 * https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-instance-protection.html).
 * When that side does not fit in one item (an item holds at most 400 KB:
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html) the other
 * side is named if it fits (an instance launched since then takes the other default until the next
 * snapshot), else the snapshot is `unknown`: the policy then knows only what the recorded facts say.
 */
import type { StateStorePort } from '../aws/state-store';
import { groupPk } from './keys';
import { PACKED_FACTS_PREFIX } from './packed-facts';

/** Sort key of a group's protection snapshot (after every packed facts item: see the module comment). */
export const FACTS_PROTECTION_SK = `${PACKED_FACTS_PREFIX}protection`;

/** Bytes of ids one snapshot may hold (an item holds at most 400 KB, names and values counted). */
export const PROTECTION_MAX_BYTES = 350_000;

/** A snapshot's TTL after its last write; the worker writes it again well before (see {@link PROTECTION_REWRITE_MS}). */
export const PROTECTION_TTL_SECONDS = 2 * 86_400;

/** A worker container writes an unchanged snapshot again after this long (keeps its TTL ahead). */
export const PROTECTION_REWRITE_MS = 12 * 3_600_000;

/** Which side of the group a snapshot names (`unknown`: too many to name either). */
export type ProtectionListing = 'protected' | 'unprotected' | 'unknown';

/** A group's protection as read at `at`. */
export interface ProtectionSnapshot {
  at: number;
  listed: ProtectionListing;
  /** Sorted; empty when `unknown`. */
  ids: string[];
}

/** A protection snapshot as the termination policy uses it. */
export interface ProtectionView {
  at: number;
  listed: ProtectionListing;
  ids: ReadonlySet<string>;
}

const bytesOf = (ids: readonly string[]): number => ids.reduce((n, id) => n + Buffer.byteLength(id) + 3, 0);

/**
 * The snapshot of `instances` (a DescribeAutoScalingGroups listing) at `at`: the side that differs
 * from what new instances get (`newInstancesProtected`, the group's `NewInstancesProtectedFromScaleIn`)
 * named, or the other side when that one does not fit in an item.
 *
 * @example
 * ```ts
 * protectionSnapshot([{ instanceId: 'i-1', protectedFromScaleIn: true }, { instanceId: 'i-2', protectedFromScaleIn: false }], now, false);
 * // → { at: now, listed: 'protected', ids: ['i-1'] }
 * ```
 */
export const protectionSnapshot = (
  instances: ReadonlyArray<{ instanceId: string; protectedFromScaleIn: boolean }>,
  at: number,
  newInstancesProtected: boolean,
): ProtectionSnapshot => {
  const yes = new Set<string>();
  const no = new Set<string>();
  for (const i of instances) {
    if (i.instanceId === '') continue;
    (i.protectedFromScaleIn ? yes : no).add(i.instanceId);
  }
  const sides: Array<[ProtectionListing, Set<string>]> = [
    ['protected', yes],
    ['unprotected', no],
  ];
  if (newInstancesProtected) sides.reverse();
  for (const [listed, side] of sides) {
    const ids = [...side].sort();
    if (bytesOf(ids) <= PROTECTION_MAX_BYTES) return { at, listed, ids };
  }
  return { at, listed: 'unknown', ids: [] };
};

/**
 * What a snapshot says, whatever its time, in a short string: its listing, the ids' count and two
 * 32-bit FNV-1a-style hashes (two offsets, two multipliers) of the ids. Pure (no I/O, no crypto module): this module is
 * read by the termination policy's decision. Two different snapshots share one by chance about once
 * in 2^64; the worker then writes the snapshot at its next 12-hour rewrite.
 */
export const protectionFingerprint = (s: Pick<ProtectionSnapshot, 'listed' | 'ids'>): string => {
  let a = 0x811c9dc5;
  let b = 0x5bd1e995;
  const mix = (text: string): void => {
    for (let i = 0; i < text.length; i += 1) {
      const c = text.charCodeAt(i);
      a = Math.imul(a ^ c, 0x01000193);
      b = Math.imul(b ^ c, 0x9e3779b1);
    }
    a = Math.imul(a ^ 10, 0x01000193);
    b = Math.imul(b ^ 10, 0x9e3779b1);
  };
  for (const id of s.ids) mix(id);
  return `${s.listed}:${s.ids.length}:${(a >>> 0).toString(36)}:${(b >>> 0).toString(36)}`;
};

/**
 * The snapshot an item holds; undefined when it is not a well-formed one, or past its TTL at
 * `nowMs` (DynamoDB deletes expired items some time later, not at once:
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/howitworks-ttl.html). Then
 * nothing is known from it: the policy uses the recorded facts alone.
 */
export const decodeProtection = (item: Readonly<Record<string, unknown>>, nowMs = Number.NEGATIVE_INFINITY): ProtectionView | undefined => {
  if (typeof item.expiresAt === 'number' && item.expiresAt <= nowMs / 1000) return undefined;
  const data = item.data;
  if (typeof data !== 'object' || data === null) return undefined;
  const { at, listed, ids } = data as Record<string, unknown>;
  if (typeof at !== 'number' || !Number.isFinite(at)) return undefined;
  if (listed !== 'protected' && listed !== 'unprotected' && listed !== 'unknown') return undefined;
  if (!Array.isArray(ids) || !ids.every((id) => typeof id === 'string' && id !== '')) return undefined;
  return { at, listed, ids: new Set(ids as string[]) };
};

/**
 * Whether `view` says `instanceId` is protected: true or false, or undefined when it cannot tell
 * (`unknown`).
 */
export const protectedBy = (view: ProtectionView, instanceId: string): boolean | undefined =>
  view.listed === 'unknown' ? undefined : view.listed === 'protected' ? view.ids.has(instanceId) : !view.ids.has(instanceId);

/** What {@link recordProtection} did. */
export interface ProtectionRecord {
  outcome: 'written' | 'unchanged';
  reason: string;
}

/**
 * Writes `group`'s protection snapshot (one UpdateItem, no read) unless this container wrote the
 * same within {@link PROTECTION_REWRITE_MS}. `seen` (one per container): per group, the fingerprint
 * and time of the last snapshot written. A fresh container writes each group's once: it cannot know
 * what another container wrote without a read, and a write costs the same.
 *
 * @example
 * ```ts
 * await recordProtection(store, 'ml-inference-gpu', protectionSnapshot(group.instances, now), seen); // { outcome: 'written', … }
 * ```
 */
export const recordProtection = async (
  store: Pick<StateStorePort, 'setAttributes'>,
  group: string,
  snapshot: ProtectionSnapshot,
  seen: Map<string, { fingerprint: string; at: number }>,
): Promise<ProtectionRecord> => {
  const fingerprint = protectionFingerprint(snapshot);
  const last = seen.get(group);
  if (last !== undefined && last.fingerprint === fingerprint && snapshot.at - last.at < PROTECTION_REWRITE_MS) {
    return { outcome: 'unchanged', reason: 'this container wrote the same snapshot within 12 hours' };
  }
  await store.setAttributes(
    groupPk(group),
    FACTS_PROTECTION_SK,
    { data: { at: snapshot.at, listed: snapshot.listed, ids: snapshot.ids } },
    Math.floor(snapshot.at / 1000) + PROTECTION_TTL_SECONDS,
  );
  seen.set(group, { fingerprint, at: snapshot.at });
  const named = snapshot.listed === 'unknown' ? 'too many to name either side' : `${snapshot.ids.length} ${snapshot.listed} named`;
  return {
    outcome: 'written',
    reason: `${named}${last === undefined ? ' (first sight in this container)' : last.fingerprint === fingerprint ? ' (rewritten: TTL)' : ' (changed)'}`,
  };
};
