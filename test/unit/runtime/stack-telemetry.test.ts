/**
 * shared/runtime/stack.ts: Powertools Logger and Metrics through their middy middlewares keep the
 * log keys and the metrics the stack wrote before (docs/adr/0005): one `decision` line per event with
 * the Lambda context, `ColdStart` once per container, `outcome_<outcome>` per invocation with the
 * `service` and `function` dimensions.
 */
import type { Context } from 'aws-lambda';
import { afterEach, describe, expect, it, vi } from 'vitest';

const CONTEXT = {
  functionName: 'asg-orchestrator-dev-commandResult',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:asg-orchestrator-dev-commandResult',
  memoryLimitInMB: '256',
  awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e812345678',
  getRemainingTimeInMillis: () => 10_000,
} as unknown as Context;

type Doc = Record<string, unknown>;

/** Loads a fresh stack (a new container) with `env`, collecting every line written to stdout and stderr. */
const freshStack = async (env: Record<string, string>) => {
  for (const [key, value] of Object.entries(env)) vi.stubEnv(key, value);
  vi.stubEnv('ORCHESTRATOR_LOCAL_WORLD', '0');
  // Lambda sets this; Powertools counts a cold start only for on-demand environments.
  vi.stubEnv('AWS_LAMBDA_INITIALIZATION_TYPE', 'on-demand');
  vi.resetModules();
  const written: string[] = [];
  const collect = (chunk: string | Uint8Array): boolean => {
    written.push(String(chunk));
    return true;
  };
  vi.spyOn(process.stdout, 'write').mockImplementation(collect);
  vi.spyOn(process.stderr, 'write').mockImplementation(collect);
  const stack = await import('../../../shared/runtime/stack');
  // JSON lines only: Metrics warns in plain text when an invocation stored no metric.
  const docs = (): Doc[] =>
    written
      .flatMap((chunk) => chunk.split('\n'))
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Doc);
  return { ...stack, written, docs };
};

describe('withStack telemetry (Powertools Logger + Metrics)', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
    vi.resetModules();
  });

  it('logs the decision with the Lambda context, ColdStart once per container, outcome metrics after every invocation', async () => {
    // Prepare
    const { withStack, docs, written } = await freshStack({ POWERTOOLS_LOG_LEVEL: 'INFO', POWERTOOLS_METRICS_DISABLED: 'false' });
    const handler = withStack('commandResult', async () => ({ outcome: 'completed', reason: 'warm-up succeeded' }));
    // Act
    await handler({}, CONTEXT);
    await handler({}, { ...CONTEXT, awsRequestId: 'second' });
    // Assess
    const all = docs();
    const coldStarts = all.filter((d) => 'ColdStart' in d);
    expect(coldStarts).toHaveLength(1);
    expect(coldStarts[0]).toMatchObject({ service: 'asg-orchestrator', function_name: CONTEXT.functionName, ColdStart: 1 });
    const decisions = all.filter((d) => d.message === 'decision');
    expect(decisions.map((d) => [d.function_request_id, d.cold_start])).toEqual([
      [CONTEXT.awsRequestId, true],
      ['second', false],
    ]);
    expect(decisions[0]).toMatchObject({
      level: 'INFO',
      service: 'asg-orchestrator',
      function_name: CONTEXT.functionName,
      function_arn: CONTEXT.invokedFunctionArn,
      function_memory_size: CONTEXT.memoryLimitInMB, // as the runtime gives it (a string in the Node runtime)
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}/),
      decision: { outcome: 'completed', reason: 'warm-up succeeded' },
    });
    const outcomes = all.filter((d) => d.outcome_completed === 1);
    expect(outcomes.map((d) => d.function)).toEqual(['commandResult', 'commandResult']);
    const emf = outcomes[0]?._aws as {
      CloudWatchMetrics: Array<{ Namespace: string; Dimensions: string[][]; Metrics: Array<{ Name: string; Unit: string }> }>;
    };
    expect(emf.CloudWatchMetrics[0]).toMatchObject({
      Namespace: 'AsgOrchestrator',
      Dimensions: [expect.arrayContaining(['service', 'function'])],
      Metrics: [{ Name: 'outcome_completed', Unit: 'Count' }],
    });
    // Every line is one JSON document ending in a newline (EMF needs whole lines).
    expect(written.every((l) => l.endsWith('\n'))).toBe(true);
  });

  it('a dropped event is one WARN line and an outcome_dropped metric; the invocation succeeds', async () => {
    const { withStack, docs } = await freshStack({ POWERTOOLS_LOG_LEVEL: 'INFO', POWERTOOLS_METRICS_DISABLED: 'false' });
    const { EventDropError } = await import('../../../shared/errors');
    const handler = withStack('launchLifecycle', async () => {
      throw new EventDropError('malformed', 'dropped: bad', ['detail.EC2InstanceId: must be an EC2 instance id'], {});
    });
    await expect(handler({}, CONTEXT)).resolves.toMatchObject({ outcome: 'dropped', dropReason: 'malformed' });
    const all = docs();
    expect(all.filter((d) => d.message === 'event dropped').map((d) => d.level)).toEqual(['WARN']);
    expect(all.filter((d) => d.outcome_dropped === 1)).toHaveLength(1);
  });

  it('a retryable failure is logged as an ERROR with the error, and rethrown', async () => {
    const { withStack, docs } = await freshStack({ POWERTOOLS_LOG_LEVEL: 'INFO', POWERTOOLS_METRICS_DISABLED: 'true' });
    const failure = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } });
    const handler = withStack('reconcile', async () => {
      throw failure;
    });
    await expect(handler({}, CONTEXT)).rejects.toBe(failure);
    const line = docs().find((d) => d.message === 'retryable failure: rethrowing so Lambda retries');
    expect(line).toMatchObject({ level: 'ERROR', function_request_id: CONTEXT.awsRequestId, error: { name: 'ThrottlingException', message: 'Rate exceeded' } });
  });

  it.each([
    ['POWERTOOLS_LOG_LEVEL', { POWERTOOLS_LOG_LEVEL: 'WARN' }],
    ['AWS_LAMBDA_LOG_LEVEL (Lambda advanced logging controls)', { AWS_LAMBDA_LOG_LEVEL: 'WARN', POWERTOOLS_LOG_LEVEL: '' }],
  ])('honours %s: INFO decisions are not written at WARN', async (_name, env) => {
    const { withStack, docs } = await freshStack({ ...env, POWERTOOLS_METRICS_DISABLED: 'true' });
    await withStack('activityAudit', async () => ({ outcome: 'recorded', reason: 'r' }))({}, CONTEXT);
    expect(docs().filter((d) => d.message === 'decision')).toEqual([]);
  });

  it('honours the legacy LOG_LEVEL variable when POWERTOOLS_LOG_LEVEL is unset (the own logger ignored it)', async () => {
    const { withStack, docs } = await freshStack({ LOG_LEVEL: 'WARN', POWERTOOLS_LOG_LEVEL: '', POWERTOOLS_METRICS_DISABLED: 'true' });
    await withStack('activityAudit', async () => ({ outcome: 'recorded', reason: 'r' }))({}, CONTEXT);
    expect(docs().filter((d) => d.message === 'decision')).toEqual([]);
  });

  it('AWS_LAMBDA_LOG_LEVEL wins over a more verbose POWERTOOLS_LOG_LEVEL (Powertools precedence; the own logger did the reverse)', async () => {
    const { withStack, docs } = await freshStack({ AWS_LAMBDA_LOG_LEVEL: 'WARN', POWERTOOLS_LOG_LEVEL: 'DEBUG', POWERTOOLS_METRICS_DISABLED: 'true' });
    await withStack('activityAudit', async () => ({ outcome: 'recorded', reason: 'r' }))({}, CONTEXT);
    expect(docs().filter((d) => d.message === 'decision')).toEqual([]);
  });

  it('POWERTOOLS_METRICS_DISABLED=true publishes no EMF document', async () => {
    const { withStack, docs } = await freshStack({ POWERTOOLS_LOG_LEVEL: 'SILENT', POWERTOOLS_METRICS_DISABLED: 'true' });
    await withStack('activityAudit', async () => ({ outcome: 'recorded', reason: 'r' }))({}, CONTEXT);
    expect(docs().filter((d) => '_aws' in d)).toEqual([]);
  });
});
