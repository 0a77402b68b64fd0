/**
 * The mix controller's act side: load (mix record, signals, instances) → decide ({@link decideMix},
 * pure) → claim the change with a conditional write of the mix record → UpdateAutoScalingGroup naming
 * only the InstancesDistribution → notify. Used by `capacitySignal` after each signal
 * and by {@link runMixSweep} (reconcile) for every opted-in group.
 */
import type { InstancesDistribution, MixedInstancesPolicy } from '@aws-sdk/client-auto-scaling';
import type { AutoScalingPort, GroupSummary } from '../aws/auto-scaling';
import type { StateStorePort } from '../aws/state-store';
import type { Profile } from '../config';
import type { Notification, Severity } from '../notify/notification';
import { type GroupMetric, publishGroupMetrics } from '../runtime/group-metrics';
import type { Publisher } from '../notify/publisher';
import { decideMix, formatTarget, type MixControllerMemory, type MixDecision, type MixTarget } from './policy/mix';
import type { InstanceDirectory } from '../aws/instance-directory';
import { decodeGroupState } from '../state/group-state';
import { groupPk, MIX_SK, SIGNAL_PREFIX } from '../state/keys';
import { isAwsCallError } from '../errors';
import { decodeMixState, type LoadedMixState, MIX_HISTORY_LIMIT, MIX_PENDING_STALE_MS, type MixState, mixRecord, type PendingMixChange } from './state';

/** The ports the controller acts through; `capacitySignal`, `reconcile` and the simulator supply them. */
export interface MixControllerDeps {
  autoScaling: Pick<AutoScalingPort, 'updateInstancesDistribution'>;
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
  /** Set when this evaluation finished a change claimed by an earlier one (F5, F7, F8 of docs/reliability.md). */
  resumed?: boolean;
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

/**
 * The InstancesDistribution to send: the group's as read, with only the two numbers changed. The
 * update names nothing else (no LaunchTemplate, no Overrides): Auto Scaling leaves every property a
 * request does not name as it is, so a launch template version deployed between our read and our
 * write is never rolled back, and no launch-template permission check applies (an update naming a
 * launch template needs ec2:RunInstances, and iam:PassRole when it has an instance profile; one
 * naming only the distribution needs neither, docs/adr/0002).
 */
export const distributionFor = (mip: MixedInstancesPolicy, t: MixTarget): InstancesDistribution => ({
  ...structuredClone(mip.InstancesDistribution ?? {}),
  OnDemandBaseCapacity: t.base,
  OnDemandPercentageAboveBaseCapacity: t.percent,
});

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
/** Lifecycle states are a handful of strings: test each once, not once per instance per sweep. */
const terminalState = new Map<string, boolean>();
const isTerminal = (state: string): boolean => {
  let t = terminalState.get(state);
  if (t === undefined) {
    t = TERMINAL_STATES.test(state);
    terminalState.set(state, t);
  }
  return t;
};

/** Spot and On-Demand counts, newest Spot launch, in-service capacity: from the group and the instance directory. */
const observeFleet = async (deps: MixControllerDeps, group: GroupSummary) => {
  const members = group.instances.filter((i) => i.instanceId !== '' && !isTerminal(i.lifecycleState));
  const infos = members.length > 0 ? await deps.instances.getMany(members.map((i) => i.instanceId)) : new Map();
  let spotInstances = 0;
  let onDemandInstances = 0;
  let lastSpotLaunchAt: number | undefined;
  let inServiceCapacity = 0;
  for (const i of members) {
    if (i.lifecycleState === 'InService') inServiceCapacity += group.weights.get(i.instanceType) ?? 1;
    const info = infos.get(i.instanceId);
    if (info?.market === 'on-demand') onDemandInstances += 1;
    if (info?.market !== 'spot') continue;
    spotInstances += 1;
    if (info.launchTime !== undefined) lastSpotLaunchAt = Math.max(lastSpotLaunchAt ?? 0, info.launchTime);
  }
  return { spotInstances, onDemandInstances, inServiceCapacity, ...(lastSpotLaunchAt === undefined ? {} : { lastSpotLaunchAt }) };
};

/** A change the controller made (enforce mode), and the running capacity units it replaces (docs/metrics.md). */
const mixChangeMetrics = (replaced: number | undefined): GroupMetric[] => [
  { name: 'MixChanges', value: 1 },
  ...(replaced === undefined ? [] : [{ name: 'InstancesReplacedByMix' as const, value: replaced }]),
];

const SEVERITY_OF_RULE: Readonly<Record<string, Severity>> = {
  fallback: 'warning',
  raise: 'warning',
  probe: 'info',
  return: 'info',
  decay: 'info',
  bounds: 'info',
};

const changeNotification = (input: MixEvaluationInput, decision: Extract<MixDecision, { kind: 'change' }>, mode: 'enforce' | 'observe'): Notification => ({
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
    riskAcrossPools: Number(decision.figures.risk.toFixed(4)),
    shortfall: decision.figures.shortfall,
    ...(decision.economics
      ? {
          replacedUnits: decision.economics.replaced,
          gainOnDemandUnitHours: Number(decision.economics.gain.toFixed(3)),
          costOnDemandUnitHours: Number(decision.economics.cost.toFixed(3)),
        }
      : {}),
    applied: mode === 'enforce',
  },
});

const THROTTLED = /^(Throttl|TooManyRequests|RequestLimitExceeded|RequestThrottled|ResourceContention|ResourceInUse|ScalingActivityInProgress)/;
const RATE_MESSAGE = /rate exceeded|throttl|too many requests/i;

/**
 * Whether AWS answered the request with a refusal (4xx, throttling, validation): then it was surely
 * not applied. A timeout, a 5xx or a lost connection is ambiguous: the write may have taken effect.
 */
export const rejectedByAws = (error: unknown): boolean => {
  if (isAwsCallError(error) && (error.disposition === 'drop' || THROTTLED.test(error.awsErrorName))) return true;
  const cause = isAwsCallError(error) ? error.cause : error;
  const e = (typeof cause === 'object' && cause !== null ? cause : {}) as { name?: unknown; message?: unknown; $metadata?: { httpStatusCode?: unknown } };
  const status = e.$metadata?.httpStatusCode;
  if (typeof status === 'number') return status >= 400 && status < 500;
  return (typeof e.name === 'string' && THROTTLED.test(e.name)) || (typeof e.message === 'string' && RATE_MESSAGE.test(e.message));
};

const sameTarget = (a: MixTarget, b: MixTarget): boolean => a.base === b.base && a.percent === b.percent;

/**
 * Finishes a change an earlier evaluation claimed and did not finish: the Lambda retry of its
 * event, the reconcile sweep, or the next signal. The decision was made then; it is not made again
 * (the cooldown counts from that change, so deciding again would hold or take a second step):
 * - the claim is younger than {@link MIX_PENDING_STALE_MS}: its writer may still be at work → hold;
 * - else take it over (conditional write refreshing `claimedAt`: one finisher only);
 * - enforce, and the group's distribution is not the target yet → UpdateAutoScalingGroup with the
 *   same target (idempotent), the cooldown restarting now; already the target → no update;
 *   the profile observes now and the target is not in force → the change is dropped, nothing applied;
 * - publish the stored notification, then remove `pending` (conditional write).
 */
const finishPending = async (
  deps: MixControllerDeps,
  input: MixEvaluationInput,
  loaded: LoadedMixState,
  p: PendingMixChange,
  mip: MixedInstancesPolicy,
): Promise<MixEvaluation> => {
  const { group, profile, now } = input;
  const name = group.name;
  const state = loaded.state;
  const actual = distributionOf(mip);
  const what = `${p.mode === 'enforce' ? 'change' : 'observe-mode change'} to ${formatTarget(p.target)} claimed at ${new Date(p.claimedAt).toISOString()}`;
  const age = now - p.claimedAt;
  if (Math.abs(age) < MIX_PENDING_STALE_MS) {
    return { group: name, outcome: 'held', reason: `hold: the ${what} is being finished by another invocation (claimed ${Math.round(age / 1000)} s ago)` };
  }
  const inForce = sameTarget(actual, p.target);
  const drop = p.mode === 'enforce' && !inForce && profile.mode === 'observe';
  const apply = p.mode === 'enforce' && !inForce && !drop;
  const taken: MixState = { ...state, pending: { ...p, claimedAt: now }, ...(apply ? { lastChangeAt: now } : {}) };
  if (!(await claim(deps.store, name, loaded, taken, now))) {
    return { group: name, outcome: 'lost-race', reason: `hold: another invocation took over the unfinished ${what}` };
  }
  const version = loaded.version + 1;
  const done: MixState = { ...taken };
  delete done.pending;
  if (drop) {
    await deps.store.putIfVersion(mixRecord(name, done, version, now), version);
    return {
      group: name,
      outcome: 'held',
      reason: `the unfinished ${what} was dropped: the profile observes now, and the group is at ${formatTarget(actual)}`,
    };
  }
  if (apply) {
    await deps.autoScaling.updateInstancesDistribution(name, distributionFor(mip, p.target));
    const replaced = p.notification.details.replacedUnits;
    publishGroupMetrics({ group: name, profile: input.profileName }, mixChangeMetrics(typeof replaced === 'number' ? replaced : undefined));
  }
  await deps.publisher.publish(p.notification, profile.notifications);
  await deps.store.putIfVersion(mixRecord(name, done, version, now), version);
  const from = state.history[0]?.to !== undefined && sameTarget(state.history[0].to, p.target) ? state.history[0].from : undefined;
  const rule = state.history[0]?.rule;
  return {
    group: name,
    outcome: p.mode === 'enforce' ? 'changed' : 'observed',
    resumed: true,
    ...(rule ? { rule } : {}),
    ...(from ? { from } : {}),
    to: p.target,
    reason: `finished the ${what}: ${p.mode === 'observe' ? 'nothing changed (observe mode)' : apply ? 'applied now (it was not in force)' : 'already in force (no second update)'}; notification published; ${p.notification.reason}`,
  };
};

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
      return {
        outcome: 'unsupported',
        group: name,
        reason: `group has no MixedInstancesPolicy (reported ${new Date(state.unsupportedReportedAt).toISOString()}); mix left alone`,
      };
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

  if (state.pending) return finishPending(deps, input, loaded, state.pending, mip);

  const items = input.items ?? window?.signals ?? (await deps.store.queryPartition(groupPk(name), { skPrefix: SIGNAL_PREFIX }));
  const { signals } = decodeGroupState(items);
  const fleet = await observeFleet(deps, group);
  const actual = distributionOf(mip);
  // A shadow target from observe mode is what observe pretends is in force; a mode switch starts afresh.
  const modeSwitched = state.targetMode !== undefined && state.targetMode !== mode;
  const memory: MixControllerMemory = modeSwitched ? (state.lastSignalAt === undefined ? {} : { lastSignalAt: state.lastSignalAt }) : state;
  const current = mode === 'observe' && !modeSwitched && state.target ? state.target : actual;
  // The owner's settings: what the group had before the controller touched it, or what the owner set
  // since (enforce mode: the group no longer shows the controller's last target). An owner's change
  // starts the controller afresh: no fallback, no direction to keep.
  const ownerChanged = mode === 'enforce' && !modeSwitched && state.targetMode === 'enforce' && state.target !== undefined && !sameTarget(actual, state.target);
  const oldestFrom = state.history.at(-1)?.from;
  const owner: MixTarget = mode === 'observe' || ownerChanged ? actual : (state.owner ?? oldestFrom ?? actual);
  const zones = new Set(group.instances.map((i) => i.availabilityZone).filter((z) => z !== ''));
  const usablePools = Math.max(1, group.weights.size) * Math.max(1, zones.size);

  const decision = decideMix({
    now,
    current,
    owner,
    usablePools,
    desiredCapacity: group.desiredCapacity,
    inServiceCapacity: fleet.inServiceCapacity,
    spotInstances: fleet.spotInstances,
    ...(fleet.lastSpotLaunchAt === undefined ? {} : { lastSpotLaunchAt: fleet.lastSpotLaunchAt }),
    signals,
    memory: {
      ...(memory.lastChangeAt === undefined ? {} : { lastChangeAt: memory.lastChangeAt }),
      ...(memory.lastSignalAt === undefined ? {} : { lastSignalAt: memory.lastSignalAt }),
      ...(memory.lastDirection === undefined || ownerChanged ? {} : { lastDirection: memory.lastDirection }),
      ...(memory.fallback === undefined || ownerChanged ? {} : { fallback: memory.fallback }),
    },
    settings: profile.mix,
  });

  const next: MixState = {
    ...(modeSwitched ? { history: state.history } : state),
    ...(decision.figures.lastSignalAt === undefined ? {} : { lastSignalAt: decision.figures.lastSignalAt }),
  };
  delete next.unsupportedReportedAt;
  delete next.fallback;
  next.owner = owner;
  if (ownerChanged) delete next.lastDirection;
  if (decision.fallback) next.fallback = decision.fallback;
  if (decision.kind === 'change') {
    next.lastChangeAt = now;
    next.lastDirection = decision.direction;
    next.target = decision.target;
    next.targetMode = mode;
    next.history = [
      { at: now, rule: decision.rule, mode, from: decision.from, to: decision.target, reason: decision.reason.slice(0, 1000) },
      ...state.history,
    ].slice(0, MIX_HISTORY_LIMIT);
  }
  const base = { group: name, figures: decision.figures };
  // Gauges, every evaluation: the On-Demand share of the members whose market is known, and the
  // controller's target (what it sets now, else what it holds: in observe mode the shadow target).
  const labels = { group: name, profile: input.profileName };
  const known = fleet.spotInstances + fleet.onDemandInstances;
  publishGroupMetrics(labels, [
    ...(known > 0 ? [{ name: 'OnDemandShare' as const, value: (100 * fleet.onDemandInstances) / known }] : []),
    { name: 'MixTarget', value: decision.kind === 'change' ? decision.target.percent : current.percent },
  ]);

  if (decision.kind === 'hold') {
    // Remember what a later decision needs (the newest signal, the fallback), if it moved; a lost race here is harmless.
    if (!loaded.exists ? next.lastSignalAt !== undefined || next.fallback !== undefined : !sameJson(next, state)) {
      await claim(deps.store, name, loaded, next, now);
    }
    return { ...base, outcome: 'held', reason: decision.reason };
  }

  const notification = changeNotification(input, decision, mode);
  // The claim carries the change until it is in force and announced (F5, F7, F8 of docs/reliability.md).
  next.pending = { target: decision.target, mode, claimedAt: now, notification };
  if (!(await claim(deps.store, name, loaded, next, now))) {
    return { ...base, outcome: 'lost-race', reason: `hold: another invocation changed the mix (the mix record moved on); this one wanted: ${decision.reason}` };
  }
  const claimedVersion = loaded.exists ? loaded.version + 1 : 1;
  if (mode === 'enforce') {
    try {
      await deps.autoScaling.updateInstancesDistribution(name, distributionFor(mip, decision.target));
    } catch (error) {
      if (rejectedByAws(error)) {
        // AWS refused the request (throttled, invalid): nothing changed, so undo the claim and the
        // retry (or the next signal) decides afresh instead of meeting a cooldown for no change.
        const undo = loaded.exists
          ? deps.store.putIfVersion(mixRecord(name, state, claimedVersion, now), claimedVersion)
          : deps.store.delete(groupPk(name), MIX_SK);
        await Promise.resolve(undo).catch(() => undefined);
      }
      // Otherwise (timeout, 5xx, connection lost) the update may have been applied: the pending
      // claim stays, and the next evaluation finishes it (no second step, no lost change).
      throw error;
    }
  }
  if (mode === 'enforce') publishGroupMetrics(labels, mixChangeMetrics(decision.economics?.replaced));
  const outcome = mode === 'enforce' ? 'changed' : 'observed';
  const result: MixEvaluation = {
    ...base,
    outcome,
    rule: decision.rule,
    from: decision.from,
    to: decision.target,
    reason: mode === 'enforce' ? decision.reason : `observe mode, nothing changed: would set ${formatTarget(decision.target)}; ${decision.reason}`,
  };
  // A failed publish throws (retryable) with the change pending: the retry, or the sweep, publishes it.
  await deps.publisher.publish(notification, profile.notifications);
  const done: MixState = { ...next };
  delete done.pending;
  await deps.store.putIfVersion(mixRecord(name, done, claimedVersion, now), claimedVersion);
  return result;
};
