/**
 * runMixSweep (the mix controller's scheduled pass) against aws-sdk-client-mock, in the world of
 * capacity-signal-world.ts.
 */
import { createAwsClients } from '../../shared/aws/all-clients';
import { DescribeAutoScalingGroupsCommand, UpdateAutoScalingGroupCommand } from '@aws-sdk/client-auto-scaling';
import { DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { PublishCommand } from '@aws-sdk/client-sns';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { beforeEach, describe, expect, it } from 'vitest';
import { createMixSweepDeps } from '../../shared/mix/deps';
import { runMixSweep } from '../../shared/mix/sweep';
import { asg, ddb, describeGroup, describeInstances, eb, ec2, ENV, GROUP, MIP, NOW, resetTable, sns, table } from './capacity-signal-world';

describe('runMixSweep', () => {
  beforeEach(() => {
    for (const m of [asg, ec2, sns, eb, ddb]) m.reset();
    resetTable();
    ec2.on(DescribeInstancesCommand).callsFake((i) => describeInstances(i.Filters?.[0]?.Values ?? []));
    asg.on(UpdateAutoScalingGroupCommand).resolves({});
    sns.on(PublishCommand).resolves({ MessageId: 'm' });
    eb.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e' }] });
  });

  it('decays a calm group toward its target, and only opted-in groups are looked at', async () => {
    const g = describeGroup({ profile: 'gpu-inference' });
    const calm = g.AutoScalingGroups.map((x) => ({
      ...x,
      MixedInstancesPolicy: { ...MIP, InstancesDistribution: { ...MIP.InstancesDistribution, OnDemandPercentageAboveBaseCapacity: 75 } },
    }));
    asg.on(DescribeAutoScalingGroupsCommand).resolves({ AutoScalingGroups: calm });
    // The owner chose 25 %; the controller raised it to 75 % two hours ago (the group shows its target).
    await table.putIfAbsent({
      pk: `group#${GROUP}`,
      sk: 'mix',
      version: 1,
      data: {
        history: [],
        owner: { base: 1, percent: 25 },
        target: { base: 1, percent: 75 },
        targetMode: 'enforce',
        lastDirection: 'up',
        lastChangeAt: NOW - 7_200_000,
        lastSignalAt: NOW - 7_200_000,
      },
    });

    const report = await runMixSweep(createMixSweepDeps(createAwsClients(), ENV), NOW);

    expect(asg).toHaveReceivedCommandWith(DescribeAutoScalingGroupsCommand, { Filters: [{ Name: 'tag-key', Values: ['asg-orchestrator:profile'] }] });
    expect(report).toMatchObject({ name: 'mix', summary: { groups: 1, changed: 1 }, failures: [] });
    expect(report.results[0]).toMatchObject({ outcome: 'changed', rule: 'decay', from: { percent: 75 }, to: { percent: 65 } });
    expect(asg).toHaveReceivedCommandWith(UpdateAutoScalingGroupCommand, {
      MixedInstancesPolicy: { InstancesDistribution: { ...MIP.InstancesDistribution, OnDemandPercentageAboveBaseCapacity: 65 } },
    });
  });

  it('a failing group is reported (classified) and the others still run', async () => {
    const first = describeGroup({ profile: 'gpu-inference' }).AutoScalingGroups[0];
    if (!first) throw new Error('unreachable');
    const g = first;
    asg.on(DescribeAutoScalingGroupsCommand).resolves({ AutoScalingGroups: [g, { ...g, AutoScalingGroupName: 'other' }] });
    // A signal a minute ago in both groups: neither is at rest, so the sweep evaluates both.
    for (const name of [GROUP, 'other'])
      await table.putIfAbsent({ pk: `group#${name}`, sk: 'mix', version: 1, data: { history: [], lastSignalAt: NOW - 60_000 } });
    ddb
      .on(QueryCommand, { ExpressionAttributeValues: { ':pk': `group#${GROUP}` } })
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));

    const report = await runMixSweep(createMixSweepDeps(createAwsClients(), ENV), NOW);

    expect(report.failures).toEqual([expect.objectContaining({ scope: `mix ${GROUP}`, retryable: true })]);
    expect(report.results).toEqual([expect.objectContaining({ group: 'other' })]);
  });
});
