/**
 * Warm-up decisions (launch lifecycle hook). Pure: plain values and `now` in, a
 * {@link LifecycleDecision} with a human-readable `reason` out.
 *
 * | situation | decision |
 * |---|---|
 * | group not opted in | skip (nothing sent, changed or completed) |
 * | record exists | duplicate; or resume a claim abandoned by a dead invocation |
 * | warm-up disabled | enforce: complete CONTINUE at once; observe: record + notify "would" |
 * | observe mode | record + notify "would start", send nothing (the hook's DefaultResult applies) |
 * | enforce | record, SendCommand (Mode=prestage when Destination is WarmPool, else load), notify |
 * | result Success (current command) | complete CONTINUE, notify with the duration |
 * | result Failed/TimedOut/Cancelled/Undeliverable/Terminated, attempts and time left | send attempt k+1 |
 * | … none left | complete ABANDON (onFailure=abandon) or CONTINUE (onFailure=continue), with the output excerpt |
 * | result Pending/InProgress/Delayed/Cancelling, stale command id, not running | nothing |
 * | deadline passed while running (reconcile) | as "none left", reason "timed out" |
 */
import type { Profile } from '../../config/index';
import type { LifecycleWork, StoredLifecycle } from '../record';
import { warmupParameters, type WarmupMode } from './warmup-parameters';
import type { CommandPlan, LifecycleDecision, LifecycleStart, NotificationContext } from './decision';
import { commandPlan, decideExisting, decideStart, disabledStart, lifecycleNotification, matchResult, newWork, repairedVia, seconds } from './decision';

/** SendCommand's delivery timeout bounds (seconds): the command must start within it. */
const MIN_DELIVERY_SECONDS = 30;

/** `prestage` for a launch into a warm pool (download only), `load` otherwise (absent Destination = ordinary launch). */
export const warmupMode = (destination: string | undefined): WarmupMode => (destination === 'WarmPool' ? 'prestage' : 'load');

/**
 * The command for the current attempt of `work`, or why there is none (a value failed its pattern).
 * The document's own timeout is what is left of the overall budget.
 */
export const warmupCommand = (
  work: Pick<LifecycleWork, 'instanceId' | 'documentName' | 'destination' | 'deadlineAt' | 'attempt' | 'maxAttempts'>,
  profile: Profile,
  now: number,
): CommandPlan => {
  const remaining = Math.max(1, Math.floor((work.deadlineAt - now) / 1000));
  const mode = warmupMode(work.destination);
  return commandPlan(
    work,
    warmupParameters(profile.warmup, mode, remaining),
    Math.max(MIN_DELIVERY_SECONDS, remaining),
    `asg-orchestrator warm-up ${mode} attempt ${work.attempt}/${work.maxAttempts}`,
  );
};

/**
 * Decides what a launch lifecycle action needs.
 *
 * @example
 * ```ts
 * const d = decideLaunch({ req, optIn: resolveProfile(config, group.tags), documents: { warmup: 'asg-orchestrator-dev-warmup', drain: '…' }, existing: undefined, now });
 * d.kind; // 'create' (with `send`), or 'skip' when the group did not opt in
 * ```
 */
export const decideLaunch = (start: LifecycleStart): LifecycleDecision =>
  // A later action of the instance (it left the warm pool, or came back to it): new work replaces the record.
  decideStart(start, {
    again: (existing, profile) =>
      decideExisting(existing, start.req, start.now, (w) => {
        const c = warmupCommand(w, profile, start.now);
        return c.ok ? c.plan : undefined;
      }),
    fresh: (profile, profileName) => startWarmup(start, profile, profileName),
  });

const startWarmup = ({ req, documents, now, ctx = {} }: LifecycleStart, profile: Profile, profileName: string): LifecycleDecision => {
  const warmup = profile.warmup;
  const mode = warmupMode(req.destination);
  const base: LifecycleWork = {
    ...newWork({
      req,
      profileName,
      mode: profile.mode,
      phase: 'launch',
      documentName: warmup.documentName ?? documents.warmup,
      maxAttempts: warmup.maxAttempts,
      deadlineAt: now + warmup.timeoutSeconds * 1000,
      now,
    }),
    onFailure: warmup.onFailure,
  };
  const via = repairedVia(req);

  if (!warmup.enabled) {
    const reason = `warm-up is disabled in profile ${profileName}: launch hook completed with CONTINUE at once${via}`;
    return disabledStart({ base, type: 'warmup.skipped', reason, now, ctx });
  }

  const command = warmupCommand(base, profile, now);
  if (!command.ok) {
    return { kind: 'invalid', reason: `warm-up parameters of profile ${profileName} failed their patterns: nothing sent`, issues: command.issues };
  }
  const what = `${mode === 'prestage' ? 'pre-stage (download only, Destination WarmPool)' : 'load'} of ${warmup.modelUris.length} model URI(s) into ${warmup.cacheDir} with ${base.documentName}`;
  const reason = `warm-up started: ${what}, attempt 1/${warmup.maxAttempts}, overall budget ${warmup.timeoutSeconds} s${via}`;
  if (profile.mode === 'observe') {
    const work: LifecycleWork = { ...base, status: 'finished', finishedAt: now, reason };
    return {
      kind: 'create',
      work,
      notification: lifecycleNotification({ work, type: 'warmup.started', reason, now, ctx, details: { warmupMode: mode } }),
      reason: `observe mode: would start the ${what}; nothing sent or completed (the hook's DefaultResult applies)`,
    };
  }
  const work: LifecycleWork = { ...base, claimedAt: now, reason };
  return {
    kind: 'create',
    work,
    send: command.plan,
    notification: lifecycleNotification({ work, type: 'warmup.started', reason, now, ctx, details: { warmupMode: mode } }),
    reason,
  };
};

/** The final failure of a warm-up: ABANDON, or CONTINUE when the profile says to serve anyway. */
const finalFailure = (
  work: LifecycleWork,
  why: string,
  now: number,
  ctx: NotificationContext,
  lastStatus: string | undefined,
  fetchOutput: boolean,
): LifecycleDecision => {
  const result = work.onFailure === 'continue' ? 'CONTINUE' : 'ABANDON';
  const reason =
    result === 'ABANDON'
      ? `${why}: ABANDON (Auto Scaling terminates the instance and launches a replacement)`
      : `${why}: CONTINUE anyway (profile onFailure=continue: the instance serves without a confirmed warm-up)`;
  const next: LifecycleWork = {
    ...work,
    status: 'completing',
    result,
    claimedAt: now,
    reason,
    ...(lastStatus ? { lastCommandStatus: lastStatus } : {}),
  };
  return {
    kind: 'complete',
    next,
    result,
    firstTry: true,
    fetchOutput,
    notification: lifecycleNotification({
      work: next,
      type: result === 'ABANDON' ? 'warmup.abandoned' : 'warmup.failed',
      reason,
      now,
      ctx,
      details: { result, lastCommandStatus: lastStatus ?? null, elapsedSeconds: seconds(now - work.startedAt) },
    }),
    reason,
  };
};

/**
 * Decides what a warm-up command's status change means. `profile` is the group's current profile
 * (undefined if the group no longer opts in: then no retry is possible).
 *
 * @example
 * ```ts
 * decideWarmupResult(stored, { commandId, status: 'Success' }, profile, now).kind; // 'complete' (CONTINUE)
 * ```
 */
export const decideWarmupResult = (
  stored: StoredLifecycle | undefined,
  event: { commandId: string; status: string },
  profile: Profile | undefined,
  now: number,
  ctx: NotificationContext = {},
): LifecycleDecision => {
  const match = matchResult(stored, event.commandId, event.status, now, (w) => {
    if (!profile) return undefined;
    const c = warmupCommand(w, profile, now);
    return c.ok ? c.plan : undefined;
  });
  if (!match.ok) return match.decision;
  const w = match.work;
  const tookS = seconds(now - w.startedAt);
  if (event.status === 'Success') {
    const reason = `warm-up succeeded on attempt ${w.attempt}/${w.maxAttempts} after ${tookS} s: CONTINUE (the instance takes traffic)`;
    const next: LifecycleWork = { ...w, status: 'completing', result: 'CONTINUE', claimedAt: now, lastCommandStatus: 'Success', reason };
    return {
      kind: 'complete',
      next,
      result: 'CONTINUE',
      firstTry: true,
      notification: lifecycleNotification({
        work: next,
        type: 'warmup.succeeded',
        reason,
        now,
        ctx,
        details: { durationSeconds: tookS, attemptSeconds: seconds(now - w.attemptStartedAt), result: 'CONTINUE' },
      }),
      reason,
    };
  }
  const failed = `warm-up command ${event.commandId} ended ${event.status} on attempt ${w.attempt}/${w.maxAttempts}`;
  if (w.attempt >= w.maxAttempts) return finalFailure(w, `${failed}, no attempts left`, now, ctx, event.status, true);
  if (now >= w.deadlineAt) return finalFailure(w, `${failed}, overall budget of ${seconds(w.deadlineAt - w.startedAt)} s spent`, now, ctx, event.status, true);
  if (!profile) return finalFailure(w, `${failed}, and group ${w.groupName} no longer opts in: no retry`, now, ctx, event.status, true);
  const next: LifecycleWork = {
    ...w,
    attempt: w.attempt + 1,
    previousCommandIds: [...(w.previousCommandIds ?? []), event.commandId],
    lastCommandStatus: event.status,
    attemptStartedAt: now,
    claimedAt: now,
    reason: `${failed}: retrying`,
  };
  delete next.commandId;
  const command = warmupCommand(next, profile, now);
  if (!command.ok)
    return finalFailure(w, `${failed}, and the retry's parameters failed their patterns (${command.issues.join('; ')})`, now, ctx, event.status, true);
  const reason = `${failed}: sending attempt ${next.attempt}/${w.maxAttempts} (${seconds(w.deadlineAt - now)} s of the budget left)`;
  return {
    kind: 'send',
    next,
    send: command.plan,
    fetchOutput: true,
    notification: lifecycleNotification({
      work: next,
      type: 'warmup.retrying',
      title: `Warm-up ${event.status}: retrying`,
      reason,
      now,
      ctx,
      details: { failedCommandId: event.commandId, lastCommandStatus: event.status },
    }),
    reason,
  };
};

/** The overall warm-up budget is spent while a command still runs (the reconcile sweep decides this). */
export const decideWarmupTimeout = (stored: StoredLifecycle, now: number, ctx: NotificationContext = {}): LifecycleDecision =>
  finalFailure(
    stored.work,
    `warm-up did not finish within its overall budget of ${seconds(stored.work.deadlineAt - stored.work.startedAt)} s (attempt ${stored.work.attempt}/${stored.work.maxAttempts}, command ${stored.work.commandId ?? 'not sent'})`,
    now,
    ctx,
    stored.work.lastCommandStatus,
    stored.work.commandId !== undefined,
  );
