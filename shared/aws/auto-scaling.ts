import {
  type AutoScalingClient,
  type AutoScalingGroup,
  CompleteLifecycleActionCommand,
  DescribeAutoScalingGroupsCommand,
  type DescribeAutoScalingGroupsCommandInput,
  DescribeLifecycleHooksCommand,
  type InstancesDistribution,
  type MixedInstancesPolicy,
  RecordLifecycleActionHeartbeatCommand,
  UpdateAutoScalingGroupCommand,
} from '@aws-sdk/client-auto-scaling';
import { alreadyDoneAfterSdkRetry, callAws } from './classify';

/** One tag of an Auto Scaling group. */
export interface GroupTag {
  key: string;
  value: string;
}

/** What the orchestrator needs to know about a group, read with DescribeAutoScalingGroups. */
export interface GroupSummary {
  name: string;
  arn: string;
  tags: readonly GroupTag[];
  desiredCapacity: number;
  minSize: number;
  maxSize: number;
  hasMixedInstancesPolicy: boolean;
  /** The launch template version the group launches now, when it names a fixed one (not `$Latest`/`$Default`). */
  launchTemplateVersion?: string;
  /** Instance type → capacity units, from the MixedInstancesPolicy overrides' `WeightedCapacity`. */
  weights: ReadonlyMap<string, number>;
  instances: readonly GroupInstance[];
  /** The group's whole MixedInstancesPolicy as AWS returned it, if it has one (the mix controller writes back its InstancesDistribution). */
  mixedInstancesPolicy?: MixedInstancesPolicy;
  /** New instances start protected from scale in (`NewInstancesProtectedFromScaleIn`); absent: false. */
  newInstancesProtectedFromScaleIn?: boolean;
}

/** A lifecycle hook of a group (DescribeLifecycleHooks). */
export interface LifecycleHookSummary {
  name: string;
  transition: 'autoscaling:EC2_INSTANCE_LAUNCHING' | 'autoscaling:EC2_INSTANCE_TERMINATING' | string;
  heartbeatTimeoutSeconds: number;
  globalTimeoutSeconds: number;
  defaultResult: 'CONTINUE' | 'ABANDON' | string;
}

/** One instance of a group, as DescribeAutoScalingGroups reports it. */
export interface GroupInstance {
  instanceId: string;
  instanceType: string;
  availabilityZone: string;
  lifecycleState: string;
  protectedFromScaleIn: boolean;
  launchTemplateVersion?: string;
}

const fixedVersion = (v: string | undefined): string | undefined => (v && /^\d+$/.test(v) ? v : undefined);

const toSummary = (g: AutoScalingGroup): GroupSummary => {
  const mip = g.MixedInstancesPolicy;
  const lt = mip?.LaunchTemplate?.LaunchTemplateSpecification ?? g.LaunchTemplate;
  const weights = new Map<string, number>();
  for (const o of mip?.LaunchTemplate?.Overrides ?? []) {
    const w = Number(o.WeightedCapacity);
    if (o.InstanceType && Number.isFinite(w) && w > 0) weights.set(o.InstanceType, w);
  }
  const version = fixedVersion(lt?.Version);
  return {
    name: g.AutoScalingGroupName ?? '',
    arn: g.AutoScalingGroupARN ?? '',
    tags: (g.Tags ?? []).map((t) => ({ key: t.Key ?? '', value: t.Value ?? '' })),
    desiredCapacity: g.DesiredCapacity ?? 0,
    minSize: g.MinSize ?? 0,
    maxSize: g.MaxSize ?? 0,
    hasMixedInstancesPolicy: mip !== undefined,
    ...(mip ? { mixedInstancesPolicy: mip } : {}),
    ...(version ? { launchTemplateVersion: version } : {}),
    ...(g.NewInstancesProtectedFromScaleIn === true ? { newInstancesProtectedFromScaleIn: true } : {}),
    weights,
    instances: (g.Instances ?? []).map((i) => {
      const v = fixedVersion(i.LaunchTemplate?.Version);
      return {
        instanceId: i.InstanceId ?? '',
        instanceType: i.InstanceType ?? '',
        availabilityZone: i.AvailabilityZone ?? '',
        lifecycleState: i.LifecycleState ?? '',
        protectedFromScaleIn: i.ProtectedFromScaleIn === true,
        ...(v ? { launchTemplateVersion: v } : {}),
      };
    }),
  };
};

/** Identifies one lifecycle action: by token when we have it, by instance id otherwise. */
export interface LifecycleActionRef {
  groupName: string;
  hookName: string;
  instanceId: string;
  token?: string;
}

/** Outcome of a call on a lifecycle action: done now, or finished/expired before we got there. */
export type LifecycleCallOutcome = 'done' | 'already-done';

/**
 * Port for Auto Scaling. The simulator and tests supply other implementations.
 *
 * @example
 * ```ts
 * const asg: AutoScalingPort = new SdkAutoScaling(new AutoScalingClient(CLIENT_CONFIG));
 * await asg.completeLifecycleAction({ groupName, hookName, instanceId, token }, 'CONTINUE');
 * ```
 */
export interface AutoScalingPort {
  describeGroups(names: readonly string[], options?: DescribeGroupsOptions): Promise<GroupSummary[]>;
  /** Every group carrying the tag key (the opt-in tag): what the reconcile sweep walks. */
  describeGroupsByTagKey(tagKey: string, options?: DescribeGroupsOptions): Promise<GroupSummary[]>;
  describeLifecycleHooks(groupName: string): Promise<LifecycleHookSummary[]>;
  /**
   * UpdateAutoScalingGroup naming only `MixedInstancesPolicy.InstancesDistribution` (pass it whole, as
   * read, with the fields to change): Auto Scaling keeps the LaunchTemplate and Overrides, which the
   * request does not name, and checks no launch-template permission.
   */
  updateInstancesDistribution(groupName: string, distribution: InstancesDistribution): Promise<void>;
  completeLifecycleAction(ref: LifecycleActionRef, result: 'CONTINUE' | 'ABANDON'): Promise<LifecycleCallOutcome>;
  recordLifecycleActionHeartbeat(ref: LifecycleActionRef): Promise<LifecycleCallOutcome>;
}

/** Options of the DescribeAutoScalingGroups reads. */
export interface DescribeGroupsOptions {
  /**
   * `false`: the groups without their instances (`instances` is then empty). Auto Scaling answers
   * every instance of a group by default, which for a large group is most of the answer:
   * https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_DescribeAutoScalingGroups.html
   */
  includeInstances?: boolean;
  /** Aborts the request (and so its parsing) when the caller's budget is gone. */
  signal?: AbortSignal;
}

/** DescribeAutoScalingGroups accepts at most 100 names per call. */
const DESCRIBE_PAGE = 100;

/** The SDK's per-call options: an abort signal stops the request, the body is then never parsed. */
const sendOptions = (options: DescribeGroupsOptions): { abortSignal?: AbortSignal } => (options.signal ? { abortSignal: options.signal } : {});

/** Thin SDK adapter: one SDK call per method (plus pagination), errors mapped by the classifier. */
export class SdkAutoScaling implements AutoScalingPort {
  public constructor(private readonly client: AutoScalingClient) {}

  public async describeGroups(names: readonly string[], options: DescribeGroupsOptions = {}): Promise<GroupSummary[]> {
    const out: GroupSummary[] = [];
    for (let i = 0; i < names.length; i += DESCRIBE_PAGE) {
      out.push(...(await this.describePages({ AutoScalingGroupNames: names.slice(i, i + DESCRIBE_PAGE) }, options)));
    }
    return out;
  }

  public async describeGroupsByTagKey(tagKey: string, options: DescribeGroupsOptions = {}): Promise<GroupSummary[]> {
    return this.describePages({ Filters: [{ Name: 'tag-key', Values: [tagKey] }] }, options);
  }

  /**
   * Every page of one DescribeAutoScalingGroups query (at most 100 groups a page, `NextToken` for the
   * next: https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_DescribeAutoScalingGroups.html).
   */
  private async describePages(
    query: Partial<Pick<DescribeAutoScalingGroupsCommandInput, 'AutoScalingGroupNames' | 'Filters'>>,
    options: DescribeGroupsOptions,
  ): Promise<GroupSummary[]> {
    const out: GroupSummary[] = [];
    let nextToken: string | undefined;
    do {
      const res = await callAws('DescribeAutoScalingGroups', () =>
        this.client.send(
          new DescribeAutoScalingGroupsCommand({
            ...query,
            NextToken: nextToken,
            MaxRecords: 100,
            ...(options.includeInstances === false ? { IncludeInstances: false } : {}),
          }),
          sendOptions(options),
        ),
      );
      if (res === 'already-done') break;
      for (const g of res.AutoScalingGroups ?? []) out.push(toSummary(g));
      nextToken = res.NextToken;
    } while (nextToken);
    return out;
  }

  public async describeLifecycleHooks(groupName: string): Promise<LifecycleHookSummary[]> {
    const res = await callAws('DescribeLifecycleHooks', () => this.client.send(new DescribeLifecycleHooksCommand({ AutoScalingGroupName: groupName })));
    if (res === 'already-done') return [];
    return (res.LifecycleHooks ?? []).map((h) => ({
      name: h.LifecycleHookName ?? '',
      transition: h.LifecycleTransition ?? '',
      heartbeatTimeoutSeconds: h.HeartbeatTimeout ?? 3600,
      globalTimeoutSeconds: h.GlobalTimeout ?? 172_800,
      defaultResult: h.DefaultResult ?? 'ABANDON',
    }));
  }

  public async updateInstancesDistribution(groupName: string, distribution: InstancesDistribution): Promise<void> {
    await callAws('UpdateAutoScalingGroup', () =>
      this.client.send(new UpdateAutoScalingGroupCommand({ AutoScalingGroupName: groupName, MixedInstancesPolicy: { InstancesDistribution: distribution } })),
    );
  }

  public async completeLifecycleAction(ref: LifecycleActionRef, result: 'CONTINUE' | 'ABANDON'): Promise<LifecycleCallOutcome> {
    const res = await callAws(
      'CompleteLifecycleAction',
      async () => {
        try {
          return await this.client.send(
            new CompleteLifecycleActionCommand({
              AutoScalingGroupName: ref.groupName,
              LifecycleHookName: ref.hookName,
              LifecycleActionResult: result,
              ...(ref.token ? { LifecycleActionToken: ref.token } : { InstanceId: ref.instanceId }),
            }),
          );
        } catch (error) {
          // "No active Lifecycle Action found" on the SDK's own retry: the earlier attempt completed the
          // action and its answer was lost (the action closes once completed:
          // https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_CompleteLifecycleAction.html).
          // It is this caller's completion, not "already over": the caller publishes its notification.
          if (alreadyDoneAfterSdkRetry(error)) return 'completed-by-earlier-attempt' as const;
          throw error;
        }
      },
      { instanceId: ref.instanceId, group: ref.groupName },
    );
    return res === 'already-done' ? 'already-done' : 'done';
  }

  public async recordLifecycleActionHeartbeat(ref: LifecycleActionRef): Promise<LifecycleCallOutcome> {
    const res = await callAws(
      'RecordLifecycleActionHeartbeat',
      () =>
        this.client.send(
          new RecordLifecycleActionHeartbeatCommand({
            AutoScalingGroupName: ref.groupName,
            LifecycleHookName: ref.hookName,
            ...(ref.token ? { LifecycleActionToken: ref.token } : { InstanceId: ref.instanceId }),
          }),
        ),
      { instanceId: ref.instanceId, group: ref.groupName },
    );
    return res === 'already-done' ? 'already-done' : 'done';
  }
}

/**
 * Caches group tags per cold start for `ttlMs`, so a burst of events for one group costs one
 * DescribeAutoScalingGroups call. A group that does not exist is cached as `undefined`.
 */
export class GroupDirectory {
  private readonly cache = new Map<string, { at: number; group: GroupSummary | undefined }>();

  public constructor(
    private readonly port: AutoScalingPort,
    private readonly ttlMs = 60_000,
    private readonly clock: () => number = Date.now,
  ) {}

  public async get(name: string): Promise<GroupSummary | undefined> {
    const hit = this.cache.get(name);
    const now = this.clock();
    if (hit && now - hit.at < this.ttlMs) return hit.group;
    const [group] = await this.port.describeGroups([name]);
    this.cache.set(name, { at: now, group });
    return group;
  }
}
