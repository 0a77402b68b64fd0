/**
 * Packaged-artifact tier: `osls package` once, then each function's zip unzipped into an empty
 * directory (no node_modules beside it or above it) and run under the AWS Lambda Runtime Interface
 * Emulator with the Lambda runtime interface client (`aws-lambda-ric`) on Node 22, with the timeout,
 * memory and environment of the packaged template — the runtime's view of the artifact, not the
 * repository's. Each function is invoked over HTTP with its sample event from events/ against a local
 * moto, and must answer a typed result and log what production logs (Powertools decision line, EMF
 * metrics). INIT figures are the bench's business (`npm run bench -- --only=init`): no timing here.
 *
 * - Runtime-provided SDK (`/var/runtime/node_modules`): https://docs.aws.amazon.com/lambda/latest/dg/lambda-nodejs.html#nodejs-sdk-included
 * - Powertools Logger keys: https://docs.powertools.aws.dev/lambda/typescript/latest/core/logger/#standard-structured-keys
 * - EMF: https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
 */
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildSdkOnly,
  copyRuntimeSdk,
  nodeModulesAbove,
  type Packaged,
  type PackagedFunction,
  packageProject,
  SAMPLE,
  STAGE,
  sampleEvent,
  startArtifactWorld,
  unzipFunction,
} from '../../bench/lib/artifact';
import { type ColdRun, type ColdRunOptions, coldRun, ensureRie } from '../../bench/lib/rie';
import { motoEnv } from '../../scripts/emulator';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const NODE = join(ROOT, 'node_modules', '.bin', 'node');
const RIC = join(ROOT, 'node_modules', 'aws-lambda-ric', 'index.mjs');

type Json = Record<string, unknown>;

let rie: string;
let pkg: Packaged | undefined;
let world: { endpoint: string; stop(): Promise<void> } | undefined;
let runtimeNodePath: string;

const packaged = (name: string): PackagedFunction => {
  const fn = pkg?.functions.find((f) => f.name === name);
  if (!fn) throw new Error(`${name} was not packaged`);
  return fn;
};

const options = (fn: PackagedFunction, taskRoot: string, nodePath: readonly string[]): ColdRunOptions => ({
  rie,
  node: NODE,
  ric: RIC,
  taskRoot,
  handler: fn.handler,
  functionName: `asg-orchestrator-${STAGE}-${fn.name}`,
  timeoutSeconds: fn.timeoutSeconds,
  memoryMb: fn.memoryMb,
  env: { ...fn.env, ...motoEnv(world?.endpoint ?? ''), AWS_EC2_METADATA_DISABLED: 'true' },
  nodePath,
  event: sampleEvent(ROOT, fn.name),
});

/** The JSON lines the function wrote (Powertools logs and EMF blobs), in order. */
const jsonLines = (run: ColdRun): Json[] =>
  run.output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Json);

/** Metric names of the EMF blobs among `lines`. */
const metricNames = (lines: readonly Json[]): string[] =>
  lines.flatMap((l) => {
    const aws = l._aws as { CloudWatchMetrics?: Array<{ Metrics: Array<{ Name: string }> }> } | undefined;
    return (aws?.CloudWatchMetrics ?? []).flatMap((m) => m.Metrics.map((x) => x.Name));
  });

/** What each function answers its sample in the emulator's world (no group in moto opted in). */
const EXPECTED_OUTCOME: Readonly<Record<string, string>> = {
  activityAudit: 'skipped',
  capacitySignal: 'skipped',
  terminationPolicy: 'not-opted-in',
  launchLifecycle: 'skipped',
  terminateLifecycle: 'skipped',
  commandResult: 'skipped',
  reconcile: 'swept',
  groupSweep: 'swept',
};

beforeAll(async () => {
  rie = ensureRie(ROOT);
  pkg = await packageProject(ROOT);
  // What the nodejs22.x runtime provides beside the package: the packages the bundles leave external.
  const external = [...new Set(pkg.functions.flatMap((f) => f.requires))];
  runtimeNodePath = copyRuntimeSdk(ROOT, pkg, external).nodePath;
  world = await startArtifactWorld(ROOT);
}, 600_000);

afterAll(async () => {
  await world?.stop();
  pkg?.cleanup();
});

describe('packaged artifacts under the Lambda runtime interface emulator and client (Node 22)', () => {
  it('packages every function of serverless.yml as a zip of one bundle, no node_modules in it or above where it is unzipped', () => {
    expect(pkg?.functions.map((f) => f.name).sort()).toEqual(Object.keys(SAMPLE).sort());
    for (const fn of pkg?.functions ?? []) {
      const root = unzipFunction(pkg as Packaged, fn);
      expect(readdirSync(root)).toEqual(['functions']);
      expect(readdirSync(join(root, 'functions'))).toEqual([`${fn.handler.slice('functions/'.length, fn.handler.lastIndexOf('.'))}.cjs`]);
      expect(nodeModulesAbove(root)).toBeUndefined();
    }
  });

  it.each(Object.keys(SAMPLE))('%s: the unzipped package answers its sample event with a typed result and logs its decision', async (name) => {
    const fn = packaged(name);
    // NODE_PATH only for what the bundle requires from the runtime (nothing, since ADR 0005): a
    // module missing from the zip fails INIT here with Runtime.ImportModuleError.
    const run = await coldRun(options(fn, unzipFunction(pkg as Packaged, fn), fn.requires.length > 0 ? [runtimeNodePath] : []));
    const answer = run.response as Json;
    if (typeof answer !== 'object' || answer === null || 'errorType' in answer) throw new Error(`${name} answered ${JSON.stringify(answer)}\n${run.output}`);

    // The emulator's phases: one on-demand INIT that succeeded, one invocation, a REPORT line.
    expect(run.output).toContain('INIT START(type: on-demand, phase: init)');
    expect(run.initStatus).toBe('success');
    const requestId = /^REPORT RequestId: (\S+)\tInit Duration: [\d.]+ ms\tDuration: [\d.]+ ms/m.exec(run.report)?.[1];
    expect(requestId).toBeDefined();

    const lines = jsonLines(run);
    const decision = lines.find((l) => l.message === 'decision');
    expect(decision).toMatchObject({
      level: 'INFO',
      service: 'asg-orchestrator',
      cold_start: true,
      function_name: `asg-orchestrator-${STAGE}-${name}`,
      function_memory_size: String(fn.memoryMb),
      function_request_id: requestId,
      decision: { outcome: EXPECTED_OUTCOME[name] },
    });
    expect(lines.filter((l) => l.level === 'ERROR' || l.level === 'WARN' || l.level === 'CRITICAL')).toEqual([]);
    expect(metricNames(lines)).toEqual(expect.arrayContaining(['ColdStart', `outcome_${EXPECTED_OUTCOME[name]}`]));

    if (name === 'terminationPolicy') {
      // Auto Scaling's custom termination policy contract: { InstanceIDs: [...] }.
      expect(answer).toEqual({ InstanceIDs: [] });
    } else if (name === 'groupSweep') {
      // The SQS event source mapping's partial batch response (ReportBatchItemFailures).
      expect(answer).toEqual({ batchItemFailures: [] });
    } else {
      expect(answer).toEqual((decision as Json).decision);
    }
  });

  it('bundles every package (docs/adr/0005): no function requires one that only the Lambda runtime provides', () => {
    expect(Object.fromEntries((pkg as Packaged).functions.map((f) => [f.name, f.requires]))).toEqual(
      Object.fromEntries(Object.keys(SAMPLE).map((name) => [name, []])),
    );
  });

  it('the SDK-only function the INIT bench compares against answers under the same runtime', async () => {
    const packages = [...new Set((pkg as Packaged).functions.flatMap((f) => f.sdkPackages))];
    const built = await buildSdkOnly(ROOT, pkg as Packaged, 'all', packages);
    expect(existsSync(join(built.taskRoot, 'index.cjs'))).toBe(true);
    const run = await coldRun({
      rie,
      node: NODE,
      ric: RIC,
      taskRoot: built.taskRoot,
      handler: built.handler,
      functionName: `asg-orchestrator-${STAGE}-sdk-only`,
      timeoutSeconds: 10,
      memoryMb: 256,
      env: {},
      nodePath: [runtimeNodePath],
      event: {},
    });
    expect(run.response).toEqual({ outcome: 'sdk-only', reason: 'loaded', clients: built.clients });
    expect(built.clients).toEqual(expect.arrayContaining(['AutoScalingClient', 'EC2Client', 'DynamoDBDocumentClient', 'SNSClient', 'SSMClient']));
  });
});
