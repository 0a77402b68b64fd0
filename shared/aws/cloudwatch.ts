import { type CloudWatchClient, GetMetricDataCommand, type MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import { callAws } from './classify';

/** A per-instance CloudWatch metric (dimension `InstanceId`), as the profile's `termination.loadMetric` names it. */
export interface InstanceMetric {
  namespace: string;
  metricName: string;
  statistic: 'Average' | 'Maximum';
  periodSeconds: number;
}

/** Port for reading a load figure per instance. */
export interface MetricsPort {
  /**
   * The latest value of `metric` for each instance over the last two periods; instances without
   * data are absent. Batched: one GetMetricData per 500 instances.
   */
  instanceLoads(instanceIds: readonly string[], metric: InstanceMetric, now: number, signal?: AbortSignal): Promise<Map<string, number>>;
}

/** GetMetricData accepts at most 500 queries per call. */
const BATCH = 500;

/**
 * Thin SDK adapter for CloudWatch GetMetricData. Takes a client factory: only the `least-loaded`
 * tie-break reads metrics, so the client is not built at cold start for the other profiles.
 */
export class SdkCloudWatch implements MetricsPort {
  public constructor(private readonly client: () => CloudWatchClient) {}

  public async instanceLoads(instanceIds: readonly string[], metric: InstanceMetric, now: number, signal?: AbortSignal): Promise<Map<string, number>> {
    const loads = new Map<string, number>();
    const start = new Date(now - 2 * metric.periodSeconds * 1000);
    const end = new Date(now);
    for (let i = 0; i < instanceIds.length; i += BATCH) {
      const ids = instanceIds.slice(i, i + BATCH);
      const queries: MetricDataQuery[] = ids.map((id, k) => ({
        Id: `m${k}`,
        ReturnData: true,
        MetricStat: {
          Metric: { Namespace: metric.namespace, MetricName: metric.metricName, Dimensions: [{ Name: 'InstanceId', Value: id }] },
          Period: metric.periodSeconds,
          Stat: metric.statistic,
        },
      }));
      let nextToken: string | undefined;
      do {
        const res = await callAws('GetMetricData', () =>
          this.client().send(
            new GetMetricDataCommand({ MetricDataQueries: queries, StartTime: start, EndTime: end, ScanBy: 'TimestampDescending', NextToken: nextToken }),
            signal ? { abortSignal: signal } : {},
          ),
        );
        if (res === 'already-done') break;
        for (const r of res.MetricDataResults ?? []) {
          const id = ids[Number((r.Id ?? '').slice(1))];
          const latest = r.Values?.[0];
          if (id !== undefined && typeof latest === 'number' && Number.isFinite(latest) && !loads.has(id)) loads.set(id, latest);
        }
        nextToken = res.NextToken;
      } while (nextToken);
    }
    return loads;
  }
}
