/**
 * `npm run bench` — measures, then writes docs/benchmarks.md.
 *
 *   npm run bench                      full run (≈2–3 minutes on 2 cores)
 *   npm run bench -- --quick           fewer rounds and processes (≈1 minute)
 *   npm run bench -- --only=termination,cold-start,api-calls,mix,growth
 *   npm run bench -- --out=/tmp/b.md   write elsewhere
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';

// Before any handler module loads: Powertools and the SDK read these at import time.
Object.assign(process.env, {
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  AWS_REGION: process.env.AWS_REGION ?? 'us-east-1',
  AWS_ACCESS_KEY_ID: 'bench',
  AWS_SECRET_ACCESS_KEY: 'bench',
  POWERTOOLS_LOG_LEVEL: 'SILENT',
  POWERTOOLS_METRICS_DISABLED: 'true',
  POWERTOOLS_DEV: 'false',
});
delete process.env.ORCHESTRATOR_CONFIG_FILE; // measure the bundled profiles

const SECTIONS = ['termination', 'cold-start', 'api-calls', 'mix', 'growth'] as const;
type Section = (typeof SECTIONS)[number];

interface Options {
  quick: boolean;
  only: Section[];
  out: string;
}

const parseArgs = (argv: readonly string[], root: string): Options => {
  const opts: Options = { quick: false, only: [...SECTIONS], out: join(root, 'docs', 'benchmarks.md') };
  for (const arg of argv) {
    if (arg === '--quick') opts.quick = true;
    else if (arg.startsWith('--only=')) {
      const wanted = arg.slice('--only='.length).split(',');
      const unknown = wanted.filter((w) => !(SECTIONS as readonly string[]).includes(w));
      if (unknown.length > 0) throw new Error(`--only: unknown section(s) ${unknown.join(', ')}; known: ${SECTIONS.join(', ')}`);
      opts.only = wanted as Section[];
    } else if (arg.startsWith('--out=')) opts.out = resolve(arg.slice('--out='.length));
    else throw new Error(`unknown argument ${arg}; see the header of bench/run.ts`);
  }
  return opts;
};

const commandLine = (argv: readonly string[]): string => {
  const rest = argv.length > 0 ? ` -- ${argv.join(' ')}` : '';
  return process.env.npm_lifecycle_event === 'bench' ? `npm run bench${rest}` : `npx tsx bench/run.ts${argv.length > 0 ? ` ${argv.join(' ')}` : ''}`;
};

const main = async (): Promise<void> => {
  const root = resolve(__dirname, '..');
  const argv = process.argv.slice(2);
  const opts = parseArgs(argv, root);
  const log = (line: string) => process.stdout.write(`${line}\n`);
  const started = performance.now();

  const { describeMachine } = await import('./lib/machine');
  const { discoverFunctions, esbuildSettings, readServerlessYml } = await import('./lib/serverless-functions');
  const { renderReport } = await import('./report');
  const doc = readServerlessYml(root);
  const functions = discoverFunctions(root, doc);
  log(`functions in serverless.yml: ${functions.map((f) => f.name).join(', ')}`);
  const results: import('./report').Results = {};

  // API calls first: the cold-start section uses which clients each function really called.
  if (opts.only.includes('api-calls') || opts.only.includes('cold-start')) {
    log('API calls per event…');
    const { measureApiCalls } = await import('./api-calls');
    const apiCalls = await measureApiCalls(root, functions, log);
    if (opts.only.includes('api-calls')) results.apiCalls = apiCalls;
    if (opts.only.includes('cold-start')) {
      log('cold start (bundles, fresh processes)…');
      const { measureColdStart } = await import('./cold-start');
      results.coldStart = await measureColdStart(root, functions, esbuildSettings(doc, root), opts.quick ? 10 : 20, log, apiCalls.packagesUsed);
      for (const c of results.coldStart.results) log(`  ${c.fn.name}: load ${c.load.median.toFixed(1)} ms vs baseline ${c.baselineLoad.median.toFixed(1)} ms (${(c.overhead * 100).toFixed(0)} %)`);
    }
  }
  if (opts.only.includes('termination')) {
    log('termination decision…');
    const { measureSize, SIZES } = await import('./termination-decision');
    results.termination = [];
    for (const size of SIZES) {
      const budget = (opts.quick ? 0.4 : 1) * (size >= 30_000 ? 12_000 : size >= 10_000 ? 6_000 : 3_000);
      const r = await measureSize(size, budget, { minRounds: opts.quick ? 8 : 15, maxRounds: 5_000, warmupRounds: size >= 10_000 ? 2 : 20 });
      results.termination.push(r);
      log(`  ${size}: handler median ${r.summaries.handler.median.toFixed(2)} ms, floor ${r.summaries.floor.median.toFixed(2)} ms (${r.medianRatio.handler.toFixed(2)}×), ${r.rounds} rounds`);
    }
  }
  if (opts.only.includes('mix')) {
    log('mix policy and simulator…');
    const { measureMixAndSimulator } = await import('./mix-and-simulator');
    results.mixAndSimulator = await measureMixAndSimulator(root, opts.quick);
    for (const p of results.mixAndSimulator.pending) log(`  pending: ${p.what}: ${p.why}`);
  }

  if (opts.only.includes('growth')) {
    log('simulator growth (one simulated day at 100, 800, 3,200 instances)…');
    const { measureSimulatorGrowth } = await import('./simulator-scale');
    results.growth = await measureSimulatorGrowth(undefined, undefined, (line) => log(`  ${line.trim()}`));
  }

  const wallSeconds = (performance.now() - started) / 1000;
  const text = renderReport(
    { command: commandLine(argv), mode: opts.quick ? 'quick' : 'full', machine: describeMachine(), wallSeconds, sections: opts.only },
    results,
  );
  mkdirSync(dirname(opts.out), { recursive: true });
  writeFileSync(opts.out, text);
  log(`wrote ${opts.out} in ${wallSeconds.toFixed(0)} s`);
};

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
