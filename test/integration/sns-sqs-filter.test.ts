/**
 * SNS → SQS with a subscription filter policy on the message attributes the publisher sets
 * (eventType, group, severity): what operators use to route only the notifications they want. The
 * publisher sends one message per protocol (MessageStructure json): SQS receives the JSON body, while
 * email subscribers get text (shared/notify/render.ts).
 */
import { PublishCommand, SetSubscriptionAttributesCommand, SubscribeCommand, CreateTopicCommand } from '@aws-sdk/client-sns';
import { SetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SdkSns } from '../../shared/aws/sns';
import { type Notification, Publisher, toMessageBody } from '../../shared/notify/index';
import { attr, createQueue, drainQueue, type MotoClients, motoClients, motoEndpoint, resetMoto } from '../support/moto.js';

const stringAttr = (value: string) => ({ DataType: 'String', StringValue: value });

describe('SNS → SQS with a filter policy (moto over HTTP)', () => {
  let aws: MotoClients;

  beforeEach(async () => {
    await resetMoto(motoEndpoint());
    aws = motoClients();
  });
  afterEach(() => aws.destroy());

  it('delivers only launch failures to the filtered queue and everything to the unfiltered one', async () => {
    // Prepare
    const { TopicArn } = await aws.sns.send(new CreateTopicCommand({ Name: 'asg-orchestrator-notifications' }));
    const everything = await createQueue(aws.sqs, 'all-notifications');
    const failuresOnly = await createQueue(aws.sqs, 'launch-failures');
    for (const q of [everything, failuresOnly]) {
      // What a deployed queue needs for SNS to deliver; moto does not enforce it, but keep the setup honest.
      await aws.sqs.send(
        new SetQueueAttributesCommand({
          QueueUrl: q.url,
          Attributes: {
            Policy: JSON.stringify({
              Version: '2012-10-17',
              Statement: [
                {
                  Effect: 'Allow',
                  Principal: { Service: 'sns.amazonaws.com' },
                  Action: 'sqs:SendMessage',
                  Resource: q.arn,
                  Condition: { ArnEquals: { 'aws:SourceArn': TopicArn } },
                },
              ],
            }),
          },
        }),
      );
    }
    await aws.sns.send(new SubscribeCommand({ TopicArn, Protocol: 'sqs', Endpoint: everything.arn, Attributes: { RawMessageDelivery: 'true' } }));
    const { SubscriptionArn } = await aws.sns.send(
      new SubscribeCommand({ TopicArn, Protocol: 'sqs', Endpoint: failuresOnly.arn, ReturnSubscriptionArn: true, Attributes: { RawMessageDelivery: 'true' } }),
    );
    await aws.sns.send(
      new SetSubscriptionAttributesCommand({
        SubscriptionArn,
        AttributeName: 'FilterPolicy',
        AttributeValue: JSON.stringify({ eventType: ['activity.launch-unsuccessful'] }),
      }),
    );

    // Act
    await aws.sns.send(
      new PublishCommand({
        TopicArn,
        Message: JSON.stringify({ summary: 'launch failed' }),
        MessageAttributes: { eventType: stringAttr('activity.launch-unsuccessful'), group: stringAttr('ml-inference-gpu'), severity: stringAttr('warning') },
      }),
    );
    await aws.sns.send(
      new PublishCommand({
        TopicArn,
        Message: JSON.stringify({ summary: 'launch ok' }),
        MessageAttributes: { eventType: stringAttr('activity.launch-successful'), group: stringAttr('ml-inference-gpu'), severity: stringAttr('info') },
      }),
    );

    // Assess
    const filtered = await drainQueue(aws.sqs, failuresOnly.url);
    expect(filtered.map((m) => [attr(m, 'eventType'), attr(m, 'group'), attr(m, 'severity'), m.Body])).toEqual([
      ['activity.launch-unsuccessful', 'ml-inference-gpu', 'warning', JSON.stringify({ summary: 'launch failed' })],
    ]);
    const all = await drainQueue(aws.sqs, everything.url);
    expect(all.map((m) => attr(m, 'eventType')).sort()).toEqual(['activity.launch-successful', 'activity.launch-unsuccessful']);
    // Raw delivery: the body is the published message itself, not an SNS envelope.
    expect(all.map((m) => m.Body).sort()).toEqual([JSON.stringify({ summary: 'launch failed' }), JSON.stringify({ summary: 'launch ok' })]);
  });
  it('delivers the JSON body, not the email text, to SQS, and the README severity filter still applies (the real publisher)', async () => {
    // Prepare
    const { TopicArn } = await aws.sns.send(new CreateTopicCommand({ Name: 'asg-orchestrator-notifications' }));
    if (!TopicArn) throw new Error('no topic');
    const raw = await createQueue(aws.sqs, 'raw-warnings');
    const enveloped = await createQueue(aws.sqs, 'enveloped-all');
    const { SubscriptionArn } = await aws.sns.send(
      new SubscribeCommand({ TopicArn, Protocol: 'sqs', Endpoint: raw.arn, ReturnSubscriptionArn: true, Attributes: { RawMessageDelivery: 'true' } }),
    );
    await aws.sns.send(
      new SetSubscriptionAttributesCommand({
        SubscriptionArn,
        AttributeName: 'FilterPolicy',
        AttributeValue: JSON.stringify({ severity: ['warning', 'error'] }),
      }),
    );
    await aws.sns.send(new SubscribeCommand({ TopicArn, Protocol: 'sqs', Endpoint: enveloped.arn }));
    const publisher = new Publisher(new SdkSns(aws.sns), { putEvents: async () => {} }, { topicArn: TopicArn, eventBusName: 'default' });
    const notification = (severity: Notification['severity'], title: string): Notification => ({
      eventType: 'warmup.abandoned',
      severity,
      group: 'ml-inference-gpu',
      mode: 'enforce',
      title,
      reason: 'readiness URL never answered',
      time: '2026-11-27T01:00:00.000Z',
      details: { attempts: 3 },
    });
    const settings = { sns: true, eventBridge: false, minSeverity: 'info', httpsFormat: 'chatbot' } as const;

    // Act
    await publisher.publish(notification('error', 'Warm-up abandoned'), settings);
    await publisher.publish(notification('info', 'Warm-up started'), settings);

    // Assess: raw delivery, filtered on severity: only the error, as the JSON body, attributes kept.
    const filtered = await drainQueue(aws.sqs, raw.url);
    expect(filtered.map((m) => [attr(m, 'severity'), m.Body])).toEqual([['error', JSON.stringify(toMessageBody(notification('error', 'Warm-up abandoned')))]]);
    // Enveloped delivery: the SNS envelope's Message is the SQS message too, with the subject.
    const all = await drainQueue(aws.sqs, enveloped.url);
    const envelopes = all.map((m) => JSON.parse(m.Body ?? '{}') as { Message: string; Subject?: string });
    expect(envelopes.map((e) => (JSON.parse(e.Message) as { title: string }).title).sort()).toEqual(['Warm-up abandoned', 'Warm-up started']);
    expect(envelopes.map((e) => e.Subject).sort()).toEqual([
      '[asg-orchestrator] ERROR ml-inference-gpu: Warm-up abandoned',
      '[asg-orchestrator] INFO ml-inference-gpu: Warm-up started',
    ]);
  });
});
