/**
 * A discrete-event model of one EC2 Auto Scaling group and the EC2/SSM behaviour around it: the
 * "AWS" that the simulator's ports talk to. It keeps instances through their lifecycle states,
 * holds lifecycle actions (heartbeat timeout, DefaultResult, the global limit), launches Spot or
 * On-Demand as a MixedInstancesPolicy does, scales in through a termination policy (the real
 * handler, or Auto Scaling's default), interrupts Spot instances, fails Spot launches in droughts,
 * runs warm-up and drain commands, and emits the EventBridge events AWS would.
 *
 * It never calls a handler itself: it emits events (the runner routes them) and asks the
 * `terminationPolicy` callback the runner gives it, exactly as Auto Scaling invokes the function.
 *
 * Split by concern: see fleet-state.ts for the layers.
 */
import type { MixedInstancesPolicy } from '@aws-sdk/client-auto-scaling';
import { globalTimeoutSeconds } from '../../shared/local/lifecycle-actions';
import type { GroupSummary, LifecycleHookSummary } from '../../shared/aws/auto-scaling';
import type { InstanceInfo } from '../../shared/aws/ec2';
import { HOUR, MINUTE, SECOND } from '../core/time';
import type { Fault } from '../scenario/schema';
import { marketForLaunch } from '../../shared/local/allocation';
import { AwsLikeError, TICK, poolText } from './fleet-state';
import type { Distribution } from '../../shared/local/allocation';
import { updatedDistribution } from '../../shared/local/auto-scaling';
import { GroupCapacity } from './group-capacity';

export type { FleetHost, FleetMetrics, FleetOptions, LifecycleState, ScaleInRecord, SeriesPoint, SimInstance, TimelineCategory } from './fleet-state';

export class Fleet extends GroupCapacity {
  /** The group's name. */
  public get groupName(): string {
    return this.spec.group.name;
  }

  /** Places the initial instances (already warm and InService) and schedules every loop and fault. */
  public begin(): void {
    const placement = this.rngs.get('initial');
    this.inBatch((tally) => {
      while ((tally.get('*|all') ?? 0) < this.desired) {
        const market = marketForLaunch(this.distribution, this.desired, tally.get('*|on-demand') ?? 0);
        const choice = this.choosePool(market);
        if (!choice) break;
        const inst = this.createInstance(choice.type, choice.az, market, this.start - Math.floor(placement.between(5 * MINUTE, 2 * HOUR)));
        inst.state = 'InService';
        inst.inServiceAt = this.start;
        inst.healthyAt = this.start;
        inst.warm = true;
      }
    });
    this.host.log('asg', `group ${this.spec.group.name} starts with ${this.alive.size} instances (${this.describeMix()}), desired ${this.desired}`);
    const end = this.start + this.spec.duration * SECOND;
    const every = (step: number, offset: number, fn: () => void | Promise<void>) => {
      for (let t = this.start + offset; t <= end; t += step) this.host.at(t, fn);
    };
    every(TICK, 0, () => this.traffic());
    every(MINUTE, 0, () => this.sample());
    every(MINUTE, 30 * SECOND, () => this.scale());
    every(TICK, 5 * SECOND, () => this.capacityLoop());
    for (const fault of this.spec.faults) this.scheduleFault(fault);
  }

  /** Closes the books at the end of the run: running instances are billed up to `end`. */
  public finish(end: number): void {
    for (const inst of this.alive.values()) this.bill(inst, end);
  }

  protected scheduleFault(fault: Fault): void {
    const at = this.start + fault.at * SECOND;
    switch (fault.kind) {
      case 'interruption-storm': {
        const until = at + fault.duration * SECOND;
        this.host.at(at, () =>
          this.host.log(
            'fault',
            `interruption storm begins in ${poolText(fault.pool)} (${fault.ratePerInstanceHour}/instance-hour for ${fault.duration / 60} min)`,
          ),
        );
        for (let t = at; t < until; t += MINUTE) this.host.at(t, () => this.stormStep(fault));
        this.host.at(until, () => this.host.log('fault', `interruption storm in ${poolText(fault.pool)} ends`));
        return;
      }
      case 'spot-drought':
        this.host.at(at, () =>
          this.host.log(
            'fault',
            `Spot capacity drought begins (${fault.pools.length === 0 ? 'every pool' : fault.pools.map(poolText).join(', ')}) for ${fault.duration / 60} min`,
          ),
        );
        this.host.at(at + fault.duration * SECOND, () => this.host.log('fault', 'Spot capacity drought ends'));
        return;
      case 'bad-model':
        this.host.at(at, () => this.host.log('fault', `model version ${fault.modelVersion} is rolled out: loading it fails (p=${fault.warmupFailureRate})`));
        this.host.at(at + fault.duration * SECOND, () => this.host.log('fault', `model version ${this.spec.group.modelVersion} is back`));
        return;
      case 'rebalance-recommendations':
        this.host.at(at, () => this.rebalanceWave(fault));
        return;
    }
  }

  protected scale(): void {
    const now = this.host.now();
    const change = this.tracking.evaluate(this.demand.at((now - this.start) / SECOND), this.desired);
    if (!change) return;
    this.desired = change.to;
    this.host.log('scaling', `desired capacity ${change.from} → ${change.to}: ${change.reason}`);
  }

  /** DescribeAutoScalingGroups, for one group. */
  public describe(): GroupSummary {
    const mip = this.mixedInstancesPolicy();
    return {
      name: this.spec.group.name,
      arn: this.groupArn,
      tags: this.options.profileTag ? [this.options.profileTag] : [],
      desiredCapacity: this.desired,
      minSize: this.spec.group.minSize,
      maxSize: this.spec.group.maxSize,
      hasMixedInstancesPolicy: true,
      mixedInstancesPolicy: mip,
      launchTemplateVersion: this.spec.group.launchTemplateVersion,
      weights: new Map(this.types.map((t) => [t.type, t.weight])),
      instances: [...this.alive.values()].map((i) => ({
        instanceId: i.id,
        instanceType: i.type,
        availabilityZone: i.az,
        lifecycleState: i.state,
        protectedFromScaleIn: i.protectedFromScaleIn === true,
        launchTemplateVersion: i.launchTemplateVersion,
      })),
    };
  }

  public mixedInstancesPolicy(): MixedInstancesPolicy {
    return {
      LaunchTemplate: {
        LaunchTemplateSpecification: { LaunchTemplateName: 'ml-inference', Version: this.spec.group.launchTemplateVersion },
        Overrides: this.types.map((t) => ({ InstanceType: t.type, WeightedCapacity: String(t.weight) })),
      },
      InstancesDistribution: {
        OnDemandAllocationStrategy: this.distribution.onDemandAllocationStrategy,
        OnDemandBaseCapacity: this.distribution.onDemandBaseCapacity,
        OnDemandPercentageAboveBaseCapacity: this.distribution.onDemandPercentageAboveBaseCapacity,
        SpotAllocationStrategy: this.distribution.spotAllocationStrategy,
      },
    };
  }

  /** DescribeLifecycleHooks. */
  public lifecycleHooks(): LifecycleHookSummary[] {
    const out: LifecycleHookSummary[] = [];
    const h = this.spec.group.hooks;
    const summary = (hook: typeof h.launch, transition: string): LifecycleHookSummary => ({
      name: hook.name,
      transition,
      heartbeatTimeoutSeconds: hook.heartbeatTimeout,
      globalTimeoutSeconds: globalTimeoutSeconds(hook.heartbeatTimeout),
      defaultResult: hook.defaultResult,
    });
    if (this.options.launchHook) out.push(summary(h.launch, 'autoscaling:EC2_INSTANCE_LAUNCHING'));
    if (this.options.terminateHook) out.push(summary(h.terminate, 'autoscaling:EC2_INSTANCE_TERMINATING'));
    for (const o of this.options.otherHooks ?? [])
      out.push(summary(o, o.transition === 'launch' ? 'autoscaling:EC2_INSTANCE_LAUNCHING' : 'autoscaling:EC2_INSTANCE_TERMINATING'));
    return out;
  }

  /**
   * UpdateAutoScalingGroup with a MixedInstancesPolicy. A new OnDemandBaseCapacity or
   * OnDemandPercentageAboveBaseCapacity starts a gradual replacement of running instances
   * ({@link replaceForMix}); the allocation strategies apply to future launches only.
   */
  public updateMixedInstancesPolicy(policy: MixedInstancesPolicy): void {
    const d = policy.InstancesDistribution;
    if (!d) throw new AwsLikeError('ValidationError', 'MixedInstancesPolicy.InstancesDistribution is required by the simulator');
    // What the request does not name stays (the world's UpdateAutoScalingGroup).
    const merged = updatedDistribution(this.mixedInstancesPolicy().InstancesDistribution, d);
    const pct = merged.OnDemandPercentageAboveBaseCapacity ?? this.distribution.onDemandPercentageAboveBaseCapacity;
    const base = merged.OnDemandBaseCapacity ?? this.distribution.onDemandBaseCapacity;
    if (!Number.isInteger(pct) || pct < 0 || pct > 100)
      throw new AwsLikeError('ValidationError', `OnDemandPercentageAboveBaseCapacity must be 0-100, got ${pct}`);
    if (!Number.isInteger(base) || base < 0) throw new AwsLikeError('ValidationError', `OnDemandBaseCapacity must be ≥ 0, got ${base}`);
    const before = `${this.distribution.onDemandBaseCapacity} + ${this.distribution.onDemandPercentageAboveBaseCapacity}%`;
    this.mixHistoryFrom = { base: this.distribution.onDemandBaseCapacity, percent: this.distribution.onDemandPercentageAboveBaseCapacity };
    const changed = pct !== this.distribution.onDemandPercentageAboveBaseCapacity || base !== this.distribution.onDemandBaseCapacity;
    this.distribution = {
      onDemandBaseCapacity: base,
      onDemandPercentageAboveBaseCapacity: pct,
      spotAllocationStrategy: (merged.SpotAllocationStrategy ?? this.distribution.spotAllocationStrategy) as Distribution['spotAllocationStrategy'],
      onDemandAllocationStrategy: (merged.OnDemandAllocationStrategy ??
        this.distribution.onDemandAllocationStrategy) as Distribution['onDemandAllocationStrategy'],
    };
    if (changed) {
      this.metrics.mixChanges += 1;
      this.mixHistory.push({
        t: this.host.now() - this.start,
        from: { base: this.mixHistoryFrom.base, percent: this.mixHistoryFrom.percent },
        to: { base, percent: pct },
      });
      this.mixReplacing = true;
      this.mixLastGap = undefined;
      this.host.log(
        'mix',
        `MixedInstancesPolicy: On-Demand base + share ${before} → ${base} + ${pct}%: running instances are replaced gradually (launch before terminate)`,
      );
    }
  }

  /** DescribeInstances. */
  public describeInstances(ids: readonly string[]): InstanceInfo[] {
    const out: InstanceInfo[] = [];
    for (const id of ids) {
      const i = this.instances.get(id);
      if (!i) continue;
      out.push({
        instanceId: i.id,
        instanceType: i.type,
        availabilityZone: i.az,
        market: i.market,
        groupName: this.spec.group.name,
        launchTime: i.launchedAt,
        tags: new Map([
          ['aws:autoscaling:groupName', this.spec.group.name],
          ['asg-orchestrator:model-version', i.modelVersion],
        ]),
      });
    }
    return out;
  }

  /** The group's tag key/values (for describeGroupsByTagKey). */
  public hasTagKey(key: string): boolean {
    return this.options.profileTag?.key === key;
  }
}
