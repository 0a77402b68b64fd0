import { describe, expect, it } from 'vitest';
import { GROUP_WITHOUT_CHECKPOINT, RUN_KINDS, TERMINATION_GROUPS, TERMINATION_INVOCATIONS, terminationPlan } from '../../../bench/fleet-http';

// The fleet section's terminationPolicy part: which group each invocation asks about, and the kind
// of read its label claims (docs/benchmarks.md groups the runs by these labels against issue 16's bar).
describe('terminationPlan', () => {
  const plan = terminationPlan();

  it('asks about each group twice, in order: a first read, then the same group again', () => {
    expect(plan).toHaveLength(TERMINATION_INVOCATIONS);
    expect(plan.map((r) => r.group)).toEqual(Array.from({ length: 2 * TERMINATION_GROUPS }, (_, i) => Math.floor(i / 2)));
  });

  it('labels the fresh container, the checkpoint reads, the whole read and the open-hours reads', () => {
    expect(plan[0]?.name).toBe(RUN_KINDS.first);
    for (let i = 1; i < plan.length; i += 1) {
      const { group, name } = plan[i] as { group: number; name: string };
      const expected = i % 2 === 1 ? RUN_KINDS.again : group === GROUP_WITHOUT_CHECKPOINT ? RUN_KINDS.whole : RUN_KINDS.other;
      expect(name, `invocation ${i + 1}`).toBe(expected);
    }
  });

  it('has one whole read, and more steady-state checkpoint reads than a median of three', () => {
    expect(plan.filter((r) => r.name === RUN_KINDS.whole)).toHaveLength(1);
    expect(plan.filter((r) => r.name === RUN_KINDS.other).length).toBeGreaterThanOrEqual(9);
  });
});
