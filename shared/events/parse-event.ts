/**
 * `parseEvent`: the one entry point handlers use to turn an invocation payload into a typed event
 * or a drop. It never throws: unknown, foreign, test and malformed inputs are all values.
 */
import * as v from 'valibot';
import { EventDropError } from '../errors';
import type { ActivityDetail } from './activity';
import type { CommandStatusDetail } from './command-status';
import { type EventEnvelope, envelopeFields, toEnvelope } from './envelope';
import type { InstanceRefreshDetail } from './instance-refresh';
import type { LifecycleActionDetail } from './lifecycle-action';
import { lazy } from './lazy';
import { isRecord, ownProperty, replaceControlCharacters } from './primitives';
import type { RebalanceRecommendationDetail } from './rebalance-recommendation';
import { EVENT_KINDS, type EventKind, lookupEvent } from './registry';
import type { SpotInterruptionDetail } from './spot-interruption';
import { isTestNotification } from './test-notification';

/** A parsed event: the kind, the envelope, and the camelCase detail of that kind. */
export type ParsedEvent =
  | { kind: 'launch-lifecycle' | 'terminate-lifecycle'; envelope: EventEnvelope; detail: LifecycleActionDetail }
  | { kind: 'command-status'; envelope: EventEnvelope; detail: CommandStatusDetail }
  | { kind: 'spot-interruption'; envelope: EventEnvelope; detail: SpotInterruptionDetail }
  | { kind: 'rebalance-recommendation'; envelope: EventEnvelope; detail: RebalanceRecommendationDetail }
  | {
      kind: 'launch-successful' | 'launch-unsuccessful' | 'terminate-successful' | 'terminate-unsuccessful';
      envelope: EventEnvelope;
      detail: ActivityDetail;
    }
  | { kind: 'instance-refresh'; envelope: EventEnvelope; detail: InstanceRefreshDetail };

/** The outcome of {@link parseEvent}. */
export type ParseResult = { ok: true; event: ParsedEvent } | { ok: false; error: EventDropError };

/** At most this many issue lines are reported; the last one says how many were left out. */
export const MAX_ISSUES = 10;
/** Each issue line (and each context string) is cut to this many characters. */
export const MAX_ISSUE_LENGTH = 200;

/** Replaces control characters (log injection) and cuts to `max` characters. */
const clip = (text: string, max = MAX_ISSUE_LENGTH): string => {
  const clean = replaceControlCharacters(text);
  return clean.length > max ? `${clean.slice(0, max - 1)}…` : clean;
};

/** A valibot issue path as `detail.key.0` (keys of objects, indexes of arrays); `(event)` for the root. */
const formatPath = (path: readonly PropertyKey[]): string =>
  path.length === 0 ? '(event)' : path.map((key) => (typeof key === 'symbol' ? '?' : String(key))).join('.');

/** One issue as a path and its message. */
interface Issue {
  readonly path: readonly PropertyKey[];
  readonly message: string;
}

const issuesOf = (issues: readonly v.BaseIssue<unknown>[], prefix: readonly PropertyKey[] = []): Issue[] =>
  issues.map((issue) => ({
    path: [...prefix, ...(issue.path ?? []).map((item) => (typeof item.key === 'string' || typeof item.key === 'number' ? item.key : '?'))],
    message: issue.message,
  }));

/** Issues as bounded `path: message` lines. */
const formatIssues = (issues: readonly Issue[]): string[] => {
  const lines = issues.slice(0, issues.length > MAX_ISSUES ? MAX_ISSUES - 1 : MAX_ISSUES).map((issue) => clip(`${formatPath(issue.path)}: ${issue.message}`));
  if (issues.length > MAX_ISSUES) lines.push(`… and ${issues.length - lines.length} more issues`);
  return lines;
};

/** Envelope schema (built on first use); `detail` is validated by the registry entry, under its own path prefix. */
const envelopeSchema = lazy(() => v.object(envelopeFields()));

/** Own string property, clipped for use in messages and context; `undefined` otherwise. */
const stringField = (value: Record<string, unknown>, key: string): string | undefined => {
  const field = ownProperty(value, key);
  return typeof field === 'string' ? field : undefined;
};

const drop = (reason: EventDropError['reason'], message: string, issues: readonly string[] = [], context: Record<string, unknown> = {}): ParseResult => ({
  ok: false,
  error: new EventDropError(reason, message, issues, context),
});

const parseUnsafe = (input: unknown, accept: readonly EventKind[]): ParseResult => {
  // Non-objects are not events at all: `malformed` (not `unknown-event`), so that a broken
  // invoke payload reads differently in the logs from a well-formed event we do not handle.
  if (!isRecord(input)) {
    const what = input === null ? 'null' : Array.isArray(input) ? 'an array' : `a ${typeof input}`;
    return drop('malformed', `dropped: the input is ${what}, not an event object`, [`(event): expected an object, received ${what}`]);
  }

  const rawSource = stringField(input, 'source');
  const rawDetailType = stringField(input, 'detail-type');
  const rawId = stringField(input, 'id');
  const context: Record<string, unknown> = {
    ...(rawSource === undefined ? {} : { source: clip(rawSource) }),
    ...(rawDetailType === undefined ? {} : { detailType: clip(rawDetailType) }),
    ...(rawId === undefined ? {} : { id: clip(rawId) }),
  };

  if (isTestNotification(input)) {
    const group = stringField(input, 'AutoScalingGroupName');
    return drop('test-notification', `dropped: Auto Scaling test notification${group === undefined ? '' : ` for ${clip(group, 64)}`}`, [], context);
  }

  const entry = rawSource === undefined || rawDetailType === undefined ? undefined : lookupEvent(rawSource, rawDetailType);
  if (entry === undefined || rawDetailType === undefined) {
    const label =
      rawSource === undefined && rawDetailType === undefined
        ? 'an object without source and detail-type'
        : `${clip(rawSource ?? '(no source)', 64)} / ${clip(rawDetailType ?? '(no detail-type)', 64)}`;
    return drop('unknown-event', `dropped: unknown event ${label}`, [], context);
  }

  if (!accept.includes(entry.kind)) {
    return drop('foreign-event', `dropped: ${rawDetailType} (${entry.kind}) is not handled here`, [], context);
  }

  const envelope = v.safeParse(envelopeSchema(), input);
  const detail = v.safeParse(entry.detail, ownProperty(input, 'detail'));
  if (!envelope.success || !detail.success) {
    const issues = [...(envelope.success ? [] : issuesOf(envelope.issues)), ...(detail.success ? [] : issuesOf(detail.issues, ['detail']))];
    const lines = formatIssues(issues);
    return drop('malformed', `dropped: ${rawDetailType} is malformed: ${lines[0] ?? 'invalid'}`, lines, context);
  }

  // The registry pairs each kind with its detail schema, so this union member is the right one;
  // TypeScript cannot correlate the two halves of `entry` through `safeParse`.
  const event = { kind: entry.kind, envelope: toEnvelope(envelope.output), detail: detail.output } as ParsedEvent;
  return { ok: true, event };
};

/**
 * Parses an EventBridge event into a {@link ParsedEvent}, or says why it is dropped.
 *
 * Never throws, for any input whatsoever (null, arrays, huge strings, `__proto__` keys):
 * - not an object → `malformed`;
 * - an Auto Scaling test notification (raw or EventBridge-wrapped) → `test-notification`;
 * - an unknown (source, detail-type) → `unknown-event`;
 * - a known kind not in `accept` → `foreign-event` (checked before the schema: a foreign event is
 *   not ours to judge);
 * - a schema failure → `malformed`, with at most {@link MAX_ISSUES} `path: message` lines of at most
 *   {@link MAX_ISSUE_LENGTH} characters each.
 *
 * @param input - the raw invocation payload.
 * @param accept - the kinds the calling function handles; all kinds when omitted.
 *
 * @example
 * ```ts
 * const parsed = parseEvent(event, ['launch-lifecycle']);
 * if (!parsed.ok) { logger.info(parsed.error.message, { ...parsed.error.context, issues: parsed.error.issues }); return; }
 * const { detail } = parsed.event; // LifecycleActionDetail when kind === 'launch-lifecycle'
 * ```
 */
export const parseEvent = (input: unknown, accept: readonly EventKind[] = EVENT_KINDS): ParseResult => {
  try {
    return parseUnsafe(input, accept);
  } catch (cause) {
    // Only exotic inputs (throwing getters, proxies) get here; JSON never does.
    const why = cause instanceof Error ? cause.message : 'unexpected error';
    return drop('malformed', 'dropped: the input could not be read', [clip(`(event): ${why}`)]);
  }
};
