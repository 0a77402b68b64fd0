/**
 * activityAudit — Auto Scaling activity events (launch/terminate successful or unsuccessful,
 * instance refresh) of opted-in groups become notifications with a severity.
 * parse → load (group tags, profile) → decide (pure) → notify.
 */
import { type AwsClients, GroupDirectory, type StateStorePort } from '../shared/aws/index';
import { loadConfig, type OrchestratorConfig, resolveProfile } from '../shared/config/index';
import { parseEvent } from '../shared/events/index';
import { acceptOrigin, type OwnOrigin, ownOrigin } from '../shared/events/origin';
import { dropped, type HandlerOutcome, withStack } from '../shared/runtime/stack';
import { autoScalingFrom, onFirstCall, publisherFrom, stateStoreFrom } from '../shared/runtime/ports';
import type { NotificationType, Publisher, PublishResult, Severity } from '../shared/notify/index';
import { OrchestratorError } from '../shared/errors';
import { ACTIVITY_KINDS, decideActivity, isActivityEvent } from '../shared/activity/policy/audit';
import { claimEvent, markEventDone } from '../shared/state/event-claim';

/** The activity audit's decision: what was published about the activity, if anything. */
export interface ActivityOutcome extends HandlerOutcome {
  group?: string;
  eventType?: NotificationType;
  severity?: Severity;
  published?: PublishResult;
}

/** What `main` needs; tests and the simulator build their own. */
export interface ActivityAuditDeps {
  config: () => OrchestratorConfig;
  groups: GroupDirectory;
  publisher: Publisher;
  /** Where re-deliveries are recognised (a claim on the event id); without one, every delivery publishes. */
  store?: StateStorePort;
  /** This function's account and region: events from others are dropped unless allow-listed (config `events`). Absent: unknown. */
  origin?: OwnOrigin;
  now: () => number;
}

/** Production wiring from the environment (TOPIC_ARN, EVENT_BUS_NAME, TABLE_NAME). */
export const createDeps = (clients: Partial<AwsClients> = {}, env: NodeJS.ProcessEnv = process.env): ActivityAuditDeps => ({
  config: () => loadConfig(env),
  groups: new GroupDirectory(autoScalingFrom(clients)),
  publisher: publisherFrom(clients, env),
  ...(env.TABLE_NAME ? { store: stateStoreFrom(clients, env) } : {}),
  origin: ownOrigin(env),
  now: Date.now,
});

const SCOPE = 'activityAudit';

/** Builds the handler's core for the given dependencies. */
export const createMain =
  (deps: ActivityAuditDeps) =>
  async (event: unknown): Promise<ActivityOutcome> => {
    const config = deps.config();
    const parsed = acceptOrigin(parseEvent(event, ACTIVITY_KINDS), config.events, deps.origin ?? {});
    if (!parsed.ok) return dropped(parsed.error);
    if (!isActivityEvent(parsed.event)) return { outcome: 'dropped', reason: `not an activity event: ${parsed.event.kind}` };
    const group = await deps.groups.get(parsed.event.detail.groupName);
    const optIn = resolveProfile(config, group?.tags ?? []);
    const decision = decideActivity(parsed.event, optIn, deps.now());
    if (decision.kind === 'skip' || !optIn.optedIn) return { outcome: 'skipped', reason: decision.reason };
    const now = deps.now();
    const eventId = parsed.event.envelope.id;
    const claim = deps.store ? await claimEvent(deps.store, eventId, SCOPE, now) : undefined;
    if (claim?.kind === 'duplicate') return { outcome: 'duplicate', reason: `event ${eventId} was already published`, group: decision.notification.group };
    if (claim?.kind === 'busy') {
      // Another invocation holds a fresh claim on this event: let Lambda retry once it finished (or died).
      throw new OrchestratorError(`event ${eventId} is being published by another invocation`, 'retry', { context: { eventId } });
    }
    const published = await deps.publisher.publish(decision.notification, optIn.profile.notifications);
    if (deps.store && claim?.kind === 'claimed') await markEventDone(deps.store, eventId, SCOPE, claim.version, now);
    return {
      outcome: published.skipped ? 'skipped' : 'notified',
      reason: published.skipped ? `${decision.reason}; not published: ${published.skipped}` : decision.reason,
      eventType: decision.notification.eventType,
      severity: decision.notification.severity,
      group: decision.notification.group,
      published,
    };
  };

/** Lambda entry point (and `serverless invoke local -f activityAudit`). */
export const handler = withStack(
  'activityAudit',
  onFirstCall(() => createMain(createDeps())),
);
