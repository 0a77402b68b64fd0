/**
 * The scenario file format (YAML), validated strictly: an unknown key is an error that names it, and
 * every error names the field (`faults.1.pool.instanceType: …`).
 *
 * @example
 * ```yaml
 * name: spot-storm
 * duration: 24h
 * seed: 7
 * metric: interruptionsAbsorbed
 * group: { name: ml-inference-gpu, availabilityZones: [us-east-1a], minSize: 2, maxSize: 40,
 *          instanceTypes: [{ type: g5.xlarge, onDemandPrice: 1.006, spotPrice: 0.42 }] }
 * demand: { baseRequests: 60 }
 * ```
 */
import { z } from 'zod';
import { parseSeconds } from '../core/time';

/** A strict object whose unknown-key issue lists the allowed keys. */
const strict = <Shape extends z.ZodRawShape>(shape: Shape) =>
  z.strictObject(shape, {
    error: (issue) => (issue.code === 'unrecognized_keys' ? `unknown key (allowed: ${Object.keys(shape).join(', ')})` : undefined),
  });

/** A duration or offset (`90s`, `15m`, `1h30m`, `HH:MM[:SS]` or seconds), as seconds. */
const seconds = (what = 'a duration') =>
  z.union([z.number(), z.string()], { error: `must be ${what}: seconds, "90s", "15m", "1h30m" or "HH:MM"` }).transform((value, ctx) => {
    const s = parseSeconds(value);
    if (s === undefined) {
      ctx.addIssue({ code: 'custom', message: `must be ${what}: seconds, "90s", "15m", "1h30m" or "HH:MM" (got ${JSON.stringify(value)})` });
      return z.NEVER;
    }
    return s;
  });

const probability = z.number({ error: 'must be a number between 0 and 1' }).min(0).max(1);
const positive = z.number({ error: 'must be a number' }).positive();
const count = z.int({ error: 'must be an integer' }).min(0);

/** A random duration: uniform between min and max seconds. */
const range = strict({ min: seconds(), max: seconds() }).refine((r) => r.min <= r.max, { error: 'min must be ≤ max', path: ['min'] });

const az = z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d[a-z]$/, { error: 'must be an Availability Zone such as us-east-1a' });
const instanceType = z.string().regex(/^[a-z0-9-]+\.[a-z0-9-]+$/, { error: 'must be an instance type such as g5.xlarge' });

/** One override of the MixedInstancesPolicy, with its prices. */
export const instanceTypeSchema = strict({
  type: instanceType,
  /** Capacity units (WeightedCapacity). */
  weight: z.int({ error: 'must be an integer' }).min(1).max(999).default(1),
  /** USD per hour. */
  onDemandPrice: positive,
  /** USD per hour (one price for every AZ unless spotPriceByZone says otherwise). */
  spotPrice: positive,
  spotPriceByZone: z.record(az, positive).optional(),
});

const hookSchema = strict({
  name: z.string().min(1).max(255),
  heartbeatTimeout: seconds().refine((s) => s >= 30 && s <= 7200, { error: 'must be between 30 and 7200 seconds (AWS limit)' }),
  defaultResult: z.enum(['CONTINUE', 'ABANDON']),
});

export const groupSchema = strict({
  name: z.string().regex(/^[A-Za-z0-9._-]{1,255}$/, { error: 'must be an Auto Scaling group name (letters, digits, . _ -)' }),
  availabilityZones: z.array(az).min(1),
  minSize: count,
  maxSize: count,
  instanceTypes: z.array(instanceTypeSchema).min(1),
  instancesDistribution: strict({
    onDemandBaseCapacity: count.default(0),
    onDemandPercentageAboveBaseCapacity: z.int({ error: 'must be an integer' }).min(0).max(100).default(100),
    spotAllocationStrategy: z.enum(['price-capacity-optimized', 'lowest-price', 'capacity-optimized']).default('price-capacity-optimized'),
    onDemandAllocationStrategy: z.enum(['prioritized', 'lowest-price']).default('prioritized'),
  }).prefault({}),
  /** Capacity at the start; the instances are placed as Auto Scaling would, already warm. */
  initialCapacity: count.default(0),
  launchTemplateVersion: z.string().regex(/^\d+$/, { error: 'must be a launch template version number' }).default('1'),
  modelVersion: z.string().min(1).max(256).default('model-v1'),
  /** Lifecycle hooks used by the orchestrated run (the baseline has none). */
  hooks: strict({
    launch: hookSchema.default({ name: 'asg-orchestrator-launch', heartbeatTimeout: 600, defaultResult: 'ABANDON' }),
    terminate: hookSchema.default({ name: 'asg-orchestrator-terminate', heartbeatTimeout: 300, defaultResult: 'CONTINUE' }),
  }).prefault({}),
  /** EC2 boot time until the launch hook fires (or InService without a hook). */
  bootSeconds: range.default({ min: 40, max: 90 }),
  /** Load balancer deregistration delay on scale-in: in-flight requests finish within it. */
  deregistrationDelaySeconds: seconds().default(30),
  /**
   * The careful baseline's load-balancer health checks (HealthCheckType ELB): Auto Scaling ignores
   * the target's health for this long after an instance enters service, then replaces it if unhealthy.
   * A careful team sets it above the longest model load.
   */
  healthCheckGracePeriod: seconds().default(900),
  /** Health check interval × healthy threshold: how long a warm target waits before the load balancer routes to it. */
  targetHealthyAfter: seconds().default(30),
});

export const instanceSchema = strict({
  /** How long loading the models takes (the warm-up command, or the instance's own start-up without hooks). */
  warmupSeconds: range.default({ min: 180, max: 420 }),
  warmupFailureRate: probability.default(0),
  drainSeconds: range.default({ min: 15, max: 60 }),
  drainFailureRate: probability.default(0),
  /**
   * From the launch hook's wait to the SSM agent's registration: until then SendCommand answers
   * InvalidInstanceId ("SSM Agent isn't registered with the SSM endpoint").
   */
  ssmAgentSeconds: range.default({ min: 5, max: 30 }),
  /**
   * Chance that a Run Command status event reaches EventBridge twice (durable delivery is "at least
   * once": https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-service-event-delivery-level.html).
   */
  duplicateEventRate: probability.default(0.02),
  /**
   * Chance that the response of a CompleteLifecycleAction or SendCommand is lost after the service
   * acted, so that the SDK's retry answers instead (see simulator/ports/sim-ports.ts).
   */
  lostResponseRate: probability.default(0.01),
}).prefault({});

const burstSchema = strict({
  at: seconds('an offset'),
  duration: seconds(),
  multiplier: positive,
  ramp: seconds().default(300),
});

export const demandSchema = strict({
  /** Target tracking target: requests per second per capacity unit. */
  targetRequestsPerUnit: positive.default(10),
  /** Mean time a request stays in flight (seconds). */
  requestSeconds: positive.default(4),
  /** Consecutive minutes above target before a scale-out (CloudWatch alarm: 3 of 3). */
  scaleOutAfterMinutes: z.int().min(1).max(60).default(3),
  /** Consecutive minutes below target before a scale-in (target tracking's slower alarm: 15 of 15). */
  scaleInAfterMinutes: z.int().min(1).max(240).default(15),
  /** Requests per second before the diurnal curve and bursts apply. */
  baseRequests: z.number().min(0).default(50),
  diurnal: strict({ amplitude: z.number().min(0).max(1), peakAt: seconds('an offset') }).optional(),
  /** Piecewise-linear requests per second; replaces baseRequests and diurnal when given. */
  points: z
    .array(strict({ at: seconds('an offset'), requests: z.number().min(0) }))
    .min(2)
    .optional(),
  bursts: z.array(burstSchema).default([]),
  /** Multiplicative noise per minute (0.05 = ±5 %). */
  noise: z.number().min(0).max(0.5).default(0.03),
}).prefault({});

const poolSelector = strict({ instanceType: instanceType.optional(), availabilityZone: az.optional() });

const stormSchema = strict({
  kind: z.literal('interruption-storm'),
  at: seconds('an offset'),
  duration: seconds(),
  /** Which Spot pools (type × AZ); missing fields match every type or AZ. */
  pool: poolSelector.default({}),
  /** Interruptions per Spot instance-hour in the pool while the storm lasts. */
  ratePerInstanceHour: positive,
  /** When set, a rebalance recommendation precedes each warning by this long. */
  rebalanceLeadSeconds: seconds().optional(),
});

const droughtSchema = strict({
  kind: z.literal('spot-drought'),
  at: seconds('an offset'),
  duration: seconds(),
  /** Pools without Spot capacity; empty = every pool of the group. */
  pools: z.array(poolSelector).default([]),
});

const rebalanceSchema = strict({
  kind: z.literal('rebalance-recommendations'),
  at: seconds('an offset'),
  /** Fraction of the running Spot instances (in the pool) that receive a recommendation. */
  fraction: probability,
  pool: poolSelector.default({}),
  /** When set, the recommended instances get an interruption warning this long after the recommendation. */
  interruptAfter: seconds().optional(),
});

const badModelSchema = strict({
  kind: z.literal('bad-model'),
  at: seconds('an offset'),
  duration: seconds(),
  /** Version launched during the window; instances carry it as their model-version tag. */
  modelVersion: z.string().min(1).max(256),
  /** Probability that loading this version fails (each attempt). */
  warmupFailureRate: probability.default(1),
});

export const faultSchema = z.discriminatedUnion('kind', [stormSchema, droughtSchema, rebalanceSchema, badModelSchema], {
  error: 'must have kind interruption-storm, spot-drought, rebalance-recommendations or bad-model',
});

/** Metrics a scenario can name as the one it is about, with the better direction. */
export const METRICS = {
  coldRequests: 'lower',
  minutesBelowDesired: 'lower',
  requestsDropped: 'lower',
  interruptionsAbsorbed: 'higher',
  cost: 'lower',
} as const;
export type MetricName = keyof typeof METRICS;

export const scenarioSchema = strict({
  name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, { error: 'must be lowercase letters, digits and - (1-63 characters)' }),
  description: z.string().max(2000).default(''),
  duration: seconds().refine((s) => s >= 60 && s <= 7 * 86_400, { error: 'must be between 1 minute and 7 days' }),
  seed: z
    .int({ error: 'must be an integer' })
    .min(0)
    .max(2 ** 31),
  /** The metric this scenario is about (the orchestrator should do better on it than the baseline). */
  metric: z.enum(Object.keys(METRICS) as [MetricName, ...MetricName[]]),
  group: groupSchema,
  instance: instanceSchema,
  demand: demandSchema,
  faults: z.array(faultSchema).default([]),
  /** Profile name the group's opt-in tag names. */
  profileName: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,62}$/)
    .default('gpu-inference'),
  /** An inline profile (shared/config profile schema); else `--profile` or the bundled config/profiles.json. */
  profile: z.record(z.string(), z.unknown()).optional(),
});

export type ScenarioInput = z.input<typeof scenarioSchema>;
export type ScenarioSpec = z.output<typeof scenarioSchema>;
export type Fault = z.output<typeof faultSchema>;
export type InstanceTypeSpec = z.output<typeof instanceTypeSchema>;
export type PoolSelector = z.output<typeof poolSelector>;

const matchesPool = (sel: PoolSelector, types: ReadonlySet<string>, zones: ReadonlySet<string>, ctx: z.RefinementCtx, path: PropertyKey[]): void => {
  if (sel.instanceType !== undefined && !types.has(sel.instanceType)) {
    ctx.addIssue({ code: 'custom', path: [...path, 'instanceType'], message: `is not one of group.instanceTypes (${[...types].join(', ')})` });
  }
  if (sel.availabilityZone !== undefined && !zones.has(sel.availabilityZone)) {
    ctx.addIssue({ code: 'custom', path: [...path, 'availabilityZone'], message: `is not one of group.availabilityZones (${[...zones].join(', ')})` });
  }
};

/** The scenario schema plus the checks that span fields (sizes, pools that exist, faults inside the run). */
export const scenarioFileSchema = scenarioSchema.superRefine((s, ctx) => {
  const g = s.group;
  if (g.minSize > g.maxSize) ctx.addIssue({ code: 'custom', path: ['group', 'minSize'], message: `must be ≤ maxSize (${g.minSize} > ${g.maxSize})` });
  if (g.initialCapacity > g.maxSize) {
    ctx.addIssue({ code: 'custom', path: ['group', 'initialCapacity'], message: `must be ≤ maxSize (${g.initialCapacity} > ${g.maxSize})` });
  }
  const types = new Set(g.instanceTypes.map((t) => t.type));
  const zones = new Set(g.availabilityZones);
  if (types.size !== g.instanceTypes.length) ctx.addIssue({ code: 'custom', path: ['group', 'instanceTypes'], message: 'lists an instance type twice' });
  g.instanceTypes.forEach((t, i) => {
    for (const zone of Object.keys(t.spotPriceByZone ?? {})) {
      if (!zones.has(zone)) {
        ctx.addIssue({ code: 'custom', path: ['group', 'instanceTypes', i, 'spotPriceByZone', zone], message: 'is not one of group.availabilityZones' });
      }
    }
  });
  s.faults.forEach((f, i) => {
    if (f.at >= s.duration)
      ctx.addIssue({ code: 'custom', path: ['faults', i, 'at'], message: `is at or after the end of the run (duration ${s.duration} s)` });
    if (f.kind === 'spot-drought') {
      f.pools.forEach((p, j) => {
        matchesPool(p, types, zones, ctx, ['faults', i, 'pools', j]);
      });
    }
    if (f.kind === 'interruption-storm' || f.kind === 'rebalance-recommendations') matchesPool(f.pool, types, zones, ctx, ['faults', i, 'pool']);
  });
  s.demand.bursts.forEach((b, i) => {
    if (b.at >= s.duration)
      ctx.addIssue({ code: 'custom', path: ['demand', 'bursts', i, 'at'], message: `is at or after the end of the run (duration ${s.duration} s)` });
  });
  const points = s.demand.points ?? [];
  for (let i = 1; i < points.length; i += 1) {
    if ((points[i]?.at ?? 0) <= (points[i - 1]?.at ?? 0))
      ctx.addIssue({ code: 'custom', path: ['demand', 'points', i, 'at'], message: 'must be after the previous point' });
  }
});
