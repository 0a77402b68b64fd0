/**
 * The parser registry: one entry per (source, detail-type), as Karpenter keys its interruption
 * parsers (`pkg/controllers/interruption/parser.go`). Anything not listed here is an unknown event.
 */
import { lazy } from './lazy';
import type * as v from 'valibot';
import { type ActivityDetail, activityDetailSchema, ACTIVITY_DETAIL_TYPES } from './activity';
import { type CommandStatusDetail, COMMAND_STATUS_DETAIL_TYPE, commandStatusDetailSchema } from './command-status';
import { INSTANCE_REFRESH_DETAIL_TYPES, type InstanceRefreshDetail, type InstanceRefreshPhase, instanceRefreshDetailSchema } from './instance-refresh';
import {
  LAUNCH_LIFECYCLE_DETAIL_TYPE,
  type LifecycleActionDetail,
  launchLifecycleDetailSchema,
  TERMINATE_LIFECYCLE_DETAIL_TYPE,
  terminateLifecycleDetailSchema,
} from './lifecycle-action';
import { REBALANCE_RECOMMENDATION_DETAIL_TYPE, type RebalanceRecommendationDetail, rebalanceRecommendationDetailSchema } from './rebalance-recommendation';
import { SPOT_INTERRUPTION_DETAIL_TYPE, type SpotInterruptionDetail, spotInterruptionDetailSchema } from './spot-interruption';

/** Every event kind the orchestrator understands. */
export type EventKind =
  | 'launch-lifecycle'
  | 'terminate-lifecycle'
  | 'command-status'
  | 'spot-interruption'
  | 'rebalance-recommendation'
  | 'launch-successful'
  | 'launch-unsuccessful'
  | 'terminate-successful'
  | 'terminate-unsuccessful'
  | 'instance-refresh';

/** All kinds, in a stable order (the default `accept` list). */
export const EVENT_KINDS: readonly EventKind[] = [
  'launch-lifecycle',
  'terminate-lifecycle',
  'command-status',
  'spot-interruption',
  'rebalance-recommendation',
  'launch-successful',
  'launch-unsuccessful',
  'terminate-successful',
  'terminate-unsuccessful',
  'instance-refresh',
];

/** The camelCase detail each kind parses to. */
export interface DetailByKind {
  'launch-lifecycle': LifecycleActionDetail;
  'terminate-lifecycle': LifecycleActionDetail;
  'command-status': CommandStatusDetail;
  'spot-interruption': SpotInterruptionDetail;
  'rebalance-recommendation': RebalanceRecommendationDetail;
  'launch-successful': ActivityDetail;
  'launch-unsuccessful': ActivityDetail;
  'terminate-successful': ActivityDetail;
  'terminate-unsuccessful': ActivityDetail;
  'instance-refresh': InstanceRefreshDetail;
}

/** One EventBridge rule pattern: a source and one or more detail-types. */
export interface EventPattern {
  readonly source: string;
  readonly detailType: string | readonly string[];
}

const REFRESH_PHASES = Object.keys(INSTANCE_REFRESH_DETAIL_TYPES) as InstanceRefreshPhase[];

/**
 * The exact EventBridge patterns per kind. `serverless.yml` rules must match these (a template
 * test compares them), so a rule never routes an event that the function would then drop as unknown.
 *
 * @example
 * ```ts
 * EVENT_PATTERNS['launch-lifecycle'] // { source: 'aws.autoscaling', detailType: 'EC2 Instance-launch Lifecycle Action' }
 * ```
 */
export const EVENT_PATTERNS: Readonly<Record<EventKind, EventPattern>> = {
  'launch-lifecycle': { source: 'aws.autoscaling', detailType: LAUNCH_LIFECYCLE_DETAIL_TYPE },
  'terminate-lifecycle': { source: 'aws.autoscaling', detailType: TERMINATE_LIFECYCLE_DETAIL_TYPE },
  'command-status': { source: 'aws.ssm', detailType: COMMAND_STATUS_DETAIL_TYPE },
  'spot-interruption': { source: 'aws.ec2', detailType: SPOT_INTERRUPTION_DETAIL_TYPE },
  'rebalance-recommendation': { source: 'aws.ec2', detailType: REBALANCE_RECOMMENDATION_DETAIL_TYPE },
  'launch-successful': { source: 'aws.autoscaling', detailType: ACTIVITY_DETAIL_TYPES['launch-successful'] },
  'launch-unsuccessful': { source: 'aws.autoscaling', detailType: ACTIVITY_DETAIL_TYPES['launch-unsuccessful'] },
  'terminate-successful': { source: 'aws.autoscaling', detailType: ACTIVITY_DETAIL_TYPES['terminate-successful'] },
  'terminate-unsuccessful': { source: 'aws.autoscaling', detailType: ACTIVITY_DETAIL_TYPES['terminate-unsuccessful'] },
  'instance-refresh': {
    source: 'aws.autoscaling',
    detailType: REFRESH_PHASES.map((phase) => INSTANCE_REFRESH_DETAIL_TYPES[phase]),
  },
};

/**
 * A registry entry: the kind a (source, detail-type) maps to and the schema of its detail. `detail`
 * is built on first read (a memoized getter), so a cold start only builds the schemas of the kinds
 * that actually arrive, not those of every kind the orchestrator knows.
 */
export type RegistryEntry = {
  [K in EventKind]: { readonly kind: K; readonly detail: v.GenericSchema<unknown, DetailByKind[K]> };
}[EventKind];

const entry = <K extends EventKind>(kind: K, detail: () => v.GenericSchema<unknown, DetailByKind[K]>): RegistryEntry =>
  ({
    kind,
    get detail() {
      return detail();
    },
  }) as RegistryEntry;

// A Map, not an object literal: a hostile detail-type such as "__proto__" must not find anything.
const REGISTRY = new Map<string, RegistryEntry>();
const keyOf = (source: string, detailType: string): string => `${source}\u0000${detailType}`;

const register = (source: string, detailType: string, value: RegistryEntry): void => {
  REGISTRY.set(keyOf(source, detailType), value);
};

// Each schema thunk is memoized (shared/events/lazy.ts): the four activity kinds share one schema.
register('aws.autoscaling', LAUNCH_LIFECYCLE_DETAIL_TYPE, entry('launch-lifecycle', launchLifecycleDetailSchema));
register('aws.autoscaling', TERMINATE_LIFECYCLE_DETAIL_TYPE, entry('terminate-lifecycle', terminateLifecycleDetailSchema));
register('aws.ssm', COMMAND_STATUS_DETAIL_TYPE, entry('command-status', commandStatusDetailSchema));
register('aws.ec2', SPOT_INTERRUPTION_DETAIL_TYPE, entry('spot-interruption', spotInterruptionDetailSchema));
register('aws.ec2', REBALANCE_RECOMMENDATION_DETAIL_TYPE, entry('rebalance-recommendation', rebalanceRecommendationDetailSchema));
for (const kind of Object.keys(ACTIVITY_DETAIL_TYPES) as (keyof typeof ACTIVITY_DETAIL_TYPES)[]) {
  register('aws.autoscaling', ACTIVITY_DETAIL_TYPES[kind], entry(kind, activityDetailSchema));
}
for (const phase of REFRESH_PHASES) {
  register(
    'aws.autoscaling',
    INSTANCE_REFRESH_DETAIL_TYPES[phase],
    entry(
      'instance-refresh',
      lazy(() => instanceRefreshDetailSchema(phase)),
    ),
  );
}

/**
 * Finds the registry entry for an event's (source, detail-type), or `undefined` when unknown.
 *
 * @example
 * ```ts
 * lookupEvent('aws.ssm', 'EC2 Command Invocation Status-change Notification')?.kind // 'command-status'
 * ```
 */
export const lookupEvent = (source: string, detailType: string): RegistryEntry | undefined => REGISTRY.get(keyOf(source, detailType));
