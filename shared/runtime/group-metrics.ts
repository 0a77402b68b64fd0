/**
 * The per-group metrics of docs/metrics.md, written as CloudWatch Embedded Metric Format lines
 * through Powertools Metrics (no API call): one EMF document per call, with the dimension sets
 * `{service, group, profile}` (graphed per group by the dashboard's SEARCH) and `{service}` (the
 * stack-wide roll-up the alarms read; an alarm cannot use SEARCH), plus `{service, <by>}` when
 * `by` is given (e.g. the reason of a termination-policy fallback).
 * EMF: https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
 * Powertools `addDimensions` (one dimension set per call): https://docs.powertools.aws.dev/lambda/typescript/latest/features/metrics/#adding-dimensions
 *
 * A fresh Metrics instance per document: the invocation's shared instance (shared/runtime/stack.ts)
 * carries the `function` dimension of the `outcome_*` metrics, which must not reach these.
 * `POWERTOOLS_METRICS_DISABLED=true` (tests, the simulator, the bench) writes nothing.
 */
import { MetricUnit, Metrics } from '@aws-lambda-powertools/metrics';
import { logger } from './stack';

/** Every per-group metric and its unit (docs/metrics.md; resources/observability.cjs graphs and alarms on them). */
export const GROUP_METRIC_UNITS = {
  WarmupSucceeded: MetricUnit.Count,
  WarmupRetried: MetricUnit.Count,
  WarmupAbandoned: MetricUnit.Count,
  WarmupFailedContinued: MetricUnit.Count,
  WarmupDurationSeconds: MetricUnit.Seconds,
  DrainDurationSeconds: MetricUnit.Seconds,
  DrainTimedOut: MetricUnit.Count,
  TerminationDecisions: MetricUnit.Count,
  TerminationFallbacks: MetricUnit.Count,
  OnDemandShare: MetricUnit.Percent,
  MixTarget: MetricUnit.Percent,
  MixChanges: MetricUnit.Count,
  InstancesReplacedByMix: MetricUnit.Count,
} as const;

export type GroupMetricName = keyof typeof GROUP_METRIC_UNITS;

/** One value of a per-group metric. */
export interface GroupMetric {
  name: GroupMetricName;
  value: number;
}

/** Which group (and the profile it opted in with; `none` when it did not) the values describe. */
export interface GroupLabels {
  group: string;
  profile: string;
}

/**
 * Writes `values` as one EMF document for `labels` (nothing when `values` is empty). Never throws:
 * a metric must not fail the decision it describes (a refused value is logged).
 *
 * @example
 * ```ts
 * publishGroupMetrics({ group: 'ml-inference-gpu', profile: 'gpu-inference' }, [
 *   { name: 'WarmupSucceeded', value: 1 },
 *   { name: 'WarmupDurationSeconds', value: 212 },
 * ]);
 * publishGroupMetrics(labels, [{ name: 'TerminationFallbacks', value: 1 }], { reason: 'state-read' });
 * ```
 */
export const publishGroupMetrics = (labels: GroupLabels, values: readonly GroupMetric[], by?: Readonly<Record<string, string>>): void => {
  if (values.length === 0) return;
  try {
    const metrics = new Metrics({
      namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'AsgOrchestrator',
      serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'asg-orchestrator',
    });
    metrics.addDimensions({ group: labels.group || 'unknown', profile: labels.profile || 'none' });
    if (by) metrics.addDimensions(by);
    // The roll-up: a dimension set of the default dimension (`service`) alone.
    metrics.addDimensions({});
    for (const { name, value } of values) metrics.addMetric(name, GROUP_METRIC_UNITS[name], value);
    metrics.publishStoredMetrics();
  } catch (error) {
    logger.warn('per-group metrics not written', { error, labels, values });
  }
};
