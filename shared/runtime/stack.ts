/**
 * The middy stack every handler shares: Powertools Logger (JSON lines with the Lambda context) and
 * Metrics (CloudWatch EMF, `ColdStart` included), then the decision log and the one error policy.
 * docs/adr/0005 says why these are Powertools and not code of our own.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit, Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { classifyAwsError } from '../aws/classify';
import { type EventDropError, isConfigError, isEventDropError, isOrchestratorError } from '../errors';

/**
 * What every handler returns: `serverless invoke local` prints it, and the decision log records it.
 * Each handler extends it with the named facts of its decisions (no catch-all key).
 */
export interface HandlerOutcome {
  /** `dropped`: invalid/foreign input; `skipped`: nothing to do (not opted in…); others are handler-specific. */
  outcome: string;
  reason: string;
  /** Offline `invoke local` only (shared/local/install.ts): the note and the AWS calls the local world answered. */
  localWorld?: { note: string; calls: string[] };
}

/** The outcome of an input that is dropped; the drop's context (ids, group) is spread beside these. */
export interface DroppedOutcome extends HandlerOutcome {
  outcome: 'dropped';
  dropReason: EventDropError['reason'];
  issues?: readonly string[];
}

/**
 * Shared Powertools logger. Its environment variables are Powertools' own: `POWERTOOLS_SERVICE_NAME`,
 * `POWERTOOLS_LOG_LEVEL` (Lambda's advanced logging control `AWS_LAMBDA_LOG_LEVEL` wins when stricter),
 * `POWERTOOLS_DEV`, `POWERTOOLS_LOGGER_LOG_EVENT`, …
 * https://docs.powertools.aws.dev/lambda/typescript/latest/core/logger/#utility-settings
 */
export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'asg-orchestrator' });

/**
 * Shared Powertools metrics (EMF on stdout); `POWERTOOLS_METRICS_NAMESPACE` names the namespace and
 * `POWERTOOLS_METRICS_DISABLED=true` turns publishing off.
 * https://docs.powertools.aws.dev/lambda/typescript/latest/core/metrics/
 */
export const metrics = new Metrics({
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'AsgOrchestrator',
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'asg-orchestrator',
});

/** The outcome of an input that is dropped: returned (so the invocation succeeds and nothing retries). */
export const dropped = (error: EventDropError): DroppedOutcome => ({
  outcome: 'dropped',
  reason: error.message,
  dropReason: error.reason,
  ...(error.issues.length > 0 ? { issues: error.issues } : {}),
  ...error.context,
});

/** What a decision gains from elsewhere: fields added to every decision line and printed result. */
export type DecisionNote = () => Readonly<Record<string, unknown>> | undefined;

const notes: DecisionNote[] = [];

/**
 * Registers a note for every decision from now on. Offline `invoke local` (shared/local/install.ts)
 * adds `localWorld`: the decision says its AWS calls were answered locally, and which.
 */
export const noteDecisions = (note: DecisionNote): void => {
  notes.push(note);
};

const record = (functionName: string, result: HandlerOutcome): void => {
  for (const note of notes) Object.assign(result, note());
  metrics.addDimension('function', functionName);
  metrics.addMetric(`outcome_${result.outcome}`, MetricUnit.Count, 1);
  // One structured decision line per event: warn for drops, info otherwise.
  if (result.outcome === 'dropped') logger.warn('event dropped', { decision: result });
  else logger.info('decision', { decision: result });
};

/**
 * Middy middleware that applies the one error policy at the edge of every handler:
 * drop → log once and return a `dropped` outcome; already-done → success; retry (and config
 * errors) → log and rethrow so Lambda retries and then the on-failure destination keeps the event.
 */
const decisionLog = (functionName: string): middy.MiddlewareObj<unknown, HandlerOutcome> => ({
  after: (request) => {
    if (request.response) record(functionName, request.response);
  },
  onError: (request) => {
    const error = request.error;
    if (isEventDropError(error)) {
      request.response = dropped(error);
      record(functionName, request.response);
      return;
    }
    if (isConfigError(error)) {
      logger.error('invalid configuration', { error: error.message, issues: error.issues });
      return;
    }
    const disposition = isOrchestratorError(error) ? error.disposition : classifyAwsError(error).disposition;
    if (disposition === 'drop') {
      request.response = { outcome: 'dropped', reason: error instanceof Error ? error.message : String(error) };
      record(functionName, request.response);
      return;
    }
    if (disposition === 'already-done') {
      request.response = { outcome: 'already-done', reason: error instanceof Error ? error.message : String(error) };
      record(functionName, request.response);
      return;
    }
    logger.error('retryable failure: rethrowing so Lambda retries', { error });
  },
});

/** Maps the decision to the Lambda's response when the caller expects another shape. */
const respondWith = <R>(respond: (outcome: HandlerOutcome) => R): middy.MiddlewareObj<unknown, HandlerOutcome | R> => ({
  after: (request) => {
    if (request.response !== undefined) request.response = respond(request.response as HandlerOutcome);
  },
  onError: (request) => {
    if (request.response !== undefined) request.response = respond(request.response as HandlerOutcome);
  },
});

/**
 * Wraps a handler's `main` in the shared middy stack: Lambda context in every log line (Powertools
 * `injectLambdaContext`), EMF metrics with the `ColdStart` metric (Powertools `logMetrics`), and the
 * decision log / error policy above. `respond` maps the decision to
 * the response the caller expects (the termination policy answers `{ InstanceIDs }`); by default
 * the decision itself is returned, which is what `serverless invoke local` prints.
 *
 * @example
 * ```ts
 * export const handler = withStack('activityAudit', main);
 * ```
 */
export function withStack<O extends HandlerOutcome>(
  functionName: string,
  main: (event: unknown, context: Context) => Promise<O>,
): middy.MiddyfiedHandler<unknown, O | HandlerOutcome>;
export function withStack<O extends HandlerOutcome, R>(
  functionName: string,
  main: (event: unknown, context: Context) => Promise<O>,
  /** Receives the handler's outcome, or the error policy's (`dropped`, `already-done`). */
  respond: (outcome: O | HandlerOutcome) => R,
): middy.MiddyfiedHandler<unknown, R>;
export function withStack<O extends HandlerOutcome, R>(
  functionName: string,
  main: (event: unknown, context: Context) => Promise<O>,
  respond?: (outcome: O | HandlerOutcome) => R,
) {
  const base = middy<unknown, HandlerOutcome>(main);
  if (respond) (base as unknown as middy.MiddyfiedHandler<unknown, HandlerOutcome | R>).use(respondWith(respond));
  // middy runs `after`/`onError` in reverse order: the decision is logged and counted before
  // logMetrics publishes and injectLambdaContext clears the invocation's keys.
  return base
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics, { captureColdStartMetric: true }))
    .use(decisionLog(functionName));
}
