/**
 * The EventBridge envelope common to every AWS service event.
 *
 * Sample (EventBridge user guide, "Amazon EventBridge events"):
 * ```json
 * {
 *   "version": "0",
 *   "id": "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
 *   "detail-type": "EC2 Instance State-change Notification",
 *   "source": "aws.ec2",
 *   "account": "111122223333",
 *   "time": "2017-12-22T18:43:48Z",
 *   "region": "us-west-1",
 *   "resources": ["arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0"],
 *   "detail": { "instance-id": "i-1234567890abcdef0", "state": "terminated" }
 * }
 * ```
 * Unknown top-level keys are tolerated (AWS adds fields such as `replay-name`).
 */
import * as v from 'valibot';
import { lazy } from './lazy';
import { awsNameSchema, isoTimestampSchema } from './primitives';

/** The envelope of a parsed event, camelCase. */
export interface EventEnvelope {
  readonly id: string;
  readonly source: string;
  readonly detailType: string;
  readonly account: string;
  readonly region: string;
  readonly time: string;
  readonly resources: readonly string[];
}

/** A region code such as `us-east-1`, `us-gov-west-1`, `eu-central-2`. */
const REGION_PATTERN = /^[a-z]{2,4}(-[a-z]+)+-\d{1,2}$/;

/**
 * Envelope fields with AWS's key names; `detail` is validated separately by the registry. Built on
 * first use: events dropped before validation (unknown, foreign, test) never need them.
 */
export const envelopeFields = lazy(
  () =>
    ({
      id: awsNameSchema(256),
      source: awsNameSchema(256),
      'detail-type': awsNameSchema(256),
      account: v.pipe(v.string(), v.regex(/^\d{12}$/, 'must be a 12-digit AWS account id')),
      region: v.pipe(v.string(), v.maxLength(32, 'must be an AWS region code'), v.regex(REGION_PATTERN, 'must be an AWS region code')),
      time: isoTimestampSchema(),
      resources: v.array(v.pipe(v.string(), v.maxLength(2048, 'must be at most 2048 characters'))),
    }) as const,
);

/** Maps the validated raw envelope to {@link EventEnvelope}. */
export const toEnvelope = (raw: {
  id: string;
  source: string;
  'detail-type': string;
  account: string;
  region: string;
  time: string;
  resources: string[];
}): EventEnvelope => ({
  id: raw.id,
  source: raw.source,
  detailType: raw['detail-type'],
  account: raw.account,
  region: raw.region,
  time: raw.time,
  resources: raw.resources,
});
