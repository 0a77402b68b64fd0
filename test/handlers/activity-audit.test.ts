import { createAwsClients } from '../../shared/aws/all-clients';
import { AutoScalingClient, DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { SNSClient, PublishCommand } from '@aws-sdk/client-sns';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { createDeps, createMain, handler } from '../../functions/activity-audit';
import { MemoryStateStore } from '../../shared/state/memory-store';
import { loadEvent } from '../support/fixtures';

const TOPIC = 'arn:aws:sns:us-east-1:123456789012:asg-orchestrator-test';
const asg = mockClient(AutoScalingClient);
const sns = mockClient(SNSClient);
const eb = mockClient(EventBridgeClient);

const group = (name: string, tags: Array<{ Key: string; Value: string }>) => ({
  AutoScalingGroupName: name,
  AutoScalingGroupARN: `arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:1111:autoScalingGroupName/${name}`,
  MinSize: 0,
  MaxSize: 10,
  DesiredCapacity: 2,
  Tags: tags.map((t) => ({ ...t, ResourceId: name, ResourceType: 'auto-scaling-group', PropagateAtLaunch: true })),
  AvailabilityZones: ['us-east-1a'],
  HealthCheckType: 'EC2',
  CreatedTime: new Date(),
  DefaultCooldown: 300,
});

const freshMain = () => createMain(createDeps(createAwsClients(), { TOPIC_ARN: TOPIC, EVENT_BUS_NAME: 'default' } as NodeJS.ProcessEnv));

describe('activityAudit handler', () => {
  beforeEach(() => {
    // Prepare: one opted-in group, one without the tag.
    asg.reset();
    sns.reset();
    eb.reset();
    asg.on(DescribeAutoScalingGroupsCommand, { AutoScalingGroupNames: ['ml-inference-gpu'] }).resolves({
      AutoScalingGroups: [group('ml-inference-gpu', [{ Key: 'asg-orchestrator:profile', Value: 'gpu-inference' }])],
    });
    asg.on(DescribeAutoScalingGroupsCommand, { AutoScalingGroupNames: ['legacy-web'] }).resolves({
      AutoScalingGroups: [group('legacy-web', [{ Key: 'team', Value: 'web' }])],
    });
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
    eb.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] });
  });

  it('publishes a failed Spot launch as a warning to SNS (with filter attributes) and EventBridge', async () => {
    // Act
    const result = await freshMain()(loadEvent('autoscaling/launch-unsuccessful.json'));
    // Assess
    expect(result).toMatchObject({ outcome: 'notified', eventType: 'activity.launch-unsuccessful', severity: 'warning', group: 'ml-inference-gpu' });
    expect(sns).toHaveReceivedCommandTimes(PublishCommand, 1);
    expect(sns).toHaveReceivedCommandWith(PublishCommand, {
      TopicArn: TOPIC,
      MessageAttributes: {
        eventType: { DataType: 'String', StringValue: 'activity.launch-unsuccessful' },
        group: { DataType: 'String', StringValue: 'ml-inference-gpu' },
        severity: { DataType: 'String', StringValue: 'warning' },
      },
    });
    // One message per protocol: the JSON body for SQS (and Lambda, HTTPS), text for email.
    const input = sns.commandCalls(PublishCommand)[0]?.args[0].input;
    expect(input?.MessageStructure).toBe('json');
    const perProtocol = JSON.parse(input?.Message ?? '{}');
    expect(perProtocol.email).toMatch(/^WARNING ml-inference-gpu: /);
    expect(perProtocol.default).toBe(perProtocol.email);
    const body = JSON.parse(perProtocol.sqs);
    expect(body.details.failureClass).toBe('spot-capacity');
    expect(body.reason).toMatch(/Spot capacity/i);
    expect(eb).toHaveReceivedCommandTimes(PutEventsCommand, 1);
    const entry = eb.commandCalls(PutEventsCommand)[0]?.args[0].input.Entries?.[0];
    expect(entry).toMatchObject({ Source: 'asg-orchestrator', DetailType: 'Orchestrator Instance Launch Unsuccessful', EventBusName: 'default' });
  });

  it.each([
    ['autoscaling/launch-successful.json', 'activity.launch-successful', 'info'],
    ['autoscaling/terminate-successful.json', 'activity.terminate-successful', 'info'],
    ['autoscaling/terminate-unsuccessful.json', 'activity.terminate-unsuccessful', 'warning'],
    ['autoscaling/instance-refresh-started.json', 'activity.instance-refresh', 'info'],
    ['autoscaling/instance-refresh-succeeded.json', 'activity.instance-refresh', 'info'],
    ['autoscaling/instance-refresh-failed.json', 'activity.instance-refresh', 'error'],
  ])('%s → %s (%s)', async (file, eventType, severity) => {
    const result = await freshMain()(loadEvent(file));
    expect(result).toMatchObject({ outcome: 'notified', eventType, severity });
    expect(sns).toHaveReceivedCommandTimes(PublishCommand, 1);
    expect(eb).toHaveReceivedCommandTimes(PutEventsCommand, 1);
  });

  it('leaves a group that did not opt in alone: nothing published', async () => {
    const result = await freshMain()(loadEvent('autoscaling/launch-successful-not-opted-in.json'));
    expect(result.outcome).toBe('skipped');
    expect(result.reason).toMatch(/legacy-web did not opt in/);
    expect(sns).not.toHaveReceivedAnyCommand();
    expect(eb).not.toHaveReceivedAnyCommand();
  });

  it('skips a group that no longer exists', async () => {
    asg.on(DescribeAutoScalingGroupsCommand).resolves({ AutoScalingGroups: [] });
    const event = loadEvent('autoscaling/launch-successful.json') as { detail: { AutoScalingGroupName: string } };
    event.detail.AutoScalingGroupName = 'deleted-group';
    expect((await freshMain()(event)).outcome).toBe('skipped');
    expect(sns).not.toHaveReceivedAnyCommand();
  });

  it.each([
    // A lifecycle event is foreign to this function: rejected before its schema is even checked.
    ['invalid/malformed-lifecycle.json', 'foreign-event'],
    ['invalid/unknown-detail-type.json', 'unknown-event'],
    ['invalid/foreign-source.json', 'unknown-event'],
    ['autoscaling/launch-lifecycle.json', 'foreign-event'],
    ['ssm/command-success.json', 'foreign-event'],
    ['autoscaling/test-notification.json', 'test-notification'],
    ['autoscaling/test-notification-raw.json', 'test-notification'],
  ])('drops %s (%s) without calling AWS', async (file, dropReason) => {
    const result = await freshMain()(loadEvent(file));
    expect(result).toMatchObject({ outcome: 'dropped', dropReason });
    expect(asg).not.toHaveReceivedAnyCommand();
    expect(sns).not.toHaveReceivedAnyCommand();
  });

  it('drops a malformed activity event (group name missing) without calling AWS', async () => {
    const event = loadEvent('autoscaling/launch-unsuccessful.json') as { detail: Record<string, unknown> };
    delete event.detail.AutoScalingGroupName;
    const result = await freshMain()(event);
    expect(result).toMatchObject({
      outcome: 'dropped',
      dropReason: 'malformed',
      issues: expect.arrayContaining([expect.stringMatching(/AutoScalingGroupName/)]),
    });
    expect(asg).not.toHaveReceivedAnyCommand();
  });

  it('publishes a re-delivered event once: a claim on the event id in the state table', async () => {
    let now = Date.parse('2026-11-27T12:00:00Z');
    const store = new MemoryStateStore(() => now);
    const main = createMain({ ...createDeps(createAwsClients(), { TOPIC_ARN: TOPIC } as NodeJS.ProcessEnv), store, now: () => now });
    expect((await main(loadEvent('autoscaling/launch-unsuccessful.json'))).outcome).toBe('notified');
    now += 5_000;
    expect(await main(loadEvent('autoscaling/launch-unsuccessful.json'))).toMatchObject({ outcome: 'duplicate' });
    expect(sns).toHaveReceivedCommandTimes(PublishCommand, 1);
    expect(eb).toHaveReceivedCommandTimes(PutEventsCommand, 1);
  });

  it('a publish that failed is retried: a fresh claim makes a concurrent delivery retry later, a stale one is taken over', async () => {
    let now = Date.parse('2026-11-27T12:00:00Z');
    const store = new MemoryStateStore(() => now);
    const main = createMain({ ...createDeps(createAwsClients(), { TOPIC_ARN: TOPIC } as NodeJS.ProcessEnv), store, now: () => now });
    sns
      .on(PublishCommand)
      .rejectsOnce(Object.assign(new Error('Rate exceeded'), { name: 'Throttling' }))
      .resolves({ MessageId: 'm-2' });
    await expect(main(loadEvent('autoscaling/launch-unsuccessful.json'))).rejects.toMatchObject({ disposition: 'retry' });
    now += 10_000;
    await expect(main(loadEvent('autoscaling/launch-unsuccessful.json'))).rejects.toThrow(/being published by another invocation/);
    now += 60_000; // Lambda's retry, after the claim went stale
    expect((await main(loadEvent('autoscaling/launch-unsuccessful.json'))).outcome).toBe('notified');
    expect(await main(loadEvent('autoscaling/launch-unsuccessful.json'))).toMatchObject({ outcome: 'duplicate' });
  });

  it('reads the group once for a burst of events (tags cached per cold start)', async () => {
    const main = freshMain();
    await main(loadEvent('autoscaling/launch-successful.json'));
    await main(loadEvent('autoscaling/terminate-successful.json'));
    expect(asg).toHaveReceivedCommandTimes(DescribeAutoScalingGroupsCommand, 1);
  });

  it('rethrows a throttled publish so Lambda retries (and the DLQ keeps the event)', async () => {
    sns.on(PublishCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'Throttling' }));
    await expect(freshMain()(loadEvent('autoscaling/launch-unsuccessful.json'))).rejects.toMatchObject({ disposition: 'retry' });
  });

  it('the wrapped Lambda handler drops malformed input with exit 0 (no throw)', async () => {
    const ctx = { functionName: 'activityAudit', awsRequestId: 'r-1', invokedFunctionArn: 'arn', memoryLimitInMB: '256' } as unknown as Context;
    for (const input of [null, 'garbage', [1, 2], { detail: {} }, loadEvent('invalid/malformed-lifecycle.json')]) {
      const result = await handler(input, ctx);
      expect(result.outcome).toBe('dropped');
    }
    expect(sns).not.toHaveReceivedAnyCommand();
  });
});
