/**
 * Bugs the reliability suite found, one focused test each (the fault matrix in faults.test.ts and
 * the duplicate tests show the same ones across every fault shape). They fail until fixed; the fix
 * for each is described in docs/reliability.md ("Findings").
 */
import { describe, expect, it } from 'vitest';
import { differences, execute, PATHS } from './support/fault-paths';
import { events, FakeAws, GROUP, instanceId, mains, notificationTypes, T0 } from './support/world';

const path = (prefix: string) => {
  const p = PATHS.find((x) => `${x.handler}: ${x.name}`.startsWith(prefix));
  if (!p) throw new Error(`no path ${prefix}`);
  return p;
};

/** Runs `prefix` with a throttling fault at the first call named `op` (after `skip` earlier ones). */
const faultAt = async (prefix: string, op: string, skip = 0) => {
  const p = path(prefix);
  const base = await execute(p);
  const k = base.ops.map((o, i) => [o, i] as const).filter(([o]) => o === op)[skip]?.[1];
  if (k === undefined) throw new Error(`${prefix}: no ${op} call in [${base.ops.join(', ')}]`);
  const run = await execute(p, { at: k, fault: 'ThrottlingException', when: 'before' });
  return { base, run, diff: run.first.ok ? differences(run.afterFirst, base.afterFirst) : differences(run.afterRetry, base.afterRetry) };
};

describe('findings', () => {
  it('F1 activityAudit publishes a duplicate delivery again (no per-event claim)', async () => {
    const aws = new FakeAws();
    const main = mains(aws).activityAudit;
    const e = events.launchUnsuccessful(GROUP, T0 - 30_000, 'lu-dup');
    await main(structuredClone(e));
    await main(structuredClone(e));
    expect(aws.sns).toHaveLength(1);
  });

  it('F2 (fixed) a warm-up whose SendCommand failed (retryable) is resent by the Lambda retry and publishes its "warm-up started" notification', async () => {
    const { run, diff } = await faultAt('launchLifecycle: launch event of an opted-in', 'SendCommand');
    expect(run.first.ok).toBe(false);
    expect(diff).toEqual([]);
  });

  it('F2 (fixed) a drain whose SendCommand failed (retryable) is resent and publishes its "drain started" notification', async () => {
    const { diff } = await faultAt('terminateLifecycle: terminate event: drain sent', 'SendCommand');
    expect(diff).toEqual([]);
  });

  it('F2 (fixed) a warm-up retry (attempt 2) whose SendCommand failed is resent by the Lambda retry of the result event, and "retrying" is published', async () => {
    const { diff } = await faultAt('commandResult: warm-up Failed on attempt 1/3', 'SendCommand');
    expect(diff).toEqual([]);
  });

  it('F3 (fixed) a CONTINUE whose CompleteLifecycleAction failed (retryable) is completed by the Lambda retry of the Success event', async () => {
    const { run, diff } = await faultAt('commandResult: warm-up Success', 'CompleteLifecycleAction');
    expect(run.first.ok).toBe(false);
    expect(diff).toEqual([]);
  });

  it('F3 (fixed) a completion whose notification failed after CompleteLifecycleAction succeeded is finished by the retry: "warm-up succeeded" published, record completed', async () => {
    const { run, diff } = await faultAt('commandResult: warm-up Success', 'Publish');
    expect(run.aws.completions).toHaveLength(1);
    // The retry finished it (the instance is InService, no longer waiting): a sweep afterwards changes nothing.
    await mains(run.aws).reconcile();
    expect(diff).toEqual([]);
  });

  it('F4 (fixed) SendCommand succeeded but recording its command id failed: the retry adopts that command, no second one for the same attempt', async () => {
    const { run } = await faultAt('launchLifecycle: launch event of an opted-in', 'PutItem', 1);
    expect(run.aws.commands.map((c) => c.comment)).toEqual(['asg-orchestrator warm-up load attempt 1/3']);
  });

  it('F4 (fixed) the same for the Spot interruption drain: one drain command', async () => {
    const { run } = await faultAt('capacitySignal: Spot interruption warning', 'PutItem', 1);
    expect(run.aws.commands).toHaveLength(1);
  });

  it('F5 (fixed) a mix change whose notification failed throws retry; the retry publishes it once, with no second update', async () => {
    const { run, diff } = await faultAt('capacitySignal: Spot launch failure of a short group', 'Publish');
    expect(run.first.ok).toBe(false);
    expect(run.aws.updates).toHaveLength(1);
    expect(notificationTypes(run.aws).filter((t) => t === `mix.changed|${GROUP}`)).toHaveLength(1);
    expect(notificationTypes(run.aws)).toContain(`mix.changed|${GROUP}`);
    expect(diff).toEqual([]);
  });

  it('F7 (fixed) UpdateAutoScalingGroup applied but its response lost (timeout): the retry finds the target in force and does not raise the mix a second time', async () => {
    const p = path('capacitySignal: Spot interruption warning');
    const base = await execute(p);
    const k = base.ops.indexOf('UpdateAutoScalingGroup');
    const run = await execute(p, { at: k, fault: 'TimeoutError', when: 'after' });
    expect(run.afterRetry.updates).toEqual(base.afterRetry.updates);
    expect(differences(run.afterRetry, base.afterRetry).filter((d) => /^(state|updates|notifications):/.test(d))).toEqual([]);
  });

  it('F8 (fixed) the mix claim written but its response lost: the retry applies the claimed change (not blocked by its own cooldown)', async () => {
    const p = path('capacitySignal: Spot launch failure of a short group');
    const base = await execute(p);
    const k = base.ops.lastIndexOf('PutItem', base.ops.indexOf('UpdateAutoScalingGroup'));
    const run = await execute(p, { at: k, fault: 'TimeoutError', when: 'after' });
    expect(run.afterRetry.updates).toEqual(base.afterRetry.updates);
    expect(differences(run.afterRetry, base.afterRetry)).toEqual([]);
  });

  it('F5/F7 (fixed) with the event retries exhausted, the reconcile sweep a minute later finishes the pending change: one update, one notification', async () => {
    const p = path('capacitySignal: Spot launch failure of a short group');
    const base = await execute(p);
    for (const [op, when] of [
      ['Publish', 'before'],
      ['UpdateAutoScalingGroup', 'after'],
      ['UpdateAutoScalingGroup', 'before'],
    ] as const) {
      const aws = new FakeAws();
      const m = mains(aws);
      await p.setup(aws, m);
      const start = aws.faults.log.length;
      aws.faults.plan = { at: start + base.ops.indexOf(op), fault: 'TimeoutError', when };
      await expect(p.invoke(m)).rejects.toMatchObject({ disposition: 'retry' });
      aws.faults.plan = undefined;
      const applied = op === 'Publish' || when === 'after';
      // Within the lease (the writer may still be at work): the sweep holds, changes nothing.
      aws.clock.now += 30_000;
      await m.reconcile();
      expect(aws.updates.length, `${op} ${when}`).toBe(applied ? 1 : 0);
      aws.clock.now += 30_000;
      await m.reconcile();
      aws.clock.now += 60_000;
      await m.reconcile();
      expect(aws.updates, `${op} ${when}`).toEqual(base.aws.updates.map((u) => ({ ...u, at: u.at + (applied ? 0 : 60_000) })));
      expect(
        notificationTypes(aws).filter((t) => t === `mix.changed|${GROUP}`),
        `${op} ${when}`,
      ).toHaveLength(1);
      expect(aws.table.dump().find((i) => i.sk === 'mix')?.data, `${op} ${when}`).not.toHaveProperty('pending');
    }
  });

  it('control: a launch whose first state write was throttled is repaired exactly once by the retry', async () => {
    const { run, diff } = await faultAt('launchLifecycle: launch event of an opted-in', 'PutItem');
    expect(run.first.ok).toBe(false);
    expect(diff).toEqual([]);
    expect(run.aws.commands.filter((c) => c.instanceId === instanceId(0xa01))).toHaveLength(1);
  });
});
