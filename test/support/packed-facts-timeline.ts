/**
 * What the property tests of the state layer's readers share (test/unit/state/group-state-cache.test.ts,
 * test/unit/state/facts-checkpoint.test.ts): the facts and signals a decision can see of a group's
 * state, and random facts writes around a timeline's start.
 */
import fc from 'fast-check';
import type { StateStorePort } from '../../shared/aws/state-store';
import type { CapacitySignal, GroupState, InstanceFacts } from '../../shared/state/group-state';
import { groupPk, signalSk } from '../../shared/state/keys';
import { type FactsWrite, PACKED_FACTS_SET, packedFactsExpiry, packedFactsSk, recordFacts } from '../../shared/state/packed-facts';

export const HOUR = 3_600_000;
export const MINUTE = 60_000;
/** The group the timelines write to, its partition, and when a timeline starts. */
export const TIMELINE_GROUP = 'ml-inference-gpu';
export const TIMELINE_PK = groupPk(TIMELINE_GROUP);
export const TIMELINE_START = Date.parse('2026-11-27T00:10:00Z');

/** The facts a decision can see: instances with at least one known field, fields as read. */
export const knownFacts = (facts: ReadonlyMap<string, InstanceFacts>) =>
  Object.fromEntries(
    [...facts]
      .map(([i, f]) => [i, Object.fromEntries(Object.entries(f).filter(([, v]) => v !== undefined))] as const)
      .filter(([, f]) => Object.keys(f).length > 0)
      .sort(([a], [b]) => (a < b ? -1 : 1)),
  );

/** The signals of a state in one order. */
export const sortedSignals = (state: GroupState): CapacitySignal[] =>
  [...state.signals].sort((a, b) => a.at - b.at || (a.instanceId ?? '').localeCompare(b.instanceId ?? ''));

/** Any facts one writer may know about an instance, at times around a timeline starting at `start` (40 hours long). */
export const factsWrite = (start: number): fc.Arbitrary<FactsWrite> =>
  fc.record(
    {
      launchedAt: fc.integer({ min: start - 2 * HOUR, max: start + 40 * HOUR }),
      warming: fc.boolean(),
      modelVersion: fc.constantFrom('v6', 'v7'),
      launchTemplateVersion: fc.constantFrom('6', '7'),
      doomed: fc.record({
        kind: fc.constantFrom('interruption-warning' as const, 'rebalance-recommendation' as const),
        at: fc.integer({ min: start, max: start + 40 * HOUR }),
      }),
      protectedFromScaleIn: fc.boolean(),
    },
    { requiredKeys: [] },
  );

/** How far a timeline's clock moves on in one step: minutes, hours, or about a day (items reach their TTL: the end of their hour + 1 day). */
export const timelineAdvance = fc.oneof(
  fc.integer({ min: 0, max: 5 * MINUTE }),
  fc.integer({ min: 0, max: 3 * HOUR }),
  fc.integer({ min: 20 * HOUR, max: 26 * HOUR }),
);

/** A write of `facts` about one of six instances, named by its writer's clock up to 15 minutes before it lands. */
export const writeAction = (facts: fc.Arbitrary<FactsWrite>) =>
  fc.record({ kind: fc.constant('write' as const), instance: fc.integer({ min: 0, max: 5 }), facts, lag: fc.integer({ min: 0, max: 15 * MINUTE }) });

/** A capacity signal about one of six instances. */
export const signalAction = fc.record({ kind: fc.constant('signal' as const), instance: fc.integer({ min: 0, max: 5 }) });

/** The id of a timeline's instance `n`. */
export const timelineInstance = (n: number): string => `i-${n.toString(16).padStart(17, '0')}`;

/**
 * Lands the `n`-th step of a timeline in `group`'s partition at `clock` when it is a write (in the
 * item its writer's clock named when its invocation began, `lag` before) or a signal (an
 * interruption warning, kept an hour); false for any other step.
 */
export const landStep = async (
  store: Pick<StateStorePort, 'addToSet' | 'setAttributes'>,
  group: string,
  action: { kind: string; instance?: number; facts?: FactsWrite; lag?: number },
  clock: number,
  n: number,
): Promise<boolean> => {
  const instanceId = timelineInstance(action.instance ?? 0);
  if (action.kind === 'write') {
    await recordFacts(store, group, instanceId, action.facts ?? {}, clock - (action.lag ?? 0));
    return true;
  }
  if (action.kind !== 'signal') return false;
  await store.setAttributes(
    groupPk(group),
    signalSk(clock, `e-${n}`),
    { kind: 'interruption-warning', at: clock, instanceType: 'g5.xlarge', availabilityZone: 'us-east-1a', instanceId },
    Math.floor(clock / 1000) + 3_600,
  );
  return true;
};

/**
 * Records `count` launches (random ids, offsets and 24-character model versions: they compress
 * little) written at `at` in `group`'s packed items, one UpdateItem per item; the ids recorded.
 * 14,000 launches make a facts checkpoint of more than one chunk.
 */
export const recordManyLaunches = async (store: Pick<StateStorePort, 'addToSet'>, group: string, count: number, at: number): Promise<Set<string>> => {
  const launches = fc.sample(fc.tuple(fc.stringMatching(/^[0-9a-f]{17}$/), fc.stringMatching(/^[a-z0-9]{24}$/), fc.nat(HOUR - 1)), {
    numRuns: count,
    seed: 16,
  });
  const entries = new Map<string, string[]>();
  for (const [hex, model, offset] of launches) {
    const instance = `i-${hex}`;
    const sk = packedFactsSk(at, instance);
    const list = entries.get(sk) ?? [];
    list.push(`${instance}|s|${offset}|${at}\u001f7\u001f${model}`, `${instance}|w|5|1`);
    entries.set(sk, list);
  }
  for (const [sk, list] of entries) await store.addToSet(groupPk(group), sk, PACKED_FACTS_SET, list, packedFactsExpiry(at));
  return new Set(launches.map(([hex]) => `i-${hex}`));
};
