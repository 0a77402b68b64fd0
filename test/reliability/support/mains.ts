/**
 * The seven handlers over one world (world.ts): the shared/aws ports over its accounts, the
 * group-sweep queue, and every function's real `createMain` wired to them.
 */
import { createMain as activityMain } from '../../../functions/activity-audit';
import { createMain as capacityMain } from '../../../functions/capacity-signal';
import { createMain as commandResultMain } from '../../../functions/command-result';
import { createMain as groupSweepMain } from '../../../functions/group-sweep';
import { createMain as launchMain } from '../../../functions/launch-lifecycle';
import { createMain as reconcileMain } from '../../../functions/reconcile';
import { createMain as terminateMain } from '../../../functions/terminate-lifecycle';
import { createMain as terminationMain } from '../../../functions/termination-policy';
import { GroupDirectory } from '../../../shared/aws';
import { InstanceDirectory } from '../../../shared/aws/instance-directory';
import type { QueuePort, SqsSendFailure } from '../../../shared/aws/sqs';
import type { OrchestratorConfig } from '../../../shared/config';
import type { OwnOrigin } from '../../../shared/events/origin';
import { HookCache } from '../../../shared/lifecycle/lifecycle-sweep';
import { WorldAutoScaling, type WorldCall, WorldChannels, WorldEc2, WorldSsm, WorldStore } from '../../../shared/local/ports';
import { Publisher } from '../../../shared/notify';
import type { HandlerOutcome } from '../../../shared/runtime/stack';
import { bundledConfig, DOCUMENTS, TOPIC } from './names';
import type { FakeAws } from './world';

/** The shared/aws ports over the accounts (shared/local/ports.ts), every call through {@link Faults}. */
export const worldPorts = (aws: FakeAws) => {
  const call: WorldCall = (op, effect) => aws.faults.call(op, effect);
  const channels = new WorldChannels(aws.outbox, call);
  return {
    autoScaling: new WorldAutoScaling(aws, call),
    ssm: new WorldSsm(aws, call),
    ec2: new WorldEc2(aws, call),
    sns: channels,
    eventBus: channels,
    store: new WorldStore(aws.table, call),
  };
};

export type Main = (event?: unknown) => Promise<HandlerOutcome>;

export interface Mains {
  launchLifecycle: Main;
  terminateLifecycle: Main;
  commandResult: Main;
  capacitySignal: Main;
  activityAudit: Main;
  reconcile: Main;
  terminationPolicy: Main;
}
export type HandlerName = keyof Mains;
export const HANDLERS: HandlerName[] = [
  'launchLifecycle',
  'terminateLifecycle',
  'commandResult',
  'capacitySignal',
  'activityAudit',
  'reconcile',
  'terminationPolicy',
];

/** The account and region of every event built here (the samples'); the functions' own unless a test says otherwise. */
export const OWN_ORIGIN: OwnOrigin = { account: '123456789012', region: 'us-east-1' };

/** The launch and terminate functions' timeout (serverless.yml). */
const LIFECYCLE_TIMEOUT_MS = 30_000;

/**
 * The group-sweep queue as the world models it (docs/adr/0008): what the tick sends is delivered to
 * groupSweep right after the tick, in batches of 5 (the event source mapping's batch size); a record
 * reported in `batchItemFailures` is delivered again, up to 3 receives (the redrive policy's
 * maxReceiveCount), then kept in `deadLetters` (https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html).
 */
export class WorldQueue implements QueuePort {
  public readonly pending: string[] = [];
  public readonly delivered: string[] = [];
  public readonly deadLetters: string[] = [];

  public async sendAll(bodies: readonly string[]): Promise<SqsSendFailure[]> {
    this.pending.push(...bodies);
    return [];
  }

  /** Delivers everything sent so far to `consume` (a groupSweep main), as Lambda's poller would. */
  public async drain(consume: Main): Promise<void> {
    const receives = new Map<string, number>();
    let sent = 0;
    while (this.pending.length > 0) {
      const batch = this.pending.splice(0, 5).map((body, i) => ({ body, messageId: `q-${sent + i + 1}` }));
      sent += batch.length;
      const out = await consume({
        Records: batch.map((m) => ({
          messageId: m.messageId,
          receiptHandle: m.messageId,
          body: m.body,
          attributes: {},
          messageAttributes: {},
          md5OfBody: '',
          eventSource: 'aws:sqs',
          eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:asg-orchestrator-test-group-sweep',
          awsRegion: 'us-east-1',
        })),
      });
      const failed = new Set(('batchItemFailures' in out ? (out.batchItemFailures as Array<{ itemIdentifier: string }>) : []).map((f) => f.itemIdentifier));
      for (const m of batch) {
        this.delivered.push(m.body);
        if (!failed.has(m.messageId)) continue;
        const n = (receives.get(m.body) ?? 0) + 1;
        receives.set(m.body, n);
        if (n >= 3) this.deadLetters.push(m.body);
        else this.pending.push(m.body);
      }
    }
  }
}

/** Options of {@link mains}: `queue` makes reconcile the tick, its messages worked by groupSweep (the deployed shape). */
export interface MainsOptions {
  queue?: WorldQueue;
}

/**
 * The real `createMain` of every function over the world's ports. One call = one Lambda container
 * (its caches: group tags, lifecycle hooks, instance facts); call again for a cold start.
 */
export const mains = (aws: FakeAws, config: OrchestratorConfig = bundledConfig(), origin: OwnOrigin = OWN_ORIGIN, options: MainsOptions = {}): Mains => {
  const now = () => aws.clock.now;
  const { autoScaling, ssm, ec2, sns, eventBus, store } = worldPorts(aws);
  const publisher = new Publisher(sns, eventBus, { topicArn: TOPIC, eventBusName: 'default' });
  const instances = new InstanceDirectory(ec2, 10_000, 60_000, now);
  const lifecycle = {
    config: () => config,
    autoScaling,
    groups: new GroupDirectory(autoScaling, 60_000, now),
    ssm,
    store,
    publisher,
    documents: DOCUMENTS,
    origin,
    now,
    // Waiting inside an invocation lets the world's time pass.
    sleep: async (ms: number) => {
      aws.clock.now += ms;
    },
  };
  /** A hook function's invocation: Lambda's 30 s timeout (serverless.yml) counted from when it starts. */
  const invocation =
    (main: (event: unknown, remainingMs?: () => number) => Promise<HandlerOutcome>): Main =>
    (event) => {
      const ends = aws.clock.now + LIFECYCLE_TIMEOUT_MS;
      return main(event, () => ends - aws.clock.now);
    };
  const sweepDeps = {
    lifecycle,
    hooks: new HookCache(autoScaling, 15 * 60_000, now),
    mix: { config: () => config, autoScaling, instances, store, publisher },
    // The run's own time: the world's clock plus what its AWS calls took (load runs model that).
    clock: () => aws.clock.now + aws.faults.elapsedMs,
  };
  const tick = reconcileMain({ ...sweepDeps, ...(options.queue ? { queue: options.queue } : {}) });
  // The deployed worker keeps each group's facts checkpoint current (functions/group-sweep.ts createDeps).
  const groupSweep = groupSweepMain({ ...sweepDeps, checkpoint: { store, seen: new Map() }, protection: { store, seen: new Map() } });
  const reconcile = async (): Promise<HandlerOutcome> => {
    try {
      return await tick();
    } finally {
      // What the tick sent is delivered whether or not it failed afterwards (SQS holds it).
      await options.queue?.drain(groupSweep);
    }
  };
  return {
    launchLifecycle: invocation(launchMain(lifecycle)),
    terminateLifecycle: invocation(terminateMain(lifecycle)),
    commandResult: commandResultMain(lifecycle),
    capacitySignal: capacityMain({ config: () => config, autoScaling, instances, store, ssm, publisher, drainDocumentName: DOCUMENTS.drain, origin, now }),
    activityAudit: activityMain({ config: () => config, groups: new GroupDirectory(autoScaling, 60_000, now), publisher, store, origin, now }),
    reconcile: () => reconcile(),
    terminationPolicy: terminationMain({ config: () => config, autoScaling, store, now, readBudgetMs: 1_000 }),
  };
};
