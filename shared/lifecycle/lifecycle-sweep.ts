/**
 * The lifecycle half of the reconcile sweep: for every opted-in group, every instance waiting on a
 * lifecycle hook gets heartbeats, a timeout, or its lost event repaired (shared/policy/warmup-sweep.ts).
 * Bounded: at most `maxInstances` instances per run; what is left is reported for the next run.
 * Isolated: a failing group or instance is reported and the others still run.
 *
 * Completions the sweep starts itself (timeouts, lost results, lost hook events of a disabled step)
 * are registered first in one item, `sweep#lifecycle` / `completions`: once CompleteLifecycleAction
 * took effect the instance no longer waits, so the walk over waiting instances would never see a
 * completion interrupted after it (notification or final write failed). Each run reads that item
 * (one GetItem) and resumes its stale `completing` records whatever the instance's state; an entry
 * leaves the item when its record is final. Completions started by events are finished by the
 * event's Lambda retry (then its dead-letter redrive) instead: visiting every InService or
 * terminated instance for a `completing` record would cost a read per instance per minute.
 */
import { modelVersionOf } from './hook-event';
import type { AutoScalingPort, LifecycleHookSummary } from '../aws/auto-scaling';
import type { StateStorePort } from '../aws/state-store';
import { resolveProfile } from '../config/index';
import type { HandlerOutcome } from '../middleware/stack';
import { decideExisting, type LifecycleDecision } from '../policy/warmup-lifecycle';
import { decideSweep, type SweepDecision, WAIT_STATES } from '../policy/warmup-sweep';
import { isClaimStale, LIFECYCLE_TTL_SECONDS, type LifecyclePhase } from '../state/lifecycle-record';
import type { LifecycleDeps } from './deps';
import { DEFAULT_NOTIFICATION_SETTINGS, executeLifecycle, loadLifecycle } from './execute';
import { type SweepFailure, type SweepReport, toFailure } from './sweep-runner';

/** The schedule's period (serverless.yml: `rate(1 minute)`). */
export const SWEEP_INTERVAL_MS = 60_000;

/** Most waiting instances handled per run (each costs a few API calls; the function has 60 s). */
export const MAX_INSTANCES_PER_SWEEP = 50;

/** Most per-instance decisions kept in the report (the log line stays small). */
const MAX_REPORTED = 20;

/**
 * Lifecycle hooks per group, read with DescribeLifecycleHooks once per cold start (refreshed after
 * `ttlMs`, so a changed heartbeat timeout is seen within that time).
 */
export class HookCache {
  private readonly cache = new Map<string, { at: number; hooks: LifecycleHookSummary[] }>();

  public constructor(
    private readonly port: AutoScalingPort,
    private readonly ttlMs = 15 * 60_000,
    private readonly clock: () => number = Date.now,
  ) {}

  public async get(groupName: string): Promise<LifecycleHookSummary[]> {
    const hit = this.cache.get(groupName);
    if (hit && this.clock() - hit.at < this.ttlMs) return hit.hooks;
    const hooks = await this.port.describeLifecycleHooks(groupName);
    this.cache.set(groupName, { at: this.clock(), hooks });
    return hooks;
  }
}

/** Key of the item listing the completions the sweep started and has not seen final yet. */
export const SWEEP_COMPLETIONS_KEY = { pk: 'sweep#lifecycle', sk: 'completions' } as const;

interface PendingCompletion {
  instanceId: string;
  phase: LifecyclePhase;
  group: string;
}

const entryKey = (e: Pick<PendingCompletion, 'instanceId' | 'phase'>): string => `${e.instanceId}|${e.phase}`;

/** How often a write of the list is retried on a fresh copy when another sweep changed it meanwhile. */
const LIST_WRITE_ATTEMPTS = 3;

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
class PendingCompletions {
  private changed = false;
  private readonly added = new Map<string, PendingCompletion>();
  private readonly removed = new Set<string>();

  private constructor(
    private readonly store: StateStorePort,
    private version: number | undefined,
    public entries: Map<string, PendingCompletion>,
  ) {}

  public static async load(store: StateStorePort): Promise<PendingCompletions> {
    const rec = await store.get(SWEEP_COMPLETIONS_KEY.pk, SWEEP_COMPLETIONS_KEY.sk);
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
  public async add(entry: PendingCompletion, now: number): Promise<boolean> {
    const k = entryKey(entry);
    this.added.set(k, entry);
    this.removed.delete(k);
    if (this.entries.has(k)) return true;
    this.entries.set(k, entry);
    return this.write(now);
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

/** True for a decision that answers a lifecycle action (the sweep registers it first). */
const completes = (d: SweepDecision): boolean => d.kind === 'complete' || (d.kind === 'create' && d.work.status === 'completing');

/** Outcomes after which the record is final (or another invocation owns it): the entry can go. */
const SETTLED = new Set(['completed', 'abandoned', 'already-done', 'finished', 'observed', 'recorded', 'skipped', 'duplicate']);

/** Options of one run. */
export interface LifecycleSweepOptions {
  maxInstances?: number;
  sweepIntervalMs?: number;
}

/**
 * One lifecycle sweep over every group carrying the opt-in tag.
 *
 * @example
 * ```ts
 * const report = await runLifecycleSweep(deps, new HookCache(deps.autoScaling), Date.now());
 * report.summary; // { groups: 3, waiting: 4, handled: 4, leftForNextRun: 0, outcomes: { heartbeat: 2, skipped: 2 } }
 * ```
 */
export const runLifecycleSweep = async (
  deps: LifecycleDeps,
  hooks: HookCache,
  now: number,
  options: LifecycleSweepOptions = {},
): Promise<SweepReport> => {
  const maxInstances = options.maxInstances ?? MAX_INSTANCES_PER_SWEEP;
  const sweepIntervalMs = options.sweepIntervalMs ?? SWEEP_INTERVAL_MS;
  const config = deps.config();
  const groups = await deps.autoScaling.describeGroupsByTagKey(config.optInTagKey);
  const failures: SweepFailure[] = [];
  const decisions: HandlerOutcome[] = [];
  const counts: Record<string, number> = {};
  let waiting = 0;
  let handled = 0;
  let left = 0;
  /** Another run kept changing the pending-completions list: this one left work to it (not a failure). */
  let yielded = false;
  const count = (outcome: HandlerOutcome, group: string, instanceId: string) => {
    counts[outcome.outcome] = (counts[outcome.outcome] ?? 0) + 1;
    if (outcome.outcome !== 'in-progress' && decisions.length < MAX_REPORTED) decisions.push({ ...outcome, group, instanceId });
  };

  // Completions this sweep started earlier and did not see final (the instance may no longer wait).
  let pending: PendingCompletions;
  try {
    pending = await PendingCompletions.load(deps.store);
  } catch (error) {
    failures.push(toFailure('pending completions', error));
    return { name: 'lifecycle', summary: { groups: groups.length, waiting, handled, leftForNextRun: left, outcomes: counts, decisions }, failures };
  }
  for (const entry of [...pending.entries.values()]) {
    try {
      const stored = await loadLifecycle(deps.store, entry.instanceId, entry.phase);
      if (stored?.work.status !== 'completing') {
        pending.remove(entry);
        continue;
      }
      if (!isClaimStale(stored.work, now)) continue;
      const decision: LifecycleDecision = decideExisting(stored, { hookName: stored.work.hookName ?? '' }, now, () => undefined);
      const group = groups.find((g) => g.name === entry.group);
      const optIn = group ? resolveProfile(config, group.tags) : undefined;
      const outcome = await executeLifecycle(deps, decision, stored, optIn?.optedIn ? optIn.profile.notifications : DEFAULT_NOTIFICATION_SETTINGS);
      if (SETTLED.has(outcome.outcome)) pending.remove(entry);
      count(outcome, entry.group, entry.instanceId);
    } catch (error) {
      failures.push(toFailure(`${entry.group}/${entry.instanceId} (interrupted completion)`, error));
    }
  }

  for (const group of groups) {
    try {
      const optIn = resolveProfile(config, group.tags);
      const waiters = group.instances.filter((i) => WAIT_STATES[i.lifecycleState] !== undefined);
      waiting += waiters.length;
      if (!optIn.optedIn || waiters.length === 0) continue;
      const budget = Math.max(0, maxInstances - handled);
      left += Math.max(0, waiters.length - budget);
      if (budget === 0) continue;
      const groupHooks = await hooks.get(group.name);
      for (const instance of waiters.slice(0, budget)) {
        handled += 1;
        try {
          const phase = WAIT_STATES[instance.lifecycleState] ?? 'launch';
          const stored = await loadLifecycle(deps.store, instance.instanceId, phase);
          const input = {
            groupName: group.name,
            instanceId: instance.instanceId,
            lifecycleState: instance.lifecycleState,
            optIn,
            ownHooks: config.ownHooks,
            hooks: groupHooks,
            stored,
            documents: deps.documents,
            sweepIntervalMs,
            now,
          };
          let decision: SweepDecision = decideSweep(input);
          if (decision.kind === 'probe-action') {
            // A heartbeat by instance id: answered only if our hook holds an action for the instance now.
            const answer = await deps.autoScaling.recordLifecycleActionHeartbeat({ groupName: group.name, hookName: decision.hookName, instanceId: instance.instanceId });
            decision = decideSweep({ ...input, actionOpen: answer === 'done' });
          }
          if (decision.kind === 'query-command') {
            const invocation = await deps.ssm.getCommandInvocation(decision.commandId, instance.instanceId);
            // SSM no longer knows a command sent two sweeps ago: it was never delivered.
            decision = decideSweep({ ...input, commandStatus: invocation?.status ?? 'Undeliverable' });
          }
          const entry = { instanceId: instance.instanceId, phase, group: group.name };
          if (completes(decision) && !(await pending.add(entry, now))) {
            // Other runs keep changing the list: they are sweeping the same instances; leave them to it.
            yielded = true;
            count({ outcome: 'yielded', reason: 'another reconcile run is sweeping: left to it' }, group.name, instance.instanceId);
            continue;
          }
          const outcome =
            decision.kind === 'query-command' || decision.kind === 'probe-action'
              ? { outcome: 'in-progress', reason: decision.reason }
              : await executeLifecycle(
                  deps,
                  decision,
                  stored,
                  optIn.profile.notifications,
                  now,
                  modelVersionOf(group.tags, optIn.profile.termination.modelVersionTagKey),
                );
          if (completes(decision) && SETTLED.has(outcome.outcome)) pending.remove(entry);
          count(outcome, group.name, instance.instanceId);
        } catch (error) {
          failures.push(toFailure(`${group.name}/${instance.instanceId}`, error));
        }
      }
    } catch (error) {
      failures.push(toFailure(group.name, error));
    }
  }
  try {
    if (!(await pending.flush(now))) yielded = true;
  } catch (error) {
    failures.push(toFailure('pending completions', error));
  }
  return {
    name: 'lifecycle',
    summary: { groups: groups.length, waiting, handled, leftForNextRun: left, outcomes: counts, decisions, ...(yielded ? { yielded: true } : {}) },
    failures,
  };
};
