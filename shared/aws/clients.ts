import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { EC2Client } from '@aws-sdk/client-ec2';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SNSClient } from '@aws-sdk/client-sns';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { SSMClient } from '@aws-sdk/client-ssm';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { withLocalWorld } from '../local/index';

/**
 * SDK client settings shared by every adapter: adaptive retry (client-side rate limiting on top of
 * exponential backoff, so a burst of 1,000 lifecycle events does not turn into a throttling storm),
 * and a bounded number of attempts so a handler finishes well inside its timeout.
 * Endpoints come from the SDK's own `AWS_ENDPOINT_URL[_<SERVICE>]` variables (local emulator).
 * Under `osls invoke local` with no AWS target at all, every client is answered by the offline local
 * world instead (shared/local: `withLocalWorld` adds nothing otherwise, and never in Lambda).
 */
export const CLIENT_CONFIG = { retryMode: 'adaptive', maxAttempts: 4 } as const;

/** The SDK clients a function may use, each created once per cold start and only when first needed. */
export interface AwsClients {
  autoScaling: () => AutoScalingClient;
  ssm: () => SSMClient;
  sns: () => SNSClient;
  eventBridge: () => EventBridgeClient;
  dynamo: () => DynamoDBDocumentClient;
  ec2: () => EC2Client;
  cloudWatch: () => CloudWatchClient;
  sqs: () => SQSClient;
}

/** Memoises a factory: one client per cold start. */
export const once = <T>(make: () => T): (() => T) => {
  let value: T | undefined;
  return () => {
    value ??= make();
    return value;
  };
};

// One lazy factory per service, each marked pure: a function's bundle keeps only the clients it
// actually references (esbuild drops the others and their SDK packages), which keeps bundles small
// and cold starts short.
// SQS lives in ./sqs (reconcile alone sends). EC2 lives in ./ec2-client: only the functions that call EC2 import it (its client is ~550 KB).
export const newAutoScaling = (): AutoScalingClient => withLocalWorld(new AutoScalingClient(CLIENT_CONFIG), 'autoscaling');
export const newCloudWatch = (): CloudWatchClient => withLocalWorld(new CloudWatchClient(CLIENT_CONFIG), 'monitoring');
export const newSsm = (): SSMClient => withLocalWorld(new SSMClient(CLIENT_CONFIG), 'ssm');
export const newSns = (): SNSClient => withLocalWorld(new SNSClient(CLIENT_CONFIG), 'sns');
export const newEventBridge = (): EventBridgeClient => withLocalWorld(new EventBridgeClient(CLIENT_CONFIG), 'events');
// The local world sits on the base client: the document client shares its middleware stack.
export const newDynamo = (): DynamoDBDocumentClient =>
  DynamoDBDocumentClient.from(withLocalWorld(new DynamoDBClient(CLIENT_CONFIG), 'dynamodb'), { marshallOptions: { removeUndefinedValues: true } });

export const autoScalingClient: () => AutoScalingClient = /* @__PURE__ */ once(newAutoScaling);
export const cloudWatchClient: () => CloudWatchClient = /* @__PURE__ */ once(newCloudWatch);
export const ssmClient: () => SSMClient = /* @__PURE__ */ once(newSsm);
export const snsClient: () => SNSClient = /* @__PURE__ */ once(newSns);
export const eventBridgeClient: () => EventBridgeClient = /* @__PURE__ */ once(newEventBridge);
export const dynamoClient: () => DynamoDBDocumentClient = /* @__PURE__ */ once(newDynamo);
