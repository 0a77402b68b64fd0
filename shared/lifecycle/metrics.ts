/**
 * What a finished warm-up or drain counts in the per-group metrics (docs/metrics.md). Pure: the
 * executor (execute.ts) publishes the result once the lifecycle action was answered.
 */
import type { GroupMetric } from '../runtime/group-metrics';
import type { LifecycleWork } from './record';

/** Seconds from the lifecycle action's opening (or the work's start) to its end. */
const durationSeconds = (w: LifecycleWork): number => Math.max(0, ((w.finishedAt ?? w.startedAt) - (w.openedAt ?? w.startedAt)) / 1000);

/**
 * The metrics of a completed lifecycle action, by the notification the completion publishes:
 * CONTINUE after a warm-up that worked is `WarmupSucceeded`; ABANDON is `WarmupAbandoned`; CONTINUE
 * after a failure (`onFailure: continue`) is `WarmupFailedContinued`, never a success; a warm-up
 * skipped (no warm-up configured) counts nothing. Every drain end has its duration; a drain whose
 * budget ran out also counts `DrainTimedOut`.
 *
 * @example
 * ```ts
 * completionMetrics({ ...work, phase: 'launch', result: 'ABANDON', notifyAs: 'warmup.abandoned', finishedAt });
 * // [{ name: 'WarmupAbandoned', value: 1 }, { name: 'WarmupDurationSeconds', value: 300 }]
 * ```
 */
export const completionMetrics = (w: LifecycleWork): GroupMetric[] => {
  if (w.phase === 'terminate') {
    if (w.notifyAs === 'drain.skipped') return [];
    return [
      ...(w.notifyAs === 'drain.timed-out' ? [{ name: 'DrainTimedOut' as const, value: 1 }] : []),
      { name: 'DrainDurationSeconds', value: durationSeconds(w) },
    ];
  }
  const counted =
    w.result === 'ABANDON'
      ? 'WarmupAbandoned'
      : w.notifyAs === 'warmup.succeeded'
        ? 'WarmupSucceeded'
        : w.notifyAs === 'warmup.failed'
          ? 'WarmupFailedContinued'
          : undefined;
  return counted
    ? [
        { name: counted, value: 1 },
        { name: 'WarmupDurationSeconds', value: durationSeconds(w) },
      ]
    : [];
};
