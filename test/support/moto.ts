/**
 * Helpers for the integration tier: the moto endpoint started by `test/integration/global-setup.ts`
 * (`inject('motoEndpoint')`), state reset between tests, and the emulator clients and queue reads of
 * `scripts/local-aws.ts` (shared with the demo), defaulting to this run's endpoint.
 */
import { CreateAutoScalingGroupCommand } from '@aws-sdk/client-auto-scaling';
import { CreateLaunchTemplateCommand } from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, inject } from 'vitest';
import { resetMoto } from '../../scripts/emulator.js';
import { clientConfig as clientConfigFor, createStateTable, type MotoClients, motoClients as motoClientsFor } from '../../scripts/local-aws.js';
import { DynamoStateStore } from '../../shared/aws/state-store.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** `http://127.0.0.1:<port>` of the moto server started for this run. */
    motoEndpoint: string;
  }
}

export { ACCOUNT_ID, attr, createQueue, createStateTable, drainQueue, jsonBody, type MotoClients, REGION, type TestQueue } from '../../scripts/local-aws.js';
export { resetMoto };

/** The endpoint provided by the integration global setup. */
export const motoEndpoint = (): string => inject('motoEndpoint');

/** SDK client settings for this run's moto (region us-east-1, dummy credentials, no retries). */
export const clientConfig = (endpoint: string = motoEndpoint()) => clientConfigFor(endpoint);

/** One set of SDK clients bound to this run's moto; call `destroy()` after the test. */
export const motoClients = (endpoint: string = motoEndpoint()): MotoClients => motoClientsFor(endpoint);

/** A reset moto with a new state table `table`, clients bound to it and a DynamoStateStore on it (destroy `aws` after the test). */
export const freshStateStore = async (table: string): Promise<{ aws: MotoClients; store: DynamoStateStore }> => {
  await resetMoto(motoEndpoint());
  const aws = motoClients();
  await createStateTable(aws.dynamo, table);
  return { aws, store: new DynamoStateStore(aws.doc, table) };
};

/**
 * Saves the listed environment variables before the suite and restores them after it (the
 * integration tests point the handlers at the emulator through process.env).
 */
export const preserveEnv = (keys: readonly string[]): void => {
  const saved = new Map<string, string | undefined>();
  beforeAll(() => {
    for (const k of keys) saved.set(k, process.env[k]);
  });
  afterAll(() => {
    for (const [k, v] of saved) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });
};

/** An empty group (0..2, one AZ) on a g5.xlarge launch template, opted in with the `gpu-inference` profile. */
export const createOptedInGpuGroup = async (aws: MotoClients, group: string): Promise<void> => {
  await aws.ec2.send(
    new CreateLaunchTemplateCommand({ LaunchTemplateName: 'ml-inference', LaunchTemplateData: { ImageId: 'ami-12c6146b', InstanceType: 'g5.xlarge' } }),
  );
  await aws.autoScaling.send(
    new CreateAutoScalingGroupCommand({
      AutoScalingGroupName: group,
      LaunchTemplate: { LaunchTemplateName: 'ml-inference', Version: '$Latest' },
      MinSize: 0,
      MaxSize: 2,
      DesiredCapacity: 0,
      AvailabilityZones: ['us-east-1a'],
      Tags: [{ Key: 'asg-orchestrator:profile', Value: 'gpu-inference', PropagateAtLaunch: true, ResourceId: group, ResourceType: 'auto-scaling-group' }],
    }),
  );
};
