/**
 * capacitySignal against aws-sdk-client-mock: the real adapters, with the DynamoDB document client
 * answered by an in-memory table that keeps DynamoDB's conditional-write semantics.
 */
import { createAwsClients } from '../../shared/aws/all-clients';
import { DescribeAutoScalingGroupsCommand, UpdateAutoScalingGroupCommand } from '@aws-sdk/client-auto-scaling';
import { DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { PublishCommand } from '@aws-sdk/client-sns';
import { ListCommandsCommand, SendCommandCommand } from '@aws-sdk/client-ssm';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createDeps, createMain, handler } from '../../functions/capacity-signal';
import { createMixSweepDeps } from '../../shared/mix/deps';
import { runMixSweep } from '../../shared/mix/sweep';
import { decodeGroupState } from '../../shared/state/group-state';
import { captureEmf } from '../support/emf';
import { loadEvent } from '../support/fixtures';
import {
  asg,
  ddb,
  describeGroup,
  describeInstances,
  eb,
  ec2,
  ENV,
  GROUP,
  items,
  MIP,
  main,
  NOW,
  published,
  resetTable,
  seedEarlierWarnings,
  sns,
  ssm,
  table,
  WARNED,
} from './capacity-signal-world';

describe('capacitySignal handler', () => {
  beforeEach(() => {
    for (const m of [asg, ec2, ssm, sns, eb, ddb]) m.reset();
    resetTable();
    asg.on(DescribeAutoScalingGroupsCommand).resolves(describeGroup({ profile: 'gpu-inference' }));
    asg.on(UpdateAutoScalingGroupCommand).resolves({});
    ec2.on(DescribeInstancesCommand).callsFake((i) => describeInstances(i.Filters?.[0]?.Values ?? []));
    ssm.on(SendCommandCommand).resolves({ Command: { CommandId: 'cmd-0001' } });
    // No command was sent before (asked only when a send is taken over from a failed invocation).
    ssm.on(ListCommandsCommand).resolves({ Commands: [] });
    sns.on(PublishCommand).resolves({ MessageId: 'm' });
    eb.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e' }] });
  });

  it('interruption warning: records the signal, marks the instance doomed, starts the drain, raises the mix, notifies', async () => {
    // Prepare
    await seedEarlierWarnings();

    // Act
    const result = await main()(loadEvent('ec2/spot-interruption.json'));

    // Assess: the decision and its reason
    expect(result).toMatchObject({ outcome: 'recorded', group: GROUP, mode: 'enforce', drain: { kind: 'started', commandId: 'cmd-0001' } });
    expect(result.mix).toMatchObject({ outcome: 'changed', rule: 'raise', from: { base: 1, percent: 25 }, to: { base: 1, percent: 50 } });
    expect(result.reason).toMatch(
      /raise: 10 Spot instance\(s\) warned in 3600 s \(10 since the last change\) over 6 Spot instance\(s\) = 1\.667 interruptions per Spot instance-hour in 2 of 2 pool\(s\): risk 1\.667 > raiseThreshold 0\.2; pays for its churn: gain 1\.67 vs cost 1\.53 On-Demand unit-hours/,
    );
    // ... the state
    expect(items('signal#')).toHaveLength(10);
    expect(items('signal#').find((i) => i.instanceId === WARNED)).toMatchObject({
      kind: 'interruption-warning',
      instanceType: 'g5.xlarge',
      availabilityZone: 'us-east-1a',
      expiresAt: Math.floor(Date.parse('2026-11-27T11:20:00Z') / 1000) + 3600,
    });
    // Doomed, in the group's packed facts (docs/adr/0009-packed-instance-facts.md); no per-instance facts item.
    expect(items(`instance#${WARNED}`)).toEqual([]);
    expect(decodeGroupState(items('facts#'), NOW).facts.get(WARNED)).toMatchObject({
      doomed: { kind: 'interruption-warning', at: Date.parse('2026-11-27T11:20:00Z') },
    });
    const drain = table.dump().find((i) => i.pk === `instance#${WARNED}` && i.sk === 'lifecycle#terminate');
    expect(drain).toMatchObject({
      version: 2,
      data: {
        phase: 'terminate',
        status: 'running',
        commandId: 'cmd-0001',
        attempt: 1,
        maxAttempts: 1,
        documentName: 'asg-orchestrator-test-drain',
        deadlineAt: NOW + 90_000,
        startedBy: 'interruption-warning',
      },
    });
    expect(drain?.data).not.toHaveProperty('hookName');
    // Version 2: the claim (with the change pending), then the write that finishes it once applied and notified.
    expect(items('mix')).toEqual([
      expect.objectContaining({ version: 2, data: expect.objectContaining({ lastChangeAt: NOW, target: { base: 1, percent: 50 }, targetMode: 'enforce' }) }),
    ]);
    expect(items('mix')[0]?.data).not.toHaveProperty('pending');
    // ... the calls
    expect(ssm).toHaveReceivedCommandWith(SendCommandCommand, {
      DocumentName: 'asg-orchestrator-test-drain',
      InstanceIds: [WARNED],
      Parameters: { DrainUrl: ['http://127.0.0.1:8080/drain'], TimeoutSeconds: ['90'] },
    });
    expect(asg).toHaveReceivedCommandTimes(UpdateAutoScalingGroupCommand, 1);
    expect(asg).toHaveReceivedCommandWith(UpdateAutoScalingGroupCommand, {
      AutoScalingGroupName: GROUP,
      MixedInstancesPolicy: { InstancesDistribution: { ...MIP.InstancesDistribution, OnDemandPercentageAboveBaseCapacity: 50 } },
    });
    // Only the distribution: naming the launch template would roll back a version deployed since our
    // read, and would need ec2:RunInstances (and iam:PassRole) on the function's role.
    expect(asg.commandCalls(UpdateAutoScalingGroupCommand)[0]?.args[0].input).toEqual({
      AutoScalingGroupName: GROUP,
      MixedInstancesPolicy: { InstancesDistribution: { ...MIP.InstancesDistribution, OnDemandPercentageAboveBaseCapacity: 50 } },
    });
    expect(published('capacity.instance-doomed')).toHaveLength(1);
    expect(published('mix.changed')).toHaveLength(1);
    expect(JSON.parse(JSON.parse(published('mix.changed')[0]?.args[0].input.Message ?? '{}').sqs)).toMatchObject({
      mode: 'enforce',
      details: { fromPercent: 25, toPercent: 50, rule: 'raise' },
    });
  });

  describe('metrics (docs/metrics.md)', () => {
    afterEach(() => {
      vi.unstubAllEnvs();
      vi.restoreAllMocks();
    });
    const sets = [['service', 'group', 'profile'], ['service']];

    it('a raise in enforce mode: the On-Demand share, the new target, one change and the capacity it replaces', async () => {
      await seedEarlierWarnings();
      const emf = captureEmf();
      await main()(loadEvent('ec2/spot-interruption.json'));
      const labels = { service: 'asg-orchestrator', group: GROUP, profile: 'gpu-inference' };
      // 2 of the 8 members are On-Demand (EC2 says which are Spot).
      expect(emf.points('OnDemandShare')).toEqual([{ value: 25, unit: 'Percent', namespace: 'AsgOrchestrator', dimensionSets: sets, dimensions: labels }]);
      expect(emf.points('MixTarget')).toEqual([expect.objectContaining({ value: 50, unit: 'Percent', dimensions: labels })]);
      expect(emf.points('MixChanges')).toEqual([expect.objectContaining({ value: 1, dimensionSets: sets, dimensions: labels })]);
      expect(emf.points('InstancesReplacedByMix')).toEqual([expect.objectContaining({ value: expect.any(Number), unit: 'Count' })]);
      expect(emf.points('InstancesReplacedByMix')[0]?.value).toBeGreaterThan(0);
    });

    it('observe mode: the share and the shadow target, and no change counted', async () => {
      asg.on(DescribeAutoScalingGroupsCommand).resolves(describeGroup({ profile: 'default' }));
      await seedEarlierWarnings();
      const emf = captureEmf();
      await main()(loadEvent('ec2/spot-interruption.json'));
      expect(emf.points('MixTarget')).toEqual([
        expect.objectContaining({ value: 45, dimensions: { service: 'asg-orchestrator', group: GROUP, profile: 'default' } }),
      ]);
      expect(emf.points('OnDemandShare').map((p) => p.value)).toEqual([25]);
      expect(emf.names()).not.toContain('MixChanges');
    });
  });

  it('a duplicate of the same warning sends nothing again and notifies once', async () => {
    await seedEarlierWarnings();
    const run = main();
    await run(loadEvent('ec2/spot-interruption.json'));
    const again = await run(loadEvent('ec2/spot-interruption.json'));

    expect(again).toMatchObject({ outcome: 'duplicate', drain: { kind: 'duplicate' }, mix: { outcome: 'held' } });
    expect(again.reason).toMatch(/a raise needs evidence newer than the last change/);
    expect(items('signal#')).toHaveLength(10);
    expect(ssm).toHaveReceivedCommandTimes(SendCommandCommand, 1);
    expect(asg).toHaveReceivedCommandTimes(UpdateAutoScalingGroupCommand, 1);
    expect(published('capacity.instance-doomed')).toHaveLength(1);
    // The instance lookup is cached for the container: one DescribeInstances for the warned instance.
    expect(ec2.commandCalls(DescribeInstancesCommand).filter((c) => c.args[0].input.Filters?.[0]?.Values?.length === 1)).toHaveLength(1);
  });

  it('a lost race on the mix record holds and leaves the group alone', async () => {
    await seedEarlierWarnings();
    await table.putIfAbsent({ pk: `group#${GROUP}`, sk: 'mix', version: 1, data: { history: [] } });
    // Another invocation writes the mix record between our read (the group partition's Query, which
    // carries the mix record) and our conditional write.
    ddb.on(QueryCommand, { ExpressionAttributeValues: { ':pk': `group#${GROUP}` } }).callsFake(async () => {
      const items = await table.queryPartition(`group#${GROUP}`, { skFrom: 'mix' });
      await table.putIfVersion({ pk: `group#${GROUP}`, sk: 'mix', version: 1, data: { history: [], lastSignalAt: NOW } }, 1);
      return { Items: items };
    });

    const result = await main()(loadEvent('ec2/spot-interruption.json'));

    expect(result.mix).toMatchObject({ outcome: 'lost-race' });
    expect(result.reason).toMatch(/hold: another invocation changed the mix/);
    expect(asg).toHaveReceivedCommandTimes(UpdateAutoScalingGroupCommand, 0);
    expect(published('mix.changed')).toHaveLength(0);
    expect(result.drain).toMatchObject({ kind: 'started' }); // the drain does not depend on the mix
  });

  it('an instance of a group that did not opt in: one decision line, nothing written or sent', async () => {
    asg.on(DescribeAutoScalingGroupsCommand).resolves(describeGroup({}));
    const result = await main()(loadEvent('ec2/rebalance-recommendation.json'));
    expect(result).toMatchObject({
      outcome: 'skipped',
      reason: expect.stringMatching(/group ml-inference-gpu is not managed: group has no tag asg-orchestrator:profile/),
    });
    expect(table.dump()).toEqual([]);
    expect(ssm).toHaveReceivedCommandTimes(SendCommandCommand, 0);
    expect(sns).toHaveReceivedCommandTimes(PublishCommand, 0);
  });

  it('an instance EC2 does not know (or outside Auto Scaling) is skipped', async () => {
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [] });
    const result = await main()(loadEvent('ec2/spot-interruption.json'));
    expect(result).toMatchObject({ outcome: 'skipped', reason: expect.stringMatching(/unknown to EC2/) });
    expect(asg).toHaveReceivedCommandTimes(DescribeAutoScalingGroupsCommand, 0);
  });

  it('a launch failure that is not about Spot capacity is not a signal', async () => {
    const result = await main()(loadEvent('autoscaling/launch-unsuccessful-config.json'));
    expect(result).toMatchObject({ outcome: 'skipped', reason: expect.stringMatching(/class configuration is not a Spot capacity signal/) });
    expect(asg).toHaveReceivedCommandTimes(DescribeAutoScalingGroupsCommand, 0);
    expect(table.dump()).toEqual([]);
  });

  it('a Spot capacity failure leaving the group short falls back to On-Demand', async () => {
    asg.on(DescribeAutoScalingGroupsCommand).resolves(describeGroup({ profile: 'gpu-inference', inService: 5 }));
    const now = Date.parse('2026-11-27T10:14:20Z');
    const run = createMain({ ...createDeps(createAwsClients(), ENV), now: () => now });

    const result = await run(loadEvent('autoscaling/launch-unsuccessful-spot-capacity-typed.json'));

    expect(result.signal).toEqual({ kind: 'spot-launch-failure', instanceType: 'g5.xlarge', availabilityZone: 'us-east-1b' });
    expect(result.mix).toMatchObject({ outcome: 'changed', rule: 'fallback', to: { base: 4, percent: 26 } });
    expect(result.reason).toMatch(/group short by 3 of desired 8 \(in service 5\)/);
    expect(asg).toHaveReceivedCommandWith(UpdateAutoScalingGroupCommand, {
      MixedInstancesPolicy: { InstancesDistribution: { ...MIP.InstancesDistribution, OnDemandBaseCapacity: 4, OnDemandPercentageAboveBaseCapacity: 26 } },
    });
    expect(items('mix')[0]?.data).toMatchObject({ fallback: { since: now, before: { base: 1, percent: 25 }, applied: { base: 4, percent: 26 } } });
    expect(published('capacity.instance-doomed')).toHaveLength(0); // no instance; activityAudit reports the failure itself
  });

  it('observe mode: decides and notifies, changes nothing, sends nothing', async () => {
    asg.on(DescribeAutoScalingGroupsCommand).resolves(describeGroup({ profile: 'default' }));
    await seedEarlierWarnings();

    const result = await main()(loadEvent('ec2/spot-interruption.json'));

    expect(result).toMatchObject({ mode: 'observe', drain: { kind: 'observed' }, mix: { outcome: 'observed', to: { base: 1, percent: 45 } } });
    // The owner's base 1 stays: the default profile's base ceiling 0 no longer cuts it (respectOwnerSettings).
    expect(result.reason).toMatch(/observe mode, nothing changed: would set base 1, 45%/);
    expect(ssm).toHaveReceivedCommandTimes(SendCommandCommand, 0);
    expect(asg).toHaveReceivedCommandTimes(UpdateAutoScalingGroupCommand, 0);
    expect(table.dump().find((i) => i.sk === 'lifecycle#terminate')?.data).toMatchObject({ status: 'finished', mode: 'observe' });
    const change = JSON.parse(JSON.parse(published('mix.changed')[0]?.args[0].input.Message ?? '{}').sqs);
    expect(change).toMatchObject({ mode: 'observe', details: { applied: false, toPercent: 45 } });
    // The shadow target is what observe mode continues from.
    expect(items('mix')[0]?.data).toMatchObject({ target: { base: 1, percent: 45 }, targetMode: 'observe' });
  });

  it('a group without a MixedInstancesPolicy is reported once and left alone', async () => {
    asg.on(DescribeAutoScalingGroupsCommand).resolves(describeGroup({ profile: 'gpu-inference', mip: false }));
    const run = main();
    const first = await run(loadEvent('ec2/rebalance-recommendation.json'));
    const second = await run(loadEvent('ec2/spot-interruption.json'));

    expect(first.mix).toMatchObject({ outcome: 'unsupported', reason: expect.stringMatching(/no MixedInstancesPolicy.*reported once/) });
    expect(second.mix).toMatchObject({ outcome: 'unsupported', reason: expect.stringMatching(/reported 20/) });
    expect(published('mix.unsupported')).toHaveLength(1);
    expect(asg).toHaveReceivedCommandTimes(UpdateAutoScalingGroupCommand, 0);
    expect(decodeGroupState(items('facts#'), NOW).facts.get(WARNED)).toMatchObject({ doomed: { kind: 'interruption-warning' } }); // still marked doomed
  });

  it('a failed UpdateAutoScalingGroup is retried: the claim is undone, the retry applies the change', async () => {
    await seedEarlierWarnings();
    asg
      .on(UpdateAutoScalingGroupCommand)
      .rejectsOnce(Object.assign(new Error('Rate exceeded'), { name: 'Throttling' }))
      .resolves({});
    const run = main();

    await expect(run(loadEvent('ec2/spot-interruption.json'))).rejects.toMatchObject({ name: 'AwsCallError', disposition: 'retry' });
    expect(items('mix')).toEqual([]); // the claim created the record: undoing it deletes it

    const retry = await run(loadEvent('ec2/spot-interruption.json'));
    expect(retry.mix).toMatchObject({ outcome: 'changed', to: { percent: 50 } });
    expect(ssm).toHaveReceivedCommandTimes(SendCommandCommand, 1); // the drain was not sent twice
  });

  it('an ambiguous UpdateAutoScalingGroup failure (timeout) keeps the change pending: a retry inside the lease holds, the sweep after it applies the same target once', async () => {
    await seedEarlierWarnings();
    asg
      .on(UpdateAutoScalingGroupCommand)
      .rejectsOnce(Object.assign(new Error('Connection timed out after 3000 ms'), { name: 'TimeoutError' }))
      .resolves({});
    const run = main();

    await expect(run(loadEvent('ec2/spot-interruption.json'))).rejects.toMatchObject({ name: 'AwsCallError', disposition: 'retry' });
    expect(items('mix')[0]?.data).toMatchObject({
      target: { base: 1, percent: 50 },
      pending: { target: { base: 1, percent: 50 }, mode: 'enforce', claimedAt: NOW },
    });
    expect(published('mix.changed')).toHaveLength(0);

    const early = await run(loadEvent('ec2/spot-interruption.json'));
    expect(early.mix).toMatchObject({ outcome: 'held', reason: expect.stringMatching(/being finished by another invocation/) });
    expect(asg).toHaveReceivedCommandTimes(UpdateAutoScalingGroupCommand, 1);

    const report = await runMixSweep(createMixSweepDeps(createAwsClients(), ENV), NOW + 60_000);
    expect(report.results[0]).toMatchObject({ outcome: 'changed', resumed: true, to: { base: 1, percent: 50 }, reason: expect.stringMatching(/applied now/) });
    expect(asg).toHaveReceivedCommandTimes(UpdateAutoScalingGroupCommand, 2);
    expect(asg).toHaveReceivedNthCommandWith(UpdateAutoScalingGroupCommand, 2, {
      MixedInstancesPolicy: { InstancesDistribution: { ...MIP.InstancesDistribution, OnDemandPercentageAboveBaseCapacity: 50 } },
    });
    expect(published('mix.changed')).toHaveLength(1);
    expect(items('mix')[0]?.data).not.toHaveProperty('pending');
    expect(items('mix')[0]?.data).toMatchObject({ lastChangeAt: NOW + 60_000 }); // the cooldown counts from the late apply
  });

  it('a change whose notification failed throws retry; the retry publishes it once and does not update again', async () => {
    await seedEarlierWarnings();
    sns
      .on(PublishCommand)
      .rejectsOnce(Object.assign(new Error('internal'), { name: 'InternalFailure', $metadata: { httpStatusCode: 500 } }))
      .resolves({ MessageId: 'm' });
    const run = main();
    await expect(run(loadEvent('ec2/spot-interruption.json'))).rejects.toMatchObject({ disposition: 'retry' });
    expect(asg).toHaveReceivedCommandTimes(UpdateAutoScalingGroupCommand, 1);
    // The group now answers the new distribution.
    const g = describeGroup({ profile: 'gpu-inference' });
    asg.on(DescribeAutoScalingGroupsCommand).resolves({
      AutoScalingGroups: g.AutoScalingGroups.map((x) => ({
        ...x,
        MixedInstancesPolicy: { ...MIP, InstancesDistribution: { ...MIP.InstancesDistribution, OnDemandPercentageAboveBaseCapacity: 50 } },
      })),
    });

    const retry = await createMain({ ...createDeps(createAwsClients(), ENV), now: () => NOW + 60_000 })(loadEvent('ec2/spot-interruption.json'));
    expect(retry.mix).toMatchObject({ outcome: 'changed', resumed: true, reason: expect.stringMatching(/already in force \(no second update\)/) });
    expect(asg).toHaveReceivedCommandTimes(UpdateAutoScalingGroupCommand, 1);
    expect(published('mix.changed')).toHaveLength(2); // the failed Publish, then the retry's
    expect(published('capacity.instance-doomed')).toHaveLength(1);
    expect(items('mix')[0]?.data).not.toHaveProperty('pending');
  });

  it('a throttled SendCommand is resent by the Lambda retry, exactly once', async () => {
    ssm
      .on(SendCommandCommand)
      .rejectsOnce(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }))
      .resolves({ Command: { CommandId: 'cmd-0002' } });
    const run = main();
    await expect(run(loadEvent('ec2/spot-interruption.json'))).rejects.toMatchObject({ disposition: 'retry' });
    const retry = await run(loadEvent('ec2/spot-interruption.json'));
    const third = await run(loadEvent('ec2/spot-interruption.json'));

    expect(retry.drain).toMatchObject({ kind: 'started', commandId: 'cmd-0002' });
    expect(third.drain).toMatchObject({ kind: 'duplicate' });
    expect(ssm).toHaveReceivedCommandTimes(SendCommandCommand, 2);
    expect(table.dump().find((i) => i.sk === 'lifecycle#terminate')?.data).toMatchObject({ commandId: 'cmd-0002', status: 'running' });
  });

  it('SendCommand took effect but its response was lost: the Lambda retry adopts that command (ListCommands), no second drain', async () => {
    ssm.on(SendCommandCommand).rejectsOnce(Object.assign(new Error('socket hang up'), { name: 'TimeoutError', code: 'ECONNRESET' }));
    ssm.on(ListCommandsCommand).resolves({
      Commands: [
        {
          CommandId: 'cmd-lost',
          DocumentName: 'asg-orchestrator-test-drain',
          Comment: 'asg-orchestrator spot drain ml-inference-gpu',
          RequestedDateTime: new Date(NOW),
          Status: 'InProgress',
        },
      ],
    });
    const run = main();
    await expect(run(loadEvent('ec2/spot-interruption.json'))).rejects.toMatchObject({ disposition: 'retry' });
    const retry = await run(loadEvent('ec2/spot-interruption.json'));

    expect(retry.drain).toMatchObject({ kind: 'started', commandId: 'cmd-lost' });
    expect(ssm).toHaveReceivedCommandTimes(SendCommandCommand, 1);
    expect(ssm).toHaveReceivedCommandTimes(ListCommandsCommand, 1);
    expect(table.dump().find((i) => i.sk === 'lifecycle#terminate')?.data).toMatchObject({ commandId: 'cmd-lost', status: 'running' });
  });

  it('an instance that is not SSM-managed: the drain is recorded as not sent, no retry', async () => {
    ssm.on(SendCommandCommand).rejects(Object.assign(new Error('Instances [[i-0abc]] not in a valid state'), { name: 'InvalidInstanceId' }));
    const result = await main()(loadEvent('ec2/spot-interruption.json'));
    expect(result.drain).toMatchObject({ kind: 'not-sent' });
    expect(table.dump().find((i) => i.sk === 'lifecycle#terminate')?.data).toMatchObject({
      status: 'finished',
      reason: expect.stringMatching(/drain not sent/),
    });
  });

  it.each([
    'ec2/spot-interruption.json',
    'ec2/rebalance-recommendation.json',
    'autoscaling/launch-unsuccessful.json',
    'invalid/malformed-lifecycle.json',
    'autoscaling/launch-successful.json',
  ])('%s through the Lambda handler: a decision with a reason, never a crash', async (rel) => {
    const ctx = { functionName: 'capacitySignal', awsRequestId: 'r' } as unknown as Context;
    const saved = { ...process.env };
    Object.assign(process.env, ENV);
    try {
      const out = await handler(loadEvent(rel), ctx);
      expect(out.outcome).toMatch(/^(recorded|duplicate|skipped|dropped)$/);
      expect(out.reason.length).toBeGreaterThan(0);
    } finally {
      process.env = saved;
    }
  });
});
