import type { QueryPartitionOptions, StateRecord, StateStorePort } from '../aws/state-store';

/** How long after its `expiresAt` DynamoDB's TTL deletes an item: "typically within two days". */
export const TTL_DELETION_DELAY_MS = 48 * 3_600_000;

/** Options of {@link MemoryStateStore}. */
export interface MemoryStateStoreOptions {
  /**
   * Time from `expiresAt` to the deletion (default {@link TTL_DELETION_DELAY_MS}). DynamoDB deletes
   * expired items in the background, "typically within two days of expiration … Items that have
   * expired and not been deleted will still show up in reads, queries, and scans" — and in conditions.
   * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/howitworks-ttl.html and
   * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ttl-expired-items.html
   */
  ttlDeletionDelayMs?: number;
}

type Item = Record<string, unknown>;

/** One partition: its items by sort key, and the sort keys in DynamoDB's order (binary, ascending). */
interface Partition {
  items: Map<string, Item>;
  sorted: string[];
}

/**
 * A deep copy of a stored item (DynamoDB hands out fresh values on every read). Items hold plain
 * document values; a hand-written copy of objects and arrays is several times faster than
 * structuredClone on many small items, which the simulator's large groups read every minute.
 */
const copy = <T>(v: T): T => {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map(copy) as T;
  if (Object.getPrototypeOf(v) !== Object.prototype) return structuredClone(v);
  const out: Record<string, unknown> = {};
  for (const k in v) out[k] = copy((v as Record<string, unknown>)[k]);
  return out as T;
};

/** First index whose key is ≥ `key` (sort keys compare as DynamoDB's binary order does for BMP text). */
const lowerBound = (sorted: readonly string[], key: string): number => {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] as string) < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
};

/**
 * An in-memory {@link StateStorePort} with the same conditional semantics as the DynamoDB adapter,
 * TTL deleting lazily (expired items stay readable until the deletion delay passed), and an index by
 * partition, so a Query costs what its partition range holds, not the table. Used by handler tests
 * and the fleet simulator.
 *
 * @example
 * ```ts
 * const store = new MemoryStateStore(() => simulatedNow);
 * await store.putIfAbsent({ pk: 'instance#i-1', sk: 'lifecycle#launch', version: 1, data: {} }); // true
 * ```
 */
export class MemoryStateStore implements StateStorePort {
  private readonly partitions = new Map<string, Partition>();
  private readonly ttlDelayMs: number;
  /** Number of calls per operation, for API-call accounting in tests and benchmarks. */
  public readonly calls = new Map<string, number>();

  public constructor(
    private readonly clock: () => number = Date.now,
    options: MemoryStateStoreOptions = {},
  ) {
    this.ttlDelayMs = options.ttlDeletionDelayMs ?? TTL_DELETION_DELAY_MS;
  }

  private count(op: string): void {
    this.calls.set(op, (this.calls.get(op) ?? 0) + 1);
  }

  /** Whether TTL has deleted the item by now (it expired more than the deletion delay ago). */
  private deleted(item: Item): boolean {
    const exp = item.expiresAt;
    return typeof exp === 'number' && exp * 1000 + this.ttlDelayMs <= this.clock();
  }

  /** The item as a read sees it; TTL's deletion is applied on the way. */
  private read(pk: string, sk: string): Item | undefined {
    const item = this.partitions.get(pk)?.items.get(sk);
    if (!item) return undefined;
    if (!this.deleted(item)) return item;
    this.remove(pk, sk);
    return undefined;
  }

  private write(pk: string, sk: string, item: Item): void {
    let p = this.partitions.get(pk);
    if (!p) {
      p = { items: new Map(), sorted: [] };
      this.partitions.set(pk, p);
    }
    if (!p.items.has(sk)) p.sorted.splice(lowerBound(p.sorted, sk), 0, sk);
    p.items.set(sk, item);
  }

  private remove(pk: string, sk: string): void {
    const p = this.partitions.get(pk);
    if (!p?.items.delete(sk)) return;
    p.sorted.splice(lowerBound(p.sorted, sk), 1);
    if (p.items.size === 0) this.partitions.delete(pk);
  }

  public async get(pk: string, sk: string): Promise<StateRecord | undefined> {
    this.count('GetItem');
    const item = this.read(pk, sk);
    return item ? (copy(item) as unknown as StateRecord) : undefined;
  }

  public async getMany(keys: ReadonlyArray<{ pk: string; sk: string }>): Promise<StateRecord[]> {
    const out: StateRecord[] = [];
    for (let i = 0; i < keys.length; i += 100) {
      this.count('BatchGetItem');
      for (const k of keys.slice(i, i + 100)) {
        const item = this.read(k.pk, k.sk);
        if (item) out.push(copy(item) as unknown as StateRecord);
      }
    }
    return out;
  }

  public async putIfAbsent(record: StateRecord): Promise<boolean> {
    this.count('PutItem');
    if (this.read(record.pk, record.sk)) return false;
    this.write(record.pk, record.sk, copy({ ...record }) as unknown as Item);
    return true;
  }

  public async putIfVersion(record: StateRecord, expectedVersion: number): Promise<boolean> {
    this.count('PutItem');
    const current = this.read(record.pk, record.sk);
    if (!current || current.version !== expectedVersion) return false;
    this.write(record.pk, record.sk, copy({ ...record, version: expectedVersion + 1 }) as unknown as Item);
    return true;
  }

  public async delete(pk: string, sk: string): Promise<void> {
    this.count('DeleteItem');
    this.remove(pk, sk);
  }

  public async setAttributes(pk: string, sk: string, attributes: Readonly<Record<string, unknown>>, expiresAt?: number): Promise<void> {
    this.count('UpdateItem');
    const current = this.read(pk, sk) ?? { pk, sk };
    this.write(pk, sk, copy({ ...current, ...attributes, ...(expiresAt === undefined ? {} : { expiresAt }), pk, sk }));
  }

  public async addToSet(pk: string, sk: string, attribute: string, values: readonly string[], expiresAt?: number): Promise<void> {
    this.count('UpdateItem');
    if (values.length === 0) return;
    const current = this.read(pk, sk) ?? { pk, sk };
    const was = current[attribute];
    // ADD unions into the set (creating it): https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_UpdateItem.html
    const set = new Set<string>(was instanceof Set ? (was as Set<string>) : []);
    for (const v of values) set.add(v);
    this.write(pk, sk, copy({ ...current, [attribute]: set, ...(expiresAt === undefined ? {} : { expiresAt }), pk, sk }));
  }

  public async queryPartition(pk: string, options: QueryPartitionOptions = {}): Promise<Array<Record<string, unknown>>> {
    this.count('Query');
    const p = this.partitions.get(pk);
    if (!p) return [];
    const from = options.skPrefix ?? options.skFrom ?? '';
    const out: Item[] = [];
    const gone: string[] = [];
    for (let k = lowerBound(p.sorted, from); k < p.sorted.length; k += 1) {
      const sk = p.sorted[k] as string;
      if (options.skPrefix && !sk.startsWith(options.skPrefix)) break;
      const item = p.items.get(sk) as Item;
      if (this.deleted(item)) gone.push(sk);
      else out.push(copy(item));
    }
    for (const sk of gone) this.remove(pk, sk);
    return out;
  }

  /** Every item a read would return (for assertions and the simulator's report). */
  public dump(): Array<Record<string, unknown>> {
    return [...this.partitions.values()].flatMap((p) => p.sorted.map((sk) => p.items.get(sk) as Item).filter((i) => !this.deleted(i))).map((i) => copy(i));
  }
}
