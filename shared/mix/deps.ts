import { autoScalingClient, dynamoClient, eventBridgeClient, snsClient } from '../aws/clients';
import { lazyEc2Client, SdkEc2 } from '../aws/ec2';
import { type AwsClients, DynamoStateStore, SdkAutoScaling, SdkEventBus, SdkSns } from '../aws/index';
import { loadConfig } from '../config';
import { Publisher } from '../notify/publisher';
import { InstanceDirectory } from '../aws/instance-directory';
import type { MixSweepDeps } from './sweep';

/**
 * Production wiring of the mix sweep's ports from SDK clients and the environment (TABLE_NAME,
 * TOPIC_ARN, EVENT_BUS_NAME), for `reconcile`:
 *
 * @example
 * ```ts
 * const mix = createMixSweepDeps(clients, env);
 * const sweeps = [..., { name: 'mix', run: (now: number) => runMixSweep(mix, now) }];
 * ```
 */
export const createMixSweepDeps = (clients: Partial<AwsClients> = {}, env: NodeJS.ProcessEnv = process.env): MixSweepDeps => ({
  config: () => loadConfig(env),
  autoScaling: new SdkAutoScaling((clients.autoScaling ?? autoScalingClient)()),
  instances: new InstanceDirectory(new SdkEc2(clients.ec2 ?? lazyEc2Client)),
  store: new DynamoStateStore((clients.dynamo ?? dynamoClient)(), env.TABLE_NAME ?? ''),
  publisher: new Publisher(new SdkSns((clients.sns ?? snsClient)()), new SdkEventBus((clients.eventBridge ?? eventBridgeClient)()), {
    topicArn: env.TOPIC_ARN ?? '',
    eventBusName: env.EVENT_BUS_NAME || 'default',
  }),
});
