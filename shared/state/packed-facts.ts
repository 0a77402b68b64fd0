/**
 * Instance facts in a compact form (docs/adr/0009-packed-instance-facts.md): instead of one item per
 * instance, the facts written in one hour land as attributes of a few shared items of the group's
 * partition, so the termination policy reads a 30,000-instance group's facts as a few hundred items
 * instead of 18,000.
 *
 * | item | pk | sk | TTL |
 * |---|---|---|---|
 * | facts written in hour H, shard S | `group#<group>` | `facts#<H, 7 digits>#<S, 2 hex digits>` | end of hour H + 1 day |
 *
 * One attribute per instance and writer, `<instanceId>|<field>`: `s` the launch snapshot (launch
 * time, launch template version and model version in one string, separated by U+001F, which tag
 * values and version names cannot contain), `w` warming (boolean), `d` doomed (`i:<at>` or
 * `r:<at>`), `p` scale-in protected (boolean). Every writer sets only its own attributes with
 * UpdateItem `SET` (no read, last writer wins per attribute, like the per-instance items before); a
 * later hour's item overrides an earlier one field by field. The TTL keeps today's semantics: a
 * fact lives a day after it was written (keys.ts FACTS_TTL_SECONDS). Two attributes per instance
 * (snapshot + warming) instead of four: the read and its unmarshalling are what the termination
 * policy's CPU goes to.
 *
 * Size: an item holds at most 400 KB (names and values count)
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html — an
 * instance's launch facts take 70–95 bytes (a 30-character model version), so one hour's item of
 * one shard holds ≥4,000 launches and the 16 shards ≥64,000 launches per group per hour (a test
 * holds the bound). Past it DynamoDB refuses the write and the facts of that launch are missing.
 */
import type { StateStorePort } from '../aws/state-store';
import { blankFacts, type InstanceFacts } from './group-state';
import { FACTS_TTL_SECONDS, groupPk } from './keys';

/** Sort-key prefix of packed facts items. */
export const PACKED_FACTS_PREFIX = 'facts#';

/** Items per hour (instances are spread by a hash of their id). */
export const PACKED_SHARDS = 16;

const HOUR_MS = 3_600_000;

/** Separates the launch snapshot's fields (a control character: never in a tag value or version). */
const SEP = '\u001f';

/** The facts one writer knows about one instance (each field optional; absent = not written). */
export interface FactsWrite {
  launchedAt?: number;
  warming?: boolean;
  modelVersion?: string;
  launchTemplateVersion?: string;
  doomed?: { kind: 'interruption-warning' | 'rebalance-recommendation'; at: number };
  protectedFromScaleIn?: boolean;
}

/** FNV-1a over the id's characters: a stable shard for an instance. */
const shardOf = (instanceId: string): number => {
  let h = 0x811c9dc5;
  for (let i = 0; i < instanceId.length; i += 1) {
    h ^= instanceId.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % PACKED_SHARDS;
};

/** Sort key of the packed item a fact about `instanceId` written at `atMs` goes to. */
export const packedFactsSk = (atMs: number, instanceId: string): string =>
  `${PACKED_FACTS_PREFIX}${String(Math.max(0, Math.floor(atMs / HOUR_MS))).padStart(7, '0')}#${shardOf(instanceId).toString(16).padStart(2, '0')}`;

/** TTL (epoch seconds) of the packed item written at `atMs`: the end of its hour plus the facts' day. */
export const packedFactsExpiry = (atMs: number): number => (Math.floor(atMs / HOUR_MS) + 1) * 3_600 + FACTS_TTL_SECONDS;

/**
 * The attributes that record `facts` about `instanceId` (for StateStorePort.setAttributes on
 * `packedFactsSk(now, instanceId)`).
 *
 * @example
 * ```ts
 * await store.setAttributes(groupPk(group), packedFactsSk(now, id), packedFactsAttributes(id, { warming: false }), packedFactsExpiry(now));
 * ```
 */
export const packedFactsAttributes = (instanceId: string, facts: FactsWrite): Record<string, unknown> => {
  const out: Record<string, unknown> = {};
  // The snapshot's three fields are written together (one attribute): a write naming one of them
  // states the others as unknown.
  if (facts.launchedAt !== undefined || facts.launchTemplateVersion !== undefined || facts.modelVersion !== undefined) {
    out[`${instanceId}|s`] = [facts.launchedAt ?? '', facts.launchTemplateVersion ?? '', facts.modelVersion ?? ''].join(SEP);
  }
  if (facts.warming !== undefined) out[`${instanceId}|w`] = facts.warming;
  if (facts.doomed !== undefined) out[`${instanceId}|d`] = `${facts.doomed.kind === 'interruption-warning' ? 'i' : 'r'}:${facts.doomed.at}`;
  if (facts.protectedFromScaleIn !== undefined) out[`${instanceId}|p`] = facts.protectedFromScaleIn;
  return out;
};

const finite = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** Applies one attribute of a packed item; an attribute with a wrong type contributes nothing. */
const apply = (f: InstanceFacts, field: string, v: unknown): void => {
  switch (field) {
    case 's': {
      if (typeof v !== 'string') return;
      const a = v.indexOf(SEP);
      const b = a < 0 ? -1 : v.indexOf(SEP, a + 1);
      if (b < 0) return;
      const launched = a > 0 ? Number(v.slice(0, a)) : Number.NaN;
      f.launchedAt = Number.isFinite(launched) ? launched : undefined;
      f.launchTemplateVersion = b > a + 1 ? v.slice(a + 1, b) : undefined;
      f.modelVersion = v.length > b + 1 ? v.slice(b + 1) : undefined;
      return;
    }
    case 'w':
      if (typeof v === 'boolean') f.warming = v;
      return;
    case 'p':
      if (typeof v === 'boolean') f.protectedFromScaleIn = v;
      return;
    case 'd': {
      if (typeof v !== 'string' || v.length < 3 || v[1] !== ':') return;
      const kind = v[0] === 'i' ? 'interruption-warning' : v[0] === 'r' ? 'rebalance-recommendation' : undefined;
      const at = Number(v.slice(2));
      if (kind !== undefined && v.length > 2 && Number.isFinite(at)) f.doomed = { kind, at };
      return;
    }
  }
};

/**
 * Adds the facts of packed items to `into` (by instance id). Items are applied in sort-key order, so
 * a later hour overrides an earlier one field by field. Pure and defensive: an attribute that is not
 * `<id>|<known field>` with the right type is ignored; an item past its TTL (`expiresAt` ≤ now,
 * DynamoDB deletes expired items only eventually) is ignored.
 *
 * @example
 * ```ts
 * const facts = new Map<string, InstanceFacts>();
 * decodePackedFacts(items.filter((i) => String(i.sk).startsWith(PACKED_FACTS_PREFIX)), now, facts);
 * ```
 */
export const decodePackedFacts = (
  items: ReadonlyArray<Readonly<Record<string, unknown>>>,
  nowMs: number,
  into: Map<string, InstanceFacts>,
): Map<string, InstanceFacts> => {
  const ordered = [...items].sort((a, b) => (String(a.sk) < String(b.sk) ? -1 : String(a.sk) > String(b.sk) ? 1 : 0));
  const nowSeconds = nowMs / 1000;
  for (const item of ordered) {
    const expiresAt = finite(item.expiresAt);
    if (expiresAt !== undefined && expiresAt <= nowSeconds) continue;
    for (const key in item) {
      const bar = key.lastIndexOf('|');
      if (bar <= 0 || bar !== key.length - 2) continue;
      const id = key.slice(0, bar);
      let f = into.get(id);
      if (f === undefined) {
        f = blankFacts();
        into.set(id, f);
      }
      apply(f, key.charAt(bar + 1), item[key]);
    }
  }
  return into;
};

/**
 * Records facts about one instance in its group's packed item of this hour: one UpdateItem, no read
 * (idempotent: a retry or a duplicate event sets the same attributes again).
 *
 * @example
 * ```ts
 * await recordFacts(store, 'ml-inference-gpu', 'i-0abc', { launchedAt, warming: true }, now);
 * ```
 */
export const recordFacts = async (
  store: Pick<StateStorePort, 'setAttributes'>,
  groupName: string,
  instanceId: string,
  facts: FactsWrite,
  nowMs: number,
): Promise<void> => {
  const attributes = packedFactsAttributes(instanceId, facts);
  if (Object.keys(attributes).length === 0) return;
  await store.setAttributes(groupPk(groupName), packedFactsSk(nowMs, instanceId), attributes, packedFactsExpiry(nowMs));
};
