/**
 * The simulator's view of the world's ports (shared/local/ports.ts, the same ports the reliability
 * tier uses) over its group (simulator/model/fleet.ts). What the simulator adds is its call: every
 * call is counted (the report shows API usage) and, now and then, loses its response after the
 * service acted.
 */
import type { InstancesDistribution } from '@aws-sdk/client-auto-scaling';
import type { GroupSummary, LifecycleActionRef, LifecycleHookSummary } from '../../shared/aws/auto-scaling';
import { callAws } from '../../shared/aws/classify';
import type { InstanceInfo } from '../../shared/aws/ec2';
import type { CommandInvocation, CommandSummary, SendCommandInput } from '../../shared/aws/ssm';
import { type AwsWorld, type Outbox, WorldAutoScaling, type WorldCall, WorldChannels, WorldEc2, WorldSsm } from '../../shared/local/ports';
import type { Fleet } from '../model/fleet';

/**
 * Whether the response of this call is lost after the service acted. The SDK then sends the same call
 * again (its retry), and what the caller sees is the answer to the retry: "No active Lifecycle Action"
 * for a completion that went through, a second command for a SendCommand (SSM takes no idempotency
 * token). DESIGN.md, "AWS contracts": a response lost after the service acted comes back as a retry.
 */
export type LostResponse = (operation: string) => boolean;

/** The calls whose lost response the simulator models (the others are reads, or idempotent). */
const RETRIED_AFTER_LOSS: ReadonlySet<string> = new Set(['CompleteLifecycleAction', 'SendCommand']);

/** Counts calls per operation (the report shows API usage). */
export class CallCounter {
  public readonly calls = new Map<string, number>();

  public count(op: string): void {
    this.calls.set(op, (this.calls.get(op) ?? 0) + 1);
  }
}

/** The simulator's call: counted, classified, and (for {@link RETRIED_AFTER_LOSS}) sometimes answered by the SDK's retry. */
export const simCall =
  (counter: CallCounter, lost: LostResponse = () => false): WorldCall =>
  (operation, effect, context) => {
    counter.count(operation);
    return callAws(
      operation,
      async () => {
        const first = await effect();
        // The service acted, its response was lost: the SDK's retry is what answers.
        return RETRIED_AFTER_LOSS.has(operation) && lost(operation) ? effect() : first;
      },
      context,
    );
  };

/** The group as the world's ports ask it (one group: other names are unknown). */
export const fleetWorld = (fleet: Fleet): AwsWorld => {
  const named = (name: string): boolean => name === fleet.groupName;
  return {
    describeGroups: (names: readonly string[]): GroupSummary[] => (names.some(named) ? [fleet.describe()] : []),
    describeGroupsByTagKey: (tagKey: string): GroupSummary[] => (fleet.hasTagKey(tagKey) ? [fleet.describe()] : []),
    describeLifecycleHooks: (groupName: string): LifecycleHookSummary[] => (named(groupName) ? fleet.lifecycleHooks() : []),
    updateInstancesDistribution: (groupName: string, distribution: InstancesDistribution): void => {
      if (!named(groupName)) throw Object.assign(new Error(`AutoScalingGroup name not found - ${groupName}`), { name: 'ValidationError' });
      fleet.updateMixedInstancesPolicy({ InstancesDistribution: distribution });
    },
    completeLifecycleAction: (ref: LifecycleActionRef, result: 'CONTINUE' | 'ABANDON'): void => fleet.completeLifecycleAction(ref, result),
    recordLifecycleActionHeartbeat: (ref: LifecycleActionRef): void => fleet.recordHeartbeat(ref),
    sendCommand: (input: SendCommandInput): string => fleet.sendCommand(input),
    listCommands: (instanceId: string, invokedAfter: number, max: number): CommandSummary[] => fleet.listCommands(instanceId, invokedAfter, max),
    getCommandInvocation: (commandId: string, instanceId: string): CommandInvocation => fleet.getCommandInvocation(commandId, instanceId),
    describeInstances: (ids: readonly string[]): InstanceInfo[] => fleet.describeInstances(ids),
  };
};

export class SimAutoScaling extends WorldAutoScaling {
  public constructor(fleet: Fleet, counter: CallCounter, lost?: LostResponse) {
    super(fleetWorld(fleet), simCall(counter, lost));
  }
}

export class SimSsm extends WorldSsm {
  public constructor(fleet: Fleet, counter: CallCounter, lost?: LostResponse) {
    super(fleetWorld(fleet), simCall(counter, lost));
  }
}

export class SimEc2 extends WorldEc2 {
  public constructor(fleet: Fleet, counter: CallCounter) {
    super(fleetWorld(fleet), simCall(counter));
  }
}

/** SNS and EventBridge: recorded in the outbox (the report counts them; tests can read them). */
export class SimChannels extends WorldChannels {
  public constructor(outbox: Outbox, counter: CallCounter) {
    super(outbox, simCall(counter));
  }
}
