/**
 * The mix controller's act side: load (mix record, signals, instances) → decide ({@link decideMix},
 * pure) → claim the change with a conditional write of the mix record → UpdateAutoScalingGroup with
 * the group's complete MixedInstancesPolicy → notify. Used by `capacitySignal` after each signal
 * and by {@link runMixSweep} (reconcile) for every opted-in group.
 */
import type { LaunchTemplateSpecification, MixedInstancesPolicy } from '@aws-sdk/client-auto-scaling';
import type { AutoScalingPort, GroupSummary } from '../aws/auto-scaling';
import type { StateStorePort } from '../aws/state-store';
import type { Profile } from '../config';
import type { Notification, Severity } from '../notify/notification';
import type { Publisher } from '../notify/publisher';
import { decideMix, formatTarget, type MixControllerMemory, type MixDecision, type MixTarget } from '../policy/mix';
import type { InstanceDirectory } from '../signals/instance-directory';
import { decodeGroupState } from '../state/group-state';
import { groupPk, MIX_SK, SIGNAL_PREFIX } from '../state/keys';
import { decodeMixState, type LoadedMixState, MIX_HISTORY_LIMIT, type MixState, mixRecord } from './state';

/** The ports the controller acts through; `capacitySignal`, `reconcile` and the simulator supply them. */
export interface MixControllerDeps {
  autoScaling: Pick<AutoScalingPort, 'updateMixedInstancesPolicy'>;
  instances: InstanceDirectory;
  store: StateStorePort;
  publisher: Pick<Publisher, 'publish'>;
}

/** What one evaluation did. */
export interface MixEvaluation {
  outcome: 'changed' | 'observed' | 'held' | 'lost-race' | 'unsupported' | 'disabled';
  group: string;
  reason: string;
  rule?: string;
  from?: MixTarget;
  to?: MixTarget;
  figures?: MixDecision['figures'];
  /** Set when the change was made but its notification could not be published (logged, not retried). */
  notifyError?: string;
}

/** What the controller needs to know about the group and the trigger. */
export interface MixEvaluationInput {
  group: GroupSummary;
  profileName: string;
  profile: Profile;
  now: number;
  /** The group partition's raw items when the caller has them (avoids a second, eventually consistent, read). */
  items?: ReadonlyArray<Readonly<Record<string, unknown>>>;
  /**
   * The mix record as the caller read it (with `items`, from one {@link loadMixWindow} Query): no
   * separate read. Absent: the controller reads the record and the signals itself, in one Query.
   */
  state?: LoadedMixState;
  /** Id of the AWS event that triggered this evaluation, for tracing. */
  sourceEventId?: string;
}

/** AWS's defaults for an absent `InstancesDistribution` field: base 0, 100% On-Demand above it. */
export const distributionOf = (mip: MixedInstancesPolicy): MixTarget => ({
  base: mip.InstancesDistribution?.OnDemandBaseCapacity ?? 0,
  percent: mip.InstancesDistribution?.OnDemandPercentageAboveBaseCapacity ?? 100,
});

/** DescribeAutoScalingGroups answers a launch template with both id and name; an update accepts one of them only. */
const oneLaunchTemplateKey = (spec: LaunchTemplateSpecification | undefined): LaunchTemplateSpecification | undefined => {
  if (!spec) return spec;
  const { LaunchTemplateId, LaunchTemplateName, ...rest } = spec;
  return LaunchTemplateId ? { ...rest, LaunchTemplateId } : { ...rest, ...(LaunchTemplateName ? { LaunchTemplateName } : {}) };
};

/**
 * The group's policy with only the two numbers changed: LaunchTemplate, Overrides and every other
 * InstancesDistribution field are sent back as read (UpdateAutoScalingGroup replaces the policy as a
 * whole, and the emulator fails on a policy that carries only InstancesDistribution). The one
 * rewrite: a launch template named by both id and name (as Describe answers) keeps only its id,
 * because the update refuses both at once.
 */
export const withDistribution = (mip: MixedInstancesPolicy, t: MixTarget): MixedInstancesPolicy => {
  const copy = structuredClone(mip);
  const lt = copy.LaunchTemplate;
  return {
    ...copy,
    ...(lt
      ? {
          LaunchTemplate: {
            ...lt,
            ...(lt.LaunchTemplateSpecification ? { LaunchTemplateSpecification: oneLaunchTemplateKey(lt.LaunchTemplateSpecification) } : {}),
            ...(lt.Overrides
              ? { Overrides: lt.Overrides.map((o) => (o.LaunchTemplateSpecification ? { ...o, LaunchTemplateSpecification: oneLaunchTemplateKey(o.LaunchTemplateSpecification) } : o)) }
              : {}),
          },
        }
      : {}),
    InstancesDistribution: {
      ...(copy.InstancesDistribution ?? {}),
      OnDemandBaseCapacity: t.base,
      OnDemandPercentageAboveBaseCapacity: t.percent,
    },
  };
};

const loadMixState = async (store: StateStorePort, group: string): Promise<LoadedMixState> => {
  const rec = await store.get(groupPk(group), MIX_SK);
  return rec ? { exists: true, version: rec.version, state: decodeMixState(rec.data) } : { exists: false, version: 0, state: { history: [] } };
};

/** The mix record and the signals of a group, split out of one read of its partition. */
export interface MixWindow {
  state: LoadedMixState;
  /** The signal items (`signal#…`), as raw attribute maps. */
  signals: Array<Record<string, unknown>>;
}

/**
 * Reads the mix record and the signals with one strongly consistent Query: in the group partition
 * they sort together (`mix` < `signal#…`), after the instance facts (`instance#…`), which are not read.
 * Consistent, because the record's version is what the claim (a conditional write) states.
 *
 * @example
 * ```ts
 * const { state, signals } = await loadMixWindow(store, 'ml-inference-gpu');
 * ```
 */
export const loadMixWindow = async (store: StateStorePort, group: string): Promise<MixWindow> => {
  const items = await store.queryPartition(groupPk(group), { skFrom: MIX_SK, consistent: true });
  const rec = items.find((i) => i.sk === MIX_SK);
  const version = typeof rec?.version === 'number' ? rec.version : 0;
  const data = typeof rec?.data === 'object' && rec.data !== null ? (rec.data as Record<string, unknown>) : undefined;
  return {
    state: rec ? { exists: true, version, state: decodeMixState(data) } : { exists: false, version: 0, state: { history: [] } },
    signals: items.filter((i) => String(i.sk).startsWith(SIGNAL_PREFIX)),
  };
};

/** Conditional write of the mix record: the claim that makes one invocation the only writer. */
const claim = async (store: StateStorePort, group: string, loaded: LoadedMixState, next: MixState, now: number): Promise<boolean> =>
  loaded.exists ? store.putIfVersion(mixRecord(group, next, loaded.version, now), loaded.version) : store.putIfAbsent(mixRecord(group, next, 1, now));

const sameJson = (a: unknown, b: unknown): boolean => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

const TERMINAL_STATES = /^(Terminat|Detach|Standby|Warmed)/;

/** Spot count, newest Spot launch, in-service capacity: from the group and the instance directory. */
const observeFleet = async (deps: MixControllerDeps, group: GroupSummary) => {
  const members = group.instances.filter((i) => i.instanceId !== '' && !TERMINAL_STATES.test(i.lifecycleState));
  const infos = members.length > 0 ? await deps.instances.getMany(members.map((i) => i.instanceId)) : new Map();
  let spotInstances = 0;
  let lastSpotLaunchAt: number | undefined;
  let inServiceCapacity = 0;
  for (const i of members) {
    if (i.lifecycleState === 'InService') inServiceCapacity += group.weights.get(i.instanceType) ?? 1;
    const info = infos.get(i.instanceId);
    if (info?.market !== 'spot') continue;
    spotInstances += 1;
    if (info.launchTime !== undefined) lastSpotLaunchAt = Math.max(lastSpotLaunchAt ?? 0, info.launchTime);
  }
  return { spotInstances, inServiceCapacity, ...(lastSpotLaunchAt === undefined ? {} : { lastSpotLaunchAt }) };
};

const SEVERITY_OF_RULE: Readonly<Record<string, Severity>> = { fallback: 'warning', raise: 'warning', return: 'info', decay: 'info', bounds: 'info' };

const changeNotification = (
  input: MixEvaluationInput,
  decision: Extract<MixDecision, { kind: 'change' }>,
  mode: 'enforce' | 'observe',
): Notification => ({
  eventType: 'mix.changed',
  severity: SEVERITY_OF_RULE[decision.rule] ?? 'info',
  group: input.group.name,
  mode,
  title: `${mode === 'observe' ? 'Would change' : 'Changed'} On-Demand mix (${decision.rule}): ${decision.from.base}/${decision.from.percent}% -> ${decision.target.base}/${decision.target.percent}%`,
  reason: decision.reason,
  time: new Date(input.now).toISOString(),
  ...(input.sourceEventId ? { sourceEventId: input.sourceEventId } : {}),
  ...(input.group.arn ? { resources: [input.group.arn] } : {}),
  details: {
    profile: input.profileName,
    rule: decision.rule,
    fromBase: decision.from.base,
    fromPercent: decision.from.percent,
    toBase: decision.target.base,
    toPercent: decision.target.percent,
    interruptions: decision.figures.interruptions,
    spotLaunchFailures: decision.figures.spotLaunchFailures,
    spotInstances: decision.figures.spotInstances,
    ratePerSpotInstanceHour: Number(decision.figures.rate.toFixed(4)),
    shortfall: decision.figures.shortfall,
    applied: mode === 'enforce',
  },
});

const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/**
 * Evaluates and, when the policy says so, changes one group's mix. Throws only what should be
 * retried (AWS retryable errors); a lost race on the mix record is a `lost-race` hold.
 *
 * @example
 * ```ts
 * const result = await evaluateGroupMix(deps, { group, profileName: 'gpu-inference', profile, now: Date.now() });
 * result.outcome; // 'changed' | 'observed' | 'held' | 'lost-race' | 'unsupported' | 'disabled'
 * ```
 */
export const evaluateGroupMix = async (deps: MixControllerDeps, input: MixEvaluationInput): Promise<MixEvaluation> => {
  const { group, profile, now } = input;
  const mode = profile.mode;
  const name = group.name;
  if (!profile.mix.enabled) return { outcome: 'disabled', group: name, reason: `mix controller disabled in profile ${input.profileName}` };

  // One read for the record and the signals, unless the caller read them (or the signals) already.
  const window = input.state === undefined && input.items === undefined ? await loadMixWindow(deps.store, name) : undefined;
  const loaded = input.state ?? window?.state ?? (await loadMixState(deps.store, name));
  const state = loaded.state;
  const mip = group.mixedInstancesPolicy;
  if (!mip) {
    if (state.unsupportedReportedAt !== undefined) {
      return { outcome: 'unsupported', group: name, reason: `group has no MixedInstancesPolicy (reported ${new Date(state.unsupportedReportedAt).toISOString()}); mix left alone` };
    }
    const reason = 'group has no MixedInstancesPolicy: the mix controller cannot steer it and leaves it alone (reported once)';
    if (!(await claim(deps.store, name, loaded, { ...state, unsupportedReportedAt: now }, now))) {
      return { outcome: 'unsupported', group: name, reason: `${reason}; another invocation reported it` };
    }
    await deps.publisher.publish(
      {
        eventType: 'mix.unsupported',
        severity: 'warning',
        group: name,
        mode,
        title: 'Mix controller cannot steer this group (no MixedInstancesPolicy)',
        reason,
        time: new Date(now).toISOString(),
        ...(input.sourceEventId ? { sourceEventId: input.sourceEventId } : {}),
        ...(group.arn ? { resources: [group.arn] } : {}),
        details: { profile: input.profileName },
      },
      profile.notifications,
    );
    return { outcome: 'unsupported', group: name, reason };
  }

  const items = input.items ?? window?.signals ?? (await deps.store.queryPartition(groupPk(name), { skPrefix: SIGNAL_PREFIX }));
  const { signals } = decodeGroupState(items);
  const fleet = await observeFleet(deps, group);
  const actual = distributionOf(mip);
  // A shadow target from observe mode is what observe pretends is in force; a mode switch starts afresh.
  const modeSwitched = state.targetMode !== undefined && state.targetMode !== mode;
  const memory: MixControllerMemory = modeSwitched ? (state.lastSignalAt === undefined ? {} : { lastSignalAt: state.lastSignalAt }) : state;
  const current = mode === 'observe' && !modeSwitched && state.target ? state.target : actual;

  const decision = decideMix({
    now,
    current,
    desiredCapacity: group.desiredCapacity,
    inServiceCapacity: fleet.inServiceCapacity,
    spotInstances: fleet.spotInstances,
    ...(fleet.lastSpotLaunchAt === undefined ? {} : { lastSpotLaunchAt: fleet.lastSpotLaunchAt }),
    signals,
    memory: {
      ...(memory.lastChangeAt === undefined ? {} : { lastChangeAt: memory.lastChangeAt }),
      ...(memory.lastSignalAt === undefined ? {} : { lastSignalAt: memory.lastSignalAt }),
      ...(memory.fallback === undefined ? {} : { fallback: memory.fallback }),
    },
    settings: profile.mix,
  });

  const next: MixState = {
    ...(modeSwitched ? { history: state.history } : state),
    ...(decision.figures.lastSignalAt === undefined ? {} : { lastSignalAt: decision.figures.lastSignalAt }),
  };
  delete next.unsupportedReportedAt;
  delete next.fallback;
  if (decision.fallback) next.fallback = decision.fallback;
  if (decision.kind === 'change') {
    next.lastChangeAt = now;
    next.target = decision.target;
    next.targetMode = mode;
    next.history = [
      { at: now, rule: decision.rule, mode, from: decision.from, to: decision.target, reason: decision.reason.slice(0, 1000) },
      ...state.history,
    ].slice(0, MIX_HISTORY_LIMIT);
  }
  const base = { group: name, figures: decision.figures };

  if (decision.kind === 'hold') {
    // Remember what a later decision needs (the newest signal, the fallback), if it moved; a lost race here is harmless.
    if (!loaded.exists ? next.lastSignalAt !== undefined || next.fallback !== undefined : !sameJson(next, state)) {
      await claim(deps.store, name, loaded, next, now);
    }
    return { ...base, outcome: 'held', reason: decision.reason };
  }

  if (!(await claim(deps.store, name, loaded, next, now))) {
    return { ...base, outcome: 'lost-race', reason: `hold: another invocation changed the mix (the mix record moved on); this one wanted: ${decision.reason}` };
  }
  if (mode === 'enforce') {
    try {
      await deps.autoScaling.updateMixedInstancesPolicy(name, withDistribution(mip, decision.target));
    } catch (error) {
      // Undo the claim so that the retry (or the next signal) is not blocked by a cooldown for a change that never happened.
      const undo = loaded.exists
        ? deps.store.putIfVersion(mixRecord(name, state, loaded.version + 1, now), loaded.version + 1)
        : deps.store.delete(groupPk(name), MIX_SK);
      await Promise.resolve(undo).catch(() => undefined);
      throw error;
    }
  }
  const outcome = mode === 'enforce' ? 'changed' : 'observed';
  const result: MixEvaluation = {
    ...base,
    outcome,
    rule: decision.rule,
    from: decision.from,
    to: decision.target,
    reason: mode === 'enforce' ? decision.reason : `observe mode, nothing changed: would set ${formatTarget(decision.target)}; ${decision.reason}`,
  };
  try {
    await deps.publisher.publish(changeNotification(input, decision, mode), profile.notifications);
  } catch (error) {
    // The change is made and recorded in the mix history; a retry would find the cooldown and not publish again.
    result.notifyError = errorText(error);
  }
  return result;
};
