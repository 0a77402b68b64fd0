/**
 * terminateLifecycle — "EC2 Instance-terminate Lifecycle Action" of an opted-in group: drain the
 * instance (SSM SendCommand of the drain document, up to profile.drain.timeoutSeconds), record it,
 * notify. A drain already started by a Spot interruption warning gets the hook attached instead of
 * a second command. The hook is completed with CONTINUE by commandResult, or by reconcile on timeout.
 */
import type { Context } from 'aws-lambda';
import type { AwsClients } from '../shared/aws/index';
import { createLifecycleDeps, type LifecycleDeps } from '../shared/lifecycle/deps';
import { createHookMain } from '../shared/lifecycle/hook-event';
import { withStack } from '../shared/runtime/stack';
import { onFirstCall } from '../shared/runtime/ports';

/** What `main` needs; tests and the simulator build their own from in-memory ports. */
export type TerminateLifecycleDeps = LifecycleDeps;

/** Production wiring from the environment (TABLE_NAME, TOPIC_ARN, EVENT_BUS_NAME, DRAIN_DOCUMENT_NAME). */
export const createDeps = (clients: Partial<AwsClients> = {}, env: NodeJS.ProcessEnv = process.env): TerminateLifecycleDeps =>
  createLifecycleDeps(clients, env);

/** Builds the handler's core for the given dependencies (ports only). */
export const createMain = (deps: TerminateLifecycleDeps): ReturnType<typeof createHookMain> => createHookMain(deps, 'terminate');

/** Lambda entry point (and `serverless invoke local -f terminateLifecycle`). */
export const handler = withStack(
  'terminateLifecycle',
  onFirstCall(() => {
    const main = createMain(createDeps());
    // The invocation's time left bounds the in-invocation retry of a send the SSM agent refused (not registered yet).
    return (event: unknown, context: Context) => main(event, () => context.getRemainingTimeInMillis());
  }),
);
