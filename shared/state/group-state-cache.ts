/**
 * What a container keeps of each group's partition between invocations of the termination policy,
 * so that a warm container reads only what can have changed since its last read (issue 16,
 * docs/adr/0009-packed-instance-facts.md "Fourth amendment").
 *
 * The packed facts of a group are items per hour (shared/state/packed-facts.ts); a writer adds to
 * the item of the hour its own clock says, so an item stops changing
 * `PACKED_FACTS_OPEN_MS` (30 minutes) after its hour ends, and is then only deleted when its TTL passes.
 * `facts#` sorts first in the partition (then `instance#`, `mix`, `signal#`: shared/state/keys.ts),
 * so one Query from the first hour that can still change (`sk >= facts#<hour>`,
 * https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_Query.html, KeyConditionExpression)
 * answers those hours and every other item of the partition (the signals are read whole each time).
 * Items that pass their TTL are forgotten by the decoder (`PackedFactsReader.expire`): what only
 * they said disappears, as from a whole read. A container's first read of a group starts from the
 * group's facts checkpoint instead (shared/state/facts-checkpoint.ts `readPartitionFirst`: the
 * checkpoint's decoder is `base`, and the hours since it are applied on top). The partition is read
 * whole, with a new decoder:
 * - on a container's first read of a group without a usable checkpoint;
 * - while the partition still holds per-instance items of before ADR 0009 (`instance#<id>`, gone a
 *   day after their last write): they are older than every packed fact, an order only a whole
 *   decode keeps.
 * Pure: no I/O, `now` is a parameter; the handler does the reading.
 *
 * @example
 * ```ts
 * const from = cache.readFrom(group); // undefined: a first read (the checkpoint and the hours since, or whole)
 * const read = from === undefined ? await readPartitionFirst(store, groupPk(group), now) : { items: await store.queryPartition(groupPk(group), { skFrom: from }), from, base: undefined };
 * const state = cache.update(group, read.items, now, read.from, read.base);
 * ```
 */
import { type GroupState, decodeGroupState } from './group-state';
import { INSTANCE_FACTS_PREFIX } from './keys';
import { openHourStart, PackedFactsReader, packedFactsFrom } from './packed-facts';

interface Entry {
  /** When the read that produced `state` started. */
  at: number;
  reader: PackedFactsReader;
  state: GroupState;
  /** The next read may start from this sort key (undefined: it must read the whole partition). */
  from: string | undefined;
}

/**
 * The instances' facts a container keeps at most, over every group it has read (~250 bytes each
 * decoded: the record, its id, its Map entry and four fields' times, texts and TTLs; ~40 MB at the
 * bound). A platform of 200 groups × 500 instances fits whole; past the bound, the groups read
 * least recently are forgotten (their next read is a first read again: the checkpoint and the hours
 * since). Unbounded, a container that served many large groups kept every decoder it ever made,
 * and each full collection marked them all.
 */
export const GROUP_STATE_CACHE_MAX_FACTS = 150_000;

/** One per container: the last read of each group's partition, decoded, and where the next read may start. */
export class GroupStateCache {
  /** In the order of their last update, least recent first. */
  private readonly entries = new Map<string, Entry>();

  /** `maxFacts`: see {@link GROUP_STATE_CACHE_MAX_FACTS}. */
  public constructor(private readonly maxFacts: number = GROUP_STATE_CACHE_MAX_FACTS) {}

  /**
   * The sort key the next read of `group`'s partition may start from (`skFrom`), or undefined when
   * it must read the partition whole.
   */
  public readFrom(group: string): string | undefined {
    return this.entries.get(group)?.from;
  }

  /**
   * Decodes what a read started at `readAt` answered — the whole partition (`from` undefined), the
   * part from `from` that {@link readFrom} gave, or the hours since a facts checkpoint (`from` and
   * the checkpoint's decoder `base`) — and keeps it for the next read. Throws when `from` is given
   * with no decoder to apply the items to (neither `base` nor an earlier read of the group).
   */
  public update(
    group: string,
    items: ReadonlyArray<Readonly<Record<string, unknown>>>,
    readAt: number,
    from: string | undefined,
    base?: PackedFactsReader,
  ): GroupState {
    // A read from `from` applies on top of a decoder: the checkpoint's (`base`, a container's first
    // read: shared/state/facts-checkpoint.ts) or the one of this container's last read, whose
    // items past their TTL since are forgotten first.
    const prior = from === undefined ? undefined : (base ?? this.entries.get(group)?.reader.expire(readAt));
    if (from !== undefined && prior === undefined) throw new Error(`a read of ${group}'s partition from ${from} has no decoder to apply to: read it whole`);
    const reader = prior ?? new PackedFactsReader();
    const state = decodeGroupState(items, readAt, reader);
    const legacy = items.some((i) => typeof i.sk === 'string' && i.sk.startsWith(INSTANCE_FACTS_PREFIX));
    this.entries.delete(group);
    this.entries.set(group, { at: readAt, reader, state, from: legacy ? undefined : packedFactsFrom(openHourStart(readAt)) });
    this.evict(group);
    return state;
  }

  /** Forgets the groups read least recently while the facts kept are over the bound (never `kept`, the group just read). */
  private evict(kept: string): void {
    let total = 0;
    for (const entry of this.entries.values()) total += entry.state.facts.size;
    for (const [group, entry] of this.entries) {
      if (total <= this.maxFacts) return;
      if (group === kept) continue;
      this.entries.delete(group);
      total -= entry.state.facts.size;
    }
  }

  /** The last state read of `group`, if read within `maxAgeMs` of `now` (the fallback when a read fails). */
  public last(group: string, now: number, maxAgeMs: number): { at: number; state: GroupState } | undefined {
    const entry = this.entries.get(group);
    return entry !== undefined && now - entry.at <= maxAgeMs ? { at: entry.at, state: entry.state } : undefined;
  }
}
