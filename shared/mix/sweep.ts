/**
 * `runMixSweep`: the periodic side of the mix controller, called by `reconcile` (rate 1 minute).
 * Signals only arrive when Spot misbehaves, so decay ("Spot has been calm long enough") and the
 * return from a fallback can only be noticed by looking again: this walks every group carrying the
 * opt-in tag and runs the whole policy for each (so a raise that a cooldown held back is applied
 * once the cooldown is over, too).
 */
import type { AutoScalingPort } from '../aws/auto-scaling';
import { type OrchestratorConfig, resolveProfile } from '../config';
import { type SweepReport, toFailure } from '../lifecycle/sweep-runner';
import { evaluateGroupMix, type MixControllerDeps, type MixEvaluation } from './controller';

/** Ports the sweep needs: the controller's, plus the tag-filtered group listing and the config. */
export interface MixSweepDeps extends MixControllerDeps {
  autoScaling: Pick<AutoScalingPort, 'updateInstancesDistribution' | 'describeGroupsByTagKey'>;
  config: () => OrchestratorConfig;
}

/**
 * A `SweepReport` (shared/lifecycle/sweep-runner.ts: name, flat summary, classified failures) plus
 * one line per group. A failing group does not stop the others.
 */
export interface MixSweepResult extends SweepReport {
  name: 'mix';
  results: MixEvaluation[];
}

/**
 * Evaluates the mix of every opted-in group. Groups are evaluated one after another (a handful of
 * calls each, well inside reconcile's budget for tens of groups); an error in one group is collected
 * and the sweep goes on, so one broken group cannot starve the others. The caller decides whether
 * failures fail its invocation.
 *
 * @example
 * ```ts
 * const sweep = await runMixSweep({ autoScaling, instances, store, publisher, config: () => loadConfig() }, Date.now());
 * sweep.summary.changed; // groups whose mix changed
 * // reconcile: { name: 'mix', run: (now) => runMixSweep(mixDeps, now) }
 * ```
 */
export const runMixSweep = async (deps: MixSweepDeps, now: number): Promise<MixSweepResult> => {
  const config = deps.config();
  const groups = await deps.autoScaling.describeGroupsByTagKey(config.optInTagKey);
  const results: MixEvaluation[] = [];
  const failures: SweepReport['failures'] = [];
  for (const group of groups) {
    const optIn = resolveProfile(config, group.tags);
    if (!optIn.optedIn) {
      results.push({ outcome: 'disabled', group: group.name, reason: optIn.reason });
      continue;
    }
    try {
      results.push(await evaluateGroupMix(deps, { group, profileName: optIn.profileName, profile: optIn.profile, now }));
    } catch (error) {
      failures.push(toFailure(`mix ${group.name}`, error));
    }
  }
  const count = (outcome: MixEvaluation['outcome']): number => results.filter((r) => r.outcome === outcome).length;
  return {
    name: 'mix',
    summary: {
      groups: groups.length,
      changed: count('changed'),
      observed: count('observed'),
      held: count('held'),
      lostRace: count('lost-race'),
      unsupported: count('unsupported'),
      skipped: count('disabled'),
      changes: results.filter((r) => r.outcome === 'changed' || r.outcome === 'observed').map((r) => `${r.group}: ${r.rule} ${r.from?.base}/${r.from?.percent}% -> ${r.to?.base}/${r.to?.percent}%`).join('; '),
    },
    results,
    failures,
  };
};
