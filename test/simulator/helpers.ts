/** Shared by the simulator tests: each default scenario is simulated once per test file. */
import { type ScenarioComparison, compareScenario } from '../../simulator/run/runner';
import { loadScenario } from '../../simulator/scenario/load';

const cache = new Map<string, Promise<ScenarioComparison>>();

/** Baseline and orchestrated runs of `scenarios/<name>.yaml` (memoized per test file). */
export const compared = (name: string): Promise<ScenarioComparison> => {
  let hit = cache.get(name);
  if (!hit) {
    hit = compareScenario(loadScenario(`scenarios/${name}.yaml`));
    cache.set(name, hit);
  }
  return hit;
};
