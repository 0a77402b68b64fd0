import { describe, expect, it } from 'vitest';
import {
  type FleetRow,
  GROUP_WITHOUT_CHECKPOINT,
  type InvocationCost,
  ISSUE_FLEET_GROUPS,
  ISSUE_FLEET_SIZE,
  issueFleetPlan,
  PLAN_SCOPES,
  RUN_KINDS,
  TERMINATION_GROUPS,
  TERMINATION_INVOCATIONS,
  type TerminationPlan,
  terminationBars,
  terminationPlan,
} from '../../../bench/fleet-http';
import { GROUP_STATE_CACHE_MAX_FACTS } from '../../../shared/state/group-state-cache';

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

// The issue's own fleet: three groups of 30,000, which a container's cache holds together.
describe('issueFleetPlan', () => {
  const plan = issueFleetPlan();

  it('reads each group first and again, then the groups in turn, as many times as terminationPlan', () => {
    expect(plan).toHaveLength(TERMINATION_INVOCATIONS);
    expect(plan.slice(0, 9).map((r) => r.group)).toEqual([0, 0, 1, 1, 2, 2, 0, 1, 2]);
    expect(new Set(plan.map((r) => r.group))).toEqual(new Set(Array.from({ length: ISSUE_FLEET_GROUPS }, (_, g) => g)));
  });

  it('reads a checkpoint only on a group’s first read, and never the group without one', () => {
    expect(plan.map((r) => r.name).slice(0, 7)).toEqual([
      RUN_KINDS.first,
      RUN_KINDS.again,
      RUN_KINDS.other,
      RUN_KINDS.again,
      RUN_KINDS.other,
      RUN_KINDS.again,
      RUN_KINDS.known,
    ]);
    expect(plan.slice(2 * ISSUE_FLEET_GROUPS).every((r) => r.name === RUN_KINDS.known)).toBe(true);
    expect(plan.some((r) => r.group === GROUP_WITHOUT_CHECKPOINT)).toBe(false);
  });

  it('fits the facts of its groups in the container’s group-state cache (at ~60 % of 30,000 with facts, and at all)', () => {
    expect(ISSUE_FLEET_GROUPS * ISSUE_FLEET_SIZE).toBeLessThanOrEqual(GROUP_STATE_CACHE_MAX_FACTS);
    expect(ISSUE_FLEET_GROUPS * ISSUE_FLEET_SIZE).toBeLessThanOrEqual(100_000);
  });
});

const run = (name: string, cpuMs: number, full = 0): InvocationCost & { name: string } => ({
  name,
  cpuMs,
  wallMs: cpuMs,
  rss: 0,
  heapUsed: 0,
  liveHeap: 0,
  liveRss: 0,
  peakRss: 0,
  bytes: 0,
  calls: {},
  parseFloorMs: 1,
  sortFloorMs: 4,
  gc: { young: 0, full, ms: 0 },
  outcome: 'ok',
  decision: 'decided: test',
});

const row = (plan: FleetRow['plan'], cpu: (i: number) => number, names: TerminationPlan): FleetRow => ({
  label: String(plan),
  size: ISSUE_FLEET_SIZE,
  plan,
  memoryMb: 1024,
  timeoutS: 2,
  rssLoaded: 0,
  runs: names.map((p, i) => run(p.name, cpu(i))),
});

// docs/benchmarks.md states issue 16's bar from these groups: which runs each one counts.
describe('terminationBars', () => {
  it('holds the issue fleet’s reads of groups read before to 15×, and not its first reads of a group', () => {
    // Invocation 5 (i = 4) is the third group's first read: 30× here; every other run 10×.
    const bars = terminationBars([row('issue', (i) => (i === 4 ? 120 : 40), issueFleetPlan())]);
    const steady = bars.find((b) => b.kind.includes('every read of a group it read before'));
    const first = bars.find((b) => b.kind.includes('first read of each other group'));
    expect(steady?.within).toBe('met');
    expect(steady?.runs).toHaveLength(TERMINATION_INVOCATIONS - 3 - 1);
    expect(first?.within).toBeUndefined();
    expect(first?.runs.map((x) => x.cpuMs)).toEqual([120]);
  });

  it('fails the issue fleet’s bar when one read of a group read before is over 15×', () => {
    const bars = terminationBars([row('issue', (i) => (i === 20 ? 61 : 40), issueFleetPlan())]);
    expect(bars.find((b) => b.kind.includes('every read of a group it read before'))?.within).toBe('**not met** by every run');
  });

  it('keeps the checkpoint reads of the plan beyond the fleet in its steady state', () => {
    const bars = terminationBars([row('beyond', (i) => (i === 4 ? 120 : 40), terminationPlan())]);
    const other = bars.find((b) => b.kind === `beyond the issue's fleet, steady state, ${RUN_KINDS.other}`);
    expect(other?.within).toBe('**not met** by every run');
    expect(bars.every((b) => b.label.startsWith(PLAN_SCOPES.beyond))).toBe(true);
  });

  it('lists the issue’s fleet first when both plans ran', () => {
    const bars = terminationBars([row('beyond', () => 40, terminationPlan()), row('issue', () => 40, issueFleetPlan())]);
    expect(bars[0]?.label.startsWith(PLAN_SCOPES.issue)).toBe(true);
    expect(bars.at(-1)?.label.startsWith(PLAN_SCOPES.beyond)).toBe(true);
  });
});
