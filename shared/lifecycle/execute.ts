/**
 * Carries out a {@link LifecycleDecision}: every record transition is a conditional write on the
 * version that was read, so of two invocations racing on one instance one acts and the other
 * reports `lost-race` and does nothing. Order of effects, chosen so that a crash at any point is
 * repaired by a duplicate event or the reconcile sweep and never answers a hook twice:
 *
 * - send: claim (record: send pending, `notifyAs` = the notification to publish) → SendCommand →
 *   notify → record the command id. A resumed send (stale claim taken over by a retry or the sweep)
 *   first looks for the command the dead invocation may have sent (ListCommands, comment marker:
 *   shared/lifecycle/policy/command-marker.ts) and adopts it instead of sending a second one; then it publishes
 *   the claim's `notifyAs` (warmup.started / drain.started / warmup.retrying) and records the id.
 *   Publishing before the id is recorded means a failed publish leaves the claim pending, so the
 *   retry publishes again (at least once; twice only when the id write fails after a publish).
 * - complete: claim (record: completing + result + `notifyAs`) → CompleteLifecycleAction → notify →
 *   final status. "No active Lifecycle Action found" on a first try means the action ended without us
 *   (expired, completed elsewhere): the record is marked finished and nothing is published. On a
 *   resumed completion (stale `completing` claim: the hook event's retry, the command result's retry,
 *   or the sweep while the instance waits) it means the dead invocation's CompleteLifecycleAction took
 *   effect: the claim's notification is published and the final status written.
 */
import type { LifecycleActionRef, SendCommandInput, StateStorePort } from '../aws/index';
import { type AwsCallError, ConfigError, isAwsCallError } from '../errors';
import { publishGroupMetrics } from '../runtime/group-metrics';
import type { HandlerOutcome } from '../runtime/stack';
import type { NotificationSettings } from '../notify/publisher';
import { attemptWindowStart, sentForAttempt } from './policy/command-marker';
import type { LifecycleDecision } from './policy/decision';
import { withOutput } from './policy/decision';
import { isAgentNotReady, sendRetryDelay } from './policy/send-retry';
import { instancePk } from '../state/keys';
import { recordFacts } from '../state/packed-facts';
import {
  CLAIM_STALE_MS,
  decodeLifecycle,
  type LifecyclePhase,
  type LifecycleWork,
  lifecycleSk,
  newLifecycleRecord,
  nextLifecycleRecord,
  releaseClaim,
  type StoredLifecycle,
} from './record';
import type { LifecycleDeps } from './deps';
import { completionMetrics } from './metrics';

/** What a lifecycle decision came to, with the facts of the work it acted on (the decision log's line). */
export interface LifecycleOutcome extends HandlerOutcome {
  group?: string;
  instanceId?: string;
  phase?: LifecyclePhase;
  mode?: LifecycleWork['mode'];
  attempt?: number;
  status?: LifecycleWork['status'];
  commandId?: string;
  /** The command result's status (commandResult). */
  commandStatus?: string;
  hookName?: string;
  profile?: string;
  /** A resumed send found the command the dead invocation had sent, and adopted it. */
  adopted?: boolean;
  /** How many times SSM refused the send because the instance's agent had not registered yet. */
  refusals?: number;
  documentName?: string;
  parameters?: SendCommandInput['parameters'];
  result?: 'CONTINUE' | 'ABANDON';
}

/** Notification settings when the group's profile is not at hand (the group stopped opting in). */
export const DEFAULT_NOTIFICATION_SETTINGS: NotificationSettings = { sns: true, eventBridge: true, minSeverity: 'info' };

/**
 * Records facts about a warm-up for the termination policy's ordering (launch time, warming) in the
 * group's packed facts (shared/state/packed-facts.ts, docs/adr/0003-state-layout.md). Attribute-level
 * upsert: idempotent, so a retry or a duplicate event writes the same thing again. Launch phase only;
 * observe mode too (facts are not actions).
 */
const recordWarmupFacts = async (
  deps: LifecycleDeps,
  w: LifecycleWork,
  facts: { launchedAt?: number; warming: boolean; modelVersion?: string; launchTemplateVersion?: string },
): Promise<void> => {
  if (w.phase !== 'launch') return;
  // Packed (docs/adr/0009-packed-instance-facts.md): the termination policy reads a few items per hour, not one per instance.
  await recordFacts(deps.store, w.groupName, w.instanceId, facts, deps.now());
};

/** Reads one lifecycle record (consistent read). */
export const loadLifecycle = async (store: StateStorePort, instanceId: string, phase: LifecyclePhase): Promise<StoredLifecycle | undefined> =>
  decodeLifecycle(await store.get(instancePk(instanceId), lifecycleSk(phase)));

const refOf = (w: LifecycleWork): LifecycleActionRef => ({
  groupName: w.groupName,
  hookName: w.hookName ?? '',
  instanceId: w.instanceId,
  ...(w.token ? { token: w.token } : {}),
});

const labelsOf = (w: LifecycleWork) => ({ group: w.groupName, profile: w.profileName });

const describe = (w: LifecycleWork): Omit<LifecycleOutcome, 'outcome' | 'reason'> => ({
  group: w.groupName,
  instanceId: w.instanceId,
  phase: w.phase,
  mode: w.mode,
  attempt: w.attempt,
  ...(w.commandId ? { commandId: w.commandId } : {}),
  status: w.status,
});

/** Reads the failed command's output once, for the notification; never fails the decision. */
const outputOf = async (deps: LifecycleDeps, commandId: string | undefined, instanceId: string): Promise<string | undefined> => {
  if (!commandId) return undefined;
  try {
    const inv = await deps.ssm.getCommandInvocation(commandId, instanceId);
    return inv ? `${inv.statusDetails ? `[${inv.statusDetails}] ` : ''}${inv.outputExcerpt}`.trim() : undefined;
  } catch (error) {
    return `(output unavailable: ${error instanceof Error ? error.message : String(error)})`;
  }
};

/**
 * The id of the command a dead invocation already sent for the claimed attempt, when resuming a
 * stale send claim (one ListCommands call, on the recovery path only).
 */
const alreadySent = async (deps: LifecycleDeps, work: LifecycleWork): Promise<string | undefined> =>
  sentForAttempt(work, await deps.ssm.listCommands(work.instanceId, attemptWindowStart(work)))?.commandId;

/** What {@link sendClaimed} needs. */
interface SendClaimedOptions {
  deps: LifecycleDeps;
  claimed: StoredLifecycle;
  plan: SendCommandInput;
  notify: (() => Promise<unknown>) | undefined;
  outcome: 'started' | 'retrying' | 'resumed';
  reason: string;
  /** `taken-over`: the claim was taken over from an invocation that may have sent the command already. */
  claim: 'new' | 'taken-over';
}

/**
 * SendCommand; when SSM refuses it because the instance's SSM agent has not registered yet
 * (`InvalidInstanceId`: https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_SendCommand.html,
 * Errors), waits a few seconds and sends again while the invocation has time (shared/lifecycle/policy/send-retry.ts).
 * The claim stays held meanwhile (the waits end well before it could look stale), so no one else sends:
 * one command per attempt. Retryable errors are thrown (Lambda retries); other refusals are returned.
 */
const sendWhileAgentStarts = async (
  deps: LifecycleDeps,
  plan: SendCommandInput,
): Promise<{ ok: true; commandId: string } | { ok: false; error: AwsCallError; refusals: number }> => {
  let waited = 0;
  for (let refusals = 1; ; refusals += 1) {
    try {
      return { ok: true, commandId: await deps.ssm.sendCommand(plan) };
    } catch (error) {
      if (!isAwsCallError(error) || error.disposition === 'retry') throw error;
      const wait = isAgentNotReady(error.awsErrorName) && deps.sleep && deps.remainingMs ? sendRetryDelay(refusals, waited, deps.remainingMs()) : undefined;
      if (wait === undefined || !deps.sleep) return { ok: false, error, refusals };
      await deps.sleep(wait);
      waited += wait;
    }
  }
};

/**
 * Sends the command for a claimed record (status running, no command id), notifies, then records the
 * id. A claim taken over from an invocation that may have sent the command already adopts that
 * command if SSM has it.
 */
const sendClaimed = async ({ deps, claimed, plan, notify, outcome, reason, claim }: SendClaimedOptions): Promise<LifecycleOutcome> => {
  const adopted = claim === 'taken-over' ? await alreadySent(deps, claimed.work) : undefined;
  const sent = adopted === undefined ? await sendWhileAgentStarts(deps, plan) : ({ ok: true, commandId: adopted } as const);
  if (!sent.ok) {
    const { error, refusals } = sent;
    if (!isAgentNotReady(error.awsErrorName)) {
      // Refused for good as sent (e.g. a document missing): the record stays "send pending", and the
      // sweep resends once the claim is stale, until the deadline.
      return {
        outcome: 'send-failed',
        reason: `${reason}; SendCommand refused (${error.awsErrorName}): left pending, the reconcile sweep resends after ${CLAIM_STALE_MS / 1000} s until the deadline`,
        ...describe(claimed.work),
      };
    }
    // The SSM agent has not registered yet and this invocation has no time left to wait for it: release
    // the claim (conditional on the version this invocation claimed), so the next sweep resends at once
    // rather than after the claim went stale. The attempt is not counted: no command ran.
    const released = await deps.store.putIfVersion(nextLifecycleRecord(claimed, releaseClaim(claimed.work, deps.now())), claimed.version);
    return {
      outcome: 'send-failed',
      reason: `${reason}; SendCommand refused ${refusals} time(s) (${error.awsErrorName}: the SSM agent has not registered yet): ${released ? 'claim released, the next reconcile sweep resends' : 'the record changed meanwhile: left to its new owner'}`,
      ...describe(claimed.work),
      refusals,
    };
  }
  const commandId = sent.commandId;
  // Published before the id is recorded: if publishing fails, the claim stays pending and the
  // retry (or the sweep) adopts the command and publishes again.
  if (notify) await notify();
  const next: LifecycleWork = { ...claimed.work, commandId };
  delete next.claimedAt;
  delete next.notifyAs;
  const written = await deps.store.putIfVersion(nextLifecycleRecord(claimed, next), claimed.version);
  const how = adopted ? `; adopted command ${adopted}, already sent for this attempt by an invocation that died before recording it` : '';
  if (!written) {
    return {
      outcome: 'lost-race',
      reason: `${reason}${how}; the record changed while sending: command ${commandId} is orphaned (its result will be ignored)`,
      ...describe(next),
    };
  }
  if (outcome === 'retrying' && next.phase === 'launch') publishGroupMetrics(labelsOf(next), [{ name: 'WarmupRetried', value: 1 }]);
  return {
    outcome,
    reason: `${reason}${how}`,
    ...describe(next),
    ...(adopted ? { adopted: true } : {}),
    documentName: plan.documentName,
    parameters: plan.parameters,
  };
};

/** What {@link completeClaimed} needs. */
interface CompleteClaimedOptions {
  deps: LifecycleDeps;
  claimed: StoredLifecycle;
  /** False when resuming a claim: then "No active Lifecycle Action found" means the dead invocation's answer took effect. */
  firstTry: boolean;
  notify: (() => Promise<unknown>) | undefined;
  reason: string;
}

/** Answers the lifecycle action of a claimed record (status completing), notifies, and marks it final. */
const completeClaimed = async ({ deps, claimed, firstTry, notify, reason }: CompleteClaimedOptions): Promise<LifecycleOutcome> => {
  const w = claimed.work;
  const result = w.result ?? 'ABANDON';
  const answer = await deps.autoScaling.completeLifecycleAction(refOf(w), result);
  const now = deps.now();
  // The warm-up is over whichever way it ended (also when the action ended without us). Written
  // before the final status, so a retry that resumes this claim writes it again.
  await recordWarmupFacts(deps, w, { warming: false });
  const gone = answer === 'already-done' && firstTry;
  const final: LifecycleWork = gone
    ? {
        ...w,
        status: 'finished',
        finishedAt: now,
        reason: `${w.reason ?? reason}; the lifecycle action was already over (completed, abandoned or expired): nothing more to do`,
      }
    : { ...w, status: result === 'CONTINUE' ? 'completed' : 'abandoned', finishedAt: now };
  delete final.claimedAt;
  if (!gone && notify) await notify();
  if (!gone) publishGroupMetrics(labelsOf(final), completionMetrics(final));
  await deps.store.putIfVersion(nextLifecycleRecord(claimed, final), claimed.version);
  return {
    outcome: gone ? 'already-done' : result === 'CONTINUE' ? 'completed' : 'abandoned',
    reason: gone ? (final.reason ?? reason) : reason,
    result,
    ...describe(final),
  };
};

/**
 * What carrying out a decision came to: `done` with its outcome, or `conflict` when the record changed
 * before the decision's first write (nothing was done: the caller may read again and decide again).
 */
export type Execution = { kind: 'done'; outcome: LifecycleOutcome } | { kind: 'conflict'; reason: string };

const done = (outcome: LifecycleOutcome): Execution => ({ kind: 'done', outcome });
const conflict = (reason: string): Execution => ({ kind: 'conflict', reason });

/** The outcome a report counts: a conflict reads `conflict`. */
export const outcomeOf = (execution: Execution): LifecycleOutcome =>
  execution.kind === 'done' ? execution.outcome : { outcome: 'conflict', reason: execution.reason };

/** What {@link executeLifecycle} needs. */
export interface ExecuteOptions {
  deps: LifecycleDeps;
  decision: LifecycleDecision;
  /** The record the decision was made from. */
  stored: StoredLifecycle | undefined;
  settings: NotificationSettings;
  /**
   * Epoch ms: the launch time a `create` of a warm-up records in the instance's facts (the hook
   * event's time; the sweep's run time for a lost event); default `deps.now()`.
   */
  launchedAt?: number;
  /** The model version the instance launched with (the group's model-version tag, propagated at launch). */
  modelVersion?: string;
  /** The group's launch template version when the instance launched (what it was launched from). */
  launchTemplateVersion?: string;
}

/**
 * Carries out one decision.
 *
 * @example
 * ```ts
 * const execution = await executeLifecycle({ deps, decision: decideLaunch({ req, optIn, documents: deps.documents, existing: stored, now }), stored, settings: profile.notifications });
 * if (execution.kind === 'conflict') { ... } // read again, decide again
 * ```
 */
export const executeLifecycle = async ({
  deps,
  decision,
  stored,
  settings,
  launchedAt,
  modelVersion,
  launchTemplateVersion,
}: ExecuteOptions): Promise<Execution> => {
  const versions = { ...(modelVersion ? { modelVersion } : {}), ...(launchTemplateVersion ? { launchTemplateVersion } : {}) };
  switch (decision.kind) {
    case 'skip':
      return done({ outcome: decision.outcome, reason: decision.reason });
    case 'invalid':
      // The config was validated at cold start: this is a bug or a tampered bundle. Fail loudly (retry → DLQ).
      throw new ConfigError(decision.reason, decision.issues);
    case 'create': {
      // The claim remembers what to publish, so that a resumed send or completion still publishes it.
      const work: LifecycleWork =
        decision.work.status === 'completing' || decision.send ? { ...decision.work, notifyAs: decision.notification.eventType } : decision.work;
      // New work for a later lifecycle action of the instance replaces the earlier action's record
      // (conditional on the version read); otherwise the record must not exist yet.
      const replaced = decision.replaces;
      const created = replaced
        ? await deps.store.putIfVersion(nextLifecycleRecord(replaced, work), replaced.version)
        : await deps.store.putIfAbsent(newLifecycleRecord(work));
      if (!created) return conflict(replaced ? 'the record changed meanwhile' : 'a record appeared meanwhile');
      // Facts only once the record is ours: a late or re-emitted duplicate of the event must not mark a
      // warm instance `warming` again nor move its launch time. If this write fails, the record's claim
      // is left pending and whoever resumes it (a retry after the claim went stale, the sweep) writes them
      // (the resumed `send` below).
      await recordWarmupFacts(deps, work, { launchedAt: launchedAt ?? deps.now(), warming: true, ...versions });
      const claimed: StoredLifecycle = { version: replaced ? replaced.version + 1 : 1, work };
      const notify = () => deps.publisher.publish(decision.notification, settings);
      if (decision.send) {
        return done(await sendClaimed({ deps, claimed, plan: decision.send, notify, outcome: 'started', reason: decision.reason, claim: 'new' }));
      }
      if (work.status === 'completing') return done(await completeClaimed({ deps, claimed, firstTry: true, notify, reason: decision.reason }));
      await notify();
      return done({ outcome: decision.work.mode === 'observe' ? 'observed' : 'recorded', reason: decision.reason, ...describe(decision.work) });
    }
    case 'send': {
      if (!stored) return done({ outcome: 'lost-race', reason: 'no record to claim' });
      const excerpt = decision.fetchOutput ? await outputOf(deps, decision.next.previousCommandIds?.at(-1), decision.next.instanceId) : undefined;
      const n = decision.notification;
      const next: LifecycleWork = n ? { ...decision.next, notifyAs: n.eventType } : decision.next;
      if (!(await deps.store.putIfVersion(nextLifecycleRecord(stored, next), stored.version))) {
        return conflict(`another invocation changed the record first; nothing done (${decision.reason})`);
      }
      const notify = n ? () => deps.publisher.publish(withOutput(n, excerpt), settings) : undefined;
      const claimed: StoredLifecycle = { version: stored.version + 1, work: next };
      // Resuming the first send of a warm-up whose invocation died right after creating the record: the
      // facts it wrote next may be missing (same values as the create's, so idempotent).
      if (decision.resume === true && next.attempt === 1) {
        await recordWarmupFacts(deps, next, {
          launchedAt: next.startedBy === 'event' ? (next.openedAt ?? next.startedAt) : next.startedAt,
          warming: true,
          ...versions,
        });
      }
      return done(
        await sendClaimed({
          deps,
          claimed,
          plan: decision.send,
          notify,
          outcome: next.attempt > (stored.work.attempt ?? 1) ? 'retrying' : 'resumed',
          reason: decision.reason,
          claim: decision.resume === true ? 'taken-over' : 'new',
        }),
      );
    }
    case 'complete': {
      if (!stored) return done({ outcome: 'lost-race', reason: 'no record to claim' });
      const excerpt = decision.fetchOutput ? await outputOf(deps, decision.next.commandId, decision.next.instanceId) : undefined;
      const n = decision.notification;
      // The claim remembers what to publish, so that a resumed completion still publishes it.
      const next: LifecycleWork = n ? { ...decision.next, notifyAs: n.eventType } : decision.next;
      if (!(await deps.store.putIfVersion(nextLifecycleRecord(stored, next), stored.version))) {
        return conflict(`another invocation changed the record first; nothing done (${decision.reason})`);
      }
      const notify = n ? () => deps.publisher.publish(withOutput(n, excerpt), settings) : undefined;
      return done(
        await completeClaimed({ deps, claimed: { version: stored.version + 1, work: next }, firstTry: decision.firstTry, notify, reason: decision.reason }),
      );
    }
    case 'update': {
      if (!stored) return done({ outcome: 'lost-race', reason: 'no record to update' });
      const excerpt = decision.fetchOutput ? await outputOf(deps, decision.next.commandId, decision.next.instanceId) : undefined;
      if (!(await deps.store.putIfVersion(nextLifecycleRecord(stored, decision.next), stored.version))) {
        return conflict(`another invocation changed the record first; nothing done (${decision.reason})`);
      }
      if (decision.notification) await deps.publisher.publish(withOutput(decision.notification, excerpt), settings);
      return done({ outcome: decision.next.status === 'finished' ? 'finished' : 'attached', reason: decision.reason, ...describe(decision.next) });
    }
    case 'heartbeat': {
      if (!stored) return done({ outcome: 'lost-race', reason: 'no record' });
      const answer = await deps.autoScaling.recordLifecycleActionHeartbeat(refOf(decision.next));
      if (answer === 'already-done') {
        const reason = 'heartbeat answered "No active Lifecycle Action found": the action is over (completed, abandoned or expired); record finished';
        const next: LifecycleWork = { ...stored.work, status: 'finished', finishedAt: deps.now(), reason };
        await recordWarmupFacts(deps, next, { warming: false });
        await deps.store.putIfVersion(nextLifecycleRecord(stored, next), stored.version);
        return done({ outcome: 'already-done', reason, ...describe(next) });
      }
      await deps.store.putIfVersion(nextLifecycleRecord(stored, decision.next), stored.version);
      return done({ outcome: 'heartbeat', reason: decision.reason, ...describe(decision.next) });
    }
  }
};
