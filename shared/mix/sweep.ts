/**
 * `runMixSweep`: the periodic side of the mix controller, called by `reconcile` (rate 1 minute).
 * Signals only arrive when Spot misbehaves, so decay ("Spot has been calm long enough") and the
 * return from a fallback can only be noticed by looking again.
 *
 * The work grows with what is changing, not with the fleet (issue 16, docs/adr/0006): the groups
 * are listed without their instances (`IncludeInstances=false`), their mix records read in batches
 * of 100 keys, and {@link mixAtRest} (pure) leaves alone every group that no rule could change before
 * a new signal arrives. Only the others are read again with their instances (a few groups a call,
 * so one answer stays small) and evaluated by the whole policy, at most `maxGroups` a run, the
 * starting point rotating every run so that a backlog is worked through, never the same ones first.
 */
import type { AutoScalingPort, GroupSummary } from '../aws/auto-scaling';
import type { StateRecord } from '../aws/state-store';
import { type OrchestratorConfig, resolveProfile } from '../config';
import { type SweepReport, toFailure } from '../runtime/sweep-runner';
import { mixAtRest } from './policy/mix-rest';
import { groupPk, MIX_SK } from '../state/keys';
import { distributionOf, evaluateGroupMix, type MixControllerDeps, type MixEvaluation } from './controller';
import { decodeMixState } from './state';

/** Ports the sweep needs: the controller's, plus the group listings and the config. */
export interface MixSweepDeps extends MixControllerDeps {
  autoScaling: Pick<AutoScalingPort, 'updateInstancesDistribution' | 'describeGroupsByTagKey' | 'describeGroups'>;
  config: () => OrchestratorConfig;
}

/**
 * A `SweepReport` (shared/runtime/sweep-runner.ts: name, flat summary, classified failures) plus
 * one line per evaluated group. A failing group does not stop the others.
 */
export interface MixSweepResult extends SweepReport {
  name: 'mix';
  results: MixEvaluation[];
  /** A `plan` run: the groups not at rest, for the caller to fan out (docs/adr/0008). */
  due?: string[];
}

/** Most groups evaluated (with their instances) per run; the rest wait for the next runs. */
export const MAX_MIX_GROUPS_PER_RUN = 50;

/**
 * Groups per DescribeAutoScalingGroups read with instances: Auto Scaling answers every instance of
 * each group named, so a call naming 100 groups of 500 instances is ~65 MB of XML; 10 keep it near 6 MB.
 */
export const GROUPS_PER_INSTANCE_READ = 10;

/** Options of one run (tests and the bench change them). */
export interface MixSweepOptions {
  maxGroups?: number;
  groupsPerRead?: number;
  sweepIntervalMs?: number;
  /** The opted-in groups as already listed without instances by the caller (reconcile lists once). */
  listing?: readonly GroupSummary[];
  /** `plan`: decide which groups are not at rest and return them in `due`, evaluating none. */
  planOnly?: boolean;
}

/** Reads many records: one BatchGetItem per 100 keys when the store can, else one GetItem each. */
const readRecords = async (store: MixControllerDeps['store'], keys: Array<{ pk: string; sk: string }>): Promise<Map<string, StateRecord>> => {
  const found = store.getMany
    ? await store.getMany(keys)
    : (await Promise.all(keys.map((k) => store.get(k.pk, k.sk)))).filter((r): r is StateRecord => r !== undefined);
  return new Map(found.map((r) => [r.pk, r]));
};

/**
 * Evaluates the mix of every opted-in group that is not at rest. The caller decides whether
 * failures fail its invocation.
 *
 * @example
 * ```ts
 * const sweep = await runMixSweep({ autoScaling, instances, store, publisher, config: () => loadConfig() }, Date.now());
 * sweep.summary.atRest; // groups left alone: nothing could change them before a signal
 * ```
 */
export const runMixSweep = async (deps: MixSweepDeps, now: number, options: MixSweepOptions = {}): Promise<MixSweepResult> => {
  const maxGroups = options.maxGroups ?? MAX_MIX_GROUPS_PER_RUN;
  const perRead = options.groupsPerRead ?? GROUPS_PER_INSTANCE_READ;
  const interval = options.sweepIntervalMs ?? 60_000;
  const config = deps.config();
  const listed = options.listing ?? (await deps.autoScaling.describeGroupsByTagKey(config.optInTagKey, { includeInstances: false }));
  const results: MixEvaluation[] = [];
  const failures: SweepReport['failures'] = [];
  const candidates: Array<{ group: GroupSummary; profileName: string; profile: Extract<ReturnType<typeof resolveProfile>, { optedIn: true }>['profile'] }> = [];
  for (const group of listed) {
    const optIn = resolveProfile(config, group.tags);
    if (!optIn.optedIn) results.push({ outcome: 'disabled', group: group.name, reason: optIn.reason });
    else if (!optIn.profile.mix.enabled)
      results.push({ outcome: 'disabled', group: group.name, reason: `mix controller disabled in profile ${optIn.profileName}` });
    else candidates.push({ group, profileName: optIn.profileName, profile: optIn.profile });
  }

  let records = new Map<string, StateRecord>();
  try {
    records = await readRecords(
      deps.store,
      candidates.map((c) => ({ pk: groupPk(c.group.name), sk: MIX_SK })),
    );
  } catch (error) {
    failures.push(toFailure('mix records', error));
    return summarize(listed.length, 0, 0, results, failures);
  }

  const busy: typeof candidates = [];
  let atRest = 0;
  for (const c of candidates) {
    const rec = records.get(groupPk(c.group.name));
    const state = rec ? decodeMixState(rec.data) : undefined;
    const oldestFrom = state?.history.at(-1)?.from;
    const rest = mixAtRest({
      now,
      actual: c.group.mixedInstancesPolicy ? distributionOf(c.group.mixedInstancesPolicy) : undefined,
      mode: c.profile.mode,
      memory: state === undefined ? undefined : { ...state, ...(oldestFrom ? { oldestFrom } : {}) },
      settings: c.profile.mix,
    });
    if (rest.atRest) atRest += 1;
    else busy.push(c);
  }

  if (options.planOnly) return { ...summarize(listed.length, atRest, 0, results, failures), due: busy.map((c) => c.group.name) };

  // A backlog larger than one run's share is worked through in turn: the start rotates every run.
  const offset = busy.length === 0 ? 0 : (Math.floor(now / interval) * maxGroups) % busy.length;
  const chosen = [...busy.slice(offset), ...busy.slice(0, offset)].slice(0, maxGroups);
  for (let i = 0; i < chosen.length; i += perRead) {
    const slice = chosen.slice(i, i + perRead);
    let groups: GroupSummary[];
    try {
      // Read again, with instances: the controller counts InService capacity and Spot members.
      groups = await deps.autoScaling.describeGroups(slice.map((c) => c.group.name));
    } catch (error) {
      failures.push(toFailure(`mix ${slice.map((c) => c.group.name).join(', ')}`, error));
      continue;
    }
    for (const c of slice) {
      const group = groups.find((g) => g.name === c.group.name);
      if (!group) continue; // deleted since the listing
      try {
        results.push(await evaluateGroupMix(deps, { group, profileName: c.profileName, profile: c.profile, now }));
      } catch (error) {
        failures.push(toFailure(`mix ${group.name}`, error));
      }
    }
  }
  return summarize(listed.length, atRest, busy.length - chosen.length, results, failures);
};

const summarize = (groups: number, atRest: number, deferred: number, results: MixEvaluation[], failures: SweepReport['failures']): MixSweepResult => {
  const count = (outcome: MixEvaluation['outcome']): number => results.filter((r) => r.outcome === outcome).length;
  return {
    name: 'mix',
    summary: {
      groups,
      atRest,
      evaluated: results.filter((r) => r.outcome !== 'disabled').length,
      deferred,
      changed: count('changed'),
      observed: count('observed'),
      held: count('held'),
      lostRace: count('lost-race'),
      unsupported: count('unsupported'),
      skipped: count('disabled'),
      changes: results
        .filter((r) => r.outcome === 'changed' || r.outcome === 'observed')
        .map((r) => `${r.group}: ${r.rule} ${r.from?.base}/${r.from?.percent}% -> ${r.to?.base}/${r.to?.percent}%`)
        .join('; '),
    },
    results,
    failures,
  };
};

/**
 * Evaluates one group's mix (a fan-out worker's share of the sweep), given the group read with its
 * instances. A group no longer opted in, or whose profile disables the mix, is left alone.
 *
 * @example
 * ```ts
 * const [group] = await autoScaling.describeGroups(['ml-inference-gpu']);
 * await evaluateMixOf(deps, group, Date.now()); // { outcome: 'held' | 'changed' | …, group, reason }
 * ```
 */
export const evaluateMixOf = async (deps: MixSweepDeps, group: GroupSummary, now: number): Promise<MixEvaluation> => {
  const optIn = resolveProfile(deps.config(), group.tags);
  if (!optIn.optedIn) return { outcome: 'disabled', group: group.name, reason: optIn.reason };
  if (!optIn.profile.mix.enabled) return { outcome: 'disabled', group: group.name, reason: `mix controller disabled in profile ${optIn.profileName}` };
  return evaluateGroupMix(deps, { group, profileName: optIn.profileName, profile: optIn.profile, now });
};
