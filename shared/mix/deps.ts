import { autoScalingFrom, publisherFrom, stateStoreFrom } from '../runtime/ports';
import { lazyEc2Client, SdkEc2 } from '../aws/ec2';
import type { AwsClients } from '../aws/index';
import { loadConfig } from '../config';
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
  autoScaling: autoScalingFrom(clients),
  instances: new InstanceDirectory(new SdkEc2(clients.ec2 ?? lazyEc2Client)),
  store: stateStoreFrom(clients, env),
  publisher: publisherFrom(clients, env),
});
