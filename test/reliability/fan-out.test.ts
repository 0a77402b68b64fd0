/**
 * The reliability properties of the reconcile sweep hold through the fan-out (docs/adr/0008): the
 * tick sends one message per group needing work and groupSweep works each group, in the world that
 * models Auto Scaling, SSM and the state table (support/world.ts, its group-sweep queue redelivering
 * failed records up to 3 receives).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toResponse } from '../../functions/termination-policy';
import { FACTS_CHECKPOINT_SK } from '../../shared/state/facts-checkpoint';
import { groupPk } from '../../shared/state/keys';
import { recordFacts } from '../../shared/state/packed-facts';
import { attempt, events, FakeAws, GROUP, instanceId, mains, notificationTypes, WorldQueue } from './support/world';

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

/** The one world with INSTANCES in service, the last one warned of its interruption now (what capacitySignal records): it goes first. */
const withDoomedInstance = async (): Promise<{ aws: FakeAws; doomed: string }> => {
  const aws = new FakeAws();
  for (const i of INSTANCES) aws.addInstance(i);
  const doomed = INSTANCES[2] as string;
  await recordFacts(aws.table, GROUP, doomed, { doomed: { kind: 'interruption-warning', at: aws.clock.now } }, aws.clock.now);
  return { aws, doomed };
};

describe('the facts checkpoint through the one world (ADR 0009, fifth amendment)', () => {
  it("the worker's checkpoint serves a fresh container's first read: the same answer as a whole read (a fact older than its open hours included)", async () => {
    // Prepare: three instances in service; two hours ago the last one was warned of its interruption
    // (what capacitySignal records): it goes first. The tick's worker sees the group for the first
    // time and writes its checkpoint; a read from the checkpoint's open hours on no longer sees the warning.
    const { aws, doomed } = await withDoomedInstance();
    aws.clock.now += 2 * 3_600_000;
    const queue = new WorldQueue();
    expect((await attempt(mains(aws, undefined, undefined, { queue }).reconcile)).ok).toBe(true);
    const header = await aws.table.get(groupPk(GROUP), FACTS_CHECKPOINT_SK);
    expect(header?.data.at).toBe(aws.clock.now);
    aws.clock.now += 10 * 60_000;
    // Act: a fresh container asks for the order, and another one after the checkpoint is gone.
    const request = events.terminationPolicy(GROUP, INSTANCES);
    const fromCheckpoint = await mains(aws).terminationPolicy(request);
    for (const item of await aws.table.queryPartition(groupPk(GROUP), { skPrefix: FACTS_CHECKPOINT_SK })) {
      await aws.table.delete(String(item.pk), String(item.sk));
    }
    const whole = await mains(aws).terminationPolicy(request);
    // Assess: read from the checkpoint, the same answer and reason as the whole read.
    expect(fromCheckpoint).toMatchObject({ outcome: 'decided', stateRead: 'checkpoint' });
    expect(whole).toMatchObject({ outcome: 'decided', stateRead: 'whole' });
    expect(toResponse(fromCheckpoint as never)).toEqual(toResponse(whole as never));
    expect(toResponse(fromCheckpoint as never).InstanceIDs).toEqual([doomed]);
    expect(fromCheckpoint.reason).toBe(whole.reason);
  });
});

describe('scale-in protection through the one world (ADR 0009, sixth amendment)', () => {
  it("the worker's protection snapshot keeps a protected instance out of the answer, and lets it back once protection is removed", async () => {
    // Prepare: three instances in service; the last one was warned of its interruption (it goes
    // first), then a user protected it from scale in (SetInstanceProtection). The termination policy
    // reads the group without instances: only the worker's snapshot can tell it.
    const { aws, doomed } = await withDoomedInstance();
    aws.setInstanceProtection([doomed], GROUP, true);
    const request = events.terminationPolicy(GROUP, INSTANCES);
    const answer = async (): Promise<string[]> => toResponse((await mains(aws).terminationPolicy(request)) as never).InstanceIDs;
    // Before any sweep nothing says it is protected: it is the answer (Auto Scaling would not terminate it).
    expect(await answer()).toEqual([doomed]);
    // Act: the tick and its worker read the group with its instances.
    const queue = new WorldQueue();
    const m = mains(aws, undefined, undefined, { queue });
    expect((await attempt(m.reconcile)).ok).toBe(true);
    // Assess: a fresh container leaves the protected instance out, and answers another.
    const protectedAnswer = await answer();
    expect(protectedAnswer).toHaveLength(1);
    expect(protectedAnswer).not.toContain(doomed);
    // Protection removed: at the group's next sweep the snapshot says so, and the warned instance goes first again.
    aws.setInstanceProtection([doomed], GROUP, false);
    aws.clock.now += 10 * 60_000;
    expect((await attempt(m.reconcile)).ok).toBe(true);
    expect(queue.deadLetters).toEqual([]);
    expect(await answer()).toEqual([doomed]);
  });
});
