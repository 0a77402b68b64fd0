/**
 * The facts the lifecycle functions record for the termination policy's ordering (launch time,
 * warming), and the termination policy ordering by them end to end, all on one `MemoryStateStore`.
 */
import { describe, expect, it } from 'vitest';
import { createMain as createCommandResultMain } from '../../../functions/command-result';
import { createMain as createLaunchMain } from '../../../functions/launch-lifecycle';
import { createMain as createTerminationMain } from '../../../functions/termination-policy';
import type { GroupSummary } from '../../../shared/aws';
import { HookCache, runLifecycleSweep } from '../../../shared/lifecycle/lifecycle-sweep';
import { decodeGroupState } from '../../../shared/state/group-state';
import { FACTS_TTL_SECONDS, groupPk } from '../../../shared/state/keys';
import { PACKED_FACTS_PREFIX, packedFactsExpiry, packedFactsSk } from '../../../shared/state/packed-facts';
import { commandEvent, commandId, config, GROUP, group, INSTANCE, launchEvent, T0, type World, world } from './support';

/** What the termination policy decodes about one instance from the group's partition (packed facts items). */
const facts = async (w: World, instanceId: string) => decodeGroupState(await w.store.queryPartition(groupPk(GROUP)), w.clock.now).facts.get(instanceId);
/** The packed item this hour's facts about `instanceId` went to. */
const packedItem = async (w: World, instanceId: string) =>
  (await w.store.queryPartition(groupPk(GROUP), { skPrefix: PACKED_FACTS_PREFIX })).find((i) => i.sk === packedFactsSk(w.clock.now, instanceId));

/** Auto Scaling asking for one on-demand unit in us-east-1a out of `ids` (g5.xlarge). */
const scaleInOne = (ids: readonly string[]) => ({
  AutoScalingGroupARN: group().arn,
  AutoScalingGroupName: GROUP,
  CapacityToTerminate: [{ AvailabilityZone: 'us-east-1a', Capacity: 1, InstanceMarketOption: 'on-demand' }],
  Instances: ids.map((id) => ({ AvailabilityZone: 'us-east-1a', InstanceId: id, InstanceType: 'g5.xlarge', InstanceMarketOption: 'on-demand' })),
  Cause: 'SCALE_IN',
});

/** A launch event for `instanceId` that happened at `at` (epoch ms). */
const launchAt = (instanceId: string, at: number, n: number): Record<string, unknown> => ({
  ...launchEvent(instanceId),
  id: `0b1c2d3e-4f50-4a61-8b72-${String(n).padStart(12, '0')}`,
  time: new Date(at).toISOString().replace(/\.000Z$/, 'Z'),
});

const member = (instanceId: string, lifecycleState = 'InService'): GroupSummary['instances'][number] => ({
  instanceId,
  instanceType: 'g5.xlarge',
  availabilityZone: 'us-east-1a',
  lifecycleState,
  protectedFromScaleIn: false,
});

describe('warm-up facts for the termination policy', () => {
  it('launchLifecycle records launchedAt (the event time) and warming; the Success result records warming false', async () => {
    // Prepare
    const w = world();
    w.asg.open.set(INSTANCE, true);
    const launchedAt = T0 - 90_000;
    // Act
    await createLaunchMain(w.deps)(launchAt(INSTANCE, launchedAt, 1));
    const during = await facts(w, INSTANCE);
    const item = await packedItem(w, INSTANCE);
    w.clock.now = T0 + 300_000;
    const result = await createCommandResultMain(w.deps)(commandEvent(commandId(1), 'Success'));
    const after = await facts(w, INSTANCE);
    // Assess
    expect(during).toMatchObject({ launchedAt, warming: true });
    // One set entry per fact in the hour's packed item (the write time as ms into the hour), which lives a day past the end of its hour.
    const into = T0 % 3_600_000;
    expect(item).toMatchObject({
      f: new Set([expect.stringMatching(new RegExp(`^${INSTANCE}\\|s\\|${into}\\|${launchedAt}\u001f`)), `${INSTANCE}|w|${into}|1`]),
      expiresAt: packedFactsExpiry(T0),
    });
    expect(item?.expiresAt).toBeGreaterThanOrEqual(Math.floor(T0 / 1000) + FACTS_TTL_SECONDS);
    expect(result).toMatchObject({ outcome: 'completed', result: 'CONTINUE' });
    expect(after).toMatchObject({ launchedAt, warming: false });
  });

  it('records them in observe mode too (facts are not actions)', async () => {
    const w = world(config({ mode: 'observe' }));
    await createLaunchMain(w.deps)(launchAt(INSTANCE, T0 - 5_000, 1));
    expect(await facts(w, INSTANCE)).toMatchObject({ launchedAt: T0 - 5_000, warming: true });
    expect(w.ssm.sent).toHaveLength(0);
  });

  it('a duplicate delivery writes the same facts again (idempotent)', async () => {
    const w = world();
    const main = createLaunchMain(w.deps);
    await main(launchAt(INSTANCE, T0 - 5_000, 1));
    w.clock.now = T0 + 10_000;
    const again = await main(launchAt(INSTANCE, T0 - 5_000, 2));
    expect(again).toMatchObject({ outcome: 'duplicate' });
    expect(await facts(w, INSTANCE)).toMatchObject({ launchedAt: T0 - 5_000, warming: true });
  });

  it("the reconcile sweep's lost-event repair records the sweep's time as the launch time", async () => {
    const w = world();
    w.asg.groups.set(GROUP, group(GROUP, 'gpu-inference', [member(INSTANCE, 'Pending:Wait')]));
    w.asg.open.set(INSTANCE, true);
    const report = await runLifecycleSweep(w.deps, new HookCache(w.asg), T0);
    expect(report.summary.outcomes).toMatchObject({ started: 1 });
    expect(await facts(w, INSTANCE)).toMatchObject({ launchedAt: T0, warming: true });
  });

  it('an abandoned warm-up (last failure) records warming false', async () => {
    const w = world(config({ warmup: { maxAttempts: 1 } }));
    w.asg.open.set(INSTANCE, true);
    await createLaunchMain(w.deps)(launchAt(INSTANCE, T0, 1));
    const result = await createCommandResultMain(w.deps)(commandEvent(commandId(1), 'Failed'));
    expect(result).toMatchObject({ outcome: 'abandoned', result: 'ABANDON' });
    expect(await facts(w, INSTANCE)).toMatchObject({ warming: false });
  });

  it('terminationPolicy puts the warming instance first, then warm ones oldest-first by the recorded launch time', async () => {
    // Prepare: three instances launched an hour apart; the two older ones finished warming.
    const w = world();
    const [oldest, middle, newest] = ['i-0000000000000000c', 'i-0000000000000000a', 'i-0000000000000000b'];
    for (const id of [oldest, middle, newest]) w.asg.open.set(id, true);
    w.asg.groups.set(GROUP, group(GROUP, 'gpu-inference', [member(oldest), member(middle), member(newest, 'Pending:Wait')]));
    const launch = createLaunchMain(w.deps);
    await launch(launchAt(oldest, T0 - 3 * 3_600_000, 1));
    await launch(launchAt(middle, T0 - 2 * 3_600_000, 2));
    await launch(launchAt(newest, T0 - 3_600_000, 3));
    const results = createCommandResultMain(w.deps);
    await results(commandEvent(commandId(1), 'Success', oldest));
    await results(commandEvent(commandId(2), 'Success', middle));
    const main = createTerminationMain({ config: w.deps.config, autoScaling: w.asg, store: w.store, now: () => w.clock.now, readBudgetMs: 1_000 });
    const request = {
      AutoScalingGroupARN: group().arn,
      AutoScalingGroupName: GROUP,
      CapacityToTerminate: [{ AvailabilityZone: 'us-east-1a', Capacity: 3, InstanceMarketOption: 'on-demand' }],
      // Input order is neither launch order nor id order, so only the facts can produce the answer.
      Instances: [middle, newest, oldest].map((id) => ({
        AvailabilityZone: 'us-east-1a',
        InstanceId: id,
        InstanceType: 'g5.xlarge',
        InstanceMarketOption: 'on-demand',
      })),
      Cause: 'SCALE_IN',
    };
    // Act
    const outcome = await main(request);
    // Assess
    expect(outcome).toMatchObject({ outcome: 'decided' });
    expect(outcome.instanceIds).toEqual([newest, oldest, middle]);
  });

  it("records the model version the instance launched with (the group's tag) and puts stale models first", async () => {
    // Prepare: a rollout to v2, a rollback to v1 for one launch, then v2 again. The newer instance (b)
    // runs the rolled-back model: it goes first although oldest-first would pick a.
    const w = world();
    const [a, b] = ['i-0000000000000000a', 'i-0000000000000000b'];
    const tagged = (version: string) => {
      const g = group(GROUP, 'gpu-inference', [member(a), member(b)]);
      return { ...g, tags: [...g.tags, { key: 'asg-orchestrator:model-version', value: version }] };
    };
    const launch = createLaunchMain(w.deps);
    // Group tags are cached for a minute per container: each step comes two minutes later.
    const retag = (version: string) => {
      w.clock.now += 120_000;
      w.asg.groups.set(GROUP, tagged(version));
    };
    retag('v2');
    await launch(launchAt(a, T0 - 2 * 3_600_000, 1));
    retag('v1');
    await launch(launchAt(b, T0 - 3_600_000, 2));
    retag('v2');
    // Assess the facts
    expect(await facts(w, a)).toMatchObject({ modelVersion: 'v2' });
    expect(await facts(w, b)).toMatchObject({ modelVersion: 'v1' });
    // Act: the group's tag says v2 now (the profile names no version)
    const cfg = config({ termination: { currentModelVersion: null } });
    const main = createTerminationMain({ config: () => cfg, autoScaling: w.asg, store: w.store, now: () => w.clock.now, readBudgetMs: 1_000 });
    const outcome = await main(scaleInOne([a, b]));
    expect(outcome.instanceIds).toEqual([b]);
  });

  it("records the launch template version the instance launched from (the group's then) and puts stale templates first", async () => {
    // Prepare: a launched from version 6, b from version 7; the group is on 7 now. Oldest-first alone would pick a anyway,
    // so b is the older one here: only the stale template puts a first.
    const w = world();
    const [a, b] = ['i-0000000000000000a', 'i-0000000000000000b'];
    const launch = createLaunchMain(w.deps);
    const onVersion = (version: string) => {
      w.clock.now += 120_000;
      w.asg.groups.set(GROUP, { ...group(GROUP, 'gpu-inference', [member(a), member(b)]), launchTemplateVersion: version });
    };
    onVersion('7');
    await launch(launchAt(b, T0 - 2 * 3_600_000, 1));
    onVersion('6');
    await launch(launchAt(a, T0 - 3_600_000, 2));
    onVersion('7');
    expect(await facts(w, a)).toMatchObject({ launchTemplateVersion: '6' });
    expect(await facts(w, b)).toMatchObject({ launchTemplateVersion: '7' });
    // Act: the termination policy reads the group without instances: the version comes from the facts.
    const main = createTerminationMain({ config: () => config(), autoScaling: w.asg, store: w.store, now: () => w.clock.now, readBudgetMs: 1_000 });
    const outcome = await main(scaleInOne([a, b]));
    expect(outcome.instanceIds).toEqual([a]);
  });
});

describe('late duplicates do not rewrite the facts (issue 13 item 5)', () => {
  it('a launch event re-delivered after the warm-up completed leaves the instance warm, at its recorded launch time', async () => {
    // Prepare: warm-up started by the event of T0 - 90 s and completed.
    const w = world();
    w.asg.open.set(INSTANCE, true);
    const launch = createLaunchMain(w.deps);
    await launch(launchAt(INSTANCE, T0 - 90_000, 1));
    w.clock.now = T0 + 300_000;
    await createCommandResultMain(w.deps)(commandEvent(commandId(1), 'Success'));
    // Act: the same action's event again, late, once as it was and once re-emitted with a new id and a later time.
    w.clock.now = T0 + 600_000;
    const late = await launch(launchAt(INSTANCE, T0 - 90_000, 1));
    const reEmitted = await launch(launchAt(INSTANCE, T0 + 500_000, 2));
    // Assess
    expect(late).toMatchObject({ outcome: 'duplicate' });
    expect(reEmitted).toMatchObject({ outcome: 'duplicate' });
    expect(await facts(w, INSTANCE)).toMatchObject({ launchedAt: T0 - 90_000, warming: false });
  });
});
