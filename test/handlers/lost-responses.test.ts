/**
 * Issue 13 item 7: an answer lost under the SDK's own retries. The service acted, the answer never
 * arrived (ECONNRESET), the SDK (adaptive retry, 4 attempts: shared/aws/clients.ts) sent the request
 * again, and the second answer describes the first attempt's effect:
 * - CompleteLifecycleAction → "No active Lifecycle Action found": that is our own completion, which
 *   the README promises to notify, not an action that was "already over";
 * - a conditional PutItem → ConditionalCheckFailedException on our own write: read back and compare,
 *   or the lifecycle record's create is taken for a duplicate and the warm-up is never sent.
 * The loss is injected below the SDK (test/support/lossy-http.ts), so the SDK's retry really runs.
 */
import { PublishCommand } from '@aws-sdk/client-sns';
import { SendCommandCommand } from '@aws-sdk/client-ssm';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { beforeEach, describe, expect, it } from 'vitest';
import { createMain as commandResultMain } from '../../functions/command-result';
import { createMain as launchMain } from '../../functions/launch-lifecycle';
import { SdkAutoScaling } from '../../shared/aws/auto-scaling';
import { DynamoStateStore } from '../../shared/aws/state-store';
import { loadEvent } from '../support/fixtures';
import { SdkSsm } from '../../shared/aws/ssm';
import { WireAutoScaling, WireDynamo, WireSsm } from '../support/lossy-http';
import { commandId, GROUP } from '../unit/lifecycle/support';
import { published, resetMocks, sdkDeps, snsMock, ssmMock } from '../unit/lifecycle/sdk-world';

const INSTANCE = 'i-0abc1234def567890';
const TOKEN = 'c2f6a1d4-3b7e-4e9a-9c1d-5f2e8a7b6c30';
const REF = { groupName: GROUP, hookName: 'asg-orchestrator-launch', instanceId: INSTANCE, token: TOKEN };

const storeOver = (wire: WireDynamo): DynamoStateStore =>
  new DynamoStateStore(DynamoDBDocumentClient.from(wire.client(), { marshallOptions: { removeUndefinedValues: true } }), 'state');

const record = (version: number, data: Record<string, unknown>) => ({ pk: 'instance#i-1', sk: 'lifecycle#launch', version, data });

describe('conditional writes whose success was lost (DynamoStateStore over the real DynamoDB client)', () => {
  it('putIfAbsent: the SDK retry fails the condition on our own item; read back, it is ours → true', async () => {
    const wire = new WireDynamo();
    wire.http.lose = (n) => n === 1;
    const store = storeOver(wire);
    expect(await store.putIfAbsent(record(1, { status: 'sending', token: TOKEN }))).toBe(true);
    expect(wire.http.lost).toBe(1);
    expect(wire.http.requests).toEqual(['PutItem', 'PutItem', 'GetItem']);
    expect(await store.get('instance#i-1', 'lifecycle#launch')).toEqual(record(1, { status: 'sending', token: TOKEN }));
  });

  it('putIfVersion: same, for the versioned claim', async () => {
    const wire = new WireDynamo();
    const store = storeOver(wire);
    await store.putIfAbsent(record(1, { status: 'sending' }));
    wire.http.lose = (n, op) => n === 2 && op === 'PutItem';
    expect(await store.putIfVersion(record(2, { status: 'running', commandId: commandId(1), skipped: undefined }), 1)).toBe(true);
    expect(wire.http.lost).toBe(1);
    expect(await store.get('instance#i-1', 'lifecycle#launch')).toEqual(record(2, { status: 'running', commandId: commandId(1) }));
  });

  it("another writer's item is still a lost race, answer lost or not → false", async () => {
    const wire = new WireDynamo();
    const store = storeOver(wire);
    await store.putIfAbsent(record(1, { status: 'sending', token: 'another-invocation' }));
    wire.http.lose = (n) => n === 2;
    expect(await store.putIfAbsent(record(1, { status: 'sending', token: TOKEN }))).toBe(false);
    expect(wire.http.requests).toEqual(['PutItem', 'PutItem', 'PutItem', 'GetItem']);
    // The first attempt met the condition failure too: without a retry there is nothing to read back.
    wire.http.lose = () => false;
    expect(await store.putIfAbsent(record(1, { status: 'sending', token: 'another-invocation' }))).toBe(false);
    expect(wire.http.requests.at(-1)).toBe('PutItem');
  });
});

describe('CompleteLifecycleAction whose success was lost (SdkAutoScaling over the real Auto Scaling client)', () => {
  it('the retry answers "No active Lifecycle Action found": our own completion → done', async () => {
    const wire = new WireAutoScaling();
    wire.open.add(TOKEN);
    wire.http.lose = (n) => n === 1;
    expect(await new SdkAutoScaling(wire.client()).completeLifecycleAction(REF, 'CONTINUE')).toBe('done');
    expect(wire.completions).toEqual([{ token: TOKEN, result: 'CONTINUE' }]);
    expect(wire.http.requests).toEqual(['CompleteLifecycleAction', 'CompleteLifecycleAction']);
  });

  it('an action over before our first attempt (nothing lost) is still "already over"', async () => {
    const wire = new WireAutoScaling();
    expect(await new SdkAutoScaling(wire.client()).completeLifecycleAction(REF, 'CONTINUE')).toBe('already-done');
    expect(wire.http.requests).toEqual(['CompleteLifecycleAction']);
  });
});

describe('SendCommand whose success was lost (SdkSsm over the real SSM client)', () => {
  const input = {
    documentName: 'warm',
    instanceId: INSTANCE,
    parameters: { ModelUris: ['s3://b/m/'] },
    timeoutSeconds: 600,
    comment: 'asg-orchestrator warm-up attempt 1',
  };

  it('not re-sent by the SDK (no idempotency token): one command, and the caller gets a retryable error', async () => {
    const wire = new WireSsm(() => Date.now());
    wire.http.lose = (n) => n === 1;
    const error = await new SdkSsm(wire.client()).sendCommand(input).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'AwsCallError', disposition: 'retry', awsErrorName: 'SendCommandOutcomeUnknown' });
    expect(wire.commands).toHaveLength(1);
  });

  it('a throttled attempt (refused: nothing sent) is still retried by the SDK', async () => {
    const wire = new WireSsm(() => Date.now());
    let refused = 0;
    const client = wire.client();
    // Below the SDK's retry loop, above the wire: the first attempt is refused as SSM throttles, before it is sent.
    client.middlewareStack.add(
      (next) => async (args) => {
        if (refused === 0) {
          refused += 1;
          throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $fault: 'client', $metadata: { httpStatusCode: 400 } });
        }
        return next(args);
      },
      { step: 'finalizeRequest', priority: 'low', name: 'throttleOnce' },
    );
    expect(await new SdkSsm(client).sendCommand(input)).toBe(wire.commands[0]?.CommandId);
    expect(refused).toBe(1);
    expect(wire.commands).toHaveLength(1);
  });
});

describe('handlers: one command, one completion, one notification', () => {
  beforeEach(() => resetMocks());

  it('launchLifecycle: the record create lost its answer → still one warm-up sent, "started" published', async () => {
    const wire = new WireDynamo();
    wire.http.lose = (n) => n === 1;
    const { deps } = sdkDeps();
    const outcome = await launchMain({ ...deps, store: storeOver(wire) })(loadEvent('autoscaling/launch-lifecycle.json'));
    expect(outcome).toMatchObject({ outcome: 'started', commandId: commandId(1) });
    expect(wire.http.lost).toBe(1);
    expect(ssmMock).toHaveReceivedCommandTimes(SendCommandCommand, 1);
    expect(published().map((m) => m.eventType)).toEqual(['warmup.started']);
  });

  it('launchLifecycle: SendCommand lost its answer → the invocation fails (retry); its retry adopts that command: one command in all', async () => {
    const { deps, clock } = sdkDeps();
    const wire = new WireSsm(() => clock.now);
    wire.http.lose = (n, op) => n === 1 && op === 'SendCommand';
    const main = launchMain({ ...deps, ssm: new SdkSsm(wire.client()) });
    const first = await main(loadEvent('autoscaling/launch-lifecycle.json')).catch((e: unknown) => e);
    expect(first).toMatchObject({ disposition: 'retry' });
    // Lambda retries an asynchronous invocation about a minute later; the claim is stale by then.
    clock.now += 61_000;
    const retry = await main(loadEvent('autoscaling/launch-lifecycle.json'));
    expect(retry).toMatchObject({ adopted: true, commandId: wire.commands[0]?.CommandId });
    expect(wire.commands).toHaveLength(1);
    expect(wire.http.requests).toEqual(['SendCommand', 'ListCommands']);
  });

  it('commandResult Success: CompleteLifecycleAction lost its answer → completed once, "warm-up succeeded" published', async () => {
    const { deps } = sdkDeps();
    await launchMain(deps)(loadEvent('autoscaling/launch-lifecycle.json'));
    const wire = new WireAutoScaling();
    wire.open.add(TOKEN);
    wire.http.lose = (n) => n === 1;
    const e = loadEvent('ssm/command-success.json') as { detail: Record<string, unknown> };
    e.detail['command-id'] = commandId(1);
    const outcome = await commandResultMain({ ...deps, autoScaling: new SdkAutoScaling(wire.client()) })(e);
    expect(outcome).toMatchObject({ outcome: 'completed', result: 'CONTINUE' });
    expect(wire.completions).toEqual([{ token: TOKEN, result: 'CONTINUE' }]);
    expect(snsMock).toHaveReceivedCommandTimes(PublishCommand, 2);
    expect(published().map((m) => m.eventType)).toEqual(['warmup.started', 'warmup.succeeded']);
  });
});
