/**
 * The reliability properties of the reconcile sweep hold through the fan-out (docs/adr/0008): the
 * tick sends one message per group needing work and groupSweep works each group, in the world that
 * models Auto Scaling, SSM and the state table (support/world.ts, its group-sweep queue redelivering
 * failed records up to 3 receives).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { attempt, events, FakeAws, instanceId, mains, notificationTypes, WorldQueue } from './support/world';

const INSTANCES = [instanceId(0xb01), instanceId(0xb02), instanceId(0xb03)];
const RUNS = { numRuns: 15 };
const count = (xs: readonly string[], x: string): number => xs.filter((y) => y === x).length;

describe('reconcile through the group-sweep queue', () => {
  it('repairs lost launch events: 1–4 ticks in the minute, one warm-up command and one notification per waiting instance', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 0, max: 59 }), async (n, spreadS) => {
        // Prepare: three instances wait on the launch hook; their launch events were lost.
        const aws = new FakeAws();
        for (const i of INSTANCES) aws.launching(i);
        const queue = new WorldQueue();
        const m = mains(aws, undefined, undefined, { queue });
        // Act: the tick (and the workers it feeds), duplicated within the minute.
        for (let k = 0; k < n; k += 1) {
          aws.clock.now += Math.floor((spreadS * 1000) / n);
          expect((await attempt(m.reconcile)).ok).toBe(true);
        }
        // Assess: the work went through the queue, and was done once.
        expect(queue.delivered.length).toBeGreaterThan(0);
        expect(queue.deadLetters).toEqual([]);
        expect(aws.commands.map((c) => c.instanceId).sort()).toEqual([...INSTANCES].sort());
        for (const i of INSTANCES) expect(count(notificationTypes(aws), `warmup.started|${i}`)).toBe(1);
      }),
      RUNS,
    );
  });

  it('keeps warm-ups alive with heartbeats every minute until their budget runs out, then abandons each once', async () => {
    const aws = new FakeAws();
    const queue = new WorldQueue();
    const m = mains(aws, undefined, undefined, { queue });
    for (const i of INSTANCES) {
      aws.launching(i);
      await m.launchLifecycle(events.launch(i));
    }
    for (let t = 60_000; t <= 2_760_000; t += 60_000) {
      aws.clock.now += 60_000;
      for (const i of INSTANCES) aws.commandStatus.set(aws.commands.find((c) => c.instanceId === i)?.commandId ?? '', 'InProgress');
      expect((await attempt(m.reconcile)).ok).toBe(true);
      // No action ran out of time to its DefaultResult: the workers' heartbeats kept every one open.
      aws.expire();
      expect(aws.expired).toEqual([]);
    }
    expect(queue.delivered.length).toBeGreaterThan(0);
    expect(aws.completions.map((c) => `${c.instanceId}|${c.result}`).sort()).toEqual(INSTANCES.map((i) => `${i}|ABANDON`).sort());
    expect(aws.completedMoreThanOnce()).toEqual([]);
    expect(queue.deadLetters).toEqual([]);
  });
});
