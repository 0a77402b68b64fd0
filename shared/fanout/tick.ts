/**
 * The reconcile tick's sweeps when the per-group work is fanned out (docs/adr/0008): the opted-in
 * groups are listed once, without their instances; the lifecycle sweep's plan (resuming interrupted
 * completions, then choosing the groups to read: waiting, changed, new, due) and the mix sweep's
 * plan (groups not at rest) become one queue message per group needing work, 10 per
 * SendMessageBatch call. Idle groups get no message. Each step is isolated like the inline sweeps.
 */
import type { GroupSummary } from '../aws/auto-scaling';
import type { QueuePort } from '../aws/sqs';
import { encodeGroupWork } from './message';
import { type HookCache, type LifecycleSweepReport, runLifecycleSweep } from '../lifecycle/lifecycle-sweep';
import type { LifecycleDeps } from '../lifecycle/deps';
import type { Sweep, SweepFailure } from '../runtime/sweep-runner';
import { type MixSweepDeps, type MixSweepResult, runMixSweep } from '../mix/sweep';
import { planGroupWork } from './policy/group-work';

/** One run's listing, shared by the sweeps of that run (the first asks, the others reuse). */
export class RunListing {
  private pending: Promise<GroupSummary[]> | undefined;

  public constructor(private readonly lifecycle: LifecycleDeps) {}

  /** The opted-in groups without their instances, paginated by the adapter; listed at most once per run. */
  public get(): Promise<GroupSummary[]> {
    this.pending ??= this.lifecycle.autoScaling.describeGroupsByTagKey(this.lifecycle.config().optInTagKey, { includeInstances: false });
    return this.pending;
  }

  /** Forgets the listing: the next run lists again. */
  public reset(): void {
    this.pending = undefined;
  }
}

/** What the tick's sweeps share within one run. */
export interface TickDeps {
  lifecycle: LifecycleDeps;
  hooks: HookCache;
  mix: MixSweepDeps;
  queue: QueuePort;
  listing: RunListing;
}

/**
 * The tick's steps: plan the lifecycle work, plan the mix work, send one message per group needing work.
 *
 * @example
 * ```ts
 * const reports = await runSweeps(createTickSweeps({ lifecycle, hooks, mix, queue, listing: new RunListing(lifecycle) }), now);
 * ```
 */
export const createTickSweeps = (deps: TickDeps): Sweep[] => {
  let lifecycle: LifecycleSweepReport | undefined;
  let mix: MixSweepResult | undefined;
  return [
    {
      name: 'lifecycle',
      run: async (now) => {
        lifecycle = undefined;
        mix = undefined;
        deps.listing.reset();
        lifecycle = await runLifecycleSweep(deps.lifecycle, deps.hooks, now, { listing: await deps.listing.get(), scope: { kind: 'plan' } });
        return lifecycle;
      },
    },
    {
      name: 'mix',
      run: async (now) => {
        mix = await runMixSweep(deps.mix, now, { listing: await deps.listing.get(), planOnly: true });
        return { name: 'mix', summary: mix.summary, failures: mix.failures };
      },
    },
    {
      name: 'dispatch',
      run: async () => {
        deps.listing.reset();
        const work = planGroupWork(lifecycle?.scan ?? [], mix?.due ?? []);
        const failed = await deps.queue.sendAll(work.map(encodeGroupWork));
        const failures: SweepFailure[] = failed.map((f) => ({ scope: `${work[f.index]?.group ?? '?'} (queue)`, error: f.code, retryable: !f.senderFault }));
        return {
          name: 'dispatch',
          summary: { messages: work.length - failed.length, lifecycle: work.filter((w) => w.lifecycle).length, mix: work.filter((w) => w.mix).length },
          failures,
        };
      },
    },
  ];
};
