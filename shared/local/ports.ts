/**
 * The shared/aws ports over the world: one implementation of AutoScalingPort, SsmPort, Ec2Port,
 * SnsPort, EventBusPort and StateStorePort for every in-memory AWS of the project (the simulator's
 * group, the reliability tier's accounts). Each port call goes through the caller's {@link WorldCall},
 * which runs it through the real classifier (shared/aws/classify `callAws`) exactly as the SDK
 * adapters do, so an AWS-shaped error (an Error whose `name` is the AWS error code) is classified the
 * same way: a finished lifecycle action ("No active Lifecycle Action found") is `'already-done'`.
 * The call is where a user of the world counts calls, throttles them, loses responses or injects
 * faults ({@link classifiedCall} is the plain one).
 *
 * SNS and EventBridge are recorded, never delivered ({@link Outbox}); the state table is the
 * caller's StateStorePort (shared/state/memory-store.ts), wrapped by {@link WorldStore} when its calls
 * must go through the same `call`.
 */
import type { InstancesDistribution } from '@aws-sdk/client-auto-scaling';
import type { AutoScalingPort, DescribeGroupsOptions, GroupSummary, LifecycleActionRef, LifecycleCallOutcome, LifecycleHookSummary } from '../aws/auto-scaling';
import { callAws } from '../aws/classify';
import type { Ec2Port, InstanceInfo } from '../aws/ec2';
import type { BusEvent, EventBusPort } from '../aws/event-bridge';
import type { SnsMessage, SnsPort } from '../aws/sns';
import { type CommandInvocation, type CommandSummary, LIST_COMMANDS_MAX_RESULTS, type SendCommandInput, type SsmPort } from '../aws/ssm';
import type { QueryPartitionOptions, StateRecord, StateStorePort } from '../aws/state-store';

/** What the world answers, call by call (synchronous; throws AWS-shaped errors). */
export interface AwsWorld {
  describeGroups(names: readonly string[]): GroupSummary[];
  describeGroupsByTagKey(tagKey: string): GroupSummary[];
  describeLifecycleHooks(groupName: string): LifecycleHookSummary[];
  updateInstancesDistribution(groupName: string, distribution: InstancesDistribution): void;
  completeLifecycleAction(ref: LifecycleActionRef, result: 'CONTINUE' | 'ABANDON'): void;
  recordLifecycleActionHeartbeat(ref: LifecycleActionRef): void;
  sendCommand(input: SendCommandInput): string;
  listCommands(instanceId: string, invokedAfter: number, max: number): CommandSummary[];
  getCommandInvocation(commandId: string, instanceId: string): CommandInvocation;
  describeInstances(instanceIds: readonly string[]): InstanceInfo[];
}

/** Runs one AWS call: its value, or `'already-done'` (classified), or throws an AwsCallError. */
export type WorldCall = <T>(operation: string, effect: () => T | Promise<T>, context?: Record<string, string>) => Promise<T | 'already-done'>;

/** The plain call: the real classifier and nothing else. */
export const classifiedCall: WorldCall = (operation, effect, context) => callAws(operation, async () => effect(), context);

/** What was published to SNS and put on EventBridge, in order. */
export class Outbox {
  public readonly sns: SnsMessage[] = [];
  public readonly bus: BusEvent[] = [];
}

const orEmpty = <T>(res: T[] | 'already-done'): T[] => (res === 'already-done' ? [] : res);
const outcome = (res: unknown): LifecycleCallOutcome => (res === 'already-done' ? 'already-done' : 'done');

export class WorldAutoScaling implements AutoScalingPort {
  public constructor(
    private readonly world: AwsWorld,
    private readonly call: WorldCall,
  ) {}

  public async describeGroups(names: readonly string[], options: DescribeGroupsOptions = {}): Promise<GroupSummary[]> {
    const groups = orEmpty(await this.call('DescribeAutoScalingGroups', () => this.world.describeGroups(names)));
    // IncludeInstances=false: the answer carries no Instances
    // (https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_DescribeAutoScalingGroups.html).
    return options.includeInstances === false ? groups.map((g) => ({ ...g, instances: [] })) : groups;
  }

  public async describeGroupsByTagKey(tagKey: string, options: DescribeGroupsOptions = {}): Promise<GroupSummary[]> {
    const groups = orEmpty(await this.call('DescribeAutoScalingGroups', () => this.world.describeGroupsByTagKey(tagKey)));
    return options.includeInstances === false ? groups.map((g) => ({ ...g, instances: [] })) : groups;
  }

  public async describeLifecycleHooks(groupName: string): Promise<LifecycleHookSummary[]> {
    return orEmpty(await this.call('DescribeLifecycleHooks', () => this.world.describeLifecycleHooks(groupName)));
  }

  public async updateInstancesDistribution(groupName: string, distribution: InstancesDistribution): Promise<void> {
    await this.call('UpdateAutoScalingGroup', () => this.world.updateInstancesDistribution(groupName, distribution));
  }

  public async completeLifecycleAction(ref: LifecycleActionRef, result: 'CONTINUE' | 'ABANDON'): Promise<LifecycleCallOutcome> {
    return outcome(
      await this.call('CompleteLifecycleAction', () => this.world.completeLifecycleAction(ref, result), { instanceId: ref.instanceId, group: ref.groupName }),
    );
  }

  public async recordLifecycleActionHeartbeat(ref: LifecycleActionRef): Promise<LifecycleCallOutcome> {
    return outcome(
      await this.call('RecordLifecycleActionHeartbeat', () => this.world.recordLifecycleActionHeartbeat(ref), {
        instanceId: ref.instanceId,
        group: ref.groupName,
      }),
    );
  }
}

export class WorldSsm implements SsmPort {
  public constructor(
    private readonly world: AwsWorld,
    private readonly call: WorldCall,
  ) {}

  public async sendCommand(input: SendCommandInput): Promise<string> {
    const res = await this.call('SendCommand', () => this.world.sendCommand(input), { instanceId: input.instanceId, documentName: input.documentName });
    if (res === 'already-done') throw new Error('SendCommand returned no CommandId');
    return res;
  }

  public async listCommands(instanceId: string, invokedAfter: number): Promise<CommandSummary[]> {
    return orEmpty(await this.call('ListCommands', () => this.world.listCommands(instanceId, invokedAfter, LIST_COMMANDS_MAX_RESULTS), { instanceId }));
  }

  public async getCommandInvocation(commandId: string, instanceId: string): Promise<CommandInvocation | undefined> {
    try {
      const res = await this.call('GetCommandInvocation', () => this.world.getCommandInvocation(commandId, instanceId));
      return res === 'already-done' ? undefined : res;
    } catch (error) {
      if (error instanceof Error && 'awsErrorName' in error && error.awsErrorName === 'InvocationDoesNotExist') return undefined;
      throw error;
    }
  }
}

export class WorldEc2 implements Ec2Port {
  public constructor(
    private readonly world: AwsWorld,
    private readonly call: WorldCall,
  ) {}

  public async describeInstances(instanceIds: readonly string[]): Promise<InstanceInfo[]> {
    return orEmpty(await this.call('DescribeInstances', () => this.world.describeInstances(instanceIds)));
  }
}

/** SNS Publish and EventBridge PutEvents, recorded in the outbox. */
export class WorldChannels implements SnsPort, EventBusPort {
  public constructor(
    public readonly outbox: Outbox,
    private readonly call: WorldCall,
  ) {}

  public async publish(message: SnsMessage): Promise<string> {
    const res = await this.call('Publish', () => {
      this.outbox.sns.push(message);
      return `m-${this.outbox.sns.length}`;
    });
    return res === 'already-done' ? '' : res;
  }

  public async putEvents(events: readonly BusEvent[]): Promise<void> {
    await this.call('PutEvents', () => {
      this.outbox.bus.push(...events);
    });
  }
}

/** A state table whose calls go through the same `call` as every other AWS call (named as DynamoDB's). */
export class WorldStore implements StateStorePort {
  public constructor(
    private readonly table: StateStorePort,
    private readonly call: WorldCall,
  ) {}

  private async run<T>(op: string, fn: () => Promise<T>): Promise<T> {
    const res = await this.call(op, fn);
    if (res === 'already-done') throw new Error(`${op}: unexpected already-done`);
    return res;
  }

  public get(pk: string, sk: string): Promise<StateRecord | undefined> {
    return this.run('GetItem', () => this.table.get(pk, sk));
  }
  public putIfAbsent(record: StateRecord): Promise<boolean> {
    return this.run('PutItem', () => this.table.putIfAbsent(record));
  }
  public putIfVersion(record: StateRecord, expectedVersion: number): Promise<boolean> {
    return this.run('PutItem', () => this.table.putIfVersion(record, expectedVersion));
  }
  public delete(pk: string, sk: string): Promise<void> {
    return this.run('DeleteItem', () => this.table.delete(pk, sk));
  }
  public setAttributes(pk: string, sk: string, attributes: Readonly<Record<string, unknown>>, expiresAt?: number): Promise<void> {
    return this.run('UpdateItem', () => this.table.setAttributes(pk, sk, attributes, expiresAt));
  }
  public addToSet(pk: string, sk: string, attribute: string, values: readonly string[], expiresAt?: number): Promise<void> {
    return this.run('UpdateItem', () => this.table.addToSet(pk, sk, attribute, values, expiresAt));
  }
  public queryPartition(pk: string, options?: QueryPartitionOptions): Promise<Array<Record<string, unknown>>> {
    return this.run('Query', () => this.table.queryPartition(pk, options));
  }
}
