/**
 * reconcile — every minute (EventBridge schedule): runs independent sweeps, each isolated. The
 * lifecycle sweep sends heartbeats for warm-ups and drains still running, ends the ones past their
 * budget, and repairs lost events (an instance waiting on a hook with no record gets its work
 * started; a record whose command finished while its action is open gets completed).
 * A failing sweep or group does not stop the others; if any failure is retryable the invocation
 * fails at the end (after every sweep ran), so the schedule's retries and the DLQ see it.
 */
import type { Context } from 'aws-lambda';
import type { AwsClients } from '../shared/aws/index';
import { OrchestratorError } from '../shared/errors';
import { createLifecycleDeps, type LifecycleDeps } from '../shared/lifecycle/deps';
import { HookCache, runLifecycleSweep } from '../shared/lifecycle/lifecycle-sweep';
import { runSweeps, type Sweep } from '../shared/lifecycle/sweep-runner';
import { type HandlerOutcome, logger, withStack } from '../shared/middleware/stack';

/** What `main` needs; tests and the simulator build their own from in-memory ports. */
export interface ReconcileDeps {
  lifecycle: LifecycleDeps;
  /** DescribeLifecycleHooks answers, cached per cold start. */
  hooks: HookCache;
}

/** Production wiring from the environment. */
export const createDeps = (clients?: AwsClients, env: NodeJS.ProcessEnv = process.env): ReconcileDeps => {
  const lifecycle = createLifecycleDeps(clients, env);
  return { lifecycle, hooks: new HookCache(lifecycle.autoScaling) };
};

/**
 * The sweeps, in order (lifecycle first: hooks time out, the mix does not). Each is isolated.
 * SPOT/ON-DEMAND MIX SWEEP: add `{ name: 'mix', run: (now) => runMixSweep(…) }` (shared/mix/sweep.ts,
 * capacitySignal issue) as the last entry of this list; it returns a `SweepReport`.
 */
export const createSweeps = (deps: ReconcileDeps): Sweep[] => [
  { name: 'lifecycle', run: (now) => runLifecycleSweep(deps.lifecycle, deps.hooks, now) },
];

/** Builds the handler's core for the given dependencies (ports only). */
export const createMain = (deps: ReconcileDeps, sweeps: readonly Sweep[] = createSweeps(deps)) => async (): Promise<HandlerOutcome> => {
  const reports = await runSweeps(sweeps, deps.lifecycle.now());
  const failures = reports.flatMap((r) => r.failures);
  const outcome: HandlerOutcome = {
    outcome: failures.length === 0 ? 'swept' : 'partial',
    reason:
      failures.length === 0
        ? `${reports.length} sweep(s) ran: ${reports.map((r) => r.name).join(', ')}`
        : `${reports.length} sweep(s) ran with ${failures.length} failure(s): ${failures.map((f) => `${f.scope} (${f.error})`).join('; ').slice(0, 1000)}`,
    sweeps: reports.map((r) => ({ name: r.name, ...r.summary, failures: r.failures })),
  };
  if (failures.some((f) => f.retryable)) {
    // Everything else already ran; fail the invocation so the retry and the DLQ record the failure.
    logger.error('reconcile finished with retryable failures', { decision: outcome });
    throw new OrchestratorError(`reconcile: ${failures.filter((f) => f.retryable).length} retryable failure(s)`, 'retry', { context: { failures } });
  }
  return outcome;
};

let defaultMain: (() => Promise<HandlerOutcome>) | undefined;

/** Lambda entry point (and `serverless invoke local -f reconcile`). The scheduled event carries nothing we need. */
export const handler = withStack('reconcile', (_event: unknown, _context: Context) => {
  defaultMain ??= createMain(createDeps());
  return defaultMain();
});
