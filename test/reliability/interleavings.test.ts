/**
 * Property across handlers: random interleavings of duplicated events for a few instances of one
 * group — launch lifecycle, command results (of commands really sent, any status), terminate
 * lifecycle, Spot interruption warnings, rebalance recommendations, Spot launch failures, reconcile
 * ticks with the clock moving on — through the real createMain of each function over one shared
 * in-memory world. Thrown (retryable) errors are re-delivered later, as Lambda does.
 *
 * Invariants: per instance and hook at most one accepted completion; CONTINUE on launch only after a successful warm-up; no
 * command sent twice for the same attempt; the group's mix never updated more often than the cooldown.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isOrchestratorError } from '../../shared/errors';
import { bundledConfig, DOCUMENTS, events, FakeAws, GROUP, instanceId, LAUNCH_HOOK, type Mains, mains } from './support/world';

const IDS = [instanceId(0xe01), instanceId(0xe02), instanceId(0xe03)];
const STATUSES = ['Success', 'Failed', 'TimedOut', 'Cancelled', 'InProgress', 'Success', 'Success'];
const COOLDOWN_S = bundledConfig().profiles['gpu-inference']?.mix.cooldownSeconds ?? 900;

type Step =
  | { kind: 'launch' | 'terminate' | 'spot' | 'rebalance'; who: number }
  | { kind: 'result'; pick: number; status: string }
  | { kind: 'launch-failure'; n: number }
  | { kind: 'tick'; seconds: number }
  | { kind: 'again'; pick: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('launch' as const), who: fc.nat(2) }) },
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('result' as const), pick: fc.nat(), status: fc.constantFrom(...STATUSES) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('terminate' as const), who: fc.nat(2) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('spot' as const), who: fc.nat(2) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('rebalance' as const), who: fc.nat(2) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('launch-failure' as const), n: fc.nat(3) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('tick' as const), seconds: fc.constantFrom(30, 60, 60, 120, 600, 1800) }) },
  // A duplicate: one of the events delivered so far, again (out of order by construction).
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('again' as const), pick: fc.nat() }) },
);

interface Delivery {
  handler: keyof Mains;
  event: unknown;
}

const run = async (steps: readonly Step[]) => {
  const aws = new FakeAws();
  for (const id of IDS) aws.launching(id);
  aws.shortBy.set(GROUP, 1);
  const m = mains(aws);
  const delivered: Delivery[] = [];
  const retries: Delivery[] = [];
  /** Instances with a warm-up command that reported Success. */
  const warmSucceeded = new Set<string>();
  const deliver = async (d: Delivery, record = true) => {
    if (record) delivered.push(d);
    try {
      await m[d.handler](structuredClone(d.event));
    } catch (error) {
      // Only retryable, typed errors may escape; Lambda delivers them again later.
      expect(isOrchestratorError(error) && error.disposition === 'retry', String(error)).toBe(true);
      retries.push(d);
    }
  };
  for (const s of steps) {
    switch (s.kind) {
      case 'launch':
        await deliver({ handler: 'launchLifecycle', event: events.launch(IDS[s.who] ?? '', GROUP, aws.clock.now) });
        break;
      case 'terminate': {
        const id = IDS[s.who] ?? '';
        // Auto Scaling only terminates an instance that is in service (or was abandoned: no hook then).
        if (aws.instances.get(id)?.lifecycleState === 'InService') aws.terminating(id);
        if (aws.open.get(`${id}|asg-orchestrator-terminate`))
          await deliver({ handler: 'terminateLifecycle', event: events.terminate(id, GROUP, aws.clock.now) });
        break;
      }
      case 'spot':
        await deliver({ handler: 'capacitySignal', event: events.spot(IDS[s.who] ?? '', aws.clock.now, `spot-${s.who}-${aws.clock.now}`) });
        break;
      case 'rebalance':
        await deliver({ handler: 'capacitySignal', event: events.rebalance(IDS[s.who] ?? '', aws.clock.now, `reb-${s.who}-${aws.clock.now}`) });
        break;
      case 'launch-failure':
        await deliver({ handler: 'capacitySignal', event: events.launchUnsuccessful(GROUP, aws.clock.now - 5_000, `lu-${s.n}-${aws.clock.now}`) });
        break;
      case 'result': {
        if (aws.commands.length === 0) break;
        const c = aws.commands[s.pick % aws.commands.length];
        if (!c) break;
        const current = aws.commandStatus.get(c.commandId) ?? 'InProgress';
        // A finished command never changes status again: a later event repeats the final one.
        const status = ['InProgress', 'Pending'].includes(current) ? s.status : current;
        aws.commandStatus.set(c.commandId, status);
        if (status === 'Success' && c.documentName === DOCUMENTS.warmup) warmSucceeded.add(c.instanceId);
        await deliver({ handler: 'commandResult', event: events.command(c.commandId, status, c.instanceId, c.documentName, aws.clock.now) });
        break;
      }
      case 'tick': {
        // Time passes as it does in AWS: the schedule runs reconcile every minute (heartbeats are due
        // within the hooks' 300 s, which the world enforces), Lambda re-delivers thrown events a minute later.
        for (let left = s.seconds; left > 0; left -= 60) {
          aws.clock.now += Math.min(60, left) * 1000;
          const pending = retries.splice(0);
          for (const d of pending) await deliver(d, false);
          await deliver({ handler: 'reconcile', event: {} });
        }
        break;
      }
      case 'again': {
        const d = delivered[s.pick % Math.max(1, delivered.length)];
        if (d) await deliver(d);
        break;
      }
    }
    // A CONTINUE on a launch hook needs a successful warm-up of that instance before it.
    for (const c of aws.completions) {
      if (c.hookName === LAUNCH_HOOK && c.result === 'CONTINUE')
        expect(warmSucceeded.has(c.instanceId), `CONTINUE for ${c.instanceId} without a successful warm-up`).toBe(true);
    }
  }
  return aws;
};

describe('property across handlers: duplicated, reordered events for three instances of one group', () => {
  it('at most one completion per hook, CONTINUE only after a successful warm-up, no command twice per attempt, mix updates never inside the cooldown', async () => {
    const seen = { continue: 0, abandon: 0, drains: 0, updates: 0 };
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 5, maxLength: 60 }), async (steps) => {
        const aws = await run(steps);
        // At most one accepted completion per (instance, hook).
        const perHook = new Map<string, number>();
        for (const c of aws.completions) perHook.set(`${c.instanceId}|${c.hookName}`, (perHook.get(`${c.instanceId}|${c.hookName}`) ?? 0) + 1);
        for (const [hook, n] of perHook) expect(n, hook).toBe(1);
        // The world records every CompleteLifecycleAction call (it refuses nothing for the test): one per action.
        expect(aws.completedMoreThanOnce()).toEqual([]);
        // No action ran out of time to its DefaultResult: nothing lost while reconcile runs every minute.
        aws.expire();
        expect(aws.expired).toEqual([]);
        // No command twice for the same attempt: (instance, document, attempt) is unique.
        const attempts = aws.commands.map((c) => `${c.instanceId}|${c.documentName}|${c.comment.replace(/up to \d+ s|spot drain .*/, 'drain')}`);
        expect(new Set(attempts).size, attempts.join('\n')).toBe(attempts.length);
        // Drains: at most one per instance (a Spot drain and the terminate hook share one record).
        for (const id of IDS) expect(aws.commands.filter((c) => c.instanceId === id && c.documentName === DOCUMENTS.drain).length).toBeLessThanOrEqual(1);
        // Warm-ups: at most maxAttempts per instance.
        for (const id of IDS) expect(aws.commands.filter((c) => c.instanceId === id && c.documentName === DOCUMENTS.warmup).length).toBeLessThanOrEqual(3);
        // The mix: consecutive updates at least the cooldown apart.
        for (let i = 1; i < aws.updates.length; i += 1) {
          expect((aws.updates[i]?.at ?? 0) - (aws.updates[i - 1]?.at ?? 0)).toBeGreaterThanOrEqual(COOLDOWN_S * 1000);
        }
        seen.continue += aws.completions.filter((c) => c.hookName === LAUNCH_HOOK && c.result === 'CONTINUE').length;
        seen.abandon += aws.completions.filter((c) => c.result === 'ABANDON').length;
        seen.drains += aws.commands.filter((c) => c.documentName === DOCUMENTS.drain).length;
        seen.updates += aws.updates.length;
      }),
      { numRuns: 400 },
    );
    // Not vacuous: the sequences reach every kind of outcome.
    expect(seen.continue).toBeGreaterThan(20);
    expect(seen.abandon).toBeGreaterThan(5);
    expect(seen.drains).toBeGreaterThan(20);
    expect(seen.updates).toBeGreaterThan(5);
  });
});
