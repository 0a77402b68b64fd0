/**
 * Issue 13 item 4: the heartbeat timeout counts from when the lifecycle action opened (the hook
 * event's `time`), not from when the record was written. A launch event handled 150 s late (a Lambda
 * retry) must still get its first heartbeat before the 300 s heartbeat timeout.
 */
import { describe, expect, it } from 'vitest';
import { createMain as createLaunchMain } from '../../../functions/launch-lifecycle';
import { HookCache, runLifecycleSweep } from '../../../shared/lifecycle/lifecycle-sweep';
import { commandId, GROUP, group, INSTANCE, launchEvent, T0, world } from './support';

describe('heartbeat timing', () => {
  it('an event handled 150 s after the action opened: the first heartbeat comes before the 300 s heartbeat timeout', async () => {
    // Prepare: the action opened at T0 (the event's time); the handler ran at T0 + 150 s.
    const w = world();
    w.asg.groups.set(
      GROUP,
      group(GROUP, 'gpu-inference', [
        { instanceId: INSTANCE, instanceType: 'g5.xlarge', availabilityZone: 'us-east-1a', lifecycleState: 'Pending:Wait', protectedFromScaleIn: false },
      ]),
    );
    w.asg.open.set(INSTANCE, true);
    w.clock.now = T0 + 150_000;
    await createLaunchMain(w.deps)(launchEvent(INSTANCE));
    w.ssm.statuses.set(commandId(1), 'InProgress');
    const hooks = new HookCache(w.asg, 15 * 60_000, () => w.clock.now);
    // Act: the sweep runs every minute.
    const beats: number[] = [];
    for (let t = T0 + 180_000; t < T0 + 300_000; t += 60_000) {
      w.clock.now = t;
      const before = w.asg.heartbeats.length;
      await runLifecycleSweep(w.deps, hooks, t);
      if (w.asg.heartbeats.length > before) beats.push(t - T0);
    }
    // Assess: a heartbeat inside the hook's 300 s (the event's time is T0 = 2026-11-27T10:00:12Z).
    expect(beats.length).toBeGreaterThan(0);
    expect(beats[0]).toBeLessThan(300_000);
  });
});
