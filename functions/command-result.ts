/**
 * commandResult — "EC2 Command Invocation Status-change Notification" of a warm-up or drain command:
 * Success → CompleteLifecycleAction CONTINUE; a failure → retry while attempts and time are left,
 * else ABANDON (warm-up) / CONTINUE (drain); in-progress statuses, stale or foreign commands → nothing.
 * parse → load (the record whose current command it is) → decide (shared/lifecycle/policy) → act → notify.
 */
import type { AwsClients } from '../shared/aws/index';
import { createCommandResultMain } from '../shared/lifecycle/command-result';
import { createLifecycleDeps, type LifecycleDeps } from '../shared/lifecycle/deps';
import { type HandlerOutcome, withStack } from '../shared/runtime/stack';
import { onFirstCall } from '../shared/runtime/ports';

/** What `main` needs; tests and the simulator build their own from in-memory ports. */
export type CommandResultDeps = LifecycleDeps;

/** Production wiring from the environment. */
export const createDeps = (clients: Partial<AwsClients> = {}, env: NodeJS.ProcessEnv = process.env): CommandResultDeps => createLifecycleDeps(clients, env);

/** Builds the handler's core for the given dependencies (ports only). */
export const createMain = (deps: CommandResultDeps): ((event: unknown) => Promise<HandlerOutcome>) => createCommandResultMain(deps);

/** Lambda entry point (and `serverless invoke local -f commandResult`). */
export const handler = withStack(
  'commandResult',
  onFirstCall(() => createMain(createDeps())),
);
