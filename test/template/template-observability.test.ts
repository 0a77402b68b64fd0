import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { asArray, type CfnResource, getAttOf, isObject, type Json, type JsonObject, prop, refOf, resourcesOfType } from './cfn';
import { ROOT, PREFIX, PER_GROUP_METRICS, ownResourceIds, resource, functions, template } from './stack';

describe('alarms worth waking for, on their own topic', () => {
  const alarms = (): [string, CfnResource][] => resourcesOfType(template, 'AWS::CloudWatch::Alarm');
  const alarm = (id: string): CfnResource => {
    const found = resource(id);
    expect(found.Type).toBe('AWS::CloudWatch::Alarm');
    return found;
  };
  const queries = (a: CfnResource): JsonObject[] => asArray(prop(a, 'Metrics') as Json[] | undefined).filter(isObject);
  const metricOf = (q: JsonObject): JsonObject => ((q.MetricStat as JsonObject).Metric as JsonObject) ?? {};
  const functionDimension = (q: JsonObject): string | undefined => refOf((asArray(metricOf(q).Dimensions as Json[])[0] as JsonObject | undefined)?.Value);

  it('sends every alarm, ALARM and OK, to the alarm topic, with its severity first in the description', () => {
    expect(alarms().length).toBeGreaterThan(0);
    for (const [id, a] of alarms()) {
      expect({
        id,
        actions: asArray(prop(a, 'AlarmActions') as Json[]).map(refOf),
        ok: asArray(prop(a, 'OKActions') as Json[]).map(refOf),
        severity: /^\[(warning|error)\] /.test(String(prop(a, 'AlarmDescription'))),
        name: String(prop(a, 'AlarmName')).startsWith(PREFIX),
      }).toEqual({ id, actions: ['AlarmTopic'], ok: ['AlarmTopic'], severity: true, name: true });
    }
  });

  it('raises an alarm as soon as anything waits in the dead-letter queue', () => {
    const a = alarm('DeadLetterQueueAlarm');
    expect(prop(a, 'Namespace')).toBe('AWS/SQS');
    expect(prop(a, 'MetricName')).toBe('ApproximateNumberOfMessagesVisible');
    expect(getAttOf((asArray(prop(a, 'Dimensions') as Json[])[0] as { Value?: Json }).Value)).toEqual(['DeadLetterQueue', 'QueueName']);
    expect({ threshold: prop(a, 'Threshold'), op: prop(a, 'ComparisonOperator') }).toEqual({ threshold: 0, op: 'GreaterThanThreshold' });
  });

  it('watches the error RATE of every function over several periods, and no alarm fires on a single error', () => {
    const watched: string[] = [];
    for (const [id, a] of alarms()) {
      const qs = queries(a);
      const errors = qs.find((q) => q.Id === 'errors');
      if (!errors) continue;
      const invocations = qs.find((q) => q.Id === 'invocations');
      const expression = qs.find((q) => q.ReturnData === true);
      expect({
        id,
        errors: metricOf(errors).MetricName,
        invocations: invocations ? metricOf(invocations).MetricName : undefined,
        sameFunction: invocations ? functionDimension(invocations) === functionDimension(errors) : false,
        expression: expression?.Expression,
        periods: prop(a, 'EvaluationPeriods'),
        datapoints: prop(a, 'DatapointsToAlarm'),
      }).toEqual({
        id,
        errors: 'Errors',
        invocations: 'Invocations',
        sameFunction: true,
        expression: 'IF(invocations > 0, 100 * errors / invocations, 0)',
        periods: 3,
        datapoints: 3,
      });
      watched.push(functionDimension(errors) ?? '');
    }
    expect(watched.slice().sort()).toEqual(
      functions()
        .map(([id]) => id)
        .sort(),
    );
    // The alarms of old: Errors > 0 in one period paged on every transient throttle the handlers rethrow.
    const singleError = alarms().filter(([, a]) => prop(a, 'MetricName') === 'Errors');
    expect(singleError.map(([id]) => id)).toEqual([]);
  });

  it('watches Throttles of every function', () => {
    const throttled = alarms().flatMap(([, a]) =>
      queries(a)
        .filter((q) => q.MetricStat !== undefined && metricOf(q).MetricName === 'Throttles')
        .map(functionDimension),
    );
    expect(throttled.slice().sort()).toEqual(
      functions()
        .map(([id]) => id)
        .sort(),
    );
  });

  it("warns when the termination policy's p99 duration passes half of its 2 s contract", () => {
    const a = alarm('TerminationPolicyDurationAlarm');
    expect({
      metric: prop(a, 'MetricName'),
      fn: refOf((asArray(prop(a, 'Dimensions') as Json[])[0] as { Value?: Json }).Value),
      stat: prop(a, 'ExtendedStatistic'),
      threshold: prop(a, 'Threshold'),
      unit: prop(a, 'Unit'),
    }).toEqual({ metric: 'Duration', fn: 'TerminationPolicyLambdaFunction', stat: 'p99', threshold: 1000, unit: 'Milliseconds' });
  });

  it('watches the warm-up abandon rate from the stack-wide roll-up of the metrics contract', () => {
    const qs = queries(alarm('WarmupAbandonRateAlarm'));
    const read = qs
      .filter((q) => q.MetricStat !== undefined)
      .map((q) => ({ ns: metricOf(q).Namespace, name: metricOf(q).MetricName, dims: metricOf(q).Dimensions }));
    expect(read).toEqual([
      { ns: 'AsgOrchestrator', name: 'WarmupAbandoned', dims: [{ Name: 'service', Value: 'asg-orchestrator' }] },
      { ns: 'AsgOrchestrator', name: 'WarmupSucceeded', dims: [{ Name: 'service', Value: 'asg-orchestrator' }] },
      { ns: 'AsgOrchestrator', name: 'WarmupFailedContinued', dims: [{ Name: 'service', Value: 'asg-orchestrator' }] },
    ]);
    // Every warm-up that finished is in the denominator; only ABANDON is in the numerator.
    expect(String(qs.find((q) => q.ReturnData === true)?.Expression)).toContain('100 * abandoned / (abandoned + succeeded + continued)');
  });

  it('lets CloudWatch (of this account only) publish to the encrypted alarm topic', () => {
    const policy = resource('AlarmTopicPolicy');
    expect(asArray(prop(policy, 'Topics') as Json[]).map(refOf)).toEqual(['AlarmTopic']);
    const statements = asArray((prop(policy, 'PolicyDocument') as { Statement?: Json[] } | undefined)?.Statement);
    expect(statements).toEqual([
      expect.objectContaining({
        Effect: 'Allow',
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Action: 'sns:Publish',
        Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
      }),
    ]);
    expect(template.Outputs?.AlarmTopicArn?.Value).toEqual({ Ref: 'AlarmTopic' });
  });
});

describe('dashboard', () => {
  const body = (): { text: string; widgets: JsonObject[] } => {
    const sub = prop(resource('Dashboard'), 'DashboardBody');
    const text = isObject(sub) ? String(sub['Fn::Sub']) : '';
    return { text, widgets: (JSON.parse(text) as { widgets: JsonObject[] }).widgets };
  };
  const metricRows = (w: JsonObject): Json[] => asArray((w.properties as JsonObject).metrics as Json[]);

  it('is generated with the alarms by resources/observability.cjs, which the validator check counts as ours', () => {
    for (const id of ['Dashboard', 'AlarmTopic', 'LogsKey', 'DeadLetterQueueAlarm', 'StateTable'])
      expect({ id, own: ownResourceIds().has(id) }).toEqual({ id, own: true });
  });

  it('resolves every placeholder of its body to the region or a function of the stack', () => {
    const placeholders = [...body().text.matchAll(/\$\{([^}]+)\}/g)].map((m) => m[1] as string);
    const allowed = new Set(['AWS::Region', ...functions().map(([id]) => id)]);
    expect(placeholders.filter((p) => !allowed.has(p))).toEqual([]);
  });

  it('graphs every per-group metric of the contract (docs/metrics.md) by group and profile', () => {
    const { text } = body();
    const contract = readFileSync(join(ROOT, 'docs/metrics.md'), 'utf8');
    for (const name of PER_GROUP_METRICS) {
      expect({
        name,
        graphed: text.includes(`{AsgOrchestrator,group,profile,service} MetricName=\\"${name}\\"`),
        documented: contract.includes(`\`${name}\``),
      }).toEqual({
        name,
        graphed: true,
        documented: true,
      });
    }
  });

  it('graphs the termination-policy fallbacks by their reason', () => {
    expect(body().text).toContain('{AsgOrchestrator,reason,service} MetricName=\\"TerminationFallbacks\\"');
  });

  it('graphs errors, throttles and duration p99 against the timeout of every function, and the DLQ depth', () => {
    const { widgets } = body();
    for (const [id, fn] of functions()) {
      const placeholder = `\${${id}}`;
      const rowsWith = (metric: string): JsonObject[] =>
        widgets.filter((w) => metricRows(w).some((r) => Array.isArray(r) && r[1] === metric && r[3] === placeholder));
      const duration = rowsWith('Duration')[0];
      const annotations = asArray(((duration?.properties as JsonObject | undefined)?.annotations as JsonObject | undefined)?.horizontal as Json[]);
      expect({
        id,
        errors: rowsWith('Errors').length,
        throttles: rowsWith('Throttles').length,
        timeoutLine: annotations.some((a) => isObject(a) && a.value === Number(prop(fn, 'Timeout')) * 1000),
      }).toEqual({ id, errors: 1, throttles: 1, timeoutLine: true });
    }
    expect(body().text).toContain('ApproximateNumberOfMessagesVisible');
  });
});
