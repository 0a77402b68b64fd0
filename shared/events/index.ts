/**
 * `shared/events`: schemas (shared/events/validate.ts) for the AWS events the orchestrator reacts to, a registry keyed by
 * (source, detail-type), and {@link parseEvent}, which turns any input into a typed event or a drop.
 *
 * @example
 * ```ts
 * import { parseEvent } from '../shared/events';
 * const parsed = parseEvent(event, ['command-status']);
 * if (parsed.ok && parsed.event.kind === 'command-status') use(parsed.event.detail.status);
 * ```
 */
export { type ActivityDetail, type ActivityKind, type ActivityLocation, ACTIVITY_DETAIL_TYPES } from './activity';
export {
  COMMAND_STATUS_DETAIL_TYPE,
  COMMAND_STATUSES,
  type CommandStatus,
  type CommandStatusDetail,
  isTerminalCommandStatus,
  TERMINAL_COMMAND_STATUSES,
} from './command-status';
export type { EventEnvelope } from './envelope';
export {
  INSTANCE_REFRESH_DETAIL_TYPES,
  type InstanceRefreshDetail,
  type InstanceRefreshPhase,
} from './instance-refresh';
export {
  LAUNCH_LIFECYCLE_DETAIL_TYPE,
  type LifecycleActionDetail,
  type LifecycleLocation,
  type LifecycleTransition,
  TERMINATE_LIFECYCLE_DETAIL_TYPE,
} from './lifecycle-action';
export { MAX_ISSUE_LENGTH, MAX_ISSUES, type ParsedEvent, type ParseResult, parseEvent } from './parse-event';
export { INSTANCE_ID_PATTERN } from './primitives';
export { REBALANCE_RECOMMENDATION_DETAIL_TYPE, type RebalanceRecommendationDetail } from './rebalance-recommendation';
export {
  type DetailByKind,
  EVENT_KINDS,
  EVENT_PATTERNS,
  type EventKind,
  type EventPattern,
  lookupEvent,
  type RegistryEntry,
} from './registry';
export { SPOT_INTERRUPTION_DETAIL_TYPE, type SpotInstanceAction, type SpotInterruptionDetail } from './spot-interruption';
export { isTestNotification, TEST_NOTIFICATION_EVENT } from './test-notification';
