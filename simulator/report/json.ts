/**
 * `npm run simulate -- --json <file>`: the results as JSON for machines (CI gates, dashboards), with
 * the same numbers and verdicts as the text, Markdown and HTML reports. Only simulated quantities
 * appear: the same seeds give the same file.
 */
import type { ScenarioComparison } from '../run/runner';
import { mixEffect, rowDeltas, summaryRows, verdict } from './text';

/** The runs of a scenario, by the names the reports use. */
const RUNS = { naive: 'baseline', careful: 'careful', orchestrated: 'orchestrated', mixOff: 'mixOff' } as const;

/**
 * One entry per scenario: its headline metric and verdict against careful Auto Scaling, every summary
 * row per run, and the orchestrator's delta against careful with `gain` / `regression` / `same` / `neutral`.
 *
 * @example
 * ```ts
 * JSON.parse(JSON.stringify(jsonResults(comparisons))).scenarios[0].regressions; // ['cost', 'minutesBelowDesired']
 * ```
 */
export const jsonResults = (comparisons: readonly ScenarioComparison[]) => ({
  version: 1,
  scenarios: comparisons.map((c) => {
    const spec = c.scenario.spec;
    const v = verdict(c);
    const rows = summaryRows(c);
    const deltas = rowDeltas(c);
    return {
      name: spec.name,
      seed: spec.seed,
      durationSeconds: spec.duration,
      profileSource: c.scenario.profileSource,
      metric: spec.metric,
      verdict: { better: v.better, text: v.text },
      runs: Object.fromEntries(Object.entries(RUNS).map(([name, key]) => [name, Object.fromEntries(rows.map((r) => [r.key, r[key]]))])),
      deltas: Object.fromEntries(deltas.map((d) => [d.key, { careful: d.careful, orchestrated: d.orchestrated, delta: d.delta, status: d.status }])),
      regressions: deltas.filter((d) => d.status === 'regression').map((d) => d.key),
      mix: mixEffect(c),
    };
  }),
});
