/**
 * The same event delivered twice AT ONCE, to two Lambda containers (EventBridge delivers at least
 * once, and a retry can overlap a slow first attempt:
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-dlq.html). The invocations run
 * with `Promise.all`, and a fast-check scheduler decides which pending AWS call goes next, so every
 * interleaving of the two invocations' calls can occur; each call is atomic, as DynamoDB's
 * conditional writes are. The world refuses nothing on the product's behalf: it records every
 * SendCommand and every CompleteLifecycleAction call, and the assertions are this test's.
 *
 * These fail when `executeLifecycle` ignores the result of the conditional write that claims a
 * `send` or a `complete` (issue 13, "Tests that can fail").
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  attempt,
  DOCUMENTS,
  events,
  FakeAws,
  GROUP,
  instanceId,
  LAUNCH_HOOK,
  type Main,
  type Mains,
  mains,
  notificationTypes,
  TERMINATE_HOOK,
} from './support/world';

const I = instanceId(0xc01);
const RUNS = { numRuns: 40 };

/** Runs `deliver` in two fresh containers at once, every AWS call going through the scheduler. */
const twice = async (s: fc.Scheduler, aws: FakeAws, pick: (m: Mains) => Main, event: unknown) => {
  aws.faults.yieldTo = (op) => s.schedule(Promise.resolve(op), op);
  const [a, b] = [mains(aws), mains(aws)];
  const both = Promise.all([attempt(pick(a), structuredClone(event)), attempt(pick(b), structuredClone(event))]);
  const results = await s.waitFor(both);
  aws.faults.yieldTo = undefined;
  for (const r of results) expect(r.ok, r.ok ? '' : String((r as { error: unknown }).error)).toBe(true);
  return results;
};

const sends = (aws: FakeAws, documentName: string) => aws.commands.filter((c) => c.instanceId === I && c.documentName === documentName);
const notified = (aws: FakeAws, type: string) => notificationTypes(aws).filter((t) => t === `${type}|${I}`).length;

describe('one event, two containers, at the same time', () => {
  it('launch lifecycle event: one warm-up sent, one "started"; its Success result: one completion, one "succeeded"', async () => {
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), fc.scheduler(), async (s1, s2) => {
        const aws = new FakeAws();
        aws.launching(I);
        await twice(s1, aws, (m) => m.launchLifecycle, events.launch(I));
        expect(sends(aws, DOCUMENTS.warmup)).toHaveLength(1);
        expect(notified(aws, 'warmup.started')).toBe(1);
        const commandId = sends(aws, DOCUMENTS.warmup)[0]?.commandId ?? '';
        aws.commandStatus.set(commandId, 'Success');
        aws.clock.now += 90_000;
        await twice(s2, aws, (m) => m.commandResult, events.command(commandId, 'Success', I, DOCUMENTS.warmup, aws.clock.now));
        expect(aws.completionCalls.map((c) => `${c.hookName}|${c.result}|${c.accepted}`)).toEqual([`${LAUNCH_HOOK}|CONTINUE|true`]);
        expect(notified(aws, 'warmup.succeeded')).toBe(1);
      }),
      RUNS,
    );
  });

  it('a failed warm-up result with attempts left: one retry sent (attempt 2), no completion', async () => {
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), async (s) => {
        const aws = new FakeAws();
        aws.launching(I);
        await mains(aws).launchLifecycle(events.launch(I));
        const first = sends(aws, DOCUMENTS.warmup)[0]?.commandId ?? '';
        aws.commandStatus.set(first, 'Failed');
        aws.clock.now += 60_000;
        await twice(s, aws, (m) => m.commandResult, events.command(first, 'Failed', I, DOCUMENTS.warmup, aws.clock.now));
        expect(sends(aws, DOCUMENTS.warmup)).toHaveLength(2);
        expect(notified(aws, 'warmup.retrying')).toBe(1);
        expect(aws.completionCalls).toEqual([]);
      }),
      RUNS,
    );
  });

  it('terminate lifecycle event: one drain sent; its Success result: one completion', async () => {
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), fc.scheduler(), async (s1, s2) => {
        const aws = new FakeAws();
        aws.addInstance(I, GROUP, 'InService');
        aws.terminating(I);
        await twice(s1, aws, (m) => m.terminateLifecycle, events.terminate(I));
        expect(sends(aws, DOCUMENTS.drain)).toHaveLength(1);
        const commandId = sends(aws, DOCUMENTS.drain)[0]?.commandId ?? '';
        aws.commandStatus.set(commandId, 'Success');
        aws.clock.now += 30_000;
        await twice(s2, aws, (m) => m.commandResult, events.command(commandId, 'Success', I, DOCUMENTS.drain, aws.clock.now));
        expect(aws.completionCalls.map((c) => `${c.hookName}|${c.result}|${c.accepted}`)).toEqual([`${TERMINATE_HOOK}|CONTINUE|true`]);
        expect(notified(aws, 'drain.completed')).toBe(1);
      }),
      RUNS,
    );
  });

  it('the Success result and a reconcile run at once (the sweep finds the command done): one completion', async () => {
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), async (s) => {
        const aws = new FakeAws();
        aws.launching(I);
        await mains(aws).launchLifecycle(events.launch(I));
        const commandId = sends(aws, DOCUMENTS.warmup)[0]?.commandId ?? '';
        aws.commandStatus.set(commandId, 'Success');
        aws.clock.now += 240_000;
        aws.faults.yieldTo = (op) => s.schedule(Promise.resolve(op), op);
        const [a, b] = [mains(aws), mains(aws)];
        const results = await s.waitFor(
          Promise.all([attempt(a.commandResult, events.command(commandId, 'Success', I, DOCUMENTS.warmup, aws.clock.now)), attempt(b.reconcile, {})]),
        );
        aws.faults.yieldTo = undefined;
        for (const r of results) expect(r.ok, r.ok ? '' : String((r as { error: unknown }).error)).toBe(true);
        expect(aws.completionCalls.filter((c) => c.hookName === LAUNCH_HOOK).map((c) => `${c.result}|${c.accepted}`)).toEqual(['CONTINUE|true']);
        expect(notified(aws, 'warmup.succeeded')).toBe(1);
      }),
      RUNS,
    );
  });
});
