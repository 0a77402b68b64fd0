import {
  CompleteLifecycleActionCommand,
  DescribeAutoScalingGroupsCommand,
  DescribeLifecycleHooksCommand,
  RecordLifecycleActionHeartbeatCommand,
} from '@aws-sdk/client-auto-scaling';
import { DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { GetCommandInvocationCommand, SendCommandCommand } from '@aws-sdk/client-ssm';
import { BatchGetCommand, DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import type { Context } from 'aws-lambda';
import { beforeEach, describe, expect, it } from 'vitest';
import { createMain as launchMain } from '../../functions/launch-lifecycle';
import { createMain, createSweeps, handler, type ReconcileOutcome } from '../../functions/reconcile';
import type { LifecycleDeps } from '../../shared/lifecycle/deps';
import { HookCache } from '../../shared/lifecycle/lifecycle-sweep';
import type { Sweep } from '../../shared/runtime/sweep-runner';
import { InstanceDirectory } from '../../shared/aws/instance-directory';
import { instancePk } from '../../shared/state/keys';
import { lifecycleSk } from '../../shared/lifecycle/record';
import { loadEvent } from '../support/fixtures';
import { commandId } from '../unit/lifecycle/support';
import { asgMock, noActiveAction, published, resetMocks, sdkDeps, ssmMock } from '../unit/lifecycle/sdk-world';

const INSTANCE = 'i-0abc1234def567890';
const waitingLaunch = [{ InstanceId: INSTANCE, LifecycleState: 'Pending:Wait' }];
/** The mix sweep's ports over the same world; EC2 knows no instances here (the mix has its own tests). */
const mixDeps = (deps: LifecycleDeps) => ({
  config: deps.config,
  autoScaling: deps.autoScaling,
  instances: new InstanceDirectory({ describeInstances: async () => [] }),
  store: deps.store,
  publisher: deps.publisher,
});
/** These tests are about the lifecycle sweep: it alone runs unless `sweeps` says otherwise. */
const reconcile = (deps: LifecycleDeps, sweeps?: readonly Sweep[]) => {
  const d = { lifecycle: deps, hooks: new HookCache(deps.autoScaling), mix: mixDeps(deps) };
  return createMain(d, sweeps ?? createSweeps(d).filter((s) => s.name === 'lifecycle'));
};
const lifecycleSummary = (outcome: ReconcileOutcome) => outcome.sweeps[0];

describe('reconcile handler', () => {
  beforeEach(() => resetMocks(waitingLaunch));

  it('repairs a lost launch event: starts the warm-up by instance id', async () => {
    const { deps, store } = sdkDeps();
    const outcome = await reconcile(deps)();
    expect(outcome).toMatchObject({ outcome: 'swept' });
    expect(lifecycleSummary(outcome)).toMatchObject({ waiting: 1, handled: 1, leftForNextRun: 0, outcomes: { started: 1 } });
    expect(ssmMock).toHaveReceivedCommandTimes(SendCommandCommand, 1);
    expect((await store.get(instancePk(INSTANCE), lifecycleSk('launch')))?.data).toMatchObject({
      startedBy: 'reconcile',
      hookName: 'asg-orchestrator-launch',
      commandId: commandId(1),
    });
    expect(published()[0]).toMatchObject({ eventType: 'warmup.started', details: { startedBy: 'reconcile' } });
    // The next sweep sees the record: nothing more is sent.
    await reconcile(deps)();
    expect(ssmMock).toHaveReceivedCommandTimes(SendCommandCommand, 1);
  });

  it('sends a heartbeat only when the hook would time out before the next sweep (300 s timeout, 60 s sweeps)', async () => {
    const { deps, clock } = sdkDeps();
    await launchMain(deps)(loadEvent('autoscaling/launch-lifecycle.json'));
    ssmMock.on(GetCommandInvocationCommand).resolves({ Status: 'InProgress', StatusDetails: 'InProgress' });
    const main = reconcile(deps);
    for (const [at, beats] of [
      [60, 0],
      [120, 0],
      [179, 0],
      [180, 1],
      [240, 1],
      [359, 1],
      [360, 2],
    ] as const) {
      clock.now = Date.parse('2026-11-27T10:00:12Z') + at * 1000;
      await main();
      expect({ at, beats: asgMock.commandCalls(RecordLifecycleActionHeartbeatCommand).length }).toEqual({ at, beats });
    }
    expect(asgMock).toHaveReceivedCommandWith(RecordLifecycleActionHeartbeatCommand, {
      AutoScalingGroupName: 'ml-inference-gpu',
      LifecycleHookName: 'asg-orchestrator-launch',
      LifecycleActionToken: 'c2f6a1d4-3b7e-4e9a-9c1d-5f2e8a7b6c30',
    });
    expect(asgMock).toHaveReceivedCommandTimes(DescribeLifecycleHooksCommand, 1); // cached per cold start
  });

  it('abandons a warm-up past its overall budget (2700 s), once', async () => {
    const { deps, clock } = sdkDeps();
    await launchMain(deps)(loadEvent('autoscaling/launch-lifecycle.json'));
    ssmMock.on(GetCommandInvocationCommand).resolves({ Status: 'InProgress', StatusDetails: 'InProgress' });
    clock.now += 2_700_000;
    const outcome = await reconcile(deps)();
    expect(lifecycleSummary(outcome)).toMatchObject({ outcomes: { abandoned: 1 } });
    expect(asgMock).toHaveReceivedCommandWith(CompleteLifecycleActionCommand, { LifecycleActionResult: 'ABANDON' });
    expect(published().at(-1)).toMatchObject({ eventType: 'warmup.abandoned', reason: expect.stringMatching(/overall budget of 2700 s/) });
    await reconcile(deps)();
    expect(asgMock).toHaveReceivedCommandTimes(CompleteLifecycleActionCommand, 1);
  });

  it('completes a warm-up whose command finished while its result event was lost', async () => {
    const { deps, clock } = sdkDeps();
    await launchMain(deps)(loadEvent('autoscaling/launch-lifecycle.json'));
    ssmMock.on(GetCommandInvocationCommand).resolves({ Status: 'Success', StatusDetails: 'Success' });
    clock.now += 120_000;
    expect(lifecycleSummary(await reconcile(deps)())).toMatchObject({ outcomes: { completed: 1 } });
    expect(asgMock).toHaveReceivedCommandWith(CompleteLifecycleActionCommand, { LifecycleActionResult: 'CONTINUE' });
  });

  it('"No active Lifecycle Action found" on a heartbeat: record finished, no error', async () => {
    const { deps, clock, store } = sdkDeps();
    await launchMain(deps)(loadEvent('autoscaling/launch-lifecycle.json'));
    ssmMock.on(GetCommandInvocationCommand).resolves({ Status: 'InProgress', StatusDetails: 'InProgress' });
    asgMock.on(RecordLifecycleActionHeartbeatCommand).rejects(noActiveAction());
    clock.now += 200_000;
    expect(lifecycleSummary(await reconcile(deps)())).toMatchObject({ outcomes: { 'already-done': 1 }, failures: [] });
    expect((await store.get(instancePk(INSTANCE), lifecycleSk('launch')))?.data.status).toBe('finished');
  });

  it('reaches every waiting instance in one run (no fixed cap: 60 lost events, 60 warm-ups started)', async () => {
    const many = Array.from({ length: 60 }, (_, i) => ({ InstanceId: `i-${String(i).padStart(17, '0')}`, LifecycleState: 'Pending:Wait' }));
    resetMocks(many);
    const { deps } = sdkDeps();
    expect(lifecycleSummary(await reconcile(deps)())).toMatchObject({ waiting: 60, handled: 60, leftForNextRun: 0 });
    expect(ssmMock).toHaveReceivedCommandTimes(SendCommandCommand, 60);
  });

  it('isolates sweeps: a failing sweep is reported, the next still runs, and a retryable failure fails the invocation at the end', async () => {
    const { deps } = sdkDeps();
    const ran: string[] = [];
    const sweeps: Sweep[] = [
      {
        name: 'broken',
        run: async () => {
          ran.push('broken');
          throw Object.assign(new Error('Rate exceeded'), { name: 'Throttling' });
        },
      },
      {
        name: 'fine',
        run: async () => {
          ran.push('fine');
          return { name: 'fine', summary: {}, failures: [] };
        },
      },
    ];
    await expect(reconcile(deps, sweeps)()).rejects.toMatchObject({ disposition: 'retry' });
    expect(ran).toEqual(['broken', 'fine']);
    const dropOnly: Sweep[] = [
      {
        name: 'bad-input',
        run: async () => {
          throw Object.assign(new Error('bad'), { name: 'ValidationError' });
        },
      },
    ];
    expect(await reconcile(deps, dropOnly)()).toMatchObject({ outcome: 'partial' });
  });

  it('isolates groups: DescribeAutoScalingGroups failing is one retryable failure of the lifecycle sweep', async () => {
    asgMock.on(DescribeAutoScalingGroupsCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'Throttling', $metadata: { httpStatusCode: 400 } }));
    const { deps } = sdkDeps();
    await expect(reconcile(deps)()).rejects.toMatchObject({
      disposition: 'retry',
      context: { failures: [expect.objectContaining({ scope: 'lifecycle', retryable: true })] },
    });
  });

  it('runs the lifecycle sweep first, then the Spot/On-Demand mix sweep', () => {
    const { deps } = sdkDeps();
    expect(createSweeps({ lifecycle: deps, hooks: new HookCache(deps.autoScaling), mix: mixDeps(deps) }).map((s) => s.name)).toEqual(['lifecycle', 'mix']);
  });

  it('the wrapped handler runs every sweep for the scheduled event (DynamoDB and EC2 through the real adapters)', async () => {
    const ec2 = mockClient(EC2Client);
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [] });
    const dynamo = mockClient(DynamoDBDocumentClient);
    dynamo.on(GetCommand).resolves({});
    dynamo.on(PutCommand).resolves({});
    dynamo.on(QueryCommand).resolves({ Items: [] });
    dynamo.on(BatchGetCommand).resolves({ Responses: {} });
    const ctx = { functionName: 'reconcile', awsRequestId: 'r-1', invokedFunctionArn: 'arn', memoryLimitInMB: '256' } as unknown as Context;
    process.env.TOPIC_ARN = 'arn:aws:sns:us-east-1:123456789012:t';
    const outcome = await handler({ source: 'aws.events', 'detail-type': 'Scheduled Event', detail: {} }, ctx);
    expect(outcome.outcome).toBe('swept');
    expect(outcome).toMatchObject({ sweeps: [{ name: 'lifecycle' }, { name: 'mix' }] });
    expect(dynamo).toHaveReceivedCommandWith(PutCommand, {
      ConditionExpression: 'attribute_not_exists(pk)',
      Item: expect.objectContaining({ pk: `instance#${INSTANCE}`, sk: 'lifecycle#launch' }),
    });
    dynamo.restore();
    ec2.restore();
  });
});
