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
  type AutoScalingPort,
  type BusEvent,
  callAws,
  type CommandInvocation,
  type CommandSummary,
  type Ec2Port,
  type EventBusPort,
  GroupDirectory,
  type GroupInstance,
  type GroupSummary,
  type InstanceInfo,
  LIST_COMMANDS_MAX_RESULTS,
  type LifecycleActionRef,
  type LifecycleCallOutcome,
  type LifecycleHookSummary,
  type SendCommandInput,
  type SnsMessage,
  type SnsPort,
  type SsmPort,
  type StateRecord,
  type StateStorePort,
} from '../../../shared/aws';
import { type OrchestratorConfig, parseConfig } from '../../../shared/config';
import type { OwnOrigin } from '../../../shared/events/origin';
import type { HandlerOutcome } from '../../../shared/middleware/stack';
import { HookCache } from '../../../shared/lifecycle/lifecycle-sweep';
import { Publisher } from '../../../shared/notify';
import { InstanceDirectory } from '../../../shared/signals/instance-directory';
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
// The fake AWS
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

/** An open lifecycle action and its clock (EC2 Auto Scaling user guide, "Amazon EC2 Auto Scaling lifecycle hooks"). */
interface OpenAction {
  /** 1 for the first action of this instance and hook, 2 for the next (warm pools, reuse on scale-in), … */
  n: number;
  openedAt: number;
  lastBeatAt: number;
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

const HOOKS: LifecycleHookSummary[] = [
  { name: LAUNCH_HOOK, transition: 'autoscaling:EC2_INSTANCE_LAUNCHING', heartbeatTimeoutSeconds: 300, globalTimeoutSeconds: 30_000, defaultResult: 'ABANDON' },
  { name: TERMINATE_HOOK, transition: 'autoscaling:EC2_INSTANCE_TERMINATING', heartbeatTimeoutSeconds: 300, globalTimeoutSeconds: 30_000, defaultResult: 'CONTINUE' },
];

/** What AWS holds: groups, instances, open lifecycle actions, commands, and what was sent or changed. */
export class FakeAws {
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
  /** `${instanceId}|${hookName}` → open */
  public readonly open = new Map<string, boolean>();
  /** The clock of each open action (same keys as {@link open}). */
  private readonly actions = new Map<string, OpenAction>();
  private readonly actionCount = new Map<string, number>();
  /** Accepted completions (the side effect). */
  public readonly completions: Completion[] = [];
  /** Every CompleteLifecycleAction call, accepted or not: a second completion is recorded here, for the test to judge. */
  public readonly completionCalls: CompletionCall[] = [];
  /** Actions that timed out to their hook's DefaultResult: instances the orchestrator lost. */
  public readonly expired: Expiry[] = [];
  public completeCalls = 0;
  public heartbeats = 0;
  public readonly commands: Array<SendCommandInput & { commandId: string; at: number }> = [];
  public readonly commandStatus = new Map<string, string>();
  public readonly updates: Array<{ group: string; base: number; percent: number; at: number }> = [];
  public readonly sns: SnsMessage[] = [];
  public readonly bus: BusEvent[] = [];

  public constructor() {
    this.table = new MemoryStateStore(() => this.clock.now);
    this.addGroup(GROUP, [{ key: TAG_KEY, value: 'gpu-inference' }]);
    this.addGroup(LEGACY, [{ key: 'team', value: 'web' }]);
    this.addGroup(GHOST, [{ key: TAG_KEY, value: 'no-such-profile' }]);
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
    const n = (this.actionCount.get(key) ?? 0) + 1;
    this.actionCount.set(key, n);
    this.open.set(key, true);
    this.actions.set(key, { n, openedAt: this.clock.now, lastBeatAt: this.clock.now });
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

  /**
   * Applies what time does to open actions, as Auto Scaling does: an action whose heartbeat timeout
   * passed without a heartbeat, or that reached its global limit of min(48 h, 100 × HeartbeatTimeout),
   * ends with the hook's DefaultResult (EC2 Auto Scaling user guide, "How lifecycle hooks work",
   * https://docs.aws.amazon.com/autoscaling/ec2/userguide/lifecycle-hooks-overview.html; API reference,
   * LifecycleHook `HeartbeatTimeout`/`GlobalTimeout`/`DefaultResult`,
   * https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_LifecycleHook.html). A heartbeat restarts
   * the heartbeat timeout, never the global one. Evaluated lazily: every call on the world runs it first.
   */
  public expire(): void {
    const now = this.clock.now;
    for (const [key, a] of this.actions) {
      if (this.open.get(key) !== true) continue;
      const [instanceId = '', hookName = ''] = key.split('|');
      const hook = HOOKS.find((h) => h.name === hookName);
      if (!hook) continue;
      const global = Math.min(48 * 3_600, 100 * hook.heartbeatTimeoutSeconds) * 1000;
      const byBeat = a.lastBeatAt + hook.heartbeatTimeoutSeconds * 1000;
      const byGlobal = a.openedAt + global;
      if (now < byBeat && now < byGlobal) continue;
      const result = hook.defaultResult === 'CONTINUE' ? 'CONTINUE' : 'ABANDON';
      this.open.set(key, false);
      this.expired.push({ instanceId, hookName, result, at: Math.min(byBeat, byGlobal), why: byGlobal <= byBeat ? 'global-timeout' : 'heartbeat-timeout' });
      const inst = this.instances.get(instanceId);
      if (inst) inst.lifecycleState = hookName === LAUNCH_HOOK && result === 'CONTINUE' ? 'InService' : 'Terminated';
    }
  }

  /** RecordLifecycleActionHeartbeat as AWS does it: restarts the heartbeat timeout of an open action. */
  public heartbeat(ref: LifecycleActionRef): void {
    this.expire();
    this.heartbeats += 1;
    const key = `${ref.instanceId}|${ref.hookName}`;
    const a = this.actions.get(key);
    if (this.open.get(key) !== true || !a) throw awsError('ValidationError', `No active Lifecycle Action found with instance ID ${ref.instanceId}`);
    a.lastBeatAt = this.clock.now;
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
  public complete(ref: LifecycleActionRef, result: 'CONTINUE' | 'ABANDON'): void {
    this.expire();
    this.completeCalls += 1;
    const key = `${ref.instanceId}|${ref.hookName}`;
    const accepted = this.open.get(key) === true;
    this.completionCalls.push({ instanceId: ref.instanceId, hookName: ref.hookName, result, at: this.clock.now, action: this.actions.get(key)?.n ?? 0, accepted });
    if (!accepted) throw awsError('ValidationError', `No active Lifecycle Action found with instance ID ${ref.instanceId}`);
    this.open.set(key, false);
    this.completions.push({ instanceId: ref.instanceId, hookName: ref.hookName, result, at: this.clock.now });
    const inst = this.instances.get(ref.instanceId);
    if (!inst) return;
    if (ref.hookName === LAUNCH_HOOK) inst.lifecycleState = result === 'CONTINUE' ? 'InService' : 'Terminated';
    else inst.lifecycleState = 'Terminated';
  }
}

// ---------------------------------------------------------------------------------------------
// Ports over the fake AWS (each call recorded, throttled or failed by `Faults`)
// ---------------------------------------------------------------------------------------------

export class WorldAutoScaling implements AutoScalingPort {
  public constructor(private readonly aws: FakeAws) {}

  public async describeGroups(names: readonly string[]): Promise<GroupSummary[]> {
    const res = await this.aws.faults.call('DescribeAutoScalingGroups', () =>
      names.map((n) => this.aws.summary(n)).filter((g): g is GroupSummary => g !== undefined),
    );
    return res === 'already-done' ? [] : res;
  }
  public async describeGroupsByTagKey(tagKey: string): Promise<GroupSummary[]> {
    const res = await this.aws.faults.call('DescribeAutoScalingGroups', () =>
      [...this.aws.groupTags.entries()].filter(([, tags]) => tags.some((t) => t.key === tagKey)).map(([n]) => this.aws.summary(n) as GroupSummary),
    );
    return res === 'already-done' ? [] : res;
  }
  public async describeLifecycleHooks(groupName: string): Promise<LifecycleHookSummary[]> {
    const res = await this.aws.faults.call('DescribeLifecycleHooks', () => (this.aws.groupTags.has(groupName) ? HOOKS : []));
    return res === 'already-done' ? [] : res;
  }
  public async updateInstancesDistribution(groupName: string, distribution: InstancesDistribution): Promise<void> {
    await this.aws.faults.call('UpdateAutoScalingGroup', () => {
      if (!this.aws.groupTags.has(groupName)) throw awsError('ValidationError', `AutoScalingGroup name not found - ${groupName}`);
      // Like Auto Scaling: the request names only the distribution, the rest of the policy stays.
      const current: MixedInstancesPolicy = this.aws.policies.get(groupName) ?? {};
      this.aws.policies.set(groupName, { ...current, InstancesDistribution: { ...current.InstancesDistribution, ...structuredClone(distribution) } });
      this.aws.updates.push({
        group: groupName,
        base: distribution.OnDemandBaseCapacity ?? 0,
        percent: distribution.OnDemandPercentageAboveBaseCapacity ?? 100,
        at: this.aws.clock.now,
      });
    });
  }
  public async completeLifecycleAction(ref: LifecycleActionRef, result: 'CONTINUE' | 'ABANDON'): Promise<LifecycleCallOutcome> {
    const res = await this.aws.faults.call('CompleteLifecycleAction', () => this.aws.complete(ref, result));
    return res === 'already-done' ? 'already-done' : 'done';
  }
  public async recordLifecycleActionHeartbeat(ref: LifecycleActionRef): Promise<LifecycleCallOutcome> {
    const res = await this.aws.faults.call('RecordLifecycleActionHeartbeat', () => this.aws.heartbeat(ref));
    return res === 'already-done' ? 'already-done' : 'done';
  }
}

export const commandIdOf = (n: number): string => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

export class WorldSsm implements SsmPort {
  public constructor(private readonly aws: FakeAws) {}

  public async sendCommand(input: SendCommandInput): Promise<string> {
    const res = await this.aws.faults.call('SendCommand', () => {
      const commandId = commandIdOf(this.aws.commands.length + 1);
      this.aws.commands.push({ ...input, commandId, at: this.aws.clock.now });
      this.aws.commandStatus.set(commandId, 'InProgress');
      return commandId;
    });
    if (res === 'already-done') throw new Error('SendCommand returned no CommandId');
    return res;
  }
  /** ListCommands (InstanceId + InvokedAfter): newest first, one page of at most 50, with the comment as sent (truncated to 100 chars). */
  public async listCommands(instanceId: string, invokedAfter: number): Promise<CommandSummary[]> {
    const res = await this.aws.faults.call('ListCommands', () =>
      this.aws.commands
        .filter((c) => c.instanceId === instanceId && c.at >= invokedAfter)
        .sort((a, b) => b.at - a.at)
        .slice(0, LIST_COMMANDS_MAX_RESULTS)
        .map((c) => ({
          commandId: c.commandId,
          documentName: c.documentName,
          comment: c.comment.slice(0, 100),
          requestedAt: c.at,
          status: this.aws.commandStatus.get(c.commandId) ?? 'Pending',
        })),
    );
    return res === 'already-done' ? [] : res;
  }
  public async getCommandInvocation(commandId: string, instanceId: string): Promise<CommandInvocation | undefined> {
    try {
      const res = await this.aws.faults.call('GetCommandInvocation', () => {
        const status = this.aws.commandStatus.get(commandId);
        if (!status) throw awsError('InvocationDoesNotExist', `${commandId} ${instanceId}`);
        return { status, statusDetails: status, outputExcerpt: `output of ${commandId}` };
      });
      return res === 'already-done' ? undefined : res;
    } catch (error) {
      if (error instanceof Error && 'awsErrorName' in error && error.awsErrorName === 'InvocationDoesNotExist') return undefined;
      throw error;
    }
  }
}

export class WorldEc2 implements Ec2Port {
  public constructor(private readonly aws: FakeAws) {}
  public async describeInstances(ids: readonly string[]): Promise<InstanceInfo[]> {
    const res = await this.aws.faults.call('DescribeInstances', () =>
      ids.map((id) => this.aws.instances.get(id)).filter((i): i is SimInstance & { group: string } => i !== undefined),
    );
    return res === 'already-done' ? [] : res;
  }
}

export class WorldChannels implements SnsPort, EventBusPort {
  public constructor(private readonly aws: FakeAws) {}
  public async publish(m: SnsMessage): Promise<string> {
    const res = await this.aws.faults.call('Publish', () => {
      this.aws.sns.push(m);
      return `m-${this.aws.sns.length}`;
    });
    return res === 'already-done' ? '' : res;
  }
  public async putEvents(events: readonly BusEvent[]): Promise<void> {
    await this.aws.faults.call('PutEvents', () => {
      this.aws.bus.push(...events);
    });
  }
}

/** The state table behind the same fault injection as every other AWS call. */
export class WorldStore implements StateStorePort {
  public constructor(private readonly aws: FakeAws) {}
  private async run<T>(op: string, fn: () => Promise<T>): Promise<T> {
    const res = await this.aws.faults.call(op, fn);
    if (res === 'already-done') throw new Error(`${op}: unexpected already-done`);
    return res;
  }
  public get(pk: string, sk: string): Promise<StateRecord | undefined> {
    return this.run('GetItem', () => this.aws.table.get(pk, sk));
  }
  public putIfAbsent(record: StateRecord): Promise<boolean> {
    return this.run('PutItem', () => this.aws.table.putIfAbsent(record));
  }
  public putIfVersion(record: StateRecord, expectedVersion: number): Promise<boolean> {
    return this.run('PutItem', () => this.aws.table.putIfVersion(record, expectedVersion));
  }
  public delete(pk: string, sk: string): Promise<void> {
    return this.run('DeleteItem', () => this.aws.table.delete(pk, sk));
  }
  public setAttributes(pk: string, sk: string, attributes: Readonly<Record<string, unknown>>, expiresAt?: number): Promise<void> {
    return this.run('UpdateItem', () => this.aws.table.setAttributes(pk, sk, attributes, expiresAt));
  }
  public addToSet(pk: string, sk: string, attribute: string, values: readonly string[], expiresAt?: number): Promise<void> {
    return this.run('UpdateItem', () => this.aws.table.addToSet(pk, sk, attribute, values, expiresAt));
  }
  public queryPartition(pk: string, options?: { skPrefix?: string; signal?: AbortSignal }): Promise<Array<Record<string, unknown>>> {
    return this.run('Query', () => this.aws.table.queryPartition(pk, options));
  }
}

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
  const autoScaling = new WorldAutoScaling(aws);
  const ssm = new WorldSsm(aws);
  const channels = new WorldChannels(aws);
  const store = new WorldStore(aws);
  const publisher = new Publisher(channels, channels, { topicArn: TOPIC, eventBusName: 'default' });
  const instances = new InstanceDirectory(new WorldEc2(aws), 10_000, 60_000, now);
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
        // A packed launch snapshot (shared/state/packed-facts.ts) starts with the launch time: left out like `launchedAt`.
        .map(([k, v]) => [k, k.endsWith('|s') && typeof v === 'string' ? v.slice(Math.max(0, v.indexOf('\u001f'))) : normalize(v)]),
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
