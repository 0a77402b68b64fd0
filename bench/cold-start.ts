/**
 * Section 2 — cold start. Each function of serverless.yml is bundled with esbuild exactly as
 * serverless-esbuild would (custom.esbuild), into a temporary directory. Its baseline is a bundle,
 * built the same way, that only exports the SDK client classes the function's bundle contains
 * (read from the metafile). Each bundle, the baselines and an empty module are `require`d in fresh
 * Node processes, round-robin, and the time of the `require` itself is recorded.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, dirname, extname, join } from 'node:path';
import { build, type Metafile } from 'esbuild';
import type { EsbuildSettings, FunctionEntry } from './lib/serverless-functions';
import { type Summary, summarize } from './lib/stats';

/** Size limit per function bundle (the target). */
export const MAX_BUNDLE_BYTES = 1024 * 1024;

/** Where the bytes of a bundle come from, by origin. */
export type Origin = 'own code' | '@aws-sdk' | '@smithy + @aws-crypto' | '@aws-lambda-powertools' | 'zod' | '@middy' | 'other packages';

export interface ColdStartResult {
  fn: FunctionEntry;
  bytes: number;
  baselineBytes: number;
  /** SDK packages the bundle contains (what the baseline imports). */
  sdkPackages: string[];
  /** Client classes the baseline exports. */
  baselineExports: string[];
  composition: Record<Origin, number>;
  /** SDK packages whose clients the function actually called in the API-call section (when known). */
  calledPackages?: string[];
  calledBaselineBytes?: number;
  calledBaselineLoad?: Summary;
  load: Summary;
  baselineLoad: Summary;
  /** median(load) / median(baselineLoad). */
  ratio: number;
  /** (median(load) − median(baselineLoad)) / median(baselineLoad). */
  overhead: number;
}

export interface ColdStartReport {
  results: ColdStartResult[];
  empty: Summary;
  runs: number;
  buildOptions: Record<string, unknown>;
}

const PROBE = `'use strict';
const { performance } = require('node:perf_hooks');
const file = process.argv[2];
const t0 = performance.now();
require(file);
const t1 = performance.now();
process.stdout.write(String(t1 - t0));
`;

const SDK_PACKAGE = /(?:^|\/)node_modules\/(@aws-sdk\/(?:client-[a-z0-9-]+|lib-dynamodb))\//;

const originOf = (input: string): Origin => {
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input);
  if (!m) return 'own code';
  const pkg = m[1] as string;
  if (pkg.startsWith('@aws-sdk/')) return '@aws-sdk';
  if (pkg.startsWith('@smithy/') || pkg.startsWith('@aws-crypto/')) return '@smithy + @aws-crypto';
  if (pkg.startsWith('@aws-lambda-powertools/')) return '@aws-lambda-powertools';
  if (pkg === 'zod') return 'zod';
  if (pkg.startsWith('@middy/')) return '@middy';
  return 'other packages';
};

const composition = (meta: Metafile): Record<Origin, number> => {
  const out: Record<Origin, number> = {
    'own code': 0,
    '@aws-sdk': 0,
    '@smithy + @aws-crypto': 0,
    '@aws-lambda-powertools': 0,
    zod: 0,
    '@middy': 0,
    'other packages': 0,
  };
  for (const o of Object.values(meta.outputs)) for (const [input, v] of Object.entries(o.inputs)) out[originOf(input)] += v.bytesInOutput;
  return out;
};

/** The client class a package exports (`@aws-sdk/client-sns` → `SNSClient`), read from the package itself. */
const clientExports = (root: string, pkg: string): string[] => {
  const mod = createRequire(join(root, 'package.json'))(pkg) as Record<string, unknown>;
  return Object.keys(mod).filter((k) => /^[A-Z][A-Za-z0-9]*Client$/.test(k) && typeof mod[k] === 'function');
};

/** A bundle, built like the functions', that only exports the client classes of `packages`. */
const buildBaseline = async (
  root: string,
  settings: EsbuildSettings,
  outfile: string,
  packages: readonly string[],
): Promise<{ file: string; exports: string[] }> => {
  const exports = packages.flatMap((pkg) => clientExports(root, pkg).map((name) => ({ pkg, name })));
  const contents = exports.length === 0 ? 'export {};\n' : exports.map(({ pkg, name }) => `export { ${name} } from '${pkg}';`).join('\n');
  // stdin has no entry name for outExtension to rename: the output file is named directly.
  const { outExtension: _ignored, ...options } = settings.options;
  mkdirSync(dirname(outfile), { recursive: true });
  await build({
    ...options,
    stdin: { contents, resolveDir: root, sourcefile: basename(outfile).replace(/\.[^.]+$/, '-baseline.js'), loader: 'js' },
    outfile,
    absWorkingDir: root,
    logLevel: 'silent',
    write: true,
  });
  return { file: outfile, exports: exports.map((e) => e.name) };
};

const probeOnce = (probe: string, file: string, env: NodeJS.ProcessEnv): number => {
  const out = execFileSync(process.execPath, [probe, file], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const v = Number(out.trim());
  if (!Number.isFinite(v)) throw new Error(`probe printed ${JSON.stringify(out)} for ${file}`);
  return v;
};

export const measureColdStart = async (
  root: string,
  functions: readonly FunctionEntry[],
  settings: EsbuildSettings,
  runs: number,
  log: (line: string) => void,
  calledPackages: Record<string, string[]> = {},
): Promise<ColdStartReport> => {
  const tmp = mkdtempSync(join(tmpdir(), 'asg-bench-'));
  try {
    const built: Array<{
      fn: FunctionEntry;
      file: string;
      baseline: string;
      calledBaseline: string | undefined;
      called: string[] | undefined;
      meta: Metafile;
      sdkPackages: string[];
      baselineExports: string[];
    }> = [];
    for (const fn of functions) {
      const outdir = join(tmp, 'functions', dirname(fn.file));
      const result = await build({ ...settings.options, entryPoints: [fn.file], outdir, absWorkingDir: root, metafile: true, logLevel: 'silent', write: true });
      const file = join(outdir, `${basename(fn.file, extname(fn.file))}${settings.extension}`);
      // SDK packages bundled, plus those left external (taken from the Lambda runtime) but required at load.
      const externalSdk = Object.values(result.metafile.outputs).flatMap((o) =>
        o.imports.filter((i) => i.external && /^@aws-sdk\/client-/.test(i.path)).map((i) => i.path),
      );
      // Only packages with bytes in the output: esbuild lists every module it parsed among the inputs,
      // including those tree-shaking then dropped entirely (an unused client factory's package).
      const bundledSdk = Object.values(result.metafile.outputs).flatMap((o) =>
        Object.entries(o.inputs).flatMap(([input, { bytesInOutput }]) => (bytesInOutput > 0 ? (SDK_PACKAGE.exec(input)?.[1] ?? []) : [])),
      );
      const sdkPackages = [...new Set([...bundledSdk, ...externalSdk])].sort();
      const { file: baseline, exports: baselineExports } = await buildBaseline(
        root,
        settings,
        join(tmp, 'baselines', `${fn.name}${settings.extension}`),
        sdkPackages,
      );
      const called = calledPackages[fn.name];
      const calledBaseline = called ? (await buildBaseline(root, settings, join(tmp, 'called', `${fn.name}${settings.extension}`), called)).file : undefined;
      built.push({ fn, file, baseline, calledBaseline, called, meta: result.metafile, sdkPackages, baselineExports });
      log(`  built ${fn.name}: ${statSync(file).size} B (baseline ${statSync(baseline).size} B: ${sdkPackages.join(', ') || 'no SDK'})`);
    }
    const empty = join(tmp, 'empty.cjs');
    writeFileSync(empty, 'module.exports = {};\n');
    const probe = join(tmp, 'probe.cjs');
    writeFileSync(probe, PROBE);
    // NODE_PATH: external SDK packages (the runtime's in Lambda) resolve from the project's node_modules.
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      AWS_REGION: 'us-east-1',
      NODE_PATH: join(root, 'node_modules'),
    };
    delete env.NODE_OPTIONS; // measure plain node, not node with tsx's loader

    const targets = [empty, ...built.flatMap((b) => [b.file, b.baseline, ...(b.calledBaseline ? [b.calledBaseline] : [])])];
    const samples = new Map<string, number[]>(targets.map((t) => [t, []]));
    for (let round = 0; round < runs; round += 1) {
      for (let k = 0; k < targets.length; k += 1) {
        const t = targets[(k + round) % targets.length] as string;
        samples.get(t)?.push(probeOnce(probe, t, env));
      }
    }
    const results = built.map((b): ColdStartResult => {
      const load = summarize(samples.get(b.file) ?? []);
      const baselineLoad = summarize(samples.get(b.baseline) ?? []);
      return {
        fn: b.fn,
        bytes: statSync(b.file).size,
        baselineBytes: statSync(b.baseline).size,
        sdkPackages: b.sdkPackages,
        baselineExports: b.baselineExports,
        composition: composition(b.meta),
        ...(b.called && b.calledBaseline
          ? {
              calledPackages: b.called,
              calledBaselineBytes: statSync(b.calledBaseline).size,
              calledBaselineLoad: summarize(samples.get(b.calledBaseline) ?? []),
            }
          : {}),
        load,
        baselineLoad,
        ratio: load.median / baselineLoad.median,
        overhead: (load.median - baselineLoad.median) / baselineLoad.median,
      };
    });
    return {
      results,
      empty: summarize(samples.get(empty) ?? []),
      runs,
      buildOptions: {
        ...(settings.options as Record<string, unknown>),
        ...(settings.options.plugins ? { plugins: settings.options.plugins.map((p) => `${p.name} (${String(settings.declared.plugins)})`) } : {}),
      },
    };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
};
