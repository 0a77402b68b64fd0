import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EC2Client } from '@aws-sdk/client-ec2';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SNSClient } from '@aws-sdk/client-sns';
import { SSMClient } from '@aws-sdk/client-ssm';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * SDK client settings shared by every adapter: adaptive retry (client-side rate limiting on top of
 * exponential backoff, so a burst of 1,000 lifecycle events does not turn into a throttling storm),
 * and a bounded number of attempts so a handler finishes well inside its timeout.
 * Endpoints come from the SDK's own `AWS_ENDPOINT_URL[_<SERVICE>]` variables (local emulator).
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
}

const once = <T>(make: () => T): (() => T) => {
  let value: T | undefined;
  return () => {
    value ??= make();
    return value;
  };
};

// One lazy factory per service, each marked pure: a function's bundle keeps only the clients it
// actually references (esbuild drops the others and their SDK packages), which keeps bundles small
// and cold starts short.
export const autoScalingClient: () => AutoScalingClient = /* @__PURE__ */ once(() => new AutoScalingClient(CLIENT_CONFIG));
export const ssmClient: () => SSMClient = /* @__PURE__ */ once(() => new SSMClient(CLIENT_CONFIG));
export const snsClient: () => SNSClient = /* @__PURE__ */ once(() => new SNSClient(CLIENT_CONFIG));
export const eventBridgeClient: () => EventBridgeClient = /* @__PURE__ */ once(() => new EventBridgeClient(CLIENT_CONFIG));
export const ec2Client: () => EC2Client = /* @__PURE__ */ once(() => new EC2Client(CLIENT_CONFIG));
export const dynamoClient: () => DynamoDBDocumentClient = /* @__PURE__ */ once(() =>
  DynamoDBDocumentClient.from(new DynamoDBClient(CLIENT_CONFIG), { marshallOptions: { removeUndefinedValues: true } }),
);

/**
 * Fresh lazily built clients for every service (tests, benchmarks, scripts). Functions instead
 * take `Partial<AwsClients>` and fall back to the per-service factories above, so that production
 * bundles contain only the services they call. Tests replace clients with aws-sdk-client-mock,
 * which patches the client classes, so the real factories are used everywhere.
 *
 * @example
 * ```ts
 * const clients = createAwsClients();
 * const asg = new SdkAutoScaling(clients.autoScaling());
 * ```
 */
export const createAwsClients = (): AwsClients => ({
  autoScaling: once(() => new AutoScalingClient(CLIENT_CONFIG)),
  ssm: once(() => new SSMClient(CLIENT_CONFIG)),
  sns: once(() => new SNSClient(CLIENT_CONFIG)),
  eventBridge: once(() => new EventBridgeClient(CLIENT_CONFIG)),
  ec2: once(() => new EC2Client(CLIENT_CONFIG)),
  dynamo: once(() => DynamoDBDocumentClient.from(new DynamoDBClient(CLIENT_CONFIG), { marshallOptions: { removeUndefinedValues: true } })),
});
