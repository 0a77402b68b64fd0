import { createAwsClients } from '../../shared/aws/all-clients';
import { AutoScalingClient, DescribeAutoScalingGroupsCommand, type Instance } from '@aws-sdk/client-auto-scaling';
import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { createDeps, createMain, handler, LOGGED_IDS } from '../../functions/termination-policy';
import { parseConfig } from '../../shared/config';
import { encodeFactsCheckpoint, FACTS_CHECKPOINT_SK, factsCheckpointChunkSk } from '../../shared/state/facts-checkpoint';
import { openHourStart, PackedFactsReader, packedFactsEntries, packedFactsFrom, packedFactsSk } from '../../shared/state/packed-facts';
import { answerQuery } from '../support/query-answer';
import { loadEvent } from '../support/fixtures';

const asg = mockClient(AutoScalingClient);
const ddb = mockClient(DynamoDBDocumentClient);
mockClient(DynamoDBClient);

const GROUP = 'ml-inference-gpu';
const NOW = Date.parse('2026-11-27T12:00:00Z');
const A_SPOT = ['i-0a1b2c3d4e5f60718', 'i-0a1b2c3d4e5f60729', 'i-0a1b2c3d4e5f6073a'];

const describeGroup = (tags: Array<{ Key: string; Value: string }>, instances: Instance[] = []) => ({
  AutoScalingGroups: [
    {
      AutoScalingGroupName: GROUP,
      AutoScalingGroupARN: `arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:x:autoScalingGroupName/${GROUP}`,
      MinSize: 0,
      MaxSize: 20,
      DesiredCapacity: 9,
      DefaultCooldown: 300,
      AvailabilityZones: ['us-east-1a', 'us-east-1b'],
      HealthCheckType: 'EC2',
      CreatedTime: new Date(NOW),
      Tags: tags.map((t) => ({ ...t, ResourceId: GROUP, ResourceType: 'auto-scaling-group', PropagateAtLaunch: true })),
      Instances: instances,
      MixedInstancesPolicy: {
        LaunchTemplate: {
          LaunchTemplateSpecification: { LaunchTemplateName: 'ml', Version: '7' },
          Overrides: [
            { InstanceType: 'g5.xlarge', WeightedCapacity: '1' },
            { InstanceType: 'g5.2xlarge', WeightedCapacity: '2' },
          ],
        },
      },
    },
  ],
});

/**
 * Answers DescribeAutoScalingGroups as AWS does: without the Instances list when IncludeInstances is false
 * (https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_DescribeAutoScalingGroups.html).
 */
const asAws = (answer: ReturnType<typeof describeGroup>) => (input: { IncludeInstances?: boolean }) =>
  input.IncludeInstances === false ? { AutoScalingGroups: answer.AutoScalingGroups.map(({ Instances: _, ...g }) => g) } : answer;

const OPTED_IN = [{ Key: 'asg-orchestrator:profile', Value: 'gpu-inference' }];
const main = (readBudgetMs = 1000) =>
  createMain({ ...createDeps(createAwsClients(), { TABLE_NAME: 'state' } as NodeJS.ProcessEnv), now: () => NOW, readBudgetMs });

const doomedItem = (instanceId: string, kind: string) => ({ pk: `group#${GROUP}`, sk: `instance#${instanceId}`, doomedKind: kind, doomedAt: NOW - 60_000 });

describe('terminationPolicy handler', () => {
  beforeEach(() => {
    asg.reset();
    ddb.reset();
    asg.on(DescribeAutoScalingGroupsCommand).callsFake(asAws(describeGroup(OPTED_IN)));
    ddb.on(QueryCommand).resolves({ Items: [] });
  });

  it('puts an instance with an interruption warning first in its bucket, within each bucket capacity', async () => {
    ddb.on(QueryCommand).resolves({ Items: [doomedItem('i-0a1b2c3d4e5f60729', 'interruption-warning')] });
    const result = await main()(loadEvent('termination-policy/scale-in.json'));
    const ids = result.instanceIds as string[];
    expect(result.outcome).toBe('decided');
    expect(ids[0]).toBe('i-0a1b2c3d4e5f60729');
    // us-east-1a spot capacity 2 → one more g5.xlarge (weight 1) fits; the g5.2xlarge (weight 2) does not.
    expect(ids.filter((id) => A_SPOT.includes(id))).toEqual(['i-0a1b2c3d4e5f60729', 'i-0a1b2c3d4e5f60718']);
    expect(new Set(ids).size).toBe(ids.length);
    // The facts checkpoint (none here), then the partition from `facts#`.
    expect(ddb).toHaveReceivedCommandTimes(QueryCommand, 2);
    expect(asg).toHaveReceivedCommandTimes(DescribeAutoScalingGroupsCommand, 1);
  });

  it("a container's first read asks for the facts checkpoint, then reads the partition from facts# when there is none", async () => {
    await main()(loadEvent('termination-policy/scale-in.json'));
    const [first, second] = ddb.commandCalls(QueryCommand).map((c) => c.args[0].input);
    expect(first).toMatchObject({ TableName: 'state', KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)' });
    expect(first?.ExpressionAttributeValues).toEqual({ ':pk': `group#${GROUP}`, ':prefix': FACTS_CHECKPOINT_SK });
    expect(second).toMatchObject({ TableName: 'state', KeyConditionExpression: 'pk = :pk AND sk >= :from' });
    expect(second?.ExpressionAttributeValues).toEqual({ ':pk': `group#${GROUP}`, ':from': 'facts#' });
  });

  it("a container's first read applies the hours since the facts checkpoint on top of it, and reads nothing older", async () => {
    const ckAt = NOW - 50 * 60_000;
    // Two hours before the checkpoint: 60729 got an interruption warning (only the checkpoint says so now).
    const old = ckAt - 2 * 3_600_000;
    const reader = new PackedFactsReader().apply(
      [
        {
          pk: `group#${GROUP}`,
          sk: packedFactsSk(old, 'i-0a1b2c3d4e5f60729'),
          expiresAt: Math.floor(NOW / 1000) + 86_400,
          f: new Set(packedFactsEntries('i-0a1b2c3d4e5f60729', { doomed: { kind: 'interruption-warning', at: old } }, old)),
        },
      ],
      ckAt,
    );
    const chunks = encodeFactsCheckpoint(reader, ckAt) ?? [];
    const checkpoint = [
      { pk: `group#${GROUP}`, sk: FACTS_CHECKPOINT_SK, data: { at: ckAt, n: chunks.length } },
      ...chunks.map((b, k) => ({ pk: `group#${GROUP}`, sk: factsCheckpointChunkSk(k), data: { at: ckAt, b } })),
    ];
    // After it: 6075c (us-east-1a On-Demand, where 6074b goes first without a fact) got a rebalance recommendation.
    const since = {
      pk: `group#${GROUP}`,
      sk: packedFactsSk(NOW - 60_000, 'i-0a1b2c3d4e5f6075c'),
      expiresAt: Math.floor(NOW / 1000) + 86_400,
      f: new Set(packedFactsEntries('i-0a1b2c3d4e5f6075c', { doomed: { kind: 'rebalance-recommendation', at: NOW - 60_000 } }, NOW - 60_000)),
    };
    ddb.on(QueryCommand).callsFake(answerQuery([...checkpoint, since]));
    const outcome = await main()(loadEvent('termination-policy/scale-in.json'));
    // The decision log says how the partition was read.
    expect(outcome).toMatchObject({ outcome: 'decided', stateRead: 'checkpoint' });
    const ids = outcome.instanceIds as string[];
    expect(ids.filter((id) => A_SPOT.includes(id))).toEqual(['i-0a1b2c3d4e5f60729', 'i-0a1b2c3d4e5f60718']);
    expect(ids).toContain('i-0a1b2c3d4e5f6075c');
    expect(ids).not.toContain('i-0a1b2c3d4e5f6074b');
    const froms = ddb.commandCalls(QueryCommand).map((c) => c.args[0].input.ExpressionAttributeValues);
    expect(froms).toEqual([
      { ':pk': `group#${GROUP}`, ':prefix': FACTS_CHECKPOINT_SK },
      { ':pk': `group#${GROUP}`, ':from': packedFactsFrom(openHourStart(ckAt)) },
    ]);
  });

  it('a warm container reads only the hours of facts that can still change, and keeps what it read before', async () => {
    let now = NOW;
    const run = createMain({ ...createDeps(createAwsClients(), { TABLE_NAME: 'state' } as NodeJS.ProcessEnv), now: () => now, readBudgetMs: 1000 });
    // Two hours ago: 60729 launched long ago; 60718 got an interruption warning.
    const old = NOW - 2 * 3_600_000;
    const oldItem = (id: string, facts: Parameters<typeof packedFactsEntries>[1]) => ({
      pk: `group#${GROUP}`,
      sk: packedFactsSk(old, id),
      expiresAt: Math.floor(NOW / 1000) + 86_400,
      f: new Set(packedFactsEntries(id, facts, old)),
    });
    ddb.on(QueryCommand).resolves({ Items: [oldItem('i-0a1b2c3d4e5f60718', { doomed: { kind: 'interruption-warning', at: old } })] });
    const first = await run(loadEvent('termination-policy/scale-in.json'));
    expect(first.instanceIds?.[0]).toBe('i-0a1b2c3d4e5f60718');
    expect(first.stateRead).toBe('whole');
    expect(ddb.commandCalls(QueryCommand).map((c) => c.args[0].input.KeyConditionExpression)).toEqual([
      'pk = :pk AND begins_with(sk, :prefix)',
      'pk = :pk AND sk >= :from',
    ]);

    // Ten minutes later the partition is read from the first hour that can still gain a write; the
    // warning read before still counts (its hour is no longer read).
    now = NOW + 10 * 60_000;
    ddb.on(QueryCommand).resolves({ Items: [] });
    const again = await run(loadEvent('termination-policy/scale-in.json'));
    expect(again.instanceIds?.[0]).toBe('i-0a1b2c3d4e5f60718');
    expect(again.stateRead).toBe('open hours');
    const second = ddb.commandCalls(QueryCommand)[2]?.args[0].input;
    expect(second?.KeyConditionExpression).toBe('pk = :pk AND sk >= :from');
    expect(second?.ExpressionAttributeValues).toEqual({ ':pk': `group#${GROUP}`, ':from': packedFactsFrom(openHourStart(NOW)) });
  });

  it('reads the group without its instances (weights and tags only)', async () => {
    await main()(loadEvent('termination-policy/scale-in.json'));
    expect(asg).toHaveReceivedCommandWith(DescribeAutoScalingGroupsCommand, { AutoScalingGroupNames: [GROUP], IncludeInstances: false });
  });

  it('never returns an instance the recorded facts say is scale-in protected', async () => {
    ddb.on(QueryCommand).resolves({ Items: [{ pk: `group#${GROUP}`, sk: packedFactsSk(NOW, 'i-0a1b2c3d4e5f6074b'), 'i-0a1b2c3d4e5f6074b|p': true }] });
    const ids = (await main()(loadEvent('termination-policy/scale-in.json'))).instanceIds as string[];
    expect(ids).not.toContain('i-0a1b2c3d4e5f6074b');
    expect(ids).toContain('i-0a1b2c3d4e5f6075c');
  });

  it('the neutral order (not opted in) also leaves out what the facts say is protected, and uses no other fact', async () => {
    asg.on(DescribeAutoScalingGroupsCommand).callsFake(asAws(describeGroup([{ Key: 'team', Value: 'web' }])));
    ddb.on(QueryCommand).resolves({
      Items: [{ pk: `group#${GROUP}`, sk: packedFactsSk(NOW, 'i-0a1b2c3d4e5f60718'), 'i-0a1b2c3d4e5f60718|p': true, 'i-0a1b2c3d4e5f60729|d': `i:${NOW}` }],
    });
    const ids = (await main()(loadEvent('termination-policy/scale-in.json'))).instanceIds as string[];
    expect(ids).not.toContain('i-0a1b2c3d4e5f60718');
    // Input order by id: the doomed mark is not used.
    expect(ids[0]).toBe('i-0a1b2c3d4e5f60729');
  });

  it('orders by packed facts as by the per-instance items written before them (a packed fact wins)', async () => {
    const packed = { pk: `group#${GROUP}`, sk: packedFactsSk(NOW - 60_000, 'i-0a1b2c3d4e5f60729'), 'i-0a1b2c3d4e5f60729|d': `i:${NOW - 60_000}` };
    ddb.on(QueryCommand).resolves({ Items: [packed] });
    const fromPacked = (await main()(loadEvent('termination-policy/scale-in.json'))).instanceIds;
    ddb.on(QueryCommand).resolves({ Items: [doomedItem('i-0a1b2c3d4e5f60729', 'interruption-warning')] });
    const fromItems = (await main()(loadEvent('termination-policy/scale-in.json'))).instanceIds;
    expect(fromPacked).toEqual(fromItems);
    expect((fromPacked as string[])[0]).toBe('i-0a1b2c3d4e5f60729');
    // The per-instance item says doomed, the later packed fact says it is protected now: left out.
    ddb.on(QueryCommand).resolves({ Items: [doomedItem('i-0a1b2c3d4e5f60729', 'interruption-warning'), { ...packed, 'i-0a1b2c3d4e5f60729|p': true }] });
    expect((await main()(loadEvent('termination-policy/scale-in.json'))).instanceIds).not.toContain('i-0a1b2c3d4e5f60729');
  });

  it('logs a summary of the answer, not every id (the full lists at DEBUG only)', async () => {
    const result = await main()(loadEvent('termination-policy/scale-in.json'));
    const line = JSON.parse(JSON.stringify(result)) as Record<string, unknown>;
    expect(line.instanceIds).toBeUndefined();
    expect(line.returned).toBe((result.instanceIds as string[]).length);
    expect(line.firstIds).toEqual((result.instanceIds as string[]).slice(0, LOGGED_IDS));
  });

  it('falls back to an order from the input when the state read fails, and says so', async () => {
    ddb.on(QueryCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    const result = await main()(loadEvent('termination-policy/scale-in.json'));
    expect(result.outcome).toBe('fallback');
    expect(result.reason).toMatch(/fallback: state read failed/);
    expect(result.stateRead).toBe('failed');
    expect((result.instanceIds as string[]).length).toBeGreaterThan(0);
  });

  it('falls back when the state read is slower than the budget', async () => {
    ddb.on(QueryCommand).callsFake(() => new Promise((resolve) => setTimeout(() => resolve({ Items: [] }), 500)));
    const started = Date.now();
    const result = await main(50)(loadEvent('termination-policy/scale-in.json'));
    expect(Date.now() - started).toBeLessThan(450);
    expect(result.outcome).toBe('fallback');
    expect(result.reason).toMatch(/state read took longer than 50 ms/);
  });

  it('answers a neutral order for a group that did not opt in', async () => {
    asg.on(DescribeAutoScalingGroupsCommand).callsFake(asAws(describeGroup([{ Key: 'team', Value: 'web' }])));
    ddb.on(QueryCommand).resolves({ Items: [doomedItem('i-0a1b2c3d4e5f60729', 'interruption-warning')] });
    const result = await main()(loadEvent('termination-policy/scale-in.json'));
    expect(result.outcome).toBe('not-opted-in');
    // Input alone: the recorded warning is not used, instance id decides.
    expect((result.instanceIds as string[])[0]).toBe('i-0a1b2c3d4e5f60718');
  });

  it.each(['scale-in', 'instance-refresh', 'max-instance-lifetime', 'rebalance', 'has-more-instances'])(
    '%s sample: a valid answer through the Lambda handler',
    async (name) => {
      const ctx = { functionName: 'terminationPolicy', awsRequestId: 'r' } as unknown as Context;
      const answer = await handler(loadEvent(`termination-policy/${name}.json`), ctx);
      const input = loadEvent(`termination-policy/${name}.json`) as { Instances: Array<{ InstanceId: string }> };
      expect(Object.keys(answer)).toEqual(['InstanceIDs']);
      expect(answer.InstanceIDs.length).toBeGreaterThan(0);
      for (const id of answer.InstanceIDs) expect(input.Instances.map((i) => i.InstanceId)).toContain(id);
    },
  );

  describe('least-loaded tie-break (the profile names a per-instance CloudWatch metric)', () => {
    const cw = mockClient(CloudWatchClient);
    const leastLoaded = parseConfig({
      version: 1,
      profiles: {
        'gpu-inference': {
          mode: 'enforce',
          termination: {
            tieBreak: 'least-loaded',
            loadMetric: { namespace: 'MLServing', metricName: 'InFlightRequests', statistic: 'Average', periodSeconds: 60 },
          },
        },
      },
    });
    const llMain = (readBudgetMs = 1000) =>
      createMain({ ...createDeps(createAwsClients(), { TABLE_NAME: 'state' } as NodeJS.ProcessEnv), config: () => leastLoaded, now: () => NOW, readBudgetMs });
    const loads: Record<string, number> = { 'i-0a1b2c3d4e5f60718': 40, 'i-0a1b2c3d4e5f60729': 3, 'i-0a1b2c3d4e5f6073a': 12 };

    beforeEach(() => {
      cw.reset();
      cw.on(GetMetricDataCommand).callsFake(
        (input: { MetricDataQueries: Array<{ Id: string; MetricStat: { Metric: { Dimensions: Array<{ Value: string }> } } }> }) => ({
          MetricDataResults: input.MetricDataQueries.map((q) => {
            const id = q.MetricStat.Metric.Dimensions[0]?.Value ?? '';
            return { Id: q.Id, Values: id in loads ? [loads[id]] : [] };
          }),
        }),
      );
    });

    it('terminates the least loaded first, reading every candidate in one GetMetricData call', async () => {
      const result = await llMain()(loadEvent('termination-policy/scale-in.json'));
      const ids = result.instanceIds as string[];
      expect(result.outcome).toBe('decided');
      // us-east-1a/spot, capacity 2: the g5.xlarge with load 3 first, then the one with 40 (the g5.2xlarge, weight 2, does not fit after it).
      expect(ids.filter((id) => A_SPOT.includes(id))).toEqual(['i-0a1b2c3d4e5f60729', 'i-0a1b2c3d4e5f60718']);
      expect(cw).toHaveReceivedCommandTimes(GetMetricDataCommand, 1);
      expect(cw).toHaveReceivedCommandWith(GetMetricDataCommand, { ScanBy: 'TimestampDescending' });
    });

    it('falls back (unknown loads sort last) when the metric read fails, and says so', async () => {
      cw.on(GetMetricDataCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'Throttling' }));
      const result = await llMain()(loadEvent('termination-policy/scale-in.json'));
      expect(result.outcome).toBe('fallback');
      expect(result.reason).toMatch(/load metric read failed/);
      expect((result.instanceIds as string[]).length).toBeGreaterThan(0);
    });

    it('does not read the metric for other tie-breaks', async () => {
      await main()(loadEvent('termination-policy/scale-in.json'));
      expect(cw).not.toHaveReceivedAnyCommand();
    });
  });

  it('answers an empty list, not an exception, for malformed input', async () => {
    const ctx = { functionName: 'terminationPolicy', awsRequestId: 'r' } as unknown as Context;
    for (const input of [loadEvent('termination-policy/malformed.json'), null, 'x', { Instances: 5 }]) {
      expect(await handler(input, ctx)).toEqual({ InstanceIDs: [] });
    }
    expect(asg).not.toHaveReceivedAnyCommand();
  });
});
