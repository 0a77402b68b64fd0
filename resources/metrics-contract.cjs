'use strict';

/**
 * The metrics contract the alarms (observability.cjs) and the dashboard (dashboard.cjs) read:
 * docs/metrics.md, shared/runtime/group-metrics.ts.
 */

/** Namespace of the orchestrator's own metrics (provider.environment.POWERTOOLS_METRICS_NAMESPACE). */
const NAMESPACE = 'AsgOrchestrator';
/** Value of the `service` dimension every orchestrator metric carries (POWERTOOLS_SERVICE_NAME). */
const SERVICE = 'asg-orchestrator';

/** The termination policy's contract with Auto Scaling: an answer within 2 s (DESIGN.md). */
const TERMINATION_POLICY_CONTRACT_MS = 2000;

/**
 * Per-group metrics of the contract (docs/metrics.md): dimensions {service, group, profile}, and a
 * stack-wide roll-up with {service} alone that the alarms read (an alarm cannot use SEARCH).
 */
const GROUP_METRICS = {
  warmup: ['WarmupSucceeded', 'WarmupRetried', 'WarmupAbandoned', 'WarmupFailedContinued'],
  warmupDuration: 'WarmupDurationSeconds',
  drain: ['DrainTimedOut'],
  drainDuration: 'DrainDurationSeconds',
  termination: ['TerminationDecisions', 'TerminationFallbacks'],
  mix: ['OnDemandShare', 'MixTarget'],
  mixChanges: ['MixChanges', 'InstancesReplacedByMix'],
};

/** osls naming (lib/plugins/aws/lib/naming.js getNormalizedFunctionName). */
const normalized = (name) => `${name[0].toUpperCase()}${name.slice(1)}`.replace(/-/g, 'Dash').replace(/_/g, 'Underscore');
const functionLogicalId = (name) => `${normalized(name)}LambdaFunction`;
const logGroupLogicalId = (name) => `${normalized(name)}LogGroup`;

module.exports = { NAMESPACE, SERVICE, TERMINATION_POLICY_CONTRACT_MS, GROUP_METRICS, normalized, functionLogicalId, logGroupLogicalId };
