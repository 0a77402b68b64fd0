/**
 * The body of one message on the group-sweep queue: one Auto Scaling group's work, sent by the
 * reconcile tick (shared/fanout/tick.ts) and handled by groupSweep (functions/group-sweep.ts).
 *
 * Sample:
 * ```json
 * { "v": 1, "group": "ml-inference-gpu", "lifecycle": "waiting", "mix": true }
 * ```
 */
import * as v from 'valibot';
import type { GroupWork } from './policy/group-work';

/** Auto Scaling group names: 1–255 characters (https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_CreateAutoScalingGroup.html). */
const groupWorkSchema = v.strictObject({
  v: v.literal(1),
  group: v.pipe(v.string(), v.minLength(1), v.maxLength(255)),
  lifecycle: v.optional(v.picklist(['waiting', 'changed', 'new', 'due'])),
  mix: v.optional(v.literal(true)),
});

/** The message body for one group's work. */
export const encodeGroupWork = (work: GroupWork): string => JSON.stringify({ v: 1, ...work });

/** Parses a message body; undefined when it is not one of ours (a foreign or mangled message). */
export const parseGroupWork = (body: string): GroupWork | undefined => {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return undefined;
  }
  const parsed = v.safeParse(groupWorkSchema, json);
  if (!parsed.success) return undefined;
  const { v: _version, ...work } = parsed.output;
  return work;
};
