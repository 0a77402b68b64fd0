/**
 * Field schemas shared by the event detail schemas. Patterns follow the AWS API references:
 * an EC2 instance id is `i-` plus 8 or 17 hex digits (we accept 8–17 so that a future length
 * does not turn real events into drops), names are 1–255 characters, tokens are GUIDs.
 */
import { lazy } from './lazy';
import * as v from './validate';

/**
 * A custom message for a value that is present but wrong; a missing value keeps the default
 * "expected string, received undefined", which says more than a format hint would.
 */
export const whenPresent =
  (message: string) =>
  (issue: { input?: unknown }): string | undefined =>
    issue.input === undefined ? undefined : message;

/** An EC2 instance id, e.g. `i-0abc1234def567890`. */
export const INSTANCE_ID_PATTERN = /^i-[0-9a-f]{8,17}$/;

/** Any C0 control character or DEL: never legitimate in a name, and a log-injection risk. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point.
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/g;

/** True when `text` holds a control character. */
export const hasControlCharacter = (text: string): boolean => text.search(CONTROL_CHARACTERS) !== -1;

/** Replaces each control character with `?`, so hostile input cannot forge log lines. */
export const replaceControlCharacters = (text: string): string => text.replace(CONTROL_CHARACTERS, '?');

/** Schema for an EC2 instance id. */
export const instanceIdSchema = lazy(() =>
  v
    .string()
    .check(
      v.maxLength(19, { error: 'must be an EC2 instance id (i- and 8 to 17 hex digits)' }),
      v.regex(INSTANCE_ID_PATTERN, { error: 'must be an EC2 instance id (i- and 8 to 17 hex digits)' }),
    ),
);

/**
 * Schema for an AWS resource name (Auto Scaling group, lifecycle hook, refresh id): 1–`max`
 * characters without control characters.
 */
export const awsNameSchema = (max = 255) =>
  v
    .string()
    .check(
      v.minLength(1, { error: 'must not be empty' }),
      v.maxLength(max, { error: `must be at most ${max} characters` }),
      v.refine((s) => !hasControlCharacter(s), { error: 'must not contain control characters' }),
    );

/**
 * Schema for a GUID such as a lifecycle action token or an SSM command id. Not `v.uuid()`:
 * AWS's own examples (`87654321-4321-4321-4321-210987654321`) are not RFC 9562 variants.
 */
export const guidSchema = lazy(() => v.guid({ error: whenPresent('must be a GUID (8-4-4-4-12 hex digits)') }));

/** Schema for an ISO 8601 timestamp as AWS writes them (`2026-11-27T10:00:00Z`, with or without fraction). */
export const isoTimestampSchema = lazy(() =>
  v.iso.datetime({ offset: true, error: whenPresent('must be an ISO 8601 timestamp') }),
);

/** Schema for free text that AWS writes (causes, messages, metadata): bounded so a log line stays sane. */
export const freeTextSchema = (max = 4096) =>
  v.string().check(v.maxLength(max, { error: `must be at most ${max} characters` }));
