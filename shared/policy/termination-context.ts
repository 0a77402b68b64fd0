import type { GroupSummary } from '../aws/auto-scaling';
import type { OptIn } from '../config';
import type { TerminationPolicyRequest } from '../events/termination-policy-input';
import { type GroupState, poolInterruptionRates } from '../state/group-state';
import { type InstanceFacts, poolKey, type TerminationContext } from './termination-order';

/**
 * Which order the answer follows:
 * - `profile`: the group opted in (enforce): everything known is used;
 * - `observed`: the group opted in with mode `observe`: the neutral order is returned and the
 *   profile's order is only reported (`wouldReturn`), so observe changes nothing;
 * - `not-opted-in`: the neutral order — input alone, plus scale-in protection and capacity weights.
 */
export type TerminationBasis = 'profile' | 'observed' | 'not-opted-in';

/** Inputs of {@link buildTerminationContext}: what the handler could read (either read may be missing). */
export interface TerminationInputs {
  request: TerminationPolicyRequest;
  group: GroupSummary | undefined;
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

const neutral = (group: GroupSummary | undefined, now: number): TerminationContext => {
  const facts = new Map<string, InstanceFacts>();
  for (const i of group?.instances ?? []) if (i.protectedFromScaleIn) facts.set(i.instanceId, { protectedFromScaleIn: true });
  return { now, tieBreak: 'oldest-first', facts, poolInterruptionRate: new Map(), current: {}, weights: group?.weights ?? new Map() };
};

const informed = (inputs: TerminationInputs, profile: Extract<OptIn, { optedIn: true }>['profile']): TerminationContext => {
  const { request, group, state, now } = inputs;
  const facts = new Map<string, InstanceFacts>(state?.facts ?? []);
  for (const [id, load] of inputs.loads ?? []) facts.set(id, { ...facts.get(id), load });
  for (const i of group?.instances ?? []) {
    const f: InstanceFacts = { ...facts.get(i.instanceId) };
    if (i.protectedFromScaleIn) f.protectedFromScaleIn = true;
    if (i.launchTemplateVersion) f.launchTemplateVersion = i.launchTemplateVersion;
    facts.set(i.instanceId, f);
  }
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
    weights: group?.weights ?? new Map(),
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
      context: neutral(group, now),
      note: `neutral order (input alone): ${group ? optIn.reason : 'group could not be read'}`,
    };
  }
  const context = informed(inputs, optIn.profile);
  if (optIn.profile.mode === 'observe') {
    return {
      basis: 'observed',
      context: neutral(group, now),
      wouldReturn: context,
      note: `profile ${optIn.profileName} is in observe mode: neutral order returned, the profile's order reported as wouldReturn`,
    };
  }
  return { basis: 'profile', context, note: `profile ${optIn.profileName} (${optIn.profile.termination.tieBreak})` };
};
