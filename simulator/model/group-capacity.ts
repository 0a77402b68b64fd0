/**
 * The group's capacity: launches (allocation strategies, dry pools, the mix change's replacement
 * waves, Capacity Rebalancing) and scale-in (termination policy, default order, protection), with
 * the world's allocation and termination order (shared/local/allocation.ts).
 */
import { SECOND } from '../core/time';
import type { Fault } from '../scenario/schema';
import {
  type Bucket,
  type Candidate,
  defaultTerminationChoice,
  type Market,
  marketForLaunch,
  onDemandTarget,
  onDemandType,
  type PoolType,
  scaleInBuckets,
  spotPoolsByPreference,
  zonesByPreference,
} from '../../shared/local/allocation';
import { activityEvent } from '../../shared/local/aws-events';
import { AwsLikeError, type ScaleInRecord, type SimInstance, STOPPABLE, SPOT_FAILURE_MESSAGE, addUnits } from './fleet-state';
import { FleetSpotMarket } from './spot-market';

export abstract class GroupCapacity extends FleetSpotMarket {
  /**
   * The pools a launch of `market` tries, in order: zones by balance, then (Spot) the allocation
   * strategy's order inside each zone. "If there is insufficient instance capacity with Spot
   * Instances, Amazon EC2 Auto Scaling keeps trying to launch from other Spot Instance pools"
   * (same page): the launch walks this list past the dry ones.
   */
  protected launchCandidates(market: Market): Array<{ type: PoolType; az: string }> {
    const now = this.host.now();
    const tally = this.unitsByZone();
    const zones = zonesByPreference(this.spec.group.availabilityZones, (az, m) => tally.get(`${az}|${m}`) ?? 0, market);
    if (market === 'on-demand') return zones.map((az) => ({ type: onDemandType(this.distribution.onDemandAllocationStrategy, this.types), az }));
    return zones.flatMap((az) =>
      spotPoolsByPreference(this.distribution.spotAllocationStrategy, this.types, az, (type, zone) => this.poolShort(type, zone, now)).map((type) => ({
        type,
        az,
      })),
    );
  }

  protected choosePool(market: Market): { type: PoolType; az: string } | undefined {
    return this.launchCandidates(market)[0];
  }

  /**
   * One launch request: the first candidate pool with capacity gets the instance; a dry pool fails
   * for that pool only (InsufficientInstanceCapacity) and the request goes on. Only when every pool
   * failed does the scaling activity fail (EC2 Instance Launch Unsuccessful).
   */
  protected launchOne(market: Market, launchedAt: number): SimInstance | undefined {
    const now = this.host.now();
    const candidates = this.launchCandidates(market);
    const dry: Array<{ type: PoolType; az: string }> = [];
    let made: SimInstance | undefined;
    for (const c of candidates) {
      if (market === 'spot' && this.inDrought(c.type.type, c.az, now)) {
        this.poolDry(c.type.type, c.az);
        dry.push(c);
        continue;
      }
      made = this.createInstance(c.type, c.az, market, launchedAt);
      break;
    }
    if (dry.length > 0)
      this.host.log(
        'asg',
        `Spot launch failed in ${dry.map((c) => `${c.type.type}/${c.az}`).join(', ')}: InsufficientInstanceCapacity${made ? `; launched in ${made.type}/${made.az}` : ''}`,
      );
    const last = dry[dry.length - 1];
    if (!made && last) this.launchFailed(last.az);
    return made;
  }

  protected createInstance(type: PoolType, az: string, market: Market, launchedAt: number): SimInstance {
    let id = `i-0${this.ids.hex(16)}`;
    while (this.instances.has(id)) id = `i-0${this.ids.hex(16)}`;
    const now = this.host.now();
    const bad = this.spec.faults.find((f): f is Extract<Fault, { kind: 'bad-model' }> => f.kind === 'bad-model' && this.active(f, now));
    const loadFailureRate = bad ? bad.warmupFailureRate : this.spec.instance.warmupFailureRate;
    const warm = this.rngs.get('warmup');
    const w = this.spec.instance.warmupSeconds;
    const inst: SimInstance = {
      id,
      type: type.type,
      az,
      market,
      weight: type.weight,
      hourlyPrice: market === 'spot' ? type.spotPrice(az) : type.onDemandPrice,
      state: 'Pending',
      launchedAt,
      launchTemplateVersion: this.spec.group.launchTemplateVersion,
      modelVersion: bad ? bad.modelVersion : this.spec.group.modelVersion,
      loadFailureRate,
      firstLoadMs: Math.round(warm.between(w.min, w.max) * SECOND),
      firstLoadFails: warm.next() < loadFailureRate,
      loadAttempts: 0,
      warm: false,
      lastRps: 0,
      draining: false,
    };
    this.instances.set(id, inst);
    this.alive.set(id, inst);
    if (this.batchTally) addUnits(this.batchTally, inst);
    return inst;
  }

  protected async capacityLoop(): Promise<void> {
    const now = this.host.now();
    this.settleCapacityRebalancing();
    const units = this.activeUnits();
    this.mixSurplusUnits = Math.min(this.mixSurplusUnits, Math.max(0, units - this.desired));
    if (units < this.desired) {
      if (now >= this.nextLaunchAt) this.launchUpTo(this.desired - units);
      return;
    }
    // A mix change "launches new instances before terminating the previous ones": no termination
    // while the wave's replacements are still on their way in.
    if (this.waveInFlight()) return;
    if (units > this.desired) {
      if (now >= this.nextScaleInAt) await this.scaleIn();
      return;
    }
    if (this.mixReplacing && now >= this.nextLaunchAt) this.replaceForMix();
  }

  protected waveInFlight(): boolean {
    for (const id of this.mixWave) {
      const inst = this.instances.get(id);
      if (!inst || inst.state === 'Terminated' || this.ready(inst)) this.mixWave.delete(id);
    }
    return this.mixWave.size > 0;
  }

  /**
   * One wave of the gradual replacement that follows a change of OnDemandBaseCapacity or
   * OnDemandPercentageAboveBaseCapacity. AWS (CloudFormation reference, AWS::AutoScaling::AutoScalingGroup
   * InstancesDistribution, https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-autoscaling-autoscalinggroup-instancesdistribution.html):
   * an update to either "means a gradual replacement of instances … launches new instances before
   * terminating the previous ones"; only SpotAllocationStrategy, SpotInstancePools and SpotMaxPrice
   * leave running instances alone. The wave launches the under-represented market (through the
   * launch hook like any launch); once it is in service the group is above desired and the scale-in
   * (termination policy, terminate hook, drain) removes the over-represented market, which
   * scaleInBuckets takes first. AWS does not document the wave size: the model uses 10 % of desired
   * capacity (at least one unit) per wave.
   */
  protected replaceForMix(): void {
    const gap = onDemandTarget(this.distribution, this.desired) - this.unitsOf(undefined, 'on-demand');
    const size = Math.abs(gap);
    if (size < 1 || (this.mixLastGap !== undefined && size >= this.mixLastGap)) {
      this.mixReplacing = false;
      this.mixLastGap = undefined;
      this.host.log(
        'asg',
        `mix replacement done: ${this.describeMix()} for ${this.distribution.onDemandBaseCapacity} + ${this.distribution.onDemandPercentageAboveBaseCapacity}% at desired ${this.desired}`,
      );
      return;
    }
    const wave = Math.min(size, Math.max(1, Math.ceil(this.desired * 0.1)));
    const launched = this.launchUpTo(wave, 'mix change: replacement');
    if (launched.length === 0) return;
    this.mixLastGap = size;
    for (const inst of launched) {
      this.mixWave.add(inst.id);
      this.mixSurplusUnits += inst.weight;
      this.metrics.mixReplacementLaunches += 1;
    }
  }

  /** Capacity Rebalancing: terminate each at-risk instance once its replacement passed its health checks. */
  protected settleCapacityRebalancing(): void {
    for (const [oldId, newId] of this.rebalancing) {
      const old = this.instances.get(oldId);
      const repl = this.instances.get(newId);
      if (!old || old.state === 'Terminated' || !STOPPABLE.has(old.state)) {
        this.rebalancing.delete(oldId);
        continue;
      }
      if (!repl || repl.state === 'Terminated') {
        old.replacedBy = undefined;
        this.rebalancing.delete(oldId);
        continue;
      }
      if (!this.ready(repl)) continue;
      this.rebalancing.delete(oldId);
      this.beginTermination(old, `Capacity Rebalancing: replacement ${repl.id} passed its health checks`);
    }
  }

  protected launchUpTo(deficit: number, why = ''): SimInstance[] {
    const now = this.host.now();
    let missing = deficit;
    const launched: string[] = [];
    const made: SimInstance[] = [];
    this.inBatch((tally) => {
      while (missing > 0) {
        const market = marketForLaunch(this.distribution, this.desired, tally.get('*|on-demand') ?? 0);
        const inst = this.launchOne(market, now);
        if (!inst) break;
        this.metrics.launches += 1;
        made.push(inst);
        launched.push(`${inst.id} (${inst.type} ${inst.az} ${inst.market})`);
        this.bootLater(inst);
        missing -= inst.weight;
      }
    });
    if (launched.length > 0) this.host.log('asg', `${why ? `${why}: ` : ''}launching ${launched.length}: ${launched.join(', ')}`);
    return made;
  }

  protected bootLater(inst: SimInstance): void {
    const boot = this.rngs.get('boot');
    const b = this.spec.group.bootSeconds;
    this.host.at(this.host.now() + Math.round(boot.between(b.min, b.max) * SECOND), () => this.booted(inst));
  }

  /** Every pool of the request was dry: the scaling activity fails, Auto Scaling tries again later. */
  protected launchFailed(az: string): void {
    const now = this.host.now();
    this.nextLaunchAt = now + 30 * SECOND;
    const activityId = this.eventIds.guid();
    this.host.emit(
      activityEvent({
        id: this.eventIds.guid(),
        activityId,
        kind: 'launch-unsuccessful',
        at: now + SECOND,
        startedAt: now,
        groupArn: this.groupArn,
        groupName: this.spec.group.name,
        availabilityZone: az,
        subnetId: this.subnets.get(az) ?? '',
        statusCode: 'Failed',
        statusMessage: SPOT_FAILURE_MESSAGE,
        cause: `At ${new Date(now).toISOString().slice(0, 19)}Z an instance was started in response to a difference between desired and actual capacity, increasing the capacity from ${this.activeUnits()} to ${this.desired}.`,
        description: `Launching a new EC2 instance.  Status Reason: ${SPOT_FAILURE_MESSAGE}`,
      }),
    );
  }

  protected async scaleIn(): Promise<void> {
    const now = this.host.now();
    const active = [...this.alive.values()].filter((i) => STOPPABLE.has(i.state) && i.replacedBy === undefined);
    const rank = this.allocationRanks();
    const candidates: Candidate[] = active.map((i) => ({
      id: i.id,
      type: i.type,
      az: i.az,
      market: i.market,
      weight: i.weight,
      launchedAt: i.launchedAt,
      launchTemplateVersion: i.launchTemplateVersion,
      protectedFromScaleIn: i.protectedFromScaleIn === true,
      allocationRank: rank.get(`${i.market}|${this.poolKey(i.type, i.az)}`) ?? 0,
    }));
    const buckets = scaleInBuckets(this.distribution, this.spec.group.availabilityZones, candidates, this.desired);
    if (buckets.length === 0) return;
    // Protected instances are not candidates: Auto Scaling offers the policy only what it may terminate.
    const inBuckets = candidates.filter((c) => !c.protectedFromScaleIn && buckets.some((b) => b.availabilityZone === c.az && b.market === c.market));
    let ids: string[];
    let reason: string;
    let by: ScaleInRecord['by'];
    if (this.host.terminationPolicy) {
      const input = {
        AutoScalingGroupARN: this.groupArn,
        AutoScalingGroupName: this.spec.group.name,
        CapacityToTerminate: buckets.map((b) => ({ AvailabilityZone: b.availabilityZone, Capacity: b.capacity, InstanceMarketOption: b.market })),
        Instances: inBuckets.map((c) => ({ AvailabilityZone: c.az, InstanceId: c.id, InstanceType: c.type, InstanceMarketOption: c.market })),
        Cause: 'SCALE_IN',
      };
      const answer = await this.host.terminationPolicy(input);
      ids = this.enforceBuckets(answer.instanceIds, buckets, inBuckets);
      reason = `terminationPolicy → ${answer.outcome}: ${answer.reason}`;
      by = 'terminationPolicy';
      if (ids.length === 0) {
        // Auto Scaling waits and asks again.
        this.nextScaleInAt = now + 30 * SECOND;
        this.host.log('asg', `scale-in: terminationPolicy returned no usable instance; Auto Scaling asks again in 30 s (${reason})`);
        return;
      }
    } else {
      const choice = defaultTerminationChoice(buckets, inBuckets, this.spec.group.launchTemplateVersion, now, this.rngs.get('default-termination'));
      ids = choice.ids;
      reason = choice.reason;
      by = 'default';
    }
    const doomed = inBuckets.filter((c) => {
      const i = this.alive.get(c.id);
      return i !== undefined && (i.warnedAt !== undefined || i.rebalancedAt !== undefined);
    });
    this.scaleIns.push({
      at: now,
      buckets,
      candidates: inBuckets.map((c) => c.id),
      bucketOf: Object.fromEntries(inBuckets.map((c) => [c.id, `${c.az}|${c.market}`])),
      doomed: doomed.map((c) => c.id),
      chosen: ids,
      by,
    });
    const bucketText = buckets.map((b) => `${b.availabilityZone}/${b.market} ${b.capacity}`).join(', ');
    this.host.log('asg', `scale-in to ${this.desired} (${bucketText}): terminating ${ids.join(', ')}`, { reason });
    for (const id of ids) {
      const inst = this.alive.get(id);
      if (!inst) continue;
      if (this.mixSurplusUnits > 0) {
        // The surplus a replacement wave made: this instance is replaced by a mix change.
        this.mixSurplusUnits -= inst.weight;
        this.metrics.mixReplacedInstances += 1;
        inst.endedBy ??= 'replaced by a mix change';
      }
      this.beginTermination(inst, 'scale-in');
    }
  }

  /** Each pool's position in the allocation strategy's current order per zone and market (0 = preferred). */
  protected allocationRanks(): Map<string, number> {
    const now = this.host.now();
    const out = new Map<string, number>();
    for (const az of this.spec.group.availabilityZones) {
      spotPoolsByPreference(this.distribution.spotAllocationStrategy, this.types, az, (type, zone) => this.poolShort(type, zone, now)).forEach((t, k) => {
        out.set(`spot|${this.poolKey(t.type, az)}`, k);
      });
      // prioritized On-Demand: the overrides' order; lowest-price: cheapest per unit first.
      const od =
        this.distribution.onDemandAllocationStrategy === 'lowest-price'
          ? [...this.types].sort((a, b) => a.onDemandPrice / a.weight - b.onDemandPrice / b.weight)
          : this.types;
      od.forEach((t, k) => {
        out.set(`on-demand|${this.poolKey(t.type, az)}`, k);
      });
    }
    return out;
  }

  /**
   * SetInstanceProtection: a protected instance still counts toward capacity but no scale-in
   * terminates it (Spot interruptions, health-check replacements and TerminateInstanceInAutoScalingGroup
   * still do). https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-instance-protection.html
   */
  public setInstanceProtection(instanceIds: readonly string[], protectedFromScaleIn: boolean): void {
    for (const id of instanceIds) {
      const inst = this.alive.get(id);
      if (!inst) throw new AwsLikeError('ValidationError', `The instance ${id} is not part of Auto Scaling group ${this.spec.group.name}.`);
      inst.protectedFromScaleIn = protectedFromScaleIn;
    }
  }

  /** Auto Scaling ignores ids it did not offer and never goes beyond a bucket's capacity. */
  protected enforceBuckets(ids: readonly string[], buckets: readonly Bucket[], offered: readonly Candidate[]): string[] {
    const byId = new Map(offered.map((c) => [c.id, c]));
    const left = new Map(buckets.map((b) => [`${b.availabilityZone}|${b.market}`, b.capacity]));
    const out: string[] = [];
    for (const id of ids) {
      const c = byId.get(id);
      if (!c || out.includes(id)) continue;
      const k = `${c.az}|${c.market}`;
      const cap = left.get(k) ?? 0;
      if (c.weight > cap) continue;
      left.set(k, cap - c.weight);
      out.push(id);
    }
    return out;
  }

  /**
   * Capacity Rebalancing: Auto Scaling launches a Spot replacement for an instance that got a
   * rebalance recommendation and terminates the old one once the new one passes its health checks
   * (https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-capacity-rebalancing.html).
   */
  protected rebalanceCapacity(inst: SimInstance): void {
    if (inst.market !== 'spot' || !STOPPABLE.has(inst.state) || inst.replacedBy !== undefined) return;
    const repl = this.launchOne('spot', this.host.now());
    if (!repl) return;
    this.metrics.launches += 1;
    this.metrics.capacityRebalanceLaunches += 1;
    inst.replacedBy = repl.id;
    this.rebalancing.set(inst.id, repl.id);
    this.host.log('asg', `Capacity Rebalancing: launching ${repl.id} (${repl.type} ${repl.az} spot) to replace ${inst.id}`);
    this.bootLater(repl);
  }
}
