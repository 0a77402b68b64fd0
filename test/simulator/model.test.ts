/** The model's AWS-like behaviour: allocation, scale-in buckets, lifecycle-action errors, the queue, the PRNG. */
import { describe, expect, it } from 'vitest';
import { EventQueue } from '../../simulator/core/heap';
import { Rng } from '../../simulator/core/prng';
import { parseSeconds } from '../../simulator/core/time';
import { type Candidate, type Distribution, defaultTerminationChoice, marketForLaunch, onDemandTarget, scaleInBuckets } from '../../shared/local/allocation';
import { Fleet, type FleetHost } from '../../simulator/model/fleet';
import { CallCounter, SimAutoScaling, SimSsm } from '../../simulator/ports/sim-ports';
import { RngStreams } from '../../simulator/core/prng';
import { loadScenario } from '../../simulator/scenario/load';
import { isAwsCallError } from '../../shared/errors';

const dist = (base: number, pct: number): Distribution => ({
  onDemandBaseCapacity: base,
  onDemandPercentageAboveBaseCapacity: pct,
  spotAllocationStrategy: 'price-capacity-optimized',
  onDemandAllocationStrategy: 'prioritized',
});
const inst = (id: string, az: string, market: 'spot' | 'on-demand', weight = 1): Candidate => ({
  id,
  az,
  market,
  weight,
  type: 'g5.xlarge',
  launchedAt: 0,
  launchTemplateVersion: '1',
});

describe('MixedInstancesPolicy allocation', () => {
  it.each([
    ['base only', dist(2, 0), 10, 2],
    ['base, then 25 % of the rest rounded up', dist(2, 25), 10, 4],
    ['desired below base', dist(4, 50), 3, 3],
    ['all On-Demand', dist(0, 100), 7, 7],
    ['all Spot', dist(0, 0), 7, 0],
  ])('%s', (_name, d, desired, expected) => {
    expect(onDemandTarget(d, desired)).toBe(expected);
  });

  it('launches On-Demand until the On-Demand share is met, then Spot', () => {
    expect(marketForLaunch(dist(2, 25), 10, 3)).toBe('on-demand');
    expect(marketForLaunch(dist(2, 25), 10, 4)).toBe('spot');
  });

  it('scale-in takes from the market above its share, then from the zone with the most units', () => {
    const fleet = [
      inst('a1', 'a', 'on-demand'),
      inst('a2', 'a', 'on-demand'),
      inst('a3', 'a', 'spot'),
      inst('b1', 'b', 'spot'),
      inst('b2', 'b', 'spot'),
      inst('b3', 'b', 'spot'),
    ];
    // desired 4 with base 1 + 25 %: On-Demand target 1 + ceil(0.75) = 2, already met → both units are Spot, from zone b (most Spot units).
    expect(scaleInBuckets(dist(1, 25), ['a', 'b'], fleet, 4)).toEqual([{ availabilityZone: 'b', market: 'spot', capacity: 2 }]);
    // All-Spot distribution: the two On-Demand units are above their share (0) and go first.
    expect(scaleInBuckets(dist(0, 0), ['a', 'b'], fleet, 4)).toEqual([{ availabilityZone: 'a', market: 'on-demand', capacity: 2 }]);
    // One unit from each market when both are above share: Spot from the zone with the most Spot units.
    expect(scaleInBuckets(dist(0, 25), ['a', 'b'], fleet, 4)).toEqual([
      { availabilityZone: 'a', market: 'on-demand', capacity: 1 },
      { availabilityZone: 'b', market: 'spot', capacity: 1 },
    ]);
  });

  it('never asks for capacity that whole weighted instances cannot make up', () => {
    expect(scaleInBuckets(dist(0, 0), ['a'], [inst('x', 'a', 'spot', 2), inst('y', 'a', 'spot', 2)], 3)).toEqual([]);
    expect(scaleInBuckets(dist(0, 0), ['a'], [inst('x', 'a', 'spot', 2), inst('y', 'a', 'spot', 1)], 2)).toEqual([
      { availabilityZone: 'a', market: 'spot', capacity: 1 },
    ]);
  });
});

describe('the default termination policy inside a bucket (ec2-auto-scaling-termination-policies.html, ec2-auto-scaling-instance-protection.html)', () => {
  const HOUR_MS = 3_600_000;
  const NOW = 10 * HOUR_MS;
  const c = (id: string, over: Partial<Candidate> = {}): Candidate => ({
    ...inst(id, 'a', 'spot'),
    launchedAt: NOW - 5 * HOUR_MS,
    launchTemplateVersion: '7',
    ...over,
  });
  const choose = (candidates: Candidate[], capacity = 1) =>
    defaultTerminationChoice([{ availabilityZone: 'a', market: 'spot', capacity }], candidates, '7', NOW, new Rng(1, 'default-termination')).ids;

  it.each([
    [
      'allocation strategy first: the least preferred pool leaves, even on the current launch template',
      [c('old-lt', { launchTemplateVersion: '6' }), c('worst-pool', { allocationRank: 2 })],
      ['worst-pool'],
    ],
    ['then the oldest launch template', [c('current'), c('old-lt', { launchTemplateVersion: '6' })], ['old-lt']],
    [
      'then the closest to the next billing hour',
      [c('fresh-hour', { launchedAt: NOW - 5 * HOUR_MS - 60_000 }), c('hour-ending', { launchedAt: NOW - 5 * HOUR_MS - 59 * 60_000 })],
      ['hour-ending'],
    ],
    [
      'a protected instance is never chosen, whatever it ranks',
      [c('protected', { allocationRank: 5, launchTemplateVersion: '1', protectedFromScaleIn: true }), c('plain')],
      ['plain'],
    ],
  ])('%s', (_name, candidates, expected) => {
    expect(choose(candidates)).toEqual(expected);
  });

  it('protected instances count toward capacity but no bucket asks for them', () => {
    const fleet = [
      inst('a1', 'a', 'spot'),
      { ...inst('a2', 'a', 'spot'), protectedFromScaleIn: true },
      { ...inst('a3', 'a', 'spot'), protectedFromScaleIn: true },
      inst('b1', 'b', 'spot'),
    ];
    // 4 units, desired 2: zone a has the most units, but only one of them may go; the other comes from b.
    expect(scaleInBuckets(dist(0, 0), ['a', 'b'], fleet, 2)).toEqual([
      { availabilityZone: 'a', market: 'spot', capacity: 1 },
      { availabilityZone: 'b', market: 'spot', capacity: 1 },
    ]);
  });
});

describe('lifecycle actions and commands through the ports', () => {
  const fleetFor = () => {
    const scenario = loadScenario('scenarios/bad-model.yaml');
    let now = 0;
    const host: FleetHost = { now: () => now, at: () => undefined, emit: () => undefined, log: () => undefined };
    now = 1_700_000_000_000;
    const fleet = new Fleet(
      scenario.spec,
      { launchHook: true, terminateHook: true, warmupDocument: 'asg-orchestrator-warmup', drainDocument: 'asg-orchestrator-drain' },
      host,
      new RngStreams(1),
    );
    fleet.begin();
    return { fleet, counter: new CallCounter(), group: scenario.spec.group.name };
  };

  it('an unknown or finished lifecycle action answers ValidationError, which the classifier turns into already-done', async () => {
    const { fleet, counter, group } = fleetFor();
    const port = new SimAutoScaling(fleet, counter);
    const id = fleet.describe().instances[0]?.instanceId ?? '';
    const ref = { groupName: group, hookName: 'asg-orchestrator-launch', instanceId: id, token: '0b1c2d3e-4f50-4a61-8b72-9c8d7e6f5a41' };
    expect(() => fleet.completeLifecycleAction(ref, 'CONTINUE')).toThrow(
      expect.objectContaining({ name: 'ValidationError', message: expect.stringMatching(/^No active Lifecycle Action found/) }),
    );
    await expect(port.completeLifecycleAction(ref, 'CONTINUE')).resolves.toBe('already-done');
    await expect(port.recordLifecycleActionHeartbeat(ref)).resolves.toBe('already-done');
  });

  it('a response lost after the service acted: the caller sees the SDK retry (already-done; a second command)', async () => {
    const { fleet, counter, group } = fleetFor();
    const [first, second] = fleet.describe().instances.map((i) => i.instanceId);
    fleet.terminateInstanceInAutoScalingGroup(first as string, false);
    const asg = new SimAutoScaling(fleet, counter, () => true);
    await expect(
      asg.completeLifecycleAction({ groupName: group, hookName: 'asg-orchestrator-terminate', instanceId: first as string }, 'CONTINUE'),
    ).resolves.toBe('already-done');
    expect(fleet.instances.get(first as string)?.state).toBe('Terminating');
    const ssm = new SimSsm(fleet, counter, (op) => op === 'SendCommand');
    const id = await ssm.sendCommand({
      documentName: 'asg-orchestrator-warmup',
      instanceId: second as string,
      parameters: {},
      timeoutSeconds: 600,
      comment: 'test',
    });
    const sent = fleet.listCommands(second as string, 0, 50);
    expect(sent.length).toBe(2);
    expect(sent.map((c) => c.commandId)).toContain(id);
  });

  it('a command for an instance that does not exist is a drop, as InvalidInstanceId is in AWS', async () => {
    const { fleet, counter } = fleetFor();
    const ssm = new SimSsm(fleet, counter);
    const error = await ssm
      .sendCommand({ documentName: 'asg-orchestrator-warmup', instanceId: 'i-0000000000000dead', parameters: {}, timeoutSeconds: 600, comment: 'test' })
      .catch((e: unknown) => e);
    expect(isAwsCallError(error) && error.disposition).toBe('drop');
    await expect(ssm.getCommandInvocation('0b1c2d3e-4f50-4a61-8b72-9c8d7e6f5a41', 'i-0000000000000dead')).resolves.toBeUndefined();
  });
});

describe('simulator core', () => {
  it('the queue pops by time, then in insertion order', () => {
    const q = new EventQueue<string>();
    for (const [t, v] of [
      [5, 'e'],
      [1, 'a'],
      [3, 'c'],
      [1, 'b'],
      [9, 'f'],
      [3, 'd'],
    ] as const)
      q.push(t, v);
    const out: string[] = [];
    for (let n = q.pop(); n; n = q.pop()) out.push(n.item);
    expect(out).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
  });

  it('the queue stays ordered under random pushes', () => {
    const rng = new Rng(3, 'heap');
    const q = new EventQueue<number>();
    for (let i = 0; i < 5000; i += 1) q.push(Math.floor(rng.next() * 1000), i);
    let last = -1;
    for (let n = q.pop(); n; n = q.pop()) {
      expect(n.at).toBeGreaterThanOrEqual(last);
      last = n.at;
    }
  });

  it('the PRNG is deterministic per (seed, stream) and GUIDs match the event schemas', () => {
    expect(new Rng(1, 'x').next()).toBe(new Rng(1, 'x').next());
    expect(new Rng(1, 'x').next()).not.toBe(new Rng(1, 'y').next());
    expect(new Rng(5, 'ids').guid()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-a[0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it.each([
    ['90s', 90],
    ['15m', 900],
    ['1h30m', 5400],
    ['14:05', 50_700],
    [42, 42],
    ['soon', undefined],
    ['', undefined],
  ])('parseSeconds(%s)', (input, expected) => {
    expect(parseSeconds(input)).toBe(expected);
  });
});
