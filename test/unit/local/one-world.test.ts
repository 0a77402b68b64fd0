/**
 * One in-memory AWS world: the API-call benchmark (bench/aws-world.ts) answers from the world that
 * `osls invoke local` uses (shared/local/world.ts, seeded from events/local-world.json).
 */
import { describe, expect, it } from 'vitest';
import { AwsWorld } from '../../../bench/aws-world';
import fixture from '../../../events/local-world.json';

describe('the bench world is the invoke-local world', () => {
  it("answers the fixture's groups, hooks and lifecycle actions", () => {
    const w = new AwsWorld('.');
    const hooks = w.answer('AutoScaling', 'DescribeLifecycleHooks', { AutoScalingGroupName: 'ml-inference-gpu' }) as {
      LifecycleHooks: Array<{ LifecycleHookName: string; HeartbeatTimeout: number }>;
    };
    expect(hooks.LifecycleHooks.map((h) => [h.LifecycleHookName, h.HeartbeatTimeout])).toEqual(
      fixture.groups[0]?.LifecycleHooks.map((h) => [h.LifecycleHookName, h.HeartbeatTimeout]),
    );
    // One instance waits (the samples' instance); completing its launch action twice: the second is AWS's ValidationError.
    const ref = {
      AutoScalingGroupName: 'ml-inference-gpu',
      LifecycleHookName: 'asg-orchestrator-launch',
      InstanceId: 'i-0abc1234def567890',
      LifecycleActionResult: 'CONTINUE',
    };
    expect(w.answer('AutoScaling', 'CompleteLifecycleAction', ref)).toEqual({});
    expect(() => w.answer('AutoScaling', 'CompleteLifecycleAction', ref)).toThrow(/No active Lifecycle Action found/);
  });

  it('SendCommand hands out the id the bench asks for; a command the world does not model answers {}', () => {
    const w = new AwsWorld('.');
    w.commandId = 'e8d3c0e4-71f7-4491-898f-c9b35bee5f03';
    const sent = w.answer('SSM', 'SendCommand', { DocumentName: 'asg-orchestrator-warmup', InstanceIds: ['i-0abc1234def567890'] }) as {
      Command: { CommandId: string };
    };
    expect(sent.Command.CommandId).toBe('e8d3c0e4-71f7-4491-898f-c9b35bee5f03');
    expect(w.answer('CloudWatch', 'GetMetricData', {})).toEqual({});
    expect(w.answer('SSM', 'DescribeInstanceInformation', {})).toEqual({});
  });

  it('pendingWait: false leaves no instance waiting', () => {
    const w = new AwsWorld('.', { pendingWait: false });
    const groups = w.answer('AutoScaling', 'DescribeAutoScalingGroups', { AutoScalingGroupNames: ['ml-inference-gpu'] }) as {
      AutoScalingGroups: Array<{ Instances: Array<{ LifecycleState: string }> }>;
    };
    expect(groups.AutoScalingGroups[0]?.Instances.some((i) => i.LifecycleState === 'Pending:Wait')).toBe(false);
  });
});
