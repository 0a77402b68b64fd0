/**
 * Issue 13 item 9: two reconcile runs that overlap (a slow run and the next minute's, or a duplicate
 * schedule delivery) race on the sweep's list of pending completions. The loser yields to the winner:
 * no retryable failure (no error alarm, no DLQ entry), and every timed-out warm-up is answered once.
 */
import { describe, expect, it } from 'vitest';
import { createMain as createLaunchMain } from '../../../functions/launch-lifecycle';
import { HookCache, runLifecycleSweep } from '../../../shared/lifecycle/lifecycle-sweep';
import { GROUP, group, launchEvent, T0, world } from './support';

const IDS = ['i-0abc1234def567801', 'i-0abc1234def567802', 'i-0abc1234def567803'];

describe('overlapping reconcile runs', () => {
  it('both start completions for timed-out warm-ups at once: the loser yields, nothing fails, each action is answered once', async () => {
    // Prepare: three warm-ups past their 2,700 s budget, all three instances still waiting.
    const w = world();
    w.asg.groups.set(
      GROUP,
      group(
        GROUP,
        'gpu-inference',
        IDS.map((instanceId) => ({
          instanceId,
          instanceType: 'g5.xlarge',
          availabilityZone: 'us-east-1a',
          lifecycleState: 'Pending:Wait',
          protectedFromScaleIn: false,
        })),
      ),
    );
    for (const [n, id] of IDS.entries()) {
      w.asg.open.set(id, true);
      await createLaunchMain(w.deps)({
        ...launchEvent(id),
        id: `0b1c2d3e-4f50-4a61-8b72-00000000000${n}`,
        detail: { ...(launchEvent(id).detail as object), LifecycleActionToken: `c2f6a1d4-3b7e-4e9a-9c1d-5f2e8a7b6c3${n}` },
      });
    }
    w.clock.now = T0 + 2_701_000;
    // Act: two runs at the same time.
    const reports = await Promise.all([0, 1].map(() => runLifecycleSweep(w.deps, new HookCache(w.asg), w.clock.now)));
    // Assess
    expect(reports.flatMap((r) => r.failures)).toEqual([]);
    expect(
      w.asg.completions
        .filter((c) => c.accepted)
        .map((c) => `${c.ref.instanceId}|${c.result}`)
        .sort(),
    ).toEqual(IDS.map((id) => `${id}|ABANDON`).sort());
    // A later run has nothing left to register or resume.
    w.clock.now += 120_000;
    const after = await runLifecycleSweep(w.deps, new HookCache(w.asg), w.clock.now);
    expect(after.failures).toEqual([]);
  });
});
