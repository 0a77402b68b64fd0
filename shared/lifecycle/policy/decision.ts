/**
 * What the lifecycle policies (warm-up on launch, drain on termination, the reconcile sweep) decide,
 * and the pieces they share. Pure: plain values and `now` in, a decision with a human-readable
 * `reason` out; no SDK, clock or logger. `shared/lifecycle` carries the decisions out.
 */
import type { SendCommandInput } from '../../aws/ssm';
import type { OptIn, Profile } from '../../config/index';
import { isTerminalCommandStatus } from '../../events/command-status';
import type { Notification, NotificationType, Severity } from '../../notify/notification';
import { CLAIM_STALE_MS, hasHook, isClaimStale, isFinal, type LifecyclePhase, type LifecycleResult, type LifecycleWork, type StoredLifecycle } from '../record';
import type { ParameterCheck } from './warmup-parameters';

/** The stack's own documents (env `WARMUP_DOCUMENT_NAME` / `DRAIN_DOCUMENT_NAME`), used when a profile names none. */
export interface StackDocuments {
  warmup: string;
  drain: string;
}

/** One lifecycle action to work on: from a hook event (with its token) or found by the sweep (instance id only). */
export interface LifecycleRequest {
  phase: LifecyclePhase;
  groupName: string;
  instanceId: string;
  hookName: string;
  token?: string;
  origin?: string;
  destination?: string;
  /** When the lifecycle action opened (epoch ms): the event's time (at most `now`); absent = `now`. */
  openedAt?: number;
  /**
   * The sweep established that this is a new lifecycle action of the instance, not the one the stored
   * record served (the record is of the other warm-pool stage, or our hook answered a heartbeat although
   * the record is final).
   */
  newAction?: boolean;
  startedBy: 'event' | 'reconcile';
}

/**
 * A new warm-up or drain record: attempt 1, running, started `now` (its action opened no later than
 * now), with what the request says of the action (hook, token, origin, destination).
 */
export const newWork = (w: {
  req: LifecycleRequest;
  profileName: string;
  mode: LifecycleWork['mode'];
  phase: LifecyclePhase;
  documentName: string;
  maxAttempts: number;
  deadlineAt: number;
  now: number;
}): LifecycleWork => ({
  instanceId: w.req.instanceId,
  groupName: w.req.groupName,
  profileName: w.profileName,
  phase: w.phase,
  mode: w.mode,
  hookName: w.req.hookName,
  ...(w.req.token ? { token: w.req.token } : {}),
  ...(w.req.origin ? { origin: w.req.origin } : {}),
  ...(w.req.destination ? { destination: w.req.destination } : {}),
  documentName: w.documentName,
  attempt: 1,
  maxAttempts: w.maxAttempts,
  status: 'running',
  startedAt: w.now,
  openedAt: Math.min(w.req.openedAt ?? w.now, w.now),
  attemptStartedAt: w.now,
  deadlineAt: w.deadlineAt,
  startedBy: w.req.startedBy,
});

/** What a reason adds when the reconcile sweep started the work for a lost event. */
export const repairedVia = (req: Pick<LifecycleRequest, 'startedBy'>): string =>
  req.startedBy === 'reconcile' ? ' (lost event repaired by the reconcile sweep)' : '';

/** What a warm-up or drain decision starts from (decideLaunch, decideTerminate). */
export interface LifecycleStart {
  req: LifecycleRequest;
  optIn: OptIn;
  documents: StackDocuments;
  /** The instance's record for this phase, if any. */
  existing: StoredLifecycle | undefined;
  now: number;
  ctx?: NotificationContext;
}

/**
 * Which lifecycle action a request is, relative to the stored record of the same instance and phase.
 * An instance gets many actions of one hook over its life with a warm pool (enter the pool, leave it,
 * return on scale-in, …), each with its own token (EC2 Auto Scaling user guide, "Use lifecycle hooks
 * with a warm pool": https://docs.aws.amazon.com/autoscaling/ec2/userguide/warm-pool-instance-lifecycle.html);
 * one hook has one open action per instance at a time, so a later one means the earlier one is over.
 * - `same`: the record's action (a duplicate, or the event of an action the sweep already started);
 * - `newer`: a later action: new work replaces the record;
 * - `older`: an earlier action's late event: nothing to do.
 */
export const actionOf = (w: LifecycleWork, req: Pick<LifecycleRequest, 'token' | 'openedAt' | 'newAction'>, now: number): 'same' | 'newer' | 'older' => {
  if (req.newAction === true) return 'newer';
  if (!req.token || w.token === req.token) return 'same';
  // A drain started by an interruption warning has no hook yet: the terminate event attaches to it.
  if (!hasHook(w)) return 'same';
  const opened = req.openedAt ?? now;
  if (w.token) return opened > (w.openedAt ?? w.startedAt) ? 'newer' : 'older';
  // A record the sweep started (no token): times cannot tell (AWS re-emits events with later times);
  // the caller asks Auto Scaling ({@link needsActionProbe}) and says so with `newAction`.
  return 'same';
};

/**
 * True when only Auto Scaling can tell whether a hook event is the stored record's action: the record
 * has no token (the sweep started it for a lost event) and is over. A heartbeat with the event's token
 * answers: accepted = a new, open action (the record's own was answered and closed); "No active" = the
 * record's action, delivered late.
 */
export const needsActionProbe = (w: LifecycleWork | undefined, req: Pick<LifecycleRequest, 'token'>): boolean =>
  w !== undefined && req.token !== undefined && !w.token && hasHook(w) && isFinal(w);

/** The decision for a request that {@link actionOf} found `older` than the record. */
export const staleAction = (w: LifecycleWork, req: Pick<LifecycleRequest, 'token' | 'openedAt'>): LifecycleDecision =>
  skip(
    'stale',
    `stale: the event of an earlier ${w.phase} action of ${w.instanceId} (token ${req.token ?? 'none'}, opened ${req.openedAt === undefined ? '?' : new Date(req.openedAt).toISOString()}); the record serves a later one (token ${w.token ?? 'none'})`,
  );

/** Where a notification came from, for tracing downstream. */
export interface NotificationContext {
  sourceEventId?: string;
  resources?: readonly string[];
}

/**
 * Every lifecycle decision. `next` is the record's next state (written with `putIfVersion` on the
 * version read); `work` is a new record (written with `putIfAbsent`).
 *
 * - `skip`: nothing to do (not opted in, duplicate, stale command id, status still in progress).
 * - `invalid`: a parameter failed its pattern: nothing is sent; the invocation fails loudly.
 * - `create`: new work; `send` when a command goes out; `work.status === 'completing'` when the hook is
 *   completed at once (step disabled); `finished` in observe mode (nothing sent or completed).
 * - `send`: claim the record (`next`, send pending) and send a command: a retry or a resumed send
 *   (`resume`: look for the command already sent for this attempt first).
 * - `complete`: claim the record (`next.status === 'completing'`) and answer the lifecycle action.
 *   `firstTry` false when resuming a claim left by an invocation that died after claiming.
 * - `update`: write `next` only (attach a hook to a drain under way, finish a drain without a hook).
 * - `heartbeat`: RecordLifecycleActionHeartbeat, then write `next` (its `lastHeartbeatAt`).
 */
export type LifecycleDecision =
  | { kind: 'skip'; outcome: 'skipped' | 'duplicate' | 'stale' | 'in-progress'; reason: string }
  | { kind: 'invalid'; reason: string; issues: string[] }
  | {
      kind: 'create';
      work: LifecycleWork;
      send?: SendCommandInput;
      notification: Notification;
      reason: string;
      /** The record of an earlier lifecycle action of the instance that this new work replaces (conditional on its version). */
      replaces?: StoredLifecycle;
    }
  | {
      kind: 'send';
      next: LifecycleWork;
      send: SendCommandInput;
      notification?: Notification;
      fetchOutput?: boolean;
      /** Resuming a stale claim of the same attempt: adopt the command the dead invocation may have sent (ListCommands) before sending. */
      resume?: boolean;
      reason: string;
    }
  | {
      kind: 'complete';
      next: LifecycleWork;
      result: LifecycleResult;
      firstTry: boolean;
      notification?: Notification;
      fetchOutput?: boolean;
      reason: string;
    }
  | { kind: 'update'; next: LifecycleWork; notification?: Notification; fetchOutput?: boolean; reason: string }
  | { kind: 'heartbeat'; next: LifecycleWork; reason: string };

/** A decision that leaves everything as it is. */
export const skip = (outcome: 'skipped' | 'duplicate' | 'stale' | 'in-progress', reason: string): LifecycleDecision => ({
  kind: 'skip',
  outcome,
  reason,
});

/**
 * Every notification about one instance's lifecycle work: its severity and title, one place for the
 * decisions that publish it and for the resumption of a claim that recorded it (`notifyAs`).
 * The EventBridge detail-types are shared/notify/notification.ts `NOTIFICATION_CATALOGUE`.
 */
export const LIFECYCLE_NOTIFICATIONS = {
  'warmup.started': { severity: 'info', title: 'Warm-up started' },
  'warmup.retrying': { severity: 'warning', title: 'Warm-up failed: retrying' },
  'warmup.succeeded': { severity: 'info', title: 'Warm-up succeeded' },
  'warmup.abandoned': { severity: 'error', title: 'Warm-up failed: instance abandoned' },
  'warmup.failed': { severity: 'error', title: 'Warm-up failed: instance continues anyway' },
  'warmup.skipped': { severity: 'info', title: 'Warm-up disabled: instance continues' },
  'drain.started': { severity: 'info', title: 'Drain started' },
  'drain.completed': { severity: 'info', title: 'Drain completed' },
  'drain.failed': { severity: 'warning', title: 'Drain failed: termination continues' },
  'drain.timed-out': { severity: 'warning', title: 'Drain timed out: termination continues' },
  'drain.skipped': { severity: 'info', title: 'Drain disabled: termination continues' },
} as const satisfies Readonly<Partial<Record<NotificationType, { severity: Severity; title: string }>>>;

/** A notification about lifecycle work: a key of {@link LIFECYCLE_NOTIFICATIONS}. */
export type LifecycleNotificationType = keyof typeof LIFECYCLE_NOTIFICATIONS;

const isLifecycleNotificationType = (type: string): type is LifecycleNotificationType => Object.hasOwn(LIFECYCLE_NOTIFICATIONS, type);

/** What {@link lifecycleNotification} needs. */
export interface LifecycleNotificationOptions {
  work: Pick<LifecycleWork, 'groupName' | 'instanceId' | 'mode' | 'phase' | 'attempt' | 'maxAttempts' | 'profileName'> &
    Partial<Pick<LifecycleWork, 'commandId' | 'hookName' | 'destination' | 'startedBy'>>;
  type: LifecycleNotificationType;
  reason: string;
  now: number;
  ctx?: NotificationContext;
  details?: Readonly<Record<string, string | number | boolean | null>>;
  /** A title naming what is known now (the command's status); by default the catalogue's. */
  title?: string;
}

/**
 * Builds a notification about one instance's lifecycle work (severity and title from
 * {@link LIFECYCLE_NOTIFICATIONS}); observe mode says "would".
 *
 * @example
 * ```ts
 * lifecycleNotification({ work, type: 'warmup.started', reason, now }).title; // 'Warm-up started'
 * ```
 */
export const lifecycleNotification = ({
  work,
  type,
  reason,
  now,
  ctx = {},
  details = {},
  title = LIFECYCLE_NOTIFICATIONS[type].title,
}: LifecycleNotificationOptions): Notification => ({
  eventType: type,
  severity: LIFECYCLE_NOTIFICATIONS[type].severity,
  group: work.groupName,
  mode: work.mode,
  title: work.mode === 'observe' ? `Would: ${title}` : title,
  reason: work.mode === 'observe' ? `observe mode, nothing sent or completed: ${reason}` : reason,
  time: new Date(now).toISOString(),
  instanceId: work.instanceId,
  ...(ctx.sourceEventId ? { sourceEventId: ctx.sourceEventId } : {}),
  ...(ctx.resources ? { resources: ctx.resources } : {}),
  details: {
    profile: work.profileName,
    phase: work.phase,
    attempt: work.attempt,
    maxAttempts: work.maxAttempts,
    commandId: work.commandId ?? null,
    hookName: work.hookName ?? null,
    ...(work.destination ? { destination: work.destination } : {}),
    ...(work.startedBy ? { startedBy: work.startedBy } : {}),
    ...details,
  },
});

/** Adds the command's output excerpt to a notification (read once with GetCommandInvocation). */
export const withOutput = (n: Notification, excerpt: string | undefined): Notification =>
  excerpt === undefined || excerpt === '' ? n : { ...n, details: { ...n.details, output: excerpt.slice(-2000) } };

/** Seconds, rounded, for reasons and details. */
export const seconds = (ms: number): number => Math.round(ms / 1000);

/** The notification a claim recorded (`notifyAs`), rebuilt for its resumption. */
const resumedNotification = (w: LifecycleWork, reason: string, now: number): Notification | undefined =>
  w.notifyAs !== undefined && isLifecycleNotificationType(w.notifyAs)
    ? lifecycleNotification({ work: w, type: w.notifyAs, reason, now, details: { resumed: true } })
    : undefined;

/**
 * What to do with a record that already exists when a hook event (or the sweep) asks for work:
 * a duplicate changes nothing, unless it finds a claim abandoned by an invocation that died
 * (a pending send or a completion under way for longer than {@link CLAIM_STALE_MS}): then it resumes it.
 * `resend` rebuilds the command for a resumed send (from the current profile), or says why it cannot.
 */
export const decideExisting = (
  stored: StoredLifecycle,
  req: Pick<LifecycleRequest, 'hookName' | 'token'>,
  now: number,
  resend: (work: LifecycleWork) => SendCommandInput | undefined,
): LifecycleDecision => {
  const w = stored.work;
  const withHook: LifecycleWork = { ...w, hookName: w.hookName ?? req.hookName, ...(w.token || !req.token ? {} : { token: req.token }) };
  if (w.status === 'running' && w.mode === 'enforce' && w.commandId === undefined && isClaimStale(w, now)) {
    const plan = resend(withHook);
    if (plan) {
      const notification = resumedNotification(w, `${w.reason ?? `${w.phase} attempt ${w.attempt}/${w.maxAttempts}`} (resumed)`, now);
      return {
        kind: 'send',
        next: { ...withHook, claimedAt: now },
        send: plan,
        resume: true,
        ...(notification ? { notification } : {}),
        ...(w.notifyAs === 'warmup.retrying' ? { fetchOutput: true } : {}),
        reason: `resuming attempt ${w.attempt}: its command was never recorded as sent (claim older than ${seconds(CLAIM_STALE_MS)} s)`,
      };
    }
  }
  if (w.status === 'completing' && w.result && isClaimStale(w, now)) {
    const notification = resumedNotification(w, w.reason ?? `${w.phase} ${w.result}`, now);
    return {
      kind: 'complete',
      next: { ...withHook, claimedAt: now },
      result: w.result,
      firstTry: false,
      ...(notification ? { notification } : {}),
      reason: `resuming the ${w.result} completion claimed at ${new Date(w.claimedAt ?? w.attemptStartedAt).toISOString()}: ${w.reason ?? ''}`,
    };
  }
  const where = w.commandId ? `attempt ${w.attempt}/${w.maxAttempts}, command ${w.commandId}` : `attempt ${w.attempt}/${w.maxAttempts}`;
  return skip('duplicate', `duplicate: ${w.phase} work on ${w.instanceId} is already ${w.status} (${where})`);
};

/**
 * Checks the command result belongs to the record's current attempt and is still news. The retry of a
 * result event (or the sweep) also resumes what an invocation handling that result left half-done:
 * - a retry send (attempt k+1) whose command was never recorded: the event's command is the last of
 *   `previousCommandIds` and the claim is stale → resume the send (`resend` builds it; adopts a command
 *   already sent, publishes `warmup.retrying`);
 * - a completion (`completing`, same command) whose claim is stale → resume it (CompleteLifecycleAction
 *   again: "No active Lifecycle Action found" then means it had taken effect; publish, write the final status).
 */
export const matchResult = (
  stored: StoredLifecycle | undefined,
  commandId: string,
  status: string,
  now: number,
  resend: (work: LifecycleWork) => SendCommandInput | undefined = () => undefined,
): { ok: true; work: LifecycleWork } | { ok: false; decision: LifecycleDecision } => {
  if (!stored) return { ok: false, decision: skip('skipped', `no lifecycle work is recorded for command ${commandId}: not ours`) };
  const w = stored.work;
  const hook = { hookName: w.hookName ?? '' };
  if (w.status === 'running' && w.commandId === undefined && w.previousCommandIds?.at(-1) === commandId) {
    const resumed = decideExisting(stored, hook, now, resend);
    if (resumed.kind === 'send') return { ok: false, decision: resumed };
  }
  if (w.commandId !== commandId) {
    const old = w.previousCommandIds?.includes(commandId);
    return {
      ok: false,
      decision: skip(
        'stale',
        old
          ? `command ${commandId} is an earlier attempt of ${w.instanceId} (current: ${w.commandId ?? 'none yet'}): ignored`
          : `command ${commandId} is not the current command of ${w.instanceId}: not ours`,
      ),
    };
  }
  if (w.status === 'completing') {
    const resumed = decideExisting(stored, hook, now, () => undefined);
    if (resumed.kind === 'complete') return { ok: false, decision: resumed };
  }
  if (w.status !== 'running') return { ok: false, decision: skip('duplicate', `duplicate: ${w.phase} work on ${w.instanceId} is already ${w.status}`) };
  if (!isTerminalCommandStatus(status)) return { ok: false, decision: skip('in-progress', `command ${commandId} is ${status}: nothing to do yet`) };
  return { ok: true, work: w };
};

/**
 * The opening every start shares: a group that did not opt in is skipped; without a record the
 * start is `fresh`; with one, the event of an older action is stale, the same action continues with
 * `again`, and a later action starts `fresh` work that replaces the record.
 */
export const decideStart = (
  { req, optIn, existing, now }: LifecycleStart,
  {
    again,
    fresh,
  }: {
    again: (existing: StoredLifecycle, profile: Profile) => LifecycleDecision;
    fresh: (profile: Profile, profileName: string) => LifecycleDecision;
  },
): LifecycleDecision => {
  if (!optIn.optedIn) return skip('skipped', `group ${req.groupName} did not opt in: ${optIn.reason}`);
  if (!existing) return fresh(optIn.profile, optIn.profileName);
  const which = actionOf(existing.work, req, now);
  if (which === 'older') return staleAction(existing.work, req);
  if (which === 'same') return again(existing, optIn.profile);
  const next = fresh(optIn.profile, optIn.profileName);
  return next.kind === 'create' ? { ...next, replaces: existing } : next;
};

/**
 * The start of a phase its profile disables: enforce completes the hook with CONTINUE at once,
 * observe records it as finished; either way one notification of `type` says so.
 */
export const disabledStart = ({
  base,
  type,
  reason,
  now,
  ctx = {},
}: {
  base: LifecycleWork;
  type: LifecycleNotificationType;
  reason: string;
  now: number;
  ctx?: NotificationContext;
}): LifecycleDecision => {
  const work: LifecycleWork =
    base.mode === 'enforce'
      ? { ...base, status: 'completing', result: 'CONTINUE', claimedAt: now, reason }
      : { ...base, status: 'finished', finishedAt: now, reason };
  return { kind: 'create', work, notification: lifecycleNotification({ work, type, reason, now, ctx }), reason };
};

/** A lifecycle command to send, or why there is none (a parameter failed its pattern). */
export type CommandPlan = { ok: true; plan: SendCommandInput } | { ok: false; issues: string[] };

/** The command of `work`'s document on its instance with checked `parameters`, or the check's issues. */
export const commandPlan = (
  work: Pick<LifecycleWork, 'instanceId' | 'documentName'>,
  check: ParameterCheck,
  timeoutSeconds: number,
  comment: string,
): CommandPlan =>
  check.ok
    ? { ok: true, plan: { documentName: work.documentName, instanceId: work.instanceId, parameters: check.parameters, timeoutSeconds, comment } }
    : check;
