/**
 * The per-group metrics of docs/metrics.md, as the handlers write them (EMF through Powertools
 * Metrics, captured from stdout): every value carries `{service, group, profile}` and the `{service}`
 * roll-up the alarms read. A warm-up ends as exactly one of succeeded / abandoned / failed-continued
 * (CONTINUE after a failure is not a success); the termination policy counts its answers and each
 * fallback with its reason; the mix controller reports the On-Demand share, its target and its changes.
 */
import { CompleteLifecycleActionCommand } from '@aws-sdk/client-auto-scaling';
import { GetCommandInvocationCommand } from '@aws-sdk/client-ssm';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createMain as commandResultMain } from '../../functions/command-result';
import { createMain as launchMain } from '../../functions/launch-lifecycle';
import { createMain as reconcileMain, createSweeps } from '../../functions/reconcile';
import { createMain as terminateMain } from '../../functions/terminate-lifecycle';
import { parseConfig } from '../../shared/config';
import type { LifecycleDeps } from '../../shared/lifecycle/deps';
import { HookCache } from '../../shared/lifecycle/lifecycle-sweep';
import { InstanceDirectory } from '../../shared/aws/instance-directory';
import { captureEmf } from '../support/emf';
import { loadEvent } from '../support/fixtures';
import { commandId } from '../unit/lifecycle/support';
import { asgMock, resetMocks, sdkDeps, ssmMock } from '../unit/lifecycle/sdk-world';

const GROUP_SETS = [['service', 'group', 'profile'], ['service']];
const LABELS = { service: 'asg-orchestrator', group: 'ml-inference-gpu', profile: 'gpu-inference' };

const result = (file: string, id: string, document?: string): unknown => {
  const e = loadEvent(file) as { detail: Record<string, unknown> };
  e.detail['command-id'] = id;
  if (document) e.detail['document-name'] = document;
  return e;
};

const WARMUP = ['WarmupSucceeded', 'WarmupAbandoned', 'WarmupFailedContinued', 'WarmupRetried'];

afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

describe('warm-up metrics (commandResult)', () => {
  beforeEach(() => resetMocks());

  it('success: WarmupSucceeded 1 and the duration from the lifecycle action, per group and rolled up', async () => {
    const { deps, clock } = sdkDeps();
    await launchMain(deps)(loadEvent('autoscaling/launch-lifecycle.json'));
    const emf = captureEmf();
    clock.now += 95_000;
    await commandResultMain(deps)(result('ssm/command-success.json', commandId(1)));
    expect(emf.names().filter((n) => n.startsWith('Warmup'))).toEqual(['WarmupSucceeded', 'WarmupDurationSeconds']);
    expect(emf.points('WarmupSucceeded')).toEqual([{ value: 1, unit: 'Count', namespace: 'AsgOrchestrator', dimensionSets: GROUP_SETS, dimensions: LABELS }]);
    expect(emf.points('WarmupDurationSeconds')).toEqual([expect.objectContaining({ value: 95, unit: 'Seconds', dimensions: LABELS })]);
  });

  it('a failed attempt with attempts left: WarmupRetried, no end counted', async () => {
    const { deps } = sdkDeps();
    await launchMain(deps)(loadEvent('autoscaling/launch-lifecycle.json'));
    const emf = captureEmf();
    await commandResultMain(deps)(result('ssm/command-failed.json', commandId(1)));
    expect(emf.names().filter((n) => WARMUP.includes(n))).toEqual(['WarmupRetried']);
    expect(emf.points('WarmupRetried')[0]).toMatchObject({ value: 1, dimensionSets: GROUP_SETS, dimensions: LABELS });
  });

  it('the last attempt fails: ABANDON counts WarmupAbandoned, never WarmupSucceeded', async () => {
    const { deps } = sdkDeps();
    await launchMain(deps)(loadEvent('autoscaling/launch-lifecycle.json'));
    const emf = captureEmf();
    const main = commandResultMain(deps);
    await main(result('ssm/command-failed.json', commandId(1)));
    await main(result('ssm/command-failed.json', commandId(2)));
    await main(result('ssm/command-failed.json', commandId(3)));
    expect(asgMock).toHaveReceivedCommandWith(CompleteLifecycleActionCommand, { LifecycleActionResult: 'ABANDON' });
    expect(emf.names().filter((n) => WARMUP.includes(n))).toEqual(['WarmupRetried', 'WarmupRetried', 'WarmupAbandoned']);
  });

  it('onFailure continue: the CONTINUE after a failure counts WarmupFailedContinued, not a success', async () => {
    const { deps } = sdkDeps();
    const cfg = parseConfig({ version: 1, profiles: { 'gpu-inference': { mode: 'enforce', warmup: { maxAttempts: 1, onFailure: 'continue' } } } });
    const withCfg: LifecycleDeps = { ...deps, config: () => cfg };
    await launchMain(withCfg)(loadEvent('autoscaling/launch-lifecycle.json'));
    const emf = captureEmf();
    await commandResultMain(withCfg)(result('ssm/command-failed.json', commandId(1)));
    expect(asgMock).toHaveReceivedCommandWith(CompleteLifecycleActionCommand, { LifecycleActionResult: 'CONTINUE' });
    expect(emf.names().filter((n) => WARMUP.includes(n))).toEqual(['WarmupFailedContinued']);
  });

  it('a completion that finds the action already over counts nothing', async () => {
    const { deps } = sdkDeps();
    await launchMain(deps)(loadEvent('autoscaling/launch-lifecycle.json'));
    asgMock.on(CompleteLifecycleActionCommand).rejects(
      Object.assign(new Error('No active Lifecycle Action found with instance ID i-0abc1234def567890'), {
        name: 'ValidationError',
        $metadata: { httpStatusCode: 400 },
      }),
    );
    const emf = captureEmf();
    await commandResultMain(deps)(result('ssm/command-success.json', commandId(1)));
    expect(emf.names()).toEqual([]);
  });
});

describe('drain metrics', () => {
  it('a drain that ends: its duration; a drain past its budget: DrainTimedOut too', async () => {
    resetMocks([{ InstanceId: 'i-0abc1234def567890', LifecycleState: 'Terminating:Wait' }]);
    const { deps, clock } = sdkDeps();
    await terminateMain(deps)(loadEvent('autoscaling/terminate-lifecycle.json'));
    ssmMock.on(GetCommandInvocationCommand).resolves({ Status: 'InProgress', StatusDetails: 'InProgress' });
    const emf = captureEmf();
    clock.now += 630_000; // the drain's 600 s budget is over
    const d = {
      lifecycle: deps,
      hooks: new HookCache(deps.autoScaling),
      mix: {
        config: deps.config,
        autoScaling: deps.autoScaling,
        instances: new InstanceDirectory({ describeInstances: async () => [] }),
        store: deps.store,
        publisher: deps.publisher,
      },
    };
    await reconcileMain(
      d,
      createSweeps(d).filter((s) => s.name === 'lifecycle'),
    )();
    expect(emf.points('DrainTimedOut')).toEqual([expect.objectContaining({ value: 1, dimensionSets: GROUP_SETS, dimensions: LABELS })]);
    expect(emf.points('DrainDurationSeconds')).toEqual([expect.objectContaining({ value: expect.any(Number), unit: 'Seconds' })]);
    expect(emf.points('DrainDurationSeconds')[0]?.value).toBeGreaterThanOrEqual(600);
  });

  it('a drain that succeeds: its duration and no time-out', async () => {
    resetMocks();
    const { deps, clock } = sdkDeps();
    await terminateMain(deps)(loadEvent('autoscaling/terminate-lifecycle.json'));
    const emf = captureEmf();
    clock.now += 42_000;
    await commandResultMain(deps)(result('ssm/command-drain-success.json', commandId(1)));
    expect(emf.names()).toEqual(['DrainDurationSeconds']);
  });
});
