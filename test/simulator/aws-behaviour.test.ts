/**
 * AWS behaviours the fleet model follows, each pinned against the documentation page it cites in
 * simulator/model/fleet.ts. The fleet is driven directly (no handler), on its own event queue.
 */
import { describe, expect, it } from 'vitest';
import { EventQueue } from '../../simulator/core/heap';
import { RngStreams } from '../../simulator/core/prng';
import { HOUR, SIM_EPOCH } from '../../simulator/core/time';
import type { AwsEvent } from '../../shared/local/aws-events';
import { Fleet, type FleetHost, type FleetOptions } from '../../simulator/model/fleet';
import { parseScenario } from '../../simulator/scenario/load';

const GROUP = {
  name: 'ml',
  availabilityZones: ['us-east-1a', 'us-east-1b'],
  minSize: 10,
  maxSize: 20,
  initialCapacity: 10,
  instanceTypes: [
    { type: 'g5.xlarge', onDemandPrice: 1.0, spotPrice: 0.4 },
    { type: 'g6.xlarge', onDemandPrice: 0.8, spotPrice: 0.45 },
  ],
  instancesDistribution: { onDemandBaseCapacity: 0, onDemandPercentageAboveBaseCapacity: 20 },
};

/** Constant demand for exactly 10 units: desired capacity never moves, so every change is the model's own. */
const spec = (faults: unknown[] = [], group: Record<string, unknown> = {}, instance: Record<string, unknown> = {}) =>
  parseScenario(
    {
      name: 'aws-behaviour',
      duration: '8h',
      seed: 3,
      metric: 'cost',
      group: { ...GROUP, ...Object.fromEntries(Object.entries(group).filter(([k]) => k !== 'requests')) },
      demand: {
        targetRequestsPerUnit: 10,
        noise: 0,
        points: [
          { at: 0, requests: Number(group.requests ?? 95) },
          { at: '08:00', requests: Number(group.requests ?? 95) },
        ],
      },
      faults,
      instance,
    },
    'test',
  );

const drive = (options: Partial<FleetOptions> = {}, faults: unknown[] = [], group: Record<string, unknown> = {}, instance: Record<string, unknown> = {}) => {
  const queue = new EventQueue<() => void | Promise<void>>();
  let now = SIM_EPOCH;
  const logs: string[] = [];
  const events: AwsEvent[] = [];
  const host: FleetHost = { now: () => now, at: (t, f) => queue.push(Math.max(t, now), f), emit: (e) => events.push(e), log: (_c, text) => logs.push(text) };
  const fleet = new Fleet(
    spec(faults, group, instance),
    { launchHook: false, terminateHook: false, warmupDocument: 'w', drainDocument: 'd', elbHealthChecks: true, ...options },
    host,
    new RngStreams(3),
  );
  fleet.begin();
  const runUntil = async (hours: number): Promise<void> => {
    const end = SIM_EPOCH + hours * HOUR;
    for (let next = queue.peek(); next && next.at <= end; next = queue.peek()) {
      queue.pop();
      now = next.at;
      await next.item();
    }
    now = end;
  };
  const units = (market: 'on-demand' | 'spot') =>
    fleet.describe().instances.filter((i) => i.lifecycleState === 'InService' && fleet.instances.get(i.instanceId)?.market === market).length;
  const update = (base: number, percent: number, strategy = 'price-capacity-optimized') =>
    fleet.updateMixedInstancesPolicy({
      InstancesDistribution: { OnDemandBaseCapacity: base, OnDemandPercentageAboveBaseCapacity: percent, SpotAllocationStrategy: strategy },
    });
  /** Lifecycle-action events emitted so far (hook, instance, token). */
  const lifecycleEvents = () =>
    events
      .filter((e) => e.source === 'aws.autoscaling' && typeof e.detail.LifecycleActionToken === 'string')
      .map((e) => ({
        hook: String(e.detail.LifecycleHookName),
        instanceId: String(e.detail.EC2InstanceId),
        token: String(e.detail.LifecycleActionToken),
        transition: String(e.detail.LifecycleTransition),
      }));
  return { fleet, runUntil, units, update, logs, lifecycleEvents, events: () => events };
};

describe('a change of OnDemandBaseCapacity / OnDemandPercentageAboveBaseCapacity replaces running instances (CloudFormation InstancesDistribution reference)', () => {
  it('raising the percentage launches On-Demand replacements first, then terminates the surplus Spot instances', async () => {
    const f = drive();
    await f.runUntil(1);
    expect([f.units('on-demand'), f.units('spot')]).toEqual([2, 8]);
    f.update(0, 60);
    await f.runUntil(4);
    // 60 % of 10 = 6 On-Demand; the 4 Spot instances they replace are gone.
    expect([f.units('on-demand'), f.units('spot')]).toEqual([6, 4]);
    expect(f.fleet.metrics.mixReplacementLaunches).toBe(4);
    expect(f.fleet.metrics.mixReplacedInstances).toBe(4);
    // Launch before terminate: warm serving capacity never fell below desired during the replacement.
    const after = f.fleet.series.filter((p) => p.t >= HOUR);
    expect(after.length).toBeGreaterThan(100);
    expect(after.every((p) => p.warm >= p.desired)).toBe(true);
  });

  it('lowering it replaces On-Demand instances with Spot ones the same way', async () => {
    const f = drive();
    await f.runUntil(1);
    f.update(0, 0);
    await f.runUntil(4);
    expect([f.units('on-demand'), f.units('spot')]).toEqual([0, 10]);
    expect(f.fleet.metrics.mixReplacedInstances).toBe(2);
    expect(f.fleet.series.filter((p) => p.t >= HOUR).every((p) => p.warm >= p.desired)).toBe(true);
  });

  it('the replacement is gradual: waves of at most 10 % of desired capacity', async () => {
    const f = drive();
    await f.runUntil(1);
    f.update(0, 100);
    await f.runUntil(1.05);
    // One wave (1 unit of 10) is on its way in; the rest waits for it.
    expect(f.fleet.metrics.mixReplacementLaunches).toBe(1);
    await f.runUntil(8);
    expect([f.units('on-demand'), f.units('spot')]).toEqual([10, 0]);
    expect(f.fleet.metrics.mixReplacedInstances).toBe(8);
  });

  it('SpotAllocationStrategy alone leaves running instances alone', async () => {
    const f = drive();
    await f.runUntil(1);
    f.update(0, 20, 'capacity-optimized');
    await f.runUntil(3);
    expect(f.fleet.metrics.mixReplacementLaunches).toBe(0);
    expect(f.fleet.metrics.mixChanges).toBe(0);
  });
});

describe('the careful baseline (Auto Scaling alone, configured well)', () => {
  it('Capacity Rebalancing launches a Spot replacement and terminates the at-risk instance once the replacement is healthy', async () => {
    const f = drive({ capacityRebalance: true }, [{ kind: 'rebalance-recommendations', at: '01:00', fraction: 0.5, interruptAfter: '1h' }]);
    await f.runUntil(3);
    expect(f.fleet.metrics.rebalanceRecommendations).toBe(4);
    expect(f.fleet.metrics.capacityRebalanceLaunches).toBe(4);
    // Every recommended instance left before EC2 reclaimed it: the interruptions cost nothing.
    expect(f.fleet.metrics.interruptionsAbsorbed).toBe(f.fleet.metrics.interruptions);
    expect(f.fleet.metrics.droppedRequests).toBe(0);
    expect(f.fleet.series.filter((p) => p.t >= HOUR).every((p) => p.warm >= p.desired)).toBe(true);
  });

  it('without Capacity Rebalancing the same instances are interrupted while they serve', async () => {
    const f = drive({}, [{ kind: 'rebalance-recommendations', at: '01:00', fraction: 0.5, interruptAfter: '1h' }]);
    await f.runUntil(3);
    expect(f.fleet.metrics.capacityRebalanceLaunches).toBe(0);
    expect(f.fleet.metrics.interruptions).toBe(4);
    expect(f.fleet.metrics.droppedRequests).toBeGreaterThan(0);
  });

  it('load-balancer health checks: a broken instance gets no traffic and is replaced after the grace period', async () => {
    // Demand for 12 units: the two instances target tracking adds after 3 minutes load the bad model.
    const f = drive({}, [{ kind: 'bad-model', at: '00:00', duration: '30m', modelVersion: 'bad', warmupFailureRate: 1 }], { requests: 115 });
    await f.runUntil(2);
    expect(f.fleet.metrics.coldRequests).toBe(0);
    expect(f.fleet.metrics.healthCheckReplacements).toBeGreaterThanOrEqual(2);
    expect(f.logs.some((l) => /unhealthy \(load balancer health check\) after the 900 s grace period/.test(l))).toBe(true);
  });
});

describe('lifecycle actions in the group (shared/local/lifecycle-actions.ts, lifecycle-hooks.html, adding-lifecycle-hooks.html)', () => {
  const ours = { groupName: 'ml', hookName: 'asg-orchestrator-launch' };

  it("another tool's launch hook: each hook gets its own event and token; the instance waits until both are answered, theirs by its DefaultResult", async () => {
    const f = drive({ launchHook: true, otherHooks: [{ name: 'their-launch', transition: 'launch', heartbeatTimeout: 3600, defaultResult: 'CONTINUE' }] }, [], {
      requests: 115,
    });
    await f.runUntil(0.1);
    const launches = f.lifecycleEvents();
    const ids = [...new Set(launches.map((e) => e.instanceId))];
    expect(ids.length).toBe(2);
    for (const id of ids) {
      const mine = launches.find((e) => e.instanceId === id && e.hook === 'asg-orchestrator-launch');
      const theirs = launches.find((e) => e.instanceId === id && e.hook === 'their-launch');
      expect(mine?.token).toBeDefined();
      expect(theirs?.token).not.toBe(mine?.token);
      // Our token never completes their action.
      expect(() =>
        f.fleet.completeLifecycleAction({ groupName: 'ml', hookName: 'their-launch', instanceId: id, token: mine?.token as string }, 'CONTINUE'),
      ).toThrow(/No active Lifecycle Action/);
      f.fleet.completeLifecycleAction({ ...ours, instanceId: id, token: mine?.token as string }, 'CONTINUE');
      expect(f.fleet.instances.get(id)?.state).toBe('Pending:Wait');
    }
    expect(f.fleet.lifecycleHooks().map((h) => h.name)).toEqual(['asg-orchestrator-launch', 'their-launch']);
    // Their hook is never answered: its DefaultResult (CONTINUE) applies at its heartbeat timeout.
    await f.runUntil(1.2);
    for (const id of ids) expect(f.fleet.instances.get(id)?.state).toBe('InService');
    expect(f.fleet.metrics.hookTimeouts).toBe(2);
  });

  it('an unanswered launch action takes the DefaultResult (ABANDON) at the heartbeat timeout: the launch fails and is replaced', async () => {
    const f = drive({ launchHook: true }, [], { requests: 115 });
    await f.runUntil(0.1);
    const first = [...new Set(f.lifecycleEvents().map((e) => e.instanceId))];
    expect(first.map((id) => f.fleet.instances.get(id)?.state)).toEqual(['Pending:Wait', 'Pending:Wait']);
    await f.runUntil(0.1 + 600 / 3600);
    expect(first.map((id) => f.fleet.instances.get(id)?.state)).toEqual(['Terminated', 'Terminated']);
    expect(f.fleet.metrics.abandonedLaunches).toBe(2);
    expect(f.fleet.metrics.hookTimeouts).toBe(2);
  });

  it('EC2 reclaims a Spot instance two minutes after the warning even while its terminate hook waits; a later completion finds no action', async () => {
    // Warnings at 01:10 (10 minutes after the recommendations), EC2 reclaims at 01:12.
    const f = drive({ terminateHook: true }, [{ kind: 'rebalance-recommendations', at: '01:00', fraction: 0.5, interruptAfter: '10m' }]);
    await f.runUntil(1 + 11 / 60);
    const warned = [...f.fleet.instances.values()].find((i) => i.warnedAt !== undefined && i.state === 'InService');
    expect(warned).toBeDefined();
    const id = warned?.id as string;
    f.fleet.terminateInstanceInAutoScalingGroup(id, false);
    expect(f.fleet.instances.get(id)?.state).toBe('Terminating:Wait');
    const token = f.lifecycleEvents().find((e) => e.instanceId === id && e.hook === 'asg-orchestrator-terminate')?.token;
    expect(token).toBeDefined();
    // The hook's heartbeat timeout is 300 s, but capacity is gone at 01:12.
    await f.runUntil(1 + 12.5 / 60);
    expect(f.fleet.instances.get(id)?.state).toBe('Terminated');
    expect(f.fleet.openActionsOf(id)).toEqual([]);
    expect(() =>
      f.fleet.completeLifecycleAction({ groupName: 'ml', hookName: 'asg-orchestrator-terminate', instanceId: id, token: token as string }, 'CONTINUE'),
    ).toThrow(/No active Lifecycle Action found with token/);
  });
});

describe('Spot allocation without an oracle (ec2-auto-scaling-mixed-instances-groups.html)', () => {
  const launchedAfter = (f: ReturnType<typeof drive>, t: number) => [...f.fleet.instances.values()].filter((i) => i.launchedAt > t && i.market === 'spot');

  it('price-capacity-optimized does not know a storm is coming: a launch at its start still goes to the cheapest pool', async () => {
    const f = drive({}, [{ kind: 'interruption-storm', at: '01:00', duration: '2h', pool: { instanceType: 'g5.xlarge' }, ratePerInstanceHour: 0.000001 }]);
    await f.runUntil(1);
    const spot = [...f.fleet.instances.values()].find((i) => i.market === 'spot' && i.state === 'InService');
    f.fleet.terminateInstanceInAutoScalingGroup(spot?.id as string, false);
    await f.runUntil(1.2);
    expect(launchedAfter(f, SIM_EPOCH + HOUR).map((i) => i.type)).toEqual(['g5.xlarge']);
  });

  it('once EC2 has seen the pool interrupt instances, launches go to the next pool by price', async () => {
    const f = drive({}, [{ kind: 'interruption-storm', at: '01:00', duration: '2h', pool: { instanceType: 'g5.xlarge' }, ratePerInstanceHour: 6 }]);
    await f.runUntil(1.5);
    const firstWarn = Math.min(...[...f.fleet.instances.values()].map((i) => i.warnedAt ?? Number.POSITIVE_INFINITY));
    const after = launchedAfter(f, firstWarn);
    expect(after.length).toBeGreaterThan(0);
    expect(after.every((i) => i.type === 'g6.xlarge')).toBe(true);
  });

  it('a dry pool fails for that pool only: the same request launches in the next pool, and the activity does not fail', async () => {
    const f = drive({}, [{ kind: 'spot-drought', at: '00:00', duration: '8h', pools: [{ instanceType: 'g5.xlarge' }] }], { requests: 115 });
    await f.runUntil(0.5);
    expect(f.fleet.metrics.spotLaunchFailures).toBeGreaterThan(0);
    expect(launchedAfter(f, SIM_EPOCH).map((i) => i.type)).toEqual(['g6.xlarge']);
    expect(f.events().filter((e) => e['detail-type'] === 'EC2 Instance Launch Unsuccessful')).toEqual([]);
  });

  it('when every pool is dry the scaling activity fails: EC2 Instance Launch Unsuccessful', async () => {
    const f = drive({}, [{ kind: 'spot-drought', at: '00:00', duration: '8h', pools: [] }], { requests: 115 });
    await f.runUntil(0.5);
    expect(launchedAfter(f, SIM_EPOCH)).toEqual([]);
    expect(f.events().filter((e) => e['detail-type'] === 'EC2 Instance Launch Unsuccessful').length).toBeGreaterThan(0);
  });
});

describe('Systems Manager (API_SendCommand.html errors, eb-service-event-delivery-level.html)', () => {
  const send = (f: ReturnType<typeof drive>, instanceId: string) =>
    f.fleet.sendCommand({ instanceId, documentName: 'warmup', parameters: {}, comment: 'warm-up', timeoutSeconds: 600 });

  it('SendCommand before the SSM agent registered is InvalidInstanceId; after it, the command runs', async () => {
    const f = drive({ launchHook: true }, [], { requests: 115 }, { ssmAgentSeconds: { min: 20, max: 20 } });
    await f.runUntil(0.1);
    const [first] = f.lifecycleEvents();
    const id = first?.instanceId as string;
    const hookAt = Math.max(
      ...f
        .events()
        .filter((e) => e.detail.EC2InstanceId === id)
        .map((e) => Date.parse(e.time)),
    );
    expect(hookAt).toBeGreaterThan(SIM_EPOCH);
    // The run is at 6 min; the hook opened at hookAt: send at hookAt + 10 s (agent not yet) and + 21 s (event times are whole seconds).
    const g = drive({ launchHook: true }, [], { requests: 115 }, { ssmAgentSeconds: { min: 20, max: 20 } });
    await g.runUntil((hookAt - SIM_EPOCH + 10_000) / HOUR);
    expect(() => send(g, id)).toThrow(expect.objectContaining({ name: 'InvalidInstanceId' }));
    expect(g.fleet.metrics.agentNotReady).toBe(1);
    await g.runUntil((hookAt - SIM_EPOCH + 21_000) / HOUR);
    expect(typeof send(g, id)).toBe('string');
  });

  it('status events are delivered at least once: with duplicates on, the same event (same id) arrives twice', async () => {
    const f = drive({ launchHook: true }, [], { requests: 115 }, { ssmAgentSeconds: { min: 0, max: 0 }, duplicateEventRate: 1 });
    await f.runUntil(0.1);
    const [first] = f.lifecycleEvents();
    send(f, first?.instanceId as string);
    await f.runUntil(0.3);
    const status = f.events().filter((e) => e.source === 'aws.ssm');
    expect(status.length).toBeGreaterThanOrEqual(4);
    const ids = status.map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length / 2);
    expect(f.fleet.metrics.duplicateDeliveries).toBe(ids.length / 2);
  });
});
