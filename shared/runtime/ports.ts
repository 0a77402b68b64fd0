/**
 * The one place where production ports are built from SDK clients and the environment. Each
 * function's `createDeps` names the ports it needs from here and nothing more; tests pass their own
 * clients (aws-sdk-client-mock patches the client classes), and the fleet simulator passes in-memory
 * ports straight to `createMain`.
 *
 * One builder per port, each a separate export: a function's bundle keeps only the builders (and so
 * the SDK clients) it references (docs/adr/0004). EC2 is not here: importing its adapter would put
 * `@aws-sdk/client-ec2` into every bundle, so the two functions that use it build `SdkEc2` themselves.
 *
 * @example
 * ```ts
 * const publisher = publisherFrom(clients, env); // SNS topic TOPIC_ARN, event bus EVENT_BUS_NAME
 * ```
 */
import { autoScalingClient, type AwsClients, dynamoClient, eventBridgeClient, snsClient, ssmClient } from '../aws/clients';
import { SdkAutoScaling } from '../aws/auto-scaling';
import { SdkEventBus } from '../aws/event-bridge';
import { SdkSns } from '../aws/sns';
import { SdkSsm } from '../aws/ssm';
import { DynamoStateStore } from '../aws/state-store';
import { Publisher, type PublisherTargets } from '../notify/publisher';
import type { AutoScalingPort, SsmPort, StateStorePort } from '../aws/index';
import type { Ec2Port } from '../aws/ec2';
import type { OrchestratorConfig } from '../config/index';

/**
 * Every port a function's deps are built from: SDK adapters in production, in-memory ones in the
 * simulator. The rooms' builders (`lifecycleDepsFrom`, `mixSweepDepsFrom`) take the part they need.
 */
export interface Ports {
  config: () => OrchestratorConfig;
  autoScaling: AutoScalingPort;
  ssm: SsmPort;
  ec2: Ec2Port;
  store: StateStorePort;
  publisher: Publisher;
  now: () => number;
  /** Waits `ms` inside the invocation (a timer in Lambda, simulated time in the simulator). */
  sleep?: (ms: number) => Promise<void>;
}

/** Which SDK clients to use; each one left out is the per-service factory's (one per cold start). */
export type ClientChoice = Partial<AwsClients>;

/** Auto Scaling through the SDK. */
export const autoScalingFrom = (clients: ClientChoice): SdkAutoScaling => new SdkAutoScaling((clients.autoScaling ?? autoScalingClient)());

/** SSM through the SDK. */
export const ssmFrom = (clients: ClientChoice): SdkSsm => new SdkSsm((clients.ssm ?? ssmClient)());

/** The state table `TABLE_NAME` (else `fallbackTable`). */
export const stateStoreFrom = (clients: ClientChoice, env: NodeJS.ProcessEnv, fallbackTable = ''): DynamoStateStore =>
  new DynamoStateStore((clients.dynamo ?? dynamoClient)(), env.TABLE_NAME || fallbackTable);

/** The publisher to the SNS topic `TOPIC_ARN` and the event bus `EVENT_BUS_NAME` (else `default`). */
export const publisherFrom = (clients: ClientChoice, env: NodeJS.ProcessEnv): Publisher =>
  new Publisher(new SdkSns((clients.sns ?? snsClient)()), new SdkEventBus((clients.eventBridge ?? eventBridgeClient)()), publisherTargets(env));

/** Where notifications go: the SNS topic `TOPIC_ARN` and the event bus `EVENT_BUS_NAME` (else `default`). */
export const publisherTargets = (env: NodeJS.ProcessEnv): PublisherTargets => ({
  topicArn: env.TOPIC_ARN ?? '',
  eventBusName: env.EVENT_BUS_NAME || 'default',
});

/**
 * A handler's core, built on its first invocation (once per cold start) rather than at module load:
 * importing a function's module builds nothing, so tests and the simulator import it freely.
 *
 * @example
 * ```ts
 * export const handler = withStack('launchLifecycle', onFirstCall(() => createMain(createDeps())));
 * ```
 */
export const onFirstCall = <A extends unknown[], R>(build: () => (...args: A) => R): ((...args: A) => R) => {
  let main: ((...args: A) => R) | undefined;
  return (...args) => {
    main ??= build();
    return main(...args);
  };
};
