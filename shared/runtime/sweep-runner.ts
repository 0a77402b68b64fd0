/**
 * Runs independent sweeps one after the other, each isolated: a sweep that throws is reported and
 * the next one still runs. Generic (the lifecycle sweep and the Spot/On-Demand mix sweep both fit).
 */
import { classifyAwsError } from '../aws/classify';
import { isOrchestratorError } from '../errors';

/** One thing that went wrong inside a sweep (a group, an instance, or the whole sweep). */
export interface SweepFailure {
  scope: string;
  error: string;
  /** Transient (throttling, 5xx, network): the invocation fails at the end so the schedule's retry/DLQ sees it. */
  retryable: boolean;
}

/** What one sweep did. `summary` is small and flat: it goes into the decision log. */
export interface SweepReport {
  name: string;
  summary: Record<string, unknown>;
  failures: SweepFailure[];
}

/** A sweep: given `now`, does its bounded work and reports; may throw (reported as one failure). */
export interface Sweep {
  name: string;
  run: (now: number) => Promise<SweepReport>;
}

/** Describes a thrown value as a failure, classified by the one error classifier. */
export const toFailure = (scope: string, error: unknown): SweepFailure => {
  const disposition = isOrchestratorError(error) ? error.disposition : classifyAwsError(error).disposition;
  return { scope, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error), retryable: disposition === 'retry' };
};

/**
 * Runs every sweep in order; never throws.
 *
 * @example
 * ```ts
 * const reports = await runSweeps([{ name: 'lifecycle', run: (now) => runLifecycleSweep(deps, hooks, now) }], Date.now());
 * ```
 */
export const runSweeps = async (sweeps: readonly Sweep[], now: number): Promise<SweepReport[]> => {
  const reports: SweepReport[] = [];
  for (const sweep of sweeps) {
    try {
      reports.push(await sweep.run(now));
    } catch (error) {
      reports.push({ name: sweep.name, summary: { aborted: true }, failures: [toFailure(sweep.name, error)] });
    }
  }
  return reports;
};
