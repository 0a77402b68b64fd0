/**
 * Captures the CloudWatch Embedded Metric Format documents Powertools Metrics writes to stdout, for
 * handler tests that assert the metrics (docs/metrics.md). `POWERTOOLS_METRICS_DISABLED` is `true`
 * for every test (vitest.config.mts); `captureEmf` turns metrics on until `vi.unstubAllEnvs()`.
 * EMF: https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
 */
import { vi } from 'vitest';

/** One EMF document: the `_aws` metadata, then dimension values and metric values at the top level. */
export interface EmfDocument {
  _aws: { Timestamp: number; CloudWatchMetrics: Array<{ Namespace: string; Dimensions: string[][]; Metrics: Array<{ Name: string; Unit: string }> }> };
  [key: string]: unknown;
}

/** One value of a metric, with the dimension sets and dimension values of its document. */
export interface EmfPoint {
  value: number;
  unit: string;
  namespace: string;
  dimensionSets: string[][];
  dimensions: Record<string, string>;
}

/**
 * Starts capturing: from now on every EMF line written to stdout is kept (other lines pass through).
 *
 * @example
 * ```ts
 * const emf = captureEmf();
 * await main(event);
 * expect(emf.points('WarmupSucceeded')).toEqual([expect.objectContaining({ value: 1 })]);
 * ```
 */
export const captureEmf = () => {
  vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'false');
  const documents: EmfDocument[] = [];
  const write = process.stdout.write.bind(process.stdout);
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array, ...rest: unknown[]) => {
    const lines = String(chunk)
      .split('\n')
      .filter((line) => line.startsWith('{"_aws"'));
    if (lines.length === 0) return (write as (c: string | Uint8Array, ...r: unknown[]) => boolean)(chunk, ...rest);
    for (const line of lines) documents.push(JSON.parse(line) as EmfDocument);
    return true;
  });
  const points = (name: string): EmfPoint[] =>
    documents.flatMap((doc) =>
      doc._aws.CloudWatchMetrics.flatMap((directive) => {
        const metric = directive.Metrics.find((m) => m.Name === name);
        if (!metric) return [];
        const keys = new Set(directive.Dimensions.flat());
        const dimensions = Object.fromEntries([...keys].map((k) => [k, String(doc[k])]));
        const raw = doc[name];
        return (Array.isArray(raw) ? raw : [raw]).map((value) => ({
          value: Number(value),
          unit: metric.Unit,
          namespace: directive.Namespace,
          dimensionSets: directive.Dimensions,
          dimensions,
        }));
      }),
    );
  /** The metric names written, in order, once per value. */
  const names = (): string[] =>
    documents.flatMap((doc) =>
      doc._aws.CloudWatchMetrics.flatMap((d) =>
        d.Metrics.flatMap((m) => (Array.isArray(doc[m.Name]) ? (doc[m.Name] as unknown[]).map(() => m.Name) : [m.Name])),
      ),
    );
  return { documents, points, names };
};
