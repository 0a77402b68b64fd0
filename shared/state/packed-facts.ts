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
 * One String Set attribute `f` per item; one entry per instance, field and write:
 * `<instanceId>|<field>|<ms since the item's hour began>|<value>`. Fields: `s` the launch snapshot
 * (launch time, launch template version and model version in one string, separated by U+001F, which
 * tag values and version names cannot contain), `w` warming (`1`/`0`), `d` doomed (`i:<at>` or
 * `r:<at>`), `p` scale-in protected (`1`/`0`). Every writer adds its entries with UpdateItem
 * `ADD` (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_UpdateItem.html: ADD on
 * a set attribute adds the values to the set, creating the attribute and the item if absent): one
 * atomic write, no read, a retry adds the same strings again (a set holds each once). Per instance
 * and field the newest entry wins on read (a later hour's item is newer than an earlier one's).
 * Writers do not `DELETE` the entries they supersede: they would have to know their exact text
 * (a read), and one expression may not name the same attribute in two clauses (DynamoDB answers
 * "Two document paths overlap with each other", as quoted in https://github.com/HENNGE/aiodynamo/issues/2);
 * superseded entries go with their item's TTL. A set answers as a plain JSON array of strings
 * (`{"SS": [...]}`) instead of a map of one object per attribute: that unmarshalling was what the
 * termination policy's CPU went to (docs/adr/0009-packed-instance-facts.md). The TTL keeps the
 * facts' semantics: a fact lives a day after it was written (keys.ts FACTS_TTL_SECONDS).
 *
 * The form written before the sets (one attribute `<instanceId>|<field>` per instance and field,
 * UpdateItem `SET`) is still read until it expires: newest wins across both forms.
 *
 * Size: an item holds at most 400 KB (names and values count)
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html — an
 * instance's launch entries take 80–115 bytes (a 30-character model version), so one hour's item of
 * one shard holds ≥3,500 launches and the 32 shards ≥112,000 launches per group per hour (a test
 * holds the bound). Past it DynamoDB refuses the write and the facts of that launch are missing.
 */
import type { StateStorePort } from '../aws/state-store';
import type { InstanceFacts } from './group-state';
import { FACTS_TTL_SECONDS, groupPk } from './keys';

/** Sort-key prefix of packed facts items. */
export const PACKED_FACTS_PREFIX = 'facts#';

/** Items per hour (instances are spread by a hash of their id). */
export const PACKED_SHARDS = 32;

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

/** The String Set attribute of a packed item that holds its entries. */
export const PACKED_FACTS_SET = 'f';

const FIELD_INDEX: Readonly<Record<string, number>> = { s: 0, w: 1, d: 2, p: 3 };

/** Start (ms) of the hour a packed item's sort key names, or NaN. */
const hourStartOf = (sk: string): number => Number(sk.slice(PACKED_FACTS_PREFIX.length, PACKED_FACTS_PREFIX.length + 7)) * HOUR_MS;

/**
 * The set entries that record `facts` about `instanceId` written at `atMs` (for
 * StateStorePort.addToSet on `packedFactsSk(atMs, instanceId)`): one string per field,
 * `<instanceId>|<field>|<ms since the item's hour began>|<value>`, booleans as `1`/`0`.
 *
 * @example
 * ```ts
 * packedFactsEntries('i-0abc', { warming: false }, Date.parse('2026-12-07T10:00:01.5Z')); // ['i-0abc|w|1500|0']
 * ```
 */
export const packedFactsEntries = (instanceId: string, facts: FactsWrite, atMs: number): string[] => {
  const head = `${instanceId}|`;
  const at = `|${Math.max(0, Math.floor(atMs) - Math.floor(atMs / HOUR_MS) * HOUR_MS)}|`;
  const out: string[] = [];
  // The snapshot's three fields are written together (one entry): a write naming one of them
  // states the others as unknown.
  if (facts.launchedAt !== undefined || facts.launchTemplateVersion !== undefined || facts.modelVersion !== undefined) {
    out.push(`${head}s${at}${[facts.launchedAt ?? '', facts.launchTemplateVersion ?? '', facts.modelVersion ?? ''].join(SEP)}`);
  }
  if (facts.warming !== undefined) out.push(`${head}w${at}${facts.warming ? '1' : '0'}`);
  if (facts.doomed !== undefined) out.push(`${head}d${at}${facts.doomed.kind === 'interruption-warning' ? 'i' : 'r'}:${facts.doomed.at}`);
  if (facts.protectedFromScaleIn !== undefined) out.push(`${head}p${at}${facts.protectedFromScaleIn ? '1' : '0'}`);
  return out;
};

/**
 * The attributes the packed layout of before wrote (one attribute per instance and field, set with
 * UpdateItem `SET`): no longer written, still read until they expire (a day). Kept for the
 * migration tests and the benchmark of the older form.
 */
export const packedFactsAttributes = (instanceId: string, facts: FactsWrite): Record<string, unknown> => {
  const out: Record<string, unknown> = {};
  if (facts.launchedAt !== undefined || facts.launchTemplateVersion !== undefined || facts.modelVersion !== undefined) {
    out[`${instanceId}|s`] = [facts.launchedAt ?? '', facts.launchTemplateVersion ?? '', facts.modelVersion ?? ''].join(SEP);
  }
  if (facts.warming !== undefined) out[`${instanceId}|w`] = facts.warming;
  if (facts.doomed !== undefined) out[`${instanceId}|d`] = `${facts.doomed.kind === 'interruption-warning' ? 'i' : 'r'}:${facts.doomed.at}`;
  if (facts.protectedFromScaleIn !== undefined) out[`${instanceId}|p`] = facts.protectedFromScaleIn;
  return out;
};

const finite = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** Applies one field's value (the set entry's text, or the older attribute's value); false when its type or form is wrong (it contributes nothing). */
const apply = (f: InstanceFacts, field: number, v: unknown): boolean => {
  switch (field) {
    case 0: {
      if (typeof v !== 'string') return false;
      const a = v.indexOf(SEP);
      const b = a < 0 ? -1 : v.indexOf(SEP, a + 1);
      if (b < 0) return false;
      const launched = a > 0 ? Number(v.slice(0, a)) : Number.NaN;
      f.launchedAt = Number.isFinite(launched) ? launched : undefined;
      f.launchTemplateVersion = b > a + 1 ? v.slice(a + 1, b) : undefined;
      f.modelVersion = v.length > b + 1 ? v.slice(b + 1) : undefined;
      return true;
    }
    case 1:
    case 3: {
      const on = typeof v === 'boolean' ? v : v === '1' ? true : v === '0' ? false : undefined;
      if (on === undefined) return false;
      if (field === 1) f.warming = on;
      else f.protectedFromScaleIn = on;
      return true;
    }
    case 2: {
      if (typeof v !== 'string' || v.length < 3 || v[1] !== ':') return false;
      const kind = v[0] === 'i' ? 'interruption-warning' : v[0] === 'r' ? 'rebalance-recommendation' : undefined;
      const at = Number(v.slice(2));
      if (kind === undefined || !Number.isFinite(at)) return false;
      f.doomed = { kind, at };
      return true;
    }
    default:
      return false;
  }
};

/** Forgets one field (the inverse of {@link apply}): as unknown as if never written. */
const clear = (f: InstanceFacts, field: number): void => {
  if (field === 0) {
    f.launchedAt = undefined;
    f.launchTemplateVersion = undefined;
    f.modelVersion = undefined;
  } else if (field === 1) f.warming = undefined;
  else if (field === 2) f.doomed = undefined;
  else f.protectedFromScaleIn = undefined;
};

/**
 * Adds the facts of packed items to `into` (by instance id). Both packed forms are read: the set
 * entries (`f`, each with its write time) and the attributes of before (`<id>|<field>`, written
 * before the sets; their time is their item's hour start). Per instance and field the newest write
 * wins (a tie goes to the smaller text, whatever order DynamoDB answers the set in); anything
 * `into` already holds (the per-instance items of before) is older than every packed fact. Pure and
 * defensive: an entry or attribute that is not well formed is ignored; an item past its TTL
 * (`expiresAt` ≤ now, DynamoDB deletes expired items only eventually) is ignored.
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
): Map<string, InstanceFacts> => new PackedFactsReader(into).apply(items, nowMs).facts;

/** Start (ms) of the hour of the packed items that can still change at `atMs` (see {@link PackedFactsReader}). */
export const openHourStart = (atMs: number): number => Math.max(0, Math.floor((atMs - PACKED_FACTS_OPEN_MS) / HOUR_MS)) * HOUR_MS;

/**
 * How long after its hour ends a packed item may still gain entries: a writer names the item by
 * its own clock when it writes (shared/lifecycle/execute.ts, shared/signals/capacity-signal.ts), and
 * a write can land up to its function's timeout later (Lambda: at most 15 minutes,
 * https://docs.aws.amazon.com/lambda/latest/dg/configuration-timeout.html), retries included.
 */
export const PACKED_FACTS_OPEN_MS = 30 * 60_000;

/** The lowest sort key of the packed items of the hour starting at `hourStartMs` and later (a Query's `skFrom`). */
export const packedFactsFrom = (hourStartMs: number): string =>
  `${PACKED_FACTS_PREFIX}${String(Math.max(0, Math.floor(hourStartMs / HOUR_MS))).padStart(7, '0')}`;

/**
 * An instance's facts as the decoder holds them: a facts record that also knows its slot in the
 * decoder's flat arrays, so that one Map lookup by id finds both. The slot is a private field:
 * the record reads and compares as plain facts.
 */
class DecodedFacts implements InstanceFacts {
  public doomed: InstanceFacts['doomed'] = undefined;
  public warming: boolean | undefined = undefined;
  public launchedAt: number | undefined = undefined;
  public launchTemplateVersion: string | undefined = undefined;
  public modelVersion: string | undefined = undefined;
  public protectedFromScaleIn: boolean | undefined = undefined;
  public load: number | undefined = undefined;
  readonly #slot: number;

  public constructor(slot: number) {
    this.#slot = slot;
  }

  /** The slot of a record the decoder made, else -1 (a per-instance item's facts of before). */
  public static slotOf(f: InstanceFacts): number {
    return #slot in f ? (f as DecodedFacts).#slot : -1;
  }
}

/**
 * A decoder of packed facts that can be fed more items later: a container keeps one per group and,
 * on its next read, applies only the items that can have changed since (the hours from
 * {@link openHourStart} of the last read on, the rest of the partition included: `facts#` sorts
 * first in it). Applying an item again changes nothing (the newest write wins per field, a tie goes
 * to the smaller text), so reading an hour twice is harmless and what was read before stays as it
 * was read: items of earlier hours no longer change (a writer adds to its own hour's item), they
 * are only deleted when their TTL passes. {@link expire} then drops what only they said: items
 * expire in the order of their hours (the end of the hour + a day), and a field's newest write is
 * in its latest item, so a field whose newest write is in an expired item has no write left in a
 * live one; an instance left with no field is forgotten, as a whole read would not know it.
 *
 * @example
 * ```ts
 * const reader = new PackedFactsReader().apply(items, now); // the whole partition
 * reader.expire(later).apply(await store.queryPartition(pk, { skFrom: packedFactsFrom(openHourStart(now)) }), later);
 * ```
 */
export class PackedFactsReader {
  // Per slot its facts, and per field (s, w, d, p) the write time and the entry text that set it
  // (ties of the same millisecond), in flat arrays at slot × 4: no object per instance besides its
  // facts (allocations are most of the decode's cost).
  private readonly factsOf: InstanceFacts[] = [];
  private times: number[] = [];
  /** Per slot × 4: the entry text that set the field; undefined: the field's canonical text ({@link textOf}, a field restored from a checkpoint). */
  private texts: Array<string | undefined> = [];
  /** Per slot × 4: the TTL (epoch seconds) of the item whose entry set the field; +Infinity for none. */
  private expiries: number[] = [];
  /** Epoch ms when the first item whose entries count expires (its TTL); +Infinity for none. */
  public expiresAtMs = Number.POSITIVE_INFINITY;

  /** `facts`: where decoded facts go; facts it already holds (the per-instance items of before) are older than every packed fact. */
  public constructor(public readonly facts: Map<string, InstanceFacts> = new Map()) {}

  /** The slot of `id`'s facts, made on first sight (from the facts of before, if any: they are older). */
  private slotOf(id: string): number {
    const known = this.facts.get(id);
    if (known !== undefined) {
      const slot = DecodedFacts.slotOf(known);
      if (slot >= 0) return slot;
    }
    const slot = this.factsOf.length;
    const f = new DecodedFacts(slot);
    if (known !== undefined) Object.assign(f, known);
    this.facts.set(id, f);
    this.factsOf.push(f);
    this.times.push(Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY);
    this.texts.push('\uffff', '\uffff', '\uffff', '\uffff');
    this.expiries.push(Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY);
    return slot;
  }

  /** Applies packed items (other items are skipped); items past their TTL at `nowMs` are ignored. */
  public apply(items: ReadonlyArray<Readonly<Record<string, unknown>>>, nowMs: number): this {
    const nowSeconds = nowMs / 1000;
    const { times, texts, factsOf, expiries } = this;
    for (const item of items) {
      const sk = item.sk;
      if (typeof sk !== 'string' || !sk.startsWith(PACKED_FACTS_PREFIX)) continue;
      const expiresAt = finite(item.expiresAt) ?? Number.POSITIVE_INFINITY;
      if (expiresAt <= nowSeconds) continue;
      const hourStart = hourStartOf(sk);
      if (!Number.isFinite(hourStart)) continue;
      for (const key in item) {
        if (key === PACKED_FACTS_SET) {
          const set = item[key];
          if (!(set instanceof Set) && !Array.isArray(set)) continue;
          // One instance's entries often come one after another (those written together): the id
          // just looked up is checked in place first, without cutting and hashing it again.
          let lastId = '';
          let lastSlot = -1;
          for (const e of set as Iterable<unknown>) {
            if (typeof e !== 'string') continue;
            // <id>|<field>|<ms into the hour>|<value>, read in place: the id is the only string cut out
            // besides a snapshot's or doom's parts (allocations are most of the decode's cost).
            const bar = e.indexOf('|');
            if (bar <= 0 || e.charCodeAt(bar + 2) !== 124) continue;
            const code = e.charCodeAt(bar + 1);
            const field = code === 115 ? 0 : code === 119 ? 1 : code === 100 ? 2 : code === 112 ? 3 : -1; // s w d p
            if (field < 0) continue;
            let offset = 0;
            let end = bar + 3;
            for (; end < e.length; end += 1) {
              const c = e.charCodeAt(end);
              if (c === 124) break;
              offset = c >= 48 && c <= 57 ? offset * 10 + (c - 48) : Number.NaN;
            }
            if (end === bar + 3 || end >= e.length || !Number.isFinite(offset)) continue;
            const at = hourStart + offset;
            let slot = lastSlot;
            if (bar !== lastId.length || !e.startsWith(lastId)) {
              lastId = e.slice(0, bar);
              slot = this.slotOf(lastId);
              lastSlot = slot;
            }
            const k = slot * 4 + field;
            const was = times[k] as number;
            if (at < was) continue;
            // A flag's value is one character: read without cutting it out.
            const flag = field === 1 || field === 3;
            const value = flag
              ? e.length === end + 2
                ? e.charCodeAt(end + 1) === 49
                  ? '1'
                  : e.charCodeAt(end + 1) === 48
                    ? '0'
                    : ''
                : ''
              : e.slice(end + 1);
            // Two writes in the same millisecond: the smaller text wins, in any answer order — warming
            // ends (`0` over `1`), an interruption warning outranks a rebalance recommendation (`i:` over `r:`).
            if (at === was && value >= (texts[k] ?? textOf(factsOf[slot] as InstanceFacts, field))) continue;
            if (!apply(factsOf[slot] as InstanceFacts, field, value)) continue;
            times[k] = at;
            texts[k] = value;
            expiries[k] = expiresAt;
            if (expiresAt * 1000 < this.expiresAtMs) this.expiresAtMs = expiresAt * 1000;
          }
          continue;
        }
        const bar = key.lastIndexOf('|');
        if (bar <= 0 || bar !== key.length - 2) continue;
        const field = FIELD_INDEX[key.charAt(bar + 1)];
        if (field === undefined) continue;
        // Written before the sets, within the item's hour: older than any set entry of that hour.
        const at = hourStart - 0.5;
        const slot = this.slotOf(key.slice(0, bar));
        const k = slot * 4 + field;
        if (at < (times[k] as number)) continue;
        if (!apply(factsOf[slot] as InstanceFacts, field, item[key])) continue;
        times[k] = at;
        expiries[k] = expiresAt;
        if (expiresAt * 1000 < this.expiresAtMs) this.expiresAtMs = expiresAt * 1000;
      }
    }
    return this;
  }

  /**
   * The state as columns ({@link FactsColumns}), write times as ages from `at`; undefined when the
   * decoder holds facts it did not decode (per-instance items of before: their order against packed
   * facts is only kept by a whole read).
   */
  public toColumns(at: number): FactsColumns | undefined {
    const { times, texts, expiries } = this;
    const ids: string[] = [];
    const fields = [0, 1, 2, 3].map(() => ({ slot: [] as number[], age: [] as number[], ttl: [] as number[], text: [] as number[] }));
    const launch = { at: [] as number[], lt: [] as number[], mv: [] as number[] };
    const words: string[] = [];
    const wordIndex = new Map<string, number>();
    const word = (w: string | undefined): number => {
      if (w === undefined) return -1;
      let i = wordIndex.get(w);
      if (i === undefined) {
        i = words.length;
        words.push(w);
        wordIndex.set(w, i);
      }
      return i;
    };
    const ttlIndex = new Map<number, number>();
    const ttl: number[] = [];
    const last = [-1, -1, -1, -1];
    for (const [id, f] of this.facts) {
      const slot = DecodedFacts.slotOf(f);
      if (slot < 0) return undefined;
      const out = ids.length;
      ids.push(id);
      for (let field = 0; field < 4; field += 1) {
        const k = slot * 4 + field;
        const time = times[k] as number;
        if (time === Number.NEGATIVE_INFINITY) continue;
        const column = fields[field] as (typeof fields)[number];
        const expiry = expiries[k] as number;
        let t = ttlIndex.get(expiry);
        if (t === undefined) {
          t = ttl.length;
          ttl.push(expiry);
          ttlIndex.set(expiry, t);
        }
        column.slot.push(out - (last[field] as number));
        last[field] = out;
        column.age.push(at - time);
        column.ttl.push(t);
        // A field set from the attribute form of before kept no text (its time, half a millisecond
        // before its hour, ties with no entry): its value is written as the facts hold it.
        const canonical = textOf(f, field);
        const text = texts[k];
        const raw = Number.isInteger(time) && text !== undefined && text !== '\uffff' ? text : canonical;
        if (field === 1 || field === 3) {
          column.text.push(raw === '1' ? 1 : 0);
        } else if (field === 2) {
          column.text.push(word(raw));
        } else if (raw === canonical) {
          // The launch snapshot in its parts when its text is the canonical one (no text to read
          // again, and the versions written once): else its text as written, applied again on restore.
          column.text.push(-1);
          launch.at.push(f.launchedAt ?? Number.NaN);
          launch.lt.push(word(f.launchTemplateVersion));
          launch.mv.push(word(f.modelVersion));
        } else {
          column.text.push(word(raw));
          launch.at.push(Number.NaN);
          launch.lt.push(-1);
          launch.mv.push(-1);
        }
      }
    }
    return {
      ids,
      fields: fields.map((c) => ({
        slot: Uint32Array.from(c.slot),
        age: Float64Array.from(c.age),
        ttl: Uint32Array.from(c.ttl),
        text: Int32Array.from(c.text),
      })),
      ttl: Float64Array.from(ttl),
      launch: { at: Float64Array.from(launch.at), lt: Int32Array.from(launch.lt), mv: Int32Array.from(launch.mv) },
      words,
    };
  }

  /**
   * A decoder holding what `columns` (from {@link toColumns} at `at`) held; undefined when they are
   * not well formed (a checkpoint that is not one: the caller reads the partition whole). Reads the
   * typed arrays in place: besides the ids, it allocates only the facts, the Map and three arrays of
   * 4 × ids (the checkpoint's point is a first read of little CPU, docs/adr/0009-packed-instance-facts.md).
   */
  public static fromColumns(columns: FactsColumns, at: number): PackedFactsReader | undefined {
    const { ids, fields, ttl, launch, words } = columns;
    if (fields.length !== 4) return undefined;
    for (let t = 0; t < ttl.length; t += 1) {
      // +Infinity: the item had no TTL; NaN or -Infinity is no TTL this code wrote.
      if (Number.isNaN(ttl[t]) || ttl[t] === Number.NEGATIVE_INFINITY) return undefined;
    }
    for (const w of words) if (w === '') return undefined;
    const reader = new PackedFactsReader();
    const n = ids.length;
    // Storage sized once, made before the loops that fill it (see RestoreTarget), with room for the
    // instances the items read after the checkpoint add (see withRoom).
    const times = withRoom(n * 4, Number.NEGATIVE_INFINITY);
    const texts = withRoom<string | undefined>(n * 4, '\uffff');
    const expiries = withRoom(n * 4, Number.POSITIVE_INFINITY);
    // The records are pushed, as a decoder's own: an array with holes here (room made as above)
    // made every function that reads both kinds of decoder polymorphic ("wrong map", `--trace-deopt`).
    const factsOf = reader.factsOf as DecodedFacts[];
    if (!restoreSlots(reader.facts, factsOf, ids)) return undefined;
    reader.times = times;
    reader.texts = texts;
    reader.expiries = expiries;
    const target: RestoreTarget = { n, factsOf, times, texts, expiries, ttl, at, first: Number.POSITIVE_INFINITY };
    for (let field = 0; field < 4; field += 1) {
      const column = fields[field] as FactsColumns['fields'][number];
      const count = column.slot.length;
      if (column.age.length !== count || column.ttl.length !== count || column.text.length !== count) return undefined;
      if (field === 0 && (launch.at.length !== count || launch.lt.length !== count || launch.mv.length !== count)) return undefined;
      const ok =
        field === 0
          ? restoreSnapshots(target, column, launch, words)
          : field === 2
            ? restoreDoomed(target, column, words)
            : restoreFlags(target, column, field as 1 | 3);
      if (!ok) return undefined;
    }
    reader.expiresAtMs = target.first;
    return reader;
  }

  /**
   * Forgets what only items past their TTL at `nowMs` said: each field whose newest write is in such
   * an item, and an instance left with no field. Afterwards the decoder holds what a whole read at
   * `nowMs` would give (the expired items are skipped by one).
   */
  public expire(nowMs: number): this {
    if (nowMs < this.expiresAtMs) return this;
    const nowSeconds = nowMs / 1000;
    const { times, texts, expiries, factsOf } = this;
    let next = Number.POSITIVE_INFINITY;
    const gone: string[] = [];
    this.facts.forEach((f, id) => {
      const slot = DecodedFacts.slotOf(f);
      if (slot < 0) return;
      let left = 0;
      for (let field = 0; field < 4; field += 1) {
        const k = slot * 4 + field;
        if (times[k] === Number.NEGATIVE_INFINITY) continue;
        const expiresAt = expiries[k] as number;
        if (expiresAt > nowSeconds) {
          left += 1;
          if (expiresAt * 1000 < next) next = expiresAt * 1000;
          continue;
        }
        clear(factsOf[slot] as InstanceFacts, field);
        times[k] = Number.NEGATIVE_INFINITY;
        texts[k] = '\uffff';
        expiries[k] = Number.POSITIVE_INFINITY;
      }
      if (left === 0) gone.push(id);
    });
    for (const id of gone) this.facts.delete(id);
    this.expiresAtMs = next;
    return this;
  }
}

/**
 * What {@link PackedFactsReader.fromColumns} fills, shared by its loops: one small function per
 * kind of column (snapshots, doomed, flags), each with one loop and one kind of value, so that V8
 * optimizes each loop (on-stack, inside its first restore) with feedback for all of its body: one
 * function holding every kind had its optimized code thrown away when a later field's branch ran
 * for the first time ("insufficient type feedback", `--trace-deopt`), in restore after restore.
 */
interface RestoreTarget {
  n: number;
  factsOf: DecodedFacts[];
  times: number[];
  texts: Array<string | undefined>;
  expiries: number[];
  ttl: Float64Array;
  at: number;
  /** The earliest TTL of a field restored, in ms. */
  first: number;
}

/**
 * An array of `length` times `value` that can grow by a slot's worth of entries without a copy: its
 * backing store is made an eighth larger (and 64 entries) and the length cut back, which V8 does in
 * place, keeping the room (it gives memory back only when more than half would be unused). The
 * items read after a checkpoint add the instances launched since it was read: grown from an exact
 * fit, each of the restore's arrays was copied whole at the first new instance (~2.4 MB of garbage
 * per checkpoint read at 30,000 instances, in the allocation profile of the bench's child).
 */
function withRoom<T>(length: number, value: T): T[] {
  const array = new Array<T>(length + (length >> 3) + 64).fill(value);
  array.length = length;
  return array;
}

/** A record per id in the checkpoint's order: no lookup of an id known new; false on an empty or repeated id. */
function restoreSlots(facts: Map<string, InstanceFacts>, factsOf: DecodedFacts[], ids: readonly string[]): boolean {
  for (let slot = 0; slot < ids.length; slot += 1) {
    const id = ids[slot] as string;
    if (id === '') return false;
    const f = new DecodedFacts(slot);
    facts.set(id, f);
    factsOf.push(f);
  }
  return facts.size === ids.length; // else an id twice
}

/**
 * The slot of an entry from its step (slots as differences from the previous one: at least 1, each
 * slot once, in order), its time and TTL written at `k`; -1 when the entry is not well formed.
 */
function restoreEntry(target: RestoreTarget, column: FactsColumns['fields'][number], j: number, previous: number, field: number): number {
  const step = column.slot[j] as number;
  const s = previous + step;
  const t = target.ttl[column.ttl[j] as number];
  const time = target.at - (column.age[j] as number);
  if (step < 1 || s >= target.n || t === undefined || !Number.isFinite(time)) return -1;
  const k = s * 4 + field;
  target.times[k] = time;
  target.expiries[k] = t;
  if (t * 1000 < target.first) target.first = t * 1000;
  return s;
}

/** Field s: the canonical snapshot in its parts (what applying its text gives), or its text as written. */
function restoreSnapshots(target: RestoreTarget, column: FactsColumns['fields'][number], launch: FactsColumns['launch'], words: readonly string[]): boolean {
  const { factsOf, texts } = target;
  let s = -1;
  for (let j = 0; j < column.slot.length; j += 1) {
    s = restoreEntry(target, column, j, s, 0);
    if (s < 0) return false;
    const f = factsOf[s] as DecodedFacts;
    const k = s * 4;
    const exact = Number.isInteger(target.times[k]);
    const v = column.text[j] as number;
    if (v >= 0) {
      // `apply` refuses what is not text (an index past the words).
      const value = words[v];
      if (!apply(f, 0, value)) return false;
      texts[k] = exact ? (value as string) : '\uffff';
      continue;
    }
    // NaN is no launch time.
    const launched = launch.at[j] as number;
    const l = launch.lt[j] as number;
    const m = launch.mv[j] as number;
    if (
      v !== -1 ||
      launched === Number.POSITIVE_INFINITY ||
      launched === Number.NEGATIVE_INFINITY ||
      l < -1 ||
      m < -1 ||
      l >= words.length ||
      m >= words.length
    ) {
      return false;
    }
    f.launchedAt = Number.isNaN(launched) ? undefined : launched;
    f.launchTemplateVersion = l === -1 ? undefined : words[l];
    f.modelVersion = m === -1 ? undefined : words[m];
    texts[k] = exact ? undefined : '\uffff';
  }
  return true;
}

/** Field d: the text as written (an index into `words`). */
function restoreDoomed(target: RestoreTarget, column: FactsColumns['fields'][number], words: readonly string[]): boolean {
  const { factsOf, texts } = target;
  let s = -1;
  for (let j = 0; j < column.slot.length; j += 1) {
    s = restoreEntry(target, column, j, s, 2);
    if (s < 0) return false;
    const k = s * 4 + 2;
    const v = column.text[j] as number;
    // `apply` refuses what is not text (an index past the words, or -1: no parts for field d).
    const value = words[v];
    if (!apply(factsOf[s] as DecodedFacts, 2, value)) return false;
    texts[k] = Number.isInteger(target.times[k]) ? (value as string) : '\uffff';
  }
  return true;
}

/** Fields w and p: a flag, 1 or 0. */
function restoreFlags(target: RestoreTarget, column: FactsColumns['fields'][number], field: 1 | 3): boolean {
  const { factsOf, texts } = target;
  let s = -1;
  for (let j = 0; j < column.slot.length; j += 1) {
    s = restoreEntry(target, column, j, s, field);
    if (s < 0) return false;
    const v = column.text[j] as number;
    if (v !== 0 && v !== 1) return false;
    const f = factsOf[s] as DecodedFacts;
    if (field === 1) f.warming = v === 1;
    else f.protectedFromScaleIn = v === 1;
    const k = s * 4 + field;
    texts[k] = Number.isInteger(target.times[k]) ? (v === 1 ? '1' : '0') : '\uffff';
  }
  return true;
}

/**
 * A decoder's state as columns of typed arrays, for a facts checkpoint
 * (shared/state/facts-checkpoint.ts; their bytes: shared/state/facts-checkpoint-bytes.ts): the instances' ids in slot order,
 * and per field (s, w, d, p) the slots that hold a write (as differences from the previous one),
 * each write's age (`at` − its time, ms; half milliseconds exist, see {@link PackedFactsReader.apply}),
 * the TTL of the item it came from (an index into `ttl`) and its text (what
 * {@link PackedFactsReader.apply} applied).
 */
export interface FactsColumns {
  ids: string[];
  /**
   * Per field. `text`: fields w and p, the flag (1: `1`, 0: `0`; a byte each in the checkpoint's
   * bytes); fields s and d, an index into `words` of the text as written, or, field s only, -1: the
   * canonical snapshot in `launch`. One array type for all four: the restore's loop stays monomorphic
   * (with a Uint8Array for the flags it was deoptimized on every restore, "wrong map").
   */
  fields: Array<{ slot: Uint32Array; age: Float64Array; ttl: Uint32Array; text: Int32Array }>;
  /** TTLs (epoch seconds) of the items the facts came from; +Infinity: an item without one. */
  ttl: Float64Array;
  /** Per entry of field 0: the launch time (NaN: none), the launch template and model versions (indexes into `words`, -1: none). */
  launch: { at: Float64Array; lt: Int32Array; mv: Int32Array };
  words: string[];
}

/** The text that sets `field` of `f` as it is (the written form of {@link apply}'s input). */
const textOf = (f: InstanceFacts, field: number): string => {
  if (field === 0) return [f.launchedAt ?? '', f.launchTemplateVersion ?? '', f.modelVersion ?? ''].join(SEP);
  if (field === 2) return f.doomed === undefined ? '' : `${f.doomed.kind === 'interruption-warning' ? 'i' : 'r'}:${f.doomed.at}`;
  return (field === 1 ? f.warming : f.protectedFromScaleIn) ? '1' : '0';
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
  store: Pick<StateStorePort, 'addToSet'>,
  groupName: string,
  instanceId: string,
  facts: FactsWrite,
  nowMs: number,
): Promise<void> => {
  const entries = packedFactsEntries(instanceId, facts, nowMs);
  if (entries.length === 0) return;
  await store.addToSet(groupPk(groupName), packedFactsSk(nowMs, instanceId), PACKED_FACTS_SET, entries, packedFactsExpiry(nowMs));
};
