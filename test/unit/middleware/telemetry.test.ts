import type { Context } from 'aws-lambda';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { EmfMetrics, JsonLogger, parseLogLevel, safeStringify } from '../../../shared/middleware/telemetry';

const lines = () => {
  const out: string[] = [];
  return { out, write: (line: string) => void out.push(line), json: () => out.map((l) => JSON.parse(l) as Record<string, unknown>) };
};

const CONTEXT = {
  functionName: 'asg-orchestrator-dev-commandResult',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:asg-orchestrator-dev-commandResult',
  memoryLimitInMB: '256',
  awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e812345678',
} as Context;

describe('parseLogLevel', () => {
  it.each([
    ['debug', 'DEBUG'],
    [' Info ', 'INFO'],
    ['WARN', 'WARN'],
    ['error', 'ERROR'],
    ['silent', 'SILENT'],
    ['TRACE', 'DEBUG'],
    ['critical', 'ERROR'],
    ['fatal', 'ERROR'],
    ['loud', undefined],
    ['', undefined],
    [undefined, undefined],
  ])('%s → %s', (input, expected) => {
    expect(parseLogLevel(input)).toBe(expected);
  });
});

describe('JsonLogger', () => {
  it('writes one JSON object per line with the Powertools keys, the Lambda context and the trace id', () => {
    const { write, json } = lines();
    const logger = new JsonLogger({ serviceName: 'svc', write, env: { _X_AMZN_TRACE_ID: 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1' } });
    logger.setContext(CONTEXT, true);
    logger.info('decision', { decision: { outcome: 'completed' } });
    logger.clearContext();
    logger.warn('after');
    const [first, second] = json();
    expect(first).toEqual({
      level: 'INFO',
      message: 'decision',
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      service: 'svc',
      xray_trace_id: '1-5759e988-bd862e3fe1be46a994272793',
      cold_start: true,
      function_arn: CONTEXT.invokedFunctionArn,
      function_memory_size: 256,
      function_name: CONTEXT.functionName,
      function_request_id: CONTEXT.awsRequestId,
      decision: { outcome: 'completed' },
    });
    expect(second).toMatchObject({ level: 'WARN', message: 'after', service: 'svc' });
    expect(second).not.toHaveProperty('function_request_id');
  });

  it('leaves out the context keys a partial context lacks (a hand-made invoke), instead of writing null', () => {
    const { write, json } = lines();
    const logger = new JsonLogger({ serviceName: 'svc', write, env: {} });
    logger.setContext({ awsRequestId: 'r-1' }, false);
    logger.info('x');
    const [line] = json();
    expect(line).toMatchObject({ cold_start: false, function_request_id: 'r-1' });
    expect(Object.keys(line ?? {})).not.toContain('function_memory_size');
    expect(Object.keys(line ?? {})).not.toContain('function_name');
  });

  it.each([
    ['DEBUG', ['DEBUG', 'INFO', 'WARN', 'ERROR']],
    ['INFO', ['INFO', 'WARN', 'ERROR']],
    ['WARN', ['WARN', 'ERROR']],
    ['ERROR', ['ERROR']],
    ['SILENT', []],
  ] as const)('level %s writes %j', (level, written) => {
    const { write, json } = lines();
    const logger = new JsonLogger({ serviceName: 'svc', write, env: { POWERTOOLS_LOG_LEVEL: level } });
    logger.debug('d');
    logger.info('i');
    logger.warn('w');
    logger.error('e');
    expect(json().map((l) => l.level)).toEqual(written);
  });

  it('takes AWS_LAMBDA_LOG_LEVEL when POWERTOOLS_LOG_LEVEL is unset, and says so once when the level is unknown', () => {
    const a = lines();
    expect(new JsonLogger({ serviceName: 's', write: a.write, env: { AWS_LAMBDA_LOG_LEVEL: 'ERROR' } }).level).toBe('ERROR');
    const b = lines();
    const logger = new JsonLogger({ serviceName: 's', write: b.write, env: { POWERTOOLS_LOG_LEVEL: 'loud' } });
    expect(logger.level).toBe('INFO');
    expect(b.json()).toEqual([expect.objectContaining({ level: 'WARN', message: expect.stringContaining('unknown log level "loud"') })]);
  });

  it('serialises errors with their name, message, stack, cause and own fields (an SDK error keeps $metadata)', () => {
    const { write, json } = lines();
    const cause = new Error('socket hang up');
    const error = Object.assign(new Error('Rate exceeded', { cause }), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400, attempts: 3 } });
    new JsonLogger({ serviceName: 's', write, env: {} }).error('retryable failure', { error });
    const [line] = json();
    expect(line?.error).toEqual({
      name: 'ThrottlingException',
      message: 'Rate exceeded',
      stack: expect.stringContaining('Rate exceeded'),
      $metadata: { httpStatusCode: 400, attempts: 3 },
      cause: { name: 'Error', message: 'socket hang up', stack: expect.any(String) },
    });
  });
});

describe('safeStringify', () => {
  it('never throws: cycles, bigints and throwing getters', () => {
    const a: Record<string, unknown> = { n: 1n };
    a.self = a;
    expect(JSON.parse(safeStringify({ a }))).toEqual({ a: { n: '1', self: '[Circular]' } });
    const hostile = {
      get boom(): never {
        throw new Error('getter');
      },
    };
    expect(JSON.parse(safeStringify(hostile))).toEqual({ message: 'unserialisable log entry', error: 'getter' });
  });
});

describe('EmfMetrics', () => {
  const emf = (env: NodeJS.ProcessEnv = {}) => {
    const l = lines();
    return { ...l, metrics: new EmfMetrics({ namespace: 'AsgOrchestrator', serviceName: 'asg-orchestrator', write: l.write, env, now: () => 1_764_200_000_000 }) };
  };

  it('publishes one EMF document: namespace, dimension set, metric definitions and summed values', () => {
    const { metrics, json } = emf();
    metrics.addDimension('function', 'commandResult');
    metrics.addMetric('outcome_completed', 'Count', 1);
    metrics.addMetric('outcome_completed', 'Count', 1);
    metrics.addMetric('outcome_dropped', 'Count', 1);
    metrics.publish();
    expect(json()).toEqual([
      {
        _aws: {
          Timestamp: 1_764_200_000_000,
          CloudWatchMetrics: [
            {
              Namespace: 'AsgOrchestrator',
              Dimensions: [['service', 'function']],
              Metrics: [
                { Name: 'outcome_completed', Unit: 'Count' },
                { Name: 'outcome_dropped', Unit: 'Count' },
              ],
            },
          ],
        },
        service: 'asg-orchestrator',
        function: 'commandResult',
        outcome_completed: 2,
        outcome_dropped: 1,
      },
    ]);
  });

  it('writes nothing when no metric is stored, forgets metrics and dimensions after publishing', () => {
    const { metrics, out, json } = emf();
    metrics.publish();
    expect(out).toEqual([]);
    metrics.addDimension('function', 'a');
    metrics.addMetric('m', 'Count', 1);
    metrics.publish();
    metrics.addMetric('m', 'Count', 5);
    metrics.publish();
    expect(json().map((d) => [d.function, d.m])).toEqual([
      ['a', 1],
      [undefined, 5],
    ]);
  });

  it('splits at 100 metrics per document (the EMF limit) and keeps the dimensions', () => {
    const { metrics, json } = emf();
    metrics.addDimension('function', 'reconcile');
    for (let i = 0; i < 150; i += 1) metrics.addMetric(`m${i}`, 'Count', 1);
    metrics.publish();
    const docs = json() as Array<{ _aws: { CloudWatchMetrics: Array<{ Metrics: unknown[] }> }; function: string }>;
    expect(docs.map((d) => d._aws.CloudWatchMetrics[0]?.Metrics.length)).toEqual([100, 50]);
    expect(docs.map((d) => d.function)).toEqual(['reconcile', 'reconcile']);
  });

  it('ColdStart is a document of its own with the function_name dimension', () => {
    const { metrics, json } = emf();
    metrics.publishColdStart('asg-orchestrator-dev-reconcile');
    expect(json()).toEqual([
      {
        _aws: { Timestamp: 1_764_200_000_000, CloudWatchMetrics: [{ Namespace: 'AsgOrchestrator', Dimensions: [['service', 'function_name']], Metrics: [{ Name: 'ColdStart', Unit: 'Count' }] }] },
        service: 'asg-orchestrator',
        function_name: 'asg-orchestrator-dev-reconcile',
        ColdStart: 1,
      },
    ]);
  });

  it('POWERTOOLS_METRICS_DISABLED=true publishes nothing', () => {
    const { metrics, out } = emf({ POWERTOOLS_METRICS_DISABLED: 'true' });
    metrics.addMetric('m', 'Count', 1);
    metrics.publish();
    metrics.publishColdStart('f');
    expect(out).toEqual([]);
  });
});

describe('withStack telemetry', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
    vi.resetModules();
  });

  it('logs the decision with the Lambda context, ColdStart once per container, outcome metrics after every invocation', async () => {
    vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'INFO');
    vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'false');
    vi.stubEnv('ORCHESTRATOR_LOCAL_WORLD', '0');
    vi.resetModules();
    const written: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    const { withStack } = await import('../../../shared/middleware/stack');
    const handler = withStack('commandResult', async () => ({ outcome: 'completed', reason: 'warm-up succeeded' }));
    await handler({}, CONTEXT);
    await handler({}, { ...CONTEXT, awsRequestId: 'second' });
    const docs = written.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(docs.filter((d) => 'ColdStart' in d)).toHaveLength(1);
    const decisions = docs.filter((d) => d.message === 'decision');
    expect(decisions.map((d) => [d.function_request_id, d.cold_start])).toEqual([
      [CONTEXT.awsRequestId, true],
      ['second', false],
    ]);
    expect(decisions[0]?.decision).toEqual({ outcome: 'completed', reason: 'warm-up succeeded' });
    expect(docs.filter((d) => d.outcome_completed === 1).map((d) => d.function)).toEqual(['commandResult', 'commandResult']);
    // Every line is one JSON document ending in a newline (EMF needs whole lines).
    expect(written.every((l) => l.endsWith('\n') && !l.slice(0, -1).includes('\n'))).toBe(true);
  });
});
