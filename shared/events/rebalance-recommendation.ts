/**
 * EC2 instance rebalance recommendation: the Spot Instance is at elevated risk of interruption,
 * possibly well before the two-minute warning.
 *
 * Sample (EC2 user guide, "EC2 instance rebalance recommendations"):
 * ```json
 * {
 *   "version": "0",
 *   "id": "12345678-1234-1234-1234-123456789012",
 *   "detail-type": "EC2 Instance Rebalance Recommendation",
 *   "source": "aws.ec2",
 *   "account": "123456789012",
 *   "time": "2026-11-27T10:10:00Z",
 *   "region": "us-east-2",
 *   "resources": ["arn:aws:ec2:us-east-2:123456789012:instance/i-1234567890abcdef0"],
 *   "detail": {
 *     "instance-id": "i-1234567890abcdef0"
 *   }
 * }
 * ```
 */
import * as v from 'valibot';
import { lazy } from './lazy';
import { instanceIdSchema } from './primitives';

/** Detail-type of the rebalance recommendation. */
export const REBALANCE_RECOMMENDATION_DETAIL_TYPE = 'EC2 Instance Rebalance Recommendation';

/** A rebalance recommendation, camelCase. */
export interface RebalanceRecommendationDetail {
  readonly instanceId: string;
}

/** Detail schema for `EC2 Instance Rebalance Recommendation`. */
export const rebalanceRecommendationDetailSchema = lazy(() =>
  v.pipe(
    v.object({ 'instance-id': instanceIdSchema() }),
    v.transform((d): RebalanceRecommendationDetail => ({ instanceId: d['instance-id'] })),
  ),
);
