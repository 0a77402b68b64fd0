/**
 * Issue 16 item 2: at 200 groups × 500 instances, one reconcile run grows with what is waiting or
 * changing, not with the fleet. Auto Scaling is modelled with what costs: DescribeAutoScalingGroups
 * answers every instance of every group it returns unless `IncludeInstances` is false, at most
 * `MaxRecords` (≤ 100) groups a page
 * (https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_DescribeAutoScalingGroups.html),
 * and open lifecycle actions lapse after their heartbeat timeout
 * (https://docs.aws.amazon.com/autoscaling/ec2/userguide/lifecycle-hooks-overview.html).
 */
import { describe, expect, it } from 'vitest';
import { createMain as launchMain } from '../../../functions/launch-lifecycle';
import { createMain, type ReconcileDeps } from '../../../functions/reconcile';
import type { DescribeGroupsOptions, Ec2Port, GroupSummary, InstanceInfo } from '../../../shared/aws';
import { HookCache } from '../../../shared/lifecycle/lifecycle-sweep';
import { MAX_SCANS_PER_RUN, SWEEP_INTERVAL_MS } from '../../../shared/lifecycle/sweep-limits';
import { InstanceDirectory } from '../../../shared/aws/instance-directory';
import { FakeAutoScaling, group, launchEvent, T0, world } from './support';

const GROUPS = 200;
const PER_GROUP = 500;
const PAGE = 100;

/** Auto Scaling that answers in pages and counts what it sends. */
class CountingAutoScaling extends FakeAutoScaling {
  public calls = 0;
  public instancesSent = 0;
  /** Most groups with instances in one answer. */
  public largestAnswer = 0;
  private page(groups: GroupSummary[], options: DescribeGroupsOptions): GroupSummary[] {
    for (let i = 0; i < Math.max(1, groups.length); i += PAGE) {
      this.calls += 1;
      const slice = groups.slice(i, i + PAGE);
      if (options.includeInstances !== false) {
        this.largestAnswer = Math.max(this.largestAnswer, slice.length);
        for (const g of slice) this.instancesSent += g.instances.length;
      }
    }
    return options.includeInstances === false ? groups.map((g) => ({ ...g, instances: [] })) : groups;
  }
  public override async describeGroups(names: readonly string[], options: DescribeGroupsOptions = {}): Promise<GroupSummary[]> {
    return this.page(await super.describeGroups(names), options);
  }
  public override async describeGroupsByTagKey(tagKey: string, options: DescribeGroupsOptions = {}): Promise<GroupSummary[]> {
    return this.page(await super.describeGroupsByTagKey(tagKey), options);
  }
  public override async describeLifecycleHooks() {
    this.calls += 1;
    return super.describeLifecycleHooks();
  }
  public override async recordLifecycleActionHeartbeat(ref: Parameters<FakeAutoScaling['recordLifecycleActionHeartbeat']>[0]) {
    this.calls += 1;
    return super.recordLifecycleActionHeartbeat(ref);
  }
}

/** EC2 that counts DescribeInstances calls (one per 200 ids, as the adapter batches). */
class CountingEc2 implements Ec2Port {
  public calls = 0;
  public async describeInstances(ids: readonly string[]): Promise<InstanceInfo[]> {
    this.calls += Math.ceil(ids.length / 200);
    return ids.map((id) => ({ instanceId: id, instanceType: 'g5.xlarge', availabilityZone: 'us-east-1a', market: 'spot', tags: new Map() }));
  }
}

const idOf = (g: number, i: number) => `i-${String(g).padStart(4, '0')}${String(i).padStart(13, '0')}`;

/** 200 opted-in groups of 500 InService instances, their mix at the owner's 25 % (at rest), and a reconcile over them. */
const fleet = () => {
  const w = world();
  const asg = new CountingAutoScaling();
  asg.groups.clear();
  for (let g = 0; g < GROUPS; g += 1) {
    const name = `ml-fleet-${String(g).padStart(3, '0')}`;
    const instances = Array.from({ length: PER_GROUP }, (_, i) => ({
      instanceId: idOf(g, i),
      instanceType: 'g5.xlarge',
      availabilityZone: 'us-east-1a',
      lifecycleState: 'InService',
      protectedFromScaleIn: false,
    }));
    asg.groups.set(name, {
      ...group(name, 'gpu-inference', instances),
      desiredCapacity: PER_GROUP,
      maxSize: 2 * PER_GROUP,
      hasMixedInstancesPolicy: true,
      weights: new Map([['g5.xlarge', 1]]),
      mixedInstancesPolicy: { InstancesDistribution: { OnDemandBaseCapacity: 1, OnDemandPercentageAboveBaseCapacity: 25 } },
    });
  }
  w.deps.autoScaling = asg;
  w.ssm.getCommandInvocation = async () => ({ status: 'InProgress', statusDetails: 'InProgress', outputExcerpt: '' });
  const ec2 = new CountingEc2();
  const deps: ReconcileDeps = {
    lifecycle: w.deps,
    hooks: new HookCache(asg, 15 * 60_000, () => w.clock.now),
    mix: { config: w.deps.config, autoScaling: asg, instances: new InstanceDirectory(ec2), store: w.store, publisher: w.deps.publisher },
  };
  const main = createMain(deps);
  const storeCalls = () => [...w.store.calls.values()].reduce((a, b) => a + b, 0);
  /** One run at minute `m`, with what it cost. */
  const run = async (m: number) => {
    w.clock.now = T0 + m * SWEEP_INTERVAL_MS;
    const before = {
      asg: asg.calls,
      instances: asg.instancesSent,
      ec2: ec2.calls,
      store: storeCalls(),
      ssm: w.ssm.sent.length + w.ssm.invocationReads + w.ssm.listReads,
    };
    asg.largestAnswer = 0;
    const outcome = await main();
    const calls =
      asg.calls -
      before.asg +
      (ec2.calls - before.ec2) +
      (storeCalls() - before.store) +
      (w.ssm.sent.length + w.ssm.invocationReads + w.ssm.listReads - before.ssm);
    return { outcome, calls, instancesRead: asg.instancesSent - before.instances, describeInstances: ec2.calls - before.ec2, largestAnswer: asg.largestAnswer };
  };
  /** `count` instances of group `g` wait on the launch hook; `delivered`: their launch events reached launchLifecycle. */
  const wait = async (g: number, count: number, delivered: boolean) => {
    const name = `ml-fleet-${String(g).padStart(3, '0')}`;
    const grp = asg.groups.get(name);
    if (!grp) throw new Error('unreachable');
    const ids = Array.from({ length: count }, (_, i) => `i-${String(g).padStart(4, '0')}w${String(i).padStart(12, '0')}`);
    asg.groups.set(name, {
      ...grp,
      instances: [
        ...grp.instances,
        ...ids.map((instanceId) => ({
          instanceId,
          instanceType: 'g5.xlarge',
          availabilityZone: 'us-east-1a',
          lifecycleState: 'Pending:Wait',
          protectedFromScaleIn: false,
        })),
      ],
    });
    for (const id of ids) asg.open.set(id, true);
    if (delivered) for (const id of ids) await launchMain(w.deps)(launchEvent(id, {}, name));
    return ids;
  };
  return { w, asg, ec2, run, wait };
};

describe('reconcile at 200 groups × 500 instances', () => {
  it('a run at rest with a few warm-ups waiting: under 60 calls, no answer with more than 10 groups of instances, a fifth of the fleet read at most', async () => {
    const f = fleet();
    const waiting = await f.wait(7, 3, true);
    const runs = [];
    for (let m = 1; m <= 10; m += 1) runs.push(await f.run(m));
    // The first runs after a deploy work through the groups never read (50 a run); then the steady state.
    const steady = runs.slice(5);
    for (const r of steady) {
      expect(r.outcome.outcome).toBe('swept');
      expect(r.calls).toBeLessThan(60);
      expect(r.describeInstances).toBe(0); // every mix is at rest: no instance is looked up
      expect(r.largestAnswer).toBeLessThanOrEqual(10);
      // At most MAX_SCANS_PER_RUN groups due, plus the group with waiters.
      expect(r.instancesRead).toBeLessThanOrEqual((MAX_SCANS_PER_RUN + 1) * PER_GROUP + waiting.length);
    }
    // On average a group is read every 5 minutes: a fifth of the fleet a run, plus the group with waiters.
    const average = steady.reduce((a, r) => a + r.instancesRead, 0) / steady.length;
    expect(average).toBeLessThanOrEqual((GROUPS / 5 + 1) * PER_GROUP + waiting.length);
    // Every group was read within the first 5 runs (the lost-event backstop reaches all of them).
    const mixSummaries = steady.map((r) => (r.outcome.sweeps as Array<Record<string, unknown>>)[1]);
    for (const s of mixSummaries) expect(s).toMatchObject({ groups: GROUPS, atRest: GROUPS, evaluated: 0 });
    // The waiting warm-ups get their heartbeats (300 s timeout): none of their actions lapsed.
    const beats = f.asg.heartbeats.filter((h) => waiting.includes(h.ref.instanceId) && h.accepted);
    expect(new Set(beats.map((b) => b.ref.instanceId))).toEqual(new Set(waiting));
  });

  it('a launch event lost in a group at rest (same desired capacity) is repaired within the scan period', async () => {
    const f = fleet();
    for (let m = 1; m <= 6; m += 1) await f.run(m);
    const [lost] = await f.wait(123, 1, false);
    const found: number[] = [];
    for (let m = 7; m <= 12; m += 1) {
      await f.run(m);
      if (f.w.ssm.sent.some((c) => c.instanceId === lost)) found.push(m);
    }
    expect(found[0]).toBeDefined();
    expect((found[0] ?? 99) - 6).toBeLessThanOrEqual(5);
  });

  it('a group whose desired capacity changed is read on the next run', async () => {
    const f = fleet();
    for (let m = 1; m <= 6; m += 1) await f.run(m);
    const name = 'ml-fleet-042';
    const g = f.asg.groups.get(name);
    if (!g) throw new Error('unreachable');
    f.asg.groups.set(name, { ...g, desiredCapacity: g.desiredCapacity + 1 });
    const [lost] = await f.wait(42, 1, false);
    await f.run(7);
    expect(f.w.ssm.sent.map((c) => c.instanceId)).toContain(lost);
  });
});
