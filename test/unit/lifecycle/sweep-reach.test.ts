/**
 * Issue 13 item 3: the reconcile sweep reaches every waiting instance before its lifecycle action
 * lapses. Auto Scaling is modelled here with what the sweep races against: an open action ends
 * with its DefaultResult once `heartbeatTimeout` passes without a heartbeat
 * (https://docs.aws.amazon.com/autoscaling/ec2/userguide/lifecycle-hooks-overview.html).
 */
import { describe, expect, it } from 'vitest';
import { GroupDirectory, type GroupSummary, type LifecycleActionRef, type LifecycleCallOutcome } from '../../../shared/aws';
import { createMain as launchMain } from '../../../functions/launch-lifecycle';
import { HookCache, runLifecycleSweep } from '../../../shared/lifecycle/lifecycle-sweep';
import { SWEEP_INTERVAL_MS } from '../../../shared/lifecycle/sweep-limits';
import { FakeAutoScaling, group, launchEvent, T0, world } from './support';

const TIMEOUT_S = 300;

/** Open actions lapse `TIMEOUT_S` after the last heartbeat (or the start); the instance then leaves Pending:Wait. */
class LapsingAutoScaling extends FakeAutoScaling {
  public readonly lastBeat = new Map<string, number>();
  public readonly lapsed: string[] = [];
  public readonly beatsOf = new Map<string, number>();
  public constructor(private readonly clock: { now: number }) {
    super();
  }
  public wait(groupName: string, instanceId: string): void {
    this.open.set(instanceId, true);
    this.lastBeat.set(instanceId, this.clock.now);
    const g = this.groups.get(groupName) ?? group(groupName);
    this.groups.set(groupName, {
      ...g,
      instances: [
        ...g.instances,
        { instanceId, instanceType: 'g5.xlarge', availabilityZone: 'us-east-1a', lifecycleState: 'Pending:Wait', protectedFromScaleIn: false },
      ],
    });
  }
  /** Auto Scaling's timer: what passed its heartbeat timeout ends (DefaultResult ABANDON). */
  public tick(): void {
    for (const [id, open] of this.open) {
      if (!open || this.clock.now - (this.lastBeat.get(id) ?? 0) <= TIMEOUT_S * 1000) continue;
      this.open.set(id, false);
      this.lapsed.push(id);
      for (const [name, g] of this.groups) {
        this.groups.set(name, { ...g, instances: g.instances.map((i) => (i.instanceId === id ? { ...i, lifecycleState: 'Terminating' } : i)) } as GroupSummary);
      }
    }
  }
  public override async recordLifecycleActionHeartbeat(ref: LifecycleActionRef): Promise<LifecycleCallOutcome> {
    const outcome = await super.recordLifecycleActionHeartbeat(ref);
    if (outcome === 'done') {
      this.lastBeat.set(ref.instanceId, this.clock.now);
      this.beatsOf.set(ref.instanceId, (this.beatsOf.get(ref.instanceId) ?? 0) + 1);
    }
    return outcome;
  }
}

/** A world whose warm-up commands stay InProgress (models load slowly). */
const inProgressWorld = () => {
  const w = world();
  w.ssm.getCommandInvocation = async () => ({ status: 'InProgress', statusDetails: 'InProgress', outputExcerpt: '' });
  return w;
};

const idOf = (g: number, i: number) => `i-${String(g).padStart(4, '0')}${String(i).padStart(13, '0')}`;

/** `groups` × `perGroup` instances start waiting at T0 (launch events delivered); warm-ups stay InProgress; sweeps every minute for `minutes`. */
const scenario = async (groups: number, perGroup: number, minutes: number) => {
  const w = inProgressWorld();
  const asg = new LapsingAutoScaling(w.clock);
  w.deps.autoScaling = asg;
  w.deps.groups = new GroupDirectory(asg, 60_000, () => w.clock.now);
  asg.groups.clear();
  const launch = launchMain(w.deps);
  for (let g = 0; g < groups; g += 1) {
    const name = `ml-inference-${g}`;
    asg.groups.set(name, group(name));
    for (let i = 0; i < perGroup; i += 1) {
      asg.wait(name, idOf(g, i));
      await launch(launchEvent(idOf(g, i), {}, name));
    }
  }
  const hooks = new HookCache(asg, 15 * 60_000, () => w.clock.now);
  const reports = [];
  for (let m = 1; m <= minutes; m += 1) {
    w.clock.now = T0 + m * SWEEP_INTERVAL_MS;
    asg.tick();
    reports.push(await runLifecycleSweep(w.deps, hooks, w.clock.now));
  }
  w.clock.now += SWEEP_INTERVAL_MS;
  asg.tick();
  return { asg, reports, total: groups * perGroup };
};

describe('the reconcile sweep reaches every waiting instance', () => {
  it('120 warming instances, 300 s heartbeat timeout, 15 minutes of sweeps: none lapses, each gets its heartbeats', async () => {
    const { asg, reports, total } = await scenario(1, 120, 15);
    expect(asg.lapsed).toEqual([]);
    expect(asg.beatsOf.size).toBe(total);
    expect(Math.min(...asg.beatsOf.values())).toBeGreaterThanOrEqual(4);
    expect(reports.every((r) => r.failures.length === 0 && r.summary.leftForNextRun === 0)).toBe(true);
  });

  it('1,000 instances waiting across 10 groups, 300 s heartbeat timeout, 10 minutes of sweeps: none lapses', async () => {
    const { asg, reports, total } = await scenario(10, 100, 10);
    expect(asg.lapsed).toEqual([]);
    expect(asg.beatsOf.size).toBe(total);
    expect(reports.every((r) => r.failures.length === 0)).toBe(true);
  });

  it('when a run can act on fewer than are due, the next run starts with those that lapse first (no one starves)', async () => {
    const w = inProgressWorld();
    const asg = new LapsingAutoScaling(w.clock);
    w.deps.autoScaling = asg;
    w.deps.groups = new GroupDirectory(asg, 60_000, () => w.clock.now);
    asg.groups.clear();
    asg.groups.set('g', group('g'));
    const launch = launchMain(w.deps);
    for (let i = 0; i < 60; i += 1) {
      asg.wait('g', idOf(0, i));
      await launch(launchEvent(idOf(0, i), {}, 'g'));
    }
    const hooks = new HookCache(asg, 15 * 60_000, () => w.clock.now);
    // 30 actions a run for 60 warm-ups (each read of a command status is one): a fixed order would serve the same 30.
    for (let m = 1; m <= 12; m += 1) {
      w.clock.now = T0 + m * SWEEP_INTERVAL_MS;
      asg.tick();
      await runLifecycleSweep(w.deps, hooks, w.clock.now, { maxActions: 30 });
    }
    expect(asg.lapsed).toEqual([]);
    expect(asg.beatsOf.size).toBe(60);
  });
});
