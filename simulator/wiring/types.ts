/**
 * How a function is wired into the simulator: one row of the table in index.ts builds the function's own
 * `XDeps` from the simulator's ports and returns `createMain(deps)`, the same core the Lambda handler
 * runs. The runner only knows this interface.
 */
import type { AutoScalingPort, Ec2Port, EventBusPort, SnsPort, SsmPort, StateStorePort } from '../../shared/aws';
import type { OrchestratorConfig } from '../../shared/config';
import type { EventKind } from '../../shared/events';
import type { HandlerOutcome } from '../../shared/runtime/stack';

/** Everything a wiring may use: the in-memory ports, the scenario's config and the simulated clock. */
export interface SimPorts {
  autoScaling: AutoScalingPort;
  ssm: SsmPort;
  sns: SnsPort;
  eventBus: EventBusPort;
  store: StateStorePort;
  ec2: Ec2Port;
  config: () => OrchestratorConfig;
  now: () => number;
  /** Waits on the simulated clock (the loop runs other events meanwhile). */
  sleep: (ms: number) => Promise<void>;
  /** The environment the functions get in serverless.yml, with simulated values. */
  env: NodeJS.ProcessEnv;
}

/** What invokes the function. */
export type Trigger =
  /** EventBridge rules: the function receives every event matching EVENT_PATTERNS of these kinds. */
  | { kind: 'events'; events: readonly EventKind[] }
  /** A schedule rule (`rate(...)`). */
  | { kind: 'schedule'; everySeconds: number; ruleName: string }
  /** Auto Scaling invokes it directly as the custom termination policy. */
  | { kind: 'termination-policy' };

/** One function's adapter. */
export interface FunctionWiring {
  /** The function's name in serverless.yml. */
  name: string;
  /** Its source file (for the report). */
  file: string;
  trigger: Trigger;
  /** `remainingMs`: the invocation's remaining time (the Lambda context's), for functions that may wait. */
  build(ports: SimPorts): (event: unknown, remainingMs?: () => number) => Promise<HandlerOutcome>;
}

/** The environment the simulator gives every function. */
export const SIM_ENV: Readonly<Record<string, string>> = {
  TABLE_NAME: 'asg-orchestrator-sim-state',
  TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:asg-orchestrator-sim-notifications',
  EVENT_BUS_NAME: 'default',
  WARMUP_DOCUMENT_NAME: 'asg-orchestrator-warmup',
  DRAIN_DOCUMENT_NAME: 'asg-orchestrator-drain',
  POWERTOOLS_LOG_LEVEL: 'SILENT',
};
