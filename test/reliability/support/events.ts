/** The events of the reliability tier (the shapes of events/*.json). */
import { DOCUMENTS, GROUP, LAUNCH_HOOK, T0, TERMINATE_HOOK } from './names';

/** A deterministic GUID (8-4-4-4-12 hex) for a name: event ids and lifecycle tokens are GUIDs. */
export const guid = (name: string): string => {
  let h = 0x811c9dc5;
  let hex = '';
  for (let round = 0; hex.length < 32; round += 1) {
    for (const ch of `${round}:${name}`) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0;
    hex += h.toString(16).padStart(8, '0');
  }
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
};

const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.000Z$/, 'Z');
const groupArn = (group: string): string => `arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:1111:autoScalingGroupName/${group}`;
const envelope = (name: string, source: string, detailType: string, at: number, resources: string[], detail: Record<string, unknown>) => ({
  version: '0',
  id: guid(name),
  'detail-type': detailType,
  source,
  account: '123456789012',
  time: iso(at),
  region: 'us-east-1',
  resources,
  detail,
});

export const events = {
  launch: (instanceId: string, group = GROUP, at = T0) =>
    envelope(`launch-${instanceId}`, 'aws.autoscaling', 'EC2 Instance-launch Lifecycle Action', at, [groupArn(group)], {
      LifecycleActionToken: guid(`token-launch-${instanceId}`),
      AutoScalingGroupName: group,
      LifecycleHookName: LAUNCH_HOOK,
      EC2InstanceId: instanceId,
      LifecycleTransition: 'autoscaling:EC2_INSTANCE_LAUNCHING',
      Origin: 'EC2',
      Destination: 'AutoScalingGroup',
    }),
  terminate: (instanceId: string, group = GROUP, at = T0) =>
    envelope(`terminate-${instanceId}`, 'aws.autoscaling', 'EC2 Instance-terminate Lifecycle Action', at, [groupArn(group)], {
      LifecycleActionToken: guid(`token-terminate-${instanceId}`),
      AutoScalingGroupName: group,
      LifecycleHookName: TERMINATE_HOOK,
      EC2InstanceId: instanceId,
      LifecycleTransition: 'autoscaling:EC2_INSTANCE_TERMINATING',
      Origin: 'AutoScalingGroup',
      Destination: 'EC2',
    }),
  command: (commandId: string, status: string, instanceId: string, documentName = DOCUMENTS.warmup, at = T0) =>
    envelope(
      `cmd-${commandId}-${status}`,
      'aws.ssm',
      'EC2 Command Invocation Status-change Notification',
      at,
      [`arn:aws:ec2:us-east-1:123456789012:instance/${instanceId}`],
      {
        'command-id': commandId,
        'document-name': documentName,
        'instance-id': instanceId,
        'requested-date-time': iso(at),
        status,
      },
    ),
  spot: (instanceId: string, at = T0, id = `spot-${instanceId}`) =>
    envelope(id, 'aws.ec2', 'EC2 Spot Instance Interruption Warning', at, [`arn:aws:ec2:us-east-1:123456789012:instance/${instanceId}`], {
      'instance-id': instanceId,
      'instance-action': 'terminate',
    }),
  rebalance: (instanceId: string, at = T0, id = `rebalance-${instanceId}`) =>
    envelope(id, 'aws.ec2', 'EC2 Instance Rebalance Recommendation', at, [`arn:aws:ec2:us-east-1:123456789012:instance/${instanceId}`], {
      'instance-id': instanceId,
    }),
  launchUnsuccessful: (group = GROUP, at = T0, id = `lu-${group}-${at}`, az = 'us-east-1a') =>
    envelope(id, 'aws.autoscaling', 'EC2 Instance Launch Unsuccessful', at, [groupArn(group)], {
      StatusCode: 'Failed',
      AutoScalingGroupName: group,
      ActivityId: guid(`act-${id}`),
      Details: { 'Availability Zone': az, 'Subnet ID': 'subnet-0b2c3d4e5f6071829' },
      RequestId: guid(`act-${id}`),
      StatusMessage: `Could not launch Spot Instances. InsufficientInstanceCapacity - We currently do not have sufficient g5.xlarge capacity in the Availability Zone you requested (${az}). Launching EC2 instance failed.`,
      EndTime: iso(at),
      EC2InstanceId: '',
      StartTime: iso(at - 1000),
      Cause:
        'At 2026-11-27T10:14:05Z an instance was started in response to a difference between desired and actual capacity, increasing the capacity from 5 to 6.',
    }),
  launchSuccessful: (instanceId: string, group = GROUP, at = T0) =>
    envelope(
      `ls-${instanceId}`,
      'aws.autoscaling',
      'EC2 Instance Launch Successful',
      at,
      [groupArn(group), `arn:aws:ec2:us-east-1:123456789012:instance/${instanceId}`],
      {
        StatusCode: 'InProgress',
        AutoScalingGroupName: group,
        ActivityId: guid(`act-ls-${instanceId}`),
        Details: { 'Availability Zone': 'us-east-1a', 'Subnet ID': 'subnet-0a1b2c3d4e5f60718' },
        RequestId: guid(`act-ls-${instanceId}`),
        StatusMessage: '',
        EndTime: iso(at),
        EC2InstanceId: instanceId,
        StartTime: iso(at - 60_000),
        Cause:
          'At 2026-11-27T09:59:58Z an instance was started in response to a difference between desired and actual capacity, increasing the capacity from 3 to 4.',
        Description: `Launching a new EC2 instance: ${instanceId}`,
      },
    ),
  terminationPolicy: (group = GROUP, ids: string[] = ['i-0000000000000a001', 'i-0000000000000a002', 'i-0000000000000a003']) => ({
    AutoScalingGroupARN: groupArn(group),
    AutoScalingGroupName: group,
    CapacityToTerminate: [{ AvailabilityZone: 'us-east-1a', Capacity: 1, InstanceMarketOption: 'spot' }],
    Instances: ids.map((id) => ({ AvailabilityZone: 'us-east-1a', InstanceId: id, InstanceType: 'g5.xlarge', InstanceMarketOption: 'spot' })),
    Cause: 'SCALE_IN',
  }),
};

/** A 17-hex-digit instance id for index n. */
export const instanceId = (n: number): string => `i-${n.toString(16).padStart(17, '0')}`;
