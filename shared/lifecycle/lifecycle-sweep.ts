/**
 * The lifecycle half of the reconcile sweep: for every opted-in group, every instance waiting on a
 * lifecycle hook gets heartbeats, a timeout, or its lost event repaired (shared/lifecycle/policy/sweep-decision.ts).
 * Every waiting instance is read each run (one GetItem, `concurrency` in flight), so every one is
 * decided every minute; the actions that are due (heartbeat, timeout, repair) run in the order their
 * lifecycle action would lapse, `concurrency` at a time, within a time budget and `maxActions`:
 * what is left is reported, and the next run starts with it because it lapses first.
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
import { isDeepStrictEqual } from 'node:util';
import { modelVersionOf } from './hook-event';
import type { GroupSummary, LifecycleHookSummary } from '../aws/auto-scaling';
import { type StateRecord, toStateRecord } from '../aws/state-store';
import { type OptIn, resolveProfile } from '../config/index';
import { decideExisting, type LifecycleDecision } from './policy/decision';
import { isOwnHook } from './policy/own-hook';
import { planGroupScans, type ScanMemoryEntry, type ScanReason, scanPeriodMs } from './policy/scan-plan';
import { sweepDueAt } from './policy/sweep-priority';
import { decideSweep, type SweepDecision, type SweepInput, WAIT_STATES } from './policy/sweep-decision';
import { isClaimStale, type LifecyclePhase, type StoredLifecycle } from './record';
import { forEachBounded } from './bounded';
import { decodeScanMemory, LIST_WRITE_ATTEMPTS, PendingCompletions, SWEEP_COMPLETIONS_KEY, SWEEP_SCAN_KEY, writeScanMemory } from './sweep-memory';
import type { LifecycleDeps } from './deps';
import { DEFAULT_NOTIFICATION_SETTINGS, executeLifecycle, type LifecycleOutcome, loadLifecycle, outcomeOf } from './execute';
import { type SweepFailure, type SweepReport, toFailure } from '../runtime/sweep-runner';

import { HookCache } from './hook-cache';
import {
  DEFAULT_SCAN_PERIOD_MS,
  GROUPS_PER_SCAN_READ,
  MAX_ACTIONS_PER_SWEEP,
  MAX_PUSHBACK,
  MAX_REPORTED,
  MAX_SCANS_PER_RUN,
  MAX_STATUS_READS_PER_SWEEP,
  rotation,
  SWEEP_CONCURRENCY,
  SWEEP_INTERVAL_MS,
  SWEEP_TIME_BUDGET_MS,
} from './sweep-limits';

export { HookCache };

/** `desired/min/max`: what the listing without instances shows of launches and terminations. */
const signatureOf = (g: GroupSummary): string => `${g.desiredCapacity}/${g.minSize}/${g.maxSize}`;

/** True for a decision that answers a lifecycle action (the sweep registers it first). */
const completes = (d: SweepDecision): boolean => d.kind === 'complete' || (d.kind === 'create' && d.work.status === 'completing');

/** Outcomes after which the record is final (or another invocation owns it): the entry can go. */
const SETTLED = new Set(['completed', 'abandoned', 'already-done', 'finished', 'observed', 'recorded', 'skipped', 'duplicate']);

/** Options of one run. */
export interface LifecycleSweepOptions {
  maxActions?: number;
  /** Most command-status reads (GetCommandInvocation) per run. */
  maxStatusReads?: number;
  concurrency?: number;
  sweepIntervalMs?: number;
  timeBudgetMs?: number;
  /** Wall clock for the time budget (the decisions use `now`). */
  clock?: () => number;
  /** Groups read with instances per run beyond waiting/changed ones ({@link MAX_SCANS_PER_RUN}). */
  maxScans?: number;
  /** {@link DEFAULT_SCAN_PERIOD_MS}. */
  scanPeriodMs?: number;
  /** {@link GROUPS_PER_SCAN_READ}. */
  groupsPerRead?: number;
  /** The opted-in groups as already listed without instances by the caller (reconcile lists once for every sweep). */
  listing?: readonly GroupSummary[];
  /**
   * What this run does (docs/adr/0008): `all` (default) plans and works every group itself; `plan`
   * resumes interrupted completions and plans, and returns the groups to read in `scan` for the caller
   * to fan out; `groups` works only the groups named (a fan-out worker), `read` holding them already
   * read with their instances when the caller has them.
   */
  scope?: { kind: 'all' } | { kind: 'plan' } | { kind: 'groups'; names: readonly string[]; read?: readonly GroupSummary[] };
}

/** A lifecycle sweep's report; a `plan` run names the groups it would read. */
export interface LifecycleSweepReport extends SweepReport {
  scan?: Array<{ name: string; reason: ScanReason }>;
}

/** One instance waiting on a hook of an opted-in group. */
interface Waiter {
  group: GroupSummary;
  optIn: OptIn;
  instanceId: string;
  lifecycleState: string;
  phase: LifecyclePhase;
}

/** A waiter with something to do, and when its lifecycle action lapses if nothing is done. */
interface Planned {
  waiter: Waiter;
  input: SweepInput;
  stored: StoredLifecycle | undefined;
  decision: SweepDecision;
  dueAt: number;
}

/** Writes the scan memory; a failure is reported, never thrown (the memory only guides the next run). */
const saveScanMemory = async (failures: SweepFailure[], write: () => Promise<unknown>): Promise<void> => {
  try {
    await write();
  } catch (error) {
    failures.push(toFailure('scan memory', error));
  }
};

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
): Promise<LifecycleSweepReport> => {
  const scope = options.scope ?? { kind: 'all' };
  const maxActions = options.maxActions ?? MAX_ACTIONS_PER_SWEEP;
  const maxStatusReads = options.maxStatusReads ?? MAX_STATUS_READS_PER_SWEEP;
  const concurrency = options.concurrency ?? SWEEP_CONCURRENCY;
  const sweepIntervalMs = options.sweepIntervalMs ?? SWEEP_INTERVAL_MS;
  const clock = options.clock ?? Date.now;
  const budget = options.timeBudgetMs ?? SWEEP_TIME_BUDGET_MS;
  const startedAt = clock();
  const stopReadingAt = startedAt + budget * 0.6;
  const stopActingAt = startedAt + budget * 0.75;
  const config = deps.config();
  // The opted-in groups without their instances: small, whatever the fleet (docs/adr/0006).
  const groups = options.listing ?? (await deps.autoScaling.describeGroupsByTagKey(config.optInTagKey, { includeInstances: false }));
  const failures: SweepFailure[] = [];
  const decisions: LifecycleOutcome[] = [];
  const counts: Record<string, number> = {};
  let waiting = 0;
  let handled = 0;
  let left = 0;
  /** Another run kept changing the pending-completions list: this one left work to it (not a failure). */
  let yielded = false;
  const count = (outcome: LifecycleOutcome, group: string, instanceId: string) => {
    counts[outcome.outcome] = (counts[outcome.outcome] ?? 0) + 1;
    if (outcome.outcome !== 'in-progress' && decisions.length < MAX_REPORTED) decisions.push({ ...outcome, group, instanceId });
  };

  // The sweep's own items share one partition: the completions it started earlier and did not see
  // final (the instance may no longer wait), and the scan memory. One strongly consistent Query reads
  // both (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_Query.html, ConsistentRead):
  // the versions read are what the conditional writes below rely on.
  let pending: PendingCompletions;
  let scanRecord: StateRecord | undefined;
  try {
    const items = (await deps.store.queryPartition(SWEEP_COMPLETIONS_KEY.pk, { consistent: true })).map(toStateRecord);
    pending = PendingCompletions.from(
      deps.store,
      items.find((r) => r.sk === SWEEP_COMPLETIONS_KEY.sk),
    );
    scanRecord = items.find((r) => r.sk === SWEEP_SCAN_KEY.sk);
  } catch (error) {
    failures.push(toFailure('pending completions', error));
    return { name: 'lifecycle', summary: { groups: groups.length, waiting, handled, leftForNextRun: left, outcomes: counts, decisions }, failures };
  }
  // Interrupted completions are resumed by the run that sees every group (a worker leaves them to it).
  for (const entry of scope.kind === 'groups' ? [] : [...pending.entries.values()]) {
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
      const outcome = outcomeOf(
        await executeLifecycle({ deps, decision, stored, settings: optIn?.optedIn ? optIn.profile.notifications : DEFAULT_NOTIFICATION_SETTINGS }),
      );
      if (SETTLED.has(outcome.outcome)) pending.remove(entry);
      count(outcome, entry.group, entry.instanceId);
    } catch (error) {
      failures.push(toFailure(`${entry.group}/${entry.instanceId} (interrupted completion)`, error));
    }
  }

  // Which opted-in groups to read with their instances this run (pure plan over the scan memory).
  const optInOf = new Map<string, OptIn>();
  for (const group of groups) {
    const optIn = resolveProfile(config, group.tags);
    if (optIn.optedIn) optInOf.set(group.name, optIn);
  }
  const listed = groups.filter((g) => optInOf.has(g.name));
  const memory = decodeScanMemory(scanRecord?.data);
  const memoryPlan = planGroupScans({
    now,
    groups: listed.map((g) => ({ name: g.name, signature: signatureOf(g) })),
    memory,
    defaultPeriodMs: options.scanPeriodMs ?? DEFAULT_SCAN_PERIOD_MS,
    sweepIntervalMs,
    maxGroups: options.maxScans ?? MAX_SCANS_PER_RUN,
  });
  // A worker reads the groups it was given, whatever the memory says (the tick planned them).
  const plan =
    scope.kind === 'groups'
      ? {
          scan: scope.names
            .filter((n) => optInOf.has(n))
            .map((name) => ({ name, reason: memoryPlan.scan.find((p) => p.name === name)?.reason ?? ('due' as const) })),
          deferred: 0,
        }
      : memoryPlan;
  const reasons: Partial<Record<ScanReason, number>> = {};
  for (const p of plan.scan) reasons[p.reason] = (reasons[p.reason] ?? 0) + 1;
  if (scope.kind === 'plan') {
    try {
      if (!(await pending.flush(now))) yielded = true;
    } catch (error) {
      failures.push(toFailure('pending completions', error));
    }
    // The memory forgets groups no longer listed (the workers only ever add to it).
    const kept = Object.fromEntries(Object.entries(memory).filter(([name]) => optInOf.has(name)));
    if (scanRecord && !isDeepStrictEqual(kept, memory)) await saveScanMemory(failures, () => writeScanMemory(deps.store, scanRecord, kept, now, {}, 1));
    return {
      name: 'lifecycle',
      summary: {
        groups: groups.length,
        planned: plan.scan.length,
        scanReasons: reasons,
        scansDeferred: plan.deferred,
        outcomes: counts,
        decisions,
        ...(yielded ? { yielded: true } : {}),
      },
      failures,
      scan: plan.scan,
    };
  }

  // Every waiting instance of the groups read, a few groups per call; their instance lists are
  // dropped once the waiters are picked out (only the waiters stay in memory).
  const waiters: Waiter[] = [];
  const scanned = new Map<string, { group: GroupSummary; waiting: number }>();
  const perRead = options.groupsPerRead ?? GROUPS_PER_SCAN_READ;
  for (let i = 0; i < plan.scan.length; i += perRead) {
    const names = plan.scan.slice(i, i + perRead).map((p) => p.name);
    let read: readonly GroupSummary[];
    try {
      read = scope.kind === 'groups' && scope.read ? scope.read.filter((g) => names.includes(g.name)) : await deps.autoScaling.describeGroups(names);
    } catch (error) {
      failures.push(toFailure(names.join(', '), error));
      continue;
    }
    for (const full of read) {
      const optIn = optInOf.get(full.name);
      if (!optIn) continue;
      const group: GroupSummary = { ...full, instances: [] };
      let groupWaiting = 0;
      for (const instance of full.instances) {
        const phase = WAIT_STATES[instance.lifecycleState];
        if (phase === undefined) continue;
        groupWaiting += 1;
        waiters.push({ group, optIn, instanceId: instance.instanceId, lifecycleState: instance.lifecycleState, phase });
      }
      waiting += groupWaiting;
      scanned.set(full.name, { group, waiting: groupWaiting });
    }
  }

  // Hooks of the groups that have waiters (cached per cold start), a bounded number at a time.
  const hooksOf = new Map<string, LifecycleHookSummary[]>();
  const groupsWithWaiters = [...new Set(waiters.map((w) => w.group.name))];
  await forEachBounded(groupsWithWaiters, concurrency, async (name) => {
    try {
      hooksOf.set(name, await hooks.get(name));
    } catch (error) {
      failures.push(toFailure(name, error));
    }
  });

  // Read every waiter's record (one GetItem each, `concurrency` in flight) and decide (pure).
  const planned: Planned[] = [];
  // Each minute starts reading at another place: if the budget cuts the reads short, other waiters are left.
  const known = waiters.filter((w) => hooksOf.has(w.group.name));
  const offset = known.length === 0 ? 0 : (Math.floor(now / sweepIntervalMs) * 7919) % known.length;
  const readable = [...known.slice(offset), ...known.slice(0, offset)];
  const read = await forEachBounded(
    readable,
    concurrency,
    async (w) => {
      try {
        const stored = await loadLifecycle(deps.store, w.instanceId, w.phase);
        const input: SweepInput = {
          groupName: w.group.name,
          instanceId: w.instanceId,
          lifecycleState: w.lifecycleState,
          optIn: w.optIn,
          ownHooks: config.ownHooks,
          hooks: hooksOf.get(w.group.name) ?? [],
          stored,
          documents: deps.documents,
          sweepIntervalMs,
          now,
        };
        const decision = decideSweep(input);
        handled += 1;
        if (decision.kind === 'skip') {
          count({ outcome: decision.outcome, reason: decision.reason }, w.group.name, w.instanceId);
          return;
        }
        planned.push({ waiter: w, input, stored, decision, dueAt: sweepDueAt(input) });
      } catch (error) {
        failures.push(toFailure(`${w.group.name}/${w.instanceId}`, error));
      }
    },
    () => clock() < stopReadingAt,
  );
  left += readable.length - read;

  // Status reads (a repair for lost result events) are bounded per run and rotate; a waiter whose
  // read waits for a later run is decided as if its command still ran (heartbeat if due).
  const reads = planned.filter((p) => p.decision.kind === 'query-command');
  reads.sort((a, b) => rotation(a.waiter.instanceId, now, sweepIntervalMs) - rotation(b.waiter.instanceId, now, sweepIntervalMs));
  for (const p of reads.slice(maxStatusReads)) {
    const decision = decideSweep({ ...p.input, commandStatus: 'InProgress' });
    if (decision.kind === 'skip') {
      planned.splice(planned.indexOf(p), 1);
      count({ outcome: decision.outcome, reason: `${decision.reason} (status read left for a later run)` }, p.waiter.group.name, p.waiter.instanceId);
    } else p.decision = decision;
  }

  // Act on what is due, the action that lapses first going first: a run that cannot do everything
  // (time budget, `maxActions`, AWS pushing back) leaves the latest-lapsing for the next run, never the same ones.
  planned.sort((a, b) => a.dueAt - b.dueAt || a.waiter.instanceId.localeCompare(b.waiter.instanceId));
  const act = planned.slice(0, maxActions);
  left += planned.length - act.length;
  // Throttling or 5xx answers mean AWS is pushing back: after a few, no new action starts this run.
  let pushback = 0;
  /** Groups an instance of which this run moved out of its wait state. */
  const settledIn = new Set<string>();
  const acted = await forEachBounded(
    act,
    concurrency,
    async ({ waiter: w, input, stored, decision: first }) => {
      try {
        let decision: SweepDecision = first;
        if (decision.kind === 'probe-action') {
          // A heartbeat by instance id: answered only if our hook holds an action for the instance now.
          const answer = await deps.autoScaling.recordLifecycleActionHeartbeat({
            groupName: w.group.name,
            hookName: decision.hookName,
            instanceId: w.instanceId,
          });
          decision = decideSweep({ ...input, actionOpen: answer === 'done' });
        }
        if (decision.kind === 'query-command') {
          const invocation = await deps.ssm.getCommandInvocation(decision.commandId, w.instanceId);
          // SSM no longer knows a command sent two sweeps ago: it was never delivered.
          decision = decideSweep({ ...input, commandStatus: invocation?.status ?? 'Undeliverable' });
        }
        const entry = { instanceId: w.instanceId, phase: w.phase, group: w.group.name };
        if (completes(decision) && !(await pending.add(entry, now))) {
          // Other runs keep changing the list: they are sweeping the same instances; leave them to it.
          yielded = true;
          count({ outcome: 'yielded', reason: 'another reconcile run is sweeping: left to it' }, w.group.name, w.instanceId);
          return;
        }
        const outcome =
          decision.kind === 'query-command' || decision.kind === 'probe-action'
            ? { outcome: 'in-progress', reason: decision.reason }
            : outcomeOf(
                await executeLifecycle({
                  deps,
                  decision,
                  stored,
                  settings: w.optIn.optedIn ? w.optIn.profile.notifications : DEFAULT_NOTIFICATION_SETTINGS,
                  launchedAt: now,
                  ...(w.optIn.optedIn ? { modelVersion: modelVersionOf(w.group.tags, w.optIn.profile.termination.modelVersionTagKey) } : {}),
                  ...(w.group.launchTemplateVersion ? { launchTemplateVersion: w.group.launchTemplateVersion } : {}),
                }),
              );
        if (completes(decision) && SETTLED.has(outcome.outcome)) {
          pending.remove(entry);
          settledIn.add(w.group.name);
        }
        count(outcome, w.group.name, w.instanceId);
      } catch (error) {
        const failure = toFailure(`${w.group.name}/${w.instanceId}`, error);
        if (failure.retryable) pushback += 1;
        failures.push(failure);
      }
    },
    () => clock() < stopActingAt && pushback < MAX_PUSHBACK,
  );
  left += act.length - acted;
  try {
    if (!(await pending.flush(now))) yielded = true;
  } catch (error) {
    failures.push(toFailure('pending completions', error));
  }
  // The groups this run changed are read again: a completed action moves its instance out of the wait
  // state (CONTINUE: in service; ABANDON or a terminate hook: terminated, and Auto Scaling then works
  // towards its desired capacity again), https://docs.aws.amazon.com/autoscaling/ec2/userguide/completing-lifecycle-hooks.html
  // and https://docs.aws.amazon.com/autoscaling/ec2/userguide/lifecycle-hooks-overview.html. The memory
  // then holds the group as the next run will find it, not as it was before this run acted, so a retry
  // after a failed run leaves the same memory as a run that never failed. One read per few groups, only
  // on runs that completed something.
  const changed = [...settledIn];
  for (let i = 0; i < changed.length; i += perRead) {
    const names = changed.slice(i, i + perRead);
    try {
      for (const full of await deps.autoScaling.describeGroups(names)) {
        if (!scanned.has(full.name)) continue;
        scanned.set(full.name, {
          group: { ...full, instances: [] },
          waiting: full.instances.filter((x) => WAIT_STATES[x.lifecycleState] !== undefined).length,
        });
      }
    } catch (error) {
      // The memory keeps the read from before the actions (waiting > 0): the next run reads these groups.
      failures.push(toFailure(`${names.join(', ')} (read after acting)`, error));
    }
  }

  // What this run's reads found, for the next run's plan (a hint: a lost write only reads a group sooner or later).
  const updates: Record<string, ScanMemoryEntry> = {};
  for (const g of listed) {
    const seen = scanned.get(g.name);
    if (!seen) continue;
    const before = memory[g.name];
    const own = (hooksOf.get(g.name) ?? []).filter((h) => isOwnHook(h.name, config.ownHooks)).map((h) => h.heartbeatTimeoutSeconds);
    const periodMs = own.length > 0 ? scanPeriodMs(Math.min(...own), options.scanPeriodMs ?? DEFAULT_SCAN_PERIOD_MS, sweepIntervalMs) : before?.periodMs;
    updates[g.name] = { scannedAt: now, signature: signatureOf(seen.group), waiting: seen.waiting, ...(periodMs === undefined ? {} : { periodMs }) };
  }
  // A run over every group also forgets those no longer listed; a worker only updates its own.
  const base = scope.kind === 'groups' ? memory : Object.fromEntries(Object.entries(memory).filter(([name]) => optInOf.has(name)));
  const nextMemory: Record<string, ScanMemoryEntry> = { ...base, ...updates };

  // Nothing read and nothing gone: no write (a sweep with nothing to do leaves the table as it was).
  // Workers run side by side over one item: a worker whose write finds it changed applies its own
  // groups to a fresh copy; a run over every group yields to an overlapping run that wrote first.
  if (!isDeepStrictEqual(nextMemory, memory)) {
    await saveScanMemory(failures, () => writeScanMemory(deps.store, scanRecord, nextMemory, now, updates, scope.kind === 'groups' ? LIST_WRITE_ATTEMPTS : 1));
  }
  return {
    name: 'lifecycle',
    summary: {
      groups: groups.length,
      scanned: scanned.size,
      scanReasons: reasons,
      scansDeferred: plan.deferred,
      waiting,
      handled,
      leftForNextRun: left,
      outcomes: counts,
      decisions,
      ...(yielded ? { yielded: true } : {}),
    },
    failures,
  };
};
