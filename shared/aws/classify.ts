import { AwsCallError, type Disposition } from '../errors';

/**
 * The one place that decides what an AWS error means for a handler.
 *
 * - `already-done`: the side effect is already in the state we wanted (a lifecycle action that was
 *   completed, abandoned or expired: AWS answers `ValidationError` "No active Lifecycle Action found").
 * - `drop`: the request can never succeed as sent (validation, unknown instance/document, missing
 *   resource): retrying would only add load; log once and return.
 * - `retry`: throttling, 5xx, timeouts, network failures, and anything not recognised. Rethrown, so
 *   Lambda retries and, when retries run out, the on-failure destination keeps the event.
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

/** Error names (SDK `name` / `Code`, Node `code`) that are transient across the services we call. */
export const RETRYABLE_ERROR_NAMES: ReadonlySet<string> = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceededException',
  'TransactionConflictException',
  'ResourceContention',
  'ResourceInUse',
  'ScalingActivityInProgress',
  'KMSThrottlingException',
  'SlowDown',
  'PriorRequestNotComplete',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'InternalError',
  'InternalFailure',
  'InternalServerError',
  'InternalServerException',
  'InternalServiceError',
  'InternalServiceErrorException',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
  'RequestAbortedError',
  'NetworkingError',
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ERR_HTTP2_STREAM_ERROR',
]);

/** Error names that mean "this request will never succeed as sent". */
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

const ALREADY_DONE_MESSAGE = /No active Lifecycle Action found/i;
const RATE_MESSAGE = /rate exceeded|throttl|too many requests|slow down/i;

interface ErrorLike {
  name?: unknown;
  code?: unknown;
  Code?: unknown;
  message?: unknown;
  $metadata?: { httpStatusCode?: unknown };
  $retryable?: unknown;
}

const asErrorLike = (e: unknown): ErrorLike => (typeof e === 'object' && e !== null ? (e as ErrorLike) : {});
const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/** Classifies any thrown value. Never throws. */
export const classifyAwsError = (error: unknown): ErrorClassification => {
  const e = asErrorLike(error);
  const errorName = str(e.name) || str(e.Code) || str(e.code) || 'UnknownError';
  const code = str(e.code);
  const message = str(e.message) || (typeof error === 'string' ? error : '');
  const status = typeof e.$metadata?.httpStatusCode === 'number' ? e.$metadata.httpStatusCode : undefined;

  if (ALREADY_DONE_MESSAGE.test(message)) return { disposition: 'already-done', errorName, message };
  if (RETRYABLE_ERROR_NAMES.has(errorName) || RETRYABLE_ERROR_NAMES.has(code)) return { disposition: 'retry', errorName, message };
  if (RATE_MESSAGE.test(message) || e.$retryable !== undefined) return { disposition: 'retry', errorName, message };
  if (status !== undefined && (status >= 500 || status === 429)) return { disposition: 'retry', errorName, message };
  if (DROP_ERROR_NAMES.has(errorName)) return { disposition: 'drop', errorName, message };
  return { disposition: 'retry', errorName, message };
};

/**
 * Runs one AWS call and turns a failure into an {@link AwsCallError} carrying its disposition.
 * `already-done` failures resolve to the `'already-done'` marker instead of throwing.
 */
export const callAws = async <T>(
  operation: string,
  call: () => Promise<T>,
  context?: Record<string, unknown>,
): Promise<T | 'already-done'> => {
  try {
    return await call();
  } catch (error) {
    const c = classifyAwsError(error);
    if (c.disposition === 'already-done') return 'already-done';
    throw new AwsCallError(operation, c.errorName, c.disposition, error, { ...context, awsMessage: c.message.slice(0, 500) });
  }
};
