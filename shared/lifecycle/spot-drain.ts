/**
 * The drain that a Spot interruption warning starts at once (the instance has two minutes; no
 * terminate hook has fired yet). Contract with the lifecycle functions:
 * - the drain is a lifecycle record `instance#<id>` / `lifecycle#terminate` with no hook name or
 *   token, claimed with `putIfAbsent`: a duplicate warning (or a terminate hook that got there
 *   first) finds it and sends nothing;
 * - the SSM command id is stored with `putIfVersion`; `terminateLifecycle` attaches the hook token
 *   to the same record later, `commandResult` completes or finishes it;
 * - a send taken over from a failed or dead invocation first looks for the drain command that one
 *   may have sent (ListCommands on the instance since the drain started, comment marker
 *   `asg-orchestrator spot drain <group>`: shared/lifecycle/policy/command-marker.ts) and adopts it: SendCommand
 *   has no idempotency token, and a lost response or a failed id write must not drain twice.
 */
import { isAwsCallError } from '../errors';
import type { SsmPort } from '../aws/ssm';
import type { StateRecord, StateStorePort } from '../aws/state-store';
import { PATTERNS, type Profile } from '../config';
import { attemptWindowStart, sentForAttempt } from './policy/command-marker';
import { drainParameters } from './policy/drain-parameters';
import { isClaimStale, type LifecycleWork, lifecycleSk, newLifecycleRecord } from './record';
import { instancePk } from '../state/keys';

/** Marks a record whose SendCommand failed with a retryable error: the Lambda retry may claim and resend it. */
export const SEND_RETRY_REASON = 'spot interruption drain: SendCommand failed (retryable), waiting for the retry';

/** What happened to the drain. */
export type SpotDrainResult =
  | { kind: 'started'; commandId: string; documentName: string; timeoutSeconds: number; reason: string }
  | { kind: 'observed'; documentName: string; timeoutSeconds: number; reason: string }
  | { kind: 'duplicate' | 'skipped' | 'not-sent'; reason: string };

/** Ports and settings of the drain. */
export interface SpotDrainDeps {
  ssm: SsmPort;
  store: StateStorePort;
  /** The stack's drain document (env `DRAIN_DOCUMENT_NAME`), used when the profile names none. */
  defaultDocumentName: string | undefined;
}

/** What the drain is for. */
export interface SpotDrainInput {
  instanceId: string;
  groupName: string;
  profileName: string;
  profile: Profile;
  now: number;
  sourceEventId: string;
}

const dataOf = (rec: StateRecord): LifecycleWork => rec.data as unknown as LifecycleWork;

/** Writes `change` into the record, re-reading and merging when another writer moved it (e.g. the hook token). */
const update = async (store: StateStorePort, rec: StateRecord, change: Partial<LifecycleWork>): Promise<boolean> => {
  let current: StateRecord | undefined = rec;
  for (let attempt = 0; attempt < 3 && current; attempt += 1) {
    if (await store.putIfVersion({ ...current, data: { ...current.data, ...change } }, current.version)) return true;
    current = await store.get(current.pk, current.sk);
  }
  return false;
};

/**
 * Claims the drain record and sends the drain document. Idempotent per instance.
 *
 * @example
 * ```ts
 * const drain = await startSpotDrain({ ssm, store, defaultDocumentName: env.DRAIN_DOCUMENT_NAME }, { instanceId, groupName, profileName, profile, now, sourceEventId });
 * drain.kind; // 'started' | 'observed' | 'duplicate' | 'skipped' | 'not-sent'
 * ```
 */
export const startSpotDrain = async (deps: SpotDrainDeps, input: SpotDrainInput): Promise<SpotDrainResult> => {
  const { profile, now } = input;
  if (!profile.drain.enabled) return { kind: 'skipped', reason: `drain disabled in profile ${input.profileName}` };
  const documentName = profile.drain.documentName ?? deps.defaultDocumentName;
  if (!documentName || !PATTERNS.ssmDocumentName.test(documentName)) {
    return {
      kind: 'skipped',
      reason: `no usable drain document (profile drain.documentName is null and DRAIN_DOCUMENT_NAME is ${documentName ? 'invalid' : 'unset'})`,
    };
  }
  const timeoutSeconds = profile.drain.spotInterruptionTimeoutSeconds;
  // The values that reach the instance, checked against the document's allowedPattern strings first.
  const params = drainParameters(profile.drain.drainUrl, timeoutSeconds);
  if (!params.ok) return { kind: 'skipped', reason: `drain parameters rejected: ${params.issues.join('; ')}` };
  const observe = profile.mode === 'observe';

  const work: LifecycleWork = {
    instanceId: input.instanceId,
    groupName: input.groupName,
    profileName: input.profileName,
    phase: 'terminate',
    mode: profile.mode,
    documentName,
    attempt: 1,
    maxAttempts: 1,
    // observe mode: the record is final at once (nothing is sent), as the lifecycle functions do.
    status: observe ? 'finished' : 'running',
    startedAt: now,
    attemptStartedAt: now,
    claimedAt: now,
    deadlineAt: now + timeoutSeconds * 1000,
    startedBy: 'interruption-warning',
    ...(observe ? { finishedAt: now } : {}),
    reason: observe
      ? `observe mode: Spot interruption warning (event ${input.sourceEventId}); drain ${documentName} not sent`
      : `Spot interruption warning (event ${input.sourceEventId}): drain with ${timeoutSeconds} s budget`,
  };
  let record = newLifecycleRecord(work);
  let resumed: LifecycleWork | undefined;
  if (!(await deps.store.putIfAbsent(record))) {
    const existing = await deps.store.get(instancePk(input.instanceId), lifecycleSk('terminate'));
    const d = existing ? dataOf(existing) : undefined;
    // A send that failed (retryable) or whose sender died (stale claim) may be taken over; anything else is done or under way.
    const resumable =
      existing && d && !observe && d.status === 'running' && d.commandId === undefined && (d.reason === SEND_RETRY_REASON || isClaimStale(d, now));
    if (!resumable) {
      const what = d ? `status ${d.status}${d.commandId ? `, command ${d.commandId}` : ''}${d.hookName ? `, hook ${d.hookName}` : ''}` : 'just finished';
      return { kind: 'duplicate', reason: `a drain is already recorded for ${input.instanceId} (${what}): nothing sent` };
    }
    // Claim the retry: only one of several concurrent retries wins this conditional write.
    const claimed = { ...existing, data: { ...existing.data, reason: `${work.reason} (resent: the first send did not finish)`, claimedAt: now } };
    if (!(await deps.store.putIfVersion(claimed, existing.version)))
      return { kind: 'duplicate', reason: `another invocation is resending the drain for ${input.instanceId}` };
    record = { ...claimed, version: existing.version + 1 };
    resumed = d;
  }
  if (observe) {
    return {
      kind: 'observed',
      documentName,
      timeoutSeconds,
      reason: `observe mode: drain recorded, ${documentName} not sent (would run for up to ${timeoutSeconds} s)`,
    };
  }

  let commandId: string;
  // Taking over a send: the first invocation may have sent the drain (response lost, or its id not stored).
  const adopted = resumed ? sentForAttempt(resumed, await deps.ssm.listCommands(input.instanceId, attemptWindowStart(resumed)))?.commandId : undefined;
  try {
    commandId =
      adopted ??
      (await deps.ssm.sendCommand({
        documentName,
        instanceId: input.instanceId,
        parameters: params.parameters,
        // SSM's TimeoutSeconds bounds delivery; the document enforces the drain budget itself.
        timeoutSeconds: 30 + timeoutSeconds,
        comment: `asg-orchestrator spot drain ${input.groupName}`,
      }));
  } catch (error) {
    if (isAwsCallError(error) && error.disposition === 'drop') {
      // Not SSM-managed, unknown document…: retrying cannot help; the record says why.
      await update(deps.store, record, { status: 'finished', finishedAt: now, reason: `drain not sent: ${error.message}` });
      return { kind: 'not-sent', reason: `drain not sent: ${error.message}` };
    }
    await update(deps.store, record, { reason: SEND_RETRY_REASON });
    throw error;
  }
  const stored = await update(deps.store, record, { commandId });
  return {
    kind: 'started',
    commandId,
    documentName,
    timeoutSeconds,
    reason: `drain started: ${documentName} command ${commandId}${adopted ? ' (adopted: already sent by the interrupted first attempt)' : ''}, budget ${timeoutSeconds} s${stored ? '' : ' (the command id could not be stored: the record kept moving)'}`,
  };
};
