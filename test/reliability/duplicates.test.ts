/**
 * Duplicates and order, per handler: every event type delivered 2 to 5 times, shuffled, through the
 * real `createMain` over one in-memory AWS. Each side effect — SendCommand, CompleteLifecycleAction,
 * UpdateAutoScalingGroup, SNS Publish / EventBridge PutEvents — happens as often as with a single
 * delivery of each distinct event (once per instance, or once per distinct decision).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toResponse } from '../../functions/termination-policy';
import {
  attempt,
  DOCUMENTS,
  events,
  FakeAws,
  GHOST,
  GROUP,
  instanceId,
  LAUNCH_HOOK,
  LEGACY,
  type Main,
  MUTATING,
  mains,
  notificationTypes,
  TERMINATE_HOOK,
} from './support/world';

const INSTANCES = [instanceId(0xa01), instanceId(0xa02), instanceId(0xa03)];

/** Each event 2–5 times, in a random order (a permutation of the multiset). */
const deliveries = <E>(distinct: readonly E[]) =>
  fc
    .tuple(
      fc.array(fc.integer({ min: 2, max: 5 }), { minLength: distinct.length, maxLength: distinct.length }),
      fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: distinct.length * 5, maxLength: distinct.length * 5 }),
    )
    .map(([counts, keys]) => {
      const all = distinct.flatMap((e, i) => Array.from({ length: counts[i] ?? 2 }, () => e));
      return all
        .map((e, i) => ({ e, k: keys[i] ?? 0 }))
        .sort((a, b) => a.k - b.k)
        .map((x) => x.e);
    });

const deliverAll = async (main: Main, list: readonly unknown[]) => {
  for (const e of list) {
    const r = await attempt(main, structuredClone(e));
    // No error in a fault-free world: every duplicate is an ordinary outcome.
    expect(r.ok, r.ok ? '' : String((r as { error: unknown }).error)).toBe(true);
  }
};

const count = (list: readonly string[], value: string): number => list.filter((x) => x === value).length;
const busTypes = (aws: FakeAws): string[] =>
  aws.bus.map(
    (e) => `${(e.detail as { eventType: string }).eventType}|${(e.detail as { instanceId?: string }).instanceId ?? (e.detail as { group: string }).group}`,
  );

const RUNS = { numRuns: 60 };

describe('launchLifecycle', () => {
  it('2–5 shuffled deliveries of each launch event: one warm-up command and one "warm-up started" per instance, no completion', async () => {
    await fc.assert(
      fc.asyncProperty(
        deliveries([...INSTANCES.map((i) => events.launch(i)), events.launch(instanceId(0xb01), LEGACY), events.launch(instanceId(0xb02), GHOST)]),
        async (list) => {
          const aws = new FakeAws();
          for (const i of INSTANCES) aws.launching(i);
          aws.launching(instanceId(0xb01), LEGACY);
          aws.launching(instanceId(0xb02), GHOST);
          await deliverAll(mains(aws).launchLifecycle, list);
          expect(aws.commands.map((c) => c.instanceId).sort()).toEqual([...INSTANCES].sort());
          for (const c of aws.commands) expect(c.documentName).toBe(DOCUMENTS.warmup);
          for (const i of INSTANCES) {
            expect(count(notificationTypes(aws), `warmup.started|${i}`)).toBe(1);
            expect(count(busTypes(aws), `warmup.started|${i}`)).toBe(1);
          }
          expect(aws.sns).toHaveLength(3);
          expect(aws.completions).toEqual([]);
          expect(aws.updates).toEqual([]);
        },
      ),
      RUNS,
    );
  });
});

describe('terminateLifecycle', () => {
  it('2–5 shuffled deliveries of each terminate event: one drain command and one "drain started" per instance', async () => {
    await fc.assert(
      fc.asyncProperty(deliveries([...INSTANCES.map((i) => events.terminate(i)), events.terminate(instanceId(0xb01), LEGACY)]), async (list) => {
        const aws = new FakeAws();
        for (const i of INSTANCES) {
          aws.addInstance(i);
          aws.terminating(i);
        }
        aws.addInstance(instanceId(0xb01), LEGACY);
        aws.terminating(instanceId(0xb01));
        await deliverAll(mains(aws).terminateLifecycle, list);
        expect(aws.commands.map((c) => `${c.instanceId}|${c.documentName}`).sort()).toEqual(INSTANCES.map((i) => `${i}|${DOCUMENTS.drain}`).sort());
        for (const i of INSTANCES) expect(count(notificationTypes(aws), `drain.started|${i}`)).toBe(1);
        expect(aws.sns).toHaveLength(3);
        expect(aws.completions).toEqual([]);
      }),
      RUNS,
    );
  });
});

describe('commandResult', () => {
  /** Three warm-ups started once each; returns the world and the command id per instance. */
  const started = async () => {
    const aws = new FakeAws();
    const m = mains(aws);
    for (const i of INSTANCES) {
      aws.launching(i);
      await m.launchLifecycle(events.launch(i));
    }
    const ids = new Map(aws.commands.map((c) => [c.instanceId, c.commandId]));
    return { aws, m, ids };
  };

  it('Success (with InProgress mixed in, before and after it) delivered 2–5 times: one CONTINUE and one "warm-up succeeded" per instance', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 1000 }), async (seed) => {
        const { aws, m, ids } = await started();
        const distinct = INSTANCES.flatMap((i) => [events.command(ids.get(i) ?? '', 'Success', i), events.command(ids.get(i) ?? '', 'InProgress', i)]);
        const [list] = fc.sample(deliveries(distinct), { numRuns: 1, seed });
        for (const i of INSTANCES) aws.commandStatus.set(ids.get(i) ?? '', 'Success');
        await deliverAll(m.commandResult, list ?? []);
        expect(aws.completions.map((c) => `${c.instanceId}|${c.hookName}|${c.result}`).sort()).toEqual(
          INSTANCES.map((i) => `${i}|${LAUNCH_HOOK}|CONTINUE`).sort(),
        );
        expect(aws.completedMoreThanOnce()).toEqual([]);
        for (const i of INSTANCES) expect(count(notificationTypes(aws), `warmup.succeeded|${i}`)).toBe(1);
        expect(aws.commands).toHaveLength(3);
      }),
      RUNS,
    );
  });

  it('Failed delivered 2–5 times: exactly one retry command (attempt 2/3) and one "retrying" per instance', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 1000 }), async (seed) => {
        const { aws, m, ids } = await started();
        const [list] = fc.sample(deliveries(INSTANCES.map((i) => events.command(ids.get(i) ?? '', 'Failed', i))), { numRuns: 1, seed });
        for (const i of INSTANCES) aws.commandStatus.set(ids.get(i) ?? '', 'Failed');
        await deliverAll(m.commandResult, list ?? []);
        for (const i of INSTANCES) {
          expect(aws.commands.filter((c) => c.instanceId === i).map((c) => c.comment)).toEqual([
            'asg-orchestrator warm-up load attempt 1/3',
            'asg-orchestrator warm-up load attempt 2/3',
          ]);
          expect(count(notificationTypes(aws), `warmup.retrying|${i}`)).toBe(1);
        }
        expect(aws.completions).toEqual([]);
      }),
      RUNS,
    );
  });

  it('the last attempt Failed, delivered 2–5 times with stale results of earlier attempts: one ABANDON per instance', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 1000 }), async (seed) => {
        const { aws, m } = await started();
        // Attempts 1 and 2 fail (one delivery each), attempt 3 is the one under test.
        for (let round = 0; round < 2; round += 1) {
          for (const i of INSTANCES) {
            const current = aws.commands.filter((c) => c.instanceId === i).at(-1)?.commandId ?? '';
            aws.commandStatus.set(current, 'Failed');
            await m.commandResult(events.command(current, 'Failed', i));
          }
        }
        const all = INSTANCES.flatMap((i) => aws.commands.filter((c) => c.instanceId === i).map((c) => events.command(c.commandId, 'Failed', i)));
        for (const c of aws.commands) aws.commandStatus.set(c.commandId, 'Failed');
        const [list] = fc.sample(deliveries(all), { numRuns: 1, seed });
        await deliverAll(m.commandResult, list ?? []);
        expect(aws.commands).toHaveLength(9);
        expect(aws.completions.map((c) => `${c.instanceId}|${c.result}`).sort()).toEqual(INSTANCES.map((i) => `${i}|ABANDON`).sort());
        expect(aws.completedMoreThanOnce()).toEqual([]);
        for (const i of INSTANCES) expect(count(notificationTypes(aws), `warmup.abandoned|${i}`)).toBe(1);
      }),
      RUNS,
    );
  });

  it('a drain Success delivered 2–5 times after the terminate hook: one CONTINUE and one "drain completed" per instance', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 1000 }), async (seed) => {
        const aws = new FakeAws();
        const m = mains(aws);
        for (const i of INSTANCES) {
          aws.addInstance(i);
          aws.terminating(i);
          await m.terminateLifecycle(events.terminate(i));
        }
        const [list] = fc.sample(deliveries(aws.commands.map((c) => events.command(c.commandId, 'Success', c.instanceId, DOCUMENTS.drain))), {
          numRuns: 1,
          seed,
        });
        for (const c of aws.commands) aws.commandStatus.set(c.commandId, 'Success');
        await deliverAll(m.commandResult, list ?? []);
        expect(aws.completions.map((c) => `${c.instanceId}|${c.hookName}|${c.result}`).sort()).toEqual(
          INSTANCES.map((i) => `${i}|${TERMINATE_HOOK}|CONTINUE`).sort(),
        );
        expect(aws.completedMoreThanOnce()).toEqual([]);
        for (const i of INSTANCES) expect(count(notificationTypes(aws), `drain.completed|${i}`)).toBe(1);
      }),
      RUNS,
    );
  });
});

describe('capacitySignal', () => {
  const SPOTTED = INSTANCES[0] ?? '';
  const REBALANCED = INSTANCES[1] ?? '';
  const distinct = [events.spot(SPOTTED), events.rebalance(REBALANCED), events.launchUnsuccessful(GROUP, Date.parse('2026-11-27T09:59:30Z'), 'lu-1')];

  /** The same distinct events, each delivered once, in the listed order. */
  const once = async () => {
    const aws = new FakeAws();
    for (const i of INSTANCES) aws.addInstance(i);
    // One unit short: the Spot capacity failure makes the mix fall back (a raise on two warnings in one
    // pool would not pay for the instances it replaces), so the mix does move.
    aws.shortBy.set(GROUP, 1);
    const main = mains(aws).capacitySignal;
    for (const e of distinct) await main(structuredClone(e));
    return aws;
  };

  it('spot warning, rebalance recommendation and Spot launch failure, each 2–5 times shuffled: one drain, one "doomed" per instance, mix updated as often as with one delivery each', async () => {
    const single = await once();
    expect(single.updates.length).toBeGreaterThan(0); // not vacuous: the mix does move
    await fc.assert(
      fc.asyncProperty(deliveries(distinct), async (list) => {
        const aws = new FakeAws();
        for (const i of INSTANCES) aws.addInstance(i);
        aws.shortBy.set(GROUP, 1);
        await deliverAll(mains(aws).capacitySignal, list);
        expect(aws.commands.map((c) => `${c.instanceId}|${c.documentName}`)).toEqual([`${SPOTTED}|${DOCUMENTS.drain}`]);
        expect(count(notificationTypes(aws), `capacity.instance-doomed|${SPOTTED}`)).toBe(1);
        expect(count(notificationTypes(aws), `capacity.instance-doomed|${REBALANCED}`)).toBe(1);
        expect(aws.updates).toHaveLength(single.updates.length);
        expect(count(notificationTypes(aws), `mix.changed|${GROUP}`)).toBe(single.updates.length);
        expect(aws.completions).toEqual([]);
      }),
      RUNS,
    );
  });

  it('signals for instances of a group that did not opt in: 2–5 deliveries, no mutating call at all', async () => {
    await fc.assert(
      fc.asyncProperty(
        deliveries([
          events.spot(instanceId(0xc01)),
          events.rebalance(instanceId(0xc02)),
          events.launchUnsuccessful(LEGACY, Date.parse('2026-11-27T09:59:30Z'), 'lu-legacy'),
        ]),
        async (list) => {
          const aws = new FakeAws();
          aws.addInstance(instanceId(0xc01), LEGACY);
          aws.addInstance(instanceId(0xc02), LEGACY);
          await deliverAll(mains(aws).capacitySignal, list);
          expect(aws.faults.log.filter((op) => MUTATING.has(op))).toEqual([]);
          expect(aws.table.dump()).toEqual([]);
        },
      ),
      RUNS,
    );
  });
});

describe('activityAudit', () => {
  it('each activity event delivered 2–5 times shuffled is published once (one decision per distinct event id)', async () => {
    // FINDING (see docs/reliability.md): activityAudit keeps no state, so every duplicate delivery
    // publishes the notification again. Fails until activityAudit claims the event id (putIfAbsent) first.
    await fc.assert(
      fc.asyncProperty(
        deliveries([events.launchSuccessful(INSTANCES[0] ?? ''), events.launchUnsuccessful(GROUP, Date.parse('2026-11-27T09:59:30Z'), 'lu-1')]),
        async (list) => {
          const aws = new FakeAws();
          await deliverAll(mains(aws).activityAudit, list);
          expect(aws.sns).toHaveLength(2);
          expect(aws.bus).toHaveLength(2);
        },
      ),
      { numRuns: 20 },
    );
  });

  it('activity of a group that did not opt in, 2–5 times: nothing published', async () => {
    await fc.assert(
      fc.asyncProperty(
        deliveries([events.launchSuccessful(instanceId(0xc01), LEGACY), events.launchUnsuccessful(GHOST, Date.parse('2026-11-27T09:59:30Z'), 'lu-ghost')]),
        async (list) => {
          const aws = new FakeAws();
          await deliverAll(mains(aws).activityAudit, list);
          expect(aws.faults.log.filter((op) => MUTATING.has(op))).toEqual([]);
        },
      ),
      RUNS,
    );
  });
});

describe('reconcile', () => {
  it('2–5 invocations of the same tick with launch events lost: one warm-up command per waiting instance', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 2, max: 5 }), fc.integer({ min: 0, max: 59 }), async (n, spreadS) => {
        const aws = new FakeAws();
        for (const i of INSTANCES) aws.launching(i);
        const m = mains(aws);
        for (let k = 0; k < n; k += 1) {
          // Duplicated schedule deliveries within the same minute (never past the claim's 60 s).
          aws.clock.now += Math.floor((spreadS * 1000) / n);
          expect((await attempt(m.reconcile)).ok).toBe(true);
        }
        expect(aws.commands.map((c) => c.instanceId).sort()).toEqual([...INSTANCES].sort());
        for (const i of INSTANCES) expect(count(notificationTypes(aws), `warmup.started|${i}`)).toBe(1);
      }),
      RUNS,
    );
  });

  it('2–5 ticks after the warm-up budget ran out, interleaved with late duplicate launch events: one ABANDON per instance', async () => {
    await fc.assert(
      fc.asyncProperty(deliveries(['tick', ...INSTANCES]), async (list) => {
        const aws = new FakeAws();
        const m = mains(aws);
        for (const i of INSTANCES) {
          aws.launching(i);
          await m.launchLifecycle(events.launch(i));
        }
        // The warm-up budget (2,700 s) runs out with reconcile every minute (heartbeats keep the actions open).
        for (let t = 60_000; t <= 2700_000; t += 60_000) {
          aws.clock.now += 60_000;
          for (const i of INSTANCES) aws.commandStatus.set(aws.commands.find((c) => c.instanceId === i)?.commandId ?? '', 'InProgress');
          expect((await attempt(m.reconcile)).ok).toBe(true);
        }
        aws.clock.now += 1000;
        for (const x of list) {
          const r = x === 'tick' ? await attempt(m.reconcile) : await attempt(m.launchLifecycle, events.launch(x));
          expect(r.ok).toBe(true);
        }
        expect(aws.completions.map((c) => `${c.instanceId}|${c.result}`).sort()).toEqual(INSTANCES.map((i) => `${i}|ABANDON`).sort());
        expect(aws.completedMoreThanOnce()).toEqual([]);
        for (const i of INSTANCES) expect(count(notificationTypes(aws), `warmup.abandoned|${i}`)).toBe(1);
        expect(aws.commands).toHaveLength(3);
      }),
      RUNS,
    );
  });
});

describe('terminationPolicy', () => {
  it('the same request 2–5 times: the same answer each time, and no mutating call', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 2, max: 5 }), async (n) => {
        const aws = new FakeAws();
        const ids = [instanceId(0xd01), instanceId(0xd02), instanceId(0xd03)];
        for (const i of ids) aws.addInstance(i);
        const main = mains(aws).terminationPolicy;
        const answers: string[][] = [];
        for (let k = 0; k < n; k += 1) answers.push(toResponse(await main(events.terminationPolicy(GROUP, ids))).InstanceIDs);
        for (const a of answers) expect(a).toEqual(answers[0]);
        expect(answers[0]?.length).toBeGreaterThan(0);
        for (const id of answers[0] ?? []) expect(ids).toContain(id);
        expect(aws.faults.log.filter((op) => MUTATING.has(op))).toEqual([]);
      }),
      { numRuns: 20 },
    );
  });
});
