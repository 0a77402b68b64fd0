import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { alreadyDoneAfterSdkRetry, callAws, classifyAwsError, sdkAttempts, sdkRetryKind } from '../../../shared/aws/classify';
import { AwsCallError, type Disposition } from '../../../shared/errors';

const sdkError = (name: string, message = '', status?: number, extra: Record<string, unknown> = {}) =>
  Object.assign(new Error(message), { name, ...(status === undefined ? {} : { $metadata: { httpStatusCode: status } }), ...extra });

describe('classifyAwsError', () => {
  const rows: Array<[string, unknown, Disposition]> = [
    ['lifecycle action already completed', sdkError('ValidationError', 'No active Lifecycle Action found with token 1234', 400), 'already-done'],
    ['lifecycle action gone, by instance id', sdkError('ValidationError', 'No active Lifecycle Action found with instance ID i-0abc', 400), 'already-done'],
    ['other validation error', sdkError('ValidationError', 'Group ml not found', 400), 'drop'],
    ['SSM invalid instance', sdkError('InvalidInstanceId', 'Instances not in a valid state', 400), 'drop'],
    ['SSM invalid document', sdkError('InvalidDocument', 'no such document', 400), 'drop'],
    ['Auto Scaling throttling', sdkError('Throttling', 'Rate exceeded', 400), 'retry'],
    ['EventBridge throttling', sdkError('ThrottlingException', '', 400), 'retry'],
    ['SNS throttled', sdkError('ThrottledException', '', 400), 'retry'],
    ['DynamoDB throughput', sdkError('ProvisionedThroughputExceededException', '', 400), 'retry'],
    ['EC2 RequestLimitExceeded', sdkError('RequestLimitExceeded', '', 503), 'retry'],
    ['a drop-named error the SDK marks retryable is retried', sdkError('ValidationError', 'x', 400, { $retryable: {} }), 'retry'],
    ['a drop-named error with a 5xx status is retried', sdkError('InvalidInstanceId', 'x', 502), 'retry'],
    [
      'a network error under an SDK error (cause) is retried',
      sdkError('Weird', '', undefined, { cause: Object.assign(new Error('x'), { code: 'ETIMEDOUT' }) }),
      'retry',
    ],
    ['Auto Scaling scaling activity in progress (not recognised: retried)', sdkError('ScalingActivityInProgress', '', 400), 'retry'],
    ['SSM invalid document version', sdkError('InvalidDocumentVersion', '', 400), 'drop'],
    ['DynamoDB missing table', sdkError('ResourceNotFoundException', '', 400), 'drop'],
    ['5xx', sdkError('InternalFailure', '', 500), 'retry'],
    ['503 unknown name', sdkError('Weird', '', 503), 'retry'],
    ['429', sdkError('Weird', '', 429), 'retry'],
    ['SDK retryable marker', sdkError('Weird', '', 400, { $retryable: { throttling: true } }), 'retry'],
    ['connection reset', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), 'retry'],
    ['timeout', sdkError('TimeoutError', 'timed out'), 'retry'],
    ['unknown error is retried (the DLQ keeps it)', sdkError('AccessDeniedException', 'not authorized', 400), 'retry'],
    ['a string', 'boom', 'retry'],
    ['null', null, 'retry'],
    ['undefined', undefined, 'retry'],
  ];
  it.each(rows)('%s', (_name, error, expected) => {
    expect(classifyAwsError(error).disposition).toBe(expected);
  });

  it('a throwing getter is an unknown error, retried', () => {
    const hostile = Object.defineProperty({}, 'name', {
      get() {
        throw new Error('no');
      },
    });
    expect(classifyAwsError(hostile)).toMatchObject({ disposition: 'retry', errorName: 'UnknownError' });
  });

  it('never throws and always returns one of the three dispositions (property)', () => {
    fc.assert(
      fc.property(fc.anything(), (value) => {
        expect(['drop', 'retry', 'already-done']).toContain(classifyAwsError(value).disposition);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('sdkRetryKind (@smithy/service-error-classification)', () => {
  it.each([
    ['throttling by code', sdkError('ThrottlingException', '', 400), 'throttling'],
    ['throttling by status 429', sdkError('Weird', '', 429), 'throttling'],
    ['throttling by trait', sdkError('Weird', '', 400, { $retryable: { throttling: true } }), 'throttling'],
    ['transient: timeout', sdkError('TimeoutError'), 'transient'],
    ['transient: Node network code', Object.assign(new Error('x'), { code: 'EAI_AGAIN' }), 'transient'],
    ['transient: 503', sdkError('ServiceUnavailable', '', 503), 'transient'],
    ['server: other 5xx', sdkError('Weird', '', 501), 'server'],
    ['none: validation', sdkError('ValidationError', 'bad', 400), undefined],
    ['none: not an object', 'boom', undefined],
  ] as const)('%s', (_name, error, expected) => {
    expect(sdkRetryKind(error)).toBe(expected);
  });
});

describe('callAws', () => {
  it('returns the result of a successful call', async () => {
    await expect(callAws('Op', async () => 42)).resolves.toBe(42);
  });
  it('maps already-done to a marker instead of throwing', async () => {
    await expect(
      callAws('CompleteLifecycleAction', async () => {
        throw sdkError('ValidationError', 'No active Lifecycle Action found with token x');
      }),
    ).resolves.toBe('already-done');
  });
  it('wraps other failures in AwsCallError with the disposition, operation and cause', async () => {
    const cause = sdkError('Throttling', 'Rate exceeded');
    const err = await callAws('UpdateAutoScalingGroup', async () => {
      throw cause;
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AwsCallError);
    expect(err).toMatchObject({ operation: 'UpdateAutoScalingGroup', awsErrorName: 'Throttling', disposition: 'retry', cause });
  });
});

describe('sdkAttempts / alreadyDoneAfterSdkRetry (the SDK writes $metadata.attempts on the final error)', () => {
  const noActive = (attempts?: number) =>
    Object.assign(new Error('No active Lifecycle Action found with token x'), {
      name: 'ValidationError',
      $metadata: { httpStatusCode: 400, ...(attempts ? { attempts } : {}) },
    });
  it.each([
    ['no metadata', new Error('x'), 1],
    ['one attempt', noActive(1), 1],
    ['retried once', noActive(2), 2],
    ['through an AwsCallError cause', new AwsCallError('PutItem', 'ConditionalCheckFailedException', 'retry', noActive(3)), 3],
    ['not an object', 'boom', 1],
    ['attempts not a number', Object.assign(new Error('x'), { $metadata: { attempts: '2' } }), 1],
  ] as const)('%s → %d', (_name, error, expected) => {
    expect(sdkAttempts(error)).toBe(expected);
  });
  it('"No active" after a retry is our own earlier attempt; on the first attempt, or another error, it is not', () => {
    expect(alreadyDoneAfterSdkRetry(noActive(2))).toBe(true);
    expect(alreadyDoneAfterSdkRetry(noActive(1))).toBe(false);
    expect(alreadyDoneAfterSdkRetry(noActive())).toBe(false);
    expect(alreadyDoneAfterSdkRetry(Object.assign(new Error('Rate exceeded'), { name: 'Throttling', $metadata: { attempts: 4 } }))).toBe(false);
  });
});
