/**
 * Auto Scaling activity results: instance launch/terminate successful/unsuccessful.
 *
 * Sample (EC2 Auto Scaling user guide, "Amazon EC2 Auto Scaling event reference"):
 * ```json
 * {
 *   "version": "0",
 *   "id": "12345678-1234-1234-1234-123456789012",
 *   "detail-type": "EC2 Instance Launch Unsuccessful",
 *   "source": "aws.autoscaling",
 *   "account": "123456789012",
 *   "time": "2026-11-27T10:00:05Z",
 *   "region": "us-west-2",
 *   "resources": ["auto-scaling-group-arn", "instance-arn"],
 *   "detail": {
 *     "StatusCode": "Failed",
 *     "AutoScalingGroupName": "my-auto-scaling-group",
 *     "ActivityId": "87654321-4321-4321-4321-210987654321",
 *     "Details": { "Availability Zone": "us-west-2b", "Subnet ID": "subnet-12345678" },
 *     "RequestId": "12345678-1234-1234-1234-123456789012",
 *     "StatusMessage": "message-text",
 *     "EndTime": "2026-11-27T10:00:05Z",
 *     "EC2InstanceId": "",
 *     "StartTime": "2026-11-27T10:00:00Z",
 *     "Cause": "description-text"
 *   }
 * }
 * ```
 * The successful variants also carry `Description` ("Launching a new EC2 instance: i-…"); AWS's
 * unsuccessful examples omit it, so it defaults to `''`. `EC2InstanceId` is empty when no
 * instance was created. Warm-pool groups add `Origin`/`Destination`.
 */
import * as v from 'valibot';
import { lazy } from './lazy';
import { awsNameSchema, freeTextSchema, instanceIdSchema, isoTimestampSchema } from './primitives';

/** Detail-types of the four activity results, keyed by our kind. */
export const ACTIVITY_DETAIL_TYPES = {
  'launch-successful': 'EC2 Instance Launch Successful',
  'launch-unsuccessful': 'EC2 Instance Launch Unsuccessful',
  'terminate-successful': 'EC2 Instance Terminate Successful',
  'terminate-unsuccessful': 'EC2 Instance Terminate Unsuccessful',
} as const;

/** One activity result kind. */
export type ActivityKind = keyof typeof ACTIVITY_DETAIL_TYPES;

/** Where an instance comes from / goes to (warm-pool groups only). */
export type ActivityLocation = 'EC2' | 'AutoScalingGroup' | 'WarmPool';

/** An Auto Scaling activity result, camelCase. `details` is AWS's `Details` object (string values only). */
export interface ActivityDetail {
  readonly groupName: string;
  readonly activityId: string;
  readonly instanceId?: string;
  readonly statusCode: string;
  readonly statusMessage: string;
  readonly description: string;
  readonly cause: string;
  readonly startTime: string;
  readonly endTime?: string;
  readonly availabilityZone?: string;
  readonly subnetId?: string;
  readonly origin?: ActivityLocation;
  readonly destination?: ActivityLocation;
  readonly details: Readonly<Record<string, string>>;
}

/** At most this many `Details` entries are kept: AWS sends two or three. */
const MAX_DETAILS_ENTRIES = 32;

/** Detail schema shared by the four activity detail-types (built on first use). */
export const activityDetailSchema = lazy(() => {
  const location = v.picklist(['EC2', 'AutoScalingGroup', 'WarmPool'], 'must be one of EC2, AutoScalingGroup, WarmPool');
  return v.pipe(
    v.object({
      AutoScalingGroupName: awsNameSchema(),
      ActivityId: awsNameSchema(),
      // An unsuccessful launch reports "" when EC2 created nothing.
      EC2InstanceId: v.optional(v.union([v.literal(''), instanceIdSchema()])),
      StatusCode: awsNameSchema(),
      StatusMessage: v.optional(freeTextSchema()),
      Description: v.optional(freeTextSchema()),
      Cause: freeTextSchema(),
      StartTime: isoTimestampSchema(),
      EndTime: v.optional(isoTimestampSchema()),
      Origin: v.optional(location),
      Destination: v.optional(location),
      Details: v.optional(v.record(v.string(), v.unknown())),
    }),
    v.transform((d): ActivityDetail => {
      // Keep string values only: AWS may add structured entries, and consumers expect strings.
      // Object.fromEntries defines own properties, so a "__proto__" key cannot touch the prototype.
      const details: Record<string, string> = Object.fromEntries(
        Object.entries(d.Details ?? {})
          .filter((entry): entry is [string, string] => typeof entry[1] === 'string')
          .slice(0, MAX_DETAILS_ENTRIES),
      );
      const availabilityZone = details['Availability Zone'];
      const subnetId = details['Subnet ID'];
      return {
        groupName: d.AutoScalingGroupName,
        activityId: d.ActivityId,
        ...(d.EC2InstanceId ? { instanceId: d.EC2InstanceId } : {}),
        statusCode: d.StatusCode,
        statusMessage: d.StatusMessage ?? '',
        description: d.Description ?? '',
        cause: d.Cause,
        startTime: d.StartTime,
        ...(d.EndTime === undefined ? {} : { endTime: d.EndTime }),
        ...(availabilityZone ? { availabilityZone } : {}),
        ...(subnetId ? { subnetId } : {}),
        ...(d.Origin === undefined ? {} : { origin: d.Origin }),
        ...(d.Destination === undefined ? {} : { destination: d.Destination }),
        details,
      };
    }),
  );
});
