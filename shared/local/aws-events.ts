/**
 * EventBridge events exactly as AWS emits them (the shapes of the samples in events/): the model
 * builds these JSON values and the runner routes them to the function whose rule matches.
 */
import {
  ACTIVITY_DETAIL_TYPES,
  COMMAND_STATUS_DETAIL_TYPE,
  LAUNCH_LIFECYCLE_DETAIL_TYPE,
  REBALANCE_RECOMMENDATION_DETAIL_TYPE,
  SPOT_INTERRUPTION_DETAIL_TYPE,
  TERMINATE_LIFECYCLE_DETAIL_TYPE,
} from '../events';
/** ISO-8601 time without milliseconds (the envelope's `time`). */
const isoSeconds = (at: number): string => new Date(Math.floor(at / 1000) * 1000).toISOString().replace('.000Z', 'Z');
/** ISO-8601 time with milliseconds. */
const isoMillis = (at: number): string => new Date(at).toISOString();

export const SIM_ACCOUNT = '123456789012';
export const SIM_REGION = 'us-east-1';

/** An AWS event as delivered by EventBridge (kebab-case envelope keys). */
export interface AwsEvent {
  version: '0';
  id: string;
  'detail-type': string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: Record<string, unknown>;
}

export const instanceArn = (instanceId: string): string => `arn:aws:ec2:${SIM_REGION}:${SIM_ACCOUNT}:instance/${instanceId}`;

const envelope = (id: string, source: string, detailType: string, at: number, resources: string[], detail: Record<string, unknown>): AwsEvent => ({
  version: '0',
  id,
  'detail-type': detailType,
  source,
  account: SIM_ACCOUNT,
  time: isoSeconds(at),
  region: SIM_REGION,
  resources,
  detail,
});

/** `EC2 Instance-launch Lifecycle Action` / `EC2 Instance-terminate Lifecycle Action`. */
export const lifecycleActionEvent = (a: {
  id: string;
  at: number;
  groupArn: string;
  groupName: string;
  hookName: string;
  instanceId: string;
  token: string;
  transition: 'launch' | 'terminate';
}): AwsEvent =>
  envelope(a.id, 'aws.autoscaling', a.transition === 'launch' ? LAUNCH_LIFECYCLE_DETAIL_TYPE : TERMINATE_LIFECYCLE_DETAIL_TYPE, a.at, [a.groupArn], {
    LifecycleActionToken: a.token,
    AutoScalingGroupName: a.groupName,
    LifecycleHookName: a.hookName,
    EC2InstanceId: a.instanceId,
    LifecycleTransition: a.transition === 'launch' ? 'autoscaling:EC2_INSTANCE_LAUNCHING' : 'autoscaling:EC2_INSTANCE_TERMINATING',
    NotificationMetadata: 'asg-orchestrator',
    Origin: a.transition === 'launch' ? 'EC2' : 'AutoScalingGroup',
    Destination: a.transition === 'launch' ? 'AutoScalingGroup' : 'EC2',
  });

/** The four Auto Scaling activity results. */
export const activityEvent = (a: {
  id: string;
  activityId: string;
  kind: keyof typeof ACTIVITY_DETAIL_TYPES;
  at: number;
  startedAt: number;
  groupArn: string;
  groupName: string;
  instanceId?: string;
  availabilityZone: string;
  subnetId: string;
  statusCode: string;
  statusMessage: string;
  cause: string;
  description: string;
}): AwsEvent =>
  envelope(a.id, 'aws.autoscaling', ACTIVITY_DETAIL_TYPES[a.kind], a.at, a.instanceId ? [a.groupArn, instanceArn(a.instanceId)] : [a.groupArn], {
    StatusCode: a.statusCode,
    AutoScalingGroupName: a.groupName,
    ActivityId: a.activityId,
    Details: { 'Availability Zone': a.availabilityZone, 'Subnet ID': a.subnetId },
    RequestId: a.activityId,
    StatusMessage: a.statusMessage,
    EndTime: isoMillis(a.at),
    EC2InstanceId: a.instanceId ?? '',
    StartTime: isoMillis(a.startedAt),
    Cause: a.cause,
    Description: a.description,
  });

/** `EC2 Spot Instance Interruption Warning` (two minutes ahead). */
export const spotInterruptionEvent = (id: string, at: number, instanceId: string): AwsEvent =>
  envelope(id, 'aws.ec2', SPOT_INTERRUPTION_DETAIL_TYPE, at, [instanceArn(instanceId)], { 'instance-id': instanceId, 'instance-action': 'terminate' });

/** `EC2 Instance Rebalance Recommendation`. */
export const rebalanceEvent = (id: string, at: number, instanceId: string): AwsEvent =>
  envelope(id, 'aws.ec2', REBALANCE_RECOMMENDATION_DETAIL_TYPE, at, [instanceArn(instanceId)], { 'instance-id': instanceId });

/** `EC2 Command Invocation Status-change Notification` (kebab-case detail keys). */
export const commandStatusEvent = (a: {
  id: string;
  at: number;
  commandId: string;
  documentName: string;
  instanceId: string;
  requestedAt: number;
  status: string;
}): AwsEvent =>
  envelope(a.id, 'aws.ssm', COMMAND_STATUS_DETAIL_TYPE, a.at, [instanceArn(a.instanceId)], {
    'command-id': a.commandId,
    'document-name': a.documentName,
    'instance-id': a.instanceId,
    'requested-date-time': isoMillis(a.requestedAt),
    status: a.status,
  });

/** The `rate(1 minute)` schedule that invokes reconcile. */
export const scheduledEvent = (id: string, at: number, ruleName: string): AwsEvent =>
  envelope(id, 'aws.events', 'Scheduled Event', at, [`arn:aws:events:${SIM_REGION}:${SIM_ACCOUNT}:rule/${ruleName}`], {});
