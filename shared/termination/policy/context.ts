import type { GroupSummary } from '../../aws/auto-scaling';
import type { OptIn } from '../../config';
import type { TerminationPolicyRequest } from '../../events/termination-policy-input';
import { type GroupState, type InstanceFacts, poolInterruptionRates, poolKey } from '../../state/group-state';
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
 * container (the read missed its budget): a cached listing vouches only for the instances it shows
 * unprotected.
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
 * What the answer may rely on about each candidate, from the group as read (or as last read):
 * - an instance the listing does not show unprotected is left out (marked protected): the answer
 *   never returns one it cannot vouch for (not read, or newer than the listing);
 * - capacity units: the overrides' weights; a type the overrides do not weigh counts as the
 *   largest weight, so a bucket never gets more units than it asked for. Without overrides every
 *   instance counts 1 (https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-mixed-instances-groups-instance-weighting.html).
 * Auto Scaling must not be given more than `CapacityToTerminate` per bucket, and an empty answer
 * only makes it ask again (https://docs.aws.amazon.com/autoscaling/ec2/userguide/lambda-custom-termination-policy.html).
 */
const vouched = (
  request: TerminationPolicyRequest,
  group: GroupSummary | undefined,
  source: GroupSource,
): { unvouched: Set<string>; weights: Map<string, number> } => {
  const unvouched = new Set<string>();
  if (group !== undefined && source === 'read') {
    // Read now: the listing is the truth; a candidate it does not show protected is Auto Scaling's own proposal.
    for (const i of group.instances) if (i.protectedFromScaleIn) unvouched.add(i.instanceId);
  } else {
    const unprotected = new Set<string>();
    for (const i of group?.instances ?? []) if (!i.protectedFromScaleIn) unprotected.add(i.instanceId);
    for (const c of request.instances) if (!unprotected.has(c.instanceId)) unvouched.add(c.instanceId);
  }
  const weights = new Map<string, number>();
  let largest = 0;
  for (const [type, w] of group?.weights ?? []) {
    if (!Number.isFinite(w) || w <= 0) continue;
    weights.set(type, w);
    largest = Math.max(largest, w);
  }
  if (largest > 0) for (const c of request.instances) if (!weights.has(c.instanceType)) weights.set(c.instanceType, largest);
  return { unvouched, weights };
};

const neutral = (request: TerminationPolicyRequest, group: GroupSummary | undefined, source: GroupSource, now: number): TerminationContext => {
  const { unvouched, weights } = vouched(request, group, source);
  const facts = new Map<string, InstanceFacts>();
  for (const id of unvouched) facts.set(id, { protectedFromScaleIn: true });
  return { now, tieBreak: 'oldest-first', facts, poolInterruptionRate: new Map(), current: {}, weights };
};

const informed = (inputs: TerminationInputs, profile: Extract<OptIn, { optedIn: true }>['profile']): TerminationContext => {
  const { request, group, state, now } = inputs;
  const facts = new Map<string, InstanceFacts>(state?.facts ?? []);
  for (const [id, load] of inputs.loads ?? []) facts.set(id, { ...facts.get(id), load });
  for (const i of group?.instances ?? []) {
    if (!i.launchTemplateVersion) continue;
    facts.set(i.instanceId, { ...facts.get(i.instanceId), launchTemplateVersion: i.launchTemplateVersion });
  }
  const { unvouched, weights } = vouched(request, group, inputs.groupSource ?? 'read');
  for (const id of unvouched) facts.set(id, { ...facts.get(id), protectedFromScaleIn: true });
  const poolSizes = new Map<string, number>();
  for (const c of request.instances) {
    if (c.instanceMarketOption !== 'spot') continue;
    const key = poolKey(c.instanceType, c.availabilityZone);
    poolSizes.set(key, (poolSizes.get(key) ?? 0) + 1);
  }
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
      context: neutral(inputs.request, group, inputs.groupSource ?? 'read', now),
      note: `neutral order (input alone): ${group ? optIn.reason : 'group could not be read: no candidate can be vouched for'}`,
    };
  }
  const context = informed(inputs, optIn.profile);
  if (optIn.profile.mode === 'observe') {
    return {
      basis: 'observed',
      context: neutral(inputs.request, group, inputs.groupSource ?? 'read', now),
      wouldReturn: context,
      note: `profile ${optIn.profileName} is in observe mode: neutral order returned, the profile's order reported as wouldReturn`,
    };
  }
  return { basis: 'profile', context, note: `profile ${optIn.profileName} (${optIn.profile.termination.tieBreak})` };
};
