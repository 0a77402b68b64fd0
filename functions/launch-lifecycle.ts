/**
 * launchLifecycle — "EC2 Instance-launch Lifecycle Action" of an opted-in group: start the model
 * warm-up (SSM SendCommand of the warm-up document), record it, notify "warm-up started".
 * parse → load (group tags, profile, record) → decide (shared/lifecycle/policy/warmup.ts) → act → notify.
 * The hook is completed later, by commandResult (or by reconcile on timeout).
 */
import type { Context } from 'aws-lambda';
import type { AwsClients } from '../shared/aws/index';
import { createLifecycleDeps, type LifecycleDeps } from '../shared/lifecycle/deps';
import { createHookMain } from '../shared/lifecycle/hook-event';
import { withStack } from '../shared/runtime/stack';
import { onFirstCall } from '../shared/runtime/ports';

/** What `main` needs; tests and the simulator build their own from in-memory ports. */
export type LaunchLifecycleDeps = LifecycleDeps;

/** Production wiring from the environment (TABLE_NAME, TOPIC_ARN, EVENT_BUS_NAME, WARMUP_DOCUMENT_NAME). */
export const createDeps = (clients: Partial<AwsClients> = {}, env: NodeJS.ProcessEnv = process.env): LaunchLifecycleDeps => createLifecycleDeps(clients, env);

/** Builds the handler's core for the given dependencies (ports only). */
export const createMain = (deps: LaunchLifecycleDeps): ReturnType<typeof createHookMain> => createHookMain(deps, 'launch');

/** Lambda entry point (and `serverless invoke local -f launchLifecycle`). */
export const handler = withStack(
  'launchLifecycle',
  onFirstCall(() => {
    const main = createMain(createDeps());
    // The invocation's time left bounds the in-invocation retry of a send the SSM agent refused (not registered yet).
    return (event: unknown, context: Context) => main(event, () => context.getRemainingTimeInMillis());
  }),
);
