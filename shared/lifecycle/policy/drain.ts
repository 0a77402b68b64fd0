/**
 * Drain decisions (terminate lifecycle hook, and drains started early by a Spot interruption
 * warning). Pure: plain values and `now` in, a {@link LifecycleDecision} with a `reason` out.
 * A drain never blocks a termination: whatever the drain command does, the hook is completed with
 * CONTINUE (when the command finishes, or when the drain budget passes).
 *
 * | situation | decision |
 * |---|---|
 * | group not opted in | skip |
 * | drain disabled | enforce: complete CONTINUE at once; observe: record + notify "would" |
 * | observe mode | record + notify "would drain", send nothing |
 * | no record | record, SendCommand (drain document, timeout = profile.drain.timeoutSeconds), notify |
 * | running record without a hook (interruption warning started it) | attach hook + token, no second command |
 * | finished record without a hook (that drain is over) | attach hook, complete CONTINUE |
 * | record with a hook | duplicate (or resume a dead invocation's claim) |
 * | result Success / any failure (current command), hook known | complete CONTINUE (drain.completed / drain.failed) |
 * | … no hook yet | finish the record (the hook, when it fires, completes at once) |
 * | deadline passed while running (reconcile) | complete CONTINUE (drain.timed-out) |
 */
import type { Profile } from '../../config/index';
import { hasHook, type LifecycleWork, type StoredLifecycle } from '../record';
import { drainParameters } from './drain-parameters';
import type { CommandPlan, LifecycleDecision, LifecycleRequest, LifecycleStart, NotificationContext } from './decision';
import { commandPlan, decideExisting, decideStart, disabledStart, lifecycleNotification, matchResult, newWork, repairedVia, seconds } from './decision';

/** Extra time after the drain document's own timeout before the sweep gives up on its result. */
export const DRAIN_RESULT_GRACE_SECONDS = 30;

/** The drain command for `work`, or why there is none. */
export const drainCommand = (work: Pick<LifecycleWork, 'instanceId' | 'documentName'>, profile: Profile, timeoutSeconds: number): CommandPlan =>
  commandPlan(work, drainParameters(profile.drain.drainUrl, timeoutSeconds), Math.max(30, timeoutSeconds), `asg-orchestrator drain, up to ${timeoutSeconds} s`);

/**
 * Decides what a terminate lifecycle action needs.
 *
 * @example
 * ```ts
 * decideTerminate({ req, optIn, documents, existing: stored, now }).kind; // 'create' | 'update' (hook attached) | 'complete' | 'skip'
 * ```
 */
export const decideTerminate = (start: LifecycleStart): LifecycleDecision =>
  // A later terminate action: the instance went back to the warm pool before, and is leaving the group again.
  decideStart(start, {
    again: (existing, profile) => decideExistingDrain(existing, start.req, profile, start.now),
    fresh: (profile, profileName) => startDrain(start, profile, profileName),
  });

const startDrain = ({ req, documents, now, ctx = {} }: LifecycleStart, profile: Profile, profileName: string): LifecycleDecision => {
  const drain = profile.drain;
  const via = repairedVia(req);
  const base = newWork({
    req,
    profileName,
    mode: profile.mode,
    phase: 'terminate',
    documentName: drain.documentName ?? documents.drain,
    maxAttempts: 1,
    deadlineAt: now + (drain.timeoutSeconds + DRAIN_RESULT_GRACE_SECONDS) * 1000,
    now,
  });
  if (!drain.enabled) {
    const reason = `drain is disabled in profile ${profileName}: terminate hook completed with CONTINUE at once${via}`;
    return disabledStart({ base, type: 'drain.skipped', reason, now, ctx });
  }
  const command = drainCommand(base, profile, drain.timeoutSeconds);
  if (!command.ok) return { kind: 'invalid', reason: `drain parameters of profile ${profileName} failed their patterns: nothing sent`, issues: command.issues };
  const reason = `drain started with ${base.documentName}: stop accepting requests, wait up to ${drain.timeoutSeconds} s for in-flight ones${via}`;
  if (profile.mode === 'observe') {
    const work: LifecycleWork = { ...base, status: 'finished', finishedAt: now, reason };
    return {
      kind: 'create',
      work,
      notification: lifecycleNotification({ work, type: 'drain.started', reason, now, ctx }),
      reason: `observe mode: would drain (${base.documentName}, up to ${drain.timeoutSeconds} s); nothing sent or completed`,
    };
  }
  const work: LifecycleWork = { ...base, claimedAt: now, reason };
  return { kind: 'create', work, send: command.plan, notification: lifecycleNotification({ work, type: 'drain.started', reason, now, ctx }), reason };
};

const decideExistingDrain = (stored: StoredLifecycle, req: LifecycleRequest, profile: Profile, now: number): LifecycleDecision => {
  const w = stored.work;
  const hook = { hookName: req.hookName, ...(req.token ? { token: req.token } : {}) };
  if (!hasHook(w) && w.status === 'running') {
    const reason = `attached terminate hook ${req.hookName} to the drain already under way (started by ${w.startedBy ?? 'an interruption warning'}, command ${w.commandId ?? 'pending'}): no second command`;
    return { kind: 'update', next: { ...w, ...hook, reason }, reason };
  }
  if (!hasHook(w) && w.status === 'finished' && w.mode === 'enforce') {
    const reason = `the drain (started by ${w.startedBy ?? 'an interruption warning'}) is already over (${w.lastCommandStatus ?? 'finished'}): terminate hook ${req.hookName} completed with CONTINUE`;
    return {
      kind: 'complete',
      next: { ...w, ...hook, status: 'completing', result: 'CONTINUE', claimedAt: now, reason },
      result: 'CONTINUE',
      firstTry: true,
      reason,
    };
  }
  return decideExisting(stored, req, now, (work) => {
    const c = drainCommand(work, profile, Math.max(1, Math.floor((work.deadlineAt - now) / 1000) - DRAIN_RESULT_GRACE_SECONDS));
    return c.ok ? c.plan : undefined;
  });
};

/**
 * Decides what a drain command's status change means: any final status continues the termination.
 *
 * @example
 * ```ts
 * decideDrainResult(stored, { commandId, status: 'Failed' }, now).kind; // 'complete' (CONTINUE), or 'update' (finished) without a hook
 * ```
 */
export const decideDrainResult = (
  stored: StoredLifecycle | undefined,
  event: { commandId: string; status: string },
  now: number,
  ctx: NotificationContext = {},
): LifecycleDecision => {
  const match = matchResult(stored, event.commandId, event.status, now);
  if (!match.ok) return match.decision;
  const w = match.work;
  const tookS = seconds(now - w.startedAt);
  const ok = event.status === 'Success';
  const what = ok ? `drain finished after ${tookS} s` : `drain command ${event.commandId} ended ${event.status} after ${tookS} s`;
  const details = { durationSeconds: tookS, lastCommandStatus: event.status };
  const type = ok ? 'drain.completed' : 'drain.failed';
  const title = ok ? undefined : `Drain ${event.status}`;
  if (!hasHook(w)) {
    const reason = `${what}; no terminate hook yet (interruption warning): record finished, the hook completes at once when it fires`;
    const next: LifecycleWork = { ...w, status: 'finished', finishedAt: now, lastCommandStatus: event.status, reason };
    return {
      kind: 'update',
      next,
      fetchOutput: !ok,
      notification: lifecycleNotification({ work: next, type, reason, now, ctx, details, ...(title ? { title } : {}) }),
      reason,
    };
  }
  const reason = `${what}: CONTINUE (termination proceeds${ok ? '' : ' without a confirmed drain'})`;
  const next: LifecycleWork = { ...w, status: 'completing', result: 'CONTINUE', claimedAt: now, lastCommandStatus: event.status, reason };
  return {
    kind: 'complete',
    next,
    result: 'CONTINUE',
    firstTry: true,
    fetchOutput: !ok,
    notification: lifecycleNotification({ work: next, type, reason, now, ctx, details: { ...details, result: 'CONTINUE' }, ...(title ? { title } : {}) }),
    reason,
  };
};

/** The drain budget is spent while the command still runs: continue the termination. */
export const decideDrainTimeout = (stored: StoredLifecycle, now: number, ctx: NotificationContext = {}): LifecycleDecision => {
  const w = stored.work;
  const budget = seconds(w.deadlineAt - w.startedAt);
  if (!hasHook(w)) {
    const reason = `drain did not report within ${budget} s and no terminate hook is known: record finished`;
    return { kind: 'update', next: { ...w, status: 'finished', finishedAt: now, reason }, reason };
  }
  const reason = `drain did not finish within ${budget} s (command ${w.commandId ?? 'not sent'}): CONTINUE (termination proceeds)`;
  const next: LifecycleWork = { ...w, status: 'completing', result: 'CONTINUE', claimedAt: now, reason };
  return {
    kind: 'complete',
    next,
    result: 'CONTINUE',
    firstTry: true,
    fetchOutput: w.commandId !== undefined,
    notification: lifecycleNotification({ work: next, type: 'drain.timed-out', reason, now, ctx, details: { budgetSeconds: budget, result: 'CONTINUE' } }),
    reason,
  };
};
