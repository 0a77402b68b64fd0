/**
 * Offline `osls invoke local`, end to end: the real CLI runs every function on a sample with a clean
 * environment (no AWS_* variable, HOME an empty directory: no ~/.aws), so the offline local world
 * (shared/local) answers its AWS calls. The runs share one world, in order, as a user would chain them
 * (launchLifecycle's command id is the one commandResult's sample reports).
 *
 * The CLI runs in a copy of the project (sources symlinked node_modules): its .esbuild/ and
 * .local-world/ never meet those of the template test running in parallel, nor the developer's.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const COPIED = ['serverless.yml', 'package.json', 'tsconfig.json', 'functions', 'shared', 'config', 'events', 'serverless-plugins', 'resources'];
const NOTE = /^offline: no AWS credentials or endpoint configured — AWS calls were answered by the built-in local world/;
const SCHEDULED_EVENT = {
  version: '0',
  id: '5b3c1d2e-0f4a-4b5c-8d6e-7f8091a2b3c4',
  'detail-type': 'Scheduled Event',
  source: 'aws.events',
  account: '123456789012',
  time: '2026-11-27T10:05:00Z',
  region: 'us-east-1',
  resources: ['arn:aws:events:us-east-1:123456789012:rule/asg-orchestrator-dev-reconcile'],
  detail: {},
};

let work: string;
let home: string;

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
  /** The result `invoke local` printed last (pretty-printed JSON). */
  result: Record<string, unknown>;
}

/** `npx osls invoke local -f <fn> -p <path>` with nothing but PATH and an empty HOME, under `timeout` (STACK.md pitfall 4). */
const invoke = (fn: string, path: string, extraEnv: Record<string, string> = {}): Run => {
  const env = {
    PATH: process.env.PATH ?? '',
    HOME: home,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    SLS_TELEMETRY_DISABLED: '1',
    npm_config_update_notifier: 'false',
    ...extraEnv,
  };
  const run = spawnSync('timeout', ['150', 'npx', '--no-install', 'osls', 'invoke', 'local', '-f', fn, '-p', path], {
    cwd: work,
    env,
    encoding: 'utf8',
    timeout: 170_000,
  });
  const start = run.stdout.startsWith('{\n') ? 0 : run.stdout.lastIndexOf('\n{\n') + 1;
  let result: Record<string, unknown> = {};
  try {
    result = JSON.parse(run.stdout.slice(start)) as Record<string, unknown>;
  } catch {
    throw new Error(`invoke local -f ${fn} printed no result (status ${run.status})\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}`);
  }
  return { status: run.status, stdout: run.stdout, stderr: run.stderr, result };
};

const localWorldOf = (r: Run): { note: string; calls: string[] } => r.result.localWorld as { note: string; calls: string[] };

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'asg-orchestrator-invoke-local-'));
  home = join(work, '.empty-home');
  mkdirSync(home);
  for (const entry of COPIED) cpSync(join(ROOT, entry), join(work, entry), { recursive: true });
  symlinkSync(join(ROOT, 'node_modules'), join(work, 'node_modules'), 'dir');
  writeFileSync(join(work, 'scheduled.json'), JSON.stringify(SCHEDULED_EVENT));
});

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('osls invoke local offline: the local world answers, and says so', () => {
  it('activityAudit, launch-unsuccessful → notified, severity warning', () => {
    const r = invoke('activityAudit', 'events/autoscaling/launch-unsuccessful.json', { ORCHESTRATOR_LOCAL_WORLD_RESET: '1' });
    expect(r.status).toBe(0);
    expect(r.result).toMatchObject({ outcome: 'notified', severity: 'warning', group: 'ml-inference-gpu' });
    expect(localWorldOf(r).note).toMatch(NOTE);
    // The claim on the event id (re-deliveries are published once), then both channels, then the claim marked published.
    expect(localWorldOf(r).calls).toEqual(['autoscaling:DescribeAutoScalingGroups', 'dynamodb:PutItem', 'sns:Publish', 'events:PutEvents', 'dynamodb:PutItem']);
    expect(r.stderr).toMatch(/^asg-orchestrator: offline local world \(no AWS credentials or endpoint\) — /m);
    expect(r.stderr).not.toMatch(/CredentialsProviderError|Could not resolve/);
    expect(existsSync(join(work, '.local-world', 'state.json'))).toBe(true);
  });

  it('launchLifecycle, launch-lifecycle → started, with the command id of the SSM samples', () => {
    const r = invoke('launchLifecycle', 'events/autoscaling/launch-lifecycle.json');
    expect(r.result).toMatchObject({ outcome: 'started', instanceId: 'i-0abc1234def567890', commandId: 'e8d3c0e4-71f7-4491-898f-c9b35bee5f01' });
    expect(localWorldOf(r).calls).toContain('ssm:SendCommand');
  });

  it('commandResult, command-success → completed CONTINUE (the warm-up launchLifecycle started)', () => {
    const r = invoke('commandResult', 'events/ssm/command-success.json');
    expect(r.result).toMatchObject({ outcome: 'completed', result: 'CONTINUE' });
    expect(localWorldOf(r).calls).toContain('autoscaling:CompleteLifecycleAction');
  });

  it('terminateLifecycle, terminate-lifecycle → drain started', () => {
    const r = invoke('terminateLifecycle', 'events/autoscaling/terminate-lifecycle.json');
    expect(r.result).toMatchObject({ outcome: 'started', phase: 'terminate', commandId: 'e8d3c0e4-71f7-4491-898f-c9b35bee5f07' });
  });

  it('capacitySignal, launch-unsuccessful → a Spot capacity failure recorded', () => {
    const r = invoke('capacitySignal', 'events/autoscaling/launch-unsuccessful.json');
    expect(r.result).toMatchObject({ group: 'ml-inference-gpu', signal: { kind: 'spot-launch-failure' } });
    expect(r.result.outcome).not.toBe('dropped');
    expect(localWorldOf(r).note).toMatch(NOTE);
  });

  it('reconcile, a scheduled event → both sweeps ran', () => {
    const r = invoke('reconcile', 'scheduled.json');
    expect(r.result).toMatchObject({ outcome: 'swept' });
    expect((r.result.sweeps as Array<{ name: string }>).map((s) => s.name)).toEqual(['lifecycle', 'mix']);
    expect(localWorldOf(r).calls).toContain('autoscaling:DescribeAutoScalingGroups');
  });

  it('groupSweep, one group message → the partial batch response, nothing to retry', () => {
    const r = invoke('groupSweep', 'events/sqs/group-sweep.json');
    expect(r.result).toEqual({ batchItemFailures: [] });
  });

  it('terminationPolicy, scale-in → exactly {InstanceIDs}, a subset of the candidates; the note goes to the decision log', () => {
    const r = invoke('terminationPolicy', 'events/termination-policy/scale-in.json');
    expect(Object.keys(r.result)).toEqual(['InstanceIDs']);
    const ids = r.result.InstanceIDs as string[];
    const candidates = [
      'i-0a1b2c3d4e5f60718',
      'i-0a1b2c3d4e5f60729',
      'i-0a1b2c3d4e5f6073a',
      'i-0a1b2c3d4e5f6074b',
      'i-0a1b2c3d4e5f6075c',
      'i-0b2c3d4e5f607182d',
      'i-0b2c3d4e5f607183e',
      'i-0b2c3d4e5f607184f',
      'i-0b2c3d4e5f6071850',
    ];
    expect(ids.length).toBeGreaterThan(0);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(candidates).toContain(id);
    const decisionLine = r.stdout.split('\n').find((line) => line.includes('"message":"decision"'));
    expect(JSON.parse(decisionLine ?? '{}').decision?.localWorld?.note).toMatch(NOTE);
  });
});
