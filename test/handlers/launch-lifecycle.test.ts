import { CompleteLifecycleActionCommand, DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { PublishCommand } from '@aws-sdk/client-sns';
import { SendCommandCommand } from '@aws-sdk/client-ssm';
import type { Context } from 'aws-lambda';
import { beforeEach, describe, expect, it } from 'vitest';
import { createMain, handler } from '../../functions/launch-lifecycle';
import { parseConfig } from '../../shared/config';
import { decodeGroupState } from '../../shared/state/group-state';
import { groupPk, instanceFactsSk, instancePk } from '../../shared/state/keys';
import { PACKED_FACTS_PREFIX } from '../../shared/state/packed-facts';
import { isClaimStale, lifecycleSk } from '../../shared/lifecycle/record';
import { loadEvent } from '../support/fixtures';
import { commandId, DOCUMENTS } from '../unit/lifecycle/support';
import { asgMock, ebMock, noActiveAction, published, resetMocks, sdkDeps, snsMock, ssmMock, TOPIC } from '../unit/lifecycle/sdk-world';

const INSTANCE = 'i-0abc1234def567890';

describe('launchLifecycle handler', () => {
  beforeEach(() => resetMocks());

  it('starts the warm-up: SendCommand with validated parameters, record written, "warm-up started" published', async () => {
    // Prepare
    const { deps, store } = sdkDeps();
    // Act
    const result = await createMain(deps)(loadEvent('autoscaling/launch-lifecycle.json'));
    // Assess
    expect(result).toMatchObject({ outcome: 'started', group: 'ml-inference-gpu', instanceId: INSTANCE, commandId: commandId(1) });
    expect(ssmMock).toHaveReceivedCommandTimes(SendCommandCommand, 1);
    expect(ssmMock).toHaveReceivedCommandWith(SendCommandCommand, {
      DocumentName: DOCUMENTS.warmup,
      InstanceIds: [INSTANCE],
      Parameters: {
        ModelUris: ['s3://my-models-bucket/llama-3-8b/ s3://my-models-bucket/tokenizers/llama-3/'],
        ReadinessUrl: ['http://127.0.0.1:8080/health'],
        CacheDir: ['/opt/models'],
        TimeoutSeconds: ['2700'],
        Mode: ['load'],
      },
      TimeoutSeconds: 2700,
    });
    const record = await store.get(instancePk(INSTANCE), lifecycleSk('launch'));
    expect(record).toMatchObject({
      version: 2,
      data: {
        status: 'running',
        attempt: 1,
        maxAttempts: 3,
        commandId: commandId(1),
        hookName: 'asg-orchestrator-launch',
        token: 'c2f6a1d4-3b7e-4e9a-9c1d-5f2e8a7b6c30',
        startedBy: 'event',
      },
    });
    expect(record?.expiresAt).toBeGreaterThan(0);
    expect(snsMock).toHaveReceivedCommandWith(PublishCommand, {
      TopicArn: TOPIC,
      MessageAttributes: expect.objectContaining({ eventType: { DataType: 'String', StringValue: 'warmup.started' } }),
    });
    expect(ebMock).toHaveReceivedCommandTimes(PutEventsCommand, 1);
    expect(asgMock).not.toHaveReceivedCommand(CompleteLifecycleActionCommand);
  });

  it('pre-stages only for a launch into a warm pool (Mode=prestage)', async () => {
    const { deps } = sdkDeps();
    await createMain(deps)(loadEvent('autoscaling/launch-lifecycle-warm-pool.json'));
    expect(ssmMock.commandCalls(SendCommandCommand)[0]?.args[0].input.Parameters?.Mode).toEqual(['prestage']);
  });

  it('treats absent Origin/Destination as an ordinary launch (Mode=load)', async () => {
    const { deps } = sdkDeps();
    await createMain(deps)(loadEvent('autoscaling/launch-lifecycle-no-origin.json'));
    expect(ssmMock.commandCalls(SendCommandCommand)[0]?.args[0].input.Parameters?.Mode).toEqual(['load']);
  });

  it.each(['autoscaling/launch-lifecycle.json', 'autoscaling/launch-lifecycle-duplicate.json'])(
    'the event delivered twice (%s after the original): no second SendCommand, no second notification',
    async (second) => {
      const { deps } = sdkDeps();
      const main = createMain(deps);
      await main(loadEvent('autoscaling/launch-lifecycle.json'));
      const again = await main(loadEvent(second));
      expect(again).toMatchObject({ outcome: 'duplicate', reason: expect.stringMatching(/already running/) });
      expect(ssmMock).toHaveReceivedCommandTimes(SendCommandCommand, 1);
      expect(snsMock).toHaveReceivedCommandTimes(PublishCommand, 1);
    },
  );

  it('leaves a group that did not opt in alone: nothing sent, written or completed', async () => {
    const { deps, store } = sdkDeps();
    const result = await createMain(deps)(loadEvent('autoscaling/launch-lifecycle-not-opted-in.json'));
    // Its hook (legacy-web-bootstrap) is not one of ours either: skipped before anything is read.
    expect(result).toMatchObject({ outcome: 'skipped', reason: expect.stringMatching(/legacy-web-bootstrap is not one of this orchestrator's hooks/) });
    expect(asgMock).not.toHaveReceivedAnyCommand();
    expect(ssmMock).not.toHaveReceivedAnyCommand();
    expect(snsMock).not.toHaveReceivedAnyCommand();
    expect(asgMock).not.toHaveReceivedCommand(CompleteLifecycleActionCommand);
    expect(store.dump()).toEqual([]);
  });

  it('warm-up disabled: completes CONTINUE at once by token and says so', async () => {
    const { deps } = sdkDeps();
    const cfg = parseConfig({ version: 1, profiles: { 'gpu-inference': { mode: 'enforce', warmup: { enabled: false } } } });
    const main = createMain({ ...deps, config: () => cfg });
    const result = await main(loadEvent('autoscaling/launch-lifecycle.json'));
    expect(result).toMatchObject({ outcome: 'completed', result: 'CONTINUE', reason: expect.stringMatching(/warm-up is disabled/) });
    expect(asgMock).toHaveReceivedCommandWith(CompleteLifecycleActionCommand, {
      AutoScalingGroupName: 'ml-inference-gpu',
      LifecycleHookName: 'asg-orchestrator-launch',
      LifecycleActionToken: 'c2f6a1d4-3b7e-4e9a-9c1d-5f2e8a7b6c30',
      LifecycleActionResult: 'CONTINUE',
    });
    expect(published()[0]).toMatchObject({ eventType: 'warmup.skipped' });
    await main(loadEvent('autoscaling/launch-lifecycle.json'));
    expect(asgMock).toHaveReceivedCommandTimes(CompleteLifecycleActionCommand, 1);
    expect(ssmMock).not.toHaveReceivedAnyCommand();
  });

  it('warm-up disabled but the action is already gone: finished, no error, nothing published', async () => {
    asgMock.on(CompleteLifecycleActionCommand).rejects(noActiveAction());
    const { deps, store } = sdkDeps();
    const cfg = parseConfig({ version: 1, profiles: { 'gpu-inference': { mode: 'enforce', warmup: { enabled: false } } } });
    const result = await createMain({ ...deps, config: () => cfg })(loadEvent('autoscaling/launch-lifecycle.json'));
    expect(result.outcome).toBe('already-done');
    expect(snsMock).not.toHaveReceivedAnyCommand();
    expect((await store.get(instancePk(INSTANCE), lifecycleSk('launch')))?.data.status).toBe('finished');
  });

  it('observe mode: records and publishes "would", sends neither command nor completion', async () => {
    const { deps, store } = sdkDeps();
    const cfg = parseConfig({ version: 1, profiles: { 'gpu-inference': { mode: 'observe' } } });
    const result = await createMain({ ...deps, config: () => cfg })(loadEvent('autoscaling/launch-lifecycle.json'));
    expect(result).toMatchObject({ outcome: 'observed', reason: expect.stringMatching(/observe mode: would start/) });
    expect(ssmMock).not.toHaveReceivedAnyCommand();
    expect(asgMock).not.toHaveReceivedCommand(CompleteLifecycleActionCommand);
    expect(published()[0]).toMatchObject({ eventType: 'warmup.started', mode: 'observe', title: expect.stringMatching(/^Would/) });
    expect((await store.get(instancePk(INSTANCE), lifecycleSk('launch')))?.data).toMatchObject({ status: 'finished', mode: 'observe' });
  });

  it('SSM agent not registered yet (InvalidInstanceId): the record stays pending for the sweep, no throw', async () => {
    ssmMock
      .on(SendCommandCommand)
      .rejects(
        Object.assign(new Error('Instances [[i-0abc1234def567890]] not in a valid state'), { name: 'InvalidInstanceId', $metadata: { httpStatusCode: 400 } }),
      );
    const { deps, store } = sdkDeps();
    const result = await createMain(deps)(loadEvent('autoscaling/launch-lifecycle.json'));
    expect(result).toMatchObject({ outcome: 'send-failed', reason: expect.stringMatching(/InvalidInstanceId.*reconcile sweep resends/) });
    const data = (await store.get(instancePk(INSTANCE), lifecycleSk('launch')))?.data;
    expect(data).toMatchObject({ status: 'running' });
    expect(data?.commandId).toBeUndefined();
  });

  /** Puts the record back as an invocation that died after SendCommand left it: send claimed at T0, no id, no facts. */
  const diedAfterSend = async (store: ReturnType<typeof sdkDeps>['store']) => {
    const stored = await store.get(instancePk(INSTANCE), lifecycleSk('launch'));
    const { commandId: _sent, ...claimed } = (stored?.data ?? {}) as Record<string, unknown>;
    await store.putIfVersion(
      { ...(stored as NonNullable<typeof stored>), version: (stored?.version ?? 0) + 1, data: { ...claimed, claimedAt: claimed.startedAt } },
      stored?.version ?? 0,
    );
    // The facts the first invocation wrote (packed per hour, docs/adr/0009) are gone too.
    for (const item of await store.queryPartition(groupPk('ml-inference-gpu'))) {
      if (String(item.sk).startsWith(PACKED_FACTS_PREFIX) || item.sk === instanceFactsSk(INSTANCE)) await store.delete(String(item.pk), String(item.sk));
    }
    expect(decodeGroupState(await store.queryPartition(groupPk('ml-inference-gpu'))).facts.get(INSTANCE)).toBeUndefined();
  };

  it('a duplicate event after the first send died unrecorded: adopts the command SSM has (no second one) and writes the missing facts', async () => {
    // Prepare: the first invocation sent command 1, then died before recording it and before the facts were kept
    const { deps, store, clock } = sdkDeps();
    await createMain(deps)(loadEvent('autoscaling/launch-lifecycle.json'));
    await diedAfterSend(store);
    clock.now += 60_000;
    // Act
    const result = await createMain(deps)(loadEvent('autoscaling/launch-lifecycle.json'));
    // Assess
    expect(result).toMatchObject({ outcome: 'resumed', adopted: true, commandId: commandId(1) });
    expect(ssmMock).toHaveReceivedCommandTimes(SendCommandCommand, 1);
    const facts = decodeGroupState(await store.queryPartition(groupPk('ml-inference-gpu'))).facts.get(INSTANCE);
    expect(facts).toMatchObject({ warming: true, launchedAt: Date.parse((loadEvent('autoscaling/launch-lifecycle.json') as { time: string }).time) });
  });

  /** A sleep on the test's clock, and the invocation's remaining time on that clock (Lambda timeout 30 s). */
  const invocation = (clock: { now: number }) => {
    const ends = clock.now + 30_000;
    const slept: number[] = [];
    const sleep = async (ms: number) => {
      slept.push(ms);
      clock.now += ms;
    };
    return { slept, sleep, remainingMs: () => ends - clock.now };
  };
  const agentNotReady = () =>
    Object.assign(new Error('Instances [[i-0abc1234def567890]] not in a valid state'), { name: 'InvalidInstanceId', $metadata: { httpStatusCode: 400 } });

  it('SSM agent registers a few seconds late: the send is retried within the invocation, one command, warm-up started', async () => {
    // Prepare: refused twice (agent not registered), then accepted
    const { deps, store, clock } = sdkDeps();
    ssmMock
      .on(SendCommandCommand)
      .rejectsOnce(agentNotReady())
      .rejectsOnce(agentNotReady())
      .resolves({ Command: { CommandId: commandId(1) } });
    const inv = invocation(clock);
    // Act
    const result = await createMain({ ...deps, sleep: inv.sleep })(loadEvent('autoscaling/launch-lifecycle.json'), inv.remainingMs);
    // Assess: waited 2 s then 4 s, three SendCommand calls of which one created a command, recorded once
    expect(result).toMatchObject({ outcome: 'started', commandId: commandId(1) });
    expect(inv.slept).toEqual([2_000, 4_000]);
    expect(ssmMock).toHaveReceivedCommandTimes(SendCommandCommand, 3);
    const data = (await store.get(instancePk(INSTANCE), lifecycleSk('launch')))?.data;
    expect(data).toMatchObject({ status: 'running', attempt: 1, commandId: commandId(1) });
    expect(data?.claimedAt).toBeUndefined();
    expect(published().map((p) => p.eventType)).toEqual(['warmup.started']);
  });

  it('SSM agent still not registered when the invocation runs out of time: the claim is released for the next sweep, attempt not spent', async () => {
    // Prepare
    const { deps, store, clock } = sdkDeps();
    ssmMock.on(SendCommandCommand).rejects(agentNotReady());
    const inv = invocation(clock);
    // Act
    const result = await createMain({ ...deps, sleep: inv.sleep })(loadEvent('autoscaling/launch-lifecycle.json'), inv.remainingMs);
    // Assess: waits bounded by the 30 s invocation less the reserve; the claim dated stale now, so the sweep resends at once
    expect(result).toMatchObject({ outcome: 'send-failed', refusals: 7, reason: expect.stringMatching(/claim released/) });
    expect(inv.slept).toEqual([2_000, 4_000, 4_000, 4_000, 4_000, 4_000]);
    expect(inv.remainingMs()).toBeGreaterThanOrEqual(5_000);
    const data = (await store.get(instancePk(INSTANCE), lifecycleSk('launch')))?.data;
    expect(data).toMatchObject({ status: 'running', attempt: 1 });
    expect(data?.commandId).toBeUndefined();
    expect(isClaimStale(data as { claimedAt: number; attemptStartedAt: number }, clock.now)).toBe(true);
    // A duplicate of the event now resumes the send at once (not a minute later) and sends one command
    ssmMock.on(SendCommandCommand).resolves({ Command: { CommandId: commandId(2) } });
    expect(await createMain(deps)(loadEvent('autoscaling/launch-lifecycle.json'))).toMatchObject({ outcome: 'resumed', commandId: commandId(2) });
  });

  it('SSM agent not registered, a long invocation: the waits stop at 25 s in all whatever the time left (the claim must not go stale)', async () => {
    const { deps, clock } = sdkDeps();
    ssmMock.on(SendCommandCommand).rejects(agentNotReady());
    const slept: number[] = [];
    const sleep = async (ms: number) => {
      slept.push(ms);
      clock.now += ms;
    };
    const result = await createMain({ ...deps, sleep })(loadEvent('autoscaling/launch-lifecycle.json'), () => 600_000);
    expect(result).toMatchObject({ outcome: 'send-failed', refusals: 7 });
    expect(slept.reduce((a, b) => a + b, 0)).toBe(22_000);
  });

  it('a refusal other than InvalidInstanceId (a missing document) is not waited for: left pending, claim kept until stale', async () => {
    const { deps, store, clock } = sdkDeps();
    ssmMock.on(SendCommandCommand).rejects(Object.assign(new Error('Invalid document'), { name: 'InvalidDocument', $metadata: { httpStatusCode: 400 } }));
    const inv = invocation(clock);
    const result = await createMain({ ...deps, sleep: inv.sleep })(loadEvent('autoscaling/launch-lifecycle.json'), inv.remainingMs);
    expect(result).toMatchObject({ outcome: 'send-failed', reason: expect.stringMatching(/InvalidDocument.*left pending/) });
    expect(inv.slept).toEqual([]);
    expect(ssmMock).toHaveReceivedCommandTimes(SendCommandCommand, 1);
    const data = (await store.get(instancePk(INSTANCE), lifecycleSk('launch')))?.data;
    expect(isClaimStale(data as { claimedAt: number; attemptStartedAt: number }, clock.now)).toBe(false);
  });

  it('SSM agent not registered and no invocation time given (the sweep, invoke local): no wait, claim released', async () => {
    const { deps, store, clock } = sdkDeps();
    ssmMock.on(SendCommandCommand).rejects(agentNotReady());
    const slept: number[] = [];
    const result = await createMain({ ...deps, sleep: async (ms) => void slept.push(ms) })(loadEvent('autoscaling/launch-lifecycle.json'));
    expect(result).toMatchObject({ outcome: 'send-failed', refusals: 1 });
    expect(slept).toEqual([]);
    const data = (await store.get(instancePk(INSTANCE), lifecycleSk('launch')))?.data;
    expect(isClaimStale(data as { claimedAt: number; attemptStartedAt: number }, clock.now)).toBe(true);
  });

  it('rethrows a throttled SendCommand so Lambda retries; the retry after the claim went stale resends once', async () => {
    ssmMock.on(SendCommandCommand).rejectsOnce(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } }));
    const { deps, clock } = sdkDeps();
    const main = createMain(deps);
    await expect(main(loadEvent('autoscaling/launch-lifecycle.json'))).rejects.toMatchObject({ disposition: 'retry' });
    expect(await main(loadEvent('autoscaling/launch-lifecycle.json'))).toMatchObject({ outcome: 'duplicate' });
    clock.now += 61_000;
    ssmMock.on(SendCommandCommand).resolves({ Command: { CommandId: commandId(7) } });
    expect(await main(loadEvent('autoscaling/launch-lifecycle.json'))).toMatchObject({ outcome: 'resumed', commandId: commandId(7) });
  });

  it.each([
    ['invalid/malformed-lifecycle.json', 'malformed'],
    ['autoscaling/terminate-lifecycle.json', 'foreign-event'],
    ['ssm/command-success.json', 'foreign-event'],
    ['autoscaling/test-notification.json', 'test-notification'],
    ['invalid/unknown-detail-type.json', 'unknown-event'],
  ])('drops %s (%s) without calling AWS', async (file, dropReason) => {
    const { deps } = sdkDeps();
    expect(await createMain(deps)(loadEvent(file))).toMatchObject({ outcome: 'dropped', dropReason });
    expect(asgMock).not.toHaveReceivedAnyCommand();
    expect(ssmMock).not.toHaveReceivedAnyCommand();
  });

  it('reads the group once for a burst (tags cached per cold start)', async () => {
    const { deps } = sdkDeps();
    const main = createMain(deps);
    await main(loadEvent('autoscaling/launch-lifecycle.json'));
    await main(loadEvent('autoscaling/launch-lifecycle-warm-pool.json'));
    expect(asgMock).toHaveReceivedCommandTimes(DescribeAutoScalingGroupsCommand, 1);
  });

  it('the wrapped Lambda handler drops malformed input without throwing', async () => {
    const ctx = { functionName: 'launchLifecycle', awsRequestId: 'r-1', invokedFunctionArn: 'arn', memoryLimitInMB: '256' } as unknown as Context;
    for (const input of [null, 'garbage', { detail: {} }, loadEvent('invalid/malformed-lifecycle.json')]) {
      expect((await handler(input, ctx)).outcome).toBe('dropped');
    }
  });
});
