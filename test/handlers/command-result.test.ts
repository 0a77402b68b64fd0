import { CompleteLifecycleActionCommand, DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { PublishCommand } from '@aws-sdk/client-sns';
import { GetCommandInvocationCommand, SendCommandCommand } from '@aws-sdk/client-ssm';
import { beforeEach, describe, expect, it } from 'vitest';
import { createMain as commandResultMain } from '../../functions/command-result';
import { createMain as launchMain } from '../../functions/launch-lifecycle';
import { createMain as terminateMain } from '../../functions/terminate-lifecycle';
import type { LifecycleDeps } from '../../shared/lifecycle/deps';
import { instancePk } from '../../shared/state/keys';
import { type LifecycleWork, lifecycleSk, newLifecycleRecord } from '../../shared/lifecycle/record';
import { loadEvent } from '../support/fixtures';
import { commandEvent, commandId, DOCUMENTS, T0 } from '../unit/lifecycle/support';
import { asgMock, noActiveAction, published, resetMocks, sdkDeps, snsMock, ssmMock } from '../unit/lifecycle/sdk-world';

const INSTANCE = 'i-0abc1234def567890';
const TOKEN = 'c2f6a1d4-3b7e-4e9a-9c1d-5f2e8a7b6c30';

/** The samples carry command ids e8d3…5f0N; a started warm-up's command is commandId(1): point the sample at it. */
const result = (file: string, id = commandId(1)): unknown => {
  const e = loadEvent(file) as { detail: Record<string, unknown> };
  e.detail['command-id'] = id;
  return e;
};

const started = async (): Promise<{ deps: LifecycleDeps; store: ReturnType<typeof sdkDeps>['store']; clock: { now: number } }> => {
  const w = sdkDeps();
  await launchMain(w.deps)(loadEvent('autoscaling/launch-lifecycle.json'));
  return w;
};

describe('commandResult handler (warm-up)', () => {
  beforeEach(() => resetMocks());

  it('Success → CompleteLifecycleAction CONTINUE with the token, "warm-up succeeded" with the duration', async () => {
    const { deps, clock } = await started();
    clock.now += 95_000;
    const outcome = await commandResultMain(deps)(result('ssm/command-success.json'));
    expect(outcome).toMatchObject({ outcome: 'completed', result: 'CONTINUE', phase: 'launch' });
    expect(asgMock).toHaveReceivedCommandWith(CompleteLifecycleActionCommand, {
      AutoScalingGroupName: 'ml-inference-gpu',
      LifecycleHookName: 'asg-orchestrator-launch',
      LifecycleActionToken: TOKEN,
      LifecycleActionResult: 'CONTINUE',
    });
    expect(published().at(-1)).toMatchObject({ eventType: 'warmup.succeeded', details: { durationSeconds: 95, result: 'CONTINUE' } });
    expect((await deps.store.get(instancePk(INSTANCE), lifecycleSk('launch')))?.data).toMatchObject({ status: 'completed', result: 'CONTINUE' });
  });

  it('the success delivered twice: one completion, one notification', async () => {
    const { deps } = await started();
    const main = commandResultMain(deps);
    await main(result('ssm/command-success.json'));
    expect(await main(result('ssm/command-success.json'))).toMatchObject({ outcome: 'duplicate' });
    expect(asgMock).toHaveReceivedCommandTimes(CompleteLifecycleActionCommand, 1);
    expect(snsMock).toHaveReceivedCommandTimes(PublishCommand, 2); // started + succeeded
  });

  it.each([
    'ssm/command-failed.json',
    'ssm/command-timed-out.json',
    'ssm/command-cancelled.json',
    'ssm/command-undeliverable.json',
    'ssm/command-terminated.json',
  ])('%s with attempts left → a retry (attempt 2), output excerpt in the notification; twice → still one retry', async (file) => {
    const { deps, store } = await started();
    const main = commandResultMain(deps);
    // The result of a warm-up command names the warm-up document (command-terminated.json is a drain sample).
    const warmupResult = (): unknown => {
      const e = result(file) as { detail: Record<string, unknown> };
      e.detail['document-name'] = 'asg-orchestrator-warmup';
      return e;
    };
    const outcome = await main(warmupResult());
    expect(outcome).toMatchObject({ outcome: 'retrying', attempt: 2, commandId: commandId(2) });
    expect(ssmMock).toHaveReceivedCommandTimes(SendCommandCommand, 2);
    expect(ssmMock).toHaveReceivedCommandTimes(GetCommandInvocationCommand, 1);
    expect(published().at(-1)).toMatchObject({
      eventType: 'warmup.retrying',
      severity: 'warning',
      details: { output: expect.stringMatching(/download of .* failed/) },
    });
    expect((await store.get(instancePk(INSTANCE), lifecycleSk('launch')))?.data).toMatchObject({ previousCommandIds: [commandId(1)], commandId: commandId(2) });
    expect(await main(warmupResult())).toMatchObject({ outcome: 'stale' });
    expect(ssmMock).toHaveReceivedCommandTimes(SendCommandCommand, 2);
    expect(asgMock).not.toHaveReceivedCommand(CompleteLifecycleActionCommand);
  });

  it('the last attempt fails → ABANDON with the reason and the output excerpt', async () => {
    const { deps } = await started();
    const main = commandResultMain(deps);
    await main(result('ssm/command-failed.json', commandId(1)));
    await main(result('ssm/command-timed-out.json', commandId(2)));
    const outcome = await main(result('ssm/command-failed.json', commandId(3)));
    expect(outcome).toMatchObject({ outcome: 'abandoned', result: 'ABANDON', reason: expect.stringMatching(/attempt 3\/3, no attempts left: ABANDON/) });
    expect(asgMock).toHaveReceivedCommandWith(CompleteLifecycleActionCommand, { LifecycleActionResult: 'ABANDON', LifecycleActionToken: TOKEN });
    expect(published().at(-1)).toMatchObject({
      eventType: 'warmup.abandoned',
      severity: 'error',
      details: { output: expect.stringContaining('warm-up failed') },
    });
    expect(ssmMock).toHaveReceivedCommandTimes(SendCommandCommand, 3);
    // The record's final status says how the action was answered (the sweep and duplicates read it).
    expect((await deps.store.get(instancePk(INSTANCE), lifecycleSk('launch')))?.data).toMatchObject({ status: 'abandoned', result: 'ABANDON' });
  });

  it.each(['ssm/command-in-progress.json'])('%s changes nothing', async (file) => {
    const { deps } = await started();
    expect(await commandResultMain(deps)(result(file))).toMatchObject({ outcome: 'in-progress' });
    expect(asgMock).not.toHaveReceivedCommand(CompleteLifecycleActionCommand);
    expect(ssmMock).toHaveReceivedCommandTimes(SendCommandCommand, 1);
  });

  it('a command that is not ours (no record, foreign document) is skipped without reading the group', async () => {
    const { deps } = sdkDeps();
    expect(await commandResultMain(deps)(loadEvent('ssm/command-success-foreign-document.json'))).toMatchObject({
      outcome: 'skipped',
      reason: expect.stringMatching(/not ours/),
    });
    expect(asgMock).not.toHaveReceivedAnyCommand();
  });

  it('"No active Lifecycle Action found" on complete: record finished, no error, no notification', async () => {
    const { deps, store } = await started();
    asgMock.on(CompleteLifecycleActionCommand).rejects(noActiveAction());
    const outcome = await commandResultMain(deps)(result('ssm/command-success.json'));
    expect(outcome).toMatchObject({ outcome: 'already-done' });
    expect(snsMock).toHaveReceivedCommandTimes(PublishCommand, 1); // only "started"
    expect((await store.get(instancePk(INSTANCE), lifecycleSk('launch')))?.data).toMatchObject({ status: 'finished' });
  });

  it('a throttled completion is rethrown; the retry resumes the claim once it is stale and completes once', async () => {
    const { deps, clock } = await started();
    asgMock
      .on(CompleteLifecycleActionCommand)
      .rejectsOnce(Object.assign(new Error('Rate exceeded'), { name: 'Throttling', $metadata: { httpStatusCode: 400 } }));
    const main = commandResultMain(deps);
    await expect(main(result('ssm/command-success.json'))).rejects.toMatchObject({ disposition: 'retry' });
    clock.now += 61_000;
    expect(await launchMain(deps)(loadEvent('autoscaling/launch-lifecycle.json'))).toMatchObject({ outcome: 'completed', result: 'CONTINUE' });
    expect(asgMock).toHaveReceivedCommandTimes(CompleteLifecycleActionCommand, 2);
    expect(published().at(-1)).toMatchObject({ eventType: 'warmup.succeeded' });
  });

  it('a result that arrives while its command id is being recorded is retried later (not lost)', async () => {
    const { deps, store } = sdkDeps();
    const work: LifecycleWork = {
      instanceId: INSTANCE,
      groupName: 'ml-inference-gpu',
      profileName: 'gpu-inference',
      phase: 'launch',
      mode: 'enforce',
      hookName: 'asg-orchestrator-launch',
      documentName: DOCUMENTS.warmup,
      attempt: 1,
      maxAttempts: 3,
      status: 'running',
      startedAt: T0,
      attemptStartedAt: T0,
      claimedAt: T0,
      deadlineAt: T0 + 2_700_000,
    };
    await store.putIfAbsent(newLifecycleRecord(work));
    await expect(commandResultMain(deps)(commandEvent(commandId(1), 'Success'))).rejects.toMatchObject({ disposition: 'retry' });
  });

  it('drops other events without calling AWS', async () => {
    const { deps } = sdkDeps();
    for (const file of ['autoscaling/launch-lifecycle.json', 'invalid/foreign-source.json']) {
      expect((await commandResultMain(deps)(loadEvent(file))).outcome).toBe('dropped');
    }
    expect(asgMock).not.toHaveReceivedCommand(DescribeAutoScalingGroupsCommand);
  });
});

describe('commandResult handler (drain)', () => {
  beforeEach(() => resetMocks());

  it.each([
    ['ssm/command-drain-success.json', 'drain.completed'],
    ['ssm/command-terminated.json', 'drain.failed'],
  ])('%s → CONTINUE on the terminate hook (%s); twice → one completion', async (file, type) => {
    const { deps } = sdkDeps();
    await terminateMain(deps)(loadEvent('autoscaling/terminate-lifecycle.json'));
    const main = commandResultMain(deps);
    expect(await main(result(file))).toMatchObject({ outcome: 'completed', result: 'CONTINUE', phase: 'terminate' });
    await main(result(file));
    expect(asgMock).toHaveReceivedCommandTimes(CompleteLifecycleActionCommand, 1);
    expect(asgMock).toHaveReceivedCommandWith(CompleteLifecycleActionCommand, {
      LifecycleHookName: 'asg-orchestrator-terminate',
      LifecycleActionResult: 'CONTINUE',
    });
    expect(published().at(-1)).toMatchObject({ eventType: type });
  });

  it('a drain started by an interruption warning (no hook yet) is finished, not completed; the hook then completes at once', async () => {
    const { deps, store } = sdkDeps();
    const work: LifecycleWork = {
      instanceId: INSTANCE,
      groupName: 'ml-inference-gpu',
      profileName: 'gpu-inference',
      phase: 'terminate',
      mode: 'enforce',
      documentName: DOCUMENTS.drain,
      commandId: commandId(1),
      attempt: 1,
      maxAttempts: 1,
      status: 'running',
      startedAt: T0,
      attemptStartedAt: T0,
      deadlineAt: T0 + 90_000,
      startedBy: 'interruption-warning',
    };
    await store.putIfAbsent(newLifecycleRecord(work));
    expect(await commandResultMain(deps)(result('ssm/command-drain-success.json'))).toMatchObject({ outcome: 'finished' });
    expect(asgMock).not.toHaveReceivedCommand(CompleteLifecycleActionCommand);
    expect(await terminateMain(deps)(loadEvent('autoscaling/terminate-lifecycle.json'))).toMatchObject({ outcome: 'completed', result: 'CONTINUE' });
    expect(asgMock).toHaveReceivedCommandWith(CompleteLifecycleActionCommand, {
      LifecycleActionToken: 'a6d0e5b8-7f1c-4cde-9a5b-9d6c2e1f0a74',
      LifecycleActionResult: 'CONTINUE',
    });
    expect(ssmMock).not.toHaveReceivedCommand(SendCommandCommand);
  });
});
