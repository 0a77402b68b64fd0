/**
 * The reconcile fan-out end to end against moto (docs/adr/0008): the real reconcile handler (the tick,
 * its own SDK clients over HTTP) lists the opted-in groups from Auto Scaling, reads the sweep's items
 * and the mix records from DynamoDB and sends one message per group needing work to a real SQS queue
 * (SendMessageBatch, the SDK checking each body's MD5); the messages as SQS holds them are handed to
 * the real groupSweep handler, as Lambda's poller would. End states: the queue, the scan memory and
 * the mix record in the table, and a second tick that finds nothing to send.
 *
 * moto never holds an instance in Pending:Wait and does not implement the lifecycle-action calls, so
 * the repair of lost launch events through the queue is covered by test/reliability/fan-out.test.ts
 * and test/handlers/reconcile-fan-out.test.ts.
 */
import { CreateTopicCommand } from '@aws-sdk/client-sns';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { Context, SQSEvent } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  createOptedInGpuGroup,
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
const TABLE = 'asg-orchestrator-it-state';
const ENV_KEYS = ['TOPIC_ARN', 'EVENT_BUS_NAME', 'AWS_ENDPOINT_URL', 'TABLE_NAME', 'GROUP_QUEUE_URL'] as const;

type Handler = (event: unknown, context: Context) => Promise<Record<string, unknown>>;

const context = (name: string): Context =>
  ({
    functionName: `asg-orchestrator-it-${name}`,
    awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef',
    invokedFunctionArn: 'arn',
    memoryLimitInMB: '256',
    getRemainingTimeInMillis: () => 55_000,
  }) as unknown as Context;

const SCHEDULED = {
  version: '0',
  id: '7bf73129-1428-4cd3-a780-95db273d1602',
  'detail-type': 'Scheduled Event',
  source: 'aws.events',
  account: '123456789012',
  time: new Date().toISOString(),
  region: 'us-east-1',
  resources: [],
  detail: {},
};

describe('reconcile fan-out end to end (moto over HTTP)', () => {
  let aws: MotoClients;
  let queue: TestQueue;
  let tick: Handler;
  let groupSweep: Handler;
  preserveEnv(ENV_KEYS);

  beforeEach(async () => {
    // Prepare: the table, the group-sweep queue, the topic, and one opted-in group (no MixedInstancesPolicy).
    await resetMoto(motoEndpoint());
    aws = motoClients();
    await createStateTable(aws.dynamo, TABLE);
    queue = await createQueue(aws.sqs, 'asg-orchestrator-it-group-sweep');
    const { TopicArn } = await aws.sns.send(new CreateTopicCommand({ Name: 'asg-orchestrator-it-notifications' }));
    await createOptedInGpuGroup(aws, GROUP);
    process.env.TOPIC_ARN = TopicArn;
    process.env.EVENT_BUS_NAME = 'default';
    process.env.AWS_ENDPOINT_URL = motoEndpoint();
    process.env.TABLE_NAME = TABLE;
    process.env.GROUP_QUEUE_URL = queue.url;
    vi.resetModules();
    ({ handler: tick } = (await import('../../functions/reconcile.js')) as unknown as { handler: Handler });
    ({ handler: groupSweep } = (await import('../../functions/group-sweep.js')) as unknown as { handler: Handler });
  });

  afterEach(() => aws.destroy());

  it('the tick queues one message for the group never read; groupSweep works it; the next tick queues nothing', async () => {
    // Act: the tick.
    const outcome = await tick(SCHEDULED, context('reconcile'));
    // Assess: one message in the real queue, for the new group (lifecycle: never read; mix: not reported yet).
    expect(outcome).toMatchObject({ outcome: 'swept' });
    const messages = await drainQueue(aws.sqs, queue.url);
    expect(messages.map((m) => jsonBody(m))).toEqual([{ v: 1, group: GROUP, lifecycle: 'new', mix: true }]);

    // Act: the messages, as Lambda's poller hands them to groupSweep.
    const event: SQSEvent = {
      Records: messages.map((m) => ({
        messageId: m.MessageId ?? '',
        receiptHandle: m.ReceiptHandle ?? '',
        body: m.Body ?? '',
        attributes: {
          ApproximateReceiveCount: '1',
          SentTimestamp: String(Date.now()),
          SenderId: 'AROAIT',
          ApproximateFirstReceiveTimestamp: String(Date.now()),
        },
        messageAttributes: {},
        md5OfBody: m.MD5OfBody ?? '',
        eventSource: 'aws:sqs',
        eventSourceARN: queue.arn,
        awsRegion: 'us-east-1',
      })),
    };
    // Assess: nothing to deliver again; the scan memory holds the group as read; the mix record says
    // the group has no MixedInstancesPolicy (reported once).
    expect(await groupSweep(event, context('groupSweep'))).toEqual({ batchItemFailures: [] });
    const { Item: scan } = await aws.doc.send(new GetCommand({ TableName: TABLE, Key: { pk: 'sweep#lifecycle', sk: 'scan' }, ConsistentRead: true }));
    expect(scan?.data?.groups?.[GROUP]).toMatchObject({ signature: '0/0/2', waiting: 0 });
    const { Item: mix } = await aws.doc.send(new GetCommand({ TableName: TABLE, Key: { pk: `group#${GROUP}`, sk: 'mix' }, ConsistentRead: true }));
    expect(typeof mix?.data?.unsupportedReportedAt).toBe('number');

    // Act / Assess: the next tick finds the group read and its mix at rest: nothing queued.
    expect(await tick(SCHEDULED, context('reconcile'))).toMatchObject({ outcome: 'swept' });
    expect(await drainQueue(aws.sqs, queue.url)).toEqual([]);
  });
});
