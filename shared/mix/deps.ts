import { autoScalingFrom, type Ports, publisherFrom, stateStoreFrom } from '../runtime/ports';
import { lazyEc2Client, SdkEc2 } from '../aws/ec2';
import type { AwsClients } from '../aws/index';
import { loadConfig } from '../config';
import { InstanceDirectory } from '../aws/instance-directory';
import type { MixSweepDeps } from './sweep';

/** The ports the mix sweep is built from (no SSM, no waiting). */
export type MixSweepPorts = Omit<Ports, 'ssm' | 'sleep'>;

/** The one builder of {@link MixSweepDeps} from ports: production and the simulator both use it. */
export const mixSweepDepsFrom = (ports: MixSweepPorts): MixSweepDeps => ({
  config: ports.config,
  autoScaling: ports.autoScaling,
  // Cached for the container's life: an instance's group, type and AZ never change.
  instances: new InstanceDirectory(ports.ec2, 10_000, 60_000, ports.now),
  store: ports.store,
  publisher: ports.publisher,
});

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
export const createMixSweepDeps = (clients: Partial<AwsClients> = {}, env: NodeJS.ProcessEnv = process.env): MixSweepDeps =>
  mixSweepDepsFrom({
    config: () => loadConfig(env),
    autoScaling: autoScalingFrom(clients),
    ec2: new SdkEc2(clients.ec2 ?? lazyEc2Client),
    store: stateStoreFrom(clients, env),
    publisher: publisherFrom(clients, env),
    now: Date.now,
  });
