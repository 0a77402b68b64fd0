/**
 * The record of lifecycle work on one instance: a warm-up (launch hook) or a drain (terminate hook,
 * or a Spot interruption warning before any hook). Stored at `pk = instance#<id>`,
 * `sk = lifecycle#launch | lifecycle#terminate`, as the `data` of a versioned {@link StateRecord}
 * (optimistic concurrency: every transition states the version it read).
 *
 * `commandResult` finds the record from the SSM event's instance id and checks that the event's
 * command id is the record's current one (a result for an older attempt changes nothing).
 */
import type { StateRecord } from '../aws/state-store';
import { instancePk } from './keys';

/** Which hook the work serves. */
export type LifecyclePhase = 'launch' | 'terminate';

/** Where the work stands. `completed` / `abandoned` are final: the lifecycle action was answered (or found gone). */
export type LifecycleStatus = 'running' | 'completed' | 'abandoned' | 'finished';

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
  destination?: string;
  documentName: string;
  /** The current SSM command (undefined in observe mode, where nothing is sent). */
  commandId?: string;
  attempt: number;
  maxAttempts: number;
  status: LifecycleStatus;
  /** Epoch ms. */
  startedAt: number;
  attemptStartedAt: number;
  lastHeartbeatAt?: number;
  /** When the whole work must be over (profile timeout); reconcile abandons or continues after it. */
  deadlineAt: number;
  finishedAt?: number;
  result?: 'CONTINUE' | 'ABANDON';
  /** Why it ended (or the last notable event), human-readable. */
  reason?: string;
}

/** Sort key of a lifecycle record. */
export const lifecycleSk = (phase: LifecyclePhase): string => `lifecycle#${phase}`;

/** Two days: longer than any lifecycle action can live (48 h at most). */
export const LIFECYCLE_TTL_SECONDS = 2 * 86_400;

/** Builds the stored record for new work. */
export const newLifecycleRecord = (work: LifecycleWork): StateRecord => ({
  pk: instancePk(work.instanceId),
  sk: lifecycleSk(work.phase),
  version: 1,
  expiresAt: Math.floor(work.startedAt / 1000) + LIFECYCLE_TTL_SECONDS,
  data: { ...work },
});
