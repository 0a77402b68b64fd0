/**
 * The mix controller's record, one per group: `pk = group#<group>`, `sk = mix`, a versioned
 * {@link StateRecord} whose conditional write (`putIfVersion` / `putIfAbsent`) is the lock that
 * keeps two invocations from changing one group's mix at once.
 */
import type { StateRecord } from '../aws/state-store';
import { type DetailValue, type Notification, SEVERITY_RANK, type Severity } from '../notify/notification';
import type { FallbackState, MixControllerMemory, MixRule, MixTarget } from './policy/mix';
import { groupPk, MIX_SK } from '../state/keys';

/** One change (or, in observe mode, one change that would have been made). */
export interface MixHistoryEntry {
  at: number;
  rule: MixRule;
  mode: 'enforce' | 'observe';
  from: MixTarget;
  to: MixTarget;
  reason: string;
}

/**
 * A change claimed but not yet finished: written with the claim, removed (conditional write) once
 * the target is in force (enforce mode) and its notification was published. Whoever evaluates the
 * group next while it is there finishes it instead of deciding anew: re-applies `target` when the
 * group's distribution is not it yet (a lost UpdateAutoScalingGroup, or a claim whose write answered
 * with an error), then publishes `notification`. `claimedAt` is a lease: younger than
 * {@link MIX_PENDING_STALE_MS}, the invocation that wrote it may still be at work and others hold.
 */
export interface PendingMixChange {
  target: MixTarget;
  mode: 'enforce' | 'observe';
  claimedAt: number;
  notification: Notification;
}

/**
 * Age after which a pending change's writer is surely gone: above the longest timeout of the
 * functions that evaluate the mix (capacitySignal 20 s, reconcile 55 s in serverless.yml).
 */
export const MIX_PENDING_STALE_MS = 60_000;

/** The data of the mix record. */
export interface MixState extends MixControllerMemory {
  /**
   * The owner's distribution: as the controller first found the group, or as the owner set it since
   * (the group's distribution differs from the last target the controller applied). The floor of
   * every decision while the profile respects the owner's settings.
   */
  owner?: MixTarget;
  /** The last target set; in observe mode the shadow target the controller pretends is in force. */
  target?: MixTarget;
  /** Mode the last target was set in: a shadow target is ignored once the profile enforces. */
  targetMode?: 'enforce' | 'observe';
  /** When the group was reported as having no MixedInstancesPolicy (reported once). */
  unsupportedReportedAt?: number;
  /** Newest first, at most {@link MIX_HISTORY_LIMIT}. */
  history: MixHistoryEntry[];
  /** A change claimed and not yet finished (applied and notified). */
  pending?: PendingMixChange;
}

/** History entries kept. */
export const MIX_HISTORY_LIMIT = 20;

/** The record outlives the last write by 30 days, so a deleted group's state goes away by itself. */
export const MIX_TTL_SECONDS = 30 * 86_400;

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const target = (v: unknown): MixTarget | undefined => {
  if (!isObj(v)) return undefined;
  const base = num(v.base);
  const percent = num(v.percent);
  return base === undefined || percent === undefined ? undefined : { base, percent };
};

const fallback = (v: unknown): FallbackState | undefined => {
  if (!isObj(v)) return undefined;
  const since = num(v.since);
  const before = target(v.before);
  const applied = target(v.applied);
  return since === undefined || !before || !applied ? undefined : { since, before, applied };
};

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const isDetail = (v: unknown): v is DetailValue =>
  v === null || typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v));

/** The stored notification, rebuilt field by field (only a well-formed `mix.changed` survives). */
const notification = (v: unknown): Notification | undefined => {
  if (!isObj(v) || v.eventType !== 'mix.changed' || !isObj(v.details)) return undefined;
  const severity = str(v.severity);
  const [group, title, reason, time] = [str(v.group), str(v.title), str(v.reason), str(v.time)];
  if (severity === undefined || !Object.hasOwn(SEVERITY_RANK, severity) || (v.mode !== 'enforce' && v.mode !== 'observe')) return undefined;
  if (group === undefined || title === undefined || reason === undefined || time === undefined) return undefined;
  const sourceEventId = str(v.sourceEventId);
  const resources = Array.isArray(v.resources) ? v.resources.filter((r): r is string => typeof r === 'string').slice(0, 10) : undefined;
  return {
    eventType: 'mix.changed',
    severity: severity as Severity,
    group,
    mode: v.mode,
    title,
    reason,
    time,
    ...(sourceEventId === undefined ? {} : { sourceEventId }),
    ...(resources === undefined ? {} : { resources }),
    details: Object.fromEntries(Object.entries(v.details).filter((e): e is [string, DetailValue] => isDetail(e[1]))),
  };
};

const pending = (v: unknown): PendingMixChange | undefined => {
  if (!isObj(v)) return undefined;
  const t = target(v.target);
  const claimedAt = num(v.claimedAt);
  const n = notification(v.notification);
  return t && claimedAt !== undefined && n && (v.mode === 'enforce' || v.mode === 'observe')
    ? { target: t, mode: v.mode, claimedAt, notification: n }
    : undefined;
};

/**
 * Decodes the record's data defensively: a missing or mistyped field is simply absent (the
 * controller then acts as if it knew nothing about it, which is always safe within the bounds).
 */
export const decodeMixState = (data: Readonly<Record<string, unknown>> | undefined): MixState => {
  const d = data ?? {};
  const lastChangeAt = num(d.lastChangeAt);
  const lastSignalAt = num(d.lastSignalAt);
  const owner = target(d.owner);
  const unsupportedReportedAt = num(d.unsupportedReportedAt);
  const t = target(d.target);
  const fb = fallback(d.fallback);
  const p = pending(d.pending);
  const history = Array.isArray(d.history)
    ? d.history.filter((h): h is MixHistoryEntry => isObj(h) && num(h.at) !== undefined && !!target(h.from) && !!target(h.to)).slice(0, MIX_HISTORY_LIMIT)
    : [];
  return {
    ...(lastChangeAt === undefined ? {} : { lastChangeAt }),
    ...(lastSignalAt === undefined ? {} : { lastSignalAt }),
    ...(d.lastDirection === 'up' || d.lastDirection === 'down' ? { lastDirection: d.lastDirection } : {}),
    ...(owner ? { owner } : {}),
    ...(unsupportedReportedAt === undefined ? {} : { unsupportedReportedAt }),
    ...(t ? { target: t } : {}),
    ...(d.targetMode === 'enforce' || d.targetMode === 'observe' ? { targetMode: d.targetMode } : {}),
    ...(fb ? { fallback: fb } : {}),
    history,
    ...(p ? { pending: p } : {}),
  };
};

/** The mix record as read: its version (0 when there is none yet) and decoded data. */
export interface LoadedMixState {
  exists: boolean;
  version: number;
  state: MixState;
}

/** Builds the record to write. */
export const mixRecord = (group: string, state: MixState, version: number, now: number): StateRecord => ({
  pk: groupPk(group),
  sk: MIX_SK,
  version,
  expiresAt: Math.floor(now / 1000) + MIX_TTL_SECONDS,
  data: JSON.parse(JSON.stringify(state)) as Record<string, unknown>,
});
