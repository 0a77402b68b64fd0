import type { OptIn } from '../../config/index';
import type { EventKind, ParsedEvent } from '../../events/index';
import type { Notification, Severity } from '../../notify/notification';
import { classifyLaunchFailure } from './launch-failure';

/** The Auto Scaling activity events that `activityAudit` turns into notifications. */
export type ActivityEvent = Extract<
  ParsedEvent,
  { kind: 'launch-successful' | 'launch-unsuccessful' | 'terminate-successful' | 'terminate-unsuccessful' | 'instance-refresh' }
>;

/** The event kinds `activityAudit` accepts; anything else is a foreign event. */
export const ACTIVITY_KINDS = [
  'launch-successful',
  'launch-unsuccessful',
  'terminate-successful',
  'terminate-unsuccessful',
  'instance-refresh',
] as const satisfies readonly EventKind[];

/** Narrows a parsed event to an {@link ActivityEvent}. */
export const isActivityEvent = (e: ParsedEvent): e is ActivityEvent => (ACTIVITY_KINDS as readonly string[]).includes(e.kind);

/** Notify, or skip with the reason (not opted in). Every branch carries a human-readable reason. */
export type ActivityDecision = { kind: 'notify'; notification: Notification; reason: string } | { kind: 'skip'; reason: string };

const refreshSeverity = (phase: string): Severity => {
  if (/fail/i.test(phase)) return 'error';
  if (/cancel|roll/i.test(phase)) return 'warning';
  return 'info';
};

const oneLine = (s: string, max = 500): string => {
  const t = s.replace(/\s+/g, ' ').trim();
  return t.length > max ? `${t.slice(0, max)}…` : t;
};

type Draft = Pick<Notification, 'eventType' | 'severity' | 'title' | 'reason' | 'instanceId' | 'details'>;

const draftFor = (event: ActivityEvent): Draft => {
  if (event.kind === 'instance-refresh') {
    const d = event.detail;
    return {
      eventType: 'activity.instance-refresh',
      severity: refreshSeverity(d.phase),
      title: `Instance refresh ${d.phase}`,
      reason: `Instance refresh ${d.instanceRefreshId} of ${d.groupName}: ${d.phase}`,
      details: { instanceRefreshId: d.instanceRefreshId, phase: d.phase },
    };
  }
  const d = event.detail;
  const where = d.availabilityZone ? ` in ${d.availabilityZone}` : '';
  const instance = d.instanceId ? { instanceId: d.instanceId } : {};
  const common = {
    activityId: d.activityId,
    statusCode: d.statusCode,
    availabilityZone: d.availabilityZone ?? null,
    subnetId: d.subnetId ?? null,
    cause: oneLine(d.cause, 1000),
  };
  switch (event.kind) {
    case 'launch-successful':
      return {
        eventType: 'activity.launch-successful',
        severity: 'info',
        title: `Instance launched${where}`,
        reason: `Launched ${d.instanceId ?? 'an instance'}${where}: ${oneLine(d.description)}`,
        ...instance,
        details: common,
      };
    case 'launch-unsuccessful': {
      const failureClass = classifyLaunchFailure(d.statusMessage);
      return {
        eventType: 'activity.launch-unsuccessful',
        severity: 'warning',
        title: `Instance launch failed${where} (${failureClass})`,
        reason: `Launch failed${where}, classified ${failureClass}: ${oneLine(d.statusMessage) || 'no status message'}`,
        ...instance,
        details: { ...common, failureClass, statusMessage: oneLine(d.statusMessage, 2000) },
      };
    }
    case 'terminate-successful':
      return {
        eventType: 'activity.terminate-successful',
        severity: 'info',
        title: `Instance terminated${where}`,
        reason: `Terminated ${d.instanceId ?? 'an instance'}${where}: ${oneLine(d.cause)}`,
        ...instance,
        details: common,
      };
    case 'terminate-unsuccessful':
      return {
        eventType: 'activity.terminate-unsuccessful',
        severity: 'warning',
        title: `Instance termination failed${where}`,
        reason: `Termination of ${d.instanceId ?? 'an instance'} failed${where}: ${oneLine(d.statusMessage) || 'no status message'}`,
        ...instance,
        details: { ...common, statusMessage: oneLine(d.statusMessage, 2000) },
      };
  }
};

/**
 * Decides what to say about one Auto Scaling activity event. Pure: no I/O, no clock (`now` given).
 * A group that did not opt in is skipped; otherwise a notification is drafted with a severity
 * (a failed launch is a warning, classified by cause; a failed instance refresh is an error).
 *
 * @example
 * ```ts
 * const d = decideActivity(event, resolveProfile(config, group.tags), Date.now());
 * if (d.kind === 'notify') await publisher.publish(d.notification, profile.notifications);
 * ```
 */
export const decideActivity = (event: ActivityEvent, optIn: OptIn, now: number): ActivityDecision => {
  const group = event.detail.groupName;
  if (!optIn.optedIn) return { kind: 'skip', reason: `group ${group} did not opt in: ${optIn.reason}` };
  const draft = draftFor(event);
  const notification: Notification = {
    ...draft,
    group,
    mode: optIn.profile.mode,
    time: new Date(now).toISOString(),
    sourceEventId: event.envelope.id,
    resources: event.envelope.resources,
  };
  return { kind: 'notify', notification, reason: `${draft.reason} (profile ${optIn.profileName})` };
};
