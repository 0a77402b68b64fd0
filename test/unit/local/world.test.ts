/**
 * The offline local world through the real SDK clients and the real adapters of shared/aws: each
 * command the adapters send is answered from events/local-world.json, errors carry the names AWS
 * uses, and the world persists between "invocations" (a reload from its state file).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EC2Client } from '@aws-sdk/client-ec2';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { SSMClient } from '@aws-sdk/client-ssm';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DynamoStateStore, SdkAutoScaling, SdkEventBus, SdkSns, SdkSsm } from '../../../shared/aws';
import { SdkEc2 } from '../../../shared/aws/ec2';
import { isAwsCallError } from '../../../shared/errors';
import { closeLocalWorld, LOCAL_WORLD_NOTE, localWorldReport, openLocalWorld, withLocalWorld } from '../../../shared/local';
import fixture from '../../../events/local-world.json';
import { evaluateCondition, LocalWorld, seedWorld, type WorldFixture } from '../../../shared/local/world';

const GROUP = 'ml-inference-gpu';
const I890 = 'i-0abc1234def567890';
const LAUNCH_TOKEN = 'c2f6a1d4-3b7e-4e9a-9c1d-5f2e8a7b6c30';

let dir: string;
let env: NodeJS.ProcessEnv;

const clients = () => {
  const config = { region: 'us-east-1', credentials: { accessKeyId: 'never', secretAccessKey: 'used' }, maxAttempts: 1 };
  return {
    asg: new SdkAutoScaling(withLocalWorld(new AutoScalingClient(config), 'autoscaling', env)),
    ssm: new SdkSsm(withLocalWorld(new SSMClient(config), 'ssm', env)),
    sns: new SdkSns(withLocalWorld(new SNSClient(config), 'sns', env)),
    snsClient: withLocalWorld(new SNSClient(config), 'sns', env),
    bus: new SdkEventBus(withLocalWorld(new EventBridgeClient(config), 'events', env)),
    ec2: new SdkEc2(withLocalWorld(new EC2Client(config), 'ec2', env)),
    store: new DynamoStateStore(DynamoDBDocumentClient.from(withLocalWorld(new DynamoDBClient(config), 'dynamodb', env)), 'any-table'),
  };
};

/** A new process: the world is read back from its state file. */
const restart = (): void => closeLocalWorld();

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'local-world-'));
  vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  // A fresh world on disk, then "processes" that load it (no reset).
  closeLocalWorld();
  openLocalWorld({ ORCHESTRATOR_LOCAL_WORLD: '1', ORCHESTRATOR_LOCAL_WORLD_DIR: dir, ORCHESTRATOR_LOCAL_WORLD_RESET: '1' });
  closeLocalWorld();
  vi.mocked(process.stderr.write).mockClear();
  env = { ORCHESTRATOR_LOCAL_WORLD: '1', ORCHESTRATOR_LOCAL_WORLD_DIR: dir };
});

afterEach(() => {
  closeLocalWorld();
  vi.restoreAllMocks();
  rmSync(dir, { recursive: true, force: true });
});

describe('Auto Scaling', () => {
  it('describes the seeded groups by name and by opt-in tag key', async () => {
    const { asg } = clients();
    const [gpu] = await asg.describeGroups([GROUP, 'missing']);
    expect(gpu?.tags).toContainEqual({ key: 'asg-orchestrator:profile', value: 'gpu-inference' });
    expect(Object.fromEntries(gpu?.weights ?? [])).toEqual({ 'g5.xlarge': 1, 'g6.xlarge': 1, 'g5.2xlarge': 2 });
    expect(gpu?.instances.find((i) => i.instanceId === I890)).toMatchObject({ lifecycleState: 'Pending:Wait', instanceType: 'g5.xlarge' });
    expect(gpu?.launchTemplateVersion).toBe('7');
    expect((await asg.describeGroupsByTagKey('asg-orchestrator:profile')).map((g) => g.name)).toEqual([GROUP]);
    expect((await asg.describeGroups(['legacy-web']))[0]?.tags).toEqual([{ key: 'team', value: 'web' }]);
  });

  it('adds to a String Set (packed facts) across processes, each string once', async () => {
    await clients().store.addToSet('group#g', 'facts#0500000#00', 'f', ['i-1|w|10|1', 'i-1|s|10|x'], 1_900_000_000);
    restart();
    await clients().store.addToSet('group#g', 'facts#0500000#00', 'f', ['i-1|w|10|1', 'i-1|w|20|0'], 1_900_000_100);
    const [item] = await clients().store.queryPartition('group#g', { skPrefix: 'facts#' });
    expect(item).toMatchObject({ expiresAt: 1_900_000_100 });
    expect([...((item?.f ?? []) as Iterable<string>)].sort()).toEqual(['i-1|s|10|x', 'i-1|w|10|1', 'i-1|w|20|0']);
  });

  it('lists the lifecycle hooks', async () => {
    const hooks = await clients().asg.describeLifecycleHooks(GROUP);
    expect(hooks.map((h) => [h.name, h.defaultResult, h.heartbeatTimeoutSeconds])).toEqual([
      ['asg-orchestrator-launch', 'ABANDON', 300],
      ['asg-orchestrator-terminate', 'CONTINUE', 300],
    ]);
  });

  it('completes an open lifecycle action once; then answers "No active Lifecycle Action found" (already-done)', async () => {
    const { asg } = clients();
    const ref = { groupName: GROUP, hookName: 'asg-orchestrator-launch', instanceId: I890, token: LAUNCH_TOKEN };
    expect(await asg.recordLifecycleActionHeartbeat(ref)).toBe('done');
    expect(await asg.completeLifecycleAction(ref, 'CONTINUE')).toBe('done');
    expect((await asg.describeGroups([GROUP]))[0]?.instances.find((i) => i.instanceId === I890)?.lifecycleState).toBe('InService');
    expect(await asg.completeLifecycleAction(ref, 'CONTINUE')).toBe('already-done');
    expect(await asg.recordLifecycleActionHeartbeat({ ...ref, token: undefined })).toBe('already-done');
  });

  it('finds an action by instance id; ABANDON takes the instance out of the group', async () => {
    const { asg } = clients();
    await asg.completeLifecycleAction({ groupName: GROUP, hookName: 'asg-orchestrator-launch', instanceId: I890 }, 'ABANDON');
    expect((await asg.describeGroups([GROUP]))[0]?.instances.some((i) => i.instanceId === I890)).toBe(false);
  });

  it('an action unanswered for its HeartbeatTimeout takes the DefaultResult; a heartbeat restarts the timeout (lifecycle-hooks.html)', () => {
    let now = 1_000_000;
    const w = new LocalWorld(
      seedWorld(fixture as unknown as WorldFixture, now),
      () => {},
      () => now,
    );
    const ref = { AutoScalingGroupName: GROUP, LifecycleHookName: 'asg-orchestrator-launch', InstanceId: 'i-0abc1234def567891' };
    const state = (id: string) => w.state.instances.find((i) => i.id === id)?.state;
    now += 299_000;
    expect(w.answer('autoscaling', 'RecordLifecycleActionHeartbeat', ref)).toEqual({});
    now += 299_000;
    expect(state('i-0abc1234def567891')).toBe('Pending:Wait');
    // The other waiting instance had no heartbeat: its launch hook's DefaultResult (ABANDON) applied at 300 s.
    w.answer('autoscaling', 'DescribeLifecycleHooks', { AutoScalingGroupName: GROUP });
    expect(() => w.answer('autoscaling', 'CompleteLifecycleAction', { ...ref, InstanceId: 'i-0abc1234def567892', LifecycleActionResult: 'CONTINUE' })).toThrow(
      /No active Lifecycle Action found/,
    );
    expect(state('i-0abc1234def567892')).toBe('Terminated');
    now += 2_000;
    expect(() => w.answer('autoscaling', 'CompleteLifecycleAction', { ...ref, LifecycleActionResult: 'CONTINUE' })).toThrow(/No active Lifecycle Action found/);
  });

  it('stores an updated InstancesDistribution and keeps what the update does not name', async () => {
    const { asg } = clients();
    const [before] = await asg.describeGroups([GROUP]);
    const policy = before?.mixedInstancesPolicy ?? {};
    await asg.updateInstancesDistribution(GROUP, { ...policy.InstancesDistribution, OnDemandBaseCapacity: 3 });
    restart();
    const [after] = await clients().asg.describeGroups([GROUP]);
    expect(after?.mixedInstancesPolicy?.InstancesDistribution).toMatchObject({ OnDemandBaseCapacity: 3, OnDemandPercentageAboveBaseCapacity: 25 });
    expect(after?.mixedInstancesPolicy?.LaunchTemplate?.Overrides).toHaveLength(3);
  });

  it('rejects an unknown group with ValidationError (drop)', async () => {
    const error = await clients()
      .asg.describeLifecycleHooks('nope')
      .catch((e: unknown) => e);
    expect(isAwsCallError(error) && [error.awsErrorName, error.disposition]).toEqual(['ValidationError', 'drop']);
  });
});

describe('SSM', () => {
  it("hands out the samples' command ids for i-0abc1234def567890, then generated ones, and reads invocations back", async () => {
    const { ssm } = clients();
    const send = (documentName: string, instanceId = I890) =>
      ssm.sendCommand({ documentName, instanceId, parameters: {}, timeoutSeconds: 60, comment: 'test' });
    expect(await send('asg-orchestrator-warmup')).toBe('e8d3c0e4-71f7-4491-898f-c9b35bee5f01');
    expect(await send('asg-orchestrator-drain')).toBe('e8d3c0e4-71f7-4491-898f-c9b35bee5f07');
    expect(await send('asg-orchestrator-warmup')).toBe('e8d3c0e4-71f7-4491-898f-c9b35bee5f02');
    expect(await send('asg-orchestrator-warmup', 'i-0a1b2c3d4e5f60718')).toBe('00000000-0000-4000-8000-000000000001');
    expect(await ssm.getCommandInvocation('e8d3c0e4-71f7-4491-898f-c9b35bee5f01', I890)).toMatchObject({ status: 'InProgress' });
    expect(await ssm.getCommandInvocation('e8d3c0e4-71f7-4491-898f-c9b35bee5f08', I890)).toBeUndefined();
  });

  it('refuses an instance it does not know (InvalidInstanceId: drop)', async () => {
    const error = await clients()
      .ssm.sendCommand({ documentName: 'd', instanceId: 'i-0000000000000dead', parameters: {}, timeoutSeconds: 60, comment: '' })
      .catch((e: unknown) => e);
    expect(isAwsCallError(error) && [error.awsErrorName, error.disposition]).toEqual(['InvalidInstanceId', 'drop']);
  });
});

describe('SNS and EventBridge', () => {
  it('records what is published, with deterministic ids', async () => {
    const { sns, bus } = clients();
    expect(await sns.publish({ topicArn: 'arn:aws:sns:us-east-1:123456789012:t', subject: 's', message: '{}', attributes: { severity: 'info' } })).toBe(
      '00000000-0000-4000-8000-000000000001',
    );
    await bus.putEvents([{ eventBusName: 'default', source: 'asg-orchestrator', detailType: 'Decision', detail: { a: 1 }, resources: [] }]);
    const state = JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8'));
    expect(state.outbox.sns[0]).toMatchObject({ subject: 's', attributes: { severity: { DataType: 'String', StringValue: 'info' } } });
    expect(state.outbox.events[0]).toMatchObject({ source: 'asg-orchestrator', detailType: 'Decision', detail: '{"a":1}' });
  });

  it('names a command it does not model, and how to get a real endpoint', async () => {
    await expect(clients().snsClient.send(new CreateTopicCommand({ Name: 'x' }))).rejects.toThrow(
      /the offline local world does not model CreateTopic.*AWS_ENDPOINT_URL.*scripts\/emulator\.ts/,
    );
  });
});

describe('DynamoDB (through DynamoStateStore)', () => {
  it('get / putIfAbsent / putIfVersion / delete, with the conditions AWS applies', async () => {
    const { store } = clients();
    const record = { pk: 'instance#i-1', sk: 'lifecycle#launch', version: 1, data: { status: 'running', n: 1 } };
    expect(await store.get(record.pk, record.sk)).toBeUndefined();
    expect(await store.putIfAbsent(record)).toBe(true);
    expect(await store.putIfAbsent(record)).toBe(false);
    expect(await store.putIfVersion({ ...record, data: { status: 'completing' } }, 1)).toBe(true);
    expect(await store.putIfVersion({ ...record, data: { status: 'lost' } }, 1)).toBe(false);
    restart();
    const again = clients().store;
    expect(await again.get(record.pk, record.sk)).toEqual({ ...record, version: 2, data: { status: 'completing' } });
    await again.delete(record.pk, record.sk);
    expect(await again.get(record.pk, record.sk)).toBeUndefined();
  });

  it('setAttributes creates or updates top-level attributes; queryPartition filters by prefix and from', async () => {
    const { store } = clients();
    await store.setAttributes('group#g', 'instance#i-2', { warming: true }, 100);
    await store.setAttributes('group#g', 'instance#i-2', { modelVersion: 'v2' });
    await store.setAttributes('group#g', 'signal#000000000000001#a', { kind: 'interruption-warning' });
    await store.setAttributes('group#g', 'mix', { base: 1 });
    expect(await store.queryPartition('group#g', { skPrefix: 'instance#' })).toEqual([
      { pk: 'group#g', sk: 'instance#i-2', warming: true, expiresAt: 100, modelVersion: 'v2' },
    ]);
    expect((await store.queryPartition('group#g')).map((i) => i.sk)).toEqual(['instance#i-2', 'mix', 'signal#000000000000001#a']);
    expect(evaluateCondition('pk = :pk AND sk >= :from', { pk: 'p', sk: 'mix' }, { ExpressionAttributeValues: { ':pk': 'p', ':from': 'mix' } })).toBe(true);
  });

  it('reads the seeded facts of the sample group', async () => {
    const items = await clients().store.queryPartition(`group#${GROUP}`, { skPrefix: 'instance#' });
    const doomed = items.find((i) => i.sk === 'instance#i-0a1b2c3d4e5f60729');
    expect(doomed).toMatchObject({ doomedKind: 'rebalance-recommendation' });
    expect(Date.now() - Number(doomed?.doomedAt)).toBeGreaterThanOrEqual(600_000);
  });

  it('refuses expressions it does not model, by name', () => {
    expect(() => evaluateCondition('size(a) > :n', {}, {})).toThrow(/does not model the expression "size\(a\) > :n"/);
  });
});

describe('EC2', () => {
  it('describes sample instances by instance-id filter; unknown ids are absent', async () => {
    const found = await clients().ec2.describeInstances([I890, 'i-0fed9876cba543210', 'i-0000000000000dead']);
    expect(found.map((i) => [i.instanceId, i.market, i.groupName, i.availabilityZone])).toEqual([
      [I890, 'spot', GROUP, 'us-east-1a'],
      ['i-0fed9876cba543210', 'on-demand', 'legacy-web', 'us-east-1a'],
    ]);
    expect(typeof found[0]?.launchTime).toBe('number');
  });
});

describe('persistence, reset and report', () => {
  it('keeps state between processes; RESET=1 starts from the fixture again', async () => {
    await clients().asg.completeLifecycleAction({ groupName: GROUP, hookName: 'asg-orchestrator-launch', instanceId: I890 }, 'CONTINUE');
    restart();
    expect(openLocalWorld(env).state.instances.find((i) => i.id === I890)?.state).toBe('InService');
    restart();
    env = { ...env, ORCHESTRATOR_LOCAL_WORLD_RESET: '1' };
    expect(openLocalWorld(env).state.instances.find((i) => i.id === I890)?.state).toBe('Pending:Wait');
  });

  it('says once on stderr that the local world answers, and reports the calls it answered', async () => {
    const { asg, sns } = clients();
    await asg.describeGroups([GROUP]);
    await sns.publish({ topicArn: 't', subject: 's', message: 'm', attributes: {} });
    expect(vi.mocked(process.stderr.write)).toHaveBeenCalledTimes(1);
    expect(String(vi.mocked(process.stderr.write).mock.calls[0]?.[0])).toMatch(
      /^asg-orchestrator: offline local world \(forced by ORCHESTRATOR_LOCAL_WORLD=1\) — /,
    );
    const report = localWorldReport({ ...env, ORCHESTRATOR_LOCAL_WORLD: undefined, IS_LOCAL: 'true', HOME: dir });
    expect(report).toEqual({ note: LOCAL_WORLD_NOTE, calls: ['autoscaling:DescribeAutoScalingGroups', 'sns:Publish'] });
    expect(localWorldReport({ IS_LOCAL: 'true', HOME: dir })?.calls).toEqual([]);
    expect(localWorldReport({ AWS_LAMBDA_FUNCTION_NAME: 'f' })).toBeUndefined();
  });

  it('leaves clients untouched when the world is not active', async () => {
    const client = withLocalWorld(new SNSClient({ region: 'us-east-1' }), 'sns', { AWS_LAMBDA_FUNCTION_NAME: 'f', ORCHESTRATOR_LOCAL_WORLD: '1' });
    expect(client.middlewareStack.identify().some((m) => m.includes('asgOrchestratorLocalWorld'))).toBe(false);
  });
});
