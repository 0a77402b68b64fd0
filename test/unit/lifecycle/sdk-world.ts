/**
 * Handler-test wiring: the real lifecycle deps (SDK adapters) over aws-sdk-client-mock clients, with
 * the state in a `MemoryStateStore` (same conditional semantics as the DynamoDB adapter, which the
 * integration tier runs against moto) and a movable clock.
 */
import { createAwsClients } from '../../../shared/aws/all-clients';
import {
  type AutoScalingGroup,
  AutoScalingClient,
  CompleteLifecycleActionCommand,
  DescribeAutoScalingGroupsCommand,
  DescribeLifecycleHooksCommand,
  RecordLifecycleActionHeartbeatCommand,
} from '@aws-sdk/client-auto-scaling';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { type Command, GetCommandInvocationCommand, ListCommandsCommand, SendCommandCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { createLifecycleDeps, type LifecycleDeps } from '../../../shared/lifecycle/deps';
import { MemoryStateStore } from '../../../shared/state/memory-store';
import { commandId, DOCUMENTS, GROUP, T0 } from './support';

export const asgMock = mockClient(AutoScalingClient);
export const ssmMock = mockClient(SSMClient);
export const snsMock = mockClient(SNSClient);
export const ebMock = mockClient(EventBridgeClient);

export const TOPIC = 'arn:aws:sns:us-east-1:123456789012:asg-orchestrator-test-notifications';

export const sdkGroup = (
  name: string,
  tags: Array<{ Key: string; Value: string }>,
  instances: Array<{ InstanceId: string; LifecycleState: string }> = [],
): AutoScalingGroup => ({
  AutoScalingGroupName: name,
  AutoScalingGroupARN: `arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:1111:autoScalingGroupName/${name}`,
  MinSize: 0,
  MaxSize: 4,
  DesiredCapacity: 1,
  Tags: tags.map((t) => ({ ...t, ResourceId: name, ResourceType: 'auto-scaling-group', PropagateAtLaunch: true })),
  AvailabilityZones: ['us-east-1a'],
  HealthCheckType: 'EC2',
  CreatedTime: new Date(T0),
  DefaultCooldown: 300,
  Instances: instances.map((i) => ({
    ...i,
    LifecycleState: i.LifecycleState as NonNullable<AutoScalingGroup['Instances']>[number]['LifecycleState'],
    InstanceType: 'g5.xlarge',
    AvailabilityZone: 'us-east-1a',
    HealthStatus: 'Healthy',
    ProtectedFromScaleIn: false,
  })),
});

export const OPTED_IN_TAGS = [{ Key: 'asg-orchestrator:profile', Value: 'gpu-inference' }];

/** Resets every mock and answers like AWS would for an opted-in group and a legacy one. */
export const resetMocks = (waiting: Array<{ InstanceId: string; LifecycleState: string }> = [], requestedAt: () => number = () => T0): void => {
  for (const m of [asgMock, ssmMock, snsMock, ebMock]) m.reset();
  asgMock.on(DescribeAutoScalingGroupsCommand, { AutoScalingGroupNames: [GROUP] }).resolves({ AutoScalingGroups: [sdkGroup(GROUP, OPTED_IN_TAGS, waiting)] });
  asgMock
    .on(DescribeAutoScalingGroupsCommand, { AutoScalingGroupNames: ['legacy-web'] })
    .resolves({ AutoScalingGroups: [sdkGroup('legacy-web', [{ Key: 'team', Value: 'web' }])] });
  asgMock
    .on(DescribeAutoScalingGroupsCommand, { Filters: [{ Name: 'tag-key', Values: ['asg-orchestrator:profile'] }] })
    .resolves({ AutoScalingGroups: [sdkGroup(GROUP, OPTED_IN_TAGS, waiting)] });
  asgMock.on(DescribeLifecycleHooksCommand).resolves({
    LifecycleHooks: [
      {
        LifecycleHookName: 'asg-orchestrator-launch',
        AutoScalingGroupName: GROUP,
        LifecycleTransition: 'autoscaling:EC2_INSTANCE_LAUNCHING',
        HeartbeatTimeout: 300,
        GlobalTimeout: 30_000,
        DefaultResult: 'ABANDON',
      },
      {
        LifecycleHookName: 'asg-orchestrator-terminate',
        AutoScalingGroupName: GROUP,
        LifecycleTransition: 'autoscaling:EC2_INSTANCE_TERMINATING',
        HeartbeatTimeout: 300,
        GlobalTimeout: 30_000,
        DefaultResult: 'CONTINUE',
      },
    ],
  });
  asgMock.on(CompleteLifecycleActionCommand).resolves({});
  asgMock.on(RecordLifecycleActionHeartbeatCommand).resolves({});
  let n = 0;
  // What SSM holds, for ListCommands (InstanceId + InvokedAfter filter, newest first, MaxResults per page).
  const sent: Command[] = [];
  ssmMock.on(SendCommandCommand).callsFake((input: { DocumentName?: string; InstanceIds?: string[]; Comment?: string }) => {
    n += 1;
    const command: Command = {
      CommandId: commandId(n),
      DocumentName: input.DocumentName,
      InstanceIds: input.InstanceIds,
      Comment: input.Comment,
      RequestedDateTime: new Date(requestedAt()),
      Status: 'Pending',
    };
    sent.push(command);
    return { Command: command };
  });
  ssmMock.on(ListCommandsCommand).callsFake((input: { InstanceId?: string; Filters?: Array<{ key?: string; value?: string }>; MaxResults?: number }) => {
    const after = input.Filters?.find((f) => f.key === 'InvokedAfter')?.value;
    const since = after ? Date.parse(after) : Number.NEGATIVE_INFINITY;
    const commands = sent
      .filter((c) => (input.InstanceId === undefined || c.InstanceIds?.includes(input.InstanceId)) && (c.RequestedDateTime?.getTime() ?? 0) >= since)
      .reverse()
      .slice(0, input.MaxResults ?? 50);
    return { Commands: commands };
  });
  ssmMock.on(GetCommandInvocationCommand).resolves({
    Status: 'Failed',
    StatusDetails: 'Failed',
    StandardOutputContent: 'downloading s3://my-models-bucket/llama-3-8b/',
    StandardErrorContent: 'warm-up failed: download of s3://my-models-bucket/llama-3-8b/ failed',
  });
  snsMock.on(PublishCommand).resolves({ MessageId: 'm-1' });
  ebMock.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] });
};

/** AWS rejects a call on an answered or expired action with this. */
export const noActiveAction = (): Error =>
  Object.assign(new Error('No active Lifecycle Action found with token c2f6a1d4-3b7e-4e9a-9c1d-5f2e8a7b6c30'), {
    name: 'ValidationError',
    $metadata: { httpStatusCode: 400 },
  });

/** Real deps over the mocked clients; state in memory; clock under the test's control. */
export const sdkDeps = (): { deps: LifecycleDeps; store: MemoryStateStore; clock: { now: number } } => {
  const clock = { now: T0 };
  const store = new MemoryStateStore(() => clock.now);
  const base = createLifecycleDeps(createAwsClients(), {
    TOPIC_ARN: TOPIC,
    EVENT_BUS_NAME: 'default',
    TABLE_NAME: 'unused',
    WARMUP_DOCUMENT_NAME: DOCUMENTS.warmup,
    DRAIN_DOCUMENT_NAME: DOCUMENTS.drain,
    ORCHESTRATOR_CONFIG_FILE: new URL('../../../config/profiles.json', import.meta.url).pathname,
  } as NodeJS.ProcessEnv);
  return { deps: { ...base, store, now: () => clock.now }, store, clock };
};

/** The bodies published to SNS, parsed. */
export const published = (): Array<Record<string, unknown>> =>
  snsMock.commandCalls(PublishCommand).map((c) => {
    const { Message, MessageStructure } = c.args[0].input;
    // MessageStructure json: one message per protocol (text for email); machines (sqs) get the JSON body.
    const body = MessageStructure === 'json' ? (JSON.parse(Message ?? '{}') as { sqs?: string }).sqs : Message;
    return JSON.parse(body ?? '{}') as Record<string, unknown>;
  });
