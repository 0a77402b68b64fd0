/**
 * One in-memory AWS for the reliability tests: groups with lifecycle actions that stay open until
 * answered, SSM commands, EC2 instance facts, SNS/EventBridge sinks, and the state table (a
 * `MemoryStateStore`). Every port call goes through {@link Faults}: it is recorded (operation name,
 * in call order), may be throttled by a token bucket on simulated time, and may fail at a chosen
 * index with an error shaped like the SDK's, classified by the real `callAws` exactly as the SDK
 * adapters do. The seven real `createMain`s are wired over it with {@link mains}.
 */
import { readFileSync } from 'node:fs';
import type { InstancesDistribution, MixedInstancesPolicy } from '@aws-sdk/client-auto-scaling';
import { createMain as activityMain } from '../../../functions/activity-audit';
import { createMain as capacityMain } from '../../../functions/capacity-signal';
import { createMain as commandResultMain } from '../../../functions/command-result';
import { createMain as launchMain } from '../../../functions/launch-lifecycle';
import { createMain as reconcileMain } from '../../../functions/reconcile';
import { createMain as terminateMain } from '../../../functions/terminate-lifecycle';
import { createMain as terminationMain } from '../../../functions/termination-policy';
import {
  callAws,
  type CommandInvocation,
  type CommandSummary,
  GroupDirectory,
  type GroupInstance,
  type GroupSummary,
  type InstanceInfo,
  type LifecycleActionRef,
  type LifecycleHookSummary,
  type SendCommandInput,
} from '../../../shared/aws';
import { type OrchestratorConfig, parseConfig } from '../../../shared/config';
import type { OwnOrigin } from '../../../shared/events/origin';
import type { HandlerOutcome } from '../../../shared/middleware/stack';
import { HookCache } from '../../../shared/lifecycle/lifecycle-sweep';
import { Publisher } from '../../../shared/notify';
import { InstanceDirectory } from '../../../shared/signals/instance-directory';
import { updatedDistribution } from '../../../shared/local/auto-scaling';
import { type ActionOutcome, globalTimeoutSeconds, type HookSpec, LifecycleActions, settledState } from '../../../shared/local/lifecycle-actions';
import { type AwsWorld, Outbox, WorldAutoScaling, type WorldCall, WorldChannels, WorldEc2, WorldSsm, WorldStore } from '../../../shared/local/ports';
import { RunCommands } from '../../../shared/local/run-command';
import { MemoryStateStore } from '../../../shared/state/memory-store';

export const T0 = Date.parse('2026-11-27T10:00:00Z');
export const GROUP = 'ml-inference-gpu';
/** A group without the opt-in tag, and one whose tag names a profile the config does not have. */
export const LEGACY = 'legacy-web';
export const GHOST = 'ghost-profile-group';
export const TAG_KEY = 'asg-orchestrator:profile';
export const DOCUMENTS = { warmup: 'asg-orchestrator-test-WarmUpDocument-ABC', drain: 'asg-orchestrator-test-DrainDocument-DEF' };
export const TOPIC = 'arn:aws:sns:us-east-1:123456789012:asg-orchestrator-test-notifications';
export const LAUNCH_HOOK = 'asg-orchestrator-launch';
export const TERMINATE_HOOK = 'asg-orchestrator-terminate';

/** The bundled config/profiles.json (gpu-inference: enforce, warm-up 3 attempts, mix cooldown 900 s). */
export const bundledConfig = (): OrchestratorConfig =>
  parseConfig(JSON.parse(readFileSync(new URL('../../../config/profiles.json', import.meta.url), 'utf8')) as unknown, 'config/profiles.json');

// ---------------------------------------------------------------------------------------------
// Faults: recording, throttling and injection at one call index
// ---------------------------------------------------------------------------------------------

/** The fault shapes the issue names, as the SDK (or Node) throws them. */
export const FAULTS = {
  Throttling: () => Object.assign(new Error('Rate exceeded'), { name: 'Throttling', $fault: 'client', $metadata: { httpStatusCode: 400 } }),
  ThrottlingException: () => Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $fault: 'client', $metadata: { httpStatusCode: 400 } }),
  'Rate exceeded (plain message)': () => new Error('Rate exceeded'),
  'InternalFailure 500': () => Object.assign(new Error('We encountered an internal error.'), { name: 'InternalFailure', $fault: 'server', $metadata: { httpStatusCode: 500 } }),
  'InternalFailure 503': () => Object.assign(new Error('Service Unavailable'), { name: 'InternalFailure', $fault: 'server', $metadata: { httpStatusCode: 503 } }),
  TimeoutError: () => Object.assign(new Error('Connection timed out after 3000 ms'), { name: 'TimeoutError' }),
  ECONNRESET: () => Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }),
} as const;
export type FaultName = keyof typeof FAULTS;
export const FAULT_NAMES = Object.keys(FAULTS) as FaultName[];

/** Mutating operations: the side effects the reliability properties count. */
export const MUTATING = new Set(['CompleteLifecycleAction', 'RecordLifecycleActionHeartbeat', 'UpdateAutoScalingGroup', 'SendCommand', 'Publish', 'PutEvents']);

/** A token bucket on simulated time: `ratePerSecond` refill, `burst` capacity. */
export class TokenBucket {
  private tokens: number;
  private at: number;
  public constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number,
    private readonly clock: () => number,
  ) {
    this.tokens = burst;
    this.at = clock();
  }
  public take(): boolean {
    const now = this.clock();
    // An invocation that started earlier may have spent tokens further ahead (its calls took time):
    // nothing refills until the clock passes them.
    if (now > this.at) {
      this.tokens = Math.min(this.burst, this.tokens + ((now - this.at) / 1000) * this.ratePerSecond);
      this.at = now;
    }
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

export class Faults {
  /** Every port call, in order. */
  public readonly log: string[] = [];
  /** Fail the call with this index (0-based), `before` it takes effect or `after` (response lost). */
  public plan: { at: number; fault: FaultName; when: 'before' | 'after' } | undefined;
  /** Per-operation token buckets (AWS throttles per API); a call without a token is answered ThrottlingException. */
  public buckets: Map<string, TokenBucket> | undefined;
  public throttled = 0;
  public injected = 0;
  /**
   * Awaited before each call takes effect: a test running invocations in parallel hands it to a
   * scheduler (fast-check `fc.scheduler()`) that decides which pending call goes next, so every
   * interleaving of their AWS calls can be tried; each call itself is atomic, as DynamoDB's
   * conditional writes are.
   */
  public yieldTo: ((op: string) => Promise<unknown>) | undefined;
  /**
   * The SDK below the ports, for load runs (off by default: the fault tests inject each failure once,
   * where the product sees it). Each call takes `latencyMs`; a throttled call is retried by the SDK
   * after its backoff (shared/aws/clients.ts: `maxAttempts: 4`; the SDK's throttling backoff base is
   * 500 ms, doubling, at most 20 s: https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html),
   * and only the last refusal reaches the product. The time spent adds up in {@link elapsedMs}.
   */
  public sdk: { maxAttempts: number; latencyMs: number } | undefined;
  /** Simulated time the running invocation has spent in AWS calls (latency, SDK backoff); the test resets it per invocation. */
  public elapsedMs = 0;

  /** Runs one AWS call through the real classifier: returns its value or `'already-done'`, or throws an AwsCallError. */
  public async call<T>(op: string, effect: () => T | Promise<T>): Promise<T | 'already-done'> {
    const index = this.log.length;
    this.log.push(op);
    const plan = this.plan?.at === index ? this.plan : undefined;
    return callAws(op, async () => {
      if (this.yieldTo) await this.yieldTo(op);
      const bucket = this.buckets?.get(op);
      for (let attempt = 1; ; attempt += 1) {
        if (this.sdk) this.elapsedMs += this.sdk.latencyMs;
        if (!bucket || bucket.take()) break;
        this.throttled += 1;
        if (!this.sdk || attempt >= this.sdk.maxAttempts) throw FAULTS.ThrottlingException();
        this.elapsedMs += Math.min(20_000, 500 * 2 ** (attempt - 1));
      }
      if (plan?.when === 'before') {
        this.injected += 1;
        throw FAULTS[plan.fault]();
      }
      const value = await effect();
      if (plan?.when === 'after') {
        this.injected += 1;
        throw FAULTS[plan.fault]();
      }
      return value;
    });
  }
}

const awsError = (name: string, message: string): Error => Object.assign(new Error(message), { name, $metadata: { httpStatusCode: 400 } });

// ---------------------------------------------------------------------------------------------
// The accounts: the one world's semantics (shared/local), staged by the test and recorded
// ---------------------------------------------------------------------------------------------

export interface Completion {
  instanceId: string;
  hookName: string;
  result: 'CONTINUE' | 'ABANDON';
  at: number;
}

/** One CompleteLifecycleAction call, whatever AWS answered: the tests count these, the fake refuses nothing on their behalf. */
export interface CompletionCall extends Completion {
  /** Which action of the instance's hook it named (1 = the first one opened), or 0 when none was open. */
  action: number;
  /** AWS took it (the action was open); otherwise AWS answered "No active Lifecycle Action found". */
  accepted: boolean;
}

/** An action that ran out of time: Auto Scaling applied the hook's DefaultResult. */
export interface Expiry {
  instanceId: string;
  hookName: string;
  result: 'CONTINUE' | 'ABANDON';
  at: number;
  why: 'heartbeat-timeout' | 'global-timeout';
}

export interface SimInstance extends InstanceInfo {
  lifecycleState: string;
}

const MIP: MixedInstancesPolicy = {
  LaunchTemplate: {
    LaunchTemplateSpecification: { LaunchTemplateName: 'ml-inference', Version: '7' },
    Overrides: [
      { InstanceType: 'g5.xlarge', WeightedCapacity: '1' },
      { InstanceType: 'g6.xlarge', WeightedCapacity: '1' },
    ],
  },
  InstancesDistribution: {
    OnDemandAllocationStrategy: 'prioritized',
    OnDemandBaseCapacity: 1,
    OnDemandPercentageAboveBaseCapacity: 25,
    SpotAllocationStrategy: 'price-capacity-optimized',
  },
};

/** The groups' hooks (PutLifecycleHook): launch defaults to ABANDON, terminate to CONTINUE, 300 s heartbeat timeout. */
const HOOK_SPECS: readonly HookSpec[] = [
  { name: LAUNCH_HOOK, transition: 'launch', heartbeatTimeout: 300, defaultResult: 'ABANDON' },
  { name: TERMINATE_HOOK, transition: 'terminate', heartbeatTimeout: 300, defaultResult: 'CONTINUE' },
];
const HOOKS: LifecycleHookSummary[] = HOOK_SPECS.map((h) => ({
  name: h.name,
  transition: h.transition === 'launch' ? 'autoscaling:EC2_INSTANCE_LAUNCHING' : 'autoscaling:EC2_INSTANCE_TERMINATING',
  heartbeatTimeoutSeconds: h.heartbeatTimeout,
  globalTimeoutSeconds: globalTimeoutSeconds(h.heartbeatTimeout),
  defaultResult: h.defaultResult,
}));

const split = (key: string): [string, string] => {
  const [instanceId = '', hookName = ''] = key.split('|');
  return [instanceId, hookName];
};

/** `instance|hook` → whether an action of that hook is open (a view of the world's lifecycle actions; `set(k, true)` opens one). */
export class OpenActions {
  public constructor(private readonly aws: FakeAws) {}
  public get(key: string): boolean {
    const [instanceId, hookName] = split(key);
    this.aws.expire();
    return this.aws.actions.of(instanceId).some((a) => a.hookName === hookName);
  }
  public set(key: string, open: true): void {
    const [instanceId, hookName] = split(key);
    if (open) this.aws.openAction(instanceId, hookName);
  }
  public entries(): Array<[string, boolean]> {
    this.aws.expire();
    return this.aws.actions.all().map((a): [string, boolean] => [`${a.instanceId}|${a.hookName}`, true]);
  }
}

/** commandId → status (a view of the world's Run Command; `set` is the instance reporting a new status). */
export class CommandStatuses {
  public constructor(private readonly aws: FakeAws) {}
  public get(commandId: string): string | undefined {
    return this.aws.runCommands.get(commandId)?.status;
  }
  public set(commandId: string, status: string): void {
    if (this.aws.runCommands.get(commandId)) this.aws.runCommands.setStatus(commandId, status, this.aws.clock.now);
  }
}

/**
 * The accounts the handlers run against: Auto Scaling groups whose lifecycle actions are the world's
 * (shared/local/lifecycle-actions.ts: tokens, HeartbeatTimeout → DefaultResult, the global limit),
 * SSM Run Command as the world answers it (shared/local/run-command.ts: InvalidInstanceId for an
 * instance SSM does not know), EC2 instance facts, SNS/EventBridge recorded in an outbox, the state
 * table (a `MemoryStateStore`). The test stages what Auto Scaling does on its own (launches,
 * terminations, a group short of capacity) and plays the instances (command statuses); everything is
 * recorded for the assertions.
 */
export class FakeAws implements AwsWorld {
  public readonly clock = { now: T0 };
  public readonly faults = new Faults();
  public readonly table: MemoryStateStore;
  /** group → tags / MixedInstancesPolicy */
  public readonly groupTags = new Map<string, Array<{ key: string; value: string }>>();
  public readonly policies = new Map<string, MixedInstancesPolicy>();
  /** Desired capacity above the instances present (Auto Scaling could not launch them: the group is short). */
  public readonly shortBy = new Map<string, number>();
  /** instanceId → facts and lifecycle state */
  public readonly instances = new Map<string, SimInstance & { group: string }>();
  /** The world's lifecycle actions, each with the token its event carries (`events.launch`/`events.terminate`). */
  public readonly actions = new LifecycleActions((instanceId, _hook, transition) => guid(`token-${transition}-${instanceId}`));
  /** `instance|hook` → open (a view of {@link actions}). */
  public readonly open = new OpenActions(this);
  private readonly actionCount = new Map<string, number>();
  /** Accepted completions (the side effect). */
  public readonly completions: Completion[] = [];
  /** Every CompleteLifecycleAction call, accepted or not: a second completion is recorded here, for the test to judge. */
  public readonly completionCalls: CompletionCall[] = [];
  /** Actions that timed out to their hook's DefaultResult: instances the orchestrator lost. */
  public readonly expired: Expiry[] = [];
  public completeCalls = 0;
  public heartbeats = 0;
  /** The world's SSM Run Command; command ids are `commandIdOf(n)` in the order sent. */
  private sent = 0;
  public readonly runCommands: RunCommands = new RunCommands((): string => commandIdOf(++this.sent));
  public readonly commandStatus = new CommandStatuses(this);
  public readonly updates: Array<{ group: string; base: number; percent: number; at: number }> = [];
  public readonly outbox = new Outbox();
  public readonly sns = this.outbox.sns;
  public readonly bus = this.outbox.bus;

  public constructor() {
    this.table = new MemoryStateStore(() => this.clock.now);
    this.addGroup(GROUP, [{ key: TAG_KEY, value: 'gpu-inference' }]);
    this.addGroup(LEGACY, [{ key: 'team', value: 'web' }]);
    this.addGroup(GHOST, [{ key: TAG_KEY, value: 'no-such-profile' }]);
  }

  /** Every command sent, in order, as sent (SendCommandInput with its id and time). */
  public get commands(): Array<SendCommandInput & { commandId: string; at: number }> {
    return this.runCommands.all().map((c) => ({
      documentName: c.documentName,
      instanceId: c.instanceId,
      parameters: c.parameters,
      timeoutSeconds: c.timeoutSeconds,
      comment: c.comment,
      commandId: c.id,
      at: c.requestedAt,
    }));
  }

  public addGroup(name: string, tags: Array<{ key: string; value: string }>): void {
    this.groupTags.set(name, tags);
    this.policies.set(name, structuredClone(MIP));
  }

  /** An instance of `group` (default In Service, Spot for odd numbers). */
  public addInstance(id: string, group = GROUP, lifecycleState = 'InService', market: 'spot' | 'on-demand' = 'spot'): void {
    this.instances.set(id, {
      instanceId: id,
      instanceType: 'g5.xlarge',
      availabilityZone: 'us-east-1a',
      market,
      groupName: group,
      group,
      launchTime: T0 - 3_600_000,
      tags: new Map([['aws:autoscaling:groupName', group]]),
      lifecycleState,
    });
  }

  /** Opens a lifecycle action of `hookName` for an instance, with its timeouts running from now. */
  public openAction(id: string, hookName: string): void {
    const key = `${id}|${hookName}`;
    this.actionCount.set(key, (this.actionCount.get(key) ?? 0) + 1);
    const hook = HOOK_SPECS.find((h) => h.name === hookName);
    if (hook) this.actions.open({ instanceId: id, transition: hook.transition, hooks: [hook], now: this.clock.now });
  }

  /** Auto Scaling launches an instance into Pending:Wait with its launch action open. */
  public launching(id: string, group = GROUP): void {
    this.addInstance(id, group, 'Pending:Wait');
    this.openAction(id, LAUNCH_HOOK);
  }

  /** Auto Scaling starts terminating an instance: Terminating:Wait with its terminate action open. */
  public terminating(id: string): void {
    const inst = this.instances.get(id);
    if (inst) inst.lifecycleState = 'Terminating:Wait';
    this.openAction(id, TERMINATE_HOOK);
  }

  /** The instance moves on once its transition settled (every hook answered, one ABANDON, or a timeout). */
  private settle(outcome: ActionOutcome): void {
    if (outcome.kind !== 'settled') return;
    const inst = this.instances.get(outcome.instanceId);
    if (inst) inst.lifecycleState = settledState(outcome);
  }

  /**
   * Applies what time does to open actions, as Auto Scaling does (the world's lifecycle actions:
   * HeartbeatTimeout → DefaultResult, the global limit min(48 h, 100 × HeartbeatTimeout)).
   * Evaluated lazily: every call on the world runs it first.
   */
  public expire(): void {
    for (const outcome of this.actions.expire(this.clock.now)) {
      const a = outcome.action;
      this.expired.push({
        instanceId: a.instanceId,
        hookName: a.hookName,
        result: a.defaultResult,
        at: a.timeoutAt,
        why: a.timeoutAt >= a.globalDeadline ? 'global-timeout' : 'heartbeat-timeout',
      });
      this.settle(outcome);
    }
  }

  /** RecordLifecycleActionHeartbeat as AWS does it: restarts the heartbeat timeout of an open action. */
  public recordLifecycleActionHeartbeat(ref: LifecycleActionRef): void {
    this.expire();
    this.heartbeats += 1;
    this.actions.heartbeat(ref, this.clock.now);
  }

  /** Actions answered more than once by CompleteLifecycleAction (`instance|hook#action` → calls), for assertions. */
  public completedMoreThanOnce(): string[] {
    const per = new Map<string, number>();
    for (const c of this.completionCalls) {
      const k = `${c.instanceId}|${c.hookName}#${c.action}`;
      per.set(k, (per.get(k) ?? 0) + 1);
    }
    return [...per.entries()].filter(([, n]) => n > 1).map(([k, n]) => `${k} ×${n}`);
  }

  public summary(name: string): GroupSummary | undefined {
    this.expire();
    const tags = this.groupTags.get(name);
    if (!tags) return undefined;
    const instances: GroupInstance[] = [...this.instances.values()]
      .filter((i) => i.group === name && i.lifecycleState !== 'Terminated')
      .map((i) => ({ instanceId: i.instanceId, instanceType: i.instanceType, availabilityZone: i.availabilityZone, lifecycleState: i.lifecycleState, protectedFromScaleIn: false }));
    const mip = structuredClone(this.policies.get(name));
    return {
      name,
      arn: `arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:1111:autoScalingGroupName/${name}`,
      tags,
      desiredCapacity: instances.length + (this.shortBy.get(name) ?? 0),
      minSize: 0,
      maxSize: 2000,
      hasMixedInstancesPolicy: mip !== undefined,
      ...(mip ? { mixedInstancesPolicy: mip } : {}),
      weights: new Map([
        ['g5.xlarge', 1],
        ['g6.xlarge', 1],
      ]),
      instances,
    };
  }

  /**
   * CompleteLifecycleAction as AWS does it: accepted once per open action, then "No active Lifecycle
   * Action found" (also for an action that expired). Every call is recorded in {@link completionCalls}
   * with the action it named: a second completion is the product's bug for the test to catch.
   */
  public completeLifecycleAction(ref: LifecycleActionRef, result: 'CONTINUE' | 'ABANDON'): void {
    this.expire();
    this.completeCalls += 1;
    const key = `${ref.instanceId}|${ref.hookName}`;
    let outcome: ActionOutcome | undefined;
    try {
      outcome = this.actions.complete(ref, result);
    } finally {
      this.completionCalls.push({ instanceId: ref.instanceId, hookName: ref.hookName, result, at: this.clock.now, action: this.actionCount.get(key) ?? 0, accepted: outcome !== undefined });
    }
    this.completions.push({ instanceId: ref.instanceId, hookName: ref.hookName, result, at: this.clock.now });
    this.settle(outcome);
  }

  // AwsWorld: the rest of what the ports ask

  public describeGroups(names: readonly string[]): GroupSummary[] {
    return names.map((n) => this.summary(n)).filter((g): g is GroupSummary => g !== undefined);
  }

  public describeGroupsByTagKey(tagKey: string): GroupSummary[] {
    return [...this.groupTags.entries()].filter(([, tags]) => tags.some((t) => t.key === tagKey)).map(([n]) => this.summary(n) as GroupSummary);
  }

  public describeLifecycleHooks(groupName: string): LifecycleHookSummary[] {
    return this.groupTags.has(groupName) ? HOOKS : [];
  }

  public updateInstancesDistribution(groupName: string, distribution: InstancesDistribution): void {
    if (!this.groupTags.has(groupName)) throw awsError('ValidationError', `AutoScalingGroup name not found - ${groupName}`);
    // Like Auto Scaling: the request names only the distribution, the rest of the policy stays.
    const current: MixedInstancesPolicy = this.policies.get(groupName) ?? {};
    this.policies.set(groupName, { ...current, InstancesDistribution: updatedDistribution(current.InstancesDistribution, structuredClone(distribution)) });
    this.updates.push({ group: groupName, base: distribution.OnDemandBaseCapacity ?? 0, percent: distribution.OnDemandPercentageAboveBaseCapacity ?? 100, at: this.clock.now });
  }

  /** SendCommand: the world's Run Command; the instance starts it at once (InProgress) and reports through {@link commandStatus}. */
  public sendCommand(input: SendCommandInput): string {
    const inst = this.instances.get(input.instanceId);
    const id = this.runCommands.send(input, this.clock.now, { exists: inst !== undefined && inst.lifecycleState !== 'Terminated', registered: true });
    this.runCommands.setStatus(id, 'InProgress', this.clock.now, `output of ${id}`);
    return id;
  }

  public listCommands(instanceId: string, invokedAfter: number, max: number): CommandSummary[] {
    return this.runCommands.list(instanceId, invokedAfter, max);
  }

  public getCommandInvocation(commandId: string, instanceId: string): CommandInvocation {
    return this.runCommands.invocation(commandId, instanceId);
  }

  public describeInstances(ids: readonly string[]): InstanceInfo[] {
    return ids.map((id) => this.instances.get(id)).filter((i): i is SimInstance & { group: string } => i !== undefined);
  }
}

export const commandIdOf = (n: number): string => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

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

// ---------------------------------------------------------------------------------------------
// The seven handlers over one world
// ---------------------------------------------------------------------------------------------

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
export const HANDLERS: HandlerName[] = ['launchLifecycle', 'terminateLifecycle', 'commandResult', 'capacitySignal', 'activityAudit', 'reconcile', 'terminationPolicy'];

/**
 * The real `createMain` of every function over the world's ports. One call = one Lambda container
 * (its caches: group tags, lifecycle hooks, instance facts); call again for a cold start.
 */
/** The account and region of every event built here (the samples'); the functions' own unless a test says otherwise. */
export const OWN_ORIGIN: OwnOrigin = { account: '123456789012', region: 'us-east-1' };

export const mains = (aws: FakeAws, config: OrchestratorConfig = bundledConfig(), origin: OwnOrigin = OWN_ORIGIN): Mains => {
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
  };
  const reconcile = reconcileMain({
    lifecycle,
    hooks: new HookCache(autoScaling, 15 * 60_000, now),
    mix: { config: () => config, autoScaling, instances, store, publisher },
    // The run's own time: the world's clock plus what its AWS calls took (load runs model that).
    clock: () => aws.clock.now + aws.faults.elapsedMs,
  });
  return {
    launchLifecycle: launchMain(lifecycle),
    terminateLifecycle: terminateMain(lifecycle),
    commandResult: commandResultMain(lifecycle),
    capacitySignal: capacityMain({ config: () => config, autoScaling, instances, store, ssm, publisher, drainDocumentName: DOCUMENTS.drain, origin, now }),
    activityAudit: activityMain({ config: () => config, groups: new GroupDirectory(autoScaling, 60_000, now), publisher, store, origin, now }),
    reconcile: () => reconcile(),
    terminationPolicy: terminationMain({ config: () => config, autoScaling, store, now, readBudgetMs: 1_000 }),
  };
};

// ---------------------------------------------------------------------------------------------
// Events (the shapes of events/*.json)
// ---------------------------------------------------------------------------------------------

/** A deterministic GUID (8-4-4-4-12 hex) for a name: event ids and lifecycle tokens are GUIDs. */
export const guid = (name: string): string => {
  let h = 0x811c9dc5;
  let hex = '';
  for (let round = 0; hex.length < 32; round += 1) {
    for (const ch of `${round}:${name}`) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0;
    hex += h.toString(16).padStart(8, '0');
  }
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
};

const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.000Z$/, 'Z');
const groupArn = (group: string): string => `arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:1111:autoScalingGroupName/${group}`;
const envelope = (name: string, source: string, detailType: string, at: number, resources: string[], detail: Record<string, unknown>) => ({
  version: '0',
  id: guid(name),
  'detail-type': detailType,
  source,
  account: '123456789012',
  time: iso(at),
  region: 'us-east-1',
  resources,
  detail,
});

export const events = {
  launch: (instanceId: string, group = GROUP, at = T0) =>
    envelope(`launch-${instanceId}`, 'aws.autoscaling', 'EC2 Instance-launch Lifecycle Action', at, [groupArn(group)], {
      LifecycleActionToken: guid(`token-launch-${instanceId}`),
      AutoScalingGroupName: group,
      LifecycleHookName: LAUNCH_HOOK,
      EC2InstanceId: instanceId,
      LifecycleTransition: 'autoscaling:EC2_INSTANCE_LAUNCHING',
      Origin: 'EC2',
      Destination: 'AutoScalingGroup',
    }),
  terminate: (instanceId: string, group = GROUP, at = T0) =>
    envelope(`terminate-${instanceId}`, 'aws.autoscaling', 'EC2 Instance-terminate Lifecycle Action', at, [groupArn(group)], {
      LifecycleActionToken: guid(`token-terminate-${instanceId}`),
      AutoScalingGroupName: group,
      LifecycleHookName: TERMINATE_HOOK,
      EC2InstanceId: instanceId,
      LifecycleTransition: 'autoscaling:EC2_INSTANCE_TERMINATING',
      Origin: 'AutoScalingGroup',
      Destination: 'EC2',
    }),
  command: (commandId: string, status: string, instanceId: string, documentName = DOCUMENTS.warmup, at = T0) =>
    envelope(`cmd-${commandId}-${status}`, 'aws.ssm', 'EC2 Command Invocation Status-change Notification', at, [`arn:aws:ec2:us-east-1:123456789012:instance/${instanceId}`], {
      'command-id': commandId,
      'document-name': documentName,
      'instance-id': instanceId,
      'requested-date-time': iso(at),
      status,
    }),
  spot: (instanceId: string, at = T0, id = `spot-${instanceId}`) =>
    envelope(id, 'aws.ec2', 'EC2 Spot Instance Interruption Warning', at, [`arn:aws:ec2:us-east-1:123456789012:instance/${instanceId}`], {
      'instance-id': instanceId,
      'instance-action': 'terminate',
    }),
  rebalance: (instanceId: string, at = T0, id = `rebalance-${instanceId}`) =>
    envelope(id, 'aws.ec2', 'EC2 Instance Rebalance Recommendation', at, [`arn:aws:ec2:us-east-1:123456789012:instance/${instanceId}`], { 'instance-id': instanceId }),
  launchUnsuccessful: (group = GROUP, at = T0, id = `lu-${group}-${at}`, az = 'us-east-1a') =>
    envelope(id, 'aws.autoscaling', 'EC2 Instance Launch Unsuccessful', at, [groupArn(group)], {
      StatusCode: 'Failed',
      AutoScalingGroupName: group,
      ActivityId: guid(`act-${id}`),
      Details: { 'Availability Zone': az, 'Subnet ID': 'subnet-0b2c3d4e5f6071829' },
      RequestId: guid(`act-${id}`),
      StatusMessage: `Could not launch Spot Instances. InsufficientInstanceCapacity - We currently do not have sufficient g5.xlarge capacity in the Availability Zone you requested (${az}). Launching EC2 instance failed.`,
      EndTime: iso(at),
      EC2InstanceId: '',
      StartTime: iso(at - 1000),
      Cause: 'At 2026-11-27T10:14:05Z an instance was started in response to a difference between desired and actual capacity, increasing the capacity from 5 to 6.',
    }),
  launchSuccessful: (instanceId: string, group = GROUP, at = T0) =>
    envelope(`ls-${instanceId}`, 'aws.autoscaling', 'EC2 Instance Launch Successful', at, [groupArn(group), `arn:aws:ec2:us-east-1:123456789012:instance/${instanceId}`], {
      StatusCode: 'InProgress',
      AutoScalingGroupName: group,
      ActivityId: guid(`act-ls-${instanceId}`),
      Details: { 'Availability Zone': 'us-east-1a', 'Subnet ID': 'subnet-0a1b2c3d4e5f60718' },
      RequestId: guid(`act-ls-${instanceId}`),
      StatusMessage: '',
      EndTime: iso(at),
      EC2InstanceId: instanceId,
      StartTime: iso(at - 60_000),
      Cause: 'At 2026-11-27T09:59:58Z an instance was started in response to a difference between desired and actual capacity, increasing the capacity from 3 to 4.',
      Description: `Launching a new EC2 instance: ${instanceId}`,
    }),
  terminationPolicy: (group = GROUP, ids: string[] = ['i-0000000000000a001', 'i-0000000000000a002', 'i-0000000000000a003']) => ({
    AutoScalingGroupARN: groupArn(group),
    AutoScalingGroupName: group,
    CapacityToTerminate: [{ AvailabilityZone: 'us-east-1a', Capacity: 1, InstanceMarketOption: 'spot' }],
    Instances: ids.map((id) => ({ AvailabilityZone: 'us-east-1a', InstanceId: id, InstanceType: 'g5.xlarge', InstanceMarketOption: 'spot' })),
    Cause: 'SCALE_IN',
  }),
};

/** A 17-hex-digit instance id for index n. */
export const instanceId = (n: number): string => `i-${n.toString(16).padStart(17, '0')}`;

// ---------------------------------------------------------------------------------------------
// End-state snapshots, for "nothing half-written" comparisons
// ---------------------------------------------------------------------------------------------

/** Keys whose values are times, free text or per-attempt ids: left out when comparing end states. */
const VOLATILE = /(At|Time|time|reason|Reason|eventId|EventId|^since)$/;

const normalize = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(normalize);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .filter(([k]) => !VOLATILE.test(k) && k !== 'version' && k !== 'history')
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, v]) => [k, normalize(v)]),
    );
  }
  return value;
};

/** What the world holds after a run, without times and free text. */
export const snapshot = (aws: FakeAws) => {
  aws.expire();
  return {
  state: aws.table
    .dump()
    .map((item) => normalize(item))
    .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
  completions: aws.completions.map((c) => `${c.instanceId}|${c.hookName}|${c.result}`).sort(),
  // The drain's budget in the comment is what is left of it when sent: not part of the identity.
  commands: aws.commands.map((c) => `${c.instanceId}|${c.documentName}|${c.comment.replace(/up to \d+ s/, 'up to N s')}`).sort(),
  updates: aws.updates.map((u) => `${u.group}|${u.base}|${u.percent}`),
  open: [...aws.open.entries()].filter(([, v]) => v).map(([k]) => k).sort(),
  notifications: [...new Set(notificationTypes(aws))].sort(),
  };
};

/** Event types of the SNS messages published, in order. */
export const notificationTypes = (aws: FakeAws): string[] =>
  aws.sns.map((m) => {
    const body = JSON.parse(m.message) as { eventType?: string; instanceId?: string; group?: string };
    return `${body.eventType}|${body.instanceId ?? body.group ?? ''}`;
  });

/** Runs `main`, returning its outcome or the error it threw. */
export const attempt = async (main: Main, event?: unknown): Promise<{ ok: true; outcome: HandlerOutcome } | { ok: false; error: unknown }> => {
  try {
    return { ok: true, outcome: await main(event) };
  } catch (error) {
    return { ok: false, error };
  }
};
