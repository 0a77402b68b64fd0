/**
 * Issue 13 item 1: warm pools. An instance gets a launch lifecycle action when it enters the pool
 * (Destination WarmPool: pre-stage, state Warmed:Pending:Wait) and another, with a new token, when it
 * leaves the pool for the group (Origin WarmPool: full load, Pending:Wait); returned to the pool on
 * scale-in (ReuseOnScaleIn) it gets a terminate action (drain) and then enters the pool again.
 * (EC2 Auto Scaling user guide, "Use lifecycle hooks with a warm pool":
 * https://docs.aws.amazon.com/autoscaling/ec2/userguide/warm-pool-instance-lifecycle.html.)
 * Every one of those actions is work of its own: warmed up or drained, heartbeated, answered.
 */
import { describe, expect, it } from 'vitest';
import { createMain as createCommandResultMain } from '../../../functions/command-result';
import { createMain as createLaunchMain } from '../../../functions/launch-lifecycle';
import { createMain as createTerminateMain } from '../../../functions/terminate-lifecycle';
import { HookCache, runLifecycleSweep } from '../../../shared/lifecycle/lifecycle-sweep';
import { commandEvent, commandId, DOCUMENTS, GROUP, group, INSTANCE, launchEvent, T0, type World, world } from './support';

const HOUR = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.000Z$/, 'Z');
const token = (n: number) => `c2f6a1d4-3b7e-4e9a-9c1d-5f2e8a7b6c${String(n).padStart(2, '0')}`;

/** A launch action of the instance: `n` numbers the action (its token), `at` is when it opened. */
const launchAction = (n: number, at: number, origin: string, destination: string) => ({
  ...launchEvent(INSTANCE, { LifecycleActionToken: token(n), Origin: origin, Destination: destination }),
  id: `0b1c2d3e-4f50-4a61-8b72-0000000000${String(n).padStart(2, '0')}`,
  time: iso(at),
});
const terminateAction = (n: number, at: number, destination: string) => ({
  ...launchAction(n, at, 'AutoScalingGroup', destination),
  'detail-type': 'EC2 Instance-terminate Lifecycle Action',
  detail: {
    ...(launchEvent(INSTANCE).detail as Record<string, unknown>),
    LifecycleActionToken: token(n),
    LifecycleHookName: 'asg-orchestrator-terminate',
    LifecycleTransition: 'autoscaling:EC2_INSTANCE_TERMINATING',
    Origin: 'AutoScalingGroup',
    Destination: destination,
  },
});

/** Opens the instance's action, delivers its event, lets its command succeed; returns both outcomes. */
const act = async (w: World, event: Record<string, unknown>, at: number, documentName = DOCUMENTS.warmup) => {
  w.clock.now = at + 5_000;
  w.asg.open.set(INSTANCE, true);
  const main = String(event['detail-type']).includes('terminate') ? createTerminateMain(w.deps) : createLaunchMain(w.deps);
  const started = await main(event);
  w.clock.now = at + 200_000;
  const done = await createCommandResultMain(w.deps)(commandEvent(commandId(w.ssm.sent.length), 'Success', INSTANCE, documentName));
  return { started, done };
};

const waiting = (w: World, lifecycleState: string) =>
  w.asg.groups.set(
    GROUP,
    group(GROUP, 'gpu-inference', [
      { instanceId: INSTANCE, instanceType: 'g5.xlarge', availabilityZone: 'us-east-1a', lifecycleState, protectedFromScaleIn: false },
    ]),
  );

describe('warm pool', () => {
  it('enter the pool (pre-stage), leave it (load), return on scale-in (drain), enter and leave again: every action warmed up or drained and answered with its own token', async () => {
    const w = world();
    const steps = [
      await act(w, launchAction(1, T0, 'EC2', 'WarmPool'), T0),
      await act(w, launchAction(2, T0 + HOUR, 'WarmPool', 'AutoScalingGroup'), T0 + HOUR),
      await act(w, terminateAction(3, T0 + 2 * HOUR, 'WarmPool'), T0 + 2 * HOUR, DOCUMENTS.drain),
      await act(w, launchAction(4, T0 + 2 * HOUR + 600_000, 'AutoScalingGroup', 'WarmPool'), T0 + 2 * HOUR + 600_000),
      await act(w, launchAction(5, T0 + 3 * HOUR, 'WarmPool', 'AutoScalingGroup'), T0 + 3 * HOUR),
      await act(w, terminateAction(6, T0 + 4 * HOUR, 'WarmPool'), T0 + 4 * HOUR, DOCUMENTS.drain),
    ];
    for (const s of steps) {
      expect(s.started).toMatchObject({ outcome: 'started' });
      expect(s.done).toMatchObject({ outcome: 'completed', result: 'CONTINUE' });
    }
    expect(w.ssm.sent.map((c) => (c.documentName === DOCUMENTS.drain ? 'drain' : String(c.parameters.Mode)))).toEqual([
      'prestage',
      'load',
      'drain',
      'prestage',
      'load',
      'drain',
    ]);
    expect(w.asg.completions.map((c) => `${c.ref.token}|${c.result}|${c.accepted}`)).toEqual([1, 2, 3, 4, 5, 6].map((n) => `${token(n)}|CONTINUE|true`));
  });

  it('a late duplicate of the pool-entry event, after the instance left the pool: stale, nothing sent or completed', async () => {
    const w = world();
    await act(w, launchAction(1, T0, 'EC2', 'WarmPool'), T0);
    await act(w, launchAction(2, T0 + HOUR, 'WarmPool', 'AutoScalingGroup'), T0 + HOUR);
    w.clock.now = T0 + HOUR + 300_000;
    const late = await createLaunchMain(w.deps)(launchAction(1, T0, 'EC2', 'WarmPool'));
    expect(late).toMatchObject({ outcome: 'stale' });
    expect(w.ssm.sent).toHaveLength(2);
    expect(w.asg.completions).toHaveLength(2);
  });

  it('the sweep heartbeats a pre-stage in Warmed:Pending:Wait, and repairs a lost leave-the-pool event (Pending:Wait after a finished pool-entry record)', async () => {
    const w = world();
    // The pool-entry action: event handled, command running, instance in Warmed:Pending:Wait.
    waiting(w, 'Warmed:Pending:Wait');
    w.asg.open.set(INSTANCE, true);
    await createLaunchMain(w.deps)(launchAction(1, T0, 'EC2', 'WarmPool'));
    w.ssm.statuses.set(commandId(1), 'InProgress');
    const hooks = new HookCache(w.asg, 15 * 60_000, () => w.clock.now);
    w.clock.now = T0 + 240_000;
    await runLifecycleSweep(w.deps, hooks, w.clock.now);
    expect(w.asg.heartbeats.map((h) => h.accepted)).toEqual([true]);
    // Its command succeeds; later the instance leaves the pool and that event is lost.
    w.clock.now = T0 + 300_000;
    await createCommandResultMain(w.deps)(commandEvent(commandId(1), 'Success'));
    waiting(w, 'Pending:Wait');
    w.asg.open.set(INSTANCE, true);
    w.clock.now = T0 + HOUR;
    const report = await runLifecycleSweep(w.deps, hooks, w.clock.now);
    expect(report.summary.outcomes).toMatchObject({ started: 1 });
    expect(w.ssm.sent.map((c) => String(c.parameters.Mode))).toEqual(['prestage', 'load']);
  });

  it('the sweep repairs a lost pool-entry event after the instance served and returned to the pool (a final record of the group stage)', async () => {
    const w = world();
    await act(w, launchAction(1, T0, 'EC2', 'AutoScalingGroup'), T0);
    waiting(w, 'Warmed:Pending:Wait');
    w.asg.open.set(INSTANCE, true);
    w.clock.now = T0 + 3 * HOUR;
    const report = await runLifecycleSweep(w.deps, new HookCache(w.asg), w.clock.now);
    expect(report.summary.outcomes).toMatchObject({ started: 1 });
    expect(w.ssm.sent.map((c) => String(c.parameters.Mode))).toEqual(['load', 'prestage']);
  });

  it('after the sweep answered a lost event’s action (no token on record), Auto Scaling tells a late re-emitted event from a new action: a heartbeat with the event’s token', async () => {
    const w = world();
    waiting(w, 'Pending:Wait');
    w.asg.open.set(INSTANCE, true);
    w.clock.now = T0 + 60_000;
    expect((await runLifecycleSweep(w.deps, new HookCache(w.asg), w.clock.now)).summary.outcomes).toMatchObject({ started: 1 });
    w.clock.now = T0 + 240_000;
    await createCommandResultMain(w.deps)(commandEvent(commandId(1), 'Success'));
    expect(w.asg.completions.map((c) => c.accepted)).toEqual([true]);
    // The lost event, re-emitted later with a later time: its action is the one answered ("No active").
    w.clock.now = T0 + HOUR;
    const late = await createLaunchMain(w.deps)(launchAction(1, T0 + HOUR - 60_000, 'EC2', 'AutoScalingGroup'));
    expect(late).toMatchObject({ outcome: 'duplicate' });
    expect(w.asg.heartbeats.at(-1)).toMatchObject({ ref: { token: token(1) }, accepted: false });
    expect(w.ssm.sent).toHaveLength(1);
    // A new action of the instance (it went to the pool and leaves it): the heartbeat is accepted, new work starts.
    w.asg.open.set(INSTANCE, true);
    w.clock.now = T0 + 2 * HOUR;
    const next = await createLaunchMain(w.deps)(launchAction(2, T0 + 2 * HOUR - 5_000, 'WarmPool', 'AutoScalingGroup'));
    expect(next).toMatchObject({ outcome: 'started' });
    expect(w.asg.heartbeats.at(-1)).toMatchObject({ ref: { token: token(2) }, accepted: true });
    expect(w.ssm.sent).toHaveLength(2);
  });
});
