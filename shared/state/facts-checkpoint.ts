/**
 * Facts checkpoints (docs/adr/0009-packed-instance-facts.md, fifth amendment): a group's packed
 * facts as decoded at one moment, stored compressed in its partition, so that a container's first
 * read of a group reads the checkpoint and only the hours of facts written since, instead of a
 * day's worth of packed items (2.1 MB of JSON at 30,000 instances, issue 16). Its bytes are format 2
 * (shared/state/facts-checkpoint-bytes.ts: typed-array sections), gzipped, as base64 text.
 *
 * | item | pk | sk | TTL |
 * |---|---|---|---|
 * | checkpoint header: `data.at` (when the state was read, epoch ms), `data.n` (chunks) | `group#<group>` | `ckpt#facts` | the checkpoint's facts' day |
 * | checkpoint chunk k: `data.at`, `data.b` (characters k × 384,000 on of the base64 of the gzipped bytes) | `group#<group>` | `ckpt#facts#<k, 3 digits>` | the same |
 *
 * `ckpt#` sorts before `facts#` (then `instance#`, `mix`, `signal#`), so the warm reads
 * (`sk >= facts#<hour>`) never answer checkpoint bytes, and a whole read starts at `facts#`.
 * An item holds at most 400 KB, names and values counted
 * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html): a chunk
 * holds 384,000 characters of a String attribute, ASCII, so as many bytes
 * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/HowItWorks.NamingRulesDataTypes.html#HowItWorks.DataTypes:
 * a String's size is its UTF-8 bytes). Text, not Binary: DynamoDB's JSON protocol carries a Binary
 * as base64 either way, and the SDK checks a Binary's base64 with a regular expression before it
 * decodes it (@smithy/core `fromBase64`), ~2.5 ms per 570 KB checkpoint read; Node decodes base64
 * text natively (`Buffer.from(text, 'base64')`, https://nodejs.org/api/buffer.html#buffers-and-character-encodings).
 * What a damaged text decodes to is caught by gzip's CRC-32 and length
 * (https://www.rfc-editor.org/rfc/rfc1952#section-2.3.1).
 *
 * **Why it is exact.** A checkpoint is what a decoder held after reading the partition at `at`
 * (shared/state/packed-facts.ts, `PackedFactsReader`). Items of hours before
 * `openHourStart(at)` no longer changed after `at` (a writer adds to its own hour's item, and lands
 * at most a function timeout later), they only expire; so the checkpoint, expired to now, plus the
 * items from `openHourStart(at)` on, is what a whole read now gives — the argument of the warm
 * container's cache (shared/state/group-state-cache.ts), with the decoder kept in the table
 * instead of in memory.
 *
 * **Who writes it.** The group worker (shared/fanout/group-sweep.ts), which sees every group every
 * few minutes (the lifecycle scan), renews a checkpoint older than an hour: one GetItem of the
 * header per group and sweep (none when its container renewed or saw it within the hour), and once
 * an hour the read, the encoding and the writes. Chunks are written before the header; a reader uses
 * a checkpoint only when the header's chunks all carry its `at` (two workers writing at once may
 * leave a mix: the readers then read the partition whole until the next renewal).
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import type { StateStorePort } from '../aws/state-store';
import { decodeFactsColumns, encodeFactsColumns } from './facts-checkpoint-bytes';
import { decodeGroupState } from './group-state';
import { groupPk, INSTANCE_FACTS_PREFIX } from './keys';
import { openHourStart, PACKED_FACTS_PREFIX, PackedFactsReader, packedFactsExpiry, packedFactsFrom } from './packed-facts';

/** Sort key of a checkpoint's header; its chunks are `<this>#<k, 3 digits>`. */
export const FACTS_CHECKPOINT_SK = 'ckpt#facts';

/** Characters of the checkpoint's base64 text per chunk item (an item holds at most 400 KB). */
export const FACTS_CHECKPOINT_CHUNK_CHARS = 384_000;

/** A worker renews a group's checkpoint once it is this old. */
export const FACTS_CHECKPOINT_RENEW_MS = 60 * 60_000;

/** At most this many chunks (384 MB): more is not a checkpoint this code wrote. */
const MAX_CHUNKS = 1000;

/** Sort key of chunk `k` of a group's checkpoint. */
export const factsCheckpointChunkSk = (k: number): string => `${FACTS_CHECKPOINT_SK}#${String(k).padStart(3, '0')}`;

const isFiniteNumber = (v: unknown): v is number => Number.isFinite(v);
const isIntegerNumber = (v: unknown): v is number => Number.isInteger(v);

const dataOf = (item: Readonly<Record<string, unknown>> | undefined): Record<string, unknown> | undefined =>
  typeof item?.data === 'object' && item.data !== null ? (item.data as Record<string, unknown>) : undefined;

/**
 * The chunks of a checkpoint of what `reader` holds, read at `at`; undefined when the reader holds
 * per-instance facts of before (only a whole read orders them).
 *
 * @example
 * ```ts
 * const chunks = encodeFactsCheckpoint(reader, now); // ['H4sIAAAAAAAAA…']
 * ```
 */
export const encodeFactsCheckpoint = (reader: PackedFactsReader, at: number): string[] | undefined => {
  const columns = reader.toColumns(at);
  if (columns === undefined) return undefined;
  const text = gzipSync(encodeFactsColumns(columns)).toString('base64');
  const chunks: string[] = [];
  for (let start = 0; start < text.length || chunks.length === 0; start += FACTS_CHECKPOINT_CHUNK_CHARS) {
    chunks.push(text.slice(start, start + FACTS_CHECKPOINT_CHUNK_CHARS));
  }
  return chunks;
};

/**
 * The decoder a checkpoint holds, expired to `nowMs`, and when it was read; undefined when `items`
 * (the answer of a Query of `ckpt#facts…`) hold no whole checkpoint: no header, a chunk missing or
 * of another checkpoint, bytes that do not decode.
 */
export const restoreFactsCheckpoint = (
  items: ReadonlyArray<Readonly<Record<string, unknown>>>,
  nowMs: number,
): { at: number; reader: PackedFactsReader } | undefined => {
  const header = dataOf(items.find((i) => i.sk === FACTS_CHECKPOINT_SK));
  const at = header?.at;
  const n = header?.n;
  if (!isFiniteNumber(at) || !isIntegerNumber(n) || n < 1 || n > MAX_CHUNKS) return undefined;
  const chunks: string[] = [];
  for (let k = 0; k < n; k += 1) {
    const sk = factsCheckpointChunkSk(k);
    const data = dataOf(items.find((i) => i.sk === sk));
    // Format 1's chunks were Binary (bytes): not this format.
    if (data?.at !== at || typeof data.b !== 'string') return undefined;
    chunks.push(data.b);
  }
  // Text that does not gunzip (gzip checks its CRC-32 and length) or bytes that are not format 2's
  // layout are no checkpoint.
  let bytes: Buffer;
  try {
    bytes = gunzipSync(Buffer.from(chunks.join(''), 'base64'));
  } catch {
    return undefined;
  }
  const columns = decodeFactsColumns(bytes);
  if (columns === undefined) return undefined;
  const reader = PackedFactsReader.fromColumns(columns, at);
  return reader === undefined ? undefined : { at, reader: reader.expire(nowMs) };
};

/** What a first read of a group's partition answered (see {@link readPartitionFirst}). */
export interface FirstRead {
  items: Array<Record<string, unknown>>;
  /** The lowest sort key `items` were read from (undefined: the partition was read whole). */
  from: string | undefined;
  /** The checkpoint's decoder `items` apply on top of (with `from`). */
  base: PackedFactsReader | undefined;
  /** When the checkpoint used was read (undefined: none was). */
  checkpointAt: number | undefined;
}

const hasLegacy = (items: ReadonlyArray<Readonly<Record<string, unknown>>>): boolean =>
  items.some((i) => typeof i.sk === 'string' && i.sk.startsWith(INSTANCE_FACTS_PREFIX));

/**
 * A container's first read of a group's partition: the checkpoint (one Query of `ckpt#facts…`),
 * then the partition from the first hour of facts that can have changed since it was read; the
 * partition whole (from `facts#`) when there is no usable checkpoint, or while per-instance items of
 * before remain (only a whole decode orders them before the packed facts).
 * https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_Query.html (KeyConditionExpression: `begins_with`, `>=`)
 *
 * @example
 * ```ts
 * const read = await readPartitionFirst(store, groupPk('ml-inference-gpu'), now, signal);
 * const state = cache.update('ml-inference-gpu', read.items, now, read.from, read.base);
 * ```
 */
export const readPartitionFirst = async (
  store: Pick<StateStorePort, 'queryPartition'>,
  pk: string,
  nowMs: number,
  signal?: AbortSignal,
): Promise<FirstRead> => {
  const withSignal = signal ? { signal } : {};
  const restored = restoreFactsCheckpoint(await store.queryPartition(pk, { skPrefix: FACTS_CHECKPOINT_SK, ...withSignal }), nowMs);
  // A checkpoint stamped after this clock (a worker that started after this invocation, or clock
  // skew) already forgot what expired up to its stamp, which a read now still knows: not used.
  if (restored !== undefined && restored.at <= nowMs) {
    const from = packedFactsFrom(openHourStart(restored.at));
    const items = await store.queryPartition(pk, { skFrom: from, ...withSignal });
    if (!hasLegacy(items)) return { items, from, base: restored.reader, checkpointAt: restored.at };
  }
  return { items: await store.queryPartition(pk, { skFrom: PACKED_FACTS_PREFIX, ...withSignal }), from: undefined, base: undefined, checkpointAt: undefined };
};

/** What {@link renewFactsCheckpoint} did. */
export interface CheckpointRenewal {
  outcome: 'fresh' | 'written' | 'skipped' | 'deferred';
  reason: string;
  /** When the group's checkpoint (now) was read. */
  at?: number;
  chunks?: number;
  bytes?: number;
}

/**
 * Renews `group`'s facts checkpoint when it is {@link FACTS_CHECKPOINT_RENEW_MS} old or absent:
 * reads the partition as a first read does (from the old checkpoint when there is one), and writes
 * the chunks, then the header, then deletes chunks the old checkpoint had beyond the new one's.
 * `seen` (one per container): when each group's checkpoint was last known to be read; a group seen
 * within the hour costs no call. `mayWrite` false: a due checkpoint is left for a later sweep
 * (`deferred`; a worker renews at most one per invocation, which keeps its calls bounded).
 *
 * @example
 * ```ts
 * await renewFactsCheckpoint(store, 'ml-inference-gpu', now, seen); // { outcome: 'written', chunks: 1, … }
 * ```
 */
export const renewFactsCheckpoint = async (
  store: Pick<StateStorePort, 'get' | 'queryPartition' | 'setAttributes' | 'delete'>,
  group: string,
  nowMs: number,
  seen: Map<string, number> = new Map(),
  mayWrite = true,
): Promise<CheckpointRenewal> => {
  const known = seen.get(group);
  if (known !== undefined && nowMs - known < FACTS_CHECKPOINT_RENEW_MS)
    return { outcome: 'fresh', reason: 'renewed or seen by this container within the hour', at: known };
  const pk = groupPk(group);
  const header = (await store.get(pk, FACTS_CHECKPOINT_SK))?.data;
  const was = typeof header?.at === 'number' ? header.at : undefined;
  const wasChunks = typeof header?.n === 'number' && Number.isInteger(header.n) ? Math.min(header.n, MAX_CHUNKS) : 0;
  if (was !== undefined && nowMs - was < FACTS_CHECKPOINT_RENEW_MS) {
    seen.set(group, was);
    return { outcome: 'fresh', reason: 'the checkpoint is less than an hour old', at: was };
  }
  if (!mayWrite)
    return {
      outcome: 'deferred',
      reason: 'due, but this invocation renewed its share of checkpoints: the next sweep of the group does',
      ...(was === undefined ? {} : { at: was }),
    };
  const read = await readPartitionFirst(store, pk, nowMs);
  const reader = read.base ?? new PackedFactsReader();
  decodeGroupState(read.items, nowMs, reader);
  // Per-instance items of before: a checkpoint would keep only the facts the decoder decoded from
  // packed items (those of an instance with packed facts too would be lost), and no first read uses
  // one while they remain.
  const chunks = hasLegacy(read.items) ? undefined : encodeFactsCheckpoint(reader, nowMs);
  if (chunks === undefined) {
    // Tried again in an hour (per-instance items of before go a day after their last write).
    seen.set(group, nowMs);
    return { outcome: 'skipped', reason: 'per-instance facts of before remain: only a whole read orders them' };
  }
  const expiresAt = packedFactsExpiry(nowMs);
  for (let k = 0; k < chunks.length; k += 1) {
    await store.setAttributes(pk, factsCheckpointChunkSk(k), { data: { at: nowMs, b: chunks[k] } }, expiresAt);
  }
  await store.setAttributes(pk, FACTS_CHECKPOINT_SK, { data: { at: nowMs, n: chunks.length } }, expiresAt);
  for (let k = chunks.length; k < wasChunks; k += 1) await store.delete(pk, factsCheckpointChunkSk(k));
  seen.set(group, nowMs);
  return {
    outcome: 'written',
    reason: `${reader.facts.size} instances' facts, ${read.base ? 'from the checkpoint of before and the hours since' : 'read whole'}`,
    at: nowMs,
    chunks: chunks.length,
    bytes: chunks.reduce((sum, c) => sum + c.length, 0),
  };
};
