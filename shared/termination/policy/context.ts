import type { GroupSummary } from '../../aws/auto-scaling';
import type { OptIn } from '../../config';
import type { TerminationCandidate, TerminationPolicyRequest } from '../../events/termination-policy-input';
import { blankFacts, type GroupState, type InstanceFacts, poolInterruptionRates, poolKey } from '../../state/group-state';
import { protectedBy, type ProtectionView } from '../../state/protection';
import type { TerminationContext } from './order';

/**
 * Which order the answer follows:
 * - `profile`: the group opted in (enforce): everything known is used;
 * - `observed`: the group opted in with mode `observe`: the neutral order is returned and the
 *   profile's order is only reported (`wouldReturn`), so observe changes nothing;
 * - `not-opted-in`: the neutral order — input alone, plus scale-in protection and capacity weights.
 */
export type TerminationBasis = 'profile' | 'observed' | 'not-opted-in';

/**
 * Where the group summary comes from: `read` now, or `cached` from an earlier invocation of this
 * container (the read missed its budget). Either gives the weights and tags; protection comes from
 * the recorded facts (as read, or as this container last read them).
 */
export type GroupSource = 'read' | 'cached';

/** Inputs of {@link buildTerminationContext}: what the handler could read (either read may be missing). */
export interface TerminationInputs {
  request: TerminationPolicyRequest;
  group: GroupSummary | undefined;
  /** Default `read`. */
  groupSource?: GroupSource;
  state: GroupState | undefined;
  optIn: OptIn;
  now: number;
  /** Per-instance load (the profile's `termination.loadMetric`), for the `least-loaded` tie-break. */
  loads?: ReadonlyMap<string, number>;
}

/** The context to decide with, the one to report in observe mode, and a sentence saying which and why. */
export interface TerminationContextChoice {
  basis: TerminationBasis;
  context: TerminationContext;
  wouldReturn?: TerminationContext;
  note: string;
}

/**
 * What the answer may rely on about each candidate. The group is read without its instances
 * (`IncludeInstances=false`, docs/adr/0009-packed-instance-facts.md): it gives the weights; the
 * candidates are the ones Auto Scaling itself offers, and it cannot terminate a scale-in-protected
 * instance on scale-in whatever the answer says
 * (https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-instance-protection.html).
 * - an instance known to be protected (in the recorded facts, or shown protected by a listing that
 *   carries instances) is left out: it would take a place in the answer that Auto Scaling cannot use;
 * - with no group at all (not read, none cached) no candidate is vouched for: without weights the
 *   answer could not be kept within a bucket's capacity;
 * - capacity units: the overrides' weights; a type the overrides do not weigh counts as the
 *   largest weight, so a bucket never gets more units than it asked for. Without overrides every
 *   instance counts 1 (https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-mixed-instances-groups-instance-weighting.html).
 * Auto Scaling must not be given more than `CapacityToTerminate` per bucket, and an empty answer
 * only makes it ask again (https://docs.aws.amazon.com/autoscaling/ec2/userguide/lambda-custom-termination-policy.html).
 */
const vouched = (
  request: TerminationPolicyRequest,
  group: GroupSummary | undefined,
  protection: ProtectionView | undefined,
): { unvouched: Set<string>; weights: Map<string, number> } => {
  const unvouched = new Set<string>();
  if (group === undefined) {
    for (const c of request.instances) unvouched.add(c.instanceId);
  } else {
    // Facts that say protected need no entry here: the decision leaves such an instance out itself.
    for (const i of group.instances) if (i.protectedFromScaleIn) unvouched.add(i.instanceId);
    // The group worker's protection snapshot (shared/state/protection.ts): the group is read
    // without instances here, so it is the listing that says who is protected.
    if (protection !== undefined && protection.listed === 'protected') {
      for (const id of protection.ids) unvouched.add(id);
    } else if (protection !== undefined && protection.listed === 'unprotected') {
      for (const c of request.instances) if (protectedBy(protection, c.instanceId) === true) unvouched.add(c.instanceId);
    }
  }
  const weights = new Map<string, number>();
  let largest = 0;
  for (const [type, w] of group?.weights ?? []) {
    if (!Number.isFinite(w) || w <= 0) continue;
    weights.set(type, w);
    largest = Math.max(largest, w);
  }
  if (largest > 0) {
    // One lookup per type, not per candidate.
    const types = new Set<string>();
    for (const c of request.instances) types.add(c.instanceType);
    for (const type of types) if (!weights.has(type)) weights.set(type, largest);
  }
  return { unvouched, weights };
};

const protectedFacts = (): InstanceFacts => {
  const f = blankFacts();
  f.protectedFromScaleIn = true;
  return f;
};

const neutral = (request: TerminationPolicyRequest, group: GroupSummary | undefined, state: GroupState | undefined, now: number): TerminationContext => {
  const { unvouched, weights } = vouched(request, group, state?.protection);
  const facts = new Map<string, InstanceFacts>();
  for (const id of unvouched) facts.set(id, protectedFacts());
  // Of the recorded facts, the neutral order uses protection alone.
  for (const [id, f] of state?.facts ?? []) if (f.protectedFromScaleIn === true) facts.set(id, protectedFacts());
  return { now, tieBreak: 'oldest-first', facts, poolInterruptionRate: new Map(), current: {}, weights };
};

const informed = (inputs: TerminationInputs, profile: Extract<OptIn, { optedIn: true }>['profile']): TerminationContext => {
  const { request, group, state, now } = inputs;
  const { unvouched, weights } = vouched(request, group, state?.protection);
  const listedVersions = (group?.instances ?? []).filter((i) => i.launchTemplateVersion);
  // The decoded facts may be shared (a container's cache): they are copied only when something is
  // added to them (loads, a listing's versions), and then an instance's record is copied before it
  // changes; protection known besides the facts goes in `protectedIds`. Most invocations add
  // nothing: 18,000 records are not copied.
  const base: ReadonlyMap<string, InstanceFacts> = state?.facts ?? new Map();
  const changes = (inputs.loads?.size ?? 0) + listedVersions.length;
  const facts = changes === 0 ? base : new Map<string, InstanceFacts>(base);
  if (facts instanceof Map && facts !== base) {
    const own = new Set<string>();
    const writable = (id: string): InstanceFacts => {
      let f = facts.get(id);
      if (f === undefined || !own.has(id)) {
        f = f === undefined ? blankFacts() : { ...blankFacts(), ...f };
        facts.set(id, f);
        own.add(id);
      }
      return f;
    };
    for (const [id, load] of inputs.loads ?? []) writable(id).load = load;
    for (const i of listedVersions) writable(i.instanceId).launchTemplateVersion = i.launchTemplateVersion;
  }
  // Spot candidates per pool, counted without building a key string per candidate.
  const byType = new Map<string, Map<string, number>>();
  // An indexed loop: `for…of` allocates an iterator result per candidate until V8 optimizes the
  // loop (30,000 of them, ~1 MB, in a function that runs once per invocation).
  const candidates = request.instances;
  for (let i = 0; i < candidates.length; i += 1) {
    const c = candidates[i] as TerminationCandidate;
    if (c.instanceMarketOption !== 'spot') continue;
    let zones = byType.get(c.instanceType);
    if (zones === undefined) {
      zones = new Map();
      byType.set(c.instanceType, zones);
    }
    zones.set(c.availabilityZone, (zones.get(c.availabilityZone) ?? 0) + 1);
  }
  const poolSizes = new Map<string, number>();
  for (const [type, zones] of byType) for (const [zone, n] of zones) poolSizes.set(poolKey(type, zone), n);
  const windowMs = profile.mix.signalWindowSeconds * 1000;
  const currentModel =
    profile.termination.currentModelVersion ?? (group?.tags.find((t) => t.key === profile.termination.modelVersionTagKey)?.value || undefined);
  return {
    now,
    tieBreak: profile.termination.tieBreak,
    facts,
    poolInterruptionRate: poolInterruptionRates(state?.signals ?? [], poolSizes, now, windowMs),
    current: {
      ...(group?.launchTemplateVersion ? { launchTemplateVersion: group.launchTemplateVersion } : {}),
      // The current model version: the profile's, else the group's model-version tag now (instances
      // recorded the tag's value at their launch, so a tag change marks every older instance stale).
      ...(currentModel ? { modelVersion: currentModel } : {}),
    },
    weights,
    ...(unvouched.size > 0 ? { protectedIds: unvouched } : {}),
  };
};

/**
 * Chooses the decision context for a termination request. Pure.
 *
 * @example
 * ```ts
 * const choice = buildTerminationContext({ request, group, state, optIn: resolveProfile(config, group.tags), now });
 * const decision = decideTerminationOrder(request, choice.context);
 * ```
 */
export const buildTerminationContext = (inputs: TerminationInputs): TerminationContextChoice => {
  const { optIn, group, now } = inputs;
  if (!optIn.optedIn) {
    return {
      basis: 'not-opted-in',
      context: neutral(inputs.request, group, inputs.state, now),
      note: `neutral order (input alone): ${group ? optIn.reason : 'group could not be read: no candidate can be vouched for'}`,
    };
  }
  const context = informed(inputs, optIn.profile);
  if (optIn.profile.mode === 'observe') {
    return {
      basis: 'observed',
      context: neutral(inputs.request, group, inputs.state, now),
      wouldReturn: context,
      note: `profile ${optIn.profileName} is in observe mode: neutral order returned, the profile's order reported as wouldReturn`,
    };
  }
  return { basis: 'profile', context, note: `profile ${optIn.profileName} (${optIn.profile.termination.tieBreak})` };
};
