/**
 * SDK clients bound to a local moto server, and queue helpers for reading end states. Free of any
 * test-runner import, so the demo (`npm start`) and the integration tests share it.
 */
import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EC2Client } from '@aws-sdk/client-ec2';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SNSClient } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, type Message, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export const REGION = 'us-east-1';
export const ACCOUNT_ID = '123456789012'; // moto's default account

/** Settings that point any SDK v3 client at moto: region us-east-1, dummy credentials, no retries to hide bugs. */
export const clientConfig = (endpoint: string) =>
  ({
    endpoint,
    region: REGION,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    maxAttempts: 1,
  }) as const;

/** One set of clients bound to the emulator. */
export interface MotoClients {
  readonly sqs: SQSClient;
  readonly sns: SNSClient;
  readonly eventBridge: EventBridgeClient;
  readonly dynamo: DynamoDBClient;
  readonly doc: DynamoDBDocumentClient;
  readonly autoScaling: AutoScalingClient;
  readonly ec2: EC2Client;
  destroy(): void;
}

export const motoClients = (endpoint: string): MotoClients => {
  const cfg = clientConfig(endpoint);
  const dynamo = new DynamoDBClient(cfg);
  const doc = DynamoDBDocumentClient.from(dynamo, { marshallOptions: { removeUndefinedValues: true } });
  const clients = {
    sqs: new SQSClient(cfg),
    sns: new SNSClient(cfg),
    eventBridge: new EventBridgeClient(cfg),
    dynamo,
    doc,
    autoScaling: new AutoScalingClient(cfg),
    ec2: new EC2Client(cfg),
  };
  return {
    ...clients,
    destroy: () => {
      for (const c of [clients.sqs, clients.sns, clients.eventBridge, doc, dynamo, clients.autoScaling, clients.ec2]) c.destroy();
    },
  };
};

/** A queue and its ARN (what SNS subscriptions and EventBridge targets need). */
export interface TestQueue {
  readonly url: string;
  readonly arn: string;
}

export const createQueue = async (sqs: SQSClient, name: string): Promise<TestQueue> => {
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name }));
  if (QueueUrl === undefined) throw new Error(`CreateQueue ${name} returned no URL`);
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
  const arn = Attributes?.QueueArn;
  if (arn === undefined) throw new Error(`queue ${name} has no QueueArn`);
  return { url: QueueUrl, arn };
};

/**
 * Every message currently in the queue. Messages are left invisible for a minute, so a second
 * call in the same test returns only what arrived since. moto delivers SNS and EventBridge
 * targets synchronously, so no waiting is needed once the publishing call has returned.
 */
export const drainQueue = async (sqs: SQSClient, queueUrl: string): Promise<Message[]> => {
  const out: Message[] = [];
  for (;;) {
    const { Messages } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
        VisibilityTimeout: 60,
        MessageAttributeNames: ['All'],
        MessageSystemAttributeNames: ['All'],
      }),
    );
    if (Messages === undefined || Messages.length === 0) return out;
    out.push(...Messages);
  }
};

/** The string value of an SQS message attribute (SNS raw delivery copies the SNS attributes). */
export const attr = (message: Message, name: string): string | undefined => message.MessageAttributes?.[name]?.StringValue;

/** Parse a JSON message body into a plain record (throws if it is not a JSON object). */
export const jsonBody = (message: Message): Record<string, unknown> => {
  const parsed: unknown = JSON.parse(message.Body ?? 'null');
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new Error(`message body is not a JSON object: ${String(message.Body)}`);
  }
  return parsed as Record<string, unknown>;
};

/** Creates the state table as serverless.yml declares it (pk/sk strings, on-demand). */
export const createStateTable = async (dynamo: DynamoDBClient, tableName: string): Promise<void> => {
  await dynamo.send(
    new CreateTableCommand({
      TableName: tableName,
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
};
