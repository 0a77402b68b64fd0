/**
 * Section 4 — mix policy evaluation time and simulator speed.
 *
 * Both are reached through dynamic imports and the few names this file needs (`decideMix` in
 * shared/mix/policy/mix.ts; `parseScenario`/`resolveScenarioConfig` in simulator/scenario/load.ts and
 * `runScenario` in simulator/run/runner.ts), checked at run time: when a part is missing or its
 * API moved, the section says "pending" and why instead of failing the whole run.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { loadConfig, resolveProfile } from '../shared/config';
import { rng, type Summary, summarize } from './lib/stats';

export interface PendingPart {
  what: string;
  why: string;
}

export interface MixResult {
  signals: number;
  summary: Summary;
  /** How often each decision (rule or hold) came out over the varied inputs. */
  decisions: Record<string, number>;
}

export interface SimulatorRun {
  mode: string;
  wallMs: Summary;
  simulatedHours: number;
  /** Simulated hours per wall-clock second, from the median. */
  hoursPerSecond: number;
  runs: number;
}

export interface SimulatorResult {
  scenario: string;
  runs: SimulatorRun[];
  wired: string[];
  invocations: number;
  apiCalls: number;
}

export interface MixAndSimulatorReport {
  mix?: MixResult[];
  simulator?: SimulatorResult;
  pending: PendingPart[];
}

type Fn = (...args: never[]) => unknown;
const importIfExists = async (file: string): Promise<Record<string, unknown> | undefined> =>
  existsSync(file) ? ((await import(pathToFileURL(file).href)) as Record<string, unknown>) : undefined;
const why = (error: unknown): string => (error instanceof Error ? (error.message.split('\n')[0]?.slice(0, 200) ?? error.name) : String(error));

const NOW = Date.parse('2026-11-27T12:00:00Z');
export const MIX_SIGNAL_COUNTS = [10, 100, 1_000, 10_000] as const;

/** Inputs that reach every rule: storms, quiet spells, fallbacks, cooldowns, out-of-bounds targets. */
const mixInputs = (signals: number, settings: unknown, variants: number): unknown[] => {
  const r = rng(signals);
  const types = ['g5.xlarge', 'g5.2xlarge', 'g6.xlarge'];
  const azs = ['us-east-1a', 'us-east-1b', 'us-east-1c'];
  const windowMs = ((settings as { signalWindowSeconds?: number }).signalWindowSeconds ?? 3600) * 1000;
  return Array.from({ length: variants }, (_, v) => {
    const desired = 20 + Math.floor(r() * 200);
    const list = Array.from({ length: signals }, (_, i) => ({
      kind: r() < 0.6 ? 'interruption-warning' : r() < 0.7 ? 'rebalance-recommendation' : 'spot-launch-failure',
      at: NOW - Math.floor(r() * windowMs * 1.2),
      instanceType: types[i % types.length],
      availabilityZone: azs[Math.floor(r() * azs.length)],
      instanceId: `i-${(v * 1_000_003 + i).toString(16).padStart(17, '0')}`,
    }));
    return {
      now: NOW,
      current: { base: Math.floor(r() * 6), percent: Math.floor(r() * 101) },
      desiredCapacity: desired,
      inServiceCapacity: desired - (r() < 0.3 ? Math.floor(r() * 10) : 0),
      spotInstances: Math.max(1, Math.floor(desired * (0.3 + r() * 0.6))),
      ...(r() < 0.5 ? { lastSpotLaunchAt: NOW - Math.floor(r() * windowMs) } : {}),
      signals: list,
      memory: {
        ...(r() < 0.5 ? { lastChangeAt: NOW - Math.floor(r() * 2 * 3_600_000) } : {}),
        ...(r() < 0.3 ? { fallback: { since: NOW - 1_800_000, before: { base: 1, percent: 25 }, applied: { base: 4, percent: 25 } } } : {}),
      },
      settings,
    };
  });
};

const measureMix = async (decideMix: Fn, budgetMs: number): Promise<MixResult[]> => {
  const optIn = resolveProfile(loadConfig(), [{ key: 'asg-orchestrator:profile', value: 'gpu-inference' }]);
  if (!optIn.optedIn) throw new Error('profile gpu-inference missing from config/profiles.json');
  const out: MixResult[] = [];
  for (const count of MIX_SIGNAL_COUNTS) {
    const inputs = mixInputs(count, optIn.profile.mix, 64);
    const decisions: Record<string, number> = {};
    for (const input of inputs) {
      const d = decideMix(input as never) as { kind?: string; rule?: string };
      const key = d.kind === 'change' ? `change:${d.rule}` : String(d.kind);
      decisions[key] = (decisions[key] ?? 0) + 1;
    }
    for (let i = 0; i < 200; i += 1) decideMix(inputs[i % inputs.length] as never); // warm-up
    const samples: number[] = [];
    const started = performance.now();
    for (let i = 0; samples.length < 20 || (performance.now() - started < budgetMs && samples.length < 200_000); i += 1) {
      const input = inputs[i % inputs.length] as never;
      const t0 = performance.now();
      decideMix(input);
      samples.push(performance.now() - t0);
    }
    out.push({ signals: count, summary: summarize(samples), decisions });
  }
  return out;
};

/** A 100-instance group (weights 1, ~1,000 requests/s at 10 per unit, ±15 % diurnal) over one day, with a 30-minute interruption storm. */
export const BENCH_SCENARIO = {
  name: 'bench-100-instances-one-day',
  description: 'Benchmark: a 100-instance group over one simulated day.',
  duration: '24h',
  seed: 20261127,
  metric: 'coldRequests',
  group: {
    name: 'ml-inference-gpu',
    availabilityZones: ['us-east-1a', 'us-east-1b', 'us-east-1c'],
    minSize: 80,
    maxSize: 130,
    initialCapacity: 100,
    instanceTypes: [
      { type: 'g5.xlarge', weight: 1, onDemandPrice: 1.006, spotPrice: 0.45 },
      { type: 'g6.xlarge', weight: 1, onDemandPrice: 0.805, spotPrice: 0.38 },
    ],
    instancesDistribution: { onDemandBaseCapacity: 10, onDemandPercentageAboveBaseCapacity: 25 },
  },
  instance: { warmupSeconds: { min: '4m', max: '8m' }, warmupFailureRate: 0.02 },
  demand: { targetRequestsPerUnit: 10, baseRequests: 1000, diurnal: { amplitude: 0.15, peakAt: '15:00' } },
  faults: [{ kind: 'interruption-storm', at: '10:00', duration: '30m', ratePerInstanceHour: 0.5 }],
  profileName: 'gpu-inference',
};

const measureSimulator = async (load: Record<string, unknown>, runner: Record<string, unknown>, runs: number): Promise<SimulatorResult> => {
  const { parseScenario, resolveScenarioConfig } = load as { parseScenario: Fn; resolveScenarioConfig: Fn };
  const runScenario = runner.runScenario as Fn;
  const spec = parseScenario(BENCH_SCENARIO as never, 'bench' as never) as { duration: number };
  const { config, profileSource } = resolveScenarioConfig(spec as never, 'bench' as never) as { config: unknown; profileSource: string };
  const scenario = { spec, source: 'bench/mix-and-simulator.ts', config, profileSource };
  const modes = ['orchestrated', 'baseline'];
  const samples: Record<string, number[]> = { orchestrated: [], baseline: [] };
  let last: { wired?: string[]; handlers?: Record<string, { invocations?: number }>; apiCalls?: Record<string, number>; durationSeconds?: number } = {};
  for (let round = 0; round < runs + 1; round += 1) {
    for (const mode of round % 2 === 0 ? modes : [...modes].reverse()) {
      const t0 = performance.now();
      const result = (await runScenario(scenario as never, mode as never)) as typeof last;
      const wall = performance.now() - t0;
      if (round > 0) samples[mode]?.push(wall); // round 0 warms the JIT and module caches
      if (mode === 'orchestrated') last = result;
    }
  }
  const hours = (last.durationSeconds ?? spec.duration) / 3600;
  return {
    scenario: BENCH_SCENARIO.name,
    runs: modes.map((mode) => {
      const wallMs = summarize(samples[mode] ?? []);
      return { mode, wallMs, simulatedHours: hours, hoursPerSecond: hours / (wallMs.median / 1000), runs: wallMs.n };
    }),
    wired: last.wired ?? [],
    invocations: Object.values(last.handlers ?? {}).reduce((n, h) => n + (h.invocations ?? 0), 0),
    apiCalls: Object.values(last.apiCalls ?? {}).reduce((n, c) => n + c, 0),
  };
};

export const measureMixAndSimulator = async (root: string, quick: boolean): Promise<MixAndSimulatorReport> => {
  const report: MixAndSimulatorReport = { pending: [] };
  const mixWhat = 'Mix policy evaluation time';
  try {
    const mix = await importIfExists(join(root, 'shared', 'mix', 'policy', 'mix.ts'));
    if (!mix) report.pending.push({ what: mixWhat, why: 'shared/mix/policy/mix.ts does not exist yet (issue 5)' });
    else if (typeof mix.decideMix !== 'function')
      report.pending.push({ what: mixWhat, why: 'shared/mix/policy/mix.ts exports no decideMix: adapt bench/mix-and-simulator.ts' });
    else report.mix = await measureMix(mix.decideMix as Fn, quick ? 300 : 1_000);
  } catch (error) {
    report.pending.push({ what: mixWhat, why: `the mix policy could not be measured: ${why(error)}` });
  }
  const simWhat = 'Simulator speed';
  try {
    const load = await importIfExists(join(root, 'simulator', 'scenario', 'load.ts'));
    const runner = await importIfExists(join(root, 'simulator', 'run', 'runner.ts'));
    if (!load || !runner) report.pending.push({ what: simWhat, why: 'simulator/ has no scenario loader and runner yet (issue 6)' });
    else if (typeof load.parseScenario !== 'function' || typeof load.resolveScenarioConfig !== 'function' || typeof runner.runScenario !== 'function') {
      report.pending.push({
        what: simWhat,
        why: 'simulator/ does not export parseScenario, resolveScenarioConfig and runScenario: adapt bench/mix-and-simulator.ts',
      });
    } else report.simulator = await measureSimulator(load, runner, quick ? 2 : 5);
  } catch (error) {
    report.pending.push({ what: simWhat, why: `the simulator could not be run: ${why(error)}` });
  }
  return report;
};
