/**
 * Field schemas shared by the event detail schemas. Patterns follow the AWS API references:
 * an EC2 instance id is `i-` plus 8 or 17 hex digits (we accept 8–17 so that a future length
 * does not turn real events into drops), names are 1–255 characters, tokens are GUIDs.
 */
import * as v from 'valibot';
import { lazy } from './lazy';

/** True for a plain object (not null, not an array): the only shape an event can have. */
export const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** `value[key]` when it is an own property; an inherited value counts as absent. */
export const ownProperty = (value: object, key: string): unknown => (Object.hasOwn(value, key) ? (value as Record<string, unknown>)[key] : undefined);

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
  v.pipe(
    v.string(),
    v.maxLength(19, 'must be an EC2 instance id (i- and 8 to 17 hex digits)'),
    v.regex(INSTANCE_ID_PATTERN, 'must be an EC2 instance id (i- and 8 to 17 hex digits)'),
  ),
);

/**
 * Schema for an AWS resource name (Auto Scaling group, lifecycle hook, refresh id): 1–`max`
 * characters without control characters.
 */
export const awsNameSchema = (max = 255) =>
  v.pipe(
    v.string(),
    v.minLength(1, 'must not be empty'),
    v.maxLength(max, `must be at most ${max} characters`),
    v.check((s) => !hasControlCharacter(s), 'must not contain control characters'),
  );

/** 8-4-4-4-12 hex digits, any version and variant. */
const GUID_PATTERN = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/**
 * Schema for a GUID such as a lifecycle action token or an SSM command id. Not `v.uuid()`:
 * AWS's own examples (`87654321-4321-4321-4321-210987654321`) are not RFC 9562 variants.
 */
export const guidSchema = lazy(() => v.pipe(v.string(), v.regex(GUID_PATTERN, 'must be a GUID (8-4-4-4-12 hex digits)')));

/** Schema for an ISO 8601 timestamp as AWS writes them (`2026-11-27T10:00:00Z`, with or without fraction, or an offset). */
export const isoTimestampSchema = lazy(() =>
  v.pipe(v.string(), v.maxLength(64, 'must be an ISO 8601 timestamp'), v.isoTimestamp('must be an ISO 8601 timestamp')),
);

/** Schema for free text that AWS writes (causes, messages, metadata): bounded so a log line stays sane. */
export const freeTextSchema = (max = 4096) => v.pipe(v.string(), v.maxLength(max, `must be at most ${max} characters`));
