/**
 * The payload that Amazon EC2 Auto Scaling sends to a custom termination policy Lambda function.
 * Auto Scaling invokes the function directly (it is not an EventBridge event), so it has no envelope.
 * A real-shaped sample (values are ours; keys and nesting are the ones the AWS documentation shows):
 *
 * ```json
 * {
 *   "AutoScalingGroupARN": "arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:7f3c2a9e-5b1d-4c8e-9a0f-2d6b8e4c1a37:autoScalingGroupName/inference-g5",
 *   "AutoScalingGroupName": "inference-g5",
 *   "CapacityToTerminate": [
 *     { "AvailabilityZone": "us-east-1a", "Capacity": 2, "InstanceMarketOption": "spot" },
 *     { "AvailabilityZone": "us-east-1b", "Capacity": 1, "InstanceMarketOption": "on-demand" }
 *   ],
 *   "Instances": [
 *     { "AvailabilityZone": "us-east-1a", "InstanceId": "i-0a1b2c3d4e5f60718", "InstanceType": "g5.xlarge", "InstanceMarketOption": "spot" },
 *     { "AvailabilityZone": "us-east-1b", "InstanceId": "i-0b2c3d4e5f6071829", "InstanceType": "g5.2xlarge", "InstanceMarketOption": "on-demand" }
 *   ],
 *   "Cause": "SCALE_IN"
 * }
 * ```
 *
 * `HasMoreInstances: true` is added when more than 30,000 instances could be terminated and only the
 * first 30,000 are listed. The function answers `{"InstanceIDs": [...]}` within two seconds.
 *
 * @packageDocumentation
 */
import * as v from 'valibot';
import { EventDropError } from '../errors';

/** Purchase option of a bucket or an instance, spelled as Auto Scaling spells it. */
export type MarketOption = 'spot' | 'on-demand';

/** What made Auto Scaling ask for terminations. */
export type TerminationCause = 'SCALE_IN' | 'INSTANCE_REFRESH' | 'MAX_INSTANCE_LIFETIME' | 'REBALANCE';

/**
 * How much capacity (in capacity units: instance weights apply) Auto Scaling wants gone from one
 * Availability Zone and purchase option.
 *
 * @example
 * ```ts
 * const bucket: CapacityToTerminate = { availabilityZone: 'us-east-1a', capacity: 2, instanceMarketOption: 'spot' };
 * ```
 */
export interface CapacityToTerminate {
  readonly availabilityZone: string;
  readonly capacity: number;
  readonly instanceMarketOption: MarketOption;
}

/**
 * One instance that Auto Scaling suggests for termination.
 *
 * @example
 * ```ts
 * const c: TerminationCandidate = {
 *   availabilityZone: 'us-east-1a', instanceId: 'i-0a1b2c3d4e5f60718', instanceType: 'g5.xlarge', instanceMarketOption: 'spot',
 * };
 * ```
 */
export interface TerminationCandidate {
  readonly availabilityZone: string;
  readonly instanceId: string;
  readonly instanceType: string;
  readonly instanceMarketOption: MarketOption;
}

/**
 * The custom termination policy input, normalized to camelCase. `hasMoreInstances` is always present
 * (absent in the input means `false`). Order of both arrays is kept exactly as received.
 *
 * @example
 * ```ts
 * const parsed = parseTerminationPolicyInput(event);
 * if (parsed.ok) console.log(parsed.request.cause, parsed.request.instances.length);
 * ```
 */
export interface TerminationPolicyRequest {
  readonly autoScalingGroupArn: string;
  readonly autoScalingGroupName: string;
  readonly capacityToTerminate: readonly CapacityToTerminate[];
  readonly instances: readonly TerminationCandidate[];
  readonly cause: TerminationCause;
  readonly hasMoreInstances: boolean;
}

/** Result of {@link parseTerminationPolicyInput}: a request, or a typed drop. Never an exception. */
export type TerminationPolicyParseResult =
  | { readonly ok: true; readonly request: TerminationPolicyRequest }
  | { readonly ok: false; readonly error: EventDropError };

// Bounds keep a hostile or corrupt payload from producing unbounded log lines; the values are far
// above anything AWS sends (ASG names ≤ 255, ARNs ≤ 1600, instance ids 19 chars).
const ZONE = v.pipe(v.string(), v.minLength(1), v.maxLength(64));
const MARKET = v.picklist(['spot', 'on-demand']);
const CAUSE = v.picklist(['SCALE_IN', 'INSTANCE_REFRESH', 'MAX_INSTANCE_LIFETIME', 'REBALANCE']);

/**
 * Schema of the raw (PascalCase) input. Unknown extra keys are tolerated and stripped, because
 * AWS may add fields; a wrong type or value on a known key is an error.
 *
 * @example
 * ```ts
 * const raw = v.safeParse(terminationPolicyInputSchema, event);
 * ```
 */
export const terminationPolicyInputSchema = v.object({
  AutoScalingGroupARN: v.pipe(v.string(), v.minLength(1), v.maxLength(1600)),
  AutoScalingGroupName: v.pipe(v.string(), v.minLength(1), v.maxLength(255)),
  CapacityToTerminate: v.array(
    v.object({
      AvailabilityZone: ZONE,
      // v.number() rejects NaN; finite() rejects ±Infinity (which JSON cannot carry anyway).
      Capacity: v.pipe(v.number(), v.finite(), v.minValue(0)),
      InstanceMarketOption: MARKET,
    }),
  ),
  Instances: v.array(
    v.object({
      AvailabilityZone: ZONE,
      InstanceId: v.pipe(v.string(), v.minLength(1), v.maxLength(64)),
      InstanceType: v.pipe(v.string(), v.minLength(1), v.maxLength(64)),
      InstanceMarketOption: MARKET,
    }),
  ),
  Cause: CAUSE,
  HasMoreInstances: v.optional(v.boolean()),
});

/** The raw input as Auto Scaling sends it (after unknown keys are stripped). */
export type TerminationPolicyInput = v.InferOutput<typeof terminationPolicyInputSchema>;

/** At most this many issue lines are kept, each clipped, so a 30,000-row bad payload logs one short entry. */
export const MAX_ISSUES = 10;
const MAX_ISSUE_CHARS = 200;

/**
 * Parse and normalize the custom termination policy input. Never throws, whatever the input
 * (including getters that throw): a failure is `{ ok: false, error }` with an {@link EventDropError}
 * of reason `malformed` and at most {@link MAX_ISSUES} + 1 `path: message` lines.
 *
 * A drop means nothing can be ordered: the handler answers an empty `InstanceIDs` (Auto Scaling waits
 * and asks again) and alerts, because the same payload will keep coming until someone looks.
 *
 * @example
 * ```ts
 * const parsed = parseTerminationPolicyInput(event);
 * if (!parsed.ok) { logger.warn(parsed.error.message, { issues: parsed.error.issues }); return { InstanceIDs: [] }; }
 * const decision = decideTerminationOrder(parsed.request, ctx);
 * ```
 */
export function parseTerminationPolicyInput(input: unknown): TerminationPolicyParseResult {
  // valibot's object() takes an array for an object (with every key missing): say what it is instead.
  if (Array.isArray(input)) {
    return {
      ok: false,
      error: new EventDropError('malformed', 'termination policy input is malformed (1 issue)', [
        '(root): Invalid type: Expected Object but received an array',
      ]),
    };
  }
  // A well-formed input (every input Auto Scaling sends) is checked by a plain loop: valibot's
  // general walk costs ~20 ms of CPU at 30,000 candidates. Anything the loop does not accept goes
  // through the schema, which decides and says why.
  const fast = acceptWellFormed(input);
  if (fast !== undefined) return { ok: true, request: fast };
  let result: v.SafeParseResult<typeof terminationPolicyInputSchema>;
  try {
    result = v.safeParse(terminationPolicyInputSchema, input);
  } catch (cause) {
    // safeParse only catches validation errors; a throwing getter or Proxy trap still escapes.
    return {
      ok: false,
      error: new EventDropError('malformed', 'termination policy input could not be read', [clip(`(root): ${describeThrown(cause)}`)]),
    };
  }
  if (!result.success) {
    return {
      ok: false,
      error: new EventDropError(
        'malformed',
        `termination policy input is malformed (${result.issues.length} issue${result.issues.length === 1 ? '' : 's'})`,
        formatIssues(result.issues),
      ),
    };
  }
  return { ok: true, request: normalize(result.output) };
}

const isText = (x: unknown, max: number): x is string => typeof x === 'string' && x.length >= 1 && x.length <= max;
const isMarket = (x: unknown): x is MarketOption => x === 'spot' || x === 'on-demand';
const CAUSES: ReadonlySet<unknown> = new Set(['SCALE_IN', 'INSTANCE_REFRESH', 'MAX_INSTANCE_LIFETIME', 'REBALANCE']);

/**
 * The request, when `input` satisfies {@link terminationPolicyInputSchema} exactly (same bounds,
 * same picklists); `undefined` for anything else (the schema then reports it). Never throws (a
 * throwing getter also means `undefined`). A test compares it with the schema on generated inputs.
 */
export function acceptWellFormed(input: unknown): TerminationPolicyRequest | undefined {
  try {
    if (typeof input !== 'object' || input === null || Array.isArray(input)) return undefined;
    const o = input as Record<string, unknown>;
    const arn = o.AutoScalingGroupARN;
    const name = o.AutoScalingGroupName;
    const cause = o.Cause;
    const more = o.HasMoreInstances;
    const ctt = o.CapacityToTerminate;
    const raw = o.Instances;
    if (!isText(arn, 1600) || !isText(name, 255) || !CAUSES.has(cause) || (more !== undefined && typeof more !== 'boolean')) return undefined;
    if (!Array.isArray(ctt) || !Array.isArray(raw)) return undefined;
    const capacityToTerminate: CapacityToTerminate[] = [];
    for (const c of ctt as unknown[]) {
      if (typeof c !== 'object' || c === null) return undefined;
      const { AvailabilityZone: zone, Capacity: capacity, InstanceMarketOption: market } = c as Record<string, unknown>;
      if (!isText(zone, 64) || typeof capacity !== 'number' || !Number.isFinite(capacity) || capacity < 0 || !isMarket(market)) return undefined;
      capacityToTerminate.push({ availabilityZone: zone, capacity, instanceMarketOption: market });
    }
    const instances = candidatesOf(raw);
    if (instances === undefined) return undefined;
    return {
      autoScalingGroupArn: arn,
      autoScalingGroupName: name,
      capacityToTerminate,
      instances,
      cause: cause as TerminationCause,
      hasMoreInstances: more ?? false,
    };
  } catch {
    return undefined;
  }
}

/**
 * The candidates of a well-formed `Instances`, else undefined. A function of its own: V8 optimizes a
 * function on-stack inside its long loop, and the code after that loop, not yet run, had no type
 * feedback: the optimized code was thrown away there in a container's first calls (`--trace-deopt`).
 */
function candidatesOf(raw: readonly unknown[]): TerminationCandidate[] | undefined {
  const instances: TerminationCandidate[] = new Array(raw.length);
  for (let k = 0; k < raw.length; k += 1) {
    const i = raw[k] as unknown;
    if (typeof i !== 'object' || i === null) return undefined;
    const { AvailabilityZone: zone, InstanceId: id, InstanceType: type, InstanceMarketOption: market } = i as Record<string, unknown>;
    if (!isText(zone, 64) || !isText(id, 64) || !isText(type, 64) || !isMarket(market)) return undefined;
    instances[k] = { availabilityZone: zone, instanceId: id, instanceType: type, instanceMarketOption: market };
  }
  return instances;
}

function normalize(raw: TerminationPolicyInput): TerminationPolicyRequest {
  return {
    autoScalingGroupArn: raw.AutoScalingGroupARN,
    autoScalingGroupName: raw.AutoScalingGroupName,
    capacityToTerminate: raw.CapacityToTerminate.map((c) => ({
      availabilityZone: c.AvailabilityZone,
      capacity: c.Capacity,
      instanceMarketOption: c.InstanceMarketOption,
    })),
    instances: raw.Instances.map((i) => ({
      availabilityZone: i.AvailabilityZone,
      instanceId: i.InstanceId,
      instanceType: i.InstanceType,
      instanceMarketOption: i.InstanceMarketOption,
    })),
    cause: raw.Cause,
    hasMoreInstances: raw.HasMoreInstances ?? false,
  };
}

function formatIssues(issues: readonly v.BaseIssue<unknown>[]): string[] {
  const lines: string[] = [];
  for (const issue of issues.slice(0, MAX_ISSUES)) {
    const path = v.getDotPath(issue) ?? '(root)';
    lines.push(clip(`${path}: ${issue.message}`));
  }
  if (issues.length > MAX_ISSUES) lines.push(`+${issues.length - MAX_ISSUES} more issues`);
  return lines;
}

function describeThrown(cause: unknown): string {
  try {
    return cause instanceof Error ? `${cause.name}: ${cause.message}` : 'non-error value thrown';
  } catch {
    return 'unreadable error thrown';
  }
}

function clip(line: string): string {
  return line.length <= MAX_ISSUE_CHARS ? line : `${line.slice(0, MAX_ISSUE_CHARS - 1)}…`;
}
