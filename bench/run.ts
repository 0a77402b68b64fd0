/**
 * `npm run bench` — measures, then writes docs/benchmarks.md.
 *
 *   npm run bench                      full run (≈2–3 minutes on 2 cores)
 *   npm run bench -- --quick           fewer rounds and processes (≈1 minute)
 *   npm run bench -- --only=termination,cold-start,api-calls,mix,init,fleet,growth
 *   npm run bench -- --only=init --out=/tmp/init.md   INIT under the Lambda runtime client only
 *   npm run bench -- --only=fleet      only the fleet section (bench/fleet-http.ts), replaced in place
 *   npm run bench -- --only=fleet --fleet-baseline=<git ref>   also that ref's reconcile
 *   npm run bench -- --only=reconcile  only the reconcile tick and worker (bench/fleet-reconcile.ts), replaced in place
 *   npm run bench -- --only=growth     only the simulator growth section, replaced in place
 *   npm run bench -- --only=fleet-termination   only the terminationPolicy part of the fleet section, replaced in place
 *   npm run bench -- --out=/tmp/b.md   write elsewhere
 *   npm run bench -- --help            every option (bench/args.ts)
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { BENCH_HELP, parseBenchArgs } from './args';

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

const commandLine = (argv: readonly string[]): string => {
  const rest = argv.length > 0 ? ` -- ${argv.join(' ')}` : '';
  return process.env.npm_lifecycle_event === 'bench' ? `npm run bench${rest}` : `npx tsx bench/run.ts${argv.length > 0 ? ` ${argv.join(' ')}` : ''}`;
};

const main = async (): Promise<void> => {
  const root = resolve(__dirname, '..');
  const argv = process.argv.slice(2);
  let opts: ReturnType<typeof parseBenchArgs>;
  try {
    opts = parseBenchArgs(argv, root);
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n${BENCH_HELP}\n`);
    process.exitCode = 2;
    return;
  }
  if (opts.help) {
    process.stdout.write(`${BENCH_HELP}\n`);
    return;
  }
  const log = (line: string) => process.stdout.write(`${line}\n`);
  const started = performance.now();

  const { describeMachine } = await import('./lib/machine');
  const { discoverFunctions, esbuildSettings, readServerlessYml } = await import('./lib/serverless-functions');
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
      for (const c of results.coldStart.results)
        log(`  ${c.fn.name}: load ${c.load.median.toFixed(1)} ms vs baseline ${c.baselineLoad.median.toFixed(1)} ms (${(c.overhead * 100).toFixed(0)} %)`);
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
      log(
        `  ${size}: handler median ${r.summaries.handler.median.toFixed(2)} ms, floor ${r.summaries.floor.median.toFixed(2)} ms (${r.medianRatio.handler.toFixed(2)}×), ${r.rounds} rounds`,
      );
    }
  }
  if (opts.only.includes('mix')) {
    log('mix policy and simulator…');
    const { measureMixAndSimulator } = await import('./mix-and-simulator');
    results.mixAndSimulator = await measureMixAndSimulator(root, opts.quick);
    for (const p of results.mixAndSimulator.pending) log(`  pending: ${p.what}: ${p.why}`);
  }

  if (opts.only.includes('init')) {
    log('INIT under the Lambda runtime interface emulator and client (packaged artifacts)…');
    const { measureArtifactInit } = await import('./artifact-init');
    results.init = await measureArtifactInit(root, opts.quick ? 5 : 15, log);
  }

  let fleet: string | undefined;
  if (opts.only.includes('fleet')) {
    log('fleet scale: packaged bundles against an HTTP endpoint…');
    const { measureFleet, renderFleet } = await import('./fleet-http');
    const fleetOptions = opts.fleetBaseline ? { baselineRef: opts.fleetBaseline } : {};
    const measured = await measureFleet(root, functions, esbuildSettings(doc, root), doc, log, fleetOptions);
    results.fleetTermination = measured.termination;
    fleet = renderFleet(measured, commandLine(argv));
  }

  if (opts.only.length === 1 && opts.only[0] === 'fleet-termination') {
    log('fleet scale: terminationPolicy bundle against an HTTP endpoint…');
    const { measureFleetTermination, renderFleetTermination, spliceFleetTermination } = await import('./fleet-http');
    const part = renderFleetTermination(await measureFleetTermination(root, functions, esbuildSettings(doc, root), doc, log), commandLine(argv));
    writeFileSync(opts.out, spliceFleetTermination(existsSync(opts.out) ? readFileSync(opts.out, 'utf8') : '# Benchmarks\n', part));
    log(`wrote ${opts.out}`);
    return;
  }

  let reconcile: string | undefined;
  if (opts.only.includes('reconcile')) {
    log('reconcile at fleet scale: the tick and one group worker, packaged, against an HTTP endpoint…');
    const { measureReconcileFleet, renderReconcileFleet } = await import('./fleet-reconcile');
    const measured = await measureReconcileFleet(root, functions, esbuildSettings(doc, root), doc, log);
    results.reconcileFleet = measured;
    reconcile = renderReconcileFleet(measured, commandLine(argv));
  }

  if (opts.only.includes('growth')) {
    log('simulator growth (one simulated day at 100, 800, 3,200 instances)…');
    const { measureSimulatorGrowth } = await import('./simulator-scale');
    results.growth = await measureSimulatorGrowth(undefined, undefined, (line) => log(`  ${line.trim()}`));
  }

  const wallSeconds = (performance.now() - started) / 1000;
  const { spliceFleet } = await import('./fleet-http');
  const { spliceReconcile } = await import('./fleet-reconcile');
  const others = opts.only.filter((s) => s !== 'fleet' && s !== 'fleet-termination' && s !== 'reconcile');
  const existing = (): string => (existsSync(opts.out) ? readFileSync(opts.out, 'utf8') : '# Benchmarks\n');
  // The fleet or growth section alone replaces its part of the existing file; any other run writes the whole file.
  const sectionsText =
    others.length === 0 && fleet === undefined && reconcile !== undefined
      ? existing()
      : others.length === 1 && others[0] === 'growth' && results.growth && fleet === undefined
        ? (await import('./report')).spliceGrowth(existing(), results.growth)
        : others.length === 0 && fleet !== undefined
          ? spliceFleet(existsSync(opts.out) ? readFileSync(opts.out, 'utf8') : '# Benchmarks\n', fleet)
          : spliceFleet(
              (await import('./report')).renderReport(
                { command: commandLine(argv), mode: opts.quick ? 'quick' : 'full', machine: describeMachine(), wallSeconds, sections: others },
                results,
              ),
              fleet ?? '',
            );
  // The reconcile section lives inside the fleet section, replaced in place (bench/fleet-reconcile.ts).
  const text = reconcile === undefined ? sectionsText : spliceReconcile(sectionsText, reconcile);
  mkdirSync(dirname(opts.out), { recursive: true });
  writeFileSync(opts.out, text);
  log(`wrote ${opts.out} in ${wallSeconds.toFixed(0)} s`);
};

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
