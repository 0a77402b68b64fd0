/**
 * Structured JSON logs and CloudWatch Embedded Metric Format (EMF) metrics, written to stdout.
 *
 * A small replacement for the Powertools logger and metrics (docs/adr/0004): the same log keys
 * (`level`, `message`, `timestamp`, `service`, `xray_trace_id`, `cold_start`, `function_name`,
 * `function_request_id`, …), the same environment variables (`POWERTOOLS_SERVICE_NAME`,
 * `POWERTOOLS_LOG_LEVEL`, `POWERTOOLS_METRICS_NAMESPACE`, `POWERTOOLS_METRICS_DISABLED`) and the same
 * EMF document (`ColdStart` included), at a fraction of the cold-start cost. Lines are written with
 * `process.stdout.write`, never `console.*`: Lambda prefixes console lines with a timestamp and the
 * request id, which would stop CloudWatch from reading an EMF line as JSON.
 */
import type { Context } from 'aws-lambda';

/** Log levels, lowest first; a logger writes its level and the ones above it. */
export const LOG_LEVELS = { DEBUG: 8, INFO: 12, WARN: 16, ERROR: 20, SILENT: 28 } as const;
/** A log level name. */
export type LogLevel = keyof typeof LOG_LEVELS;

/** Where lines go (stdout in Lambda; tests pass a collector). */
export type LineWriter = (line: string) => void;

const stdout: LineWriter = (line) => {
  process.stdout.write(`${line}\n`);
};

/**
 * Reads a level name (any case); `TRACE` counts as `DEBUG` and `CRITICAL`/`FATAL` as `ERROR`.
 * Returns undefined for anything else.
 *
 * @example
 * ```ts
 * parseLogLevel('warn'); // 'WARN'
 * parseLogLevel('loud'); // undefined
 * ```
 */
export const parseLogLevel = (value: string | undefined): LogLevel | undefined => {
  const name = value?.trim().toUpperCase();
  if (name === undefined || name === '') return undefined;
  if (name === 'TRACE') return 'DEBUG';
  if (name === 'CRITICAL' || name === 'FATAL') return 'ERROR';
  return name in LOG_LEVELS ? (name as LogLevel) : undefined;
};

/** An error as a plain object: name, message, stack, `cause`, and its own fields (e.g. an SDK error's `$metadata`). */
const errorFields = (error: Error, seen: WeakSet<object>): Record<string, unknown> => {
  const out: Record<string, unknown> = { name: error.name, message: error.message };
  if (error.stack !== undefined) out.stack = error.stack;
  for (const [key, value] of Object.entries(error)) if (!(key in out)) out[key] = value;
  if (error.cause !== undefined) out.cause = error.cause instanceof Error ? errorFields(error.cause, seen) : error.cause;
  return out;
};

/**
 * JSON.stringify that never throws: errors become objects, bigints strings, cycles `"[Circular]"`.
 *
 * @example
 * ```ts
 * const a: Record<string, unknown> = {}; a.self = a;
 * safeStringify({ a, n: 1n }); // '{"a":{"self":"[Circular]"},"n":"1"}'
 * ```
 */
export const safeStringify = (value: unknown): string => {
  const seen = new WeakSet<object>();
  try {
    return JSON.stringify(value, function replacer(this: unknown, _key: string, v: unknown): unknown {
      if (typeof v === 'bigint') return v.toString();
      if (typeof v === 'object' && v !== null) {
        if (seen.has(v)) return '[Circular]';
        seen.add(v);
        if (v instanceof Error) return errorFields(v, seen);
      }
      return v;
    });
  } catch (error) {
    return JSON.stringify({ message: 'unserialisable log entry', error: error instanceof Error ? error.message : String(error) });
  }
};

/** Options of {@link JsonLogger}. */
export interface JsonLoggerOptions {
  serviceName: string;
  /** Lowest level written; default from the environment, else `INFO`. */
  level?: LogLevel;
  write?: LineWriter;
  env?: NodeJS.ProcessEnv;
}

/**
 * One JSON object per line, with the Lambda context of the current invocation (see
 * {@link JsonLogger.setContext}) and the X-Ray trace id.
 *
 * @example
 * ```ts
 * const logger = new JsonLogger({ serviceName: 'asg-orchestrator' });
 * logger.info('decision', { decision: { outcome: 'completed' } });
 * // {"level":"INFO","message":"decision","timestamp":"…","service":"asg-orchestrator","decision":{…}}
 * ```
 */
export class JsonLogger {
  readonly level: LogLevel;
  private readonly serviceName: string;
  private readonly write: LineWriter;
  private readonly env: NodeJS.ProcessEnv;
  private context: Record<string, unknown> = {};

  constructor(options: JsonLoggerOptions) {
    this.serviceName = options.serviceName;
    this.write = options.write ?? stdout;
    this.env = options.env ?? process.env;
    const configured = this.env.POWERTOOLS_LOG_LEVEL ?? this.env.AWS_LAMBDA_LOG_LEVEL;
    this.level = options.level ?? parseLogLevel(configured) ?? 'INFO';
    if (options.level === undefined && configured !== undefined && configured !== '' && parseLogLevel(configured) === undefined) {
      this.warn(`unknown log level ${JSON.stringify(configured)}: using INFO (levels: DEBUG, INFO, WARN, ERROR, SILENT)`);
    }
  }

  /** Whether a line of `level` would be written. */
  isEnabled(level: Exclude<LogLevel, 'SILENT'>): boolean {
    return LOG_LEVELS[level] >= LOG_LEVELS[this.level];
  }

  /** Adds the Lambda context to every following line (until {@link JsonLogger.clearContext}). */
  setContext(context: Partial<Context> | undefined, coldStart: boolean): void {
    const memory = Number(context?.memoryLimitInMB);
    const fields: Record<string, unknown> = {
      cold_start: coldStart,
      function_arn: context?.invokedFunctionArn,
      function_memory_size: Number.isFinite(memory) ? memory : undefined,
      function_name: context?.functionName,
      function_request_id: context?.awsRequestId,
    };
    // A partial context (a test, a hand-made invoke) leaves its missing keys out rather than null.
    this.context = Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined));
  }

  clearContext(): void {
    this.context = {};
  }

  debug(message: string, extra?: Record<string, unknown>): void {
    this.log('DEBUG', message, extra);
  }

  info(message: string, extra?: Record<string, unknown>): void {
    this.log('INFO', message, extra);
  }

  warn(message: string, extra?: Record<string, unknown>): void {
    this.log('WARN', message, extra);
  }

  error(message: string, extra?: Record<string, unknown>): void {
    this.log('ERROR', message, extra);
  }

  private log(level: Exclude<LogLevel, 'SILENT'>, message: string, extra: Record<string, unknown> | undefined): void {
    if (!this.isEnabled(level)) return;
    const trace = this.env._X_AMZN_TRACE_ID?.split(';')[0]?.replace(/^Root=/, '');
    this.write(
      safeStringify({
        level,
        message,
        timestamp: new Date().toISOString(),
        service: this.serviceName,
        ...(trace ? { xray_trace_id: trace } : {}),
        ...this.context,
        ...extra,
      }),
    );
  }
}

/** CloudWatch units used here (EMF accepts every CloudWatch unit name). */
export type MetricUnit = 'Count' | 'Milliseconds' | 'Seconds' | 'None';

/** Options of {@link EmfMetrics}. */
export interface EmfMetricsOptions {
  namespace: string;
  serviceName: string;
  write?: LineWriter;
  env?: NodeJS.ProcessEnv;
  now?: () => number;
}

/** EMF allows at most 100 metrics per document. */
const MAX_METRICS = 100;

/**
 * Metrics as EMF log lines: CloudWatch turns each line into metric data points, no API call.
 * Every document carries the `service` dimension and those added with {@link EmfMetrics.addDimension};
 * values of one name are summed until {@link EmfMetrics.publish}. `POWERTOOLS_METRICS_DISABLED=true`
 * turns publishing off.
 *
 * @example
 * ```ts
 * const metrics = new EmfMetrics({ namespace: 'AsgOrchestrator', serviceName: 'asg-orchestrator' });
 * metrics.addDimension('function', 'commandResult');
 * metrics.addMetric('outcome_completed', 'Count', 1);
 * metrics.publish(); // {"_aws":{"Timestamp":…,"CloudWatchMetrics":[{"Namespace":"AsgOrchestrator","Dimensions":[["service","function"]],"Metrics":[{"Name":"outcome_completed","Unit":"Count"}]}]},"service":"asg-orchestrator","function":"commandResult","outcome_completed":1}
 * ```
 */
export class EmfMetrics {
  readonly namespace: string;
  readonly disabled: boolean;
  private readonly serviceName: string;
  private readonly write: LineWriter;
  private readonly now: () => number;
  private dimensions = new Map<string, string>();
  private values = new Map<string, { unit: MetricUnit; value: number }>();

  constructor(options: EmfMetricsOptions) {
    this.namespace = options.namespace;
    this.serviceName = options.serviceName;
    this.write = options.write ?? stdout;
    this.now = options.now ?? Date.now;
    this.disabled = (options.env ?? process.env).POWERTOOLS_METRICS_DISABLED?.toLowerCase() === 'true';
  }

  /** A dimension of every metric in the next document. */
  addDimension(name: string, value: string): void {
    this.dimensions.set(name, value);
  }

  /** Adds `value` to the metric `name` of the next document (a document holds at most 100; more publishes early). */
  addMetric(name: string, unit: MetricUnit, value: number): void {
    const current = this.values.get(name);
    if (!current && this.values.size >= MAX_METRICS) this.flush();
    this.values.set(name, { unit, value: (current?.value ?? 0) + value });
  }

  /** Writes the stored metrics as one EMF document and forgets them and the added dimensions; nothing when none are stored. */
  publish(): void {
    this.flush();
    this.dimensions = new Map();
  }

  private flush(): void {
    const values = [...this.values];
    const dimensions: Record<string, string> = { service: this.serviceName, ...Object.fromEntries(this.dimensions) };
    this.values = new Map();
    if (values.length === 0 || this.disabled) return;
    this.emit(
      dimensions,
      values.map(([name, { unit }]) => ({ Name: name, Unit: unit })),
      Object.fromEntries(values.map(([name, { value }]) => [name, value])),
    );
  }

  /** The `ColdStart` metric (Count 1), in a document of its own with the `function_name` dimension. */
  publishColdStart(functionName: string | undefined): void {
    if (this.disabled || !functionName) return;
    this.emit({ service: this.serviceName, function_name: functionName }, [{ Name: 'ColdStart', Unit: 'Count' }], { ColdStart: 1 });
  }

  private emit(dimensions: Record<string, string>, metrics: Array<{ Name: string; Unit: MetricUnit }>, values: Record<string, number>): void {
    this.write(
      JSON.stringify({
        _aws: { Timestamp: this.now(), CloudWatchMetrics: [{ Namespace: this.namespace, Dimensions: [Object.keys(dimensions)], Metrics: metrics }] },
        ...dimensions,
        ...values,
      }),
    );
  }
}
