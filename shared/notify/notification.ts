/**
 * The one shape every decision is published in, and the pure functions that turn it into an SNS
 * message and an EventBridge event.
 */

/** How loud a notification is; subscription filter policies can match on it. */
export type Severity = 'info' | 'warning' | 'error';

export const SEVERITY_RANK: Readonly<Record<Severity, number>> = { info: 0, warning: 1, error: 2 };

/**
 * Every kind of notification, with the EventBridge `detail-type` it is published under.
 * The README's "Notifications" table is this catalogue.
 */
export const NOTIFICATION_CATALOGUE = {
  'activity.launch-successful': 'Orchestrator Instance Launch Successful',
  'activity.launch-unsuccessful': 'Orchestrator Instance Launch Unsuccessful',
  'activity.terminate-successful': 'Orchestrator Instance Terminate Successful',
  'activity.terminate-unsuccessful': 'Orchestrator Instance Terminate Unsuccessful',
  'activity.instance-refresh': 'Orchestrator Instance Refresh',
  // Warm-up (launch hook) and drain (terminate hook); observe mode is the notification's `mode`.
  'warmup.started': 'Orchestrator Warm-up Started',
  'warmup.succeeded': 'Orchestrator Warm-up Succeeded',
  'warmup.retrying': 'Orchestrator Warm-up Retrying',
  'warmup.abandoned': 'Orchestrator Warm-up Abandoned',
  'warmup.failed': 'Orchestrator Warm-up Failed',
  'warmup.skipped': 'Orchestrator Warm-up Skipped',
  'drain.started': 'Orchestrator Drain Started',
  'drain.completed': 'Orchestrator Drain Completed',
  'drain.failed': 'Orchestrator Drain Failed',
  'drain.timed-out': 'Orchestrator Drain Timed Out',
  'drain.skipped': 'Orchestrator Drain Skipped',
  // capacitySignal / mix controller (issue 5; the doomed mark of issue 4)
  'capacity.instance-doomed': 'Orchestrator Instance Doomed',
  'mix.changed': 'Orchestrator Mix Changed',
  'mix.unsupported': 'Orchestrator Mix Unsupported',
} as const;

/** The `eventType` message attribute: a key of {@link NOTIFICATION_CATALOGUE}. */
export type NotificationType = keyof typeof NOTIFICATION_CATALOGUE;

/** EventBridge `source` of every custom event the orchestrator emits. */
export const NOTIFICATION_SOURCE = 'asg-orchestrator';

/** A scalar detail value: notifications stay flat and small so filters and readers stay simple. */
export type DetailValue = string | number | boolean | null;

/**
 * A decision, ready to publish.
 *
 * @example
 * ```ts
 * const n: Notification = {
 *   eventType: 'activity.launch-unsuccessful', severity: 'warning', group: 'ml-inference-gpu',
 *   mode: 'enforce', title: 'Instance launch failed', reason: 'There is no Spot capacity available…',
 *   time: '2026-11-27T01:00:00.000Z', details: { failureClass: 'spot-capacity' },
 * };
 * ```
 */
export interface Notification {
  eventType: NotificationType;
  severity: Severity;
  group: string;
  mode: 'enforce' | 'observe';
  /** A short human title; becomes the SNS subject after the prefix. */
  title: string;
  /** Why: the decision's human-readable reason, with the numbers it used. */
  reason: string;
  /** ISO-8601 time of the decision. */
  time: string;
  instanceId?: string;
  /** The id of the AWS event that led to this decision (for tracing and de-duplication downstream). */
  sourceEventId?: string;
  /** ARNs the event concerns (group, instance); EventBridge `resources`. */
  resources?: readonly string[];
  details: Readonly<Record<string, DetailValue>>;
}

/**
 * Most `resources` entries a notification carries. An event's `resources` list is the sender's (up to
 * 2,048 characters each, unbounded in number); a PutEvents entry may be at most 256 KB
 * (EventBridge user guide, "Calculating PutEvents event entry size":
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-putevent-size.html), so it is cut here.
 */
export const MAX_NOTIFICATION_RESOURCES = 10;

/** The first {@link MAX_NOTIFICATION_RESOURCES} resources of a notification. */
export const boundedResources = (resources: readonly string[] | undefined): string[] => (resources ?? []).slice(0, MAX_NOTIFICATION_RESOURCES);

const MAX_SUBJECT = 99;
const MAX_STRING = 4000;

/**
 * SNS subjects must be ASCII, start with a letter, number or punctuation, have no line breaks or
 * control characters, and be under 100 characters: anything else makes Publish fail.
 */
export const toSnsSubject = (n: Pick<Notification, 'severity' | 'group' | 'title'>): string => {
  const raw = `[asg-orchestrator] ${n.severity.toUpperCase()} ${n.group}: ${n.title}`;
  const ascii = raw
    .replace(/[^\x20-\x7E]/g, '?')
    .replace(/\s+/g, ' ')
    .trim();
  return ascii.length > MAX_SUBJECT ? `${ascii.slice(0, MAX_SUBJECT - 3)}...` : ascii;
};

const clip = (v: DetailValue): DetailValue => (typeof v === 'string' && v.length > MAX_STRING ? `${v.slice(0, MAX_STRING)}…` : v);

/** The JSON body published to SNS and used as EventBridge `detail`. */
export const toMessageBody = (n: Notification): Record<string, unknown> => ({
  eventType: n.eventType,
  severity: n.severity,
  group: n.group,
  mode: n.mode,
  title: n.title,
  reason: clip(n.reason),
  time: n.time,
  ...(n.instanceId ? { instanceId: n.instanceId } : {}),
  ...(n.sourceEventId ? { sourceEventId: n.sourceEventId } : {}),
  details: Object.fromEntries(Object.entries(n.details).map(([k, v]) => [k, clip(v)])),
});

/** SNS message attributes for subscription filter policies (values must be non-empty). */
export const toSnsAttributes = (n: Notification): Record<string, string> => ({
  eventType: n.eventType,
  group: n.group || 'unknown',
  severity: n.severity,
});
