/**
 * Error taxonomy shared by every handler. One place decides what an error means:
 * - **drop**: the input can never succeed (malformed, foreign, not opted in): log once, return, no retry;
 * - **retry**: transient (throttling, 5xx, timeouts, network): rethrow so Lambda retries, then the DLQ;
 * - **already-done**: the side effect already happened (lifecycle action gone): treat as success.
 *
 * @example
 * ```ts
 * try { await asg.completeLifecycleAction(input) }
 * catch (e) { if (classifyError(e).disposition !== 'already-done') throw e }
 * ```
 */
export type Disposition = 'drop' | 'retry' | 'already-done';

/** Base class: every error the orchestrator raises on purpose carries a stable `name` and a `cause`. */
export class OrchestratorError extends Error {
  public readonly disposition: Disposition;
  public readonly context: Readonly<Record<string, unknown>>;

  public constructor(message: string, disposition: Disposition, options?: { cause?: unknown; context?: Record<string, unknown> }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'OrchestratorError';
    this.disposition = disposition;
    this.context = options?.context ?? {};
  }
}

/** The event (or invocation payload) is malformed, foreign, or a test notification: dropped. */
export class EventDropError extends OrchestratorError {
  public readonly reason: DropReason;
  public readonly issues: readonly string[];

  public constructor(reason: DropReason, message: string, issues: readonly string[] = [], context?: Record<string, unknown>) {
    super(message, 'drop', { context: context ?? {} });
    this.name = 'EventDropError';
    this.reason = reason;
    this.issues = issues;
  }
}

/** Why an event was dropped. */
export type DropReason = 'malformed' | 'unknown-event' | 'foreign-event' | 'foreign-account' | 'test-notification' | 'not-opted-in' | 'not-applicable';

/**
 * The configuration file or a profile is invalid. Thrown at cold start; names the key and the reason.
 * Its disposition is `retry`: the invocation fails loudly and, once Lambda's retries run out, the
 * event waits in the dead-letter destination until the config is fixed — nothing is dropped silently.
 */
export class ConfigError extends OrchestratorError {
  public readonly issues: readonly string[];

  public constructor(message: string, issues: readonly string[] = []) {
    super(message, 'retry');
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

/** An AWS call failed; `disposition` comes from {@link classifyAwsError} in `shared/aws/classify`. */
export class AwsCallError extends OrchestratorError {
  public readonly operation: string;
  public readonly awsErrorName: string;

  public constructor(operation: string, awsErrorName: string, disposition: Disposition, cause: unknown, context?: Record<string, unknown>) {
    super(`${operation} failed: ${awsErrorName}`, disposition, { cause, context: context ?? {} });
    this.name = 'AwsCallError';
    this.operation = operation;
    this.awsErrorName = awsErrorName;
  }
}

export const isOrchestratorError = (e: unknown): e is OrchestratorError => e instanceof OrchestratorError;
export const isEventDropError = (e: unknown): e is EventDropError => e instanceof EventDropError;
export const isConfigError = (e: unknown): e is ConfigError => e instanceof ConfigError;
export const isAwsCallError = (e: unknown): e is AwsCallError => e instanceof AwsCallError;
