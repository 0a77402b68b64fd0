/**
 * The lifecycle sweep's scan memory (docs/adr/0006) holds each group as the next run will find it:
 * a run that completes actions records the group as it is after them (so a retry after a failed run
 * leaves the same memory as a run that never failed), and a run with nothing to remember writes nothing.
 */
import { describe, expect, it } from 'vitest';
import { createMain as createLaunchMain } from '../../../functions/launch-lifecycle';
import type { LifecycleActionRef } from '../../../shared/aws/auto-scaling';
import { HookCache, runLifecycleSweep } from '../../../shared/lifecycle/lifecycle-sweep';
import { SWEEP_SCAN_KEY } from '../../../shared/lifecycle/sweep-memory';
import { GROUP, group, INSTANCE, launchEvent, T0, world } from './support';

describe('lifecycle sweep scan memory', () => {
  it('a run that abandons a timed-out warm-up records the group without that waiter', async () => {
    // Prepare: a warm-up past its 2,700 s budget; an abandoned launch action terminates the instance
    // (https://docs.aws.amazon.com/autoscaling/ec2/userguide/completing-lifecycle-hooks.html).
    const w = world();
    w.asg.groups.set(
      GROUP,
      group(GROUP, 'gpu-inference', [
        { instanceId: INSTANCE, instanceType: 'g5.xlarge', availabilityZone: 'us-east-1a', lifecycleState: 'Pending:Wait', protectedFromScaleIn: false },
      ]),
    );
    w.asg.open.set(INSTANCE, true);
    await createLaunchMain(w.deps)(launchEvent(INSTANCE));
    const complete = w.asg.completeLifecycleAction.bind(w.asg);
    w.asg.completeLifecycleAction = async (ref: LifecycleActionRef, result: 'CONTINUE' | 'ABANDON') => {
      const outcome = await complete(ref, result);
      const g = w.asg.groups.get(ref.groupName);
      if (g) w.asg.groups.set(g.name, { ...g, desiredCapacity: 0, instances: g.instances.filter((i) => i.instanceId !== ref.instanceId) });
      return outcome;
    };
    w.clock.now = T0 + 2_701_000;
    // Act
    const report = await runLifecycleSweep(w.deps, new HookCache(w.asg), w.clock.now);
    // Assess: abandoned, and the memory holds the group as it is now.
    expect(report.failures).toEqual([]);
    expect(w.asg.completions.map((c) => c.result)).toEqual(['ABANDON']);
    const memory = await w.store.get(SWEEP_SCAN_KEY.pk, SWEEP_SCAN_KEY.sk);
    expect(memory?.data.groups).toMatchObject({ [GROUP]: { signature: '0/0/4', waiting: 0 } });
  });

  it('a run with no group to read writes no memory; a later run that read nothing leaves it as it was', async () => {
    const w = world();
    w.asg.groups.clear();
    await runLifecycleSweep(w.deps, new HookCache(w.asg), w.clock.now);
    expect(w.store.calls.get('PutItem') ?? 0).toBe(0);
    expect(await w.store.get(SWEEP_SCAN_KEY.pk, SWEEP_SCAN_KEY.sk)).toBeUndefined();
    // A group appears: read and remembered once; a minute later it is not due (period 5 min): no write.
    w.asg.groups.set(GROUP, group());
    await runLifecycleSweep(w.deps, new HookCache(w.asg), w.clock.now);
    const puts = w.store.calls.get('PutItem') ?? 0;
    expect(puts).toBe(1);
    w.clock.now += 60_000;
    await runLifecycleSweep(w.deps, new HookCache(w.asg), w.clock.now);
    expect(w.store.calls.get('PutItem') ?? 0).toBe(puts);
  });
});
