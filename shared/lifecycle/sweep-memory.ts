/**
 * What the lifecycle sweep remembers between runs, in two items of its own partition: what each
 * group's last read found (the scan memory, docs/adr/0006) and the completions it started and has not
 * seen final yet (shared/lifecycle/lifecycle-sweep.ts says why).
 */
import type { StateRecord, StateStorePort } from '../aws/state-store';
import type { ScanMemoryEntry } from './policy/scan-plan';
import { LIFECYCLE_TTL_SECONDS, type LifecyclePhase } from './record';

/** Key of the item holding what each group's last read found (shared/lifecycle/policy/scan-plan.ts `planGroupScans`). */
export const SWEEP_SCAN_KEY = { pk: 'sweep#lifecycle', sk: 'scan' } as const;

export const decodeScanMemory = (data: Record<string, unknown> | undefined): Record<string, ScanMemoryEntry> => {
  const groups = typeof data?.groups === 'object' && data.groups !== null ? (data.groups as Record<string, unknown>) : {};
  const out: Record<string, ScanMemoryEntry> = {};
  for (const [name, v] of Object.entries(groups)) {
    const e = (typeof v === 'object' && v !== null ? v : {}) as Partial<ScanMemoryEntry>;
    if (typeof e.scannedAt !== 'number' || typeof e.signature !== 'string' || typeof e.waiting !== 'number') continue;
    out[name] = { scannedAt: e.scannedAt, signature: e.signature, waiting: e.waiting, ...(typeof e.periodMs === 'number' ? { periodMs: e.periodMs } : {}) };
  }
  return out;
};

/** Key of the item listing the completions the sweep started and has not seen final yet. */
export const SWEEP_COMPLETIONS_KEY = { pk: 'sweep#lifecycle', sk: 'completions' } as const;

export interface PendingCompletion {
  instanceId: string;
  phase: LifecyclePhase;
  group: string;
}

const entryKey = (e: Pick<PendingCompletion, 'instanceId' | 'phase'>): string => `${e.instanceId}|${e.phase}`;

/** How often a write of the list is retried on a fresh copy when another sweep changed it meanwhile. */
export const LIST_WRITE_ATTEMPTS = 3;

const decodeEntries = (data: Record<string, unknown> | undefined): Map<string, PendingCompletion> => {
  const list = Array.isArray(data?.entries) ? (data.entries as unknown[]) : [];
  const entries = new Map<string, PendingCompletion>();
  for (const e of list) {
    const x = e as Partial<PendingCompletion>;
    if (typeof x.instanceId === 'string' && (x.phase === 'launch' || x.phase === 'terminate') && typeof x.group === 'string') {
      entries.set(entryKey({ instanceId: x.instanceId, phase: x.phase }), { instanceId: x.instanceId, phase: x.phase, group: x.group });
    }
  }
  return entries;
};

/**
 * The sweep's pending completions: read once per run, written before each completion it starts, tidied
 * at the end. Two runs may overlap (a slow run and the next minute's, a duplicate schedule delivery):
 * a write that finds the list changed by the other reads it again and applies its own additions and
 * removals to the fresh copy (the list is a set; the records' conditional claims decide who completes
 * what). Only when that keeps failing does the run yield ({@link add} returns false): no error.
 */
export class PendingCompletions {
  private changed = false;
  private turn: Promise<void> = Promise.resolve();
  private readonly added = new Map<string, PendingCompletion>();
  private readonly removed = new Set<string>();

  private constructor(
    private readonly store: StateStorePort,
    private version: number | undefined,
    public entries: Map<string, PendingCompletion>,
  ) {}

  /** The list as read (absent: none yet). */
  public static from(store: StateStorePort, rec: StateRecord | undefined): PendingCompletions {
    return new PendingCompletions(store, rec?.version, decodeEntries(rec?.data));
  }

  /** Re-reads the list and re-applies this run's own additions and removals. */
  private async refresh(): Promise<void> {
    const rec = await this.store.get(SWEEP_COMPLETIONS_KEY.pk, SWEEP_COMPLETIONS_KEY.sk);
    const fresh = decodeEntries(rec?.data);
    for (const [k, e] of this.added) if (!this.removed.has(k)) fresh.set(k, e);
    for (const k of this.removed) fresh.delete(k);
    this.version = rec?.version;
    this.entries = fresh;
  }

  /** Writes the list; false when other runs kept changing it. */
  private async write(now: number): Promise<boolean> {
    for (let attempt = 0; attempt < LIST_WRITE_ATTEMPTS; attempt += 1) {
      // Never an unconditional delete: it could drop an entry another run has just added. An empty
      // list is written like any other (conditionally) and expires with its TTL.
      if (this.entries.size === 0 && this.version === undefined) {
        this.changed = false;
        return true;
      }
      const record = {
        ...SWEEP_COMPLETIONS_KEY,
        version: (this.version ?? 0) + 1,
        expiresAt: Math.floor(now / 1000) + LIFECYCLE_TTL_SECONDS,
        data: { entries: [...this.entries.values()] },
      };
      const ok = this.version === undefined ? await this.store.putIfAbsent(record) : await this.store.putIfVersion(record, this.version);
      if (ok) {
        this.version = record.version;
        this.changed = false;
        return true;
      }
      await this.refresh();
    }
    return false;
  }

  /**
   * Registers a completion before it is started (so that it is finished even if interrupted after
   * CompleteLifecycleAction). False: other runs kept changing the list; this run yields to them.
   */
  public add(entry: PendingCompletion, now: number): Promise<boolean> {
    // Writes are conditional on the item's version: concurrent actions of one run take turns.
    const turn = this.turn.then(async () => {
      const k = entryKey(entry);
      this.added.set(k, entry);
      this.removed.delete(k);
      if (this.entries.has(k)) return true;
      this.entries.set(k, entry);
      return this.write(now);
    });
    this.turn = turn.then(
      () => undefined,
      () => undefined,
    );
    return turn;
  }

  public remove(entry: Pick<PendingCompletion, 'instanceId' | 'phase'>): void {
    const k = entryKey(entry);
    this.removed.add(k);
    if (this.entries.delete(k)) this.changed = true;
  }

  /** Writes what changed. False: yielded to other runs. */
  public async flush(now: number): Promise<boolean> {
    if (!this.changed) return true;
    return this.write(now);
  }
}

/**
 * Writes the scan memory conditionally on the version read
 * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.ConditionExpressions.html).
 * When another run changed it meanwhile, up to `attempts - 1` times: reads it again and applies
 * `updates` (this run's own groups) to the fresh copy. False: the other runs' memory was kept.
 */
export const writeScanMemory = async (
  store: StateStorePort,
  read: StateRecord | undefined,
  memory: Record<string, ScanMemoryEntry>,
  now: number,
  updates: Record<string, ScanMemoryEntry>,
  attempts: number,
): Promise<boolean> => {
  let current = read;
  let groups = memory;
  for (let attempt = 0; attempt < attempts; attempt += 1) {
    if (attempt > 0) {
      current = await store.get(SWEEP_SCAN_KEY.pk, SWEEP_SCAN_KEY.sk);
      groups = { ...decodeScanMemory(current?.data), ...updates };
    }
    const record = { ...SWEEP_SCAN_KEY, version: (current?.version ?? 0) + 1, expiresAt: Math.floor(now / 1000) + LIFECYCLE_TTL_SECONDS, data: { groups } };
    if (await (current ? store.putIfVersion(record, current.version) : store.putIfAbsent(record))) return true;
  }
  return false;
};
