import { type AwsClients, newAutoScaling, newCloudWatch, newDynamo, newEventBridge, newSns, newSsm, once } from './clients';
import { newEc2 } from './ec2-client';
import { newSqs } from './sqs';

/**
 * Fresh lazily built clients for every service (tests, benchmarks, scripts). Functions instead
 * take `Partial<AwsClients>` and fall back to the per-service factories, so that production bundles
 * contain only the services they call. Tests replace clients with aws-sdk-client-mock, which patches
 * the client classes, so the real factories are used everywhere.
 *
 * @example
 * ```ts
 * const clients = createAwsClients();
 * const asg = new SdkAutoScaling(clients.autoScaling());
 * ```
 */
export const createAwsClients = (): AwsClients => ({
  autoScaling: once(newAutoScaling),
  ssm: once(newSsm),
  sns: once(newSns),
  eventBridge: once(newEventBridge),
  ec2: once(newEc2),
  dynamo: once(newDynamo),
  cloudWatch: once(newCloudWatch),
  sqs: once(newSqs),
});
