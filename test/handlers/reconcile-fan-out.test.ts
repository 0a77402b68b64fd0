/**
 * The reconcile fan-out (docs/adr/0008): the tick sends one SQS message per group needing work (and
 * none for idle groups), 10 per SendMessageBatch; groupSweep handles one group per record and reports
 * failures per record (partial batch response). Real adapters over aws-sdk-client-mock clients.
 */
import { DescribeAutoScalingGroupsCommand, RecordLifecycleActionHeartbeatCommand } from '@aws-sdk/client-auto-scaling';
import { SendCommandCommand } from '@aws-sdk/client-ssm';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { createMain as groupSweepMain } from '../../functions/group-sweep';
import { createMain as reconcileMain, type ReconcileDeps } from '../../functions/reconcile';
import { SdkQueue } from '../../shared/aws/sqs';
import type { LifecycleDeps } from '../../shared/lifecycle/deps';
import { HookCache } from '../../shared/lifecycle/lifecycle-sweep';
import { SWEEP_SCAN_KEY } from '../../shared/lifecycle/sweep-memory';
import { InstanceDirectory } from '../../shared/aws/instance-directory';
import { FACTS_CHECKPOINT_SK, readPartitionFirst } from '../../shared/state/facts-checkpoint';
import { decodeGroupState } from '../../shared/state/group-state';
import { GroupStateCache } from '../../shared/state/group-state-cache';
import { groupPk, MIX_SK } from '../../shared/state/keys';
import { recordFacts } from '../../shared/state/packed-facts';
import { FACTS_PROTECTION_SK } from '../../shared/state/protection';
import type { MemoryStateStore } from '../../shared/state/memory-store';
import { T0 } from '../unit/lifecycle/support';
import { asgMock, OPTED_IN_TAGS, resetMocks, sdkDeps, sdkGroup, ssmMock } from '../unit/lifecycle/sdk-world';

const sqsMock = mockClient(SQSClient);
const QUEUE_URL = 'https://sqs.us-east-1.amazonaws.com/123456789012/asg-orchestrator-test-group-sweep';

/** The listing answers these groups (without instances, as the tick asks); each group read by name answers its instances. */
const fleet = (groups: Record<string, Array<{ InstanceId: string; LifecycleState: string }>>): void => {
  asgMock
    .on(DescribeAutoScalingGroupsCommand, { Filters: [{ Name: 'tag-key', Values: ['asg-orchestrator:profile'] }] })
    .resolves({ AutoScalingGroups: Object.keys(groups).map((name) => ({ ...sdkGroup(name, OPTED_IN_TAGS), Instances: undefined })) });
  for (const [name, instances] of Object.entries(groups)) {
    asgMock.on(DescribeAutoScalingGroupsCommand, { AutoScalingGroupNames: [name] }).resolves({ AutoScalingGroups: [sdkGroup(name, OPTED_IN_TAGS, instances)] });
  }
};

/** The scan memory as earlier runs left it (docs/adr/0006): read at T0, `waiting` instances then. */
const remember = async (store: MemoryStateStore, groups: Record<string, number>, at = T0): Promise<void> => {
  const entries = Object.fromEntries(Object.entries(groups).map(([name, waiting]) => [name, { scannedAt: at, signature: '1/0/4', waiting }]));
  await store.putIfAbsent({ ...SWEEP_SCAN_KEY, version: 1, data: { groups: entries } });
};

/** The mix is at rest for these groups: no MixedInstancesPolicy, and that was reported already. */
const mixAtRest = async (store: MemoryStateStore, names: readonly string[]): Promise<void> => {
  for (const name of names) await store.putIfAbsent({ pk: groupPk(name), sk: MIX_SK, version: 1, data: { unsupportedReportedAt: T0, history: [] } });
};

const reconcileDeps = (deps: LifecycleDeps, queue = true): ReconcileDeps => ({
  lifecycle: deps,
  hooks: new HookCache(deps.autoScaling),
  mix: {
    config: deps.config,
    autoScaling: deps.autoScaling,
    instances: new InstanceDirectory({ describeInstances: async () => [] }),
    store: deps.store,
    publisher: deps.publisher,
  },
  ...(queue ? { queue: new SdkQueue(new SQSClient({ region: 'us-east-1' }), QUEUE_URL) } : {}),
});

const sentBodies = (): Array<Record<string, unknown>> =>
  sqsMock
    .commandCalls(SendMessageBatchCommand)
    .flatMap((c) => (c.args[0].input.Entries ?? []).map((e) => JSON.parse(e.MessageBody ?? '{}') as Record<string, unknown>));

const sqsEvent = (bodies: string[]): SQSEvent => ({
  Records: bodies.map((body, i) => ({
    messageId: `m-${i + 1}`,
    receiptHandle: `r-${i + 1}`,
    body,
    attributes: { ApproximateReceiveCount: '1', SentTimestamp: String(T0), SenderId: 'AROAEXAMPLE', ApproximateFirstReceiveTimestamp: String(T0) },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:asg-orchestrator-test-group-sweep',
    awsRegion: 'us-east-1',
  })),
});

describe('reconcile tick (fan-out)', () => {
  beforeEach(() => {
    resetMocks();
    sqsMock.reset();
    sqsMock.on(SendMessageBatchCommand).callsFake((input: { Entries?: Array<{ Id?: string }> }) => ({
      Successful: (input.Entries ?? []).map((e) => ({ Id: e.Id, MessageId: `msg-${e.Id}`, MD5OfMessageBody: '' })),
      Failed: [],
    }));
  });

  it('sends one message per group needing work and none for idle groups, reading no group with its instances', async () => {
    // Prepare: 'waiting-a' had instances waiting on a hook, 'new-b' was never read, 'idle-c' and
    // 'idle-d' were read a minute ago with nothing waiting; 'mix-e' is idle for lifecycle but its mix is not at rest.
    const { deps, store, clock } = sdkDeps();
    fleet({ 'waiting-a': [], 'new-b': [], 'idle-c': [], 'idle-d': [], 'mix-e': [] });
    await remember(store, { 'waiting-a': 2, 'idle-c': 0, 'idle-d': 0, 'mix-e': 0 });
    await mixAtRest(store, ['waiting-a', 'new-b', 'idle-c', 'idle-d']);
    clock.now = T0 + 60_000;
    // Act
    const outcome = await reconcileMain(reconcileDeps(deps))();
    // Assess: one message each for the three groups needing work, in one batch; nothing else done here.
    expect(sentBodies()).toEqual([
      { v: 1, group: 'waiting-a', lifecycle: 'waiting' },
      { v: 1, group: 'new-b', lifecycle: 'new' },
      { v: 1, group: 'mix-e', mix: true },
    ]);
    expect(sqsMock).toHaveReceivedCommandTimes(SendMessageBatchCommand, 1);
    expect(sqsMock).toHaveReceivedCommandWith(SendMessageBatchCommand, { QueueUrl: QUEUE_URL });
    expect(asgMock).toHaveReceivedCommandTimes(DescribeAutoScalingGroupsCommand, 1); // the listing, once, without instances
    expect(asgMock).toHaveReceivedCommandWith(DescribeAutoScalingGroupsCommand, { IncludeInstances: false });
    expect(ssmMock).toHaveReceivedCommandTimes(SendCommandCommand, 0);
    expect(outcome).toMatchObject({ outcome: 'swept' });
    expect((outcome.sweeps as Array<Record<string, unknown>>).find((s) => s.name === 'dispatch')).toMatchObject({ messages: 3, lifecycle: 2, mix: 1 });
  });

  it('sends nothing when every group is idle', async () => {
    const { deps, store, clock } = sdkDeps();
    fleet({ 'idle-c': [], 'idle-d': [] });
    await remember(store, { 'idle-c': 0, 'idle-d': 0 });
    await mixAtRest(store, ['idle-c', 'idle-d']);
    clock.now = T0 + 60_000;
    await reconcileMain(reconcileDeps(deps))();
    expect(sqsMock).toHaveReceivedCommandTimes(SendMessageBatchCommand, 0);
  });

  it('sends 10 messages per SendMessageBatch call, and fails (retryably) when SQS refused an entry on its side', async () => {
    // Prepare: 23 groups never read: every one needs a first read.
    const { deps, store } = sdkDeps();
    const names = Array.from({ length: 23 }, (_, i) => `new-${String(i).padStart(2, '0')}`);
    fleet(Object.fromEntries(names.map((n) => [n, []])));
    await mixAtRest(store, names);
    // SQS answers HTTP 200 with the first entry of the first call failed on its side (SenderFault false).
    let call = 0;
    sqsMock.on(SendMessageBatchCommand).callsFake((input: { Entries?: Array<{ Id?: string }> }) => {
      call += 1;
      const failed = call === 1 ? [{ Id: '0', Code: 'InternalError', SenderFault: false }] : [];
      return {
        Successful: (input.Entries ?? [])
          .filter((e) => !failed.some((f) => f.Id === e.Id))
          .map((e) => ({ Id: e.Id, MessageId: `msg-${e.Id}`, MD5OfMessageBody: '' })),
        Failed: failed,
      };
    });
    // Act / Assess
    await expect(reconcileMain(reconcileDeps(deps))()).rejects.toThrow(/1 retryable failure/);
    expect(sqsMock.commandCalls(SendMessageBatchCommand).map((c) => c.args[0].input.Entries?.length)).toEqual([10, 10, 3]);
    expect(new Set(sentBodies().map((b) => b.group))).toEqual(new Set(names));
  });
});

describe('groupSweep (one group per record)', () => {
  beforeEach(() => resetMocks());

  it('repairs a lost launch event of the group named in the message: one read of that group, its warm-up started', async () => {
    // Prepare: an instance of 'waiting-a' waits on the launch hook with no record (its event was lost).
    const { deps } = sdkDeps();
    fleet({ 'waiting-a': [{ InstanceId: 'i-0aaa1111bbbb22223', LifecycleState: 'Pending:Wait' }], 'other-b': [] });
    // Act
    const outcome = await groupSweepMain(reconcileDeps(deps, false))(sqsEvent([JSON.stringify({ v: 1, group: 'waiting-a', lifecycle: 'new' })]));
    // Assess
    expect(outcome).toMatchObject({ outcome: 'swept', batchItemFailures: [] });
    expect(asgMock).toHaveReceivedCommandTimes(DescribeAutoScalingGroupsCommand, 1);
    expect(asgMock).toHaveReceivedCommandWith(DescribeAutoScalingGroupsCommand, { AutoScalingGroupNames: ['waiting-a'] });
    expect(ssmMock).toHaveReceivedCommandTimes(SendCommandCommand, 1);
    expect(ssmMock).toHaveReceivedCommandWith(SendCommandCommand, { InstanceIds: ['i-0aaa1111bbbb22223'] });
  });

  it.each([
    ['an empty object', {}],
    ['null', null],
    ['an EventBridge event', { version: '0', source: 'aws.autoscaling', 'detail-type': 'EC2 Instance Launch Successful', detail: {} }],
    ['an empty batch', { Records: [] }],
    ['a batch from another source', { Records: [{ eventSource: 'aws:sns', Sns: { Message: '{}' } }] }],
  ])('drops %s (not an SQS batch) once, with no call and nothing to deliver again', async (_, event) => {
    const { deps, store } = sdkDeps();
    fleet({ 'ok-a': [] });
    const outcome = await groupSweepMain({ ...reconcileDeps(deps, false), checkpoint: { store, seen: new Map() }, protection: { store, seen: new Map() } })(
      event,
    );
    expect(outcome).toMatchObject({ outcome: 'dropped', reason: expect.stringContaining('not an SQS batch'), batchItemFailures: [] });
    expect(asgMock.calls()).toHaveLength(0);
    expect([...store.calls.values()].reduce((n, c) => n + c, 0)).toBe(0);
  });

  it('reports only the record whose group failed retryably; a foreign message is dropped, not retried', async () => {
    const { deps, clock } = sdkDeps();
    fleet({ 'ok-a': [{ InstanceId: 'i-0aaa1111bbbb22223', LifecycleState: 'Pending:Wait' }] });
    asgMock
      .on(DescribeAutoScalingGroupsCommand, { AutoScalingGroupNames: ['throttled-b'] })
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'Throttling', $metadata: { httpStatusCode: 400 } }));
    // The warm-up started at T0 and still runs: the next heartbeat is due later, nothing to send.
    clock.now = T0;
    const outcome = await groupSweepMain(reconcileDeps(deps, false))(
      sqsEvent([
        JSON.stringify({ v: 1, group: 'ok-a', lifecycle: 'waiting' }),
        JSON.stringify({ v: 1, group: 'throttled-b', lifecycle: 'waiting' }),
        '{"hello":"world"}',
      ]),
    );
    expect(outcome).toMatchObject({ outcome: 'partial', batchItemFailures: [{ itemIdentifier: 'm-2' }] });
    expect(outcome.results.map((r) => r.outcome)).toEqual(['swept', 'dropped']);
    expect(asgMock).toHaveReceivedCommandTimes(RecordLifecycleActionHeartbeatCommand, 0);
  });

  it("keeps the group's facts checkpoint current: written on first sight, left alone within the hour (no call), renewed after it", async () => {
    // Prepare: two instances' launches recorded two hours ago.
    const { deps, store, clock } = sdkDeps();
    fleet({ 'facts-a': [] });
    await recordFacts(store, 'facts-a', 'i-0aaa1111bbbb22223', { launchedAt: T0 - 7_200_000, warming: false, modelVersion: 'v7' }, T0 - 7_200_000);
    await recordFacts(store, 'facts-a', 'i-0bbb1111bbbb22223', { launchedAt: T0 - 7_000_000, warming: true }, T0 - 7_000_000);
    const seen = new Map<string, number>();
    const main = groupSweepMain({ ...reconcileDeps(deps, false), checkpoint: { store, seen } });
    const message = sqsEvent([JSON.stringify({ v: 1, group: 'facts-a', lifecycle: 'due' })]);
    const whole = async () => decodeGroupState(await store.queryPartition(groupPk('facts-a'), { skFrom: 'facts#' }), clock.now).facts;
    const firstRead = async () => {
      const read = await readPartitionFirst(store, groupPk('facts-a'), clock.now);
      return { read, facts: new GroupStateCache().update('facts-a', read.items, clock.now, read.from, read.base).facts };
    };
    // Act 1: the first sweep writes it.
    const first = await main(message);
    expect(first.results[0]).toMatchObject({ checkpoint: { outcome: 'written' } });
    expect((await store.get(groupPk('facts-a'), FACTS_CHECKPOINT_SK))?.data).toEqual({ at: T0, n: 1 });
    const fromCheckpoint = await firstRead();
    expect(fromCheckpoint.read.checkpointAt).toBe(T0);
    expect(fromCheckpoint.facts).toEqual(await whole());

    // Act 2: ten minutes later an interruption warning is recorded; the sweep leaves the checkpoint
    // alone without reading its header, and a first read still sees the warning (an hour read since).
    clock.now = T0 + 600_000;
    await recordFacts(store, 'facts-a', 'i-0bbb1111bbbb22223', { doomed: { kind: 'interruption-warning', at: clock.now } }, clock.now);
    const gets: string[] = [];
    const get = store.get.bind(store);
    store.get = async (pk, sk) => {
      gets.push(sk);
      return get(pk, sk);
    };
    expect((await main(message)).results[0]).toMatchObject({ checkpoint: { outcome: 'fresh' } });
    expect(gets).not.toContain(FACTS_CHECKPOINT_SK);
    expect((await firstRead()).facts).toEqual(await whole());

    // Act 3: past the hour it is renewed from the old checkpoint and the hours since.
    clock.now = T0 + 3_660_000;
    expect((await main(message)).results[0]).toMatchObject({
      checkpoint: { outcome: 'written', reason: expect.stringContaining('from the checkpoint of before') },
    });
    const renewed = await firstRead();
    expect(renewed.read.checkpointAt).toBe(T0 + 3_660_000);
    expect(renewed.facts.get('i-0bbb1111bbbb22223')?.doomed).toEqual({ kind: 'interruption-warning', at: T0 + 600_000 });
    expect(renewed.facts).toEqual(await whole());
  });

  it("keeps the group's scale-in protection for the termination policy: written on first sight, not again while unchanged, again when it changes", async () => {
    // Prepare: three instances in service; a user protected the first from scale in.
    const { deps, store, clock } = sdkDeps();
    const ids = ['i-0aaa1111bbbb22223', 'i-0bbb1111bbbb22223', 'i-0ccc1111bbbb22223'];
    const answer = (protectedIds: string[], newInstancesProtected = false) => {
      const group = sdkGroup(
        'guard-a',
        OPTED_IN_TAGS,
        ids.map((InstanceId) => ({ InstanceId, LifecycleState: 'InService' })),
      );
      group.Instances = group.Instances?.map((i) => ({ ...i, ProtectedFromScaleIn: protectedIds.includes(i.InstanceId ?? '') }));
      group.NewInstancesProtectedFromScaleIn = newInstancesProtected;
      asgMock.on(DescribeAutoScalingGroupsCommand, { AutoScalingGroupNames: ['guard-a'] }).resolves({ AutoScalingGroups: [group] });
    };
    answer([ids[0] as string]);
    const main = groupSweepMain({ ...reconcileDeps(deps, false), protection: { store, seen: new Map() } });
    const message = sqsEvent([JSON.stringify({ v: 1, group: 'guard-a', lifecycle: 'due' })]);
    const snapshot = async () => (await store.get(groupPk('guard-a'), FACTS_PROTECTION_SK))?.data;
    // Act and assess: first sight, then the same, then protection moved to the other two.
    expect((await main(message)).results[0]).toMatchObject({ protection: { outcome: 'written' } });
    expect(await snapshot()).toEqual({ at: T0, listed: 'protected', ids: [ids[0]] });
    clock.now = T0 + 120_000;
    expect((await main(message)).results[0]).toMatchObject({ protection: { outcome: 'unchanged' } });
    expect((await snapshot())?.at).toBe(T0);
    answer([ids[1] as string, ids[2] as string]);
    clock.now = T0 + 240_000;
    expect((await main(message)).results[0]).toMatchObject({ protection: { outcome: 'written', reason: expect.stringContaining('changed') } });
    expect(await snapshot()).toEqual({ at: T0 + 240_000, listed: 'protected', ids: [ids[1], ids[2]] });
    // The group now protects new instances: the unprotected one is named (one launched since counts protected).
    answer([ids[1] as string, ids[2] as string], true);
    clock.now = T0 + 360_000;
    expect((await main(message)).results[0]).toMatchObject({ protection: { outcome: 'written' } });
    expect(await snapshot()).toEqual({ at: T0 + 360_000, listed: 'unprotected', ids: [ids[0]] });
  });

  it('renews at most one facts checkpoint per batch: the others due are deferred to their next sweep', async () => {
    const { deps, store } = sdkDeps();
    fleet({ 'one-a': [], 'two-b': [], 'three-c': [] });
    const main = groupSweepMain({ ...reconcileDeps(deps, false), checkpoint: { store, seen: new Map() } });
    const outcome = await main(sqsEvent(['one-a', 'two-b', 'three-c'].map((group) => JSON.stringify({ v: 1, group, lifecycle: 'due' }))));
    expect(outcome.results.map((r) => ('checkpoint' in r ? r.checkpoint?.outcome : undefined))).toEqual(['written', 'deferred', 'deferred']);
    expect(await store.get(groupPk('two-b'), FACTS_CHECKPOINT_SK)).toBeUndefined();
    // The next batch has its own share.
    const next = await main(sqsEvent([JSON.stringify({ v: 1, group: 'two-b', lifecycle: 'due' })]));
    expect(next.results[0]).toMatchObject({ checkpoint: { outcome: 'written' } });
  });

  it('workers running side by side both keep what they read in the scan memory (one item, conditional writes)', async () => {
    // Prepare: two groups, each read by its own worker at the same time (MaximumConcurrency > 1).
    const { deps, store } = sdkDeps();
    fleet({ 'one-a': [{ InstanceId: 'i-0aaa1111bbbb22223', LifecycleState: 'Pending:Wait' }], 'two-b': [] });
    await remember(store, { 'one-a': 0, 'two-b': 0 }, T0 - 600_000);
    const d = reconcileDeps(deps, false);
    // Act
    await Promise.all([
      groupSweepMain(d)(sqsEvent([JSON.stringify({ v: 1, group: 'one-a', lifecycle: 'due' })])),
      groupSweepMain(d)(sqsEvent([JSON.stringify({ v: 1, group: 'two-b', lifecycle: 'due' })])),
    ]);
    // Assess: both entries were rewritten by this minute's reads (neither write lost to the other).
    const memory = (await store.get(SWEEP_SCAN_KEY.pk, SWEEP_SCAN_KEY.sk))?.data.groups as Record<string, { scannedAt: number; waiting: number }>;
    expect({ a: memory['one-a'], b: memory['two-b'] }).toEqual({
      a: expect.objectContaining({ scannedAt: T0, waiting: 1 }),
      b: expect.objectContaining({ scannedAt: T0, waiting: 0 }),
    });
  });
});
