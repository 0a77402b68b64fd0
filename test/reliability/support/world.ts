/**
 * The reliability tier's accounts on the one AWS world (shared/local, docs/world.md): groups whose
 * lifecycle actions are the world's (open until answered, or until their timeout applies the hook's
 * DefaultResult), the world's SSM Run Command, EC2 instance facts, SNS/EventBridge recorded in the
 * world's outbox, and the state table (a `MemoryStateStore`). Every port call goes through the
 * world's ports (shared/local/ports.ts) and {@link Faults} (support/faults.ts). The seven real
 * `createMain`s are wired over it with {@link mains}; the events are in support/events.ts.
 */
import type { InstancesDistribution, MixedInstancesPolicy } from '@aws-sdk/client-auto-scaling';
import type {
  CommandInvocation,
  CommandSummary,
  GroupInstance,
  GroupSummary,
  InstanceInfo,
  LifecycleActionRef,
  LifecycleHookSummary,
  SendCommandInput,
} from '../../../shared/aws';
import { updatedDistribution } from '../../../shared/local/auto-scaling';
import { type ActionOutcome, globalTimeoutSeconds, type HookSpec, LifecycleActions, settledState } from '../../../shared/local/lifecycle-actions';
import { type AwsWorld, Outbox } from '../../../shared/local/ports';
import { RunCommands } from '../../../shared/local/run-command';
import { MemoryStateStore } from '../../../shared/state/memory-store';

import { guid } from './events';
import { Faults } from './faults';
import { GHOST, GROUP, LAUNCH_HOOK, LEGACY, T0, TAG_KEY, TERMINATE_HOOK } from './names';
import { GPU_MIXED_INSTANCES_POLICY } from '../../support/fixtures';

export * from './events';
export * from './faults';
export * from './mains';
export * from './names';
export * from './snapshot';

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
  /** Scale-in protection (SetInstanceProtection); DescribeAutoScalingGroups reports it per instance. */
  protectedFromScaleIn?: boolean;
}

const MIP = GPU_MIXED_INSTANCES_POLICY;

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
  /**
   * When each instance's SSM agent registers: SendCommand before that answers `InvalidInstanceId`
   * ("SSM Agent isn't registered with the SSM endpoint",
   * https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_SendCommand.html, Errors).
   * Instances not listed have a registered agent.
   */
  public readonly agentReadyAt = new Map<string, number>();
  /** SendCommand calls refused because the agent had not registered yet. */
  public agentNotReady = 0;
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

  /**
   * SetInstanceProtection as a user calls it (the product never does): the instances' scale-in
   * protection, reported by DescribeAutoScalingGroups from then on. At most 50 ids a call, and only
   * instances of the group
   * (https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_SetInstanceProtection.html).
   */
  public setInstanceProtection(ids: readonly string[], group: string, protectedFromScaleIn: boolean): void {
    if (ids.length > 50) throw awsError('LimitExceeded', 'You can specify up to 50 instances.');
    for (const id of ids) {
      const inst = this.instances.get(id);
      if (!inst || inst.group !== group) throw awsError('ValidationError', `The instance ${id} is not part of Auto Scaling group ${group}.`);
    }
    for (const id of ids) (this.instances.get(id) as SimInstance).protectedFromScaleIn = protectedFromScaleIn;
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
      .map((i) => ({
        instanceId: i.instanceId,
        instanceType: i.instanceType,
        availabilityZone: i.availabilityZone,
        lifecycleState: i.lifecycleState,
        protectedFromScaleIn: i.protectedFromScaleIn === true,
      }));
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
      this.completionCalls.push({
        instanceId: ref.instanceId,
        hookName: ref.hookName,
        result,
        at: this.clock.now,
        action: this.actionCount.get(key) ?? 0,
        accepted: outcome !== undefined,
      });
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
    this.updates.push({
      group: groupName,
      base: distribution.OnDemandBaseCapacity ?? 0,
      percent: distribution.OnDemandPercentageAboveBaseCapacity ?? 100,
      at: this.clock.now,
    });
  }

  /** SendCommand: the world's Run Command; the instance starts it at once (InProgress) and reports through {@link commandStatus}. */
  public sendCommand(input: SendCommandInput): string {
    const inst = this.instances.get(input.instanceId);
    const readyAt = this.agentReadyAt.get(input.instanceId);
    const registered = readyAt === undefined || this.clock.now >= readyAt;
    if (!registered) this.agentNotReady += 1;
    const id = this.runCommands.send(input, this.clock.now, { exists: inst !== undefined && inst.lifecycleState !== 'Terminated', registered });
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
