/**
 * The lifecycle half of the reconcile sweep: for every opted-in group, every instance waiting on a
 * lifecycle hook gets heartbeats, a timeout, or its lost event repaired (shared/policy/warmup-sweep.ts).
 * Bounded: at most `maxInstances` instances per run; what is left is reported for the next run.
 * Isolated: a failing group or instance is reported and the others still run.
 */
import type { AutoScalingPort, LifecycleHookSummary } from '../aws/auto-scaling';
import { resolveProfile } from '../config/index';
import type { HandlerOutcome } from '../middleware/stack';
import { decideSweep, type SweepDecision, WAIT_STATES } from '../policy/warmup-sweep';
import type { LifecycleDeps } from './deps';
import { executeLifecycle, loadLifecycle } from './execute';
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
            hooks: groupHooks,
            stored,
            documents: deps.documents,
            sweepIntervalMs,
            now,
          };
          let decision: SweepDecision = decideSweep(input);
          if (decision.kind === 'query-command') {
            const invocation = await deps.ssm.getCommandInvocation(decision.commandId, instance.instanceId);
            // SSM no longer knows a command sent two sweeps ago: it was never delivered.
            decision = decideSweep({ ...input, commandStatus: invocation?.status ?? 'Undeliverable' });
          }
          const outcome =
            decision.kind === 'query-command'
              ? { outcome: 'in-progress', reason: decision.reason }
              : await executeLifecycle(deps, decision, stored, optIn.profile.notifications);
          counts[outcome.outcome] = (counts[outcome.outcome] ?? 0) + 1;
          if (outcome.outcome !== 'in-progress' && decisions.length < MAX_REPORTED) {
            decisions.push({ ...outcome, group: group.name, instanceId: instance.instanceId });
          }
        } catch (error) {
          failures.push(toFailure(`${group.name}/${instance.instanceId}`, error));
        }
      }
    } catch (error) {
      failures.push(toFailure(group.name, error));
    }
  }
  return {
    name: 'lifecycle',
    summary: { groups: groups.length, waiting, handled, leftForNextRun: left, outcomes: counts, decisions },
    failures,
  };
};
