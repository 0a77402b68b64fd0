/**
 * Faults at every AWS call of every handler path. For each path: run it once fault-free, recording
 * the sequence of port calls; then, for each call index k and each fault shape (Throttling,
 * ThrottlingException, a plain "Rate exceeded", InternalFailure 500/503, TimeoutError, ECONNRESET),
 * re-run it with the fault at call k. The handler either finishes with the same end state as the
 * fault-free run (no side effect silently skipped), or throws an error whose disposition is `retry`;
 * then the Lambda retry (one minute later, no fault) ends in the same state as the fault-free run
 * followed by a duplicate delivery one minute later: state store contents, completions, commands,
 * group updates, and the set of notifications (a notification may arrive twice, never zero times).
 *
 * The termination policy never throws: under any fault it answers a valid `{ InstanceIDs }`.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { toResponse } from '../../functions/termination-policy';
import { isOrchestratorError } from '../../shared/errors';
import { recordFigures } from '../support/figures';
import { differences, dispositionOf, execute, PATHS } from './support/fault-paths';
import { attempt, events, FAULT_NAMES, FakeAws, GROUP, instanceId, mains } from './support/world';

/** Figures for docs/reliability.md: per handler, paths, calls, injections and outcomes. */
const figures = new Map<
  string,
  { paths: number; calls: number; injected: number; finished: number; retried: number; converged: number; notConverged: number; other: number }
>();
const tally = (handler: string) => {
  let f = figures.get(handler);
  if (!f) {
    f = { paths: 0, calls: 0, injected: 0, finished: 0, retried: 0, converged: 0, notConverged: 0, other: 0 };
    figures.set(handler, f);
  }
  return f;
};

afterAll(() => {
  console.info(`fault matrix (before the call takes effect):\n${[...figures.entries()].map(([h, f]) => `${h}: ${JSON.stringify(f)}`).join('\n')}`);
});

describe.each(PATHS.map((p) => [`${p.handler}: ${p.name}`, p] as const))('%s', (_title, path) => {
  it('fault-free: finishes without error (the baseline)', async () => {
    const base = await execute(path);
    expect(base.first.ok, base.first.ok ? '' : String((base.first as { error: unknown }).error)).toBe(true);
    expect(base.retry?.ok).toBe(true);
    expect(base.ops.length).toBeGreaterThan(0);
    const f = tally(path.handler);
    f.paths += 1;
    f.calls += base.ops.length;
  });

  it.each(FAULT_NAMES)(
    '%s at every call: finishes with the baseline end state, or throws retry and the retry ends in the baseline end state',
    async (fault) => {
      const base = await execute(path);
      const problems: string[] = [];
      const f = tally(path.handler);
      for (let k = 0; k < base.ops.length; k += 1) {
        const run = await execute(path, { at: k, fault, when: 'before' });
        const where = `${fault} at call ${k} (${base.ops[k]})`;
        expect(run.aws.faults.injected, where).toBe(1);
        f.injected += 1;
        if (run.first.ok) {
          f.finished += 1;
          // Finished despite the fault: nothing it should have done may be missing.
          const d = differences(run.afterFirst, base.afterFirst);
          if (d.length > 0) problems.push(`${where}: finished, but a side effect was skipped: ${d.join('; ')}`);
          continue;
        }
        const error = run.first.error;
        if (!isOrchestratorError(error) || dispositionOf(error) !== 'retry') {
          f.other += 1;
          problems.push(`${where}: threw ${String(error)} (disposition ${dispositionOf(error)}), not a retryable orchestrator error`);
          continue;
        }
        f.retried += 1;
        if (!run.retry?.ok) {
          problems.push(`${where}: the retry failed too: ${run.retry && !run.retry.ok ? String(run.retry.error) : ''}`);
          continue;
        }
        const d = differences(run.afterRetry, base.afterRetry);
        if (d.length > 0) {
          f.notConverged += 1;
          problems.push(`${where}: after the retry the end state differs from the fault-free run's: ${d.join('; ')}`);
        } else f.converged += 1;
      }
      expect(problems, `ops: [${base.ops.join(', ')}]`).toEqual([]);
    },
  );
});

describe('terminationPolicy under any fault', () => {
  const ids = [instanceId(0xa01), instanceId(0xa02), instanceId(0xa03)];
  const setup = (aws: FakeAws) => {
    for (const i of ids) aws.addInstance(i);
  };

  // The answer's contract (issue 16, functions/termination-policy.ts): never throws; a failed state read
  // falls back to the profile's order; a failed group read is covered only by this container's listing of
  // the group (≤ 10 min old), which vouches for the candidates it showed: without one, nothing is
  // returned and Auto Scaling asks again (https://docs.aws.amazon.com/autoscaling/ec2/userguide/lambda-custom-termination-policy.html).
  const valid = (answer: { InstanceIDs: string[] }) => {
    expect(answer.InstanceIDs.length).toBeLessThanOrEqual(ids.length);
    for (const id of answer.InstanceIDs) expect(ids).toContain(id);
    expect(new Set(answer.InstanceIDs).size).toBe(answer.InstanceIDs.length);
  };

  /** A fresh world and container; a warm one answered once before (fault-free), its listing of the group a minute old. */
  const container = async (warm: boolean, request: ReturnType<typeof events.terminationPolicy>) => {
    const aws = new FakeAws();
    setup(aws);
    const m = mains(aws);
    if (warm) {
      await m.terminationPolicy(request);
      aws.clock.now += 60_000;
    }
    return { aws, m };
  };

  it.each(FAULT_NAMES)('%s at every call: answers a valid { InstanceIDs } (fallback order), never throws', async (fault) => {
    const aws0 = new FakeAws();
    setup(aws0);
    const m0 = mains(aws0);
    const request = events.terminationPolicy(GROUP, ids);
    const baseline = await m0.terminationPolicy(request);
    expect(toResponse(baseline).InstanceIDs.length).toBeGreaterThan(0);
    for (const warm of [false, true]) {
      // The calls of a fault-free invocation: a container's first read of the group makes three
      // (DescribeAutoScalingGroups beside the facts checkpoint's Query, then the partition's: there is
      // no checkpoint here), a warm container's two (the group, and the hours that can still change).
      const { aws: probe, m: pm } = await container(warm, request);
      const before = probe.faults.log.length;
      await pm.terminationPolicy(request);
      const calls = probe.faults.log.length - before;
      expect(calls).toBe(warm ? 2 : 3);
      for (let k = 0; k < calls; k += 1) {
        const { aws, m } = await container(warm, request);
        aws.faults.plan = { at: aws.faults.log.length + k, fault, when: 'before' };
        const r = await attempt(() => m.terminationPolicy(request));
        expect(r.ok).toBe(true);
        if (!r.ok) continue;
        const answer = toResponse(r.outcome);
        valid(answer);
        expect(String(r.outcome.reason)).toContain('fallback');
        const groupReadFailed = aws.faults.log[aws.faults.plan.at] === 'DescribeAutoScalingGroups';
        if (groupReadFailed && !warm) {
          expect(answer.InstanceIDs).toEqual([]);
          expect(String(r.outcome.reason)).toContain('Auto Scaling asks again');
        } else expect(answer.InstanceIDs).toEqual(toResponse(baseline).InstanceIDs);
        const f = tally('terminationPolicy');
        f.injected += 1;
        f.finished += 1;
      }
    }
  });

  it('every call failing at once (both reads): a valid answer, never a throw; the listing of a warm container vouches', async () => {
    const aws = new FakeAws();
    setup(aws);
    const m = mains(aws);
    const request = events.terminationPolicy(GROUP, ids);
    const baseline = toResponse(await m.terminationPolicy(request)).InstanceIDs;
    expect(baseline.length).toBeGreaterThan(0);
    aws.faults.buckets = new Map([
      ['DescribeAutoScalingGroups', { take: () => false } as never],
      ['Query', { take: () => false } as never],
    ]);
    aws.clock.now += 60_000;
    const warm = toResponse(await m.terminationPolicy(request)).InstanceIDs;
    valid({ InstanceIDs: warm });
    expect(warm.length).toBeGreaterThan(0);
    const cold = await mains(aws).terminationPolicy(request);
    expect(toResponse(cold).InstanceIDs).toEqual([]);
    expect(aws.faults.throttled).toBe(4);
  });
});

describe('a response lost after the call took effect (TimeoutError after the write): no hook answered twice, no group updated twice, no command sent twice', () => {
  it.each(PATHS.filter((p) => p.handler !== 'activityAudit').map((p) => [`${p.handler}: ${p.name}`, p] as const))('%s', async (_t, path) => {
    const base = await execute(path);
    const problems: string[] = [];
    for (let k = 0; k < base.ops.length; k += 1) {
      const op = base.ops[k] ?? '';
      if (
        !['PutItem', 'UpdateItem', 'DeleteItem', 'CompleteLifecycleAction', 'UpdateAutoScalingGroup', 'RecordLifecycleActionHeartbeat', 'SendCommand'].includes(
          op,
        )
      )
        continue;
      const run = await execute(path, { at: k, fault: 'TimeoutError', when: 'after' });
      const where = `lost response of call ${k} (${op})`;
      if (!run.first.ok && dispositionOf(run.first.error) !== 'retry') problems.push(`${where}: threw ${String(run.first.error)}`);
      if (!run.retry?.ok) problems.push(`${where}: the retry failed`);
      const d = differences(run.afterRetry, base.afterRetry).filter((x) => /^(completions|updates|commands):/.test(x));
      if (d.length > 0) problems.push(`${where}: ${d.join('; ')}`);
    }
    expect(problems, `ops: [${base.ops.join(', ')}]`).toEqual([]);
  });
});

describe('fault matrix figures (docs/reliability.md §2)', () => {
  it('cover every handler; every injection finished or threw retry, and every retry converged', ({ task }) => {
    expect([...figures.keys()].sort()).toEqual([
      'activityAudit',
      'capacitySignal',
      'commandResult',
      'launchLifecycle',
      'reconcile',
      'terminateLifecycle',
      'terminationPolicy',
    ]);
    for (const f of figures.values()) {
      expect(f.finished + f.retried + f.other).toBe(f.injected);
      expect(f.notConverged).toBe(0);
    }
    recordFigures(task, Object.fromEntries(figures));
  });
});
