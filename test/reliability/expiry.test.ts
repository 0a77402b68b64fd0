/**
 * Lifecycle actions expire in the reliability world as they do in Auto Scaling: with no heartbeat
 * for `HeartbeatTimeout`, or at the global timeout (48 h or 100 × HeartbeatTimeout, whichever is
 * smaller), the action ends with the hook's `DefaultResult`
 * (https://docs.aws.amazon.com/autoscaling/ec2/userguide/lifecycle-hooks-overview.html). So an
 * instance the orchestrator forgets to heartbeat shows as ABANDON (launch hook) in a test, instead of
 * waiting forever for a completion that the fake would have accepted late.
 */
import { describe, expect, it } from 'vitest';
import { DOCUMENTS, events, FakeAws, GROUP, instanceId, LAUNCH_HOOK, mains, notificationTypes, T0, TERMINATE_HOOK } from './support/world';

const I = instanceId(0xd01);
/** A warm-up that takes ten minutes: longer than the hooks' 300 s heartbeat timeout. */
const WARMUP_MS = 600_000;

const warmUpFor = async (aws: FakeAws, reconcileEveryMinute: boolean) => {
  const m = mains(aws);
  aws.launching(I);
  await m.launchLifecycle(events.launch(I));
  const commandId = aws.commands[0]?.commandId ?? '';
  for (let t = 60_000; t <= WARMUP_MS; t += 60_000) {
    aws.clock.now += 60_000;
    if (reconcileEveryMinute) await m.reconcile({});
  }
  aws.commandStatus.set(commandId, 'Success');
  return m.commandResult(events.command(commandId, 'Success', I, DOCUMENTS.warmup, aws.clock.now));
};

describe('lifecycle actions expire to the DefaultResult', () => {
  it('no heartbeat (reconcile never ran): the launch action expires at 300 s to ABANDON; the late Success answers nothing', async () => {
    const aws = new FakeAws();
    const outcome = await warmUpFor(aws, false);
    aws.expire();
    expect(aws.expired.map((e) => `${e.hookName}|${e.result}|${e.why}|${(e.at - T0) / 1000}`)).toEqual([`${LAUNCH_HOOK}|ABANDON|heartbeat-timeout|300`]);
    expect(aws.expired[0]?.instanceId).toBe(I);
    expect(aws.instances.get(I)?.lifecycleState).toBe('Terminated');
    // The orchestrator's CONTINUE came too late: AWS answered "No active Lifecycle Action found".
    expect(aws.completionCalls.map((c) => `${c.result}|${c.accepted}`)).toEqual(['CONTINUE|false']);
    expect(outcome).toMatchObject({ outcome: 'already-done' });
  });

  it('reconcile every minute heartbeats the action: the same ten-minute warm-up ends in CONTINUE, nothing expires', async () => {
    const aws = new FakeAws();
    const outcome = await warmUpFor(aws, true);
    aws.expire();
    expect(aws.expired).toEqual([]);
    expect(aws.heartbeats).toBeGreaterThanOrEqual(2);
    expect(aws.completionCalls.map((c) => `${c.result}|${c.accepted}`)).toEqual(['CONTINUE|true']);
    expect(aws.instances.get(I)?.lifecycleState).toBe('InService');
    expect(outcome).toMatchObject({ outcome: 'completed' });
    expect(notificationTypes(aws)).toContain(`warmup.succeeded|${I}`);
  });

  it('a terminate action left alone expires to its DefaultResult CONTINUE: the instance goes without its drain', async () => {
    const aws = new FakeAws();
    aws.addInstance(I, GROUP, 'InService');
    aws.terminating(I);
    await mains(aws).terminateLifecycle(events.terminate(I));
    aws.clock.now += 301_000;
    aws.expire();
    expect(aws.expired.map((e) => `${e.hookName}|${e.result}|${e.why}`)).toEqual([`${TERMINATE_HOOK}|CONTINUE|heartbeat-timeout`]);
    expect(aws.instances.get(I)?.lifecycleState).toBe('Terminated');
  });

  it('heartbeats cannot hold an action past the global timeout: min(48 h, 100 × 300 s) = 30,000 s', () => {
    const aws = new FakeAws();
    aws.launching(I);
    const opened = aws.clock.now;
    const ref = { groupName: GROUP, hookName: LAUNCH_HOOK, instanceId: I };
    for (let t = 60_000; t < 30_000_000; t += 60_000) {
      aws.clock.now = opened + t;
      aws.recordLifecycleActionHeartbeat(ref);
    }
    expect(aws.expired).toEqual([]);
    aws.clock.now = opened + 30_000_000;
    expect(() => aws.recordLifecycleActionHeartbeat(ref)).toThrow(/No active Lifecycle Action found/);
    expect(aws.expired.map((e) => `${e.result}|${e.why}|${e.at - opened}`)).toEqual(['ABANDON|global-timeout|30000000']);
  });
});
