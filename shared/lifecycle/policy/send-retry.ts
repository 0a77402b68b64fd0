/**
 * When to send a warm-up (or drain) command again after SSM refused it because the instance's SSM
 * agent has not registered yet. SendCommand answers `InvalidInstanceId` for an instance that "is not in
 * a valid state" — among the listed causes: "SSM Agent isn't registered with the SSM endpoint"
 * (https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_SendCommand.html, Errors).
 * A launch hook fires while the instance boots, so the first send often comes before the agent: a
 * retry a few seconds later succeeds, a retry a minute later (the reconcile sweep) keeps the instance
 * out of service for nothing. Pure.
 */

/** The first wait; each later one doubles, up to {@link SEND_RETRY_MAX_DELAY_MS}. */
export const SEND_RETRY_FIRST_DELAY_MS = 2_000;
export const SEND_RETRY_MAX_DELAY_MS = 4_000;
/**
 * Time kept back after the last wait for the send itself, the notification and the record's write.
 * With the lifecycle functions' 30 s timeout this leaves all the waits well inside CLAIM_STALE_MS
 * (shared/lifecycle/record.ts), so the claim held while waiting never looks abandoned.
 */
export const SEND_RETRY_RESERVE_MS = 5_000;
/** An upper bound whatever the invocation's remaining time says (a longer timeout must not hold a claim past stale). */
export const SEND_RETRY_MAX_TOTAL_MS = 25_000;

/** Errors that mean "the agent is not there yet": worth a retry in seconds. */
export const isAgentNotReady = (awsErrorName: string): boolean => awsErrorName === 'InvalidInstanceId';

/**
 * The wait before the next send (ms), or `undefined` when there is no time left for one in this
 * invocation (then the claim is released for the sweep).
 *
 * @param refusals - refusals so far in this invocation (1 after the first).
 * @param waitedMs - time already spent waiting in this invocation.
 * @param remainingMs - the invocation's remaining time (the Lambda context).
 *
 * @example
 * ```ts
 * sendRetryDelay(1, 0, 29_000); // 2000
 * sendRetryDelay(2, 2_000, 27_000); // 4000 (then 4000 each time)
 * sendRetryDelay(7, 22_000, 7_000); // undefined: 4 s more would leave less than the 5 s reserve
 * ```
 */
export const sendRetryDelay = (refusals: number, waitedMs: number, remainingMs: number): number | undefined => {
  if (!(refusals >= 1) || !Number.isFinite(remainingMs)) return undefined;
  const delay = Math.min(SEND_RETRY_MAX_DELAY_MS, SEND_RETRY_FIRST_DELAY_MS * 2 ** (refusals - 1));
  if (waitedMs + delay > SEND_RETRY_MAX_TOTAL_MS) return undefined;
  if (remainingMs - delay < SEND_RETRY_RESERVE_MS) return undefined;
  return delay;
};
