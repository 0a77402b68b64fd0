/**
 * capacitySignal — Spot interruption warnings, rebalance recommendations (aws.ec2) and Spot
 * capacity launch failures (aws.autoscaling): record the signal per group and pool, mark the
 * instance doomed, start the drain on an interruption warning, steer the Spot/On-Demand mix.
 * parse → load (instance, group, profile, state) → decide (shared/mix/policy/mix) → act → notify.
 */
import { SdkEc2 } from '../shared/aws/ec2';
import { ec2Client } from '../shared/aws/ec2-client';
import { InstanceDirectory } from '../shared/aws/instance-directory';
import type { AwsClients } from '../shared/aws/index';
import { loadConfig } from '../shared/config/index';
import { parseEvent } from '../shared/events/index';
import { acceptOrigin, ownOrigin } from '../shared/events/origin';
import { dropped, withStack } from '../shared/runtime/stack';
import { autoScalingFrom, onFirstCall, publisherFrom, ssmFrom, stateStoreFrom } from '../shared/runtime/ports';
import { type CapacitySignalDeps, type CapacitySignalOutcome, handleCapacitySignal } from '../shared/signals/capacity-signal';
import { CAPACITY_SIGNAL_KINDS } from '../shared/signals/policy/interpret';

export type { CapacitySignalDeps } from '../shared/signals/capacity-signal';

/** Production wiring from the environment (TABLE_NAME, TOPIC_ARN, EVENT_BUS_NAME, DRAIN_DOCUMENT_NAME). */
export const createDeps = (clients: Partial<AwsClients> = {}, env: NodeJS.ProcessEnv = process.env): CapacitySignalDeps => ({
  config: () => loadConfig(env),
  autoScaling: autoScalingFrom(clients),
  // Cached for the container's life: an instance's group, type and AZ never change.
  instances: new InstanceDirectory(new SdkEc2((clients.ec2 ?? ec2Client)())),
  store: stateStoreFrom(clients, env),
  ssm: ssmFrom(clients),
  publisher: publisherFrom(clients, env),
  drainDocumentName: env.DRAIN_DOCUMENT_NAME || undefined,
  origin: ownOrigin(env),
  now: Date.now,
});

/** Builds the handler's core for the given dependencies. */
export const createMain =
  (deps: CapacitySignalDeps) =>
  async (event: unknown): Promise<CapacitySignalOutcome> => {
    const parsed = acceptOrigin(parseEvent(event, CAPACITY_SIGNAL_KINDS), deps.config().events, deps.origin ?? {});
    if (!parsed.ok) return dropped(parsed.error);
    return handleCapacitySignal(deps, parsed.event);
  };

/** Lambda entry point (and `serverless invoke local -f capacitySignal`). */
export const handler = withStack(
  'capacitySignal',
  onFirstCall(() => createMain(createDeps())),
);
