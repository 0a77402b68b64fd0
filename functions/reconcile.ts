/**
 * reconcile — every minute (EventBridge schedule): the tick. With the group-sweep queue configured
 * (GROUP_QUEUE_URL, the deployed stack) it lists the opted-in groups once, plans which need work
 * (waiting lifecycle actions, a scan due, a mix not at rest) and sends one message per such group;
 * groupSweep does each group's work (docs/adr/0008). Without a queue (offline runs, the simulator)
 * it runs the sweeps itself, each isolated, over the same single listing. The
 * mix sweep runs the Spot/On-Demand controller for every opted-in group (decay, fallback return). The
 * lifecycle sweep sends heartbeats for warm-ups and drains still running, ends the ones past their
 * budget, and repairs lost events (an instance waiting on a hook with no record gets its work
 * started; a record whose command finished while its action is open gets completed).
 * A failing sweep or group does not stop the others; if any failure is retryable the invocation
 * fails at the end (after every sweep ran), so the schedule's retries and the DLQ see it.
 */
import { answeredOffline } from '../shared/aws/clients';
import type { AwsClients } from '../shared/aws/index';
import { type QueuePort, SdkQueue, sqsClient } from '../shared/aws/sqs';
import { OrchestratorError } from '../shared/errors';
import { createTickSweeps, RunListing } from '../shared/fanout/tick';
import { createLifecycleDeps, type LifecycleDeps } from '../shared/lifecycle/deps';
import { HookCache, runLifecycleSweep } from '../shared/lifecycle/lifecycle-sweep';
import { runSweeps, type Sweep, type SweepReport } from '../shared/runtime/sweep-runner';
import { type HandlerOutcome, logger, withStack } from '../shared/runtime/stack';
import { onFirstCall } from '../shared/runtime/ports';
import { createMixSweepDeps } from '../shared/mix/deps';
import { type MixSweepDeps, runMixSweep } from '../shared/mix/sweep';

/** What `main` needs; tests and the simulator build their own from in-memory ports. */
export interface ReconcileDeps {
  lifecycle: LifecycleDeps;
  /** DescribeLifecycleHooks answers, cached per cold start. */
  hooks: HookCache;
  /** The Spot/On-Demand mix controller's ports (decay and return from fallback happen here). */
  mix: MixSweepDeps;
  /** The wall clock the lifecycle sweep's time budget is measured on (default `Date.now`); a simulated world passes its own. */
  clock?: () => number;
  /** The group-sweep queue: present, the tick fans the per-group work out to groupSweep; absent, it runs inline. */
  queue?: QueuePort;
}

/** Production wiring from the environment. */
export const createDeps = (clients: Partial<AwsClients> = {}, env: NodeJS.ProcessEnv = process.env): ReconcileDeps => {
  const lifecycle = createLifecycleDeps(clients, env);
  // Offline (the built-in local world answers AWS calls) the work stays inline: there is no queue consumer.
  const queueUrl = answeredOffline() ? '' : (env.GROUP_QUEUE_URL ?? '');
  return {
    lifecycle,
    hooks: new HookCache(lifecycle.autoScaling),
    mix: createMixSweepDeps(clients, env),
    ...(queueUrl ? { queue: new SdkQueue((clients.sqs ?? sqsClient)(), queueUrl) } : {}),
  };
};

/**
 * The sweeps, in order (lifecycle first: hooks time out, the mix does not). Each is isolated.
 * The mix sweep runs the whole mix policy for every opted-in group: decay after a quiet period,
 * return from an On-Demand fallback, and a raise that a cooldown held back.
 */
export const createSweeps = (deps: ReconcileDeps): Sweep[] => {
  // One listing per run, shared by the sweeps (the first lists, the last forgets it).
  const listing = new RunListing(deps.lifecycle);
  if (deps.queue) return createTickSweeps({ lifecycle: deps.lifecycle, hooks: deps.hooks, mix: deps.mix, queue: deps.queue, listing });
  return [
    {
      name: 'lifecycle',
      run: async (now) => {
        listing.reset();
        return runLifecycleSweep(deps.lifecycle, deps.hooks, now, { listing: await listing.get(), ...(deps.clock ? { clock: deps.clock } : {}) });
      },
    },
    {
      name: 'mix',
      run: async (now) => {
        try {
          return await runMixSweep(deps.mix, now, { listing: await listing.get() });
        } finally {
          listing.reset();
        }
      },
    },
  ];
};

/** Builds the handler's core for the given dependencies (ports only). */
/** What reconcile's run did: each sweep's summary and failures. */
export interface ReconcileOutcome extends HandlerOutcome {
  outcome: 'swept' | 'partial';
  sweeps: Array<SweepReport['summary'] & { name: string; failures: SweepReport['failures'] }>;
}

export const createMain =
  (deps: ReconcileDeps, sweeps: readonly Sweep[] = createSweeps(deps)) =>
  async (): Promise<ReconcileOutcome> => {
    const reports = await runSweeps(sweeps, deps.lifecycle.now());
    const failures = reports.flatMap((r) => r.failures);
    const outcome: ReconcileOutcome = {
      outcome: failures.length === 0 ? 'swept' : 'partial',
      reason:
        failures.length === 0
          ? `${reports.length} sweep(s) ran: ${reports.map((r) => r.name).join(', ')}`
          : `${reports.length} sweep(s) ran with ${failures.length} failure(s): ${failures
              .map((f) => `${f.scope} (${f.error})`)
              .join('; ')
              .slice(0, 1000)}`,
      sweeps: reports.map((r) => ({ name: r.name, ...r.summary, failures: r.failures })),
    };
    if (failures.some((f) => f.retryable)) {
      // Everything else already ran; fail the invocation so the retry and the DLQ record the failure.
      logger.error('reconcile finished with retryable failures', { decision: outcome });
      throw new OrchestratorError(`reconcile: ${failures.filter((f) => f.retryable).length} retryable failure(s)`, 'retry', { context: { failures } });
    }
    return outcome;
  };

/** Lambda entry point (and `serverless invoke local -f reconcile`). The scheduled event carries nothing we need. */
export const handler = withStack(
  'reconcile',
  onFirstCall(() => createMain(createDeps())),
);
