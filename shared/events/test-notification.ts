/**
 * Auto Scaling test notifications: sent when a notification target or lifecycle hook is set up.
 * They carry no instance and must be skipped, never treated as malformed (NTH does the same in
 * `pkg/monitor/sqsevent/asg-lifecycle-event.go`).
 *
 * Sample (the raw message Auto Scaling sends to SQS/SNS targets):
 * ```json
 * {
 *   "AccountId": "123456789012",
 *   "RequestId": "4b3a5b1e-7d2c-4c3e-9a51-2f0e8c6d1a22",
 *   "AutoScalingGroupARN": "arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:…:autoScalingGroupName/my-asg",
 *   "AutoScalingGroupName": "my-asg",
 *   "Service": "AWS Auto Scaling",
 *   "Event": "autoscaling:TEST_NOTIFICATION",
 *   "Time": "2026-11-27T10:00:00.000Z"
 * }
 * ```
 * The same body can arrive as an EventBridge `detail`, and some emitters put the marker in
 * `LifecycleTransition` instead of `Event`: all four places are checked.
 */
import { isRecord, ownProperty } from './primitives';

/** The marker Auto Scaling puts in `Event` (or `LifecycleTransition`) of a test message. */
export const TEST_NOTIFICATION_EVENT = 'autoscaling:TEST_NOTIFICATION';

const carriesMarker = (value: Record<string, unknown>): boolean =>
  ownProperty(value, 'Event') === TEST_NOTIFICATION_EVENT || ownProperty(value, 'LifecycleTransition') === TEST_NOTIFICATION_EVENT;

/**
 * True when `input` is an Auto Scaling test notification, raw or wrapped in an EventBridge envelope.
 *
 * @example
 * ```ts
 * isTestNotification({ Service: 'AWS Auto Scaling', Event: 'autoscaling:TEST_NOTIFICATION' }) // true
 * ```
 */
export const isTestNotification = (input: unknown): boolean => {
  if (!isRecord(input)) return false;
  if (carriesMarker(input)) return true;
  const detail = ownProperty(input, 'detail');
  return isRecord(detail) && carriesMarker(detail);
};
