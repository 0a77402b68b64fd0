/**
 * EC2 Spot Instance interruption warning, sent two minutes before the interruption (hibernation
 * starts at once, so it gets the notice without the two minutes).
 *
 * Sample (EC2 user guide, "Spot Instance interruption notices"):
 * ```json
 * {
 *   "version": "0",
 *   "id": "12345678-1234-1234-1234-123456789012",
 *   "detail-type": "EC2 Spot Instance Interruption Warning",
 *   "source": "aws.ec2",
 *   "account": "123456789012",
 *   "time": "2026-11-27T10:15:00Z",
 *   "region": "us-east-2",
 *   "resources": ["arn:aws:ec2:us-east-2:123456789012:instance/i-1234567890abcdef0"],
 *   "detail": {
 *     "instance-id": "i-1234567890abcdef0",
 *     "instance-action": "terminate"
 *   }
 * }
 * ```
 * `instance-action` is `hibernate`, `stop` or `terminate`.
 */
import * as v from 'valibot';
import { lazy } from './lazy';
import { instanceIdSchema } from './primitives';

/** Detail-type of the Spot interruption warning. */
export const SPOT_INTERRUPTION_DETAIL_TYPE = 'EC2 Spot Instance Interruption Warning';

/** What EC2 is about to do to the Spot Instance. */
export type SpotInstanceAction = 'hibernate' | 'stop' | 'terminate';

/** A Spot interruption warning, camelCase. */
export interface SpotInterruptionDetail {
  readonly instanceId: string;
  readonly instanceAction: SpotInstanceAction;
}

/** Detail schema for `EC2 Spot Instance Interruption Warning`. */
export const spotInterruptionDetailSchema = lazy(() =>
  v.pipe(
    v.object({
      'instance-id': instanceIdSchema(),
      'instance-action': v.picklist(['hibernate', 'stop', 'terminate'], 'must be one of hibernate, stop, terminate'),
    }),
    v.transform((d): SpotInterruptionDetail => ({ instanceId: d['instance-id'], instanceAction: d['instance-action'] })),
  ),
);
