import { isServerError, isThrottlingError, isTransientError } from '@smithy/service-error-classification';
import { AwsCallError, type Disposition } from '../errors';

/**
 * The one place that decides what an AWS error means for a handler.
 *
 * - `already-done`: the side effect is already in the state we wanted (a lifecycle action that was
 *   completed, abandoned or expired: AWS answers `ValidationError` "No active Lifecycle Action found").
 * - `drop`: the request can never succeed as sent (validation, unknown instance/document, missing
 *   resource): retrying would only add load; log once and return.
 * - `retry`: whatever the SDK's retry strategy classifies as throttling, transient or a server error
 *   (@smithy/service-error-classification, {@link sdkRetryKind}), and anything not recognised.
 *   Rethrown, so Lambda retries and, when retries run out, the on-failure destination keeps the event.
 *
 * @example
 * ```ts
 * classifyAwsError({ name: 'ValidationError', message: 'No active Lifecycle Action found with token …' })
 * // → { disposition: 'already-done', errorName: 'ValidationError' }
 * ```
 */
export interface ErrorClassification {
  disposition: Disposition;
  errorName: string;
  message: string;
}

/**
 * Error names that mean "this request will never succeed as sent" (unless the SDK classifies the same
 * error as retryable, e.g. with a 5xx status): the project's own judgement, per API reference errors.
 */
export const DROP_ERROR_NAMES: ReadonlySet<string> = new Set([
  'ValidationError',
  'ValidationException',
  'InvalidParameter',
  'InvalidParameterValue',
  'InvalidParameterException',
  'InvalidParameterCombination',
  'InvalidParameters',
  'InvalidInstanceId',
  'InvalidDocument',
  'InvalidDocumentVersion',
  'InvalidOutputFolder',
  'InvalidRole',
  'UnsupportedPlatformType',
  'ResourceNotFoundException',
  'NotFoundException',
  'NotFound',
  'InvalidNextToken',
]);

/**
 * CompleteLifecycleAction / RecordLifecycleActionHeartbeat on an action that was completed, abandoned
 * or timed out answer `ValidationError` "No active Lifecycle Action found with …"
 * (https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_CompleteLifecycleAction.html,
 * https://docs.aws.amazon.com/autoscaling/ec2/userguide/completing-lifecycle-hooks.html).
 */
const ALREADY_DONE_MESSAGE = /No active Lifecycle Action found/i;

/** What @smithy/service-error-classification reads: an SDK `ServiceException`, or a Node system error. */
type SdkErrorShape = Parameters<typeof isTransientError>[0];

interface ErrorLike {
  name?: unknown;
  code?: unknown;
  Code?: unknown;
  message?: unknown;
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/**
 * Why the SDK's own retry strategy would retry this error, through the same classifiers it uses
 * (@smithy/service-error-classification: throttling codes and HTTP 429, timeouts and Node network
 * codes, 500/502/503/504, the `$retryable` trait, other 5xx); `undefined` when none applies.
 * https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html
 */
export const sdkRetryKind = (error: unknown): 'throttling' | 'transient' | 'server' | undefined => {
  if (typeof error !== 'object' || error === null) return undefined;
  const e = error as SdkErrorShape;
  try {
    if (isThrottlingError(e)) return 'throttling';
    if (isTransientError(e)) return 'transient';
    if (isServerError(e)) return 'server';
  } catch {
    // An exotic thrown value (a throwing getter) is not an SDK error: the caller's default applies.
  }
  return undefined;
};

/** Classifies any thrown value. Never throws. */
export const classifyAwsError = (error: unknown): ErrorClassification => {
  const e: ErrorLike = typeof error === 'object' && error !== null ? (error as ErrorLike) : {};
  let errorName: string;
  let message: string;
  try {
    errorName = str(e.name) || str(e.Code) || str(e.code) || 'UnknownError';
    message = str(e.message) || (typeof error === 'string' ? error : '');
  } catch {
    return { disposition: 'retry', errorName: 'UnknownError', message: '' };
  }
  if (ALREADY_DONE_MESSAGE.test(message)) return { disposition: 'already-done', errorName, message };
  if (sdkRetryKind(error) !== undefined) return { disposition: 'retry', errorName, message };
  if (DROP_ERROR_NAMES.has(errorName)) return { disposition: 'drop', errorName, message };
  // Anything not recognised is retried: Lambda's retries, then the on-failure destination, keep it.
  return { disposition: 'retry', errorName, message };
};

/**
 * How many times the SDK sent the request that ended in `error` (its retry middleware writes
 * `$metadata.attempts` on the final error); 1 when unknown. Reads through an {@link AwsCallError}'s cause.
 * https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html
 */
export const sdkAttempts = (error: unknown): number => {
  for (let e: unknown = error, depth = 0; typeof e === 'object' && e !== null && depth < 3; depth += 1) {
    const attempts = (e as { $metadata?: { attempts?: unknown } }).$metadata?.attempts;
    if (typeof attempts === 'number' && Number.isFinite(attempts)) return attempts;
    e = (e as { cause?: unknown }).cause;
  }
  return 1;
};

/**
 * True when `error` says "already so" ({@link classifyAwsError} `already-done`) on a request the SDK
 * sent more than once: an earlier attempt may have taken effect and lost its answer (a reset
 * connection, a timeout), so the answer most likely describes this caller's own earlier attempt.
 */
export const alreadyDoneAfterSdkRetry = (error: unknown): boolean => sdkAttempts(error) > 1 && classifyAwsError(error).disposition === 'already-done';

/**
 * Runs one AWS call and turns a failure into an {@link AwsCallError} carrying its disposition.
 * `already-done` failures resolve to the `'already-done'` marker instead of throwing.
 */
export const callAws = async <T>(operation: string, call: () => Promise<T>, context?: Record<string, unknown>): Promise<T | 'already-done'> => {
  try {
    return await call();
  } catch (error) {
    const c = classifyAwsError(error);
    if (c.disposition === 'already-done') return 'already-done';
    throw new AwsCallError(operation, c.errorName, c.disposition, error, { ...context, awsMessage: c.message.slice(0, 500) });
  }
};
