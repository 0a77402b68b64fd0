/**
 * One group's share of the reconcile sweep, as a group worker runs it for one queue message
 * (docs/adr/0008): the group is read once with its instances, then its instances waiting on a
 * lifecycle hook get their heartbeats, timeouts or lost events repaired (the lifecycle sweep
 * restricted to this group), and its Spot/On-Demand mix is evaluated when the tick found it not at
 * rest. Failures are classified by the one classifier: a retryable one fails the message (SQS
 * delivers it again, then the dead-letter queue); the others are reported and the message is done.
 */
import type { GroupSummary } from '../aws/auto-scaling';
import type { StateStorePort } from '../aws/state-store';
import { OrchestratorError } from '../errors';
import { type HookCache, runLifecycleSweep } from '../lifecycle/lifecycle-sweep';
import type { LifecycleDeps } from '../lifecycle/deps';
import { type SweepFailure, toFailure } from '../runtime/sweep-runner';
import type { HandlerOutcome } from '../runtime/stack';
import { evaluateMixOf } from '../mix/sweep';
import { renewFactsCheckpoint } from '../state/facts-checkpoint';
import { protectionSnapshot, recordProtection } from '../state/protection';
import type { MixSweepDeps } from '../mix/sweep';
import type { GroupWork } from './policy/group-work';

/** What one group's work did: the lifecycle sweep's summary and the mix's outcome, and what failed. */
export interface GroupSweepOutcome extends HandlerOutcome {
  outcome: 'swept' | 'partial' | 'gone';
  group: string;
  lifecycle?: Record<string, unknown> & { reason: GroupWork['lifecycle'] };
  mix?: { outcome: string; reason: string };
  /** The group's facts checkpoint (shared/state/facts-checkpoint.ts): fresh, written or skipped. */
  checkpoint?: { outcome: string; reason: string };
  /** The group's protection snapshot (shared/state/protection.ts): written or unchanged. */
  protection?: { outcome: string; reason: string };
  failures?: SweepFailure[];
}

/** The ports a group worker needs (the same as the inline reconcile's). */
export interface GroupSweepDeps {
  lifecycle: LifecycleDeps;
  hooks: HookCache;
  mix: MixSweepDeps;
  /** Wall clock of the lifecycle sweep's time budget (default `Date.now`). */
  clock?: () => number;
  /**
   * Where the group's facts checkpoint is kept current (renewed once it is an hour old), and when this
   * container last knew each group's checkpoint read; absent: the worker leaves checkpoints alone.
   */
  checkpoint?: {
    store: Pick<StateStorePort, 'get' | 'queryPartition' | 'setAttributes' | 'delete'>;
    seen: Map<string, number>;
    /** Renewals this invocation may still make (the worker allows one per batch: 4 calls at most); absent: no limit. */
    renewals?: { left: number };
  };
  /**
   * Where the group's scale-in protection, as this read of the group says it, is kept for the
   * termination policy (which reads the group without instances), and per group the snapshot this
   * container last wrote; absent: the worker records no protection.
   */
  protection?: {
    store: Pick<StateStorePort, 'setAttributes'>;
    seen: Map<string, { fingerprint: string; at: number }>;
  };
}

/**
 * Runs one group's work. Throws an `OrchestratorError` with disposition `retry` when a retryable
 * failure happened (after everything else for the group ran).
 *
 * @example
 * ```ts
 * await sweepGroup(deps, { group: 'ml-inference-gpu', lifecycle: 'waiting' }, Date.now());
 * // → { outcome: 'swept', group: 'ml-inference-gpu', lifecycle: { waiting: 2, … } }
 * ```
 */
export const sweepGroup = async (deps: GroupSweepDeps, work: GroupWork, now: number): Promise<GroupSweepOutcome> => {
  // One read with instances serves both halves (https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_DescribeAutoScalingGroups.html).
  const [group]: GroupSummary[] = await deps.lifecycle.autoScaling.describeGroups([work.group]);
  if (!group) return { outcome: 'gone', reason: `group ${work.group} no longer exists`, group: work.group };
  const failures: SweepFailure[] = [];
  const outcome: GroupSweepOutcome = { outcome: 'swept', reason: `group ${group.name} swept`, group: group.name };
  if (work.lifecycle) {
    try {
      const report = await runLifecycleSweep(deps.lifecycle, deps.hooks, now, {
        listing: [group],
        scope: { kind: 'groups', names: [group.name], read: [group] },
        ...(deps.clock ? { clock: deps.clock } : {}),
      });
      failures.push(...report.failures);
      outcome.lifecycle = { reason: work.lifecycle, ...report.summary };
    } catch (error) {
      failures.push(toFailure(`${group.name} (lifecycle)`, error));
    }
  }
  if (work.mix) {
    try {
      const mix = await evaluateMixOf(deps.mix, group, now);
      outcome.mix = { outcome: mix.outcome, reason: mix.reason };
    } catch (error) {
      failures.push(toFailure(`${group.name} (mix)`, error));
    }
  }
  if (deps.protection) {
    // The one instance-level answer that says who is protected, read here anyway: kept for the
    // termination policy, which reads the group without its instances (ADR 0009, sixth amendment).
    try {
      const { store, seen } = deps.protection;
      const recorded = await recordProtection(
        store,
        group.name,
        protectionSnapshot(group.instances, now, group.newInstancesProtectedFromScaleIn === true),
        seen,
      );
      outcome.protection = { outcome: recorded.outcome, reason: recorded.reason };
    } catch (error) {
      // Like the checkpoint: the next sweep of the group writes it; until then the policy uses the
      // snapshot before (or the recorded facts), and Auto Scaling never terminates a protected
      // instance on scale in whatever the answer says.
      failures.push({ ...toFailure(`${group.name} (protection snapshot)`, error), retryable: false });
    }
  }
  if (deps.checkpoint) {
    // Every group comes by at least once per lifecycle scan period: its facts checkpoint is renewed
    // here, off the termination policy's path (a container's first read of the group reads it).
    try {
      const { store, seen, renewals } = deps.checkpoint;
      const renewal = await renewFactsCheckpoint(store, group.name, now, seen, renewals === undefined || renewals.left > 0);
      if (renewal.outcome === 'written' && renewals !== undefined) renewals.left -= 1;
      outcome.checkpoint = { outcome: renewal.outcome, reason: renewal.reason };
    } catch (error) {
      // Not worth the message's redelivery (its lifecycle and mix work is done): the next sweep of
      // the group tries again, and until then a first read reads the older checkpoint and more hours.
      failures.push({ ...toFailure(`${group.name} (facts checkpoint)`, error), retryable: false });
    }
  }
  if (failures.length > 0) {
    outcome.outcome = 'partial';
    outcome.failures = failures;
  }
  if (failures.some((f) => f.retryable)) {
    throw new OrchestratorError(`group ${group.name}: ${failures.filter((f) => f.retryable).length} retryable failure(s)`, 'retry', { context: { failures } });
  }
  return outcome;
};
