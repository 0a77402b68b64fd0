import type { QueryPartitionOptions, StateRecord, StateStorePort } from '../aws/state-store';

/**
 * An in-memory {@link StateStorePort} with the same conditional semantics as the DynamoDB adapter
 * (and TTL applied on read against the given clock). Used by handler tests and the fleet simulator.
 *
 * @example
 * ```ts
 * const store = new MemoryStateStore(() => simulatedNow);
 * await store.putIfAbsent({ pk: 'instance#i-1', sk: 'lifecycle#launch', version: 1, data: {} }); // true
 * ```
 */
export class MemoryStateStore implements StateStorePort {
  private readonly items = new Map<string, Record<string, unknown>>();
  /** Number of calls per operation, for API-call accounting in tests and benchmarks. */
  public readonly calls = new Map<string, number>();

  public constructor(private readonly clock: () => number = Date.now) {}

  private key(pk: string, sk: string): string {
    return `${pk}\u0000${sk}`;
  }

  private count(op: string): void {
    this.calls.set(op, (this.calls.get(op) ?? 0) + 1);
  }

  private live(item: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
    if (!item) return undefined;
    const exp = item.expiresAt;
    return typeof exp === 'number' && exp * 1000 <= this.clock() ? undefined : item;
  }

  public async get(pk: string, sk: string): Promise<StateRecord | undefined> {
    this.count('GetItem');
    const item = this.live(this.items.get(this.key(pk, sk)));
    return item ? (structuredClone(item) as unknown as StateRecord) : undefined;
  }

  public async getMany(keys: ReadonlyArray<{ pk: string; sk: string }>): Promise<StateRecord[]> {
    const out: StateRecord[] = [];
    for (let i = 0; i < keys.length; i += 100) {
      this.count('BatchGetItem');
      for (const k of keys.slice(i, i + 100)) {
        const item = this.live(this.items.get(this.key(k.pk, k.sk)));
        if (item) out.push(structuredClone(item) as unknown as StateRecord);
      }
    }
    return out;
  }

  public async putIfAbsent(record: StateRecord): Promise<boolean> {
    this.count('PutItem');
    if (this.live(this.items.get(this.key(record.pk, record.sk)))) return false;
    this.items.set(this.key(record.pk, record.sk), structuredClone({ ...record }) as Record<string, unknown>);
    return true;
  }

  public async putIfVersion(record: StateRecord, expectedVersion: number): Promise<boolean> {
    this.count('PutItem');
    const current = this.live(this.items.get(this.key(record.pk, record.sk)));
    if (!current || current.version !== expectedVersion) return false;
    this.items.set(this.key(record.pk, record.sk), structuredClone({ ...record, version: expectedVersion + 1 }) as Record<string, unknown>);
    return true;
  }

  public async delete(pk: string, sk: string): Promise<void> {
    this.count('DeleteItem');
    this.items.delete(this.key(pk, sk));
  }

  public async setAttributes(pk: string, sk: string, attributes: Readonly<Record<string, unknown>>, expiresAt?: number): Promise<void> {
    this.count('UpdateItem');
    const k = this.key(pk, sk);
    const current = this.live(this.items.get(k)) ?? { pk, sk };
    this.items.set(k, structuredClone({ ...current, ...attributes, ...(expiresAt === undefined ? {} : { expiresAt }), pk, sk }));
  }

  public async queryPartition(pk: string, options: QueryPartitionOptions = {}): Promise<Array<Record<string, unknown>>> {
    this.count('Query');
    const out: Array<Record<string, unknown>> = [];
    for (const item of this.items.values()) {
      if (item.pk !== pk || !this.live(item)) continue;
      if (options.skPrefix && !String(item.sk).startsWith(options.skPrefix)) continue;
      if (!options.skPrefix && options.skFrom !== undefined && String(item.sk) < options.skFrom) continue;
      out.push(structuredClone(item));
    }
    return out.sort((a, b) => String(a.sk).localeCompare(String(b.sk)));
  }

  /** Every live item (for assertions and the simulator's report). */
  public dump(): Array<Record<string, unknown>> {
    return [...this.items.values()].filter((i) => this.live(i)).map((i) => structuredClone(i));
  }
}
