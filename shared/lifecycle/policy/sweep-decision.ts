/**
 * The reconcile sweep's decision for one instance that waits on a lifecycle hook (`Pending:Wait`:
 * warm-up; `Terminating:Wait`: drain). Pure. The sweep repairs what events could not:
 *
 * | record | condition | decision |
 * |---|---|---|
 * | none | (lost hook event) | start the work as the hook event would, by instance id (no token) |
 * | completing | claim stale (an invocation died) | resume the completion |
 * | finished, no hook (drain) | Terminating:Wait | attach the hook, complete CONTINUE |
 * | running, no hook (drain) | Terminating:Wait | attach the hook |
 * | running | deadline passed | warm-up: ABANDON (CONTINUE if onFailure=continue); drain: CONTINUE |
 * | running, send pending | claim stale | resend the current attempt |
 * | running, command sent | sent ≥ 2 sweeps ago, status not yet read | read the status (GetCommandInvocation) |
 * | running, command sent | status read and final (lost result event) | as commandResult would |
 * | running | heartbeat timeout would lapse before the next sweep | RecordLifecycleActionHeartbeat |
 * | observe mode | | nothing (the hook's DefaultResult applies) |
 * | anything else | | nothing |
 */
import type { LifecycleHookSummary } from '../../aws/auto-scaling';
import { isTerminalCommandStatus } from '../../events/command-status';
import type { OptIn } from '../../config/index';
import { describeOwnHooks, isOwnHook, type OwnHookRule } from './own-hook';
import { hasHook, type LifecyclePhase, type StoredLifecycle } from '../record';
import { decideDrainResult, decideDrainTimeout, decideTerminate } from './drain';
import { decideWarmupResult, decideWarmupTimeout, decideLaunch } from './warmup';
import { type LifecycleDecision, type LifecycleRequest, type StackDocuments, skip } from './decision';

/** The lifecycle states the sweep works on, and the phase each belongs to. */
export const WAIT_STATES: Readonly<Record<string, LifecyclePhase>> = {
  'Pending:Wait': 'launch',
  'Terminating:Wait': 'terminate',
  // Warm pools (EC2 Auto Scaling user guide, "Use lifecycle hooks with a warm pool":
  // https://docs.aws.amazon.com/autoscaling/ec2/userguide/warm-pool-instance-lifecycle.html): the launch
  // hook also holds an instance entering the pool, the terminate hook one terminated from the pool.
  'Warmed:Pending:Wait': 'launch',
  'Warmed:Terminating:Wait': 'terminate',
};

/** True for the state of an instance entering the warm pool (its launch action pre-stages only). */
const entersPool = (lifecycleState: string): boolean => lifecycleState === 'Warmed:Pending:Wait';

const TRANSITIONS: Readonly<Record<LifecyclePhase, string>> = {
  launch: 'autoscaling:EC2_INSTANCE_LAUNCHING',
  terminate: 'autoscaling:EC2_INSTANCE_TERMINATING',
};

/**
 * The group's hook for a phase: the one hook on that transition that is ours ({@link isOwnHook}: the
 * configured names or prefix); `undefined` (with why) when none is ours or several are. Another
 * tool's hook is never ours, even when it is the only one on the transition.
 */
export const hookFor = (
  hooks: readonly LifecycleHookSummary[],
  phase: LifecyclePhase,
  rule: OwnHookRule,
): { hook: LifecycleHookSummary } | { hook: undefined; why: string } => {
  const candidates = hooks.filter((h) => h.transition === TRANSITIONS[phase]);
  const own = candidates.filter((h) => isOwnHook(h.name, rule));
  if (own.length === 1 && own[0]) return { hook: own[0] };
  return own.length === 0
    ? {
        hook: undefined,
        why: `the group has no ${TRANSITIONS[phase]} lifecycle hook of this orchestrator (${describeOwnHooks(rule)}; ${candidates.length} other hook(s) on it)`,
      }
    : { hook: undefined, why: `the group has ${own.length} ${TRANSITIONS[phase]} hooks ${describeOwnHooks(rule)}: cannot tell which is ours` };
};

/** Whether a heartbeat is due: the hook's heartbeat timeout would lapse before the sweep after next. */
export const heartbeatDue = (lastBeatAt: number, heartbeatTimeoutSeconds: number, sweepIntervalMs: number, now: number): boolean =>
  lastBeatAt + heartbeatTimeoutSeconds * 1000 - 2 * sweepIntervalMs <= now;

/** Everything the sweep knows about one waiting instance. */
export interface SweepInput {
  groupName: string;
  instanceId: string;
  lifecycleState: string;
  optIn: OptIn;
  /** Which hooks are ours (config `ownHooks`). */
  ownHooks: OwnHookRule;
  hooks: readonly LifecycleHookSummary[];
  stored: StoredLifecycle | undefined;
  /** The current command's status, once read (the first decision may ask for it: `query-command`). */
  commandStatus?: string;
  /** Whether our hook has an open action for the instance, once probed (the first decision may ask: `probe-action`). */
  actionOpen?: boolean;
  documents: StackDocuments;
  sweepIntervalMs: number;
  now: number;
}

/** A lifecycle decision, or a request to read the current command's status first. */
export type SweepDecision =
  | LifecycleDecision
  | { kind: 'query-command'; commandId: string; reason: string }
  /** RecordLifecycleActionHeartbeat by instance id on `hookName`: answered = our hook holds a new action; "No active" = not ours (another tool's hook holds the instance). */
  | { kind: 'probe-action'; hookName: string; reason: string };

/**
 * Decides what the sweep does for one instance in a wait state.
 *
 * @example
 * ```ts
 * const d = decideSweep({ groupName, instanceId, lifecycleState: 'Pending:Wait', optIn, hooks, stored: undefined, documents, sweepIntervalMs: 60_000, now });
 * d.kind; // 'create' (lost event repaired)
 * ```
 */
export const decideSweep = (input: SweepInput): SweepDecision => {
  const { stored, now } = input;
  const phase = WAIT_STATES[input.lifecycleState];
  if (!phase) return skip('skipped', `${input.instanceId} is ${input.lifecycleState}: not waiting on a lifecycle hook`);
  if (!input.optIn.optedIn) return skip('skipped', `group ${input.groupName} did not opt in: ${input.optIn.reason}`);
  const found = hookFor(input.hooks, phase, input.ownHooks);
  if (!found.hook) return skip('skipped', `${input.instanceId} is ${input.lifecycleState} but ${found.why}`);
  const hook = found.hook;
  // A lost event: the action opened after the previous sweep at the latest that did not see it (estimate).
  const intoPool = entersPool(input.lifecycleState);
  const req: LifecycleRequest = {
    phase,
    groupName: input.groupName,
    instanceId: input.instanceId,
    hookName: hook.name,
    openedAt: now - input.sweepIntervalMs,
    // The state says where the instance goes: entering the warm pool pre-stages only; one terminated from the pool comes from it.
    ...(phase === 'launch' && intoPool ? { destination: 'WarmPool' } : {}),
    ...(input.lifecycleState === 'Warmed:Terminating:Wait' ? { origin: 'WarmPool' } : {}),
    startedBy: 'reconcile',
  };
  const decideStart = phase === 'launch' ? decideLaunch : decideTerminate;

  if (!stored) return decideStart({ req, optIn: input.optIn, documents: input.documents, existing: undefined, now });
  const w = stored.work;
  if (w.mode === 'observe')
    return skip('skipped', `${phase} work on ${input.instanceId} is in observe mode: nothing is sent or completed (the hook's DefaultResult applies)`);
  // The record served the other warm-pool stage (entering the pool vs. entering the group): the instance
  // waits on a later action, whose event was lost. New work replaces the record.
  if (phase === 'launch' && (w.destination === 'WarmPool') !== intoPool) {
    return decideStart({ req: { ...req, newAction: true }, optIn: input.optIn, documents: input.documents, existing: stored, now });
  }
  if (w.status === 'completing') return decideStart({ req, optIn: input.optIn, documents: input.documents, existing: stored, now });
  if (phase === 'terminate' && !hasHook(w) && (w.status === 'running' || w.status === 'finished')) {
    return decideStart({ req, optIn: input.optIn, documents: input.documents, existing: stored, now });
  }
  if (w.status !== 'running') {
    // Answered a while ago and the instance waits again on the same stage: a later action (returned to the
    // warm pool and back) whose event was lost — or another tool's hook still holds the instance. Our hook
    // answers a heartbeat only in the first case.
    const settled = w.finishedAt !== undefined && now - w.finishedAt >= 2 * input.sweepIntervalMs;
    if (hasHook(w) && settled && input.actionOpen === undefined) {
      return {
        kind: 'probe-action',
        hookName: hook.name,
        reason: `${phase} work on ${input.instanceId} is ${w.status} but it waits again (${input.lifecycleState}): is ${hook.name} holding a new action?`,
      };
    }
    if (hasHook(w) && settled && input.actionOpen === true)
      return decideStart({ req: { ...req, newAction: true }, optIn: input.optIn, documents: input.documents, existing: stored, now });
    return skip(
      'skipped',
      `${phase} work on ${input.instanceId} is ${w.status}: nothing to do${input.actionOpen === false ? ` (${hook.name} holds no action: another hook holds the instance)` : ''}`,
    );
  }

  if (now >= w.deadlineAt) return phase === 'launch' ? decideWarmupTimeout(stored, now) : decideDrainTimeout(stored, now);
  // The heartbeat timeout runs from when the action opened (the event's time), not from when we wrote the record
  // (EC2 Auto Scaling API reference, RecordLifecycleActionHeartbeat: "restarts the timeout";
  // https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_RecordLifecycleActionHeartbeat.html).
  const lastBeat = w.lastHeartbeatAt ?? Math.min(w.openedAt ?? w.startedAt, w.startedAt);
  const beatDue = hasHook(w) && heartbeatDue(lastBeat, hook.heartbeatTimeoutSeconds, input.sweepIntervalMs, now);
  // A send still pending (SendCommand throttled or refused) does not keep the action open: when the
  // heartbeat is due it goes first, and the send resumes on the next run — else a send that keeps being
  // throttled lets the action lapse to its DefaultResult (docs/reliability.md §4).
  if (w.commandId === undefined) {
    const resumed = beatDue ? undefined : decideStart({ req, optIn: input.optIn, documents: input.documents, existing: stored, now });
    if (resumed && resumed.kind !== 'skip') return resumed;
  } else if (input.commandStatus === undefined && now - w.attemptStartedAt >= 2 * input.sweepIntervalMs) {
    return {
      kind: 'query-command',
      commandId: w.commandId,
      reason: `command ${w.commandId} was sent ${Math.round((now - w.attemptStartedAt) / 1000)} s ago: reading its status`,
    };
  } else if (input.commandStatus !== undefined && isTerminalCommandStatus(input.commandStatus)) {
    const event = { commandId: w.commandId, status: input.commandStatus };
    return phase === 'launch' ? decideWarmupResult(stored, event, input.optIn.profile, now) : decideDrainResult(stored, event, now);
  }
  if (beatDue) {
    return {
      kind: 'heartbeat',
      next: { ...w, lastHeartbeatAt: now },
      reason: `heartbeat: last one ${Math.round((now - lastBeat) / 1000)} s ago, hook ${hook.name} times out after ${hook.heartbeatTimeoutSeconds} s and the next sweep is ${Math.round(input.sweepIntervalMs / 1000)} s away`,
    };
  }
  return skip(
    'in-progress',
    `${phase} work on ${input.instanceId} is running (attempt ${w.attempt}/${w.maxAttempts}${w.commandId ? `, command ${w.commandId}` : ''}): nothing due`,
  );
};
