/**
 * In-memory implementations of the shared/aws ports, backed by the fleet model. Each call goes
 * through `callAws`, exactly like the SDK adapters, so AWS-like errors (an Error whose `name` is the
 * AWS error code) are classified by shared/aws/classify the same way: a finished lifecycle action
 * ("No active Lifecycle Action found") resolves to `'already-done'`, an unknown instance is a drop.
 */
import type { InstancesDistribution } from '@aws-sdk/client-auto-scaling';
import type { AutoScalingPort, GroupSummary, LifecycleActionRef, LifecycleCallOutcome, LifecycleHookSummary } from '../../shared/aws/auto-scaling';
import { callAws } from '../../shared/aws/classify';
import type { Ec2Port, InstanceInfo } from '../../shared/aws/ec2';
import type { BusEvent, EventBusPort } from '../../shared/aws/event-bridge';
import type { SnsMessage, SnsPort } from '../../shared/aws/sns';
import { type CommandInvocation, type CommandSummary, LIST_COMMANDS_MAX_RESULTS, type SendCommandInput, type SsmPort } from '../../shared/aws/ssm';
import type { Fleet } from '../model/fleet';

/**
 * Whether the response of this call is lost after the service acted. The SDK then sends the same call
 * again (its retry), and what the caller sees is the answer to the retry: "No active Lifecycle Action"
 * for a completion that went through, a second command for a SendCommand (SSM takes no idempotency
 * token). DESIGN.md, "AWS contracts": a response lost after the service acted comes back as a retry.
 */
export type LostResponse = (operation: string) => boolean;

/** Counts calls per operation (the report shows API usage). */
export class CallCounter {
  public readonly calls = new Map<string, number>();

  public count(op: string): void {
    this.calls.set(op, (this.calls.get(op) ?? 0) + 1);
  }
}

export class SimAutoScaling implements AutoScalingPort {
  public constructor(
    private readonly fleet: Fleet,
    private readonly counter: CallCounter,
    private readonly lost: LostResponse = () => false,
  ) {}

  public async describeGroups(names: readonly string[]): Promise<GroupSummary[]> {
    this.counter.count('DescribeAutoScalingGroups');
    const res = await callAws('DescribeAutoScalingGroups', async () => {
      const g = this.fleet.describe();
      return names.includes(g.name) ? [g] : [];
    });
    return res === 'already-done' ? [] : res;
  }

  public async describeGroupsByTagKey(tagKey: string): Promise<GroupSummary[]> {
    this.counter.count('DescribeAutoScalingGroups');
    return this.fleet.hasTagKey(tagKey) ? [this.fleet.describe()] : [];
  }

  public async describeLifecycleHooks(groupName: string): Promise<LifecycleHookSummary[]> {
    this.counter.count('DescribeLifecycleHooks');
    return groupName === this.fleet.describe().name ? this.fleet.lifecycleHooks() : [];
  }

  public async updateInstancesDistribution(groupName: string, distribution: InstancesDistribution): Promise<void> {
    this.counter.count('UpdateAutoScalingGroup');
    await callAws('UpdateAutoScalingGroup', async () => {
      if (groupName !== this.fleet.describe().name) throw Object.assign(new Error(`AutoScalingGroup name not found - ${groupName}`), { name: 'ValidationError' });
      this.fleet.updateMixedInstancesPolicy({ InstancesDistribution: distribution });
    });
  }

  public async completeLifecycleAction(ref: LifecycleActionRef, result: 'CONTINUE' | 'ABANDON'): Promise<LifecycleCallOutcome> {
    this.counter.count('CompleteLifecycleAction');
    const res = await callAws(
      'CompleteLifecycleAction',
      async () => {
        this.fleet.completeLifecycleAction(ref, result);
        // The completion went through; its response was lost: the SDK's retry is what answers.
        if (this.lost('CompleteLifecycleAction')) this.fleet.completeLifecycleAction(ref, result);
      },
      { instanceId: ref.instanceId, group: ref.groupName },
    );
    return res === 'already-done' ? 'already-done' : 'done';
  }

  public async recordLifecycleActionHeartbeat(ref: LifecycleActionRef): Promise<LifecycleCallOutcome> {
    this.counter.count('RecordLifecycleActionHeartbeat');
    const res = await callAws('RecordLifecycleActionHeartbeat', async () => this.fleet.recordHeartbeat(ref), { instanceId: ref.instanceId, group: ref.groupName });
    return res === 'already-done' ? 'already-done' : 'done';
  }
}

export class SimSsm implements SsmPort {
  public constructor(
    private readonly fleet: Fleet,
    private readonly counter: CallCounter,
    private readonly lost: LostResponse = () => false,
  ) {}

  public async sendCommand(input: SendCommandInput): Promise<string> {
    this.counter.count('SendCommand');
    const res = await callAws(
      'SendCommand',
      async () => {
        const first = this.fleet.sendCommand(input);
        // Sent, response lost: the retry sends a second command (both run) and only its id comes back.
        return this.lost('SendCommand') ? this.fleet.sendCommand(input) : first;
      },
      { instanceId: input.instanceId, documentName: input.documentName },
    );
    if (res === 'already-done') throw new Error('SendCommand returned no CommandId');
    return res;
  }

  public async listCommands(instanceId: string, invokedAfter: number): Promise<CommandSummary[]> {
    this.counter.count('ListCommands');
    const res = await callAws('ListCommands', async () => this.fleet.listCommands(instanceId, invokedAfter, LIST_COMMANDS_MAX_RESULTS), { instanceId });
    return res === 'already-done' ? [] : res;
  }

  public async getCommandInvocation(commandId: string, instanceId: string): Promise<CommandInvocation | undefined> {
    this.counter.count('GetCommandInvocation');
    try {
      const res = await callAws('GetCommandInvocation', async () => this.fleet.getCommandInvocation(commandId, instanceId));
      return res === 'already-done' ? undefined : res;
    } catch (error) {
      if (error instanceof Error && 'awsErrorName' in error && error.awsErrorName === 'InvocationDoesNotExist') return undefined;
      throw error;
    }
  }
}

export class SimEc2 implements Ec2Port {
  public constructor(
    private readonly fleet: Fleet,
    private readonly counter: CallCounter,
  ) {}

  public async describeInstances(instanceIds: readonly string[]): Promise<InstanceInfo[]> {
    this.counter.count('DescribeInstances');
    return this.fleet.describeInstances(instanceIds);
  }
}

/** SNS: keeps every published message (the report counts them; tests can read them). */
export class SimSns implements SnsPort {
  public readonly messages: SnsMessage[] = [];

  public constructor(private readonly counter: CallCounter) {}

  public async publish(message: SnsMessage): Promise<string> {
    this.counter.count('Publish');
    this.messages.push(message);
    return `sim-message-${this.messages.length}`;
  }
}

/** EventBridge PutEvents: keeps the orchestrator's audit events. */
export class SimEventBus implements EventBusPort {
  public readonly events: BusEvent[] = [];

  public constructor(private readonly counter: CallCounter) {}

  public async putEvents(events: readonly BusEvent[]): Promise<void> {
    this.counter.count('PutEvents');
    this.events.push(...events);
  }
}
