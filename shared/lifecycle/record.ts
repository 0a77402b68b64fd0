/**
 * The record of lifecycle work on one instance: a warm-up (launch hook) or a drain (terminate hook,
 * or a Spot interruption warning before any hook). Stored at `pk = instance#<id>`,
 * `sk = lifecycle#launch | lifecycle#terminate`, as the `data` of a versioned {@link StateRecord}
 * (optimistic concurrency: every transition states the version it read, so of two invocations
 * racing on one record exactly one wins and the other does nothing).
 *
 * Life cycle (every arrow is one `putIfVersion`; the first is a `putIfAbsent`):
 *
 * ```
 * (none) ──hook event / reconcile repair / interruption warning──▶ running (commandId unset: send pending)
 * running ──SendCommand answered──▶ running (commandId = c1)
 * running(c_k) ──c_k failed, attempts and time left──▶ running (attempt k+1, commandId unset) ──▶ running(c_k+1)
 * running ──c_k succeeded / last failure / deadline passed──▶ completing (result chosen) ──Complete answered──▶ completed | abandoned
 * completing ──"No active Lifecycle Action found" on the first try──▶ finished (no notification)
 * running (no hook: Spot drain) ──drain command over──▶ finished ──terminate hook arrives──▶ completing ──▶ completed
 * observe mode: created `finished` at once (nothing is sent or completed; the hook's DefaultResult applies)
 * ```
 *
 * `commandResult` finds the record from the SSM event's instance id and acts only when the event's
 * command id is the record's current one (a result for an older attempt changes nothing).
 * A `running` record without a command id, or a `completing` one, that is older than
 * {@link CLAIM_STALE_MS} was left by an invocation that died half-way: the next duplicate event or the
 * reconcile sweep resumes it.
 */
import type { StateRecord } from '../aws/state-store';
import { instancePk } from '../state/keys';

/** Which hook the work serves. */
export type LifecyclePhase = 'launch' | 'terminate';

/**
 * Where the work stands. `completed` / `abandoned` / `finished` are final. `completing` means a
 * result was chosen and CompleteLifecycleAction is being (or was) called.
 */
export type LifecycleStatus = 'running' | 'completing' | 'completed' | 'abandoned' | 'finished';

/** The result given to the lifecycle action. */
export type LifecycleResult = 'CONTINUE' | 'ABANDON';

/** The data of a lifecycle record. */
export interface LifecycleWork {
  instanceId: string;
  groupName: string;
  profileName: string;
  phase: LifecyclePhase;
  mode: 'enforce' | 'observe';
  /** Absent for a drain started by a Spot interruption warning before any terminate hook fired. */
  hookName?: string;
  token?: string;
  /** `WarmPool` launches only pre-stage models (download, no load into accelerator memory). */
  origin?: string;
  destination?: string;
  documentName: string;
  /** The current SSM command (undefined while a send is pending, and in observe mode, where nothing is sent). */
  commandId?: string;
  /** Command ids of earlier attempts, oldest first (their results are stale). */
  previousCommandIds?: string[];
  attempt: number;
  maxAttempts: number;
  /** Warm-up only: what the last failure (or the deadline) leads to. Absent = `abandon`. */
  onFailure?: 'abandon' | 'continue';
  status: LifecycleStatus;
  /** Epoch ms. */
  startedAt: number;
  /**
   * When the lifecycle action opened (epoch ms): the hook event's `time`, or an estimate for a lost
   * event repaired by the sweep. The heartbeat timeout counts from here, not from `startedAt`.
   */
  openedAt?: number;
  attemptStartedAt: number;
  /** When the current send or completion was claimed (epoch ms): a stale claim may be resumed. */
  claimedAt?: number;
  lastHeartbeatAt?: number;
  /** When the whole work must be over (profile timeout); reconcile abandons or continues after it. */
  deadlineAt: number;
  finishedAt?: number;
  result?: LifecycleResult;
  /** Last terminal SSM status seen for the current command. */
  lastCommandStatus?: string;
  /** Why it ended (or the last notable event), human-readable. */
  reason?: string;
  /** The notification type a completion under way publishes (so that a resumed completion still publishes it). */
  notifyAs?: string;
  /** Who started it: a hook event, the reconcile sweep (lost event), or a Spot interruption warning. */
  startedBy?: 'event' | 'reconcile' | 'interruption-warning';
}

/** A decoded record with the version it was read at. */
export interface StoredLifecycle {
  version: number;
  work: LifecycleWork;
}

/** Sort key of a lifecycle record. */
export const lifecycleSk = (phase: LifecyclePhase): string => `lifecycle#${phase}`;

/** Two days: longer than any lifecycle action can live (48 h at most). */
export const LIFECYCLE_TTL_SECONDS = 2 * 86_400;

/**
 * A claim (pending send, or a completion under way) older than this was abandoned by an invocation
 * that died (the lifecycle functions time out after 30 s): it may be resumed by someone else.
 */
export const CLAIM_STALE_MS = 60_000;

/** Final statuses: the lifecycle action was answered, found gone, or never ours to answer. */
export const FINAL_STATUSES: ReadonlySet<LifecycleStatus> = new Set(['completed', 'abandoned', 'finished']);

/** True when nothing more will be done for this record. */
export const isFinal = (work: Pick<LifecycleWork, 'status'>): boolean => FINAL_STATUSES.has(work.status);

/** True when a hook (token or at least its name) is known, so CompleteLifecycleAction can be called. */
export const hasHook = (work: Pick<LifecycleWork, 'hookName'>): boolean => typeof work.hookName === 'string' && work.hookName !== '';

/** True when a claim (`claimedAt`, else `attemptStartedAt`) is older than {@link CLAIM_STALE_MS}. */
export const isClaimStale = (work: Pick<LifecycleWork, 'claimedAt' | 'attemptStartedAt'>, now: number): boolean =>
  now - (work.claimedAt ?? work.attemptStartedAt) >= CLAIM_STALE_MS;

/**
 * The work with its claim released: dated {@link CLAIM_STALE_MS} back, so the next duplicate event or
 * reconcile sweep resumes it at once (its resume looks for a command already sent first, so a send
 * that did happen is adopted, never repeated). Used when SendCommand was refused before any command
 * existed (the SSM agent not registered yet): the attempt is not spent, only postponed.
 */
export const releaseClaim = (work: LifecycleWork, now: number): LifecycleWork => ({ ...work, claimedAt: now - CLAIM_STALE_MS });

/** Builds the stored record for new work. */
export const newLifecycleRecord = (work: LifecycleWork): StateRecord => ({
  pk: instancePk(work.instanceId),
  sk: lifecycleSk(work.phase),
  version: 1,
  expiresAt: Math.floor(work.startedAt / 1000) + LIFECYCLE_TTL_SECONDS,
  data: stripUndefined(work),
});

/** The record to write for a transition from `current` (the TTL keeps counting from the start). */
export const nextLifecycleRecord = (current: StoredLifecycle, work: LifecycleWork): StateRecord => ({
  pk: instancePk(work.instanceId),
  sk: lifecycleSk(work.phase),
  version: current.version + 1,
  expiresAt: Math.floor(work.startedAt / 1000) + LIFECYCLE_TTL_SECONDS,
  data: stripUndefined(work),
});

const stripUndefined = (work: LifecycleWork): Record<string, unknown> => Object.fromEntries(Object.entries(work).filter(([, v]) => v !== undefined));

const STATUSES: ReadonlySet<string> = new Set(['running', 'completing', 'completed', 'abandoned', 'finished']);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/**
 * Decodes a stored record defensively: a record missing what every transition needs (instance,
 * group, phase, status, times) is `undefined` (treated as no record), never a crash.
 *
 * @example
 * ```ts
 * const stored = decodeLifecycle(await store.get(instancePk('i-0abc'), lifecycleSk('launch')));
 * stored?.work.status; // 'running'
 * ```
 */
export const decodeLifecycle = (record: StateRecord | undefined): StoredLifecycle | undefined => {
  if (!record) return undefined;
  const d = record.data;
  const instanceId = str(d.instanceId);
  const groupName = str(d.groupName);
  const phase = d.phase === 'launch' || d.phase === 'terminate' ? d.phase : undefined;
  const status = typeof d.status === 'string' && STATUSES.has(d.status) ? (d.status as LifecycleStatus) : undefined;
  const startedAt = num(d.startedAt);
  const deadlineAt = num(d.deadlineAt);
  if (!instanceId || !groupName || !phase || !status || startedAt === undefined || deadlineAt === undefined) return undefined;
  const previous = Array.isArray(d.previousCommandIds) ? d.previousCommandIds.filter((x): x is string => typeof x === 'string') : undefined;
  const work: LifecycleWork = {
    instanceId,
    groupName,
    profileName: str(d.profileName) ?? '',
    phase,
    mode: d.mode === 'observe' ? 'observe' : 'enforce',
    documentName: str(d.documentName) ?? '',
    attempt: num(d.attempt) ?? 1,
    maxAttempts: num(d.maxAttempts) ?? 1,
    status,
    startedAt,
    attemptStartedAt: num(d.attemptStartedAt) ?? startedAt,
    deadlineAt,
  };
  const optional: Partial<LifecycleWork> = {
    hookName: str(d.hookName),
    token: str(d.token),
    origin: str(d.origin),
    destination: str(d.destination),
    commandId: str(d.commandId),
    previousCommandIds: previous && previous.length > 0 ? previous : undefined,
    onFailure: d.onFailure === 'continue' ? 'continue' : d.onFailure === 'abandon' ? 'abandon' : undefined,
    claimedAt: num(d.claimedAt),
    openedAt: num(d.openedAt),
    lastHeartbeatAt: num(d.lastHeartbeatAt),
    finishedAt: num(d.finishedAt),
    result: d.result === 'CONTINUE' || d.result === 'ABANDON' ? d.result : undefined,
    lastCommandStatus: str(d.lastCommandStatus),
    reason: str(d.reason),
    notifyAs: str(d.notifyAs),
    startedBy: d.startedBy === 'event' || d.startedBy === 'reconcile' || d.startedBy === 'interruption-warning' ? d.startedBy : undefined,
  };
  for (const [k, v] of Object.entries(optional)) if (v !== undefined) (work as unknown as Record<string, unknown>)[k] = v;
  return { version: record.version, work };
};
