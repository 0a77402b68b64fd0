/**
 * capacitySignal end to end against moto over HTTP: the sample events go through the rules exactly
 * as serverless.yml declares them (PutEvents → rule → SQS standing in for the function), the real
 * handler takes the routed event, writes the state table, sends the drain, and updates the group's
 * MixedInstancesPolicy; we read back the end state. Then the real terminationPolicy core puts the
 * warned instance first.
 *
 * Emulator limits: moto launches only On-Demand instances (it ignores the MixedInstancesPolicy when
 * launching), so the Spot count is 0 and the rate denominator is one instance; it does not validate
 * SSM document parameters; its rule delivery omits the envelope's `account` (filled in here). The Spot capacity fallback needs a group below desired capacity, which
 * moto never is (it launches at once): handler tests cover that path. The mix update names only the
 * InstancesDistribution, which Auto Scaling merges into the policy; moto 5.2.5 would replace the policy
 * and fail, so scripts/emulator.ts starts it with a one-function patch that merges as AWS does.
 */
import { createAwsClients } from '../../shared/aws/all-clients';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateAutoScalingGroupCommand, DescribeAutoScalingGroupsCommand, UpdateAutoScalingGroupCommand } from '@aws-sdk/client-auto-scaling';
import { CreateLaunchTemplateCommand } from '@aws-sdk/client-ec2';
import { PutEventsCommand, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { CreateTopicCommand, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateDocumentCommand, SSMClient } from '@aws-sdk/client-ssm';
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { parse } from 'yaml';
import { createDeps as terminationDeps, createMain as terminationMain } from '../../functions/termination-policy.js';
import { decodeGroupState } from '../../shared/state/group-state.js';
import { loadEventAt } from '../support/fixtures.js';
import {
  ACCOUNT_ID,
  attr,
  clientConfig,
  createQueue,
  createStateTable,
  drainQueue,
  jsonBody,
  type MotoClients,
  motoClients,
  motoEndpoint,
  preserveEnv,
  resetMoto,
  type TestQueue,
} from '../support/moto.js';

const GROUP = 'ml-inference-gpu';
const TABLE = 'asg-orchestrator-state';
const DRAIN_DOCUMENT = 'asg-orchestrator-test-DrainDocument';
const ENV_KEYS = ['TOPIC_ARN', 'EVENT_BUS_NAME', 'AWS_ENDPOINT_URL', 'TABLE_NAME', 'DRAIN_DOCUMENT_NAME', 'ORCHESTRATOR_CONFIG_FILE'] as const;

/**
 * The bundled profiles with a shortfall priced so high that one warning makes a raise pay for the
 * instance it replaces: this file tests the read-modify-write of the group against the emulator,
 * not the economics (test/unit/mix does).
 */
const configFile = (): string => {
  const config = JSON.parse(readFileSync(new URL('../../config/profiles.json', import.meta.url), 'utf8')) as {
    profiles: Record<string, { mix?: Record<string, unknown> }>;
  };
  const gpu = config.profiles['gpu-inference'];
  if (gpu) gpu.mix = { ...gpu.mix, shortfallCost: 1000 };
  const file = join(mkdtempSync(join(tmpdir(), 'capacity-signal-')), 'profiles.json');
  writeFileSync(file, JSON.stringify(config));
  return file;
};
const OVERRIDES = [
  { InstanceType: 'm5.large', WeightedCapacity: '1' },
  { InstanceType: 'm5.xlarge', WeightedCapacity: '2' },
];

type Handler = (event: unknown, context: Context) => Promise<Record<string, unknown>>;
const context = { functionName: 'asg-orchestrator-test-capacitySignal', awsRequestId: 'req-1', getRemainingTimeInMillis: () => 20_000 } as unknown as Context;

/** The capacitySignal rules' patterns, read from serverless.yml. */
const capacitySignalPatterns = (): Record<string, unknown>[] => {
  const doc = parse(readFileSync(new URL('../../serverless.yml', import.meta.url), 'utf8'), { logLevel: 'error' }) as {
    functions: Record<string, { events?: Array<{ eventBridge?: { pattern: Record<string, unknown> } }> }>;
  };
  return (doc.functions.capacitySignal?.events ?? []).flatMap((e) => (e.eventBridge ? [e.eventBridge.pattern] : []));
};

describe('capacitySignal end to end (moto over HTTP)', () => {
  let aws: MotoClients;
  let routed: TestQueue;
  let subscriber: TestQueue;
  let handler: Handler;
  let instanceIds: string[];
  preserveEnv(ENV_KEYS);

  beforeEach(async () => {
    await resetMoto(motoEndpoint());
    aws = motoClients();
    await createStateTable(aws.dynamo, TABLE);
    const { TopicArn } = await aws.sns.send(new CreateTopicCommand({ Name: 'asg-orchestrator-notifications' }));
    subscriber = await createQueue(aws.sqs, 'notification-subscriber');
    await aws.sns.send(new SubscribeCommand({ TopicArn, Protocol: 'sqs', Endpoint: subscriber.arn, Attributes: { RawMessageDelivery: 'true' } }));
    const ssm = new SSMClient(clientConfig());
    await ssm.send(
      new CreateDocumentCommand({
        Name: DRAIN_DOCUMENT,
        DocumentType: 'Command',
        DocumentFormat: 'JSON',
        Content: JSON.stringify({
          schemaVersion: '2.2',
          description: 'drain (test stand-in)',
          parameters: { DrainUrl: { type: 'String' }, TimeoutSeconds: { type: 'String' } },
          mainSteps: [{ action: 'aws:runShellScript', name: 'drain', inputs: { runCommand: ['echo drained'] } }],
        }),
      }),
    );
    ssm.destroy();

    // The real rules, with a queue standing in for the function.
    routed = await createQueue(aws.sqs, 'capacity-signal-target');
    for (const [i, pattern] of capacitySignalPatterns().entries()) {
      const rule = `asg-orchestrator-test-capacity-signal-${i}`;
      await aws.eventBridge.send(new PutRuleCommand({ Name: rule, EventBusName: 'default', EventPattern: JSON.stringify(pattern) }));
      await aws.eventBridge.send(new PutTargetsCommand({ Rule: rule, EventBusName: 'default', Targets: [{ Id: 'capacitySignal', Arn: routed.arn }] }));
    }

    // A group with a complete MixedInstancesPolicy, two instances, opted in to the enforcing profile.
    await aws.ec2.send(
      new CreateLaunchTemplateCommand({ LaunchTemplateName: 'ml-inference', LaunchTemplateData: { ImageId: 'ami-12c6146b', InstanceType: 'm5.large' } }),
    );
    await aws.autoScaling.send(
      new CreateAutoScalingGroupCommand({
        AutoScalingGroupName: GROUP,
        MinSize: 0,
        MaxSize: 4,
        DesiredCapacity: 4,
        AvailabilityZones: ['us-east-1a'],
        // moto launches only one instance for a group created with a MixedInstancesPolicy: create it
        // with the launch template, then give it the complete policy (an update, as an operator would).
        LaunchTemplate: { LaunchTemplateName: 'ml-inference', Version: '1' },
        Tags: [{ Key: 'asg-orchestrator:profile', Value: 'gpu-inference', PropagateAtLaunch: true, ResourceId: GROUP, ResourceType: 'auto-scaling-group' }],
      }),
    );
    await aws.autoScaling.send(
      new UpdateAutoScalingGroupCommand({
        AutoScalingGroupName: GROUP,
        MixedInstancesPolicy: {
          LaunchTemplate: { LaunchTemplateSpecification: { LaunchTemplateName: 'ml-inference', Version: '1' }, Overrides: OVERRIDES },
          InstancesDistribution: { OnDemandBaseCapacity: 1, OnDemandPercentageAboveBaseCapacity: 25, SpotAllocationStrategy: 'price-capacity-optimized' },
        },
      }),
    );
    const described = await aws.autoScaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [GROUP] }));
    instanceIds = (described.AutoScalingGroups?.[0]?.Instances ?? []).map((i) => i.InstanceId ?? '').sort();
    expect(instanceIds).toHaveLength(4);

    process.env.TOPIC_ARN = TopicArn;
    process.env.EVENT_BUS_NAME = 'default';
    process.env.AWS_ENDPOINT_URL = motoEndpoint();
    process.env.TABLE_NAME = TABLE;
    process.env.DRAIN_DOCUMENT_NAME = DRAIN_DOCUMENT;
    process.env.ORCHESTRATOR_CONFIG_FILE = configFile();
    vi.resetModules(); // fresh cold start: clients, config and caches bound to this emulator
    ({ handler } = (await import('../../functions/capacity-signal.js')) as unknown as { handler: Handler });
  });

  afterEach(() => aws.destroy());

  /**
   * Puts a sample (with its instance id replaced, and the time now: a signal is counted only inside
   * the mix window, which ends now) on the bus and returns what the rule delivered.
   */
  const route = async (rel: string, instanceId?: string): Promise<Record<string, unknown>[]> => {
    // Rebased on the clock: the stored signal is compared with `now` (signal window, TTL).
    const sample = loadEventAt(rel, Date.now()) as {
      source: string;
      'detail-type': string;
      detail: Record<string, unknown>;
      resources: string[];
      time: string;
    };
    if (instanceId) {
      sample.detail['instance-id'] = instanceId;
      sample.resources = [`arn:aws:ec2:us-east-1:123456789012:instance/${instanceId}`];
    }
    const res = await aws.eventBridge.send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: 'default',
            Source: sample.source,
            DetailType: sample['detail-type'],
            Detail: JSON.stringify(sample.detail),
            Resources: sample.resources,
            Time: new Date(),
          },
        ],
      }),
    );
    expect(res.FailedEntryCount ?? 0).toBe(0);
    // moto's rule delivery leaves out the envelope's `account` (AWS always sends it): put moto's account back.
    return (await drainQueue(aws.sqs, routed.url)).map((m) => ({ account: ACCOUNT_ID, ...jsonBody(m) }));
  };

  it('an interruption warning through the rule: state written, drain sent, mix raised with LaunchTemplate and Overrides intact, then terminationPolicy puts the instance first', async () => {
    const warned = instanceIds[1] ?? '';
    const delivered = await route('ec2/spot-interruption.json', warned);
    expect(delivered).toHaveLength(1);

    // Act: the handler receives what the rule delivered.
    const result = await handler(delivered[0], context);

    // Assess: the decision
    expect(result).toMatchObject({
      outcome: 'recorded',
      group: GROUP,
      drain: { kind: 'started' },
      mix: { outcome: 'changed', rule: 'raise', to: { base: 1, percent: 50 } },
    });
    // ... the group, read back: only the two numbers moved.
    const group = (await aws.autoScaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [GROUP] }))).AutoScalingGroups?.[0];
    expect(group?.MixedInstancesPolicy?.InstancesDistribution).toMatchObject({ OnDemandBaseCapacity: 1, OnDemandPercentageAboveBaseCapacity: 50 });
    expect(group?.MixedInstancesPolicy?.LaunchTemplate?.LaunchTemplateSpecification).toMatchObject({ LaunchTemplateName: 'ml-inference', Version: '1' });
    expect(group?.MixedInstancesPolicy?.LaunchTemplate?.Overrides).toEqual(OVERRIDES.map((o) => expect.objectContaining(o)));
    // ... the table: signal, doomed mark, drain record with its command, mix record.
    const { Items } = await aws.doc.send(
      new QueryCommand({ TableName: TABLE, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': `group#${GROUP}` } }),
    );
    expect(Items?.filter((i) => String(i.sk).startsWith('signal#'))).toEqual([
      expect.objectContaining({ kind: 'interruption-warning', instanceId: warned, availabilityZone: 'us-east-1a' }),
    ]);
    expect(decodeGroupState(Items ?? []).facts.get(warned)).toMatchObject({ doomed: { kind: 'interruption-warning' } });
    // version 2: the claim (change pending), then the write that finishes it once applied and notified
    expect(Items?.find((i) => i.sk === 'mix')).toMatchObject({ version: 2, data: { target: { base: 1, percent: 50 }, targetMode: 'enforce' } });
    const { Item: drain } = await aws.doc.send(
      new GetCommand({ TableName: TABLE, Key: { pk: `instance#${warned}`, sk: 'lifecycle#terminate' }, ConsistentRead: true }),
    );
    expect(drain?.data).toMatchObject({ status: 'running', documentName: DRAIN_DOCUMENT, commandId: expect.any(String), startedBy: 'interruption-warning' });
    // ... the notifications.
    const notified = await drainQueue(aws.sqs, subscriber.url);
    expect(notified.map((m) => attr(m, 'eventType')).sort()).toEqual(['capacity.instance-doomed', 'mix.changed']);

    // A later scale-in: the real terminationPolicy core, on the same table, picks the warned instance first.
    const decide = terminationMain({ ...terminationDeps(createAwsClients(), process.env), readBudgetMs: 1500 });
    const answer = await decide({
      AutoScalingGroupARN: group?.AutoScalingGroupARN,
      AutoScalingGroupName: GROUP,
      CapacityToTerminate: [{ AvailabilityZone: 'us-east-1a', Capacity: 1, InstanceMarketOption: 'on-demand' }],
      Instances: instanceIds.map((id) => ({ AvailabilityZone: 'us-east-1a', InstanceId: id, InstanceType: 'm5.large', InstanceMarketOption: 'on-demand' })),
      Cause: 'SCALE_IN',
    });
    expect(answer.outcome).toBe('decided');
    expect(answer.instanceIds).toEqual([warned]);
  });

  it('a duplicate delivery and a second signal inside the cooldown change nothing more', async () => {
    const [first, second] = instanceIds;
    const delivered = await route('ec2/spot-interruption.json', first);
    await handler(delivered[0], context);
    const again = await handler(delivered[0], context);
    const other = await handler((await route('ec2/rebalance-recommendation.json', second))[0], context);

    expect(again).toMatchObject({ outcome: 'duplicate', drain: { kind: 'duplicate' } });
    // Held: inside the cooldown, and on no evidence newer than the change (both guards say hold).
    expect(other).toMatchObject({
      outcome: 'recorded',
      mix: { outcome: 'held', reason: expect.stringMatching(/^cooldown: wanted .* → base 1, 75%|evidence newer than the last change/) },
    });
    const group = (await aws.autoScaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [GROUP] }))).AutoScalingGroups?.[0];
    expect(group?.MixedInstancesPolicy?.InstancesDistribution?.OnDemandPercentageAboveBaseCapacity).toBe(50);
    const { Items } = await aws.doc.send(
      new QueryCommand({
        TableName: TABLE,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :s)',
        ExpressionAttributeValues: { ':pk': `group#${GROUP}`, ':s': 'signal#' },
      }),
    );
    expect(Items).toHaveLength(2);
  });

  it('failed launches: a Spot capacity failure is recorded for its pool, a configuration failure is not a signal', async () => {
    const spot = await route('autoscaling/launch-unsuccessful-spot-capacity-typed.json');
    const config = await route('autoscaling/launch-unsuccessful-config.json');

    const recorded = await handler(spot[0], context);
    const skipped = await handler(config[0], context);

    expect(recorded).toMatchObject({ outcome: 'recorded', signal: { kind: 'spot-launch-failure', instanceType: 'g5.xlarge', availabilityZone: 'us-east-1b' } });
    // The group is full (moto launches at once): no shortfall, so no fallback.
    expect(recorded.mix).toMatchObject({ outcome: 'held' });
    expect(skipped).toMatchObject({ outcome: 'skipped', reason: expect.stringMatching(/class configuration/) });
  });
});
