/**
 * Issue 13 item 8: commandResult must be given the stack's document names (serverless.yml
 * environment). Without them a result of the stack's warm-up document (a CloudFormation-generated
 * name) is unknown to it, so it reads both lifecycle records for every final status: 8 calls for a
 * Success (minimum 7, bench/api-minimums.ts) and 2 for a foreign command (minimum 1).
 * Each function here is built by its own `createDeps` from exactly the environment keys
 * serverless.yml gives it (values as CloudFormation would resolve them).
 */
import { fileURLToPath } from 'node:url';
import { beforeEach, describe, expect, it } from 'vitest';
import { discoverFunctions } from '../../bench/lib/serverless-functions';
import { createDeps as commandResultDeps, createMain as commandResultMain } from '../../functions/command-result';
import { createDeps as launchDeps, createMain as launchMain } from '../../functions/launch-lifecycle';
import { createAwsClients } from '../../shared/aws/all-clients';
import { MemoryStateStore } from '../../shared/state/memory-store';
import { loadEvent } from '../support/fixtures';
import { commandEvent, commandId, T0 } from '../unit/lifecycle/support';
import { asgMock, resetMocks, snsMock, ssmMock, ebMock } from '../unit/lifecycle/sdk-world';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FUNCTIONS = discoverFunctions(ROOT);
/** What CloudFormation resolves the stack's references to (the documents get generated names). */
const RESOLVED: Record<string, string> = {
  WARMUP_DOCUMENT_NAME: 'asg-orchestrator-prod-WarmUpDocument-1A2B3C4D5E6F',
  DRAIN_DOCUMENT_NAME: 'asg-orchestrator-prod-DrainDocument-6F5E4D3C2B1A',
  TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:asg-orchestrator-prod-notifications',
  TABLE_NAME: 'asg-orchestrator-prod-state',
  EVENT_BUS_NAME: 'default',
};
const envOf = (name: string): NodeJS.ProcessEnv => {
  const fn = FUNCTIONS.find((f) => f.name === name);
  return Object.fromEntries((fn?.environmentKeys ?? []).filter((k) => k in RESOLVED).map((k) => [k, RESOLVED[k]]));
};
const sdkCalls = () => [asgMock, ssmMock, snsMock, ebMock].reduce((n, m) => n + m.calls().length, 0);

describe('commandResult with the stack environment of serverless.yml', () => {
  beforeEach(() => resetMocks());

  it.each(['launchLifecycle', 'terminateLifecycle', 'commandResult', 'reconcile'])('%s gets the document name(s) it reads', (name) => {
    const needs =
      name === 'launchLifecycle'
        ? ['WARMUP_DOCUMENT_NAME']
        : name === 'terminateLifecycle'
          ? ['DRAIN_DOCUMENT_NAME']
          : ['WARMUP_DOCUMENT_NAME', 'DRAIN_DOCUMENT_NAME'];
    expect(Object.keys(envOf(name))).toEqual(expect.arrayContaining(needs));
  });

  it('a Success of the stack warm-up document costs 7 calls, a foreign command 1 (one record read each)', async () => {
    // Prepare: one table for both functions; the warm-up started by launchLifecycle with its own environment.
    const store = new MemoryStateStore(() => T0 + 95_000);
    const launch = { ...launchDeps(createAwsClients(), envOf('launchLifecycle')), store, now: () => T0 };
    await launchMain(launch)(loadEvent('autoscaling/launch-lifecycle.json'));
    const result = commandResultMain({ ...commandResultDeps(createAwsClients(), envOf('commandResult')), store, now: () => T0 + 95_000 });
    const count = async (event: unknown) => {
      store.calls.clear();
      const sdkBefore = sdkCalls();
      const outcome = await result(event);
      return {
        outcome: outcome.outcome,
        calls: [...store.calls.values()].reduce((a, b) => a + b, 0) + sdkCalls() - sdkBefore,
        reads: store.calls.get('GetItem') ?? 0,
      };
    };
    // Act
    const foreign = await count(commandEvent('0f0f0f0f-0000-4000-8000-000000000099', 'Success', 'i-0abc1234def567890', RESOLVED.WARMUP_DOCUMENT_NAME));
    const success = await count(commandEvent(commandId(1), 'Success', 'i-0abc1234def567890', RESOLVED.WARMUP_DOCUMENT_NAME));
    // Assess
    expect(foreign).toEqual({ outcome: 'skipped', calls: 1, reads: 1 });
    expect(success).toEqual({ outcome: 'completed', calls: 7, reads: 1 });
  });
});
