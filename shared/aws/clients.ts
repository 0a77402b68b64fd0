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

/** The SDK clients a function may use, created once per cold start and only when first needed. */
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

/**
 * Lazily built clients. Tests replace them with aws-sdk-client-mock, which patches the client
 * classes, so the real factories are used everywhere.
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
  dynamo: once(() =>
    DynamoDBDocumentClient.from(new DynamoDBClient(CLIENT_CONFIG), {
      marshallOptions: { removeUndefinedValues: true },
    }),
  ),
});
