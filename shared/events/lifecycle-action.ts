/**
 * Auto Scaling lifecycle action events (launch and terminate hooks).
 *
 * Sample (EC2 Auto Scaling user guide, "Amazon EC2 Auto Scaling event reference"):
 * ```json
 * {
 *   "version": "0",
 *   "id": "12345678-1234-1234-1234-123456789012",
 *   "detail-type": "EC2 Instance-launch Lifecycle Action",
 *   "source": "aws.autoscaling",
 *   "account": "123456789012",
 *   "time": "2021-01-13T00:12:37.214Z",
 *   "region": "us-west-2",
 *   "resources": ["auto-scaling-group-arn"],
 *   "detail": {
 *     "LifecycleActionToken": "87654321-4321-4321-4321-210987654321",
 *     "AutoScalingGroupName": "my-asg",
 *     "LifecycleHookName": "my-lifecycle-hook",
 *     "EC2InstanceId": "i-1234567890abcdef0",
 *     "LifecycleTransition": "autoscaling:EC2_INSTANCE_LAUNCHING",
 *     "NotificationMetadata": "additional-info",
 *     "Origin": "EC2",
 *     "Destination": "AutoScalingGroup"
 *   }
 * }
 * ```
 * `Origin`/`Destination` (`EC2 | AutoScalingGroup | WarmPool`) are sent only "if that information is
 * available", so both are optional. The terminate event has the same shape with
 * `autoscaling:EC2_INSTANCE_TERMINATING`.
 */
import * as v from 'valibot';
import { lazy } from './lazy';
import { awsNameSchema, freeTextSchema, guidSchema, instanceIdSchema } from './primitives';

/** Detail-type of the launch lifecycle action event. */
export const LAUNCH_LIFECYCLE_DETAIL_TYPE = 'EC2 Instance-launch Lifecycle Action';
/** Detail-type of the terminate lifecycle action event. */
export const TERMINATE_LIFECYCLE_DETAIL_TYPE = 'EC2 Instance-terminate Lifecycle Action';

/** The two transitions a lifecycle hook can wait on. */
export type LifecycleTransition = 'autoscaling:EC2_INSTANCE_LAUNCHING' | 'autoscaling:EC2_INSTANCE_TERMINATING';

/** Where an instance comes from / goes to; warm pools add `WarmPool`. */
export type LifecycleLocation = 'EC2' | 'AutoScalingGroup' | 'WarmPool';

/** A lifecycle action, camelCase. `token` is AWS's `LifecycleActionToken`. */
export interface LifecycleActionDetail {
  readonly groupName: string;
  readonly hookName: string;
  readonly instanceId: string;
  readonly token: string;
  readonly transition: LifecycleTransition;
  readonly notificationMetadata?: string;
  readonly origin?: LifecycleLocation;
  readonly destination?: LifecycleLocation;
  readonly requestId?: string;
}

const location = () => v.picklist(['EC2', 'AutoScalingGroup', 'WarmPool'], 'must be one of EC2, AutoScalingGroup, WarmPool');

/**
 * Builds the detail schema for one transition: a launch event that carries a TERMINATING transition
 * (or the reverse) is malformed, because acting on it would complete the wrong hook.
 */
const lifecycleDetailSchema = (transition: LifecycleTransition, detailType: string) =>
  v.pipe(
    v.object({
      LifecycleActionToken: guidSchema(),
      AutoScalingGroupName: awsNameSchema(),
      LifecycleHookName: awsNameSchema(),
      EC2InstanceId: instanceIdSchema(),
      LifecycleTransition: v.literal(transition, `must be ${transition} for ${detailType}`),
      NotificationMetadata: v.optional(freeTextSchema(1023)),
      Origin: v.optional(location()),
      Destination: v.optional(location()),
      RequestId: v.optional(freeTextSchema(255)),
    }),
    v.transform(
      (d): LifecycleActionDetail => ({
        groupName: d.AutoScalingGroupName,
        hookName: d.LifecycleHookName,
        instanceId: d.EC2InstanceId,
        token: d.LifecycleActionToken,
        transition: d.LifecycleTransition,
        ...(d.NotificationMetadata === undefined ? {} : { notificationMetadata: d.NotificationMetadata }),
        ...(d.Origin === undefined ? {} : { origin: d.Origin }),
        ...(d.Destination === undefined ? {} : { destination: d.Destination }),
        ...(d.RequestId === undefined ? {} : { requestId: d.RequestId }),
      }),
    ),
  );

/** Detail schema for `EC2 Instance-launch Lifecycle Action`. */
export const launchLifecycleDetailSchema = lazy(() => lifecycleDetailSchema('autoscaling:EC2_INSTANCE_LAUNCHING', LAUNCH_LIFECYCLE_DETAIL_TYPE));

/** Detail schema for `EC2 Instance-terminate Lifecycle Action`. */
export const terminateLifecycleDetailSchema = lazy(() => lifecycleDetailSchema('autoscaling:EC2_INSTANCE_TERMINATING', TERMINATE_LIFECYCLE_DETAIL_TYPE));
