/**
 * The world of the capacitySignal handler tests (capacity-signal.test.ts, mix-sweep.test.ts): the
 * SDK clients under aws-sdk-client-mock, the DynamoDB document client answered by an in-memory table
 * that keeps DynamoDB's conditional-write semantics, a Spot/On-Demand group and its instances.
 */
import { AutoScalingClient, type Instance } from '@aws-sdk/client-auto-scaling';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EC2Client } from '@aws-sdk/client-ec2';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { SSMClient } from '@aws-sdk/client-ssm';
import { BatchGetCommand, DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { createDeps, createMain } from '../../functions/capacity-signal';
import { createAwsClients } from '../../shared/aws/all-clients';
import { MemoryStateStore } from '../../shared/state/memory-store';
import { GPU_MIXED_INSTANCES_POLICY } from '../support/fixtures';

export const asg = mockClient(AutoScalingClient);
export const ec2 = mockClient(EC2Client);
export const ssm = mockClient(SSMClient);
export const sns = mockClient(SNSClient);
export const eb = mockClient(EventBridgeClient);
export const ddb = mockClient(DynamoDBDocumentClient);
mockClient(DynamoDBClient);

export const GROUP = 'ml-inference-gpu';
export const WARNED = 'i-0abc1234def567890';
export const NOW = Date.parse('2026-11-27T11:20:05Z'); // 5 s after the spot-interruption sample
export const TOPIC = 'arn:aws:sns:us-east-1:123456789012:asg-orchestrator-test';
export const ENV = {
  TABLE_NAME: 'state',
  TOPIC_ARN: TOPIC,
  EVENT_BUS_NAME: 'default',
  DRAIN_DOCUMENT_NAME: 'asg-orchestrator-test-drain',
} as NodeJS.ProcessEnv;
export const MIP = GPU_MIXED_INSTANCES_POLICY;

/** 8 instances: the warned one and 5 more Spot, 2 On-Demand. */
export const IDS = [WARNED, ...Array.from({ length: 7 }, (_, i) => `i-0000000000000000${i + 1}`)];
export const SPOT = new Set(IDS.slice(0, 6));

export const groupInstances = (inService = 8): Instance[] =>
  IDS.map((id, i) => ({
    InstanceId: id,
    InstanceType: 'g5.xlarge',
    AvailabilityZone: 'us-east-1a',
    LifecycleState: i < inService ? 'InService' : 'Pending',
    HealthStatus: 'Healthy',
    ProtectedFromScaleIn: false,
  }));

export const describeGroup = (opts: { profile?: string; mip?: boolean; inService?: number } = {}) => ({
  AutoScalingGroups: [
    {
      AutoScalingGroupName: GROUP,
      AutoScalingGroupARN: `arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:x:autoScalingGroupName/${GROUP}`,
      MinSize: 0,
      MaxSize: 20,
      DesiredCapacity: 8,
      DefaultCooldown: 300,
      AvailabilityZones: ['us-east-1a', 'us-east-1b'],
      HealthCheckType: 'EC2',
      CreatedTime: new Date(NOW),
      Tags:
        opts.profile === undefined
          ? []
          : [{ Key: 'asg-orchestrator:profile', Value: opts.profile, ResourceId: GROUP, ResourceType: 'auto-scaling-group', PropagateAtLaunch: true }],
      Instances: groupInstances(opts.inService),
      ...(opts.mip === false ? { LaunchTemplate: { LaunchTemplateName: 'ml-inference', Version: '7' } } : { MixedInstancesPolicy: structuredClone(MIP) }),
    },
  ],
});

export const describeInstances = (ids: readonly string[]) => ({
  Reservations: [
    {
      Instances: ids
        .filter((id) => IDS.includes(id))
        .map((id) => ({
          InstanceId: id,
          InstanceType: 'g5.xlarge',
          Placement: { AvailabilityZone: 'us-east-1a' },
          LaunchTime: new Date(NOW - 6 * 3_600_000),
          ...(SPOT.has(id) ? { InstanceLifecycle: 'spot' as const } : {}),
          Tags: [{ Key: 'aws:autoscaling:groupName', Value: GROUP }],
        })),
    },
  ],
});

/** The DynamoDB table: the adapter's commands answered by a MemoryStateStore (same conditional semantics). */
export let table: MemoryStateStore;
export const conditionFailed = () => Object.assign(new Error('The conditional request failed'), { name: 'ConditionalCheckFailedException' });
export const backDynamoWith = (mem: MemoryStateStore) => {
  ddb.on(GetCommand).callsFake(async (i) => ({ Item: (await mem.queryPartition(i.Key.pk)).find((x) => x.sk === i.Key.sk) }));
  ddb.on(PutCommand).callsFake(async (i) => {
    const item = i.Item as { pk: string; sk: string; version: number };
    const ok =
      i.ConditionExpression === 'attribute_not_exists(pk)'
        ? await mem.putIfAbsent(item as never)
        : await mem.putIfVersion(item as never, i.ExpressionAttributeValues?.[':expected'] as number);
    if (!ok) throw conditionFailed();
    return {};
  });
  ddb.on(UpdateCommand).callsFake(async (i) => {
    // The packed facts' `ADD #s :s SET #e = :e` (shared/aws/state-store.ts addToSet).
    if (String(i.UpdateExpression).startsWith('ADD #s :s')) {
      await mem.addToSet(
        i.Key.pk,
        i.Key.sk,
        i.ExpressionAttributeNames['#s'],
        [...(i.ExpressionAttributeValues[':s'] as Set<string>)],
        i.ExpressionAttributeValues[':e'],
      );
      return {};
    }
    const attrs: Record<string, unknown> = {};
    for (const [alias, name] of Object.entries(i.ExpressionAttributeNames as Record<string, string>))
      attrs[name] = i.ExpressionAttributeValues[alias.replace('#a', ':v')];
    const { expiresAt, ...rest } = attrs;
    await mem.setAttributes(i.Key.pk, i.Key.sk, rest, expiresAt as number | undefined);
    return {};
  });
  ddb.on(QueryCommand).callsFake(async (i) => ({
    Items: await mem.queryPartition(i.ExpressionAttributeValues[':pk'], {
      skPrefix: i.ExpressionAttributeValues[':prefix'],
      skFrom: i.ExpressionAttributeValues[':from'],
    }),
  }));
  ddb.on(DeleteCommand).callsFake(async (i) => {
    await mem.delete(i.Key.pk, i.Key.sk);
    return {};
  });
  ddb.on(BatchGetCommand).callsFake(async (i) => {
    const entries = Object.entries(i.RequestItems as Record<string, { Keys: Array<{ pk: string; sk: string }> }>);
    return { Responses: Object.fromEntries(await Promise.all(entries.map(async ([name, r]) => [name, await mem.getMany(r.Keys)]))) };
  });
};

export const main = () => createMain({ ...createDeps(createAwsClients(), ENV), now: () => NOW });
export const items = (prefix: string) => table.dump().filter((i) => String(i.sk).startsWith(prefix) && i.pk === `group#${GROUP}`);
export const published = (eventType: string) =>
  sns.commandCalls(PublishCommand).filter((c) => c.args[0].input.MessageAttributes?.eventType?.StringValue === eventType);

/** Two earlier interruption warnings in the window: with the new one, 3 over 6 Spot = 0.5/h > 0.2. */
/**
 * A group-wide storm in the last hour: nine earlier warnings over both pools the group uses (g5 and
 * g6 in us-east-1a), so that with the sample's warning the risk (10 over 6 Spot instances = 1.667
 * per Spot instance-hour, in 2 of 2 pools) makes a raise pay for the instances it replaces.
 */
export const seedEarlierWarnings = async () => {
  for (let n = 0; n < 9; n += 1) {
    await table.setAttributes(`group#${GROUP}`, `signal#00${NOW - (n + 1) * 300_000}#earlier-${n}`, {
      kind: 'interruption-warning',
      at: NOW - (n + 1) * 300_000,
      instanceType: n % 2 === 0 ? 'g6.xlarge' : 'g5.xlarge',
      availabilityZone: 'us-east-1a',
      instanceId: `i-0000000000000${String(n + 1).padStart(4, '0')}`,
    });
  }
};
/** A fresh in-memory table at {@link NOW}, answering the DynamoDB document client's commands. */
export const resetTable = (): void => {
  table = new MemoryStateStore(() => NOW);
  backDynamoWith(table);
};
