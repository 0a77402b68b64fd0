/**
 * The order in which the reconcile sweep acts on waiting instances: the lifecycle action that
 * would lapse first goes first. Pure.
 *
 * Auto Scaling ends a lifecycle action with its `DefaultResult` once the heartbeat timeout passes
 * without a heartbeat or a completion, or once the global timeout (48 h or 100 × the heartbeat
 * timeout, whichever is smaller) passes:
 * https://docs.aws.amazon.com/autoscaling/ec2/userguide/lifecycle-hooks-overview.html
 */
import { hasHook } from '../record';
import { hookFor, type SweepInput, WAIT_STATES } from './sweep-decision';

/**
 * When the instance's lifecycle action lapses if the sweep does nothing (epoch ms): the last
 * heartbeat (or the start) plus the hook's heartbeat timeout, or the work's own deadline if
 * earlier. Unknown (no record: a lost event; no hook on record) → `now`, i.e. first.
 *
 * @example
 * ```ts
 * sweepDueAt({ ...input, stored: { version: 2, work: { ...work, lastHeartbeatAt: t } } }); // t + 300_000
 * ```
 */
export const sweepDueAt = (input: Pick<SweepInput, 'stored' | 'hooks' | 'ownHooks' | 'lifecycleState' | 'now'>): number => {
  const w = input.stored?.work;
  const phase = WAIT_STATES[input.lifecycleState];
  if (w === undefined || phase === undefined || !hasHook(w)) return input.now;
  const found = hookFor(input.hooks, phase, input.ownHooks);
  if (!found.hook) return input.now;
  const lapses = (w.lastHeartbeatAt ?? Math.min(w.openedAt ?? w.startedAt, w.startedAt)) + found.hook.heartbeatTimeoutSeconds * 1000;
  return Math.min(lapses, w.deadlineAt);
};
