/**
 * The ports every lifecycle function works through (launchLifecycle, terminateLifecycle,
 * commandResult, reconcile), and the one builder of them from ports ({@link lifecycleDepsFrom}), used by
 * production ({@link createLifecycleDeps}, SDK adapters) and the fleet simulator (in-memory ports).
 */
import { setTimeout as delay } from 'node:timers/promises';
import { autoScalingFrom, type Ports, publisherFrom, ssmFrom, stateStoreFrom } from '../runtime/ports';
import { type AutoScalingPort, type AwsClients, GroupDirectory, type SsmPort, type StateStorePort } from '../aws/index';
import { loadConfig, type OrchestratorConfig } from '../config/index';
import type { Publisher } from '../notify/index';
import { type OwnOrigin, ownOrigin } from '../events/origin';
import type { StackDocuments } from './policy/decision';

/** What the lifecycle services need. */
export interface LifecycleDeps {
  config: () => OrchestratorConfig;
  autoScaling: AutoScalingPort;
  /** Group tags, cached per cold start. */
  groups: GroupDirectory;
  ssm: SsmPort;
  store: StateStorePort;
  publisher: Publisher;
  /** The stack's documents, used when a profile names none. */
  documents: StackDocuments;
  /** This function's account and region: events from others are dropped unless allow-listed (config `events`). Absent: unknown. */
  origin?: OwnOrigin;
  now: () => number;
  /**
   * Waits `ms` inside the invocation (a timer in Lambda; simulated time in the simulator and the test
   * worlds). With {@link remainingMs}, a send refused because the SSM agent has not registered yet is
   * retried within the invocation (shared/lifecycle/policy/send-retry.ts); without either, it is left to the sweep.
   */
  sleep?: (ms: number) => Promise<void>;
  /** The invocation's remaining time (ms, the Lambda context's `getRemainingTimeInMillis`); absent in the sweep. */
  remainingMs?: () => number;
}

/** Default document names for local runs without the stack (`invoke local` without env). */
export const LOCAL_DOCUMENTS: StackDocuments = { warmup: 'asg-orchestrator-warmup', drain: 'asg-orchestrator-drain' };

/** The ports a lifecycle function is built from (all but EC2). */
export type LifecyclePorts = Omit<Ports, 'ec2'>;

/**
 * The one builder of {@link LifecycleDeps} from ports and the environment (WARMUP_DOCUMENT_NAME,
 * DRAIN_DOCUMENT_NAME, ORCHESTRATOR_ACCOUNT_ID, AWS_REGION): production and the simulator both use it.
 */
export const lifecycleDepsFrom = (ports: LifecyclePorts, env: NodeJS.ProcessEnv): LifecycleDeps => ({
  config: ports.config,
  autoScaling: ports.autoScaling,
  groups: new GroupDirectory(ports.autoScaling, 60_000, ports.now),
  ssm: ports.ssm,
  store: ports.store,
  publisher: ports.publisher,
  documents: {
    warmup: env.WARMUP_DOCUMENT_NAME || LOCAL_DOCUMENTS.warmup,
    drain: env.DRAIN_DOCUMENT_NAME || LOCAL_DOCUMENTS.drain,
  },
  origin: ownOrigin(env),
  now: ports.now,
  ...(ports.sleep ? { sleep: ports.sleep } : {}),
});

/**
 * Production wiring from SDK clients and the environment: TABLE_NAME, TOPIC_ARN, EVENT_BUS_NAME,
 * WARMUP_DOCUMENT_NAME, DRAIN_DOCUMENT_NAME, ORCHESTRATOR_ACCOUNT_ID, AWS_REGION.
 *
 * @example
 * ```ts
 * const deps = createLifecycleDeps(); // one per cold start
 * ```
 */
export const createLifecycleDeps = (clients: Partial<AwsClients> = {}, env: NodeJS.ProcessEnv = process.env): LifecycleDeps =>
  lifecycleDepsFrom(
    {
      config: () => loadConfig(env),
      autoScaling: autoScalingFrom(clients),
      ssm: ssmFrom(clients),
      store: stateStoreFrom(clients, env, 'asg-orchestrator-state'),
      publisher: publisherFrom(clients, env),
      now: Date.now,
      sleep: (ms) => delay(ms),
    },
    env,
  );
