/**
 * The simulated group's state and the queries every part of the group shares: its instances, the
 * units they count for, the scaling activity events, billing.
 *
 * The group is split by concern into layers, each a class extending the one below:
 * - fleet-state.ts: this state;
 * - traffic.ts: requests over the routable instances (not AWS);
 * - ssm-agent.ts: what a command does on an instance (not AWS; SSM's answers are the world's
 *   shared/local/run-command.ts);
 * - group-lifecycle.ts: instances through boot, the lifecycle hooks' actions (the world's
 *   shared/local/lifecycle-actions.ts), InService and termination;
 * - spot-market.ts: the Spot market's weather (the scenario's faults) and what EC2 knows of each pool;
 * - group-capacity.ts: launches and scale-in (the world's allocation and termination order,
 *   shared/local/allocation.ts);
 * - fleet.ts: the group's API (what the world's ports ask, shared/local/ports.ts) and the scenario's set-up.
 */
import { type HookSpec, LifecycleActions, type LifecycleResult } from '../../shared/local/lifecycle-actions';
import { RunCommands } from '../../shared/local/run-command';
import type { Rng, RngStreams } from '../core/prng';
import { SECOND } from '../core/time';
import type { Fault, ScenarioSpec } from '../scenario/schema';
import type { Bucket, Distribution, Market, PoolType } from '../../shared/local/allocation';
import { activityEvent, type AwsEvent, SIM_ACCOUNT, SIM_REGION } from '../../shared/local/aws-events';
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
  /** Calls whose response was lost after the service acted (the SDK retried them). */
  lostResponses: number;
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

export const TICK = 10 * SECOND;
export const STOPPABLE: ReadonlySet<LifecycleState> = new Set(['Pending', 'Pending:Wait', 'InService']);
export const SPOT_FAILURE_MESSAGE =
  'Could not launch Spot Instances. InsufficientInstanceCapacity - There is no Spot capacity available that matches your request. Launching EC2 instance failed.';

export class AwsLikeError extends Error {
  public constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

export abstract class FleetState {
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
    lostResponses: 0,
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

  protected readonly alive = new Map<string, SimInstance>();
  protected readonly actions: LifecycleActions;
  /** SSM Run Command: the world's (shared/local/run-command.ts). */
  protected readonly runCommands: RunCommands;
  protected readonly types: PoolType[];
  protected readonly subnets = new Map<string, string>();
  protected readonly poolCooldown = new Map<string, number>();
  /** When each Spot pool interrupted instances (EC2's own record: what price-capacity-optimized sees). */
  protected readonly poolInterruptions = new Map<string, number[]>();
  protected readonly tracking: TargetTracking;
  protected readonly demand: DemandCurve;
  protected readonly ids: Rng;
  protected readonly eventIds: Rng;
  protected nextLaunchAt = 0;
  /** The units tally of the current batch of launches (see unitsByZone). */
  protected batchTally: Map<string, number> | undefined;
  /** A change of OnDemandBaseCapacity/OnDemandPercentageAboveBaseCapacity is still replacing instances. */
  protected mixReplacing = false;
  protected mixHistoryFrom = { base: 0, percent: 0 };
  /** The current replacement wave (launched, not yet in service): terminations wait for it. */
  protected readonly mixWave = new Set<string>();
  /** Capacity units launched by mix waves whose counterpart has not been terminated yet. */
  protected mixSurplusUnits = 0;
  /** |On-Demand gap| when the last wave was launched: a wave that does not shrink it ends the replacement. */
  protected mixLastGap: number | undefined;
  /** Capacity Rebalancing: at-risk instance id → its replacement's id. */
  protected readonly rebalancing = new Map<string, string>();
  protected nextScaleInAt = 0;
  protected currentRps = 0;
  protected readonly start: number;

  public constructor(
    protected readonly spec: ScenarioSpec,
    protected readonly options: FleetOptions,
    protected readonly host: FleetHost,
    protected readonly rngs: RngStreams,
  ) {
    this.start = host.now();
    this.ids = rngs.get('ids');
    this.eventIds = rngs.get('event-ids');
    this.actions = new LifecycleActions(() => this.ids.guid());
    this.runCommands = new RunCommands(() => this.ids.guid());
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

  protected activeUnits(): number {
    let u = 0;
    for (const inst of this.alive.values()) if (STOPPABLE.has(inst.state) && inst.replacedBy === undefined) u += inst.weight;
    return u;
  }

  protected unitsOf(az: string | undefined, market: Market | 'all'): number {
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
  protected unitsByZone(): Map<string, number> {
    if (this.batchTally) return this.batchTally;
    const out = new Map<string, number>();
    for (const inst of this.alive.values()) {
      if (!STOPPABLE.has(inst.state) || inst.replacedBy !== undefined) continue;
      addUnits(out, inst);
    }
    return out;
  }

  /** Runs a batch of launches with one tally of the group's units. */
  protected inBatch<T>(fn: (tally: Map<string, number>) => T): T {
    const tally = this.unitsByZone();
    this.batchTally = tally;
    try {
      return fn(tally);
    } finally {
      this.batchTally = undefined;
    }
  }

  protected describeMix(): string {
    return `${this.unitsOf(undefined, 'on-demand')} On-Demand + ${this.unitsOf(undefined, 'spot')} Spot units`;
  }

  protected poolKey(type: string, az: string): string {
    return `${type}|${az}`;
  }

  protected matches(sel: { instanceType?: string | undefined; availabilityZone?: string | undefined }, type: string, az: string): boolean {
    return (sel.instanceType === undefined || sel.instanceType === type) && (sel.availabilityZone === undefined || sel.availabilityZone === az);
  }

  protected active(fault: Fault, now: number): boolean {
    const from = this.start + fault.at * SECOND;
    const duration = 'duration' in fault ? fault.duration : 0;
    return now >= from && now < from + duration * SECOND;
  }

  /** Ready to take traffic, as Auto Scaling's health checks see it. */
  protected ready(inst: SimInstance): boolean {
    return inst.state === 'InService' && (!this.options.elbHealthChecks || (inst.healthyAt !== undefined && inst.healthyAt <= this.host.now()));
  }

  protected bill(inst: SimInstance, until: number): void {
    const seconds = Math.max(0, until - inst.launchedAt) / SECOND;
    this.metrics.instanceSeconds[inst.market] += seconds;
    this.metrics.cost += (seconds / 3600) * inst.hourlyPrice;
  }

  protected activity(
    kind: 'launch-successful' | 'launch-unsuccessful' | 'terminate-successful',
    inst: SimInstance,
    statusCode: string,
    statusMessage: string,
    description: string,
    cause?: string,
  ): AwsEvent {
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
}

/** Adds an instance's units to a placement tally (see Fleet.unitsByZone). */
export const addUnits = (tally: Map<string, number>, inst: SimInstance): void => {
  for (const k of [`${inst.az}|${inst.market}`, `${inst.az}|all`, `*|${inst.market}`, '*|all']) tally.set(k, (tally.get(k) ?? 0) + inst.weight);
};

export const poolText = (p: { instanceType?: string | undefined; availabilityZone?: string | undefined }): string =>
  `${p.instanceType ?? 'every type'}/${p.availabilityZone ?? 'every AZ'}`;
