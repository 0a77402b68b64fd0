/**
 * Issue 13 item 2: a group with another tool's hook on the same transition. Each hook gets its own
 * lifecycle action and token; the orchestrator acts only on its own (config `ownHooks`), so the
 * vendor's gate is never bypassed and ours is always answered.
 */
import { describe, expect, it } from 'vitest';
import { createMain as createCommandResultMain } from '../../../functions/command-result';
import { createMain as createLaunchMain } from '../../../functions/launch-lifecycle';
import { HookCache, runLifecycleSweep } from '../../../shared/lifecycle/lifecycle-sweep';
import { commandEvent, commandId, GROUP, group, HOOKS, INSTANCE, launchEvent, T0, world } from './support';

const VENDOR_HOOK = {
  name: 'vendor-agent-gate',
  transition: 'autoscaling:EC2_INSTANCE_LAUNCHING',
  heartbeatTimeoutSeconds: 900,
  globalTimeoutSeconds: 90_000,
  defaultResult: 'ABANDON',
};

describe('several hooks on one transition', () => {
  it("the vendor's hook event arrives first: it is skipped (no command, no completion); ours starts the warm-up and gets the CONTINUE", async () => {
    // Prepare
    const w = world();
    w.asg.hooks = [VENDOR_HOOK, ...HOOKS];
    w.asg.open.set(INSTANCE, true);
    const launch = createLaunchMain(w.deps);
    // Act
    const vendor = await launch({
      ...launchEvent(INSTANCE, { LifecycleHookName: VENDOR_HOOK.name, LifecycleActionToken: 'aaaaaaaa-3b7e-4e9a-9c1d-5f2e8a7b6c30' }),
      id: 'e-vendor',
    });
    const ours = await launch(launchEvent(INSTANCE));
    const result = await createCommandResultMain(w.deps)(commandEvent(commandId(1), 'Success'));
    // Assess
    expect(vendor).toMatchObject({ outcome: 'skipped' });
    expect(String(vendor.reason)).toContain('vendor-agent-gate');
    expect(ours).toMatchObject({ outcome: 'started' });
    expect(w.ssm.sent).toHaveLength(1);
    expect(result).toMatchObject({ outcome: 'completed', result: 'CONTINUE' });
    expect(w.asg.completions.map((c) => c.ref.hookName)).toEqual(['asg-orchestrator-launch']);
    expect(w.asg.completions[0]?.ref.token).toBe('c2f6a1d4-3b7e-4e9a-9c1d-5f2e8a7b6c30');
  });

  it('the sweep heartbeats only our hook, and finds none when the only hook on the transition is not ours', async () => {
    const w = world();
    w.asg.hooks = [VENDOR_HOOK, ...HOOKS];
    w.asg.groups.set(
      GROUP,
      group(GROUP, 'gpu-inference', [
        { instanceId: INSTANCE, instanceType: 'g5.xlarge', availabilityZone: 'us-east-1a', lifecycleState: 'Pending:Wait', protectedFromScaleIn: false },
      ]),
    );
    w.asg.open.set(INSTANCE, true);
    await createLaunchMain(w.deps)(launchEvent(INSTANCE));
    w.ssm.statuses.set(commandId(1), 'InProgress');
    w.clock.now = T0 + 240_000;
    await runLifecycleSweep(w.deps, new HookCache(w.asg, 0, () => w.clock.now), w.clock.now);
    expect(w.asg.heartbeats.map((h) => h.ref.hookName)).toEqual(['asg-orchestrator-launch']);

    const alone = world();
    alone.asg.hooks = [VENDOR_HOOK];
    alone.asg.groups.set(
      GROUP,
      group(GROUP, 'gpu-inference', [
        { instanceId: INSTANCE, instanceType: 'g5.xlarge', availabilityZone: 'us-east-1a', lifecycleState: 'Pending:Wait', protectedFromScaleIn: false },
      ]),
    );
    const report = await runLifecycleSweep(alone.deps, new HookCache(alone.asg), T0);
    expect(report.summary.outcomes).toEqual({ skipped: 1 });
    expect(alone.ssm.sent).toHaveLength(0);
  });
});
