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
 */
import type { MixedInstancesPolicy } from '@aws-sdk/client-auto-scaling';
import { type ActionOutcome, globalTimeoutSeconds, type HookSpec, LifecycleActions, type LifecycleResult, type OpenAction } from '../../shared/local/lifecycle-actions';
import type { GroupSummary, LifecycleHookSummary } from '../../shared/aws/auto-scaling';
import type { InstanceInfo } from '../../shared/aws/ec2';
import type { CommandInvocation, CommandSummary, SendCommandInput } from '../../shared/aws/ssm';
import type { Rng, RngStreams } from '../core/prng';
import { HOUR, MINUTE, SECOND } from '../core/time';
import type { Fault, ScenarioSpec } from '../scenario/schema';
import {
  type Bucket,
  type Candidate,
  type Distribution,
  defaultTerminationChoice,
  type Market,
  marketForLaunch,
  onDemandTarget,
  onDemandType,
  type PoolType,
  scaleInBuckets,
  spotPoolsByPreference,
  zonesByPreference,
} from './allocation';
import { activityEvent, type AwsEvent, lifecycleActionEvent, rebalanceEvent, SIM_ACCOUNT, SIM_REGION, spotInterruptionEvent, commandStatusEvent } from './aws-events';
import { DemandCurve, TargetTracking } from './demand';

export type LifecycleState = 'Pending' | 'Pending:Wait' | 'InService' | 'Terminating' | 'Terminating:Wait' | 'Terminated';

/** One EC2 instance of the group. */
export interface SimInstance {
  id: string;
  type: string;
  az: string;
  market: Market;
  weight: number;
  hourlyPrice: number;
  state: LifecycleState;
  launchedAt: number;
  inServiceAt?: number;
  terminatedAt?: number;
  launchTemplateVersion: string;
  modelVersion: string;
  /** Probability that one attempt to load this instance's models fails. */
  loadFailureRate: number;
  /** Drawn at launch (common random numbers for both runs): the first load's duration and outcome. */
  firstLoadMs: number;
  firstLoadFails: boolean;
  loadAttempts: number;
  warm: boolean;
  protectedFromScaleIn?: boolean;
  /** When its SSM agent registered (SendCommand before that: InvalidInstanceId). */
  agentReadyAt?: number;
  /** Time it stopped receiving new requests (drain, deregistration, death). */
  stoppedAt?: number;
  /** Requests per second it received at the last traffic tick while routable. */
  lastRps: number;
  draining: boolean;
  drainedAt?: number;
  rebalancedAt?: number;
  /** Capacity Rebalancing launched this instance's replacement; it no longer counts toward desired capacity. */
  replacedBy?: string;
  /** When the load balancer starts routing to it (careful baseline: warm, then health checks passed). */
  healthyAt?: number;
  warnedAt?: number;
  interruptAt?: number;
  endedBy?: string;
}

/** A Run Command invocation on one instance. */
interface SimCommand {
  id: string;
  instanceId: string;
  documentName: string;
  kind: 'warmup' | 'drain';
  requestedAt: number;
  status: string;
  comment: string;
}

/** What the runner gives the model. */
export interface FleetHost {
  now(): number;
  at(time: number, what: () => void | Promise<void>): void;
  emit(event: AwsEvent): void;
  log(category: TimelineCategory, text: string, data?: Record<string, unknown>): void;
  /** The custom termination policy (the real handler through its wiring), when the run has one. */
  terminationPolicy?: (input: Record<string, unknown>) => Promise<{ instanceIds: string[]; outcome: string; reason: string }>;
}

export type TimelineCategory = 'scaling' | 'asg' | 'ec2' | 'ssm' | 'fault' | 'mix' | 'decision' | 'error';

/** Which lifecycle hooks the group has (the orchestrated run installs those whose handlers are wired). */
export interface FleetOptions {
  launchHook: boolean;
  terminateHook: boolean;
  warmupDocument: string;
  drainDocument: string;
  profileTag?: { key: string; value: string };
  /**
   * Capacity Rebalancing (the careful baseline): on a rebalance recommendation Auto Scaling launches
   * a Spot replacement and terminates the at-risk instance once the replacement passes its health
   * checks. https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-capacity-rebalancing.html
   */
  capacityRebalance?: boolean;
  /**
   * HealthCheckType ELB (the careful baseline): the load balancer routes only to targets whose
   * readiness check passes, and Auto Scaling replaces an instance still unhealthy after the grace
   * period. https://docs.aws.amazon.com/autoscaling/ec2/userguide/attach-load-balancer-asg.html and
   * https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-health-checks.html
   */
  elbHealthChecks?: boolean;
  /**
   * Hooks other tools put on the group (a group can carry several per transition, each with its own
   * action and token). The model plays their owner: it answers `answer` after `answerAfterSeconds`,
   * or never (the hook's DefaultResult applies at its timeout).
   */
  otherHooks?: Array<HookSpec & { answerAfterSeconds?: number; answer?: LifecycleResult }>;
}

/** Counters the summary is made of. */
export interface FleetMetrics {
  instanceSeconds: Record<Market, number>;
  cost: number;
  belowDesiredSeconds: number;
  coldRequests: number;
  servedRequests: number;
  unservedRequests: number;
  droppedRequests: number;
  interruptions: number;
  interruptionsAbsorbed: number;
  rebalanceRecommendations: number;
  spotLaunchFailures: number;
  launches: number;
  terminations: number;
  abandonedLaunches: number;
  hookTimeouts: number;
  mixChanges: number;
  /** Launches made to bring running instances to a changed On-Demand base/percentage. */
  mixReplacementLaunches: number;
  /** Running instances terminated because a mix change replaced them. */
  mixReplacedInstances: number;
  /** Spot replacements launched by Capacity Rebalancing. */
  capacityRebalanceLaunches: number;
  /** Instances replaced because the load balancer's health check still failed after the grace period. */
  healthCheckReplacements: number;
  commands: number;
  /** SendCommand refused with InvalidInstanceId because the SSM agent had not registered yet. */
  agentNotReady: number;
  /** Events delivered a second time (at-least-once delivery). */
  duplicateDeliveries: number;
}

/** One point of the capacity series (every minute). */
export interface SeriesPoint {
  t: number;
  desired: number;
  onDemand: number;
  spot: number;
  pending: number;
  warm: number;
  demand: number;
  onDemandPercent: number;
  onDemandBase: number;
  /** Requests that reached a cold instance, and requests dropped in flight, since the start (cumulative). */
  coldRequests: number;
  droppedRequests: number;
  /** What the instances alive at this point cost per hour (each bills from its launch until it ends). */
  costPerHour: number;
}

/** A scale-in decision, kept for assertions (doomed instances leave first). */
export interface ScaleInRecord {
  at: number;
  buckets: Bucket[];
  candidates: string[];
  /** Candidate id → its bucket (`zone|market`). */
  bucketOf: Record<string, string>;
  doomed: string[];
  chosen: string[];
  by: 'terminationPolicy' | 'default';
}

const TICK = 10 * SECOND;
const STOPPABLE: ReadonlySet<LifecycleState> = new Set(['Pending', 'Pending:Wait', 'InService']);
const SPOT_FAILURE_MESSAGE =
  'Could not launch Spot Instances. InsufficientInstanceCapacity - There is no Spot capacity available that matches your request. Launching EC2 instance failed.';

class AwsLikeError extends Error {
  public constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

export class Fleet {
  public readonly metrics: FleetMetrics = {
    instanceSeconds: { 'on-demand': 0, spot: 0 },
    cost: 0,
    belowDesiredSeconds: 0,
    coldRequests: 0,
    servedRequests: 0,
    unservedRequests: 0,
    droppedRequests: 0,
    interruptions: 0,
    interruptionsAbsorbed: 0,
    rebalanceRecommendations: 0,
    spotLaunchFailures: 0,
    launches: 0,
    terminations: 0,
    abandonedLaunches: 0,
    hookTimeouts: 0,
    mixChanges: 0,
    mixReplacementLaunches: 0,
    mixReplacedInstances: 0,
    capacityRebalanceLaunches: 0,
    healthCheckReplacements: 0,
    commands: 0,
    agentNotReady: 0,
    duplicateDeliveries: 0,
  };
  public readonly series: SeriesPoint[] = [];
  public readonly scaleIns: ScaleInRecord[] = [];
  /** Every change of OnDemandBaseCapacity / OnDemandPercentageAboveBaseCapacity (ms since the start). */
  public readonly mixHistory: Array<{ t: number; from: { base: number; percent: number }; to: { base: number; percent: number } }> = [];
  /** Every instance ever launched, by id (terminated ones stay, for the report). */
  public readonly instances = new Map<string, SimInstance>();
  public readonly groupArn: string;
  public desired: number;
  public distribution: Distribution;

  private readonly alive = new Map<string, SimInstance>();
  private readonly actions: LifecycleActions;
  private readonly commands = new Map<string, SimCommand>();
  private readonly types: PoolType[];
  private readonly subnets = new Map<string, string>();
  private readonly poolCooldown = new Map<string, number>();
  /** When each Spot pool interrupted instances (EC2's own record: what price-capacity-optimized sees). */
  private readonly poolInterruptions = new Map<string, number[]>();
  private readonly tracking: TargetTracking;
  private readonly demand: DemandCurve;
  private readonly ids: Rng;
  private readonly eventIds: Rng;
  private nextLaunchAt = 0;
  /** The units tally of the current batch of launches (see unitsByZone). */
  private batchTally: Map<string, number> | undefined;
  /** A change of OnDemandBaseCapacity/OnDemandPercentageAboveBaseCapacity is still replacing instances. */
  private mixReplacing = false;
  private mixHistoryFrom = { base: 0, percent: 0 };
  /** The current replacement wave (launched, not yet in service): terminations wait for it. */
  private readonly mixWave = new Set<string>();
  /** Capacity units launched by mix waves whose counterpart has not been terminated yet. */
  private mixSurplusUnits = 0;
  /** |On-Demand gap| when the last wave was launched: a wave that does not shrink it ends the replacement. */
  private mixLastGap: number | undefined;
  /** Capacity Rebalancing: at-risk instance id → its replacement's id. */
  private readonly rebalancing = new Map<string, string>();
  private nextScaleInAt = 0;
  private currentRps = 0;
  private readonly start: number;

  public constructor(
    private readonly spec: ScenarioSpec,
    private readonly options: FleetOptions,
    private readonly host: FleetHost,
    private readonly rngs: RngStreams,
  ) {
    this.start = host.now();
    this.ids = rngs.get('ids');
    this.eventIds = rngs.get('event-ids');
    this.actions = new LifecycleActions(() => this.ids.guid());
    const g = spec.group;
    this.groupArn = `arn:aws:autoscaling:${SIM_REGION}:${SIM_ACCOUNT}:autoScalingGroup:${this.ids.guid()}:autoScalingGroupName/${g.name}`;
    for (const az of g.availabilityZones) this.subnets.set(az, `subnet-0${this.ids.hex(16)}`);
    this.types = g.instanceTypes.map((t) => ({
      type: t.type,
      weight: t.weight,
      onDemandPrice: t.onDemandPrice,
      spotPrice: (az: string) => t.spotPriceByZone?.[az] ?? t.spotPrice,
    }));
    this.distribution = { ...g.instancesDistribution };
    this.desired = Math.min(g.maxSize, Math.max(g.minSize, g.initialCapacity));
    this.tracking = new TargetTracking(spec.demand, g.minSize, g.maxSize);
    this.demand = new DemandCurve(spec.demand, rngs.get('demand'));
  }

  // ------------------------------------------------------------------ set-up and loops

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

  private scheduleFault(fault: Fault): void {
    const at = this.start + fault.at * SECOND;
    switch (fault.kind) {
      case 'interruption-storm': {
        const until = at + fault.duration * SECOND;
        this.host.at(at, () => this.host.log('fault', `interruption storm begins in ${poolText(fault.pool)} (${fault.ratePerInstanceHour}/instance-hour for ${fault.duration / 60} min)`));
        for (let t = at; t < until; t += MINUTE) this.host.at(t, () => this.stormStep(fault));
        this.host.at(until, () => this.host.log('fault', `interruption storm in ${poolText(fault.pool)} ends`));
        return;
      }
      case 'spot-drought':
        this.host.at(at, () => this.host.log('fault', `Spot capacity drought begins (${fault.pools.length === 0 ? 'every pool' : fault.pools.map(poolText).join(', ')}) for ${fault.duration / 60} min`));
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

  // ------------------------------------------------------------------ traffic and metrics

  private traffic(): void {
    const now = this.host.now();
    const rps = this.demand.at((now - this.start) / SECOND);
    this.currentRps = rps;
    const dt = TICK / SECOND;
    let routableUnits = 0;
    let warmUnits = 0;
    for (const inst of this.alive.values()) {
      if (this.routable(inst)) routableUnits += inst.weight;
    }
    for (const inst of this.alive.values()) {
      if (!this.routable(inst)) continue;
      const share = routableUnits > 0 ? (rps * inst.weight) / routableUnits : 0;
      inst.lastRps = share;
      if (inst.warm) {
        warmUnits += inst.weight;
        this.metrics.servedRequests += share * dt;
      } else {
        this.metrics.coldRequests += share * dt;
      }
    }
    if (routableUnits === 0) this.metrics.unservedRequests += rps * dt;
    if (warmUnits < this.desired) this.metrics.belowDesiredSeconds += dt;
  }

  private sample(): void {
    let od = 0;
    let spot = 0;
    let pending = 0;
    let warm = 0;
    let costPerHour = 0;
    for (const inst of this.alive.values()) {
      costPerHour += inst.hourlyPrice;
      if (inst.state === 'InService') {
        if (inst.market === 'spot') spot += inst.weight;
        else od += inst.weight;
        if (inst.warm && this.routable(inst)) warm += inst.weight;
      } else if (inst.state === 'Pending' || inst.state === 'Pending:Wait') pending += inst.weight;
    }
    this.series.push({
      t: this.host.now() - this.start,
      desired: this.desired,
      onDemand: od,
      spot,
      pending,
      warm,
      demand: Math.round(this.currentRps * 10) / 10,
      onDemandPercent: this.distribution.onDemandPercentageAboveBaseCapacity,
      onDemandBase: this.distribution.onDemandBaseCapacity,
      coldRequests: Math.round(this.metrics.coldRequests),
      droppedRequests: Math.round(this.metrics.droppedRequests),
      costPerHour: Math.round(costPerHour * 1000) / 1000,
    });
  }

  private scale(): void {
    const now = this.host.now();
    const change = this.tracking.evaluate(this.demand.at((now - this.start) / SECOND), this.desired);
    if (!change) return;
    this.desired = change.to;
    this.host.log('scaling', `desired capacity ${change.from} → ${change.to}: ${change.reason}`);
  }

  private routable(inst: SimInstance): boolean {
    if (inst.state !== 'InService' || inst.draining) return false;
    // With load-balancer health checks, a target receives traffic only once its readiness check passes.
    return !this.options.elbHealthChecks || (inst.healthyAt !== undefined && inst.healthyAt <= this.host.now());
  }

  private stopTraffic(inst: SimInstance): void {
    inst.stoppedAt ??= this.host.now();
  }

  /** In-flight requests lost if the instance dies now (linear decay after it stopped receiving traffic). */
  private inFlight(inst: SimInstance, now: number): number {
    const window = this.spec.demand.requestSeconds * SECOND;
    if (inst.drainedAt !== undefined && inst.drainedAt <= now) return 0;
    const since = inst.stoppedAt === undefined ? 0 : now - inst.stoppedAt;
    return inst.lastRps * this.spec.demand.requestSeconds * Math.max(0, 1 - since / window);
  }

  // ------------------------------------------------------------------ capacity: launch and scale-in

  private activeUnits(): number {
    let u = 0;
    for (const inst of this.alive.values()) if (STOPPABLE.has(inst.state) && inst.replacedBy === undefined) u += inst.weight;
    return u;
  }

  private unitsOf(az: string | undefined, market: Market | 'all'): number {
    let u = 0;
    for (const inst of this.alive.values()) {
      if (!STOPPABLE.has(inst.state) || inst.replacedBy !== undefined) continue;
      if (az !== undefined && inst.az !== az) continue;
      if (market !== 'all' && inst.market !== market) continue;
      u += inst.weight;
    }
    return u;
  }

  /**
   * Units per `zone|market`, `zone|all`, `*|market` and `*|all` (one pass over the group, for launch
   * placement). Inside a batch of launches ({@link begin}, {@link launchUpTo}) the batch's tally is
   * kept up to date by {@link createInstance} instead of counting the group again per launch.
   */
  private unitsByZone(): Map<string, number> {
    if (this.batchTally) return this.batchTally;
    const out = new Map<string, number>();
    for (const inst of this.alive.values()) {
      if (!STOPPABLE.has(inst.state) || inst.replacedBy !== undefined) continue;
      addUnits(out, inst);
    }
    return out;
  }

  /** Runs a batch of launches with one tally of the group's units. */
  private inBatch<T>(fn: (tally: Map<string, number>) => T): T {
    const tally = this.unitsByZone();
    this.batchTally = tally;
    try {
      return fn(tally);
    } finally {
      this.batchTally = undefined;
    }
  }

  private describeMix(): string {
    return `${this.unitsOf(undefined, 'on-demand')} On-Demand + ${this.unitsOf(undefined, 'spot')} Spot units`;
  }

  private poolKey(type: string, az: string): string {
    return `${type}|${az}`;
  }

  private matches(sel: { instanceType?: string | undefined; availabilityZone?: string | undefined }, type: string, az: string): boolean {
    return (sel.instanceType === undefined || sel.instanceType === type) && (sel.availabilityZone === undefined || sel.availabilityZone === az);
  }

  private active(fault: Fault, now: number): boolean {
    const from = this.start + fault.at * SECOND;
    const duration = 'duration' in fault ? fault.duration : 0;
    return now >= from && now < from + duration * SECOND;
  }

  private inDrought(type: string, az: string, now: number): boolean {
    return this.spec.faults.some((f) => f.kind === 'spot-drought' && this.active(f, now) && (f.pools.length === 0 || f.pools.some((p) => this.matches(p, type, az))));
  }

  /**
   * What EC2 knows of a Spot pool's capacity now, from the past only (no oracle of the interruptions
   * to come): a pool that interrupted instances in the last 30 minutes, or failed a launch in the last
   * 5, is short of capacity. price-capacity-optimized "looks at both price and capacity to select the
   * Spot Instance pools that are the least likely to be interrupted and have the lowest possible price"
   * (https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-mixed-instances-groups.html).
   */
  private poolShort(type: string, az: string, now: number): boolean {
    const key = this.poolKey(type, az);
    if ((this.poolCooldown.get(key) ?? 0) > now) return true;
    const seen = this.poolInterruptions.get(key);
    return seen !== undefined && seen.some((t) => t > now - 30 * MINUTE);
  }

  /**
   * The pools a launch of `market` tries, in order: zones by balance, then (Spot) the allocation
   * strategy's order inside each zone. "If there is insufficient instance capacity with Spot
   * Instances, Amazon EC2 Auto Scaling keeps trying to launch from other Spot Instance pools"
   * (same page): the launch walks this list past the dry ones.
   */
  private launchCandidates(market: Market): Array<{ type: PoolType; az: string }> {
    const now = this.host.now();
    const tally = this.unitsByZone();
    const zones = zonesByPreference(this.spec.group.availabilityZones, (az, m) => tally.get(`${az}|${m}`) ?? 0, market);
    if (market === 'on-demand') return zones.map((az) => ({ type: onDemandType(this.distribution.onDemandAllocationStrategy, this.types), az }));
    return zones.flatMap((az) => spotPoolsByPreference(this.distribution.spotAllocationStrategy, this.types, az, (type, zone) => this.poolShort(type, zone, now)).map((type) => ({ type, az })));
  }

  private choosePool(market: Market): { type: PoolType; az: string } | undefined {
    return this.launchCandidates(market)[0];
  }

  /**
   * One launch request: the first candidate pool with capacity gets the instance; a dry pool fails
   * for that pool only (InsufficientInstanceCapacity) and the request goes on. Only when every pool
   * failed does the scaling activity fail (EC2 Instance Launch Unsuccessful).
   */
  private launchOne(market: Market, launchedAt: number): SimInstance | undefined {
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
    if (dry.length > 0) this.host.log('asg', `Spot launch failed in ${dry.map((c) => `${c.type.type}/${c.az}`).join(', ')}: InsufficientInstanceCapacity${made ? `; launched in ${made.type}/${made.az}` : ''}`);
    const last = dry[dry.length - 1];
    if (!made && last) this.launchFailed(last.az);
    return made;
  }

  private createInstance(type: PoolType, az: string, market: Market, launchedAt: number): SimInstance {
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

  private async capacityLoop(): Promise<void> {
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

  /** Ready to take traffic, as Auto Scaling's health checks see it. */
  private ready(inst: SimInstance): boolean {
    return inst.state === 'InService' && (!this.options.elbHealthChecks || (inst.healthyAt !== undefined && inst.healthyAt <= this.host.now()));
  }

  private waveInFlight(): boolean {
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
  private replaceForMix(): void {
    const gap = onDemandTarget(this.distribution, this.desired) - this.unitsOf(undefined, 'on-demand');
    const size = Math.abs(gap);
    if (size < 1 || (this.mixLastGap !== undefined && size >= this.mixLastGap)) {
      this.mixReplacing = false;
      this.mixLastGap = undefined;
      this.host.log('asg', `mix replacement done: ${this.describeMix()} for ${this.distribution.onDemandBaseCapacity} + ${this.distribution.onDemandPercentageAboveBaseCapacity}% at desired ${this.desired}`);
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
  private settleCapacityRebalancing(): void {
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

  private launchUpTo(deficit: number, why = ''): SimInstance[] {
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

  private bootLater(inst: SimInstance): void {
    const boot = this.rngs.get('boot');
    const b = this.spec.group.bootSeconds;
    this.host.at(this.host.now() + Math.round(boot.between(b.min, b.max) * SECOND), () => this.booted(inst));
  }

  /** A Spot pool had no capacity for a launch: EC2 now knows it is short (see {@link poolShort}). */
  private poolDry(type: string, az: string): void {
    this.metrics.spotLaunchFailures += 1;
    this.poolCooldown.set(this.poolKey(type, az), this.host.now() + 5 * MINUTE);
  }

  /** Every pool of the request was dry: the scaling activity fails, Auto Scaling tries again later. */
  private launchFailed(az: string): void {
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

  private booted(inst: SimInstance): void {
    if (inst.state !== 'Pending') return;
    const a = this.spec.instance.ssmAgentSeconds;
    inst.agentReadyAt = this.host.now() + Math.round(this.rngs.get('ssm-agent').between(a.min, a.max) * SECOND);
    if (this.openActions(inst, 'launch')) return;
    this.enterService(inst, 'no launch hook');
  }

  private enterService(inst: SimInstance, why: string): void {
    const now = this.host.now();
    inst.state = 'InService';
    inst.inServiceAt = now;
    if (this.options.launchHook) inst.healthyAt = now;
    if (!this.options.launchHook) {
      // Without a hook the instance loads its models by itself after it is already InService.
      inst.loadAttempts = 1;
      if (inst.firstLoadFails) {
        this.host.at(now + Math.round(inst.firstLoadMs * 0.6), () => {
          if (inst.state !== 'Terminated') {
            this.host.log('ec2', `${inst.id} failed to load model ${inst.modelVersion}: ${this.options.elbHealthChecks ? 'its readiness check fails, the load balancer sends it nothing' : 'it stays InService and serves cold'}`);
          }
        });
      } else {
        this.host.at(now + inst.firstLoadMs, () => {
          inst.warm = inst.state !== 'Terminated';
          inst.healthyAt = this.host.now() + this.spec.group.targetHealthyAfter * SECOND;
        });
      }
      if (this.options.elbHealthChecks) {
        // HealthCheckType ELB: after the grace period an instance the load balancer still finds unhealthy is replaced.
        this.host.at(now + this.spec.group.healthCheckGracePeriod * SECOND, () => {
          if (inst.state !== 'InService' || inst.warm) return;
          this.metrics.healthCheckReplacements += 1;
          this.host.log('asg', `${inst.id} is unhealthy (load balancer health check) after the ${this.spec.group.healthCheckGracePeriod} s grace period: Auto Scaling replaces it`);
          inst.endedBy ??= 'ELB health check';
          this.beginTermination(inst, 'ELB health check failed after the grace period');
        });
      }
    }
    this.host.log('asg', `${inst.id} InService (${inst.type} ${inst.az} ${inst.market}, ${inst.warm ? 'models warm' : 'models NOT warm'}; ${why})`);
    this.host.emit(this.activity('launch-successful', inst, 'InProgress', '', `Launching a new EC2 instance: ${inst.id}`));
  }

  private activity(kind: 'launch-successful' | 'launch-unsuccessful' | 'terminate-successful', inst: SimInstance, statusCode: string, statusMessage: string, description: string, cause?: string): AwsEvent {
    const now = this.host.now();
    return activityEvent({
      id: this.eventIds.guid(),
      activityId: this.eventIds.guid(),
      kind,
      at: now,
      startedAt: kind === 'terminate-successful' ? (inst.stoppedAt ?? now) : inst.launchedAt,
      groupArn: this.groupArn,
      groupName: this.spec.group.name,
      instanceId: inst.id,
      availabilityZone: inst.az,
      subnetId: this.subnets.get(inst.az) ?? '',
      statusCode,
      statusMessage,
      cause:
        cause ??
        `At ${new Date(inst.launchedAt).toISOString().slice(0, 19)}Z an instance was started in response to a difference between desired and actual capacity, increasing the capacity to ${this.desired}.`,
      description,
    });
  }

  private async scaleIn(): Promise<void> {
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
    this.scaleIns.push({ at: now, buckets, candidates: inBuckets.map((c) => c.id), bucketOf: Object.fromEntries(inBuckets.map((c) => [c.id, `${c.az}|${c.market}`])), doomed: doomed.map((c) => c.id), chosen: ids, by });
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
  private allocationRanks(): Map<string, number> {
    const now = this.host.now();
    const out = new Map<string, number>();
    for (const az of this.spec.group.availabilityZones) {
      spotPoolsByPreference(this.distribution.spotAllocationStrategy, this.types, az, (type, zone) => this.poolShort(type, zone, now)).forEach((t, k) => {
        out.set(`spot|${this.poolKey(t.type, az)}`, k);
      });
      // prioritized On-Demand: the overrides' order; lowest-price: cheapest per unit first.
      const od = this.distribution.onDemandAllocationStrategy === 'lowest-price' ? [...this.types].sort((a, b) => a.onDemandPrice / a.weight - b.onDemandPrice / b.weight) : this.types;
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
  private enforceBuckets(ids: readonly string[], buckets: readonly Bucket[], offered: readonly Candidate[]): string[] {
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

  // ------------------------------------------------------------------ termination

  private beginTermination(inst: SimInstance, cause: string): void {
    const now = this.host.now();
    inst.endedBy ??= cause;
    if (inst.state === 'Pending' || inst.state === 'Pending:Wait') {
      // Never served: the pending launch actions (if any) end with the instance.
      this.actions.drop(inst.id);
      this.finishTermination(inst, `${cause} before it was InService`);
      return;
    }
    this.stopTraffic(inst);
    if (this.openActions(inst, 'terminate')) return;
    inst.state = 'Terminating';
    this.host.at(now + this.spec.group.deregistrationDelaySeconds * SECOND, () => this.finishTermination(inst, cause));
  }

  /** After the terminate hook answered: the load balancer's deregistration delay still applies. */
  private proceedTermination(inst: SimInstance, why: string): void {
    const now = this.host.now();
    inst.state = 'Terminating';
    const at = Math.max(now, (inst.stoppedAt ?? now) + this.spec.group.deregistrationDelaySeconds * SECOND);
    this.host.at(at, () => this.finishTermination(inst, why));
  }

  private finishTermination(inst: SimInstance, why: string): void {
    if (inst.state === 'Terminated') return;
    const now = this.host.now();
    const lost = this.inFlight(inst, now);
    this.metrics.droppedRequests += lost;
    inst.state = 'Terminated';
    inst.terminatedAt = now;
    // EC2 took it (or it ended otherwise): open actions end with it; a later answer finds none.
    this.actions.drop(inst.id);
    this.stopTraffic(inst);
    this.alive.delete(inst.id);
    this.bill(inst, now);
    this.metrics.terminations += 1;
    this.host.log('asg', `${inst.id} terminated (${why})${lost >= 0.5 ? `: ${Math.round(lost)} in-flight requests lost` : ''}`);
    this.host.emit(
      this.activity(
        'terminate-successful',
        inst,
        'InProgress',
        '',
        `Terminating EC2 instance: ${inst.id}`,
        `At ${new Date(now).toISOString().slice(0, 19)}Z instance ${inst.id} was taken out of service (${why}).`,
      ),
    );
  }

  private bill(inst: SimInstance, until: number): void {
    const seconds = Math.max(0, until - inst.launchedAt) / SECOND;
    this.metrics.instanceSeconds[inst.market] += seconds;
    this.metrics.cost += (seconds / 3600) * inst.hourlyPrice;
  }

  // ------------------------------------------------------------------ lifecycle actions

  /** This orchestrator's hooks installed on the group, then the other tools' hooks. */
  private hooks(): HookSpec[] {
    const h = this.spec.group.hooks;
    const own: HookSpec[] = [];
    if (this.options.launchHook) own.push({ name: h.launch.name, transition: 'launch', heartbeatTimeout: h.launch.heartbeatTimeout, defaultResult: h.launch.defaultResult });
    if (this.options.terminateHook) own.push({ name: h.terminate.name, transition: 'terminate', heartbeatTimeout: h.terminate.heartbeatTimeout, defaultResult: h.terminate.defaultResult });
    return [...own, ...(this.options.otherHooks ?? [])];
  }

  /**
   * Opens one lifecycle action per hook of the transition (shared/local/lifecycle-actions.ts), emits
   * one event per action, and plays the other tools' part. Returns false when no hook holds the transition.
   */
  private openActions(inst: SimInstance, transition: 'launch' | 'terminate'): boolean {
    const now = this.host.now();
    const opened = this.actions.open({ instanceId: inst.id, transition, hooks: this.hooks(), now });
    if (opened.length === 0) return false;
    inst.state = transition === 'launch' ? 'Pending:Wait' : 'Terminating:Wait';
    this.scheduleExpiry(inst);
    for (const action of opened) {
      this.host.log('asg', `${inst.id} ${inst.state}: lifecycle hook ${action.hookName} waits (heartbeat timeout ${action.heartbeatMs / SECOND} s, default ${action.defaultResult})`);
      this.host.emit(
        lifecycleActionEvent({
          id: this.eventIds.guid(),
          at: now,
          groupArn: this.groupArn,
          groupName: this.spec.group.name,
          hookName: action.hookName,
          instanceId: inst.id,
          token: action.token,
          transition,
        }),
      );
      const other = this.options.otherHooks?.find((h) => h.name === action.hookName);
      if (other?.answerAfterSeconds !== undefined) {
        this.host.at(now + other.answerAfterSeconds * SECOND, () => {
          if (!this.actions.of(inst.id).includes(action)) return;
          this.settle(inst, this.actions.complete({ hookName: action.hookName, instanceId: inst.id, token: action.token }, other.answer ?? 'CONTINUE', `${action.hookName}'s owner answered`));
        });
      }
    }
    return true;
  }

  private scheduleExpiry(inst: SimInstance): void {
    const at = this.actions.nextDeadline(inst.id);
    if (at !== undefined) this.host.at(at, () => this.expireActions());
  }

  private expireActions(): void {
    for (const outcome of this.actions.expire(this.host.now())) {
      const inst = this.instances.get(outcome.instanceId);
      if (!inst) continue;
      this.metrics.hookTimeouts += 1;
      if (outcome.kind === 'settled') this.host.log('asg', `${inst.id}: lifecycle action timed out (${outcome.by}): DefaultResult ${outcome.result} applies`);
      this.settle(inst, outcome);
    }
  }

  /** Moves the instance on once its transition settled (every hook answered, or one ABANDON). */
  private settle(inst: SimInstance, outcome: ActionOutcome): void {
    if (outcome.kind === 'waiting') {
      this.scheduleExpiry(inst);
      return;
    }
    const why = outcome.by;
    if (outcome.transition === 'launch') {
      if (outcome.result === 'CONTINUE') {
        this.enterService(inst, `launch hook answered CONTINUE (${why})`);
        return;
      }
      this.metrics.abandonedLaunches += 1;
      const message = `Instance failed to complete user's Lifecycle Action: Lifecycle Action was abandoned: Lifecycle Action Completed with ABANDON Result`;
      this.host.emit(this.activity('launch-unsuccessful', inst, 'Cancelled', message, `Launching a new EC2 instance: ${inst.id}.  Status Reason: ${message}`));
      inst.endedBy ??= 'launch abandoned';
      this.finishTermination(inst, `launch hook answered ABANDON (${why})`);
      return;
    }
    this.proceedTermination(inst, `terminate hook answered ${outcome.result} (${why})`);
  }

  private checkGroup(groupName: string, ref: { instanceId: string; token?: string | undefined }): void {
    if (groupName !== this.spec.group.name) {
      throw new AwsLikeError('ValidationError', ref.token === undefined ? `No active Lifecycle Action found with instance ID ${ref.instanceId}` : `No active Lifecycle Action found with token ${ref.token}`);
    }
  }

  /** CompleteLifecycleAction. Throws ValidationError "No active Lifecycle Action found" like AWS. */
  public completeLifecycleAction(ref: { groupName: string; hookName: string; instanceId: string; token?: string }, result: 'CONTINUE' | 'ABANDON'): void {
    this.checkGroup(ref.groupName, ref);
    const inst = this.instances.get(ref.instanceId);
    const outcome = this.actions.complete(ref, result);
    if (inst) this.settle(inst, outcome);
  }

  /** RecordLifecycleActionHeartbeat: restarts the timeout, bounded by the global limit. */
  public recordHeartbeat(ref: { groupName: string; hookName: string; instanceId: string; token?: string }): void {
    this.checkGroup(ref.groupName, ref);
    const action = this.actions.heartbeat(ref, this.host.now());
    this.host.at(action.timeoutAt, () => this.expireActions());
  }

  /**
   * TerminateInstanceInAutoScalingGroup: the instance goes through the terminate hooks like any
   * termination; without ShouldDecrementDesiredCapacity the group launches a replacement.
   * https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_TerminateInstanceInAutoScalingGroup.html
   */
  public terminateInstanceInAutoScalingGroup(instanceId: string, shouldDecrementDesiredCapacity: boolean): void {
    const inst = this.alive.get(instanceId);
    if (!inst || !STOPPABLE.has(inst.state)) throw new AwsLikeError('ValidationError', `The instance ID '${instanceId}' is not part of Auto Scaling group ${this.spec.group.name}.`);
    if (shouldDecrementDesiredCapacity) this.desired = Math.max(this.spec.group.minSize, this.desired - inst.weight);
    this.beginTermination(inst, 'TerminateInstanceInAutoScalingGroup');
  }

  /** The open lifecycle actions of an instance (tests and the report). */
  public openActionsOf(instanceId: string): readonly OpenAction[] {
    return this.actions.of(instanceId);
  }

  // ------------------------------------------------------------------ Spot events

  private stormStep(fault: Extract<Fault, { kind: 'interruption-storm' }>): void {
    const p = 1 - Math.exp(-fault.ratePerInstanceHour / 60);
    const rng = this.rngs.get('storm');
    for (const inst of [...this.alive.values()]) {
      if (inst.market !== 'spot' || !STOPPABLE.has(inst.state) || inst.warnedAt !== undefined || !this.matches(fault.pool, inst.type, inst.az)) continue;
      if (!rng.chance(p)) continue;
      if (fault.rebalanceLeadSeconds !== undefined && inst.rebalancedAt === undefined) {
        this.rebalance(inst);
        this.host.at(this.host.now() + fault.rebalanceLeadSeconds * SECOND, () => this.warn(inst));
      } else {
        this.warn(inst);
      }
    }
  }

  private rebalanceWave(fault: Extract<Fault, { kind: 'rebalance-recommendations' }>): void {
    const rng = this.rngs.get('rebalance');
    const pool = [...this.alive.values()].filter((i) => i.market === 'spot' && STOPPABLE.has(i.state) && i.rebalancedAt === undefined && this.matches(fault.pool, i.type, i.az));
    const n = Math.round(fault.fraction * pool.length);
    for (let k = pool.length - 1; k > 0; k -= 1) {
      const j = Math.floor(rng.next() * (k + 1));
      [pool[k], pool[j]] = [pool[j] as SimInstance, pool[k] as SimInstance];
    }
    const chosen = pool.slice(0, n);
    this.host.log('fault', `rebalance recommendations for ${n} of ${pool.length} Spot instances in ${poolText(fault.pool)}${fault.interruptAfter === undefined ? '' : `; interruptions follow in ${fault.interruptAfter / 60} min`}`);
    chosen.forEach((inst, k) => {
      const at = this.host.now() + k * SECOND;
      this.host.at(at, () => this.rebalance(inst));
      if (fault.interruptAfter !== undefined) this.host.at(at + fault.interruptAfter * SECOND, () => this.warn(inst));
    });
  }

  private rebalance(inst: SimInstance): void {
    if (inst.state === 'Terminated' || inst.rebalancedAt !== undefined) return;
    const now = this.host.now();
    inst.rebalancedAt = now;
    this.metrics.rebalanceRecommendations += 1;
    this.host.log('ec2', `${inst.id} (${inst.type} ${inst.az}) rebalance recommendation`);
    this.host.emit(rebalanceEvent(this.eventIds.guid(), now, inst.id));
    if (this.options.capacityRebalance) this.rebalanceCapacity(inst);
  }

  /**
   * Capacity Rebalancing: Auto Scaling launches a Spot replacement for an instance that got a
   * rebalance recommendation and terminates the old one once the new one passes its health checks
   * (https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-capacity-rebalancing.html).
   */
  private rebalanceCapacity(inst: SimInstance): void {
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

  private warn(inst: SimInstance): void {
    if (inst.state === 'Terminated' || inst.warnedAt !== undefined) return;
    const now = this.host.now();
    inst.warnedAt = now;
    inst.interruptAt = now + 2 * MINUTE;
    const key = this.poolKey(inst.type, inst.az);
    const seen = (this.poolInterruptions.get(key) ?? []).filter((t) => t > now - 30 * MINUTE);
    seen.push(now);
    this.poolInterruptions.set(key, seen);
    this.metrics.interruptions += 1;
    this.host.log('ec2', `${inst.id} (${inst.type} ${inst.az}) Spot interruption warning: EC2 reclaims it in 2 min`);
    this.host.emit(spotInterruptionEvent(this.eventIds.guid(), now, inst.id));
    this.host.at(inst.interruptAt, () => this.reclaim(inst));
  }

  private reclaim(inst: SimInstance): void {
    const now = this.host.now();
    if (inst.state === 'Terminated') {
      // Left before EC2 took it back (scale-in or drain): the interruption cost nothing.
      this.metrics.interruptionsAbsorbed += 1;
      this.host.log('ec2', `interruption of ${inst.id} absorbed: it had already left the group`);
      return;
    }
    const drained = inst.drainedAt !== undefined && inst.drainedAt <= now;
    const served = inst.inServiceAt !== undefined;
    if (drained) this.metrics.interruptionsAbsorbed += 1;
    this.host.log('ec2', `EC2 reclaims ${inst.id}${drained ? ' (drained before: absorbed)' : served ? ' while it still had traffic' : ''}`);
    inst.endedBy ??= 'spot interruption';
    this.finishTermination(inst, 'Spot interruption: EC2 health check found the instance terminated');
  }

  // ------------------------------------------------------------------ Systems Manager

  /** SendCommand to one instance. */
  public sendCommand(input: SendCommandInput): string {
    const inst = this.instances.get(input.instanceId);
    if (!inst || inst.state === 'Terminated') {
      throw new AwsLikeError('InvalidInstanceId', `Instances [[${input.instanceId}]] not in a valid state for account ${SIM_ACCOUNT}`);
    }
    // "SSM Agent isn't registered with the SSM endpoint" is InvalidInstanceId too: a command sent the
    // moment the launch hook fires can come before the agent registered.
    // https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_SendCommand.html (Errors)
    if (inst.agentReadyAt !== undefined && this.host.now() < inst.agentReadyAt) {
      this.metrics.agentNotReady += 1;
      throw new AwsLikeError('InvalidInstanceId', `Instances [[${input.instanceId}]] not in a valid state for account ${SIM_ACCOUNT}`);
    }
    const kind = this.commandKind(input.documentName);
    const now = this.host.now();
    const cmd: SimCommand = { id: this.ids.guid(), instanceId: inst.id, documentName: input.documentName, kind, requestedAt: now, status: 'Pending', comment: input.comment.slice(0, 100) };
    this.commands.set(cmd.id, cmd);
    this.metrics.commands += 1;
    const startAt = now + SECOND;
    this.host.at(startAt, () => this.runCommand(cmd, inst, input.timeoutSeconds * SECOND));
    return cmd.id;
  }

  private commandKind(documentName: string): 'warmup' | 'drain' {
    if (documentName === this.options.warmupDocument || /warm/i.test(documentName)) return 'warmup';
    if (documentName === this.options.drainDocument || /drain/i.test(documentName)) return 'drain';
    throw new AwsLikeError('InvalidDocument', `Document ${documentName} does not exist in the simulated account`);
  }

  private runCommand(cmd: SimCommand, inst: SimInstance, timeoutMs: number): void {
    if (inst.state === 'Terminated') return;
    const now = this.host.now();
    this.setStatus(cmd, 'InProgress');
    let durationMs: number;
    let ok: boolean;
    if (cmd.kind === 'warmup') {
      inst.loadAttempts += 1;
      const retry = this.rngs.get('warmup-retry');
      const w = this.spec.instance.warmupSeconds;
      durationMs = inst.loadAttempts === 1 ? inst.firstLoadMs : Math.round(retry.between(w.min, w.max) * SECOND);
      ok = inst.loadAttempts === 1 ? !inst.firstLoadFails : !retry.chance(inst.loadFailureRate);
      if (!ok) durationMs = Math.round(durationMs * 0.6);
    } else {
      const drain = this.rngs.get('drain');
      const d = this.spec.instance.drainSeconds;
      durationMs = Math.round(drain.between(d.min, d.max) * SECOND);
      ok = !drain.chance(this.spec.instance.drainFailureRate);
      inst.draining = true;
      this.stopTraffic(inst);
    }
    const timedOut = durationMs > timeoutMs;
    this.host.at(now + Math.min(durationMs, timeoutMs), () => {
      if (inst.state === 'Terminated') return;
      const status = timedOut ? 'TimedOut' : ok ? 'Success' : 'Failed';
      if (status === 'Success' && cmd.kind === 'warmup') inst.warm = true;
      if (status === 'Success' && cmd.kind === 'drain') inst.drainedAt = this.host.now();
      if (cmd.kind === 'warmup' && status !== 'Success') this.host.log('ssm', `${inst.id} warm-up attempt ${inst.loadAttempts} ${status} (model ${inst.modelVersion})`);
      this.setStatus(cmd, status);
    });
  }

  private setStatus(cmd: SimCommand, status: string): void {
    cmd.status = status;
    const event = commandStatusEvent({ id: this.eventIds.guid(), at: this.host.now(), commandId: cmd.id, documentName: cmd.documentName, instanceId: cmd.instanceId, requestedAt: cmd.requestedAt, status });
    this.host.emit(event);
    // Delivered at least once: now and then the same event (same id) arrives again a few seconds later.
    const delivery = this.rngs.get('delivery');
    if (delivery.chance(this.spec.instance.duplicateEventRate)) {
      this.metrics.duplicateDeliveries += 1;
      this.host.at(this.host.now() + Math.round(delivery.between(1, 10) * SECOND), () => this.host.emit(event));
    }
  }

  /** GetCommandInvocation. */
  public getCommandInvocation(commandId: string, instanceId: string): CommandInvocation {
    const cmd = this.commands.get(commandId);
    if (!cmd || cmd.instanceId !== instanceId) throw new AwsLikeError('InvocationDoesNotExist', 'An error occurred (InvocationDoesNotExist)');
    return { status: cmd.status, statusDetails: cmd.status, outputExcerpt: cmd.kind === 'warmup' && cmd.status === 'Failed' ? `failed to load ${this.instances.get(instanceId)?.modelVersion}` : '' };
  }

  /** ListCommands for one instance (InvokedAfter filter), newest first, one page of at most `max`. */
  public listCommands(instanceId: string, invokedAfter: number, max: number): CommandSummary[] {
    return [...this.commands.values()]
      .filter((c) => c.instanceId === instanceId && c.requestedAt >= invokedAfter)
      .sort((a, b) => b.requestedAt - a.requestedAt)
      .slice(0, max)
      .map((c) => ({ commandId: c.id, documentName: c.documentName, comment: c.comment, requestedAt: c.requestedAt, status: c.status }));
  }

  // ------------------------------------------------------------------ describe / update

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
    for (const o of this.options.otherHooks ?? []) out.push(summary(o, o.transition === 'launch' ? 'autoscaling:EC2_INSTANCE_LAUNCHING' : 'autoscaling:EC2_INSTANCE_TERMINATING'));
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
    const pct = d.OnDemandPercentageAboveBaseCapacity ?? this.distribution.onDemandPercentageAboveBaseCapacity;
    const base = d.OnDemandBaseCapacity ?? this.distribution.onDemandBaseCapacity;
    if (!Number.isInteger(pct) || pct < 0 || pct > 100) throw new AwsLikeError('ValidationError', `OnDemandPercentageAboveBaseCapacity must be 0-100, got ${pct}`);
    if (!Number.isInteger(base) || base < 0) throw new AwsLikeError('ValidationError', `OnDemandBaseCapacity must be ≥ 0, got ${base}`);
    const before = `${this.distribution.onDemandBaseCapacity} + ${this.distribution.onDemandPercentageAboveBaseCapacity}%`;
    this.mixHistoryFrom = { base: this.distribution.onDemandBaseCapacity, percent: this.distribution.onDemandPercentageAboveBaseCapacity };
    const changed = pct !== this.distribution.onDemandPercentageAboveBaseCapacity || base !== this.distribution.onDemandBaseCapacity;
    this.distribution = {
      onDemandBaseCapacity: base,
      onDemandPercentageAboveBaseCapacity: pct,
      spotAllocationStrategy: d.SpotAllocationStrategy ?? this.distribution.spotAllocationStrategy,
      onDemandAllocationStrategy: d.OnDemandAllocationStrategy ?? this.distribution.onDemandAllocationStrategy,
    };
    if (changed) {
      this.metrics.mixChanges += 1;
      this.mixHistory.push({ t: this.host.now() - this.start, from: { base: this.mixHistoryFrom.base, percent: this.mixHistoryFrom.percent }, to: { base, percent: pct } });
      this.mixReplacing = true;
      this.mixLastGap = undefined;
      this.host.log('mix', `MixedInstancesPolicy: On-Demand base + share ${before} → ${base} + ${pct}%: running instances are replaced gradually (launch before terminate)`);
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

/** Adds an instance's units to a placement tally (see Fleet.unitsByZone). */
const addUnits = (tally: Map<string, number>, inst: SimInstance): void => {
  for (const k of [`${inst.az}|${inst.market}`, `${inst.az}|all`, `*|${inst.market}`, '*|all']) tally.set(k, (tally.get(k) ?? 0) + inst.weight);
};

const poolText = (p: { instanceType?: string | undefined; availabilityZone?: string | undefined }): string =>
  `${p.instanceType ?? 'every type'}/${p.availabilityZone ?? 'every AZ'}`;
