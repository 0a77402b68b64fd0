/**
 * Packaged-artifact tier: `osls package`, then each function's zip unzipped into an empty directory
 * (no node_modules beside it) and run under the AWS Lambda Runtime Interface Emulator with the
 * Lambda runtime interface client on Node 22 — the runtime's view of the artifact, not the
 * repository's. Each function is invoked with a sample event from events/ against a local moto, and
 * answers a typed result. The same run measures INIT and first-invoke durations per function and
 * those of an SDK-only function (the SDK clients the functions use, nothing else), and the two ways
 * to ship @aws-sdk/client-ec2 (runtime-provided on NODE_PATH, or bundled). `ARTIFACT_BENCH_DOCS=1`
 * writes the numbers into docs/benchmarks.md (`npm run bench:artifact`).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { discoverFunctions, esbuildSettings, readServerlessYml } from '../../bench/lib/serverless-functions';
import { median } from '../../bench/lib/stats';
import { type MotoServer, motoEnv, startMoto } from '../../scripts/emulator';
import { clientConfig, createStateTable, motoClients } from '../../scripts/local-aws';
import { type ColdRun, type ColdRunOptions, coldRun, copyPackageClosure, ensureRie } from './rie';
import { renderArtifactSection, type Row, writeArtifactSection } from './report';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const COPIED = ['serverless.yml', 'package.json', 'tsconfig.json', 'functions', 'shared', 'config', 'events', 'serverless-plugins'];
const STAGE = 'artifact';
const RUNS = Math.max(1, Number(process.env.ARTIFACT_RUNS ?? 3));
const NODE = join(ROOT, 'node_modules', '.bin', 'node');
const RIC = join(ROOT, 'node_modules', 'aws-lambda-ric', 'index.mjs');
const TABLE = 'asg-orchestrator-artifact-state';
const TOPIC = 'asg-orchestrator-artifact-notifications';
const EC2_SDK = '@aws-sdk/client-ec2';

const SCHEDULED_EVENT = {
  version: '0',
  id: '5b3c1d2e-0f4a-4b5c-8d6e-7f8091a2b3c4',
  'detail-type': 'Scheduled Event',
  source: 'aws.events',
  account: '123456789012',
  time: '2026-11-27T10:05:00Z',
  region: 'us-east-1',
  resources: ['arn:aws:events:us-east-1:123456789012:rule/asg-orchestrator-artifact-reconcile'],
  detail: {},
};

/** The sample event each function is invoked with (a file under events/, or the scheduled event). */
const SAMPLE: Readonly<Record<string, string>> = {
  activityAudit: 'autoscaling/launch-successful.json',
  capacitySignal: 'ec2/spot-interruption.json',
  terminationPolicy: 'termination-policy/scale-in.json',
  launchLifecycle: 'autoscaling/launch-lifecycle.json',
  terminateLifecycle: 'autoscaling/terminate-lifecycle.json',
  commandResult: 'ssm/command-success.json',
  reconcile: 'scheduled',
};

/** SDK packages the functions bundle: the SDK-only function loads their clients and nothing else. */
const SDK_ONLY_PACKAGES = [
  '@aws-sdk/client-auto-scaling',
  '@aws-sdk/client-cloudwatch',
  '@aws-sdk/client-dynamodb',
  '@aws-sdk/lib-dynamodb',
  '@aws-sdk/client-eventbridge',
  '@aws-sdk/client-sns',
  '@aws-sdk/client-ssm',
];

interface PackagedFunction {
  name: string;
  handler: string;
  timeoutSeconds: number;
  memoryMb: number;
  env: Record<string, string>;
  zip: string;
  /** Whether the bundle requires @aws-sdk/client-ec2 from the runtime. */
  needsEc2: boolean;
}

type Json = Record<string, unknown>;

let work: string;
let moto: MotoServer | undefined;
let rie: string;
let functions: PackagedFunction[] = [];
let runtimeSdk: string;
let runtimeSdkPackages = 0;
let sdkOnlyRoot: string;
let sdkOnlyBytes = 0;
const bundledEc2 = new Map<string, { root: string; handler: string; bytes: number }>();
const rows: Row[] = [];

const eventFor = (name: string): unknown =>
  SAMPLE[name] === 'scheduled' ? SCHEDULED_EVENT : (JSON.parse(readFileSync(join(ROOT, 'events', SAMPLE[name] ?? ''), 'utf8')) as unknown);

const packagingEnv = (): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('AWS_') && !key.startsWith('LOCAL_')) env[key] = value;
  const nowhere = join(work, '.no-aws-config');
  return {
    ...env,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    AWS_SHARED_CREDENTIALS_FILE: join(nowhere, 'credentials'),
    AWS_CONFIG_FILE: join(nowhere, 'config'),
    AWS_EC2_METADATA_DISABLED: 'true',
    SLS_TELEMETRY_DISABLED: '1',
    // Plain values where the template would Ref stack resources: the functions find them in moto.
    LOCAL_TABLE_NAME: TABLE,
    LOCAL_TOPIC_ARN: `arn:aws:sns:us-east-1:123456789012:${TOPIC}`,
    LOCAL_WARMUP_DOCUMENT_NAME: 'asg-orchestrator-artifact-WarmUpDocument-x',
    LOCAL_DRAIN_DOCUMENT_NAME: 'asg-orchestrator-artifact-DrainDocument-x',
  };
};

const upperFirst = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

/** Reads the packaged functions (handler, timeout, memory, environment) from the template osls wrote. */
const readPackage = (out: string): PackagedFunction[] => {
  const template = JSON.parse(readFileSync(join(out, 'cloudformation-template-update-stack.json'), 'utf8')) as { Resources: Record<string, { Type: string; Properties: Json }> };
  return discoverFunctions(work).map((fn) => {
    const resource = template.Resources[`${upperFirst(fn.name)}LambdaFunction`];
    if (!resource) throw new Error(`no ${fn.name} function in the template`);
    const p = resource.Properties;
    const vars = ((p.Environment as Json | undefined)?.Variables ?? {}) as Record<string, unknown>;
    const env: Record<string, string> = {};
    for (const [key, value] of Object.entries(vars)) {
      if (typeof value !== 'string') throw new Error(`${fn.name}: ${key} is not a plain value in the template: ${JSON.stringify(value)}`);
      env[key] = value;
    }
    const zip = join(out, `${fn.name}.zip`);
    const code = execFileSync('unzip', ['-p', zip], { maxBuffer: 64 * 1024 * 1024 }).toString('utf8');
    return {
      name: fn.name,
      handler: String(p.Handler),
      timeoutSeconds: Number(p.Timeout),
      memoryMb: Number(p.MemorySize),
      env,
      zip,
      needsEc2: code.includes(`require("${EC2_SDK}")`),
    };
  });
};

/** Bytes of every file under `dir` (an unzipped package: its bundle). */
const treeBytes = (dir: string): number =>
  readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .reduce((sum, e) => sum + statSync(join(e.parentPath, e.name)).size, 0);

/** Unzips a function's package into a new empty directory: the task root. */
const unzipped = (fn: PackagedFunction): string => {
  const dir = mkdtempSync(join(work, `task-${fn.name}-`));
  execFileSync('unzip', ['-q', fn.zip, '-d', dir]);
  return dir;
};

const baseOptions = (fn: PackagedFunction, taskRoot: string): ColdRunOptions => ({
  rie,
  node: NODE,
  ric: RIC,
  taskRoot,
  handler: fn.handler,
  functionName: `asg-orchestrator-${STAGE}-${fn.name}`,
  timeoutSeconds: fn.timeoutSeconds,
  memoryMb: fn.memoryMb,
  env: {
    ...fn.env,
    ...motoEnv(moto?.endpoint ?? ''),
    AWS_EC2_METADATA_DISABLED: 'true',
    POWERTOOLS_DEV: 'false',
  },
  event: eventFor(fn.name),
});

/** `RUNS` cold starts, one after the other; the last run's answer and the medians. */
const measure = async (options: ColdRunOptions): Promise<{ last: ColdRun; initMs: number; firstInvokeMs: number }> => {
  const runs: ColdRun[] = [];
  for (let i = 0; i < RUNS; i += 1) runs.push(await coldRun(options));
  const last = runs.at(-1) as ColdRun;
  return { last, initMs: median(runs.map((r) => r.initMs)), firstInvokeMs: median(runs.map((r) => r.firstInvokeMs)) };
};

/** The answer is a handler outcome (`{ outcome, reason }`), or the termination policy's `{ InstanceIDs }`. */
const expectTypedAnswer = (name: string, run: ColdRun): void => {
  const answer = run.response as Json;
  if (typeof answer !== 'object' || answer === null || 'errorType' in answer) throw new Error(`${name} answered ${JSON.stringify(answer)}\n${run.output}`);
  if (name === 'terminationPolicy') {
    expect(answer).toEqual({ InstanceIDs: expect.any(Array) });
  } else {
    expect(answer).toMatchObject({ outcome: expect.any(String), reason: expect.any(String) });
    expect(answer.outcome).not.toBe('dropped');
  }
};

beforeAll(async () => {
  rie = ensureRie();
  work = mkdtempSync(join(tmpdir(), 'asg-orchestrator-artifact-'));
  for (const entry of COPIED) cpSync(join(ROOT, entry), join(work, entry), { recursive: true });
  symlinkSync(join(ROOT, 'node_modules'), join(work, 'node_modules'), 'dir');
  const out = join(work, 'out');
  const run = spawnSync('timeout', ['280', 'npx', '--no-install', 'osls', 'package', '--stage', STAGE, '--region', 'us-east-1', '--package', out], {
    cwd: work,
    env: packagingEnv(),
    encoding: 'utf8',
    timeout: 300_000,
  });
  if (run.status !== 0) throw new Error(`osls package failed (${run.status})\n${run.stdout}\n${run.stderr}`);
  functions = readPackage(out);

  // What the nodejs22.x runtime provides beside the package: here, client-ec2 and its dependencies only.
  runtimeSdk = join(work, 'runtime-sdk');
  runtimeSdkPackages = copyPackageClosure(ROOT, EC2_SDK, runtimeSdk);

  // The SDK-only function: built exactly like the functions (custom.esbuild), exporting a handler
  // that touches each client class the functions use, and nothing of ours.
  const settings = esbuildSettings(readServerlessYml(ROOT), ROOT);
  const { outExtension: _ignored, ...options } = settings.options;
  const exports = SDK_ONLY_PACKAGES.flatMap((pkg) => {
    const mod = createRequire(join(ROOT, 'package.json'))(pkg) as Record<string, unknown>;
    return Object.keys(mod)
      .filter((k) => /^[A-Z][A-Za-z0-9]*Client$/.test(k))
      .map((name) => ({ pkg, name }));
  });
  sdkOnlyRoot = join(work, 'sdk-only');
  mkdirSync(sdkOnlyRoot);
  await build({
    ...options,
    stdin: {
      contents: [
        ...exports.map(({ pkg, name }) => `import { ${name} } from '${pkg}';`),
        `export const handler = async () => ({ outcome: 'sdk-only', reason: 'loaded', clients: [${exports.map((e) => e.name).join(', ')}].map((c) => c.name) });`,
      ].join('\n'),
      resolveDir: ROOT,
      sourcefile: 'sdk-only.ts',
      loader: 'ts',
    },
    outfile: join(sdkOnlyRoot, 'index.cjs'),
    absWorkingDir: ROOT,
    logLevel: 'silent',
  });
  sdkOnlyBytes = statSync(join(sdkOnlyRoot, 'index.cjs')).size;

  // The other way to ship EC2: bundled into the function (no external), same settings otherwise.
  for (const fn of functions.filter((f) => f.needsEc2)) {
    const entry = discoverFunctions(work).find((f) => f.name === fn.name);
    if (!entry) continue;
    const root = join(work, `bundled-${fn.name}`);
    const outdir = join(root, dirname(entry.file));
    await build({
      ...settings.options,
      external: (settings.options.external ?? []).filter((e) => e !== EC2_SDK),
      entryPoints: [join(ROOT, entry.file)],
      outdir,
      absWorkingDir: ROOT,
      logLevel: 'silent',
    });
    const file = join(outdir, `${basename(entry.file, extname(entry.file))}${settings.extension}`);
    bundledEc2.set(fn.name, { root, handler: fn.handler, bytes: statSync(file).size });
  }

  moto = await startMoto();
  const clients = motoClients(moto.endpoint);
  try {
    await createStateTable(clients.dynamo, TABLE);
  } finally {
    clients.destroy();
  }
  const sns = new SNSClient(clientConfig(moto.endpoint));
  await sns.send(new CreateTopicCommand({ Name: TOPIC }));
  sns.destroy();
}, 600_000);

afterAll(async () => {
  await moto?.stop();
  if (rows.length > 0) {
    const context = { runs: RUNS, node: execFileSync(NODE, ['--version'], { encoding: 'utf8' }).trim(), runtimeSdkPackages };
    console.info(renderArtifactSection(rows, context));
    mkdirSync(join(ROOT, 'reports'), { recursive: true });
    writeFileSync(join(ROOT, 'reports', 'artifact-tier.json'), `${JSON.stringify({ ...context, rows }, null, 2)}\n`);
    if (process.env.ARTIFACT_BENCH_DOCS === '1') writeArtifactSection(join(ROOT, 'docs', 'benchmarks.md'), rows, context);
  }
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('packaged artifacts under the Lambda runtime interface emulator and client (Node 22)', () => {
  it('packages every function in serverless.yml, each a zip of one bundle and no node_modules', () => {
    expect(functions.map((f) => f.name).sort()).toEqual(Object.keys(SAMPLE).sort());
    for (const fn of functions) {
      const root = unzipped(fn);
      expect(readdirSync(root)).toEqual(['functions']);
      expect(existsSync(join(root, 'node_modules'))).toBe(false);
    }
  });

  it('an SDK-only function (the same SDK clients, nothing of ours) for comparison in the same run', async () => {
    const fn: PackagedFunction = { name: 'sdk-only', handler: 'index.handler', timeoutSeconds: 10, memoryMb: 256, env: {}, zip: '', needsEc2: false };
    const { last, initMs, firstInvokeMs } = await measure({ ...baseOptions(fn, sdkOnlyRoot), event: {} });
    expect(last.response).toMatchObject({ outcome: 'sdk-only', clients: expect.arrayContaining(['SNSClient', 'SSMClient']) });
    rows.push({ name: 'SDK only (baseline)', variant: 'bundled SDK clients', bytes: sdkOnlyBytes, memoryMb: 256, initMs, firstInvokeMs, answer: 'sdk-only' });
  });

  it.each(Object.keys(SAMPLE))('%s: the unzipped package answers its sample event with a typed result', async (name) => {
    const fn = functions.find((f) => f.name === name);
    if (!fn) throw new Error(`${name} was not packaged`);
    const taskRoot = unzipped(fn);
    const options = baseOptions(fn, taskRoot);
    const { last, initMs, firstInvokeMs } = await measure(fn.needsEc2 ? { ...options, nodePath: [join(runtimeSdk, 'node_modules')] } : options);
    expectTypedAnswer(name, last);
    expect(last.report).toMatch(/^REPORT RequestId: \S+\tInit Duration: [\d.]+ ms\tDuration: [\d.]+ ms/);
    const answer = last.response as Json;
    rows.push({
      name,
      variant: fn.needsEc2 ? `${EC2_SDK} from the runtime (NODE_PATH)` : 'as packaged',
      bytes: treeBytes(taskRoot),
      memoryMb: fn.memoryMb,
      initMs,
      firstInvokeMs,
      answer: typeof answer.outcome === 'string' ? answer.outcome : 'InstanceIDs',
    });
  });

  it.each(['capacitySignal', 'reconcile'])('%s requires @aws-sdk/client-ec2 from the Lambda runtime: without it on the module path, INIT fails', async (name) => {
    const fn = functions.find((f) => f.name === name);
    if (!fn) throw new Error(`${name} was not packaged`);
    expect(fn.needsEc2).toBe(true);
    const run = await coldRun(baseOptions(fn, unzipped(fn)));
    expect(run.response).toMatchObject({ errorType: 'Runtime.ImportModuleError', errorMessage: expect.stringContaining(EC2_SDK) });
  });

  it.each(['capacitySignal', 'reconcile'])('%s with @aws-sdk/client-ec2 bundled instead (the other packaging choice, measured)', async (name) => {
    const fn = functions.find((f) => f.name === name);
    const bundled = bundledEc2.get(name);
    if (!fn || !bundled) throw new Error(`${name} was not built with EC2 bundled`);
    const { last, initMs, firstInvokeMs } = await measure(baseOptions(fn, bundled.root));
    expectTypedAnswer(name, last);
    const answer = last.response as Json;
    rows.push({ name, variant: `${EC2_SDK} bundled`, bytes: bundled.bytes, memoryMb: fn.memoryMb, initMs, firstInvokeMs, answer: String(answer.outcome) });
  });
});
