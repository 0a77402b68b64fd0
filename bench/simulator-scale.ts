/**
 * Simulator growth: wall and CPU time of one simulated day of BENCH_SCENARIO scaled to N instances
 * (default 100, 800, 3200), per run mode. Section 5 of `npm run bench` (docs/benchmarks.md), or on
 * its own: `npx tsx --require ./scripts/require-esm-only.cjs bench/simulator-scale.ts [sizes…] [--modes orchestrated,baseline]`.
 * Not a test: it prints numbers (the target is a 3,200-instance day under 10 s).
 */
import { performance } from 'node:perf_hooks';
import { type RunMode, runScenario } from '../simulator/run/runner';
import { parseScenario, resolveScenarioConfig } from '../simulator/scenario/load';
import { BENCH_SCENARIO } from './mix-and-simulator';

process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/** BENCH_SCENARIO scaled to `n` instances at the start. */
const scaled = (n: number) => {
  const g = BENCH_SCENARIO.group;
  const raw = {
    ...BENCH_SCENARIO,
    name: `bench-${n}-instances-one-day`,
    group: {
      ...g,
      minSize: Math.round(n * 0.8),
      maxSize: Math.round(n * 1.3),
      initialCapacity: n,
      instancesDistribution: { ...g.instancesDistribution, onDemandBaseCapacity: Math.round(n / 10) },
    },
    demand: { ...BENCH_SCENARIO.demand, baseRequests: n * 10 },
  };
  const spec = parseScenario(raw, 'bench');
  const { config, profileSource } = resolveScenarioConfig(spec, 'bench');
  return { spec, source: 'bench/simulator-scale.ts', config, profileSource };
};

/** One simulated day of one group size in one mode. */
export interface GrowthRun {
  instances: number;
  mode: RunMode;
  wallSeconds: number;
  /** CPU time of this process during the run (user + system): steadier than wall time on a shared machine. */
  cpuSeconds: number;
  launches: number;
  portCalls: number;
}

export const GROWTH_SIZES = [100, 800, 3200] as const;

/** Runs one simulated day per size and mode, in order, and reports wall and CPU time. */
export const measureSimulatorGrowth = async (
  sizes: readonly number[] = GROWTH_SIZES,
  modes: readonly RunMode[] = ['orchestrated', 'baseline'],
  log: (line: string) => void = () => {},
): Promise<GrowthRun[]> => {
  const out: GrowthRun[] = [];
  for (const n of sizes) {
    for (const mode of modes) {
      const scenario = scaled(n);
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      const r = await runScenario(scenario, mode);
      const wallSeconds = (performance.now() - t0) / 1000;
      const cpu = process.cpuUsage(cpu0);
      const run: GrowthRun = {
        instances: n,
        mode,
        wallSeconds,
        cpuSeconds: (cpu.user + cpu.system) / 1e6,
        launches: r.metrics.launches,
        portCalls: Object.values(r.apiCalls).reduce((a, b) => a + b, 0),
      };
      out.push(run);
      log(
        `${String(n).padStart(5)} instances  ${mode.padEnd(12)} ${wallSeconds.toFixed(1).padStart(6)} s wall, ${run.cpuSeconds.toFixed(1).padStart(6)} s CPU per simulated day  (${run.launches} launches, ${run.portCalls} port calls)`,
      );
    }
  }
  return out;
};

const main = async (): Promise<void> => {
  const args = process.argv.slice(2);
  const modesArg = args.indexOf('--modes');
  const modes = (modesArg >= 0 ? (args[modesArg + 1] ?? '') : 'orchestrated,baseline').split(',') as RunMode[];
  const sizes = args.filter((a, i) => /^\d+$/.test(a) && args[i - 1] !== '--modes').map(Number);
  await measureSimulatorGrowth(sizes.length > 0 ? sizes : GROWTH_SIZES, modes, (line) => process.stdout.write(`${line}\n`));
};

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  });
}
