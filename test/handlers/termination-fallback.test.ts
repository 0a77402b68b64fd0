/**
 * The termination policy's fallback stays within the contract when its reads fail: never more
 * capacity units than asked per bucket (no weights known: nothing returned), never an instance the
 * facts at hand say is protected, and a read that misses the budget is aborted, not parsed late.
 * https://docs.aws.amazon.com/autoscaling/ec2/userguide/lambda-custom-termination-policy.html
 * And who is protected, with the group read without instances: the group worker's protection
 * snapshot in the partition (shared/state/protection.ts).
 */
import { AutoScalingClient, DescribeAutoScalingGroupsCommand, type Instance } from '@aws-sdk/client-auto-scaling';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createDeps, createMain } from '../../functions/termination-policy';
import { createAwsClients } from '../../shared/aws/all-clients';
import { packedFactsEntries, packedFactsExpiry, packedFactsSk, PACKED_FACTS_SET } from '../../shared/state/packed-facts';
import { FACTS_PROTECTION_SK } from '../../shared/state/protection';
import { captureEmf } from '../support/emf';

const asg = mockClient(AutoScalingClient);
const ddb = mockClient(DynamoDBDocumentClient);
mockClient(DynamoDBClient);

const GROUP = 'ml-inference-gpu';
const NOW = Date.parse('2026-11-27T12:00:00Z');
const WEIGHT: Record<string, number> = { 'g5.xlarge': 1, 'g5.2xlarge': 2, 'g5.4xlarge': 4 };

/** Bucket us-east-1a/spot asks for 2 units; the ids of the heavy instances sort first. */
const request = {
  AutoScalingGroupARN: `arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:x:autoScalingGroupName/${GROUP}`,
  AutoScalingGroupName: GROUP,
  CapacityToTerminate: [{ AvailabilityZone: 'us-east-1a', Capacity: 2, InstanceMarketOption: 'spot' }],
  Instances: [
    { AvailabilityZone: 'us-east-1a', InstanceId: 'i-00000000000000001', InstanceType: 'g5.2xlarge', InstanceMarketOption: 'spot' },
    { AvailabilityZone: 'us-east-1a', InstanceId: 'i-00000000000000002', InstanceType: 'g5.2xlarge', InstanceMarketOption: 'spot' },
    { AvailabilityZone: 'us-east-1a', InstanceId: 'i-00000000000000003', InstanceType: 'g5.xlarge', InstanceMarketOption: 'spot' },
    { AvailabilityZone: 'us-east-1a', InstanceId: 'i-00000000000000004', InstanceType: 'g5.xlarge', InstanceMarketOption: 'spot' },
    { AvailabilityZone: 'us-east-1a', InstanceId: 'i-00000000000000005', InstanceType: 'g5.xlarge', InstanceMarketOption: 'spot' },
  ],
  Cause: 'SCALE_IN',
};

const listing = (protectedIds: string[], omit: string[] = []): Instance[] =>
  request.Instances.filter((i) => !omit.includes(i.InstanceId)).map((i) => ({
    InstanceId: i.InstanceId,
    InstanceType: i.InstanceType,
    AvailabilityZone: i.AvailabilityZone,
    LifecycleState: 'InService',
    HealthStatus: 'Healthy',
    ProtectedFromScaleIn: protectedIds.includes(i.InstanceId),
  }));

const describeGroup = (instances: Instance[], overrides = ['g5.xlarge', 'g5.2xlarge']) => ({
  AutoScalingGroups: [
    {
      AutoScalingGroupName: GROUP,
      MinSize: 0,
      MaxSize: 20,
      DesiredCapacity: 9,
      DefaultCooldown: 300,
      AvailabilityZones: ['us-east-1a'],
      HealthCheckType: 'EC2',
      CreatedTime: new Date(NOW),
      Tags: [{ Key: 'asg-orchestrator:profile', Value: 'gpu-inference', ResourceId: GROUP, ResourceType: 'auto-scaling-group', PropagateAtLaunch: true }],
      Instances: instances,
      MixedInstancesPolicy: {
        LaunchTemplate: {
          LaunchTemplateSpecification: { LaunchTemplateName: 'ml', Version: '7' },
          Overrides: overrides.map((t) => ({ InstanceType: t, WeightedCapacity: String(WEIGHT[t]) })),
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

const throttled = () => Object.assign(new Error('Rate exceeded'), { name: 'Throttling', $metadata: { httpStatusCode: 400 } });
const units = (ids: readonly string[]) => ids.reduce((n, id) => n + (WEIGHT[request.Instances.find((i) => i.InstanceId === id)?.InstanceType ?? ''] ?? 99), 0);

describe('terminationPolicy fallback', () => {
  let deps: ReturnType<typeof createDeps>;
  beforeEach(() => {
    asg.reset();
    ddb.reset();
    deps = { ...createDeps(createAwsClients(), { TABLE_NAME: 'state' } as NodeJS.ProcessEnv), now: () => NOW, readBudgetMs: 100 };
  });

  it('both reads fail and the group was never read: no candidate can be vouched for, none is returned', async () => {
    asg.on(DescribeAutoScalingGroupsCommand).rejects(throttled());
    ddb.on(QueryCommand).rejects(throttled());
    const result = await createMain(deps)(structuredClone(request));
    expect(result.instanceIds).toEqual([]);
    expect(result.reason).toMatch(/no listing of the group/);
  });

  it('both reads fail: what this container read earlier bounds the answer (the weights, and the facts saying who is protected)', async () => {
    const main = createMain(deps);
    // Earlier: the group (weights) and the facts (i-…1 protected) were read.
    asg.on(DescribeAutoScalingGroupsCommand).callsFake(asAws(describeGroup(listing([]))));
    ddb.on(QueryCommand).resolves({ Items: [{ pk: `group#${GROUP}`, sk: packedFactsSk(NOW, 'i-00000000000000001'), 'i-00000000000000001|p': true }] });
    await main(structuredClone(request));
    asg.on(DescribeAutoScalingGroupsCommand).rejects(throttled());
    ddb.on(QueryCommand).rejects(throttled());
    const result = await main(structuredClone(request));
    const ids = result.instanceIds as string[];
    expect(units(ids)).toBeLessThanOrEqual(2);
    expect(ids).not.toContain('i-00000000000000001');
    expect(ids.length).toBeGreaterThan(0);
    expect(result.reason).toMatch(/the facts as read 0 s ago are used/);
  });

  it('a candidate type the overrides do not weigh counts as the largest weight (never more units than asked)', async () => {
    asg.on(DescribeAutoScalingGroupsCommand).callsFake(asAws(describeGroup(listing([]), ['g5.xlarge', 'g5.4xlarge'])));
    ddb.on(QueryCommand).resolves({ Items: [] });
    const ids = (await createMain(deps)(structuredClone(request))).instanceIds as string[];
    // g5.2xlarge is unweighted here: counted as 4 (> 2), so only g5.xlarge instances fit.
    expect(ids.every((id) => request.Instances.find((i) => i.InstanceId === id)?.InstanceType === 'g5.xlarge')).toBe(true);
    expect(ids).toHaveLength(2);
  });

  describe('metrics (docs/metrics.md)', () => {
    afterEach(() => {
      vi.unstubAllEnvs();
      vi.restoreAllMocks();
    });

    it('every answer counts its instances; each failed read is a fallback with its reason', async () => {
      const main = createMain(deps);
      asg.on(DescribeAutoScalingGroupsCommand).callsFake(asAws(describeGroup(listing([]))));
      ddb.on(QueryCommand).resolves({ Items: [] });
      const emf = captureEmf();
      const first = await main(structuredClone(request));
      ddb.on(QueryCommand).rejects(throttled());
      await main(structuredClone(request));
      const labels = { service: 'asg-orchestrator', group: GROUP, profile: 'gpu-inference' };
      expect(emf.points('TerminationDecisions')).toEqual([
        {
          value: (first.instanceIds as string[]).length,
          unit: 'Count',
          namespace: 'AsgOrchestrator',
          dimensionSets: [['service', 'group', 'profile'], ['service']],
          dimensions: labels,
        },
        expect.objectContaining({ unit: 'Count', dimensions: labels }),
      ]);
      expect(emf.points('TerminationFallbacks')).toEqual([
        {
          value: 1,
          unit: 'Count',
          namespace: 'AsgOrchestrator',
          dimensionSets: [['service', 'group', 'profile'], ['service', 'reason'], ['service']],
          dimensions: { ...labels, reason: 'state-read' },
        },
      ]);
    });

    it('a group that cannot be read: the fallback says group-read, the profile is unknown (none)', async () => {
      asg.on(DescribeAutoScalingGroupsCommand).rejects(throttled());
      ddb.on(QueryCommand).resolves({ Items: [] });
      const emf = captureEmf();
      await createMain(deps)(structuredClone(request));
      expect(emf.points('TerminationFallbacks').map((p) => p.dimensions)).toEqual([
        { service: 'asg-orchestrator', group: GROUP, profile: 'none', reason: 'group-read' },
      ]);
      expect(emf.points('TerminationDecisions').map((p) => p.value)).toEqual([0]);
    });
  });

  it('a group read that misses the budget is aborted (its answer is never parsed)', async () => {
    asg.on(DescribeAutoScalingGroupsCommand).callsFake(() => new Promise(() => undefined));
    ddb.on(QueryCommand).resolves({ Items: [] });
    await createMain(deps)(structuredClone(request));
    const options = (asg.commandCalls(DescribeAutoScalingGroupsCommand)[0]?.args as unknown[] | undefined)?.[1] as { abortSignal?: AbortSignal } | undefined;
    expect(options?.abortSignal?.aborted).toBe(true);
  });
});

describe('terminationPolicy and the protection snapshot (the group read without instances)', () => {
  const doomedId = 'i-00000000000000001';
  /** The partition: i-…1 warned of its interruption (it goes first), and the worker's snapshot. */
  const partition = (listed: string, ids: string[]) => ({
    Items: [
      {
        pk: `group#${GROUP}`,
        sk: packedFactsSk(NOW, doomedId),
        [PACKED_FACTS_SET]: new Set(packedFactsEntries(doomedId, { doomed: { kind: 'interruption-warning', at: NOW - 60_000 } }, NOW - 60_000)),
        expiresAt: packedFactsExpiry(NOW),
      },
      { pk: `group#${GROUP}`, sk: FACTS_PROTECTION_SK, expiresAt: NOW / 1000 + 86_400, data: { at: NOW - 120_000, listed, ids } },
    ],
  });
  let deps: ReturnType<typeof createDeps>;
  beforeEach(() => {
    asg.reset();
    ddb.reset();
    deps = { ...createDeps(createAwsClients(), { TABLE_NAME: 'state' } as NodeJS.ProcessEnv), now: () => NOW, readBudgetMs: 1_000 };
    asg.on(DescribeAutoScalingGroupsCommand).callsFake(asAws(describeGroup(listing([doomedId]))));
  });

  it('without a snapshot the doomed instance goes first (the listing is not read: its protection is unknown)', async () => {
    ddb.on(QueryCommand).resolves({ Items: partition('protected', []).Items.slice(0, 1) });
    const ids = (await createMain(deps)(structuredClone(request))).instanceIds as string[];
    expect(ids[0]).toBe(doomedId);
  });

  it.each([
    ['names it protected', 'protected', [doomedId]],
    ['names every other one unprotected', 'unprotected', request.Instances.map((i) => i.InstanceId).filter((id) => id !== doomedId)],
  ])('a snapshot that %s: it is never returned', async (_, listed, ids) => {
    ddb.on(QueryCommand).resolves(partition(listed, ids));
    const result = await createMain(deps)(structuredClone(request));
    expect(result.outcome).toBe('decided');
    expect(result.instanceIds).not.toContain(doomedId);
    expect(units(result.instanceIds as string[])).toBe(2);
  });

  it('an unprotected listing counts an instance it does not name (launched since) as protected', async () => {
    ddb.on(QueryCommand).resolves(partition('unprotected', ['i-00000000000000003']));
    expect((await createMain(deps)(structuredClone(request))).instanceIds).toEqual(['i-00000000000000003']);
  });

  it('the neutral order (a profile in observe mode, or no opt-in) leaves it out too', async () => {
    asg
      .on(DescribeAutoScalingGroupsCommand)
      .callsFake(asAws({ AutoScalingGroups: describeGroup(listing([])).AutoScalingGroups.map((g) => ({ ...g, Tags: [] })) }));
    ddb.on(QueryCommand).resolves(partition('protected', [doomedId]));
    const result = await createMain(deps)(structuredClone(request));
    expect(result.outcome).toBe('not-opted-in');
    expect(result.instanceIds).not.toContain(doomedId);
  });
});
