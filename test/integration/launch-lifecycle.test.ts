/**
 * launchLifecycle end to end against moto: the sample launch event goes through the EventBridge rule
 * that serverless.yml declares (target: a queue standing in for the function), the real handler
 * (its own SDK clients over HTTP) reads the group's tags from Auto Scaling, sends the warm-up
 * document with SSM SendCommand, writes the lifecycle record in DynamoDB and publishes to SNS.
 * We then look at the end state: moto's ListCommands, the table item, the subscriber's queue.
 *
 * moto does NOT implement CompleteLifecycleAction / RecordLifecycleActionHeartbeat (and never holds
 * an instance in Pending:Wait), so the completion side (commandResult, reconcile) is covered by the
 * handler tests with aws-sdk-client-mock (test/handlers/command-result.test.ts, reconcile.test.ts)
 * and by the in-memory property test (test/unit/lifecycle/lifecycle.property.test.ts).
 */
import { PutEventsCommand, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { CreateTopicCommand, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateDocumentCommand, DescribeDocumentCommand, ListCommandsCommand, SSMClient } from '@aws-sdk/client-ssm';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { loadEvent } from '../support/fixtures.js';
import {
  createOptedInGpuGroup,
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
import { serverlessYml } from '../support/serverless-yml';

const GROUP = 'ml-inference-gpu';
const INSTANCE = 'i-0abc1234def567890';
const TABLE = 'asg-orchestrator-it-state';
const WARMUP_DOCUMENT = 'asg-orchestrator-it-WarmUpDocument-1A2B3C';
const ENV_KEYS = ['TOPIC_ARN', 'EVENT_BUS_NAME', 'AWS_ENDPOINT_URL', 'TABLE_NAME', 'WARMUP_DOCUMENT_NAME'] as const;

type Handler = (event: unknown, context: Context) => Promise<Record<string, unknown>>;

const lambdaContext = (): Context =>
  ({
    functionName: 'asg-orchestrator-it-launchLifecycle',
    awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef',
    invokedFunctionArn: 'arn',
    memoryLimitInMB: '256',
    getRemainingTimeInMillis: () => 30_000,
  }) as unknown as Context;

interface Yml {
  functions: Record<string, { events?: Array<{ eventBridge?: { pattern: Record<string, unknown> } }> }>;
  resources: { Resources: Record<string, { Properties: { Content: unknown } }> };
}
const yml = serverlessYml<Yml>();

describe('launchLifecycle end to end (moto over HTTP)', () => {
  let aws: MotoClients;
  let ssm: SSMClient;
  let functionQueue: TestQueue;
  let snsQueue: TestQueue;
  let handler: Handler;
  preserveEnv(ENV_KEYS);

  beforeEach(async () => {
    // Prepare: the stack's pieces that the handler touches, and the real rule routing to a stand-in queue.
    await resetMoto(motoEndpoint());
    aws = motoClients();
    ssm = new SSMClient(clientConfig());
    await createStateTable(aws.dynamo, TABLE);
    // The warm-up document exactly as serverless.yml declares it.
    await ssm.send(
      new CreateDocumentCommand({
        Name: WARMUP_DOCUMENT,
        DocumentType: 'Command',
        DocumentFormat: 'JSON',
        Content: JSON.stringify(yml.resources.Resources.WarmUpDocument?.Properties.Content),
      }),
    );
    const { TopicArn } = await aws.sns.send(new CreateTopicCommand({ Name: 'asg-orchestrator-it-notifications' }));
    snsQueue = await createQueue(aws.sqs, 'it-notification-subscriber');
    await aws.sns.send(new SubscribeCommand({ TopicArn, Protocol: 'sqs', Endpoint: snsQueue.arn, Attributes: { RawMessageDelivery: 'true' } }));
    functionQueue = await createQueue(aws.sqs, 'it-launch-lifecycle-function');
    const pattern = yml.functions.launchLifecycle?.events?.[0]?.eventBridge?.pattern;
    await aws.eventBridge.send(new PutRuleCommand({ Name: 'asg-orchestrator-it-launch-lifecycle', EventPattern: JSON.stringify(pattern) }));
    await aws.eventBridge.send(new PutTargetsCommand({ Rule: 'asg-orchestrator-it-launch-lifecycle', Targets: [{ Id: 'fn', Arn: functionQueue.arn }] }));
    await createOptedInGpuGroup(aws, GROUP);
    process.env.TOPIC_ARN = TopicArn;
    process.env.EVENT_BUS_NAME = 'default';
    process.env.AWS_ENDPOINT_URL = motoEndpoint();
    process.env.TABLE_NAME = TABLE;
    process.env.WARMUP_DOCUMENT_NAME = WARMUP_DOCUMENT;
    vi.resetModules();
    ({ handler } = (await import('../../functions/launch-lifecycle.js')) as unknown as { handler: Handler });
  });

  afterEach(() => {
    ssm.destroy();
    aws.destroy();
  });

  /** Puts a sample on the bus and returns what the rule delivered to the function's stand-in queue. */
  const route = async (file: string): Promise<Record<string, unknown>[]> => {
    const sample = loadEvent(file) as { source: string; 'detail-type': string; detail: unknown; resources: string[] };
    await aws.eventBridge.send(
      new PutEventsCommand({
        Entries: [{ Source: sample.source, DetailType: sample['detail-type'], Detail: JSON.stringify(sample.detail), Resources: sample.resources }],
      }),
    );
    // moto's rule targets deliver the envelope without `account` (AWS always sets it): add moto's account.
    return (await drainQueue(aws.sqs, functionQueue.url)).map((m) => ({ account: ACCOUNT_ID, ...jsonBody(m) }));
  };

  it('accepts the warm-up document as written (schema 2.2, ENV_VAR parameters with allowedPattern)', async () => {
    const { Document } = await ssm.send(new DescribeDocumentCommand({ Name: WARMUP_DOCUMENT }));
    expect(Document?.SchemaVersion).toBe('2.2');
    expect(Document?.Parameters?.map((p) => p.Name).sort()).toEqual(['CacheDir', 'Mode', 'ModelUris', 'ReadinessUrl', 'TimeoutSeconds']);
  });

  it('routes the launch event by the real rule; the handler sends the warm-up command and writes the record; twice → one command', async () => {
    // Act: the rule routes the sample; the routed event (as EventBridge delivers it) goes to the handler.
    const routed = await route('autoscaling/launch-lifecycle.json');
    expect(routed).toHaveLength(1);
    const [event] = routed;
    const first = await handler(event, lambdaContext());
    const again = await handler(event, lambdaContext());

    // Assess: one command in SSM, with the profile's values as document parameters.
    expect(first).toMatchObject({ outcome: 'started', group: GROUP, instanceId: INSTANCE });
    expect(again).toMatchObject({ outcome: 'duplicate' });
    const { Commands } = await ssm.send(new ListCommandsCommand({}));
    expect(Commands).toHaveLength(1);
    expect(Commands?.[0]).toMatchObject({
      CommandId: first.commandId,
      DocumentName: WARMUP_DOCUMENT,
      InstanceIds: [INSTANCE],
      Parameters: {
        ModelUris: ['s3://my-models-bucket/llama-3-8b/ s3://my-models-bucket/tokenizers/llama-3/'],
        ReadinessUrl: ['http://127.0.0.1:8080/health'],
        CacheDir: ['/opt/models'],
        TimeoutSeconds: ['2700'],
        Mode: ['load'],
      },
    });

    // ... the lifecycle record in the table, with the command id, hook and token ...
    const { Item } = await aws.doc.send(
      new GetCommand({ TableName: TABLE, Key: { pk: `instance#${INSTANCE}`, sk: 'lifecycle#launch' }, ConsistentRead: true }),
    );
    expect(Item).toMatchObject({
      version: 2,
      data: {
        status: 'running',
        attempt: 1,
        commandId: first.commandId,
        hookName: 'asg-orchestrator-launch',
        token: 'c2f6a1d4-3b7e-4e9a-9c1d-5f2e8a7b6c30',
        groupName: GROUP,
      },
    });
    expect(typeof Item?.expiresAt).toBe('number');

    // ... and exactly one "warm-up started" notification.
    const notified = await drainQueue(aws.sqs, snsQueue.url);
    expect(notified.map((m) => attr(m, 'eventType'))).toEqual(['warmup.started']);
  });

  it('a group that did not opt in: routed, but nothing sent, written or published', async () => {
    const [event] = await route('autoscaling/launch-lifecycle-not-opted-in.json');
    expect(await handler(event, lambdaContext())).toMatchObject({ outcome: 'skipped' });
    expect((await ssm.send(new ListCommandsCommand({}))).Commands ?? []).toEqual([]);
    expect(await drainQueue(aws.sqs, snsQueue.url)).toEqual([]);
  });

  it('the rule does not route terminate actions or SSM results to launchLifecycle', async () => {
    expect(await route('autoscaling/terminate-lifecycle.json')).toEqual([]);
    expect(await route('ssm/command-success.json')).toEqual([]);
  });
});
