/**
 * INIT under the Lambda runtime client: every packaged function (the zips of `osls package`,
 * unzipped into empty directories) against baselines built the same way, under the AWS Lambda
 * Runtime Interface Emulator with `aws-lambda-ric` on Node 22, in the same run, round-robin:
 *
 * - **SDK only**: the SDK clients the function's bundle holds (or requires), nothing of ours;
 * - **SDK + Powertools**: the same, wrapped in Powertools Logger + Metrics on middy as
 *   shared/runtime/stack.ts wraps every handler (so the library's own share is visible);
 * - the function as packaged (runtime-provided packages on NODE_PATH, as `/var/runtime/node_modules`);
 * - for each package whose packaging is a choice (RUNTIME_CHOICES: EC2), the function built the other way.
 *
 * INIT is the emulator's `INIT REPORT(durationMs)`: runtime start, runtime client load, handler
 * module load (Lambda's Init Duration). The emulator's own REPORT line prints `Init Duration: 0.0x ms`
 * because it starts INIT on the first invoke and counts it in `Duration` (bench/lib/rie.ts).
 * https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html#runtimes-lifecycle-ib
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type BaselineKind,
  type BuiltFunction,
  buildSdkOnly,
  buildPackagingVariant,
  copyRuntimeSdk,
  type PackagedFunction,
  packageProject,
  STAGE,
  sampleEvent,
  startArtifactWorld,
  treeBytes,
  unzipFunction,
} from './lib/artifact';
import { type ColdRunOptions, coldRun, ensureRie, RIE_MODULE } from './lib/rie';
import { kb, ms, type Summary, summarize } from './lib/stats';
import { motoEnv } from '../scripts/emulator';

/**
 * Packages whose packaging is a choice (bundled, or the copy the nodejs22.x runtime provides): every
 * function that holds one is also measured the other way. EC2: ADR 0002 took it from the runtime,
 * ADR 0005 bundles it on these figures.
 */
export const RUNTIME_CHOICES = ['@aws-sdk/client-ec2'];

/** One thing cold-started in the run. */
export interface InitTarget {
  /** `activityAudit`, or a baseline label. */
  name: string;
  kind: 'function' | BaselineKind | 'variant' | 'floor';
  /** For a function or a packaging variant: the function; for a baseline: the functions it stands for. */
  functions: string[];
  /** SDK packages it holds or requires. */
  sdkPackages: string[];
  bytes: number;
  memoryMb: number;
  init: Summary;
  firstInvoke: Summary;
  /** The outcome it answered (first run). */
  answer: string;
}

export interface ArtifactInitReport {
  runs: number;
  node: string;
  ric: string;
  rie: string;
  packageSeconds: number;
  /** Packages the bundles leave external, provided on NODE_PATH, and how many packages that is with their dependencies. */
  runtimeProvided: { packages: string[]; closure: number };
  targets: InitTarget[];
}

interface Pending {
  target: Omit<InitTarget, 'init' | 'firstInvoke' | 'answer'>;
  options: ColdRunOptions;
  init: number[];
  firstInvoke: number[];
  answer: string;
}

const answerOf = (response: unknown): string => {
  if (typeof response !== 'object' || response === null) return String(response);
  const r = response as Record<string, unknown>;
  if (typeof r.errorType === 'string') throw new Error(`answered ${r.errorType}: ${String(r.errorMessage)}`);
  if (typeof r.outcome === 'string') return r.outcome;
  if (Array.isArray(r.InstanceIDs)) return `InstanceIDs (${r.InstanceIDs.length})`;
  return JSON.stringify(r).slice(0, 40);
};

/** Measures every target `runs` times, one emulator at a time, rotating the order every round. */
export const measureArtifactInit = async (root: string, runs: number, log: (line: string) => void): Promise<ArtifactInitReport> => {
  const node = join(root, 'node_modules', '.bin', 'node');
  const ric = join(root, 'node_modules', 'aws-lambda-ric', 'index.mjs');
  const rie = ensureRie(root);
  log('  osls package…');
  const pkg = await packageProject(root);
  const world = await startArtifactWorld(root);
  try {
    const external = [...new Set(pkg.functions.flatMap((f) => f.requires))].sort();
    const runtime = copyRuntimeSdk(root, pkg, [...new Set([...external, ...RUNTIME_CHOICES])]);
    const base = (
      fn: Pick<PackagedFunction, 'name' | 'timeoutSeconds' | 'memoryMb' | 'env'>,
      built: Pick<BuiltFunction, 'taskRoot' | 'handler'>,
      event: unknown,
      nodePath: string[],
    ): ColdRunOptions => ({
      rie,
      node,
      ric,
      taskRoot: built.taskRoot,
      handler: built.handler,
      functionName: `asg-orchestrator-${STAGE}-${fn.name}`,
      timeoutSeconds: fn.timeoutSeconds,
      memoryMb: fn.memoryMb,
      env: { ...fn.env, ...motoEnv(world.endpoint), AWS_EC2_METADATA_DISABLED: 'true' },
      nodePath,
      event,
    });
    const pending: Pending[] = [];
    const add = (target: Pending['target'], options: ColdRunOptions): void => {
      pending.push({ target, options, init: [], firstInvoke: [], answer: '' });
    };

    // The floor: runtime start and runtime-client load with an empty handler module.
    const floor = await buildSdkOnly(root, pkg, 'floor', []);
    add(
      { name: 'empty handler (runtime floor)', kind: 'floor', functions: [], sdkPackages: [], bytes: floor.bytes, memoryMb: 256 },
      base({ name: 'floor', timeoutSeconds: 10, memoryMb: 256, env: {} }, floor, {}, []),
    );

    // Baselines: one per distinct set of SDK packages, each kind.
    const sets = new Map<string, PackagedFunction[]>();
    for (const fn of pkg.functions) sets.set(fn.sdkPackages.join(' '), [...(sets.get(fn.sdkPackages.join(' ')) ?? []), fn]);
    const baselineOf = new Map<string, Record<BaselineKind, string>>();
    let n = 0;
    for (const [key, fns] of sets) {
      n += 1;
      const packages = key.split(' ');
      const labels = { 'sdk-only': `SDK only #${n}`, 'sdk+powertools': `SDK + Powertools #${n}` } as const;
      for (const kind of ['sdk-only', 'sdk+powertools'] as const) {
        const built = await buildSdkOnly(root, pkg, String(n), packages, kind);
        const memoryMb = Math.max(...fns.map((f) => f.memoryMb));
        add(
          { name: labels[kind], kind, functions: fns.map((f) => f.name), sdkPackages: packages, bytes: built.bytes, memoryMb },
          base({ name: `baseline-${n}`, timeoutSeconds: 10, memoryMb, env: fns[0]?.env ?? {} }, built, {}, [runtime.nodePath]),
        );
      }
      for (const fn of fns) baselineOf.set(fn.name, labels);
    }
    for (const fn of pkg.functions) {
      const taskRoot = unzipFunction(pkg, fn);
      add(
        { name: fn.name, kind: 'function', functions: [fn.name], sdkPackages: fn.sdkPackages, bytes: treeBytes(taskRoot), memoryMb: fn.memoryMb },
        base(fn, { taskRoot, handler: fn.handler }, sampleEvent(root, fn.name), [runtime.nodePath]),
      );
      // The packaging choice for the packages the runtime also provides: the other way, measured.
      for (const name of RUNTIME_CHOICES.filter((p) => fn.sdkPackages.includes(p))) {
        const built = await buildPackagingVariant(root, pkg, fn, name);
        add(
          {
            name: `${fn.name} (${name} ${built.external ? 'from the runtime' : 'bundled'})`,
            kind: 'variant',
            functions: [fn.name],
            sdkPackages: fn.sdkPackages,
            bytes: built.bytes,
            memoryMb: fn.memoryMb,
          },
          base(fn, built, sampleEvent(root, fn.name), [runtime.nodePath]),
        );
      }
    }

    log(`  ${pending.length} targets × ${runs} cold starts…`);
    for (let round = 0; round < runs; round += 1) {
      for (let i = 0; i < pending.length; i += 1) {
        const p = pending[(i + round) % pending.length] as Pending;
        const run = await coldRun(p.options);
        if (run.initStatus !== 'success') throw new Error(`${p.target.name}: INIT failed\n${run.output}`);
        const answer = answerOf(run.response);
        if (round === 0) p.answer = answer;
        p.init.push(run.initMs);
        p.firstInvoke.push(run.firstInvokeMs);
      }
      log(`  round ${round + 1}/${runs}`);
    }
    const targets = pending.map((p) => ({ ...p.target, init: summarize(p.init), firstInvoke: summarize(p.firstInvoke), answer: p.answer }));
    const ricVersion = (JSON.parse(readFileSync(join(root, 'node_modules', 'aws-lambda-ric', 'package.json'), 'utf8')) as { version: string }).version;
    return {
      runs,
      node: execFileSync(node, ['--version'], { encoding: 'utf8' }).trim(),
      ric: ricVersion,
      rie: RIE_MODULE.slice(RIE_MODULE.lastIndexOf('@') + 1),
      packageSeconds: pkg.seconds,
      runtimeProvided: { packages: external, closure: runtime.packages },
      targets,
    };
  } finally {
    await world.stop();
    pkg.cleanup();
  }
};

const signed = (v: number): string => `${v >= 0 ? '+' : '−'}${ms(Math.abs(v))}`;
const pct = (v: number, of: number): string => `${v >= 0 ? '+' : '−'}${Math.abs((v / of) * 100).toFixed(0)} %`;

/** Per function: INIT over its SDK-only baseline, and the Powertools baseline's share. */
export const initDeltas = (
  r: ArtifactInitReport,
): Array<{ fn: InitTarget; sdkOnly: InitTarget; powertools: InitTarget; overSdk: number; powertoolsShare: number }> =>
  r.targets
    .filter((t) => t.kind === 'function')
    .map((fn) => {
      const sdkOnly = r.targets.find((t) => t.kind === 'sdk-only' && t.functions.includes(fn.name));
      const powertools = r.targets.find((t) => t.kind === 'sdk+powertools' && t.functions.includes(fn.name));
      if (!sdkOnly || !powertools) throw new Error(`no baselines for ${fn.name}`);
      return { fn, sdkOnly, powertools, overSdk: fn.init.median - sdkOnly.init.median, powertoolsShare: powertools.init.median - sdkOnly.init.median };
    });

/** The summary row of docs/benchmarks.md. */
export const initSummaryRow = (r: ArtifactInitReport): string => {
  const d = initDeltas(r);
  const worst = d.reduce((a, x) => (x.overSdk > a.overSdk ? x : a));
  const pt = d.map((x) => x.powertoolsShare).sort((a, b) => a - b);
  return `| INIT under the Lambda runtime client (RIE + aws-lambda-ric, Node 22): each packaged function over an SDK-only function with the same clients, same run | — (measured; ADR 0005) | worst ${signed(worst.overSdk)} ms (${pct(worst.overSdk, worst.sdkOnly.init.median)}, ${worst.fn.name}: ${ms(worst.fn.init.median)} vs ${ms(worst.sdkOnly.init.median)} ms); Powertools + middy alone ${signed(pt[0] ?? Number.NaN)} to ${signed(pt.at(-1) ?? Number.NaN)} ms | measured |`;
};

/** Section 5 of docs/benchmarks.md. */
export const renderInitSection = (r: ArtifactInitReport, command: string): string[] => {
  const d = initDeltas(r);
  const baselines = r.targets.filter((t) => t.kind !== 'function' && t.kind !== 'variant');
  const floor = r.targets.find((t) => t.kind === 'floor');
  const variants = r.targets.filter((t) => t.kind === 'variant');
  return [
    '## 5. INIT under the Lambda runtime client (packaged artifacts)',
    '',
    `Reproduce: \`${command}\` (this section alone: \`npm run bench -- --only=init --out=/tmp/init.md\`). The same machinery is the \`artifact\` test tier (\`npm run test:artifact\`), which asserts answers and logs, not times.`,
    '',
    `\`osls package\` (${r.packageSeconds.toFixed(0)} s) builds every function's zip; each is unzipped into an empty directory with no \`node_modules\` on any ancestor and run under the AWS Lambda Runtime Interface Emulator (\`aws-lambda-rie\` ${r.rie}, built with \`go install\`) with \`aws-lambda-ric\` ${r.ric} on Node ${r.node}, with the handler, timeout, memory and environment of the packaged template, and invoked once per cold start over HTTP with its sample event against a local moto. What the bundles leave external (${r.runtimeProvided.packages.map((p) => `\`${p}\``).join(', ') || 'nothing'}) is on NODE_PATH, copied with its dependencies (${r.runtimeProvided.closure} packages) from this repository, as the \`nodejs22.x\` runtime provides its SDK in \`/var/runtime/node_modules\`. Baselines are built with the same esbuild settings (custom.esbuild, plugins and externals included) for each distinct set of SDK packages: **SDK only** names each client class of the set and nothing else; **SDK + Powertools** wraps that handler in Powertools Logger + Metrics on middy exactly as shared/runtime/stack.ts does (\`injectLambdaContext\`, \`logMetrics\` with the cold-start metric). ${r.runs} cold starts per target, one emulator at a time, the order rotated every round.`,
    '',
    ...(floor
      ? [
          `The runtime floor — an empty handler module under the same emulator and client — has INIT ${ms(floor.init.median)} ms median (p99 ${ms(floor.init.p99)} ms): the rest of each INIT is loading the handler module.`,
          '',
        ]
      : []),
    "**INIT** is the emulator's `INIT REPORT(durationMs)`: runtime start, runtime-client load, handler module load — what Lambda reports as Init Duration. (The emulator's own REPORT line prints `Init Duration: 0.0x ms`: it starts INIT on the first invoke and counts it in `Duration`.) **First invoke** is its `INVOKE RTDONE` duration, AWS calls to moto included. The emulator does not limit CPU by memory size, and the machine is a shared 2-core one: compare rows of this run, not runs. The minimum is shown beside the median: on a busy host both move by tens of milliseconds between runs, so differences smaller than that are noise.",
    '',
    '| function | bundle | memory | INIT median / min / p99 (ms) | SDK only: INIT median / min (ms) | SDK + Powertools: INIT median / min (ms) | function over SDK only: median (min) | of which Powertools + middy: median (min) | first invoke median (ms) | answer |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---|',
    ...d.map(
      (x) =>
        `| ${x.fn.name} | ${kb(x.fn.bytes)} | ${x.fn.memoryMb} MB | ${ms(x.fn.init.median)} / ${ms(x.fn.init.min)} / ${ms(x.fn.init.p99)} | ${ms(x.sdkOnly.init.median)} / ${ms(x.sdkOnly.init.min)} (${x.sdkOnly.name}) | ${ms(x.powertools.init.median)} / ${ms(x.powertools.init.min)} | ${signed(x.overSdk)} ms, ${pct(x.overSdk, x.sdkOnly.init.median)} (${signed(x.fn.init.min - x.sdkOnly.init.min)} ms) | ${signed(x.powertoolsShare)} ms (${signed(x.powertools.init.min - x.sdkOnly.init.min)} ms) | ${ms(x.fn.firstInvoke.median)} | ${x.fn.answer} |`,
    ),
    '',
    'Baselines:',
    '',
    '| baseline | SDK packages | bundle | INIT median / p99 (ms) | stands for |',
    '|---|---|---:|---:|---|',
    ...baselines.map(
      (b) =>
        `| ${b.name} | ${b.sdkPackages.map((p) => p.replace('@aws-sdk/', '')).join(', ') || '—'} | ${kb(b.bytes)} | ${ms(b.init.median)} / ${ms(b.init.p99)} | ${b.functions.join(', ') || '—'} |`,
    ),
    '',
    ...(variants.length === 0
      ? []
      : [
          `Runtime-provided or bundled — the packaging choice for ${RUNTIME_CHOICES.map((p) => `\`${p}\``).join(', ')} (as packaged vs the other way, same run):`,
          '',
          '| variant | as packaged: bundle, INIT median / min (ms) | the other way: bundle, INIT median / min (ms) | the other way costs (median INIT, bytes) |',
          '|---|---:|---:|---:|',
          ...variants.map((b) => {
            const fn = r.targets.find((t) => t.kind === 'function' && t.name === b.functions[0]);
            if (!fn) return `| ${b.name} | — | ${kb(b.bytes)}, ${ms(b.init.median)} / ${ms(b.init.min)} | — |`;
            const bytes = b.bytes - fn.bytes;
            return `| ${b.name} | ${kb(fn.bytes)}, ${ms(fn.init.median)} / ${ms(fn.init.min)} | ${kb(b.bytes)}, ${ms(b.init.median)} / ${ms(b.init.min)} | ${signed(b.init.median - fn.init.median)} ms, ${bytes >= 0 ? '+' : '−'}${kb(Math.abs(bytes))} |`;
          }),
          '',
        ]),
  ];
};
