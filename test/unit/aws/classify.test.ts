import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { callAws, classifyAwsError } from '../../../shared/aws/classify';
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
    ['rate exceeded by message only', sdkError('SomethingNew', 'Rate exceeded', 400), 'retry'],
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

  it('never throws and always returns one of the three dispositions (property)', () => {
    fc.assert(
      fc.property(fc.anything(), (value) => {
        expect(['drop', 'retry', 'already-done']).toContain(classifyAwsError(value).disposition);
      }),
      { numRuns: 2000 },
    );
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
