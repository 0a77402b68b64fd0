/**
 * Finding a command that was sent but whose id was never recorded (SendCommand answered, then the
 * write of its id failed, or the response was lost). SSM has no idempotency token, so each command
 * carries a marker in its `Comment`: `asg-orchestrator warm-up <mode> attempt <k>/<n>` (warm-up),
 * `asg-orchestrator drain, up to <s> s` (terminate hook) or `asg-orchestrator spot drain <group>`
 * (Spot interruption warning). Before a stale send claim is sent again, the instance's commands since
 * the attempt started (ListCommands, InstanceId + InvokedAfter) are searched for one of the same
 * document and attempt: it is adopted instead of sending a second one. Pure.
 *
 * Why no claim id in the comment: an attempt is already unique per instance and phase. The record
 * (`instance#<id>` / `lifecycle#<phase>`) lives two days and is never re-created while it exists,
 * every attempt of it has its own number, and its commands are all requested after its
 * `attemptStartedAt`: the window `[attemptStartedAt − CLOCK_SKEW_MS, now]` on that instance with the
 * record's document holds no command of another record or attempt with the same marker.
 */
import type { CommandSummary } from '../../aws/ssm';
import type { LifecycleWork } from '../record';

/** Margin for the difference between the Lambda clock and SSM's `RequestedDateTime`. */
export const CLOCK_SKEW_MS = 60_000;

/** Every comment the orchestrator puts on its commands starts with this. */
export const COMMENT_PREFIX = 'asg-orchestrator ';

/**
 * The part of a document name or ARN after `document/`: SSM events and ListCommands name a document
 * as it was sent, the config may name it by ARN (`arn:aws:ssm:…:document/Name`), see
 * https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_SendCommand.html (DocumentName).
 */
export const documentBaseName = (name: string): string => {
  const slash = name.lastIndexOf('document/');
  return slash >= 0 ? name.slice(slash + 'document/'.length) : name;
};

/** Since when commands of the current attempt of `work` can have been requested (the ListCommands filter). */
export const attemptWindowStart = (work: Pick<LifecycleWork, 'attemptStartedAt'>): number => work.attemptStartedAt - CLOCK_SKEW_MS;

/**
 * The command already sent for the current attempt of `work`, if any (the earliest when several
 * match: it is the one the first claim sent).
 *
 * @example
 * ```ts
 * sentForAttempt(work, await ssm.listCommands(work.instanceId, attemptWindowStart(work)))?.commandId;
 * ```
 */
export const sentForAttempt = (
  work: Pick<LifecycleWork, 'phase' | 'documentName' | 'attempt' | 'attemptStartedAt' | 'previousCommandIds'>,
  commands: readonly CommandSummary[],
): CommandSummary | undefined => {
  const earlier = new Set(work.previousCommandIds ?? []);
  const matches = commands.filter(
    (c) =>
      !earlier.has(c.commandId) &&
      c.requestedAt >= attemptWindowStart(work) &&
      documentBaseName(c.documentName) === documentBaseName(work.documentName) &&
      c.comment.startsWith(COMMENT_PREFIX) &&
      (work.phase === 'launch' ? c.comment.includes(` attempt ${work.attempt}/`) : c.comment.includes('drain')),
  );
  return [...matches].sort((a, b) => a.requestedAt - b.requestedAt)[0];
};
