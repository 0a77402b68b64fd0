/**
 * activityAudit end to end against moto: the real handler reads the group's tags from Auto Scaling,
 * publishes to SNS and to EventBridge, and we look at what reached the subscribers' queues.
 * The SDK honours AWS_ENDPOINT_URL, so the handler's own clients talk to moto over HTTP.
 */
import { CreateAutoScalingGroupCommand } from '@aws-sdk/client-auto-scaling';
import { CreateLaunchTemplateCommand } from '@aws-sdk/client-ec2';
import { PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { CreateTopicCommand, SubscribeCommand } from '@aws-sdk/client-sns';
import type { Context } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { listEvents, loadEvent } from '../support/fixtures.js';
import {
  attr,
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

const OPTED_IN_GROUP = 'ml-inference-gpu';
const LEGACY_GROUP = 'legacy-web';
const ENV_KEYS = ['TOPIC_ARN', 'EVENT_BUS_NAME', 'AWS_ENDPOINT_URL', 'TABLE_NAME'] as const;

type Handler = (event: unknown, context: Context) => Promise<unknown>;

const lambdaContext = (): Context => ({
  callbackWaitsForEmptyEventLoop: false,
  functionName: 'asg-orchestrator-test-activityAudit',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:asg-orchestrator-test-activityAudit',
  memoryLimitInMB: '256',
  awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef',
  logGroupName: '/aws/lambda/asg-orchestrator-test-activityAudit',
  logStreamName: '2026/11/27/[$LATEST]abcdef',
  getRemainingTimeInMillis: () => 30_000,
  done: () => undefined,
  fail: () => undefined,
  succeed: () => undefined,
});

/** A fresh copy of a sample with its group replaced (the samples all use ml-inference-gpu). */
const withGroup = (relPath: string, group: string): unknown => {
  const copy = loadEvent(relPath) as { detail: Record<string, unknown> };
  copy.detail.AutoScalingGroupName = group;
  return copy;
};

describe('activityAudit end to end (moto over HTTP)', () => {
  let aws: MotoClients;
  let snsQueue: TestQueue;
  let busQueue: TestQueue;
  let handler: Handler;
  preserveEnv(ENV_KEYS);

  beforeEach(async () => {
    // Prepare: a clean emulator with the topic, the bus rule and the two groups.
    await resetMoto(motoEndpoint());
    aws = motoClients();

    const { TopicArn } = await aws.sns.send(new CreateTopicCommand({ Name: 'asg-orchestrator-notifications' }));
    snsQueue = await createQueue(aws.sqs, 'notification-subscriber');
    await aws.sns.send(new SubscribeCommand({ TopicArn, Protocol: 'sqs', Endpoint: snsQueue.arn, Attributes: { RawMessageDelivery: 'true' } }));

    busQueue = await createQueue(aws.sqs, 'audit-trail');
    await aws.eventBridge.send(
      new PutRuleCommand({ Name: 'orchestrator-audit-trail', EventBusName: 'default', EventPattern: JSON.stringify({ source: ['asg-orchestrator'] }) }),
    );
    await aws.eventBridge.send(
      new PutTargetsCommand({ Rule: 'orchestrator-audit-trail', EventBusName: 'default', Targets: [{ Id: 'audit-queue', Arn: busQueue.arn }] }),
    );

    await aws.ec2.send(
      new CreateLaunchTemplateCommand({
        LaunchTemplateName: 'ml-inference',
        LaunchTemplateData: { ImageId: 'ami-12c6146b', InstanceType: 'g5.xlarge' },
      }),
    );
    for (const [name, tags] of [
      [OPTED_IN_GROUP, [{ Key: 'asg-orchestrator:profile', Value: 'gpu-inference' }]],
      [LEGACY_GROUP, [{ Key: 'team', Value: 'web' }]],
    ] as const) {
      await aws.autoScaling.send(
        new CreateAutoScalingGroupCommand({
          AutoScalingGroupName: name,
          LaunchTemplate: { LaunchTemplateName: 'ml-inference', Version: '$Latest' },
          MinSize: 0,
          MaxSize: 2,
          DesiredCapacity: 0, // no instances: the handler only reads the group's tags
          AvailabilityZones: ['us-east-1a'],
          Tags: tags.map((t) => ({ ...t, PropagateAtLaunch: true, ResourceId: name, ResourceType: 'auto-scaling-group' })),
        }),
      );
    }

    // The handler module caches its clients and config per cold start: load a fresh copy per test,
    // after the environment points at this emulator.
    process.env.TOPIC_ARN = TopicArn;
    process.env.EVENT_BUS_NAME = 'default';
    process.env.AWS_ENDPOINT_URL = motoEndpoint();
    process.env.TABLE_NAME = 'asg-orchestrator-state';
    // Re-deliveries are recognised by a claim on the event id in the state table.
    await createStateTable(aws.dynamo, 'asg-orchestrator-state');
    vi.resetModules();
    ({ handler } = (await import('../../functions/activity-audit.js')) as { handler: Handler });
  });

  afterEach(() => aws.destroy());

  it('publishes one warning for a failed launch in an opted-in group, to SNS and to the bus', async () => {
    // Act: EventBridge delivers at least once; the same event arrives twice.
    await handler(loadEvent('autoscaling/launch-unsuccessful.json'), lambdaContext());
    await handler(loadEvent('autoscaling/launch-unsuccessful.json'), lambdaContext());

    // Assess: the SNS subscriber got exactly one message (the re-delivery was recognised by its claim
    // in the state table), with filterable attributes.
    const notified = await drainQueue(aws.sqs, snsQueue.url);
    expect(notified).toHaveLength(1);
    const [message] = notified;
    if (message === undefined) throw new Error('unreachable');
    expect({ eventType: attr(message, 'eventType'), group: attr(message, 'group'), severity: attr(message, 'severity') }).toEqual({
      eventType: 'activity.launch-unsuccessful',
      group: OPTED_IN_GROUP,
      severity: 'warning',
    });
    expect(jsonBody(message)).toMatchObject({ eventType: 'activity.launch-unsuccessful', group: OPTED_IN_GROUP, severity: 'warning' });

    // ... and the audit-trail rule routed exactly one custom event to its queue.
    const audited = await drainQueue(aws.sqs, busQueue.url);
    expect(audited).toHaveLength(1);
    const [event] = audited;
    if (event === undefined) throw new Error('unreachable');
    const envelope = jsonBody(event);
    expect(envelope.source).toBe('asg-orchestrator');
    expect(envelope['detail-type']).toBe('Orchestrator Instance Launch Unsuccessful');
    expect(envelope.detail).toMatchObject({ eventType: 'activity.launch-unsuccessful', group: OPTED_IN_GROUP, severity: 'warning' });
  });

  it('publishes nothing for a group that has not opted in', async () => {
    await handler(withGroup('autoscaling/launch-unsuccessful.json', LEGACY_GROUP), lambdaContext());
    await handler(loadEvent('autoscaling/launch-successful-not-opted-in.json'), lambdaContext());

    expect(await drainQueue(aws.sqs, snsQueue.url)).toEqual([]);
    expect(await drainQueue(aws.sqs, busQueue.url)).toEqual([]);
  });

  it('drops malformed, foreign and unknown events without throwing and publishes nothing', async () => {
    const broken = loadEvent('autoscaling/launch-unsuccessful.json') as { detail: Record<string, unknown> };
    broken.detail.AutoScalingGroupName = 42;
    delete broken.detail.ActivityId;
    const samples = [broken, ...listEvents('invalid').map((rel) => loadEvent(rel)), loadEvent('autoscaling/test-notification.json')];

    // A rejection here fails the test: a bad event is a logged drop, never a Lambda retry.
    for (const sample of samples) await handler(sample, lambdaContext());

    expect(await drainQueue(aws.sqs, snsQueue.url)).toEqual([]);
    expect(await drainQueue(aws.sqs, busQueue.url)).toEqual([]);
  });
});
