/**
 * Test support for the lifecycle functions: a parsed config with named profiles, and recording
 * in-memory ports (Auto Scaling with open lifecycle actions, SSM, SNS, EventBridge) that drive the
 * real `createMain`s with a `MemoryStateStore`, as the fleet simulator does.
 */
import type {
  AutoScalingPort,
  BusEvent,
  CommandInvocation,
  CommandSummary,
  EventBusPort,
  GroupSummary,
  LifecycleActionRef,
  LifecycleCallOutcome,
  LifecycleHookSummary,
  SendCommandInput,
  SnsPort,
  SsmPort,
} from '../../../shared/aws';
import { GroupDirectory } from '../../../shared/aws';
import { type OrchestratorConfig, parseConfig, type ProfileInput } from '../../../shared/config';
import type { LifecycleDeps } from '../../../shared/lifecycle/deps';
import { Publisher } from '../../../shared/notify';
import type { LifecycleWork } from '../../../shared/lifecycle/record';
import { MemoryStateStore } from '../../../shared/state/memory-store';

export const GROUP = 'ml-inference-gpu';
export const INSTANCE = 'i-0abc1234def567890';
export const DOCUMENTS = { warmup: 'asg-orchestrator-test-WarmUpDocument-ABC', drain: 'asg-orchestrator-test-DrainDocument-DEF' };
export const T0 = Date.parse('2026-11-27T10:00:12Z');

/** The gpu-inference profile of config/profiles.json, with overrides. */
export const config = (overrides: ProfileInput = {}, extra: Record<string, ProfileInput> = {}): OrchestratorConfig =>
  parseConfig({
    version: 1,
    profiles: {
      'gpu-inference': {
        mode: 'enforce',
        warmup: {
          modelUris: ['s3://my-models-bucket/llama-3-8b/', 's3://my-models-bucket/tokenizers/llama-3/tokenizer.json'],
          timeoutSeconds: 2700,
          maxAttempts: 3,
          onFailure: 'abandon',
          ...(overrides.warmup ?? {}),
        },
        drain: { timeoutSeconds: 600, ...(overrides.drain ?? {}) },
        ...(overrides.mode ? { mode: overrides.mode } : {}),
      },
      ...extra,
    },
  });

/** A group summary carrying the opt-in tag. */
export const group = (name = GROUP, profile: string | undefined = 'gpu-inference', instances: GroupSummary['instances'] = []): GroupSummary => ({
  name,
  arn: `arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:1111:autoScalingGroupName/${name}`,
  tags: profile ? [{ key: 'asg-orchestrator:profile', value: profile }] : [{ key: 'team', value: 'web' }],
  desiredCapacity: 1,
  minSize: 0,
  maxSize: 4,
  hasMixedInstancesPolicy: false,
  weights: new Map(),
  instances,
});

export const HOOKS: LifecycleHookSummary[] = [
  {
    name: 'asg-orchestrator-launch',
    transition: 'autoscaling:EC2_INSTANCE_LAUNCHING',
    heartbeatTimeoutSeconds: 300,
    globalTimeoutSeconds: 30_000,
    defaultResult: 'ABANDON',
  },
  {
    name: 'asg-orchestrator-terminate',
    transition: 'autoscaling:EC2_INSTANCE_TERMINATING',
    heartbeatTimeoutSeconds: 300,
    globalTimeoutSeconds: 30_000,
    defaultResult: 'CONTINUE',
  },
];

/** Auto Scaling with lifecycle actions that are open until answered (then "No active Lifecycle Action found"). */
export class FakeAutoScaling implements AutoScalingPort {
  public readonly groups = new Map<string, GroupSummary>();
  public hooks: LifecycleHookSummary[] = HOOKS;
  /** instanceId → whether its lifecycle action is still open. */
  public readonly open = new Map<string, boolean>();
  public readonly completions: Array<{ ref: LifecycleActionRef; result: 'CONTINUE' | 'ABANDON'; accepted: boolean }> = [];
  public readonly heartbeats: Array<{ ref: LifecycleActionRef; accepted: boolean }> = [];
  public describeHooksCalls = 0;

  public async describeGroups(names: readonly string[]): Promise<GroupSummary[]> {
    return names.map((n) => this.groups.get(n)).filter((g): g is GroupSummary => g !== undefined);
  }
  public async describeGroupsByTagKey(tagKey: string): Promise<GroupSummary[]> {
    return [...this.groups.values()].filter((g) => g.tags.some((t) => t.key === tagKey));
  }
  public async describeLifecycleHooks(): Promise<LifecycleHookSummary[]> {
    this.describeHooksCalls += 1;
    return this.hooks;
  }
  public async updateInstancesDistribution(): Promise<void> {}
  public async completeLifecycleAction(ref: LifecycleActionRef, result: 'CONTINUE' | 'ABANDON'): Promise<LifecycleCallOutcome> {
    const accepted = this.open.get(ref.instanceId) === true;
    this.completions.push({ ref, result, accepted });
    if (accepted) this.open.set(ref.instanceId, false);
    return accepted ? 'done' : 'already-done';
  }
  public async recordLifecycleActionHeartbeat(ref: LifecycleActionRef): Promise<LifecycleCallOutcome> {
    const accepted = this.open.get(ref.instanceId) === true;
    this.heartbeats.push({ ref, accepted });
    return accepted ? 'done' : 'already-done';
  }
}

/** SSM that records commands; ids are `00000000-0000-4000-8000-00000000000N`; statuses are set by the test. */
export class FakeSsm implements SsmPort {
  public readonly sent: SendCommandInput[] = [];
  /** When each command of `sent` was requested (the world's clock). */
  public readonly sentAt: number[] = [];
  public readonly statuses = new Map<string, string>();
  public invocationReads = 0;
  public listReads = 0;
  public constructor(private readonly now: () => number = () => T0) {}
  public async sendCommand(input: SendCommandInput): Promise<string> {
    this.sent.push(input);
    this.sentAt.push(this.now());
    return commandId(this.sent.length);
  }
  /** ListCommands (InstanceId + InvokedAfter): the commands sent to the instance since `invokedAfter`, newest first, one page of 50. */
  public async listCommands(instanceId: string, invokedAfter: number): Promise<CommandSummary[]> {
    this.listReads += 1;
    return this.sent
      .map((c, i) => ({ c, id: commandId(i + 1), at: this.sentAt[i] ?? 0 }))
      .filter(({ c, at }) => c.instanceId === instanceId && at >= invokedAfter)
      .reverse()
      .slice(0, 50)
      .map(({ c, id, at }) => ({
        commandId: id,
        documentName: c.documentName,
        comment: c.comment.slice(0, 100),
        requestedAt: at,
        status: this.statuses.get(id) ?? 'Pending',
      }));
  }
  public async getCommandInvocation(id: string): Promise<CommandInvocation | undefined> {
    this.invocationReads += 1;
    const status = this.statuses.get(id);
    return status ? { status, statusDetails: status, outputExcerpt: `output of ${id}` } : undefined;
  }
}

export const commandId = (n: number): string => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

/** Records what was published. */
export class FakeChannels implements SnsPort, EventBusPort {
  public readonly published: Array<Record<string, unknown>> = [];
  public async publish(input: { message: string }): Promise<string> {
    this.published.push(JSON.parse(input.message) as Record<string, unknown>);
    return 'm-1';
  }
  public async putEvents(_events: readonly BusEvent[]): Promise<void> {}
}

/** In-memory deps for `createMain` of every lifecycle function, with a movable clock. */
export interface World {
  deps: LifecycleDeps;
  asg: FakeAutoScaling;
  ssm: FakeSsm;
  store: MemoryStateStore;
  channels: FakeChannels;
  clock: { now: number };
}

export const world = (cfg: OrchestratorConfig = config()): World => {
  const clock = { now: T0 };
  const asg = new FakeAutoScaling();
  asg.groups.set(GROUP, group());
  asg.groups.set('legacy-web', group('legacy-web', undefined));
  const ssm = new FakeSsm(() => clock.now);
  const store = new MemoryStateStore(() => clock.now);
  const channels = new FakeChannels();
  const deps: LifecycleDeps = {
    config: () => cfg,
    autoScaling: asg,
    groups: new GroupDirectory(asg, 60_000, () => clock.now),
    ssm,
    store,
    publisher: new Publisher(channels, channels, { topicArn: 'arn:aws:sns:us-east-1:123456789012:t', eventBusName: 'default' }),
    documents: DOCUMENTS,
    now: () => clock.now,
  };
  return { deps, asg, ssm, store, channels, clock };
};

/** A launch lifecycle event for `instanceId` (the shape of events/autoscaling/launch-lifecycle.json). */
export const launchEvent = (instanceId = INSTANCE, extra: Record<string, unknown> = {}, groupName = GROUP): Record<string, unknown> => ({
  version: '0',
  id: '0b1c2d3e-4f50-4a61-8b72-9c8d7e6f5a41',
  'detail-type': 'EC2 Instance-launch Lifecycle Action',
  source: 'aws.autoscaling',
  account: '123456789012',
  time: '2026-11-27T10:00:12Z',
  region: 'us-east-1',
  resources: [],
  detail: {
    LifecycleActionToken: 'c2f6a1d4-3b7e-4e9a-9c1d-5f2e8a7b6c30',
    AutoScalingGroupName: groupName,
    LifecycleHookName: 'asg-orchestrator-launch',
    EC2InstanceId: instanceId,
    LifecycleTransition: 'autoscaling:EC2_INSTANCE_LAUNCHING',
    ...extra,
  },
});

/** An SSM command status event. */
export const commandEvent = (id: string, status: string, instanceId = INSTANCE, documentName = DOCUMENTS.warmup): Record<string, unknown> => ({
  version: '0',
  id: '1c2d3e4f-5061-4b72-8c83-0d9e8f7a6b01',
  'detail-type': 'EC2 Command Invocation Status-change Notification',
  source: 'aws.ssm',
  account: '123456789012',
  time: '2026-11-27T10:04:55Z',
  region: 'us-east-1',
  resources: [],
  detail: { 'command-id': id, 'document-name': documentName, 'instance-id': instanceId, 'requested-date-time': '2026-11-27T10:00:14.049Z', status },
});

/** A running warm-up record of {@link INSTANCE} (attempt 1 of 3, command c-1, started at T0), with `over` applied. */
export const lifecycleWork = (over: Partial<LifecycleWork> = {}): LifecycleWork => ({
  instanceId: INSTANCE,
  groupName: 'ml-inference-gpu',
  profileName: 'gpu-inference',
  phase: 'launch',
  mode: 'enforce',
  hookName: 'asg-orchestrator-launch',
  documentName: 'warmup',
  commandId: 'c-1',
  attempt: 1,
  maxAttempts: 3,
  status: 'running',
  startedAt: T0,
  attemptStartedAt: T0,
  deadlineAt: T0 + 2_700_000,
  ...over,
});
