/**
 * Auto Scaling instance refresh progress events.
 *
 * Sample (EC2 Auto Scaling user guide, "Instance refresh example events and patterns"):
 * ```json
 * {
 *   "version": "0",
 *   "id": "12345678-1234-1234-1234-123456789012",
 *   "detail-type": "EC2 Auto Scaling Instance Refresh Checkpoint Reached",
 *   "source": "aws.autoscaling",
 *   "account": "123456789012",
 *   "time": "2026-11-27T10:00:00Z",
 *   "region": "us-west-2",
 *   "resources": ["auto-scaling-group-arn"],
 *   "detail": {
 *     "InstanceRefreshId": "ab00cf8f-9126-4f3c-8010-dbb8cad6fb86",
 *     "AutoScalingGroupName": "my-asg",
 *     "CheckpointPercentage": "50",
 *     "CheckpointDelay": "300"
 *   }
 * }
 * ```
 * The other detail-types carry only `InstanceRefreshId` and `AutoScalingGroupName`. The list of
 * detail-types is the EventBridge reference's ("Amazon EC2 Auto Scaling events"). The events carry
 * no percentage complete: DescribeInstanceRefreshes has it.
 */
import * as v from 'valibot';
import { awsNameSchema } from './primitives';

/** Phase of an instance refresh, one per detail-type. */
export type InstanceRefreshPhase =
  | 'started'
  | 'checkpoint-reached'
  | 'baking-started'
  | 'succeeded'
  | 'failed'
  | 'cancelled'
  | 'rollback-started'
  | 'rollback-succeeded'
  | 'rollback-failed';

/** Detail-type of each instance refresh phase. */
export const INSTANCE_REFRESH_DETAIL_TYPES: Readonly<Record<InstanceRefreshPhase, string>> = {
  started: 'EC2 Auto Scaling Instance Refresh Started',
  'checkpoint-reached': 'EC2 Auto Scaling Instance Refresh Checkpoint Reached',
  'baking-started': 'EC2 Auto Scaling Instance Refresh Started Baking',
  succeeded: 'EC2 Auto Scaling Instance Refresh Succeeded',
  failed: 'EC2 Auto Scaling Instance Refresh Failed',
  cancelled: 'EC2 Auto Scaling Instance Refresh Cancelled',
  'rollback-started': 'EC2 Auto Scaling Instance Refresh Rollback Started',
  'rollback-succeeded': 'EC2 Auto Scaling Instance Refresh Rollback Succeeded',
  'rollback-failed': 'EC2 Auto Scaling Instance Refresh Rollback Failed',
};

/** An instance refresh event, camelCase. Checkpoint fields appear on `checkpoint-reached` only. */
export interface InstanceRefreshDetail {
  readonly groupName: string;
  readonly instanceRefreshId: string;
  readonly phase: InstanceRefreshPhase;
  /** Percentage of instances replaced when the checkpoint was reached (0–100). */
  readonly checkpointPercentage?: number;
  /** Seconds the refresh waits at this checkpoint. */
  readonly checkpointDelaySeconds?: number;
}

/** AWS sends these numbers as strings ("50"); accept a number too, but nothing else. */
const numericString = (max: number) =>
  v.pipe(
    v.union(
      [
        v.pipe(v.string(), v.regex(/^\d{1,9}$/, 'must be a whole number')),
        v.pipe(v.number(), v.integer('must be a whole number'), v.minValue(0, 'must be a whole number')),
      ],
      'must be a whole number',
    ),
    v.transform(Number),
    v.maxValue(max, `must be at most ${max}`),
  );

/** Builds the detail schema for one phase; the phase comes from the detail-type, not the body. */
export const instanceRefreshDetailSchema = (phase: InstanceRefreshPhase) =>
  v.pipe(
    v.object({
      InstanceRefreshId: awsNameSchema(),
      AutoScalingGroupName: awsNameSchema(),
      CheckpointPercentage: v.optional(numericString(100)),
      // The API caps CheckpointDelay at 2 days (172800 s).
      CheckpointDelay: v.optional(numericString(172_800)),
    }),
    v.transform(
      (d): InstanceRefreshDetail => ({
        groupName: d.AutoScalingGroupName,
        instanceRefreshId: d.InstanceRefreshId,
        phase,
        ...(d.CheckpointPercentage === undefined ? {} : { checkpointPercentage: d.CheckpointPercentage }),
        ...(d.CheckpointDelay === undefined ? {} : { checkpointDelaySeconds: d.CheckpointDelay }),
      }),
    ),
  );
