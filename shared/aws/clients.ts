import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { EC2Client } from '@aws-sdk/client-ec2';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SNSClient } from '@aws-sdk/client-sns';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { SSMClient } from '@aws-sdk/client-ssm';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * SDK client settings shared by every adapter: adaptive retry (client-side rate limiting on top of
 * exponential backoff, so a burst of 1,000 lifecycle events does not turn into a throttling storm),
 * and a bounded number of attempts so a handler finishes well inside its timeout.
 * Endpoints come from the SDK's own `AWS_ENDPOINT_URL[_<SERVICE>]` variables (local emulator).
 * Under `osls invoke local` with no AWS target at all, the offline local world (shared/local) answers
 * every client instead: its entry, shared/local/install.ts, registers a {@link ClientDecorator} here.
 * Production code never imports the world (test/unit/ci/boundaries.test.ts); only the invoke-local
 * build adds that entry (serverless-plugins/esbuild-plugins.cjs).
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

/** Wraps each SDK client as it is built; `service` is the IAM prefix (autoscaling, ssm, sns, events, dynamodb, ec2, monitoring). */
export type ClientDecorator = <C extends { middlewareStack: unknown }>(client: C, service: string) => C;

const decorators: ClientDecorator[] = [];

/** Registers a decorator for every client built from now on (the offline local world's entry does). */
export const decorateClients = (decorator: ClientDecorator): void => {
  decorators.push(decorator);
};

/** A new client, passed through the registered decorators (none in a deployed function). */
export const decorated = <C extends { middlewareStack: unknown }>(client: C, service: string): C =>
  decorators.reduce((c, decorate) => decorate(c, service), client);

let offline: () => boolean = () => false;

/**
 * Registers how to tell that the clients' calls are answered offline (the local world's entry does):
 * work that needs an AWS engine the offline world does not run (the group-sweep queue's consumer)
 * then stays inline.
 */
export const markOffline = (isOffline: () => boolean): void => {
  offline = isOffline;
};

/** True when the registered offline world answers the clients' calls (never in a deployed function). */
export const answeredOffline = (): boolean => offline();

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
export const newAutoScaling = (): AutoScalingClient => decorated(new AutoScalingClient(CLIENT_CONFIG), 'autoscaling');
export const newCloudWatch = (): CloudWatchClient => decorated(new CloudWatchClient(CLIENT_CONFIG), 'monitoring');
export const newSsm = (): SSMClient => decorated(new SSMClient(CLIENT_CONFIG), 'ssm');
export const newSns = (): SNSClient => decorated(new SNSClient(CLIENT_CONFIG), 'sns');
export const newEventBridge = (): EventBridgeClient => decorated(new EventBridgeClient(CLIENT_CONFIG), 'events');
// The local world sits on the base client: the document client shares its middleware stack.
export const newDynamo = (): DynamoDBDocumentClient =>
  DynamoDBDocumentClient.from(decorated(new DynamoDBClient(CLIENT_CONFIG), 'dynamodb'), { marshallOptions: { removeUndefinedValues: true } });

export const autoScalingClient: () => AutoScalingClient = /* @__PURE__ */ once(newAutoScaling);
export const cloudWatchClient: () => CloudWatchClient = /* @__PURE__ */ once(newCloudWatch);
export const ssmClient: () => SSMClient = /* @__PURE__ */ once(newSsm);
export const snsClient: () => SNSClient = /* @__PURE__ */ once(newSns);
export const eventBridgeClient: () => EventBridgeClient = /* @__PURE__ */ once(newEventBridge);
export const dynamoClient: () => DynamoDBDocumentClient = /* @__PURE__ */ once(newDynamo);
