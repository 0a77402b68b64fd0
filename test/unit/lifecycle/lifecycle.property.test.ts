/**
 * Property: for any sequence of possibly duplicated and reordered events for one instance (its
 * launch lifecycle event, command results of any status for current, stale and foreign command ids,
 * reconcile ticks with the clock moving on), the real handlers (createMain of launchLifecycle,
 * commandResult and reconcile, on in-memory ports) answer the lifecycle action at most once, answer
 * CONTINUE only if a warm-up command succeeded, and never send more commands than attempts.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createMain as commandResultMain } from '../../../functions/command-result';
import { createMain as launchMain } from '../../../functions/launch-lifecycle';
import { createMain as reconcileMain, createSweeps } from '../../../functions/reconcile';
import { HookCache } from '../../../shared/lifecycle/lifecycle-sweep';
import { InstanceDirectory } from '../../../shared/aws/instance-directory';
import { commandEvent, commandId, config, group, INSTANCE, launchEvent, world } from './support';

type Step = { kind: 'launch' } | { kind: 'result'; command: number; status: string } | { kind: 'tick'; seconds: number };

const STATUSES = ['Success', 'Failed', 'TimedOut', 'Cancelled', 'Undeliverable', 'Terminated', 'InProgress', 'Pending', 'Delayed', 'Cancelling'];

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 2, arbitrary: fc.constant<Step>({ kind: 'launch' }) },
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('result' as const), command: fc.integer({ min: 1, max: 4 }), status: fc.constantFrom(...STATUSES) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('tick' as const), seconds: fc.constantFrom(30, 60, 60, 120, 900) }) },
);

const run = async (steps: readonly Step[], onFailure: 'abandon' | 'continue') => {
  const w = world(config({ warmup: { onFailure, maxAttempts: 3, timeoutSeconds: 2700 } }));
  w.asg.open.set(INSTANCE, true);
  const launch = launchMain(w.deps);
  const result = commandResultMain(w.deps);
  // The lifecycle sweep alone: this property is about lifecycle actions, not the mix.
  const reconcileDeps = {
    lifecycle: w.deps,
    hooks: new HookCache(w.asg),
    mix: {
      config: w.deps.config,
      autoScaling: w.asg,
      instances: new InstanceDirectory({ describeInstances: async () => [] }),
      store: w.deps.store,
      publisher: w.deps.publisher,
    },
  };
  const reconcile = reconcileMain(
    reconcileDeps,
    createSweeps(reconcileDeps).filter((s) => s.name === 'lifecycle'),
  );
  const succeeded = new Set<string>();
  for (const s of steps) {
    // The instance waits in Pending:Wait until its action is answered.
    w.asg.groups.set(
      'ml-inference-gpu',
      group('ml-inference-gpu', 'gpu-inference', [
        {
          instanceId: INSTANCE,
          instanceType: 'g5.xlarge',
          availabilityZone: 'us-east-1a',
          lifecycleState: w.asg.open.get(INSTANCE) ? 'Pending:Wait' : 'InService',
          protectedFromScaleIn: false,
        },
      ]),
    );
    if (s.kind === 'launch') await launch(launchEvent());
    else if (s.kind === 'tick') {
      w.clock.now += s.seconds * 1000;
      await reconcile();
    } else {
      const id = commandId(s.command);
      // A result for a command really sent: SSM agrees with it (GetCommandInvocation), and a Success counts.
      if (s.command <= w.ssm.sent.length) {
        w.ssm.statuses.set(id, s.status);
        if (s.status === 'Success') succeeded.add(id);
      }
      await result(commandEvent(id, s.status));
    }
  }
  return { w, succeeded };
};

describe('lifecycle property: at most one answer, CONTINUE only after a successful warm-up', () => {
  it('holds for any sequence of duplicated, reordered and stale events (onFailure=abandon)', async () => {
    const seen = { CONTINUE: 0, ABANDON: 0, none: 0 };
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 40 }), async (steps) => {
        const { w, succeeded } = await run(steps, 'abandon');
        expect(w.asg.completions.length).toBeLessThanOrEqual(1);
        const [completion] = w.asg.completions;
        seen[completion?.result ?? 'none'] += 1;
        if (completion?.result === 'CONTINUE') expect(succeeded.size).toBeGreaterThan(0);
        expect(w.ssm.sent.length).toBeLessThanOrEqual(3);
        // Every command went to this instance with the warm-up document.
        for (const c of w.ssm.sent) expect(c).toMatchObject({ instanceId: INSTANCE, documentName: 'asg-orchestrator-test-WarmUpDocument-ABC' });
      }),
      { numRuns: 300 },
    );
    // Not vacuous: the generated sequences reach both answers (counts vary run to run: a few suffice), and leave some actions open.
    expect(seen.CONTINUE).toBeGreaterThan(2);
    expect(seen.ABANDON).toBeGreaterThan(2);
    expect(seen.none).toBeGreaterThan(0);
  });

  it('with onFailure=continue, still answers at most once and sends at most maxAttempts commands', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 40 }), async (steps) => {
        const { w } = await run(steps, 'continue');
        expect(w.asg.completions.length).toBeLessThanOrEqual(1);
        expect(w.ssm.sent.length).toBeLessThanOrEqual(3);
      }),
      { numRuns: 150 },
    );
  });

  it('a launch event, then a success, completes CONTINUE exactly once even when everything is delivered twice', async () => {
    const { w } = await run(
      [
        { kind: 'launch' },
        { kind: 'launch' },
        { kind: 'result', command: 1, status: 'Success' },
        { kind: 'result', command: 1, status: 'Success' },
        { kind: 'tick', seconds: 60 },
      ],
      'abandon',
    );
    expect(w.ssm.sent).toHaveLength(1);
    expect(w.asg.completions).toEqual([expect.objectContaining({ result: 'CONTINUE', accepted: true })]);
  });
});
