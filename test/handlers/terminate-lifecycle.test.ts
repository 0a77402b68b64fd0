import { CompleteLifecycleActionCommand } from '@aws-sdk/client-auto-scaling';
import { PublishCommand } from '@aws-sdk/client-sns';
import { SendCommandCommand } from '@aws-sdk/client-ssm';
import { beforeEach, describe, expect, it } from 'vitest';
import { createMain } from '../../functions/terminate-lifecycle';
import { parseConfig } from '../../shared/config';
import { instancePk } from '../../shared/state/keys';
import { type LifecycleWork, lifecycleSk, newLifecycleRecord } from '../../shared/lifecycle/record';
import { loadEvent } from '../support/fixtures';
import { commandId, DOCUMENTS, T0 } from '../unit/lifecycle/support';
import { asgMock, noActiveAction, published, resetMocks, sdkDeps, snsMock, ssmMock } from '../unit/lifecycle/sdk-world';

const INSTANCE = 'i-0abc1234def567890';
const TOKEN = 'a6d0e5b8-7f1c-4cde-9a5b-9d6c2e1f0a74';
const spotDrain = (extra: Partial<LifecycleWork> = {}): LifecycleWork => ({
  instanceId: INSTANCE,
  groupName: 'ml-inference-gpu',
  profileName: 'gpu-inference',
  phase: 'terminate',
  mode: 'enforce',
  documentName: DOCUMENTS.drain,
  commandId: commandId(9),
  attempt: 1,
  maxAttempts: 1,
  status: 'running',
  startedAt: T0,
  attemptStartedAt: T0,
  deadlineAt: T0 + 90_000,
  startedBy: 'interruption-warning',
  ...extra,
});

describe('terminateLifecycle handler', () => {
  beforeEach(() => resetMocks());

  it('starts the drain with the profile timeout; delivered twice → one command', async () => {
    const { deps, store } = sdkDeps();
    const main = createMain(deps);
    expect(await main(loadEvent('autoscaling/terminate-lifecycle.json'))).toMatchObject({ outcome: 'started', commandId: commandId(1) });
    expect(ssmMock).toHaveReceivedCommandWith(SendCommandCommand, {
      DocumentName: DOCUMENTS.drain,
      InstanceIds: [INSTANCE],
      Parameters: { DrainUrl: ['http://127.0.0.1:8080/drain'], TimeoutSeconds: ['600'] },
    });
    expect((await store.get(instancePk(INSTANCE), lifecycleSk('terminate')))?.data).toMatchObject({ phase: 'terminate', status: 'running', token: TOKEN });
    expect(published()[0]).toMatchObject({ eventType: 'drain.started' });
    expect(await main(loadEvent('autoscaling/terminate-lifecycle.json'))).toMatchObject({ outcome: 'duplicate' });
    expect(ssmMock).toHaveReceivedCommandTimes(SendCommandCommand, 1);
    expect(snsMock).toHaveReceivedCommandTimes(PublishCommand, 1);
  });

  it('attaches hook and token to a drain started by a Spot interruption warning: no second command', async () => {
    const { deps, store } = sdkDeps();
    await store.putIfAbsent(newLifecycleRecord(spotDrain()));
    expect(await createMain(deps)(loadEvent('autoscaling/terminate-lifecycle.json'))).toMatchObject({ outcome: 'attached' });
    expect(ssmMock).not.toHaveReceivedAnyCommand();
    expect(asgMock).not.toHaveReceivedCommand(CompleteLifecycleActionCommand);
    expect((await store.get(instancePk(INSTANCE), lifecycleSk('terminate')))?.data).toMatchObject({
      hookName: 'asg-orchestrator-terminate',
      token: TOKEN,
      commandId: commandId(9),
    });
  });

  it('completes CONTINUE at once when that drain is already over; twice → one completion', async () => {
    const { deps, store } = sdkDeps();
    await store.putIfAbsent(newLifecycleRecord(spotDrain({ status: 'finished', lastCommandStatus: 'Success' })));
    const main = createMain(deps);
    expect(await main(loadEvent('autoscaling/terminate-lifecycle.json'))).toMatchObject({ outcome: 'completed', result: 'CONTINUE' });
    expect(await main(loadEvent('autoscaling/terminate-lifecycle.json'))).toMatchObject({ outcome: 'duplicate' });
    expect(asgMock).toHaveReceivedCommandTimes(CompleteLifecycleActionCommand, 1);
  });

  it('drain disabled: CONTINUE at once; already completed elsewhere is success (no error, no notification)', async () => {
    const { deps } = sdkDeps();
    const cfg = parseConfig({ version: 1, profiles: { 'gpu-inference': { mode: 'enforce', drain: { enabled: false } } } });
    asgMock.on(CompleteLifecycleActionCommand).rejects(noActiveAction());
    const outcome = await createMain({ ...deps, config: () => cfg })(loadEvent('autoscaling/terminate-lifecycle.json'));
    expect(outcome).toMatchObject({ outcome: 'already-done' });
    expect(asgMock).toHaveReceivedCommandWith(CompleteLifecycleActionCommand, { LifecycleActionResult: 'CONTINUE', LifecycleActionToken: TOKEN });
    expect(snsMock).not.toHaveReceivedAnyCommand();
    expect(ssmMock).not.toHaveReceivedAnyCommand();
  });

  it('drain disabled: CONTINUE at once and "drain.skipped"', async () => {
    const { deps } = sdkDeps();
    const cfg = parseConfig({ version: 1, profiles: { 'gpu-inference': { mode: 'enforce', drain: { enabled: false } } } });
    expect(await createMain({ ...deps, config: () => cfg })(loadEvent('autoscaling/terminate-lifecycle.json'))).toMatchObject({
      outcome: 'completed',
      result: 'CONTINUE',
    });
    expect(published()[0]).toMatchObject({ eventType: 'drain.skipped' });
  });

  it('observe mode: "would drain", nothing sent or completed', async () => {
    const { deps } = sdkDeps();
    const cfg = parseConfig({ version: 1, profiles: { 'gpu-inference': { mode: 'observe' } } });
    expect(await createMain({ ...deps, config: () => cfg })(loadEvent('autoscaling/terminate-lifecycle.json'))).toMatchObject({ outcome: 'observed' });
    expect(ssmMock).not.toHaveReceivedAnyCommand();
    expect(asgMock).not.toHaveReceivedCommand(CompleteLifecycleActionCommand);
    expect(published()[0]).toMatchObject({ eventType: 'drain.started', mode: 'observe' });
  });

  it('a group that did not opt in: nothing', async () => {
    const { deps, store } = sdkDeps();
    const event = loadEvent('autoscaling/terminate-lifecycle.json') as { detail: Record<string, unknown> };
    event.detail.AutoScalingGroupName = 'legacy-web';
    expect(await createMain(deps)(event)).toMatchObject({ outcome: 'skipped' });
    expect(ssmMock).not.toHaveReceivedAnyCommand();
    expect(store.dump()).toEqual([]);
  });

  it('drops a launch event (foreign to this function)', async () => {
    const { deps } = sdkDeps();
    expect(await createMain(deps)(loadEvent('autoscaling/launch-lifecycle.json'))).toMatchObject({ outcome: 'dropped', dropReason: 'foreign-event' });
    expect(asgMock).not.toHaveReceivedAnyCommand();
  });
});
