/**
 * `npx tsx bench/simulator-scale.ts [sizes…] [--modes orchestrated,baseline]`: real time of one
 * simulated day of BENCH_SCENARIO scaled to N instances (default 100, 800, 3200), per run mode.
 * Not a test: it prints numbers (the target is a 3,200-instance day under 10 s).
 */
import { performance } from 'node:perf_hooks';
import { type RunMode, runScenario } from '../simulator/run/runner';
import { parseScenario, resolveScenarioConfig } from '../simulator/scenario/load';
import { BENCH_SCENARIO } from './mix-and-simulator';

process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const args = process.argv.slice(2);
const modesArg = args.indexOf('--modes');
const modes = (modesArg >= 0 ? (args[modesArg + 1] ?? '') : 'orchestrated,baseline').split(',') as RunMode[];
const sizes = args.filter((a, i) => /^\d+$/.test(a) && args[i - 1] !== '--modes').map(Number);

const scaled = (n: number) => {
  const g = BENCH_SCENARIO.group;
  const raw = {
    ...BENCH_SCENARIO,
    name: `bench-${n}-instances-one-day`,
    group: { ...g, minSize: Math.round(n * 0.8), maxSize: Math.round(n * 1.3), initialCapacity: n, instancesDistribution: { ...g.instancesDistribution, onDemandBaseCapacity: Math.round(n / 10) } },
    demand: { ...BENCH_SCENARIO.demand, baseRequests: n * 10 },
  };
  const spec = parseScenario(raw, 'bench');
  const { config, profileSource } = resolveScenarioConfig(spec, 'bench');
  return { spec, source: 'bench/simulator-scale.ts', config, profileSource };
};

const main = async (): Promise<void> => {
  for (const n of sizes.length > 0 ? sizes : [100, 800, 3200]) {
    for (const mode of modes) {
      const t0 = performance.now();
      const r = await runScenario(scaled(n), mode);
      const s = (performance.now() - t0) / 1000;
      const calls = Object.values(r.apiCalls).reduce((a, b) => a + b, 0);
      process.stdout.write(`${String(n).padStart(5)} instances  ${mode.padEnd(12)} ${s.toFixed(1).padStart(6)} s per simulated day  (${r.metrics.launches} launches, ${calls} port calls)\n`);
    }
  }
};

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
