/**
 * The packaged artifacts as the Lambda runtime sees them, shared by the artifact test tier
 * (test/artifact) and the INIT bench (bench/artifact-init.ts):
 *
 * - {@link packageProject}: `osls package` of a copy of the project, once for all functions, and what
 *   the template says of each function (handler, timeout, memory, plain environment);
 * - {@link unzipFunction}: a function's zip unzipped into an empty directory of a task area that has
 *   no `node_modules` on any ancestor (Node would otherwise find packages there that Lambda does not
 *   have);
 * - {@link buildSdkOnly}: the SDK-only function (the same SDK clients, built the same way, nothing of
 *   ours), and {@link buildPackagingVariant} (a function built with one package's packaging flipped:
 *   bundled if custom.esbuild leaves it external, external if it is bundled);
 * - {@link copyRuntimeSdk}: the packages the `nodejs22.x` runtime provides on its own module path
 *   (`/var/runtime/node_modules`, on NODE_PATH), copied from this project's node_modules;
 * - {@link startArtifactWorld}: moto on loopback with the state table and the topic the functions use.
 *
 * Runtime-included SDK: https://docs.aws.amazon.com/lambda/latest/dg/lambda-nodejs.html#nodejs-sdk-included
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, dirname, extname, join } from 'node:path';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { build, type Metafile } from 'esbuild';
import { startMoto } from '../../scripts/emulator';
import { ACCOUNT_ID, clientConfig, createStateTable, motoClients } from '../../scripts/local-aws';
import { copyPackageClosure } from './rie';
import { discoverFunctions, esbuildSettings, offlinePackagingEnv, readServerlessYml } from './serverless-functions';

export const STAGE = 'artifact';
export const TABLE = `asg-orchestrator-${STAGE}-state`;
export const TOPIC = `asg-orchestrator-${STAGE}-notifications`;

/** Top-level entries not copied into the packaging folder (node_modules is linked; the rest are outputs). */
const NOT_COPIED = new Set(['node_modules', '.git', '.serverless', '.esbuild', 'reports', 'coverage']);

/** A scheduled-event envelope for the scheduled function (reconcile). */
export const SCHEDULED_EVENT = {
  version: '0',
  id: '5b3c1d2e-0f4a-4b5c-8d6e-7f8091a2b3c4',
  'detail-type': 'Scheduled Event',
  source: 'aws.events',
  account: ACCOUNT_ID,
  time: '2026-11-27T10:05:00Z',
  region: 'us-east-1',
  resources: [`arn:aws:events:us-east-1:${ACCOUNT_ID}:rule/asg-orchestrator-${STAGE}-reconcile`],
  detail: {},
};

/** The sample event each function is invoked with: a file under events/, or `scheduled`. */
export const SAMPLE: Readonly<Record<string, string>> = {
  activityAudit: 'autoscaling/launch-successful.json',
  capacitySignal: 'ec2/spot-interruption.json',
  terminationPolicy: 'termination-policy/scale-in.json',
  launchLifecycle: 'autoscaling/launch-lifecycle.json',
  terminateLifecycle: 'autoscaling/terminate-lifecycle.json',
  commandResult: 'ssm/command-success.json',
  reconcile: 'scheduled',
  groupSweep: 'sqs/group-sweep.json',
};

export const sampleEvent = (root: string, name: string): unknown => {
  const sample = SAMPLE[name];
  if (sample === undefined) throw new Error(`no sample event for ${name}: add one to SAMPLE in bench/lib/artifact.ts`);
  return sample === 'scheduled' ? SCHEDULED_EVENT : (JSON.parse(readFileSync(join(root, 'events', sample), 'utf8')) as unknown);
};

/** One function of the package, as the template describes it. */
export interface PackagedFunction {
  name: string;
  /** `functions/x.handler`, the template's Handler. */
  handler: string;
  timeoutSeconds: number;
  memoryMb: number;
  /** The template's Environment.Variables (plain values: the packaging gives local values for Refs). */
  env: Record<string, string>;
  zip: string;
  /** Packages custom.esbuild leaves external and the bundle `require`s: the runtime must provide them. */
  requires: string[];
  /** SDK packages in the bundle or required by it (`@aws-sdk/client-*`, `@aws-sdk/lib-dynamodb`). */
  sdkPackages: string[];
}

/** The result of {@link packageProject}. */
export interface Packaged {
  /** The copy of the project that was packaged. */
  work: string;
  /** The `--package` output folder (zips, templates). */
  out: string;
  /** Where task roots, the runtime SDK and the SDK-only function go: no `node_modules` above it. */
  tasks: string;
  functions: PackagedFunction[];
  seconds: number;
  cleanup(): void;
}

/** The first `node_modules` directory on `dir` or any of its ancestors (where Node would look), or undefined. */
export const nodeModulesAbove = (dir: string): string | undefined => {
  for (let d = dir; ; d = dirname(d)) {
    if (existsSync(join(d, 'node_modules'))) return join(d, 'node_modules');
    if (d === dirname(d)) return undefined;
  }
};

/** Plain values where the template would Ref stack resources (STACK.md pitfall 2): moto has them. */
const LOCAL_VALUES: Readonly<Record<string, string>> = {
  LOCAL_ACCOUNT_ID: ACCOUNT_ID,
  LOCAL_TABLE_NAME: TABLE,
  LOCAL_TOPIC_ARN: `arn:aws:sns:us-east-1:${ACCOUNT_ID}:${TOPIC}`,
  LOCAL_WARMUP_DOCUMENT_NAME: `asg-orchestrator-${STAGE}-WarmUpDocument-x`,
  LOCAL_DRAIN_DOCUMENT_NAME: `asg-orchestrator-${STAGE}-DrainDocument-x`,
  // No group opts in there, so the tick sends nothing to it.
  LOCAL_GROUP_QUEUE_URL: `https://sqs.us-east-1.amazonaws.com/${ACCOUNT_ID}/asg-orchestrator-${STAGE}-group-sweep`,
};

const upperFirst = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

/** Package names in a bundle's `require("…")` calls (minified CJS keeps the string literals). */
const requiredPackages = (code: string): string[] =>
  [...new Set([...code.matchAll(/require\("((?:@[^/"]+\/)?[^/".][^/"]*)(?:\/[^"]*)?"\)/g)].map((m) => m[1] ?? ''))]
    .filter((name) => name !== '' && !name.startsWith('node:'))
    .sort();

const SDK_PACKAGE = /node_modules\/(@aws-sdk\/(?:client-[^/]+|lib-dynamodb))\//;

/** SDK packages whose code is in the bundle, per esbuild's metafile of the function's build. */
const bundledSdkPackages = (meta: Metafile): string[] => {
  const found = new Set<string>();
  for (const output of Object.values(meta.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const m = SDK_PACKAGE.exec(input);
      if (m?.[1] && bytesInOutput > 0) found.add(m[1]);
    }
  }
  return [...found];
};

/**
 * `osls package` of a copy of `root` (serverless-esbuild writes `.esbuild/` beside serverless.yml,
 * and the template tier packages in the project itself, maybe at the same time), once for all
 * functions; reads every function from the template osls wrote.
 */
export const packageProject = async (root: string): Promise<Packaged> => {
  const work = mkdtempSync(join(tmpdir(), 'asg-orchestrator-artifact-'));
  const tasks = mkdtempSync(join(tmpdir(), 'asg-orchestrator-artifact-tasks-'));
  const cleanup = (): void => {
    rmSync(work, { recursive: true, force: true });
    rmSync(tasks, { recursive: true, force: true });
  };
  try {
    for (const entry of readdirSync(root)) {
      if (NOT_COPIED.has(entry) || entry.startsWith('.venv')) continue;
      cpSync(join(root, entry), join(work, entry), { recursive: true });
    }
    symlinkSync(join(root, 'node_modules'), join(work, 'node_modules'), 'dir');
    const out = join(work, 'out');
    const started = Date.now();
    // STACK.md pitfall 4: a handler that throws at module load can hang the CLI; `timeout` bounds it.
    const run = spawnSync('timeout', ['280', 'npx', '--no-install', 'osls', 'package', '--stage', STAGE, '--region', 'us-east-1', '--package', out], {
      cwd: work,
      env: offlinePackagingEnv(join(work, '.no-aws-config'), LOCAL_VALUES),
      encoding: 'utf8',
      timeout: 300_000,
    });
    if (run.status !== 0) throw new Error(`osls package failed (${String(run.status)})\n${run.stdout}\n${run.stderr}`);
    const seconds = (Date.now() - started) / 1000;
    const template = JSON.parse(readFileSync(join(out, 'cloudformation-template-update-stack.json'), 'utf8')) as {
      Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
    };
    const settings = esbuildSettings(readServerlessYml(work), work);
    const functions: PackagedFunction[] = [];
    for (const fn of discoverFunctions(work)) {
      const resource = template.Resources[`${upperFirst(fn.name)}LambdaFunction`];
      if (!resource) throw new Error(`no ${fn.name} function in the template`);
      const p = resource.Properties;
      const vars = ((p.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {}) as Record<string, unknown>;
      const env: Record<string, string> = {};
      for (const [key, value] of Object.entries(vars)) {
        if (typeof value !== 'string') throw new Error(`${fn.name}: ${key} is not a plain value in the template: ${JSON.stringify(value)}`);
        env[key] = value;
      }
      const zip = join(out, `${fn.name}.zip`);
      const code = execFileSync('unzip', ['-p', zip], { maxBuffer: 64 * 1024 * 1024 }).toString('utf8');
      // Left external by custom.esbuild (exclude/external) and required by the bundle. (The SDK's
      // lazy, optional require of @aws-sdk/signature-v4-crt for SigV4a is not one of them.)
      const external = new Set(settings.options.external ?? []);
      const requires = requiredPackages(code).filter((name) => external.has(name));
      // Which SDK clients the bundle holds: the same build as serverless-esbuild's, with a metafile.
      const meta = await build({
        ...settings.options,
        entryPoints: [join(work, fn.file)],
        outdir: join(work, '.meta'),
        write: false,
        metafile: true,
        absWorkingDir: work,
        logLevel: 'silent',
      });
      const sdkPackages = [...new Set([...bundledSdkPackages(meta.metafile), ...requires.filter((r) => r.startsWith('@aws-sdk/'))])].sort();
      functions.push({
        name: fn.name,
        handler: String(p.Handler),
        timeoutSeconds: Number(p.Timeout),
        memoryMb: Number(p.MemorySize),
        env,
        zip,
        requires,
        sdkPackages,
      });
    }
    return { work, out, tasks, functions, seconds, cleanup };
  } catch (error) {
    cleanup();
    throw error;
  }
};

/** Bytes of every file under `dir`. */
export const treeBytes = (dir: string): number =>
  readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .reduce((sum, e) => sum + statSync(join(e.parentPath, e.name)).size, 0);

/** Unzips a function's package into a new empty directory of the task area: the task root. */
export const unzipFunction = (pkg: Packaged, fn: PackagedFunction): string => {
  const dir = mkdtempSync(join(pkg.tasks, `${fn.name}-`));
  execFileSync('unzip', ['-q', fn.zip, '-d', dir]);
  return dir;
};

/**
 * The packages the nodejs22.x runtime provides beside the package (its SDK), for `packages`: copied
 * with their dependencies from the project's node_modules into `<tasks>/runtime/node_modules`, the
 * stand-in for `/var/runtime/node_modules`. Returns the folder for NODE_PATH and the package count.
 */
export const copyRuntimeSdk = (root: string, pkg: Packaged, packages: readonly string[]): { nodePath: string; packages: number } => {
  const dest = join(pkg.tasks, 'runtime');
  let count = 0;
  for (const name of packages) count += copyPackageClosure(root, name, dest);
  return { nodePath: join(dest, 'node_modules'), packages: count };
};

/** The client classes a package exports (`@aws-sdk/client-sns` → `SNSClient`; lib-dynamodb → `DynamoDBDocumentClient`). */
const clientClasses = (root: string, pkg: string): string[] => {
  const mod = createRequire(join(root, 'package.json'))(pkg) as Record<string, unknown>;
  return Object.keys(mod).filter((k) => /^[A-Z][A-Za-z0-9]*Client$/.test(k));
};

/** A built function: its task root and handler. */
export interface BuiltFunction {
  taskRoot: string;
  handler: string;
  /** Bytes of the task root. */
  bytes: number;
  /** The client classes it exports (SDK-only functions). */
  clients: string[];
}

/** What a baseline function holds besides the SDK clients: nothing, or Powertools Logger + Metrics on middy as the functions use them. */
export type BaselineKind = 'sdk-only' | 'sdk+powertools';

/** The handler of a baseline: the SDK clients named, and for `sdk+powertools` the middleware stack of shared/runtime/stack.ts. */
const baselineSource = (kind: BaselineKind, exports: ReadonlyArray<{ p: string; name: string }>): string => {
  const imports = exports.map(({ p, name }) => `import { ${name} } from '${p}';`);
  const answer = `async () => ({ outcome: '${kind}', reason: 'loaded', clients: [${exports.map((e) => e.name).join(', ')}].map((c) => c.name) })`;
  if (kind === 'sdk-only') return [...imports, `export const handler = ${answer};`].join('\n');
  return [
    ...imports,
    "import { Logger } from '@aws-lambda-powertools/logger';",
    "import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';",
    "import { Metrics } from '@aws-lambda-powertools/metrics';",
    "import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';",
    "import middy from '@middy/core';",
    "const logger = new Logger({ serviceName: 'baseline' });",
    "const metrics = new Metrics({ namespace: 'Baseline', serviceName: 'baseline' });",
    `export const handler = middy(${answer}).use(injectLambdaContext(logger)).use(logMetrics(metrics, { captureColdStartMetric: true }));`,
  ].join('\n');
};

/**
 * A baseline function for a set of SDK packages: built with the functions' esbuild settings
 * (custom.esbuild, externals and plugins included), a handler that names each client class of
 * `packages` — and, for `sdk+powertools`, wraps it in Powertools Logger + Metrics on middy — and
 * nothing else of ours. Into its own task root.
 */
export const buildSdkOnly = async (
  root: string,
  pkg: Packaged,
  label: string,
  packages: readonly string[],
  kind: BaselineKind = 'sdk-only',
): Promise<BuiltFunction> => {
  const settings = esbuildSettings(readServerlessYml(root), root);
  const { outExtension: _ignored, ...options } = settings.options;
  const exports = packages.flatMap((p) => clientClasses(root, p).map((name) => ({ p, name })));
  const taskRoot = mkdtempSync(join(pkg.tasks, `${kind.replace('+', '-')}-${label}-`));
  await build({
    ...options,
    stdin: { contents: baselineSource(kind, exports), resolveDir: root, sourcefile: `${kind}.ts`, loader: 'ts' },
    outfile: join(taskRoot, 'index.cjs'),
    absWorkingDir: root,
    logLevel: 'silent',
  });
  return { taskRoot, handler: 'index.handler', bytes: treeBytes(taskRoot), clients: exports.map((e) => e.name) };
};

/**
 * `fn` built with the functions' esbuild settings except for `flipped`: bundled when custom.esbuild
 * leaves it external, left external (to the runtime's copy) when it is bundled.
 */
export const buildPackagingVariant = async (
  root: string,
  pkg: Packaged,
  fn: PackagedFunction,
  flipped: string,
): Promise<BuiltFunction & { external: boolean }> => {
  const entry = discoverFunctions(root).find((f) => f.name === fn.name);
  if (!entry) throw new Error(`${fn.name} is not in serverless.yml`);
  const settings = esbuildSettings(readServerlessYml(root), root);
  const declared = settings.options.external ?? [];
  const external = !declared.includes(flipped);
  const taskRoot = mkdtempSync(join(pkg.tasks, `${fn.name}-variant-`));
  await build({
    ...settings.options,
    external: external ? [...declared, flipped] : declared.filter((e) => e !== flipped),
    entryPoints: [join(root, entry.file)],
    outdir: join(taskRoot, dirname(entry.file)),
    absWorkingDir: root,
    logLevel: 'silent',
    // A package left to the runtime is found on NODE_PATH by `require`, not by `import()` (ES module
    // resolution ignores NODE_PATH: https://nodejs.org/api/esm.html#no-node_path): the lazy
    // `import('@aws-sdk/client-ec2')` of shared/aws/ec2.ts is emitted as a `require` then, as
    // esbuild does when it bundles the package.
    ...(external ? { supported: { ...settings.options.supported, 'dynamic-import': false } } : {}),
  });
  const file = join(taskRoot, dirname(entry.file), `${basename(entry.file, extname(entry.file))}${settings.extension}`);
  if (!existsSync(file)) throw new Error(`no ${file} after the build`);
  return { taskRoot, handler: fn.handler, bytes: treeBytes(taskRoot), clients: [], external };
};

/** Moto on loopback with the state table and the topic the packaged functions are configured with. */
export const startArtifactWorld = async (root: string): Promise<{ endpoint: string; stop(): Promise<void> }> => {
  const moto = await startMoto({ root });
  try {
    const clients = motoClients(moto.endpoint);
    try {
      await createStateTable(clients.dynamo, TABLE);
    } finally {
      clients.destroy();
    }
    const sns = new SNSClient(clientConfig(moto.endpoint));
    try {
      await sns.send(new CreateTopicCommand({ Name: TOPIC }));
    } finally {
      sns.destroy();
    }
  } catch (error) {
    await moto.stop();
    throw error;
  }
  return { endpoint: moto.endpoint, stop: () => moto.stop() };
};
